package lines

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// scanBefore is Scan as it was before ScanBytes (a copy of every line as
// it is read, a 64 KB buffer): the reference ScanBytes must agree with.
func scanBefore(r io.Reader, fn func(line int, text string, terminated, tooLong bool) error) error {
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
				return fn(line, string(trimEOL(buf)), false, tooLong)
			}
			if err != nil {
				return err
			}
			break
		}
		line++
		if err := fn(line, string(trimEOL(buf)), true, tooLong); err != nil {
			return err
		}
	}
}

func record(scan func(io.Reader, func(int, string, bool, bool) error) error, data []byte) string {
	var b strings.Builder
	err := scan(bytes.NewReader(data), func(line int, text string, terminated, tooLong bool) error {
		fmt.Fprintf(&b, "%d %t %t %d %q\n", line, terminated, tooLong, len(text), text[:min(len(text), 20)])
		if len(text) > 20 {
			fmt.Fprintf(&b, "%x\n", text) // all of a long line, to compare it too
		}
		return nil
	})
	fmt.Fprintf(&b, "err %v\n", err)
	return b.String()
}

// TestScanAsBefore feeds both readers lines of every length around the
// buffer's and Max, with and without \r\n and a last newline.
func TestScanAsBefore(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	lengths := []int{0, 1, 2, 100, 64*1024 - 1, 64 * 1024, 256*1024 - 1, 256 * 1024, 256*1024 + 1, Max - 2, Max - 1, Max, Max + 1, 3 * Max}
	for round := range 40 {
		var data []byte
		for range 1 + rng.IntN(6) {
			n := lengths[rng.IntN(len(lengths))]
			line := bytes.Repeat([]byte{byte('a' + round%26)}, n)
			data = append(data, line...)
			switch rng.IntN(3) {
			case 0:
				data = append(data, '\n')
			case 1:
				data = append(data, '\r', '\n')
			default:
				data = append(data, "\n\n"...)
			}
		}
		if rng.IntN(2) == 0 && len(data) > 0 {
			data = data[:len(data)-1-rng.IntN(min(len(data), 3))]
		}
		if got, want := record(Scan, data), record(scanBefore, data); got != want {
			t.Fatalf("round %d (%d bytes): Scan differs from before\n got %.500s\nwant %.500s", round, len(data), got, want)
		}
	}
}
