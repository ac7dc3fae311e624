package record

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/switchwatch/switchwatch/internal/event"
	"github.com/switchwatch/switchwatch/record/store"
)

// Reasons the recorder kills a --switchover command (Attrs killed of
// event.SwitchoverCommand).
const (
	killedInterrupted    = "interrupted"     // Ctrl-C
	killedRecordingEnded = "recording_ended" // --duration passed, or the recording failed
)

// EnvRunDir and EnvEvents are set in the environment of the --switchover
// command: the run folder (absolute) and its events file, so that a command
// such as "switchwatch lab play" or "switchwatch mark" finds the run.
const (
	EnvRunDir = "SWITCHWATCH_RUN_DIR"
	EnvEvents = "SWITCHWATCH_EVENTS"
)

// killGrace is how long a killed command's process group has between
// SIGTERM and SIGKILL; the output still buffered is read for as long again.
const killGrace = 3 * time.Second

// maxOutputLine bounds one output event: a longer line is split.
const maxOutputLine = 64 << 10

// switchover runs the --switchover command through the shell and writes
// its start, end, exit status and each line of its output as events.
type switchover struct {
	command string
	// sc holds the passwords the command line carries (commandSecrets):
	// the command is stored and shown as RedactCommand gives it, and its
	// output and errors are scrubbed of them.
	sc     *scrubber
	runDir string            // absolute
	log    func(store.Event) // an event of the run
	note   func(string)      // a line on the status display
	watch  *recoveryWatch
	clock  clock
	// why says why the command is being killed when its context ends.
	why func() string
}

// run starts the command at `at` (unless ctx ends first), waits for it and
// logs it. When ctx ends while it runs, its process group gets SIGTERM,
// then SIGKILL after killGrace.
func (sw *switchover) run(ctx context.Context, at time.Time) {
	t := time.NewTimer(time.Until(at))
	defer t.Stop()
	select {
	case <-ctx.Done():
		sw.note("the recording ended before --switchover-after: the switchover command did not run")
		return
	case <-t.C:
	}
	cmd := exec.Command("sh", "-c", sw.command)
	// Its own process group, so that killing it reaches what it started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Env = append(os.Environ(), EnvRunDir+"="+sw.runDir, EnvEvents+"="+filepath.Join(sw.runDir, store.EventsFile))
	stdout := &lineEvents{sw: sw, stream: "stdout"}
	stderr := &lineEvents{sw: sw, stream: "stderr"}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = killGrace // a grandchild in another group keeping the pipes open
	shown := RedactCommand(sw.command)
	// The command's start is when the switchover was asked for: the trigger.
	attrs := map[string]string{"command": shown, event.AttrTrigger: "true"}
	start := time.Now()
	err := cmd.Start()
	if err != nil {
		end := time.Now()
		attrs["error"] = sw.sc.scrub(err.Error())
		sw.log(store.Event{Time: start, End: &end, Name: event.SwitchoverCommand, Attrs: attrs,
			Message: "the switchover command could not be started"})
		sw.note("the switchover command could not be started: " + attrs["error"])
		sw.watch.commandStarted(sw.clock.ns(start))
		sw.watch.commandEnded(sw.clock.ns(end))
		return
	}
	sw.watch.commandStarted(sw.clock.ns(start))
	pid := cmd.Process.Pid
	attrs["pid"] = strconv.Itoa(pid)
	sw.note("switchover command started (pid " + strconv.Itoa(pid) + "): " + escapeLine(shown))

	waited := make(chan struct{})
	var (
		killMu sync.Mutex
		killed string
	)
	go func() {
		select {
		case <-waited:
			return
		case <-ctx.Done():
		}
		killMu.Lock()
		killed = sw.why()
		killMu.Unlock()
		sw.note("killing the switchover command's process group (pid " + strconv.Itoa(pid) + "): " + killed)
		syscall.Kill(-pid, syscall.SIGTERM)
		select {
		case <-waited:
		case <-time.After(killGrace):
			syscall.Kill(-pid, syscall.SIGKILL)
		}
	}()
	err = cmd.Wait()
	end := time.Now()
	close(waited)
	stdout.flush()
	stderr.flush()
	var killedBy string
	status := -1
	if st := cmd.ProcessState; st != nil {
		status = st.ExitCode()
		if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			killedBy = ws.Signal().String()
		}
	}
	attrs["exit_status"] = strconv.Itoa(status)
	msg := "switchover command exited with status " + strconv.Itoa(status)
	if killedBy != "" {
		attrs["signal"] = killedBy
		msg = "switchover command ended by " + killedBy
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		attrs["error"] = sw.sc.scrub(err.Error()) // e.g. the output pipes were still open after WaitDelay
	}
	killMu.Lock()
	k := killed
	killMu.Unlock()
	if k != "" {
		attrs["killed"] = k
		msg += " (killed: " + k + ")"
	}
	sw.log(store.Event{Time: start, End: &end, Name: event.SwitchoverCommand, Attrs: attrs, Message: msg})
	sw.note(msg + " after " + end.Sub(start).Round(time.Millisecond).String())
	sw.watch.commandEnded(sw.clock.ns(end))
}

// lineEvents is the command's stdout or stderr: every line becomes an
// event, stamped when it arrived, and is shown (escaped) on the status.
type lineEvents struct {
	sw     *switchover
	stream string
	mu     sync.Mutex
	buf    []byte
}

func (l *lineEvents) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 && len(l.buf) < maxOutputLine {
			break
		}
		if i < 0 || i > maxOutputLine {
			i = maxOutputLine
			l.emit(l.buf[:i])
			l.buf = l.buf[i:]
			continue
		}
		l.emit(l.buf[:i])
		l.buf = l.buf[i+1:]
	}
	return len(p), nil
}

// flush emits a last line without a newline.
func (l *lineEvents) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.emit(l.buf)
		l.buf = nil
	}
}

func (l *lineEvents) emit(line []byte) {
	text := l.sw.sc.scrub(strings.TrimSuffix(string(line), "\r"))
	l.sw.log(store.Event{Time: time.Now(), Name: event.SwitchoverOutput, Message: text,
		Attrs: map[string]string{"stream": l.stream}})
	l.sw.note("switchover " + l.stream + ": " + escapeLine(text))
}

// escapeLine makes text from outside safe on a terminal: control
// characters and invalid UTF-8 become Go escapes.
func escapeLine(s string) string {
	q := strconv.QuoteToGraphic(s)
	q = q[1 : len(q)-1]
	return strings.ReplaceAll(q, `\"`, `"`)
}

// handsFree is what --switchover and --until-recovered add to a recording:
// the command, the recovery watch and the events file they write.
type handsFree struct {
	cfg    *Config
	user   context.Context // Ctrl-C
	sch    *scheduler
	runDir string // absolute
	events *store.EventLog
	watch  *recoveryWatch

	cancelCmd context.CancelFunc
	cmdDone   chan struct{}
	from      time.Time // when the watch fired: see Result.RecoveredAt
}

// startHandsFree opens the run's events file and sets up the recovery
// watch (which calls stopRecording when it fires). Without --switchover
// and --until-recovered it does nothing.
func startHandsFree(user context.Context, cfg *Config, runDir string, sch *scheduler, streams []*stream, stopRecording func()) (*handsFree, error) {
	abs, err := filepath.Abs(runDir)
	if err != nil {
		abs = runDir
	}
	h := &handsFree{cfg: cfg, user: user, sch: sch, runDir: abs}
	if cfg.Switchover == "" && cfg.UntilRecovered <= 0 {
		return h, nil
	}
	ev, err := store.CreateEventLog(filepath.Join(abs, store.EventsFile))
	if err != nil {
		return h, err
	}
	h.events = ev
	if cfg.UntilRecovered > 0 {
		h.watch = newRecoveryWatch(cfg.UntilRecovered, cfg.Switchover != "", streams, stopRecording)
		sch.recovery = h.watch
	}
	return h, nil
}

// start schedules the command at t0 + SwitchoverAfter.
func (h *handsFree) start(t0 time.Time) {
	if h.cfg.Switchover == "" || h.events == nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancelCmd, h.cmdDone = cancel, make(chan struct{})
	sc := &scrubber{}
	sc.add(commandSecrets(h.cfg.Switchover))
	sw := &switchover{command: h.cfg.Switchover, sc: sc, runDir: h.runDir, log: h.log, note: h.sch.display.note, watch: h.watch, clock: h.sch.clock,
		why: func() string {
			if h.user.Err() != nil {
				return killedInterrupted
			}
			return killedRecordingEnded
		}}
	go func() { defer close(h.cmdDone); sw.run(ctx, t0.Add(h.cfg.SwitchoverAfter)) }()
}

// finish runs when the probes have stopped: it kills the command if it
// still runs, logs the recovery, closes the events file and says why the
// recording ended (a store.Stopped* value).
func (h *handsFree) finish() string {
	if h.cancelCmd != nil {
		h.cancelCmd()
		<-h.cmdDone
	}
	stopped := ""
	switch fired, from, outage := h.watch.result(); {
	case fired:
		h.from = time.Unix(0, from).UTC()
		now := time.Now()
		stopped = store.StoppedRecovered
		msg := fmt.Sprintf("every stream healthy for %v since the end of the outage at %s: stopping", h.cfg.UntilRecovered, h.from.Format(time.RFC3339Nano))
		if !outage {
			stopped = store.StoppedUnnoticed
			msg = fmt.Sprintf("every stream healthy for %v since the switchover command ended at %s, and no probe failed or stalled: clients never noticed the switchover; stopping",
				h.cfg.UntilRecovered, h.from.Format(time.RFC3339Nano))
		}
		h.sch.display.note(msg)
		h.log(store.Event{Time: h.from, End: &now, Name: event.Recovered, Message: msg,
			Attrs: map[string]string{"until_recovered": h.cfg.UntilRecovered.String(), "outage": strconv.FormatBool(outage)}})
	case h.user.Err() != nil:
		stopped = store.StoppedInterrupted
	case h.cfg.Duration > 0:
		stopped = store.StoppedDuration
	}
	if h.events != nil {
		if err := h.events.Close(); err != nil {
			h.sch.display.note("could not close the events file: " + err.Error())
		}
	}
	return stopped
}

func (h *handsFree) recoveredAt() time.Time { return h.from }

func (h *handsFree) log(e store.Event) {
	e.Source = event.SourceRecord
	if err := h.events.Log(e); err != nil {
		h.sch.display.note("could not write an event: " + err.Error())
	}
}
