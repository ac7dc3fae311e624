package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// quotedCommand is a command a hint quotes: "switchwatch ..." or
// `switchwatch ...` inside a message or help text.
var quotedCommand = regexp.MustCompile("[\"`](switchwatch [^\"`\n]*)[\"`]")

// hintCommands returns every quoted switchwatch command in the string
// literals of the module's non-test Go files and in the README's code
// blocks, each with where it was found.
func hintCommands(t *testing.T) map[string]string {
	t.Helper()
	root := filepath.Join("..", "..")
	found := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			if strings.HasPrefix(lit.Value, "`") {
				// A help text: its example lines are commands too.
				for _, line := range strings.Split(s, "\n") {
					if l := strings.TrimSpace(line); strings.HasPrefix(l, "switchwatch ") && !strings.Contains(l, "switchwatch measures") {
						found[strings.TrimSuffix(l, "\\")] = fset.Position(lit.Pos()).String()
					}
				}
			}
			for _, m := range quotedCommand.FindAllStringSubmatch(s, -1) {
				found[m[1]] = fset.Position(lit.Pos()).String()
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	docs, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	for _, doc := range append([]string{filepath.Join(root, "README.md"), filepath.Join(root, "analyze", "README.md")}, docs...) {
		text, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		name, _ := filepath.Rel(root, doc)
		inCode := false
		for i, line := range strings.Split(string(text), "\n") {
			where := name + ":" + strconv.Itoa(i+1)
			l := strings.TrimSpace(line)
			if strings.HasPrefix(l, "```") {
				inCode = !inCode
				continue
			}
			l = strings.TrimPrefix(strings.TrimPrefix(l, "$ "), "./")
			if inCode && strings.HasPrefix(l, "switchwatch ") {
				found[strings.TrimSuffix(l, "\\")] = where
			}
			for _, m := range quotedCommand.FindAllStringSubmatch(line, -1) {
				found[m[1]] = where
			}
		}
	}
	return found
}

// resolve finds the leaf command that words name, returning the words
// after it.
func resolve(words []string) (path []string, rest []string, ok bool) {
	cs := commands
	for i, w := range words {
		var next *command
		for _, c := range cs {
			if c.name == w {
				next = c
			}
		}
		if next == nil {
			return nil, nil, false
		}
		path = append(path, w)
		if next.children == nil {
			return path, words[i+1:], true
		}
		cs = next.children
	}
	return path, nil, true // a group: fine to quote
}

// TestHintsNameRealCommands: every switchwatch command a message, help text
// or the README tells users to run names a command of the command table,
// and each --flag it passes is one that command's help lists.
func TestHintsNameRealCommands(t *testing.T) {
	cmds := hintCommands(t)
	if len(cmds) < 10 {
		t.Fatalf("found only %d quoted commands: the extraction is broken", len(cmds))
	}
	helps := map[string]string{}
	for cmd, where := range cmds {
		words := strings.Fields(cmd)[1:]
		if len(words) > 0 && words[0] == "help" {
			words = words[1:]
		}
		if len(words) == 0 || strings.HasPrefix(words[0], "<") || strings.HasPrefix(words[0], "-") || strings.ToUpper(words[0]) == words[0] {
			continue // "switchwatch <command> --help", "switchwatch --version", "switchwatch CMD --help"
		}
		path, rest, ok := resolve(words)
		if !ok {
			t.Errorf("%s: %q: no such command", where, cmd)
			continue
		}
		key := strings.Join(path, " ")
		help, seen := helps[key]
		if !seen {
			help, _, _ = invoke(t, append(path, "--help")...)
			helps[key] = help
		}
		for _, w := range rest {
			if !strings.HasPrefix(w, "--") || w == "--" {
				continue
			}
			flag, _, _ := strings.Cut(w, "=")
			if !regexp.MustCompile(`(?m)^\s+(-\w, )?` + regexp.QuoteMeta(flag) + `\b`).MatchString(help) {
				t.Errorf("%s: %q: switchwatch %s has no flag %s", where, cmd, key, flag)
			}
		}
	}
}
