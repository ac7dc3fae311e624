package record_test

import (
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/pgserver"
	"github.com/switchwatch/switchwatch/lab"
	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
)

// TestPoolRecoversAfterBlackhole puts the endpoint into a no-answer window
// and back, as a moving endpoint does. Dials the pool started during the
// window must give up after the connect timeout, so that once the endpoint
// answers again the pooled probes succeed within about two connect
// timeouts, instead of queueing behind dials that never return.
func TestPoolRecoversAfterBlackhole(t *testing.T) {
	srv := sharedServer(t)
	proxy, err := lab.NewProxy("endpoint", "127.0.0.1:0", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	dsn := pgserver.DSN("127.0.0.1", proxy.Port(), srv.User(), srv.Password())
	out := t.TempDir()
	back := make(chan time.Time, 1)
	go func() {
		waitForOK(t, out, 5)
		proxy.Blackhole()
		proxy.CutAll()
		time.Sleep(2 * time.Second)
		back <- time.Now()
		proxy.Forward(srv.Addr())
	}()
	const connectTimeout = time.Second
	_, rows := recordRows(t, record.Config{
		WriteDSN: dsn, Interval: 50 * time.Millisecond, Duration: 9 * time.Second, Out: out,
		Kinds: []string{"connect"}, Conns: []string{"pooled"}, PoolSize: 2, ConnectTimeout: connectTimeout,
	})
	answered := <-back
	var failed, after int
	for _, p := range rows {
		if p.Failed() {
			failed++
		}
		// A dial that started just before the endpoint answered again holds
		// its pool slot for one connect timeout, and a probe already waiting
		// for a slot then needs its own dial: a probe meant to start two
		// connect timeouts (plus slack for a busy machine) after the endpoint
		// answers again must succeed. Without a dial timeout none would.
		if time.Unix(0, p.Intended).After(answered.Add(2*connectTimeout + 500*time.Millisecond)) {
			after++
			if p.Outcome != store.OutcomeOK {
				t.Errorf("seq %d, %v after the endpoint answered again: %s/%s %q",
					p.Seq, time.Unix(0, p.Intended).Sub(answered), p.Outcome, p.ErrorClass, p.Error)
			}
		}
	}
	if failed < 10 || after < 20 {
		t.Fatalf("%d failed probes, %d after recovery: the no-answer window did not happen as planned", failed, after)
	}
}
