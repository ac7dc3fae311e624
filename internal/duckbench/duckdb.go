package duckbench

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The queries, each the DuckDB side of one task; read them to judge
// whether the work is comparable. {{...}} are filled by fillSQL.
var (
	//go:embed analyze.sql
	analyzeSQL string
	//go:embed import_jsonl.sql
	importJSONLSQL string
	//go:embed import_pgbench.sql
	importPgbenchSQL string
	//go:embed duck.cjs
	duckScript string
)

// duckResult is what duck.cjs prints.
type duckResult struct {
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
}

func parseDuck(out []byte) (duckResult, error) {
	var r duckResult
	if err := json.Unmarshal(out, &r); err != nil {
		return r, fmt.Errorf("DuckDB's output %.200q: %w", out, err)
	}
	return r, nil
}

// sqlString quotes s as an SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// sqlList is an SQL list of string literals.
func sqlList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = sqlString(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// fillSQL replaces {{name}} by its value in tmpl, and fails on any left.
func fillSQL(tmpl string, vars map[string]string) (string, error) {
	for k, v := range vars {
		tmpl = strings.ReplaceAll(tmpl, "{{"+k+"}}", v)
	}
	if i := strings.Index(tmpl, "{{"); i >= 0 {
		return "", fmt.Errorf("query has an unfilled %.20s", tmpl[i:])
	}
	return tmpl, nil
}

// duck runs DuckDB's queries through node and duck.cjs.
type duck struct {
	node    string // the node binary
	modules string // the folder with node_modules/@duckdb/node-api
	dir     string // where the script and the filled queries are written
}

// CheckDuckDB reports why DuckDB's Node.js package cannot be used from
// dir (npm install --prefix dir @duckdb/node-api), or nil.
func CheckDuckDB(node, dir string) error {
	if dir == "" {
		return fmt.Errorf("no folder of DuckDB's Node.js package given (--duckdb-node or SWITCHWATCH_DUCKDB_NODE; npm install --prefix DIR @duckdb/node-api)")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@duckdb", "node-api")); err != nil {
		return fmt.Errorf("DuckDB's Node.js package is not in %s (npm install --prefix %s @duckdb/node-api): %w", dir, dir, err)
	}
	if _, err := exec.LookPath(node); err != nil {
		return fmt.Errorf("node: %w", err)
	}
	return nil
}

// cmd is the process that runs query (filled) under name.
func (d duck) cmd(name, query string) (Cmd, error) {
	script := filepath.Join(d.dir, "duck.cjs")
	if err := os.WriteFile(script, []byte(duckScript), 0o644); err != nil {
		return Cmd{}, err
	}
	q := filepath.Join(d.dir, name+".sql")
	if err := os.WriteFile(q, []byte(query), 0o644); err != nil {
		return Cmd{}, err
	}
	modules, err := filepath.Abs(d.modules)
	if err != nil {
		return Cmd{}, err
	}
	return Cmd{Args: []string{d.node, script, q}, Dir: d.dir, Env: []string{"SWITCHWATCH_DUCKDB_NODE=" + modules}}, nil
}
