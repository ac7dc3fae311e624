// Package lines reads text files line by line without buffering a line of
// any length: the one line scanner of switchwatch's readers of outside
// input (events files, pgbench logs, JSON lines).
package lines

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// Max bounds one input line; a longer one is skipped, not buffered.
const Max = 1 << 20

// ErrTooLong is the detail of a line longer than Max.
var ErrTooLong = fmt.Errorf("line longer than %d bytes", Max)

// Scan calls fn for every line of r, numbered from 1, without its line
// ending. terminated is false only for a last line that has no newline:
// for a program that ends every line with one (pgbench does), a cut file.
// A line longer than Max is passed as text "" with tooLong set.
func Scan(r io.Reader, fn func(line int, text string, terminated, tooLong bool) error) error {
	br := bufio.NewReaderSize(r, 64*1024)
	line := 0
	for {
		var buf []byte
		tooLong := false
		for {
			chunk, err := br.ReadSlice('\n')
			if !tooLong {
				if len(buf)+len(chunk) > Max {
					tooLong, buf = true, nil
				} else {
					buf = append(buf, chunk...)
				}
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if err == io.EOF {
				if len(buf) == 0 && !tooLong {
					return nil
				}
				line++
				return fn(line, trimEOL(string(buf)), false, tooLong)
			}
			if err != nil {
				return err
			}
			break
		}
		line++
		if err := fn(line, trimEOL(string(buf)), true, tooLong); err != nil {
			return err
		}
	}
}

func trimEOL(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}
