package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
)

// The markers between which --record writes the figures of record.
const (
	recordBegin = "<!-- duckbench begin: written by duckbench --record, do not edit by hand -->"
	recordEnd   = "<!-- duckbench end -->"
)

// record replaces what lies between the markers in the file at path with
// the command and its output as one code block. The markers must be
// there, once each, in order.
func record(path, command string, output []byte) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("record the figures: %w", err)
	}
	i := bytes.Index(b, []byte(recordBegin))
	j := bytes.Index(b, []byte(recordEnd))
	if i < 0 || j < i || bytes.Count(b, []byte(recordBegin)) != 1 || bytes.Count(b, []byte(recordEnd)) != 1 {
		return fmt.Errorf("record the figures in %s: want the lines %q and %q once each, in that order", path, recordBegin, recordEnd)
	}
	var block strings.Builder
	block.WriteString(recordBegin + "\n```\n$ " + command + "\n")
	block.Write(bytes.TrimRight(output, "\n"))
	block.WriteString("\n```\n")
	out := append(append(append([]byte{}, b[:i]...), block.String()...), b[j:]...)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		return fmt.Errorf("record the figures: %w", err)
	}
	return nil
}
