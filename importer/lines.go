package importer

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
)

// maxLine bounds one input line; a longer one is skipped, not buffered.
const maxLine = 1 << 20

// errLineTooLong is the detail of a line longer than maxLine.
var errLineTooLong = fmt.Errorf("line longer than %d bytes", maxLine)

// scanLines calls fn for every line of r, numbered from 1, without its
// line ending. terminated is false only for a last line that has no
// newline: for a program that ends every line with one (pgbench does), a
// cut file. A line longer than maxLine is passed as text "" with
// tooLong set.
func scanLines(r io.Reader, fn func(line int, text string, terminated, tooLong bool) error) error {
	br := bufio.NewReaderSize(r, 64*1024)
	line := 0
	for {
		var buf []byte
		tooLong := false
		for {
			chunk, err := br.ReadSlice('\n')
			if !tooLong {
				if len(buf)+len(chunk) > maxLine {
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

// fileDigest is the SHA-256 of a file's content, hex.
func fileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
