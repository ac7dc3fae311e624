package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/internal/otelapp"
	"github.com/switchwatch/switchwatch/lab"
)

// TestLabRunTracesFlags: --traces-* settings are refused without --traces
// or with bad values, as usage errors before anything starts; with
// --traces they become the application's configuration.
func TestLabRunTracesFlags(t *testing.T) {
	base := []string{"lab", "run", "--scenario", "aurora", "--out", "OUT"}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--traces-quiet", "5s+1s"}, "--traces-quiet needs --traces"},
		{[]string{"--traces-think", "1s"}, "--traces-think needs --traces"},
		{[]string{"--traces", "--traces-quiet", "5s"}, "AFTER+FOR"},
		{[]string{"--traces", "--traces-quiet", "5s+0s"}, "FOR"},
		{[]string{"--traces", "--traces-checkout", "0", "--traces-reports", "0"}, "one client"},
		{[]string{"--traces", "--traces-timeout", "0s"}, "must be positive"},
	} {
		args := append(append([]string{}, base...), c.args...)
		stdout, stderr, code := invoke(t, args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, c.want) {
			t.Errorf("switchwatch %s: exit %d, stdout %q, stderr %q; want exit 2 naming %q", strings.Join(args, " "), code, stdout, stderr, c.want)
		}
	}

	fs := newFlagSet("lab run", "usage", "", io.Discard)
	var tf tracesFlags
	tf.register(fs)
	if err := fs.parse([]string{"--traces", "--traces-reports", "3", "--traces-timeout", "1500ms", "--traces-quiet", "20s+3s", "--traces-quiet", "40s + 1s"}); err != nil {
		t.Fatal(err)
	}
	var opts lab.RunOptions
	if err := tf.apply(fs, &opts); err != nil {
		t.Fatal(err)
	}
	a := opts.App
	if a == nil || a.Checkout != otelapp.DefaultCheckout || a.Reports != 3 || a.ConnectTimeout != 1500*time.Millisecond ||
		a.QueryTimeout != 1500*time.Millisecond || len(a.Quiet) != 2 || a.Quiet[0] != (otelapp.Quiet{After: 20 * time.Second, For: 3 * time.Second}) ||
		a.Quiet[1] != (otelapp.Quiet{After: 40 * time.Second, For: time.Second}) {
		t.Errorf("application configuration %+v", a)
	}
}
