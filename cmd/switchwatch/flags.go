package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/switchwatch/switchwatch/record/store"
)

// labelsFlag is a repeated --label key=value.
type labelsFlag map[string]string

func (l labelsFlag) String() string { return strings.Join(store.LabelPairs(l), ",") }

func (l labelsFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return fmt.Errorf("want key=value, got %q", v)
	}
	if strings.ContainsAny(k, "/=") {
		return fmt.Errorf("label key %q must not contain / or =", k)
	}
	l[k] = val
	return nil
}

// listFlag is a comma-separated list, e.g. --probes write,read.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	*l = (*l)[:0]
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	if len(*l) == 0 {
		return fmt.Errorf("empty list")
	}
	return nil
}

// newFlagSet makes a FlagSet that reports errors instead of exiting and
// prints a usage text of the form "usage line, description, flags".
func newFlagSet(name, usageLine, description string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s\n\n%s\n\nFlags:\n", usageLine, strings.TrimSpace(description))
		fs.PrintDefaults()
	}
	return fs
}
