package store

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

func writeOther[T any](path string, rows []T) error { return writeParquet(path, false, rows) }
