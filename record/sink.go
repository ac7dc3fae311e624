package record

import "github.com/switchwatch/switchwatch/record/store"

// sink takes the probes' rows to the run's segments. Its goroutine
// decouples probes from disk: a segment being closed must never hold up a
// probe's in-flight slot. The first write error ends the recording (fail)
// and the rows after it are drained unwritten, so probes never block.
type sink struct {
	w    *store.Writer
	rows chan store.Probe
	done chan struct{}
	err  error // the first write error; read after drain
}

func newSink(w *store.Writer, fail func()) *sink {
	k := &sink{w: w, rows: make(chan store.Probe, 65536), done: make(chan struct{})}
	go func() {
		defer close(k.done)
		for p := range k.rows {
			if k.err != nil {
				continue // keep draining so probes never block; the run is ending
			}
			if err := k.w.Write(&p); err != nil {
				k.err = err
				fail()
			}
		}
	}()
	return k
}

// drain takes the last rows once no probe sends any more.
func (k *sink) drain() {
	close(k.rows)
	<-k.done
}

// close closes the last segment after drain, and returns the first error
// of writing or closing.
func (k *sink) close() error {
	if err := k.w.Close(); k.err == nil {
		return err
	}
	return k.err
}
