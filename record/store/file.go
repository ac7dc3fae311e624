package store

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteFile creates path and fills it through fill, then syncs it (when
// durable is set) and closes it. Whatever step fails, the file is closed
// and the error names the step and the path. Every file switchwatch writes
// whole (segments, phases, an importer's sort runs) goes through it.
func WriteFile(path string, durable bool, fill func(w io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	return fillFile(f, path, durable, fill)
}

// fillFile is WriteFile on a file already open: fill, sync, close.
func fillFile(f *os.File, path string, durable bool, fill func(w io.Writer) error) error {
	if err := fill(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if durable {
		if err := f.Sync(); err != nil {
			f.Close()
			return fmt.Errorf("sync %s: %w", path, err)
		}
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	return nil
}

// writeFileAtomic writes a hidden temporary file beside path through fill,
// syncs it and renames it over path, so a reader never sees half of it.
func writeFileAtomic(path string, fill func(w io.Writer) error) error {
	dir, base := filepath.Split(path)
	tmp, err := os.CreateTemp(dir, tmpPrefix+base+"-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := fillFile(tmp, path, true, fill); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("rename into %s: %w", path, err)
	}
	return nil
}

// writeJSONAtomic writes v as indented JSON, one trailing newline, to the
// file name in runDir with writeFileAtomic.
func writeJSONAtomic(runDir, name string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", name, err)
	}
	return writeFileAtomic(filepath.Join(runDir, name), func(w io.Writer) error {
		_, err := w.Write(append(data, '\n'))
		return err
	})
}

// readJSON reads the JSON file path into v. A missing file's error wraps
// fs.ErrNotExist.
func readJSON(path string, v any) error {
	data, err := readFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return parseJSON(path, data, v)
}

// parseJSON decodes data, the content of the file path, into v.
func parseJSON(path string, data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("parse %s: %w", path, err)
	}
	return nil
}
