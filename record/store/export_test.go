package store

import (
	"os"

	"github.com/parquet-go/parquet-go"
)

// abandon stops a Writer the way a killed process does: no segment is
// written, no journal removed, and the run's lock is released (as the kernel
// does when the process dies).
func (w *Writer) abandon() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	close(w.stopFlush)
	<-w.flushDone
	w.journalBuf.Flush()
	w.journal.Close()
	unlockRun(w.lock)
}

func writeOther[T any](path string, rows []T) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	pw := parquet.NewGenericWriter[T](f)
	if _, err := pw.Write(rows); err != nil {
		return err
	}
	if err := pw.Close(); err != nil {
		return err
	}
	return f.Close()
}
