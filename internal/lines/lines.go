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
	return ScanBytes(r, func(line int, text []byte, terminated, tooLong bool) error {
		return fn(line, string(text), terminated, tooLong)
	})
}

// ScanBytes is Scan without a copy of each line: text is valid only
// during the call (it may point into the reader's buffer), so a reader of
// millions of lines allocates nothing per line.
func ScanBytes(r io.Reader, fn func(line int, text []byte, terminated, tooLong bool) error) error {
	br := bufio.NewReaderSize(r, 256*1024)
	line := 0
	var long []byte // a line longer than the buffer, gathered
	for {
		chunk, err := br.ReadSlice('\n')
		buf := chunk
		tooLong := false
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long[:0], chunk...)
			for errors.Is(err, bufio.ErrBufferFull) {
				chunk, err = br.ReadSlice('\n')
				if !tooLong {
					if len(long)+len(chunk) > Max {
						tooLong, long = true, long[:0]
					} else {
						long = append(long, chunk...)
					}
				}
			}
			buf = long
		} else if len(buf) > Max {
			tooLong, buf = true, nil
		}
		if tooLong {
			buf = nil
		}
		if err == io.EOF {
			if len(buf) == 0 && !tooLong {
				return nil
			}
			line++
			return fn(line, trimEOL(buf), false, tooLong)
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
		line++
		if err := fn(line, trimEOL(buf), true, tooLong); err != nil {
			return err
		}
	}
}

func trimEOL(s []byte) []byte {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}
