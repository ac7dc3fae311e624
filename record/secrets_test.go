package record_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchwatch/switchwatch/record"
	"github.com/switchwatch/switchwatch/record/store"
)

// syncBuf is a bytes.Buffer the status display and the test share.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestSwitchoverCommandPasswordsStayOut records with a --switchover command
// that carries a password in every form a command line does (a URI, a
// ?password= parameter, PGPASSWORD=, password= in a keyword/value DSN,
// --password VALUE, --password=VALUE) and echoes one: none reaches
// run.json, events.jsonl or the status display, and the command is still
// there, redacted.
func TestSwitchoverCommandPasswordsStayOut(t *testing.T) {
	srv := sharedServer(t)
	secrets := []string{"pw-uri-secret", "pw-query-secret", "pw-env-secret", "pw-keyword-secret", "pw-flag-secret", "pw-equals-secret"}
	command := `export PGPASSWORD=pw-env-secret; ` +
		`true postgres://app:pw-uri-secret@127.0.0.1/x "postgresql://app@127.0.0.1/x?password=pw-query-secret" ` +
		`"host=127.0.0.1 user=app password=pw-keyword-secret dbname=x" --password pw-flag-secret --password=pw-equals-secret; ` +
		`echo "connecting with $PGPASSWORD"`
	var status syncBuf
	res, _ := recordRows(t, record.Config{
		WriteDSN: srv.DSN(), Interval: 50 * time.Millisecond, Duration: time.Second, Kinds: []string{"write"},
		Switchover: command, SwitchoverAfter: 100 * time.Millisecond, Status: &status,
	})
	for _, s := range secrets {
		assertNoSecret(t, res.RunDir, s)
		if strings.Contains(status.String(), s) {
			t.Errorf("password %s shown on the status display:\n%s", s, status.String())
		}
	}
	info, err := store.ReadRunInfo(res.RunDir)
	if err != nil {
		t.Fatal(err)
	}
	want := record.RedactCommand(command)
	if got, _ := info.Settings["switchover"].(string); got != want || !strings.Contains(got, "--password "+record.Redacted) {
		t.Errorf("run.json switchover = %q, want %q", got, want)
	}
	events, err := os.ReadFile(filepath.Join(res.RunDir, store.EventsFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(events), `"connecting with `+record.Redacted+`"`) || !strings.Contains(string(events), "PGPASSWORD="+record.Redacted) {
		t.Errorf("events.jsonl lacks the redacted command or its scrubbed output:\n%s", events)
	}
}
