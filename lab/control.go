package lab

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/switchwatch/switchwatch/internal/pgbouncer"
	"github.com/switchwatch/switchwatch/internal/pgserver"
	"github.com/switchwatch/switchwatch/record/store"
)

// UpState is the state file of "switchwatch lab up": where its endpoints
// and its control socket are. "switchwatch lab play" reads it.
type UpState struct {
	PID     int    `json:"pid"`
	Control string `json:"control"` // the control socket: TCP on 127.0.0.1
	// Rig is the rig's kind and shaping settings (RigOptions.Describe),
	// such as "dns (ttl 5s)"; a play of a scenario that needs another
	// rig is refused.
	Rig      string `json:"rig"`
	WriteDSN string `json:"write_dsn"`
	ReadDSN  string `json:"read_dsn"`
	// DNSServer is the rig's DNS server on a dns rig (give it to record
	// --dns-server), else empty.
	DNSServer string `json:"dns_server,omitempty"`
	Dir       string `json:"dir"` // the rig's work directory (it changes when the rig is rebuilt)
	Plays     int    `json:"plays"`
}

// ReadUpState reads a state file written by Serve.
func ReadUpState(path string) (*UpState, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the lab's state file: %w (is \"switchwatch lab up\" running?)", err)
	}
	var st UpState
	if err := json.Unmarshal(data, &st); err != nil || st.Control == "" {
		return nil, fmt.Errorf("%s is not the state file of \"switchwatch lab up\"", path)
	}
	return &st, nil
}

// playRequest is what "lab play" sends, one JSON line; the answer is
// JSON lines: one per ground-truth event logged, then the outcome.
type playRequest struct {
	Scenario string `json:"scenario,omitempty"` // a built-in's name, or
	// File is a scenario file's absolute path (lab up and lab play run on
	// one machine: the control socket listens on 127.0.0.1 only).
	File   string            `json:"file,omitempty"`
	Set    map[string]string `json:"set,omitempty"`
	Events string            `json:"events"` // absolute path of the events file to append to
}

// scenario builds the scenario the request names.
func (req playRequest) scenario() (*Scenario, error) {
	if req.File != "" {
		if !filepath.IsAbs(req.File) {
			return nil, fmt.Errorf("scenario file %q: want an absolute path", req.File)
		}
		return LoadFile(req.File, req.Set)
	}
	return NewBuiltin(req.Scenario, req.Set)
}

type playAnswer struct {
	Event *store.Event `json:"event,omitempty"`
	Done  bool         `json:"done,omitempty"`
	Error string       `json:"error,omitempty"`
}

// Served is a rig kept up by "switchwatch lab up", playing scenarios on
// request through its control socket. One play at a time; after each, the
// rig is reset for the next (see reset).
type Served struct {
	opts  RigOptions
	state string // the state file's path
	log   io.Writer
	ln    net.Listener

	mu    sync.Mutex // one play or reset at a time; guards rig and st
	rig   *Rig
	st    UpState
	wg    sync.WaitGroup
	close chan struct{}
}

// Serve builds a rig as opts say (its kind too: Scenario.RigFor gives
// the options of the rig a scenario needs), listens on a control socket on
// 127.0.0.1 and writes the state file at statePath. The lab's endpoints
// keep their ports for as long as it serves, across resets and rebuilds
// (a rebuilt PgBouncer or DNS server gets a new port: the state file
// says). Log receives a line per play and reset (nil: none).
func Serve(ctx context.Context, opts RigOptions, statePath string, log io.Writer) (*Served, error) {
	if log == nil {
		log = io.Discard
	}
	rig, err := NewRig(ctx, opts)
	if err != nil {
		return nil, err
	}
	// Later rebuilds use the same endpoint ports: the DSNs stay valid.
	if rig.Writer != nil {
		opts.WritePort, opts.ReadPort = rig.Writer.Port(), rig.Reader.Port()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		rig.Close()
		return nil, fmt.Errorf("control socket: %w", err)
	}
	s := &Served{opts: opts, state: statePath, log: log, ln: ln, rig: rig, close: make(chan struct{})}
	s.st = UpState{PID: os.Getpid(), Control: ln.Addr().String(), Rig: opts.Describe()}
	s.setEndpoints()
	if err := s.writeState(); err != nil {
		ln.Close()
		rig.Close()
		return nil, err
	}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// setEndpoints copies the rig's endpoints into the state.
func (s *Served) setEndpoints() {
	s.st.WriteDSN, s.st.ReadDSN, s.st.Dir = s.rig.WriteDSN(), s.rig.ReadDSN(), s.rig.Dir
	s.st.DNSServer = ""
	if s.rig.DNS != nil {
		s.st.DNSServer = s.rig.DNS.Addr()
	}
}

// Rig is the rig as it is now (it changes on a reset).
func (s *Served) Rig() *Rig {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rig
}

func (s *Served) writeState() error {
	data, _ := json.MarshalIndent(s.st, "", "  ")
	tmp := s.state + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("write the state file: %w", err)
	}
	return os.Rename(tmp, s.state)
}

// Close stops serving (a play in progress is cancelled), stops the rig and
// removes the state file.
func (s *Served) Close() error {
	close(s.close)
	s.ln.Close()
	s.wg.Wait()
	os.Remove(s.state)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rig.Close()
}

func (s *Served) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.serve(c) }()
	}
}

// serve answers one play request. The play is cancelled when the client
// goes away (lab play killed) or the rig stops.
func (s *Served) serve(c net.Conn) {
	defer c.Close()
	var req playRequest
	r := bufio.NewReader(c)
	line, err := r.ReadBytes('\n')
	if err != nil {
		return
	}
	var wmu sync.Mutex
	answer := func(a playAnswer) {
		data, _ := json.Marshal(a)
		wmu.Lock()
		defer wmu.Unlock()
		c.Write(append(data, '\n'))
	}
	if err := json.Unmarshal(line, &req); err != nil {
		answer(playAnswer{Error: "bad request: " + err.Error()})
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		// Nothing more is sent on the socket: a read returns when the
		// client closes it.
		r.ReadByte()
		cancel()
	}()
	go func() {
		select {
		case <-s.close:
			cancel()
		case <-ctx.Done():
		}
	}()
	err = s.play(ctx, req, func(e store.Event) { answer(playAnswer{Event: &e}) })
	if err != nil {
		answer(playAnswer{Error: err.Error()})
		return
	}
	answer(playAnswer{Done: true})
}

// teeSink logs to the events file and tells the client.
type teeSink struct {
	log  *store.EventLog
	tell func(store.Event)
}

func (t teeSink) Log(e store.Event) error {
	err := t.log.Log(e)
	t.tell(e)
	return err
}

// play runs one scenario's steps on the rig (no lead-in and no tail: the
// recorder's --switchover-after and --until-recovered are those), appends
// the ground truth to req.Events, and resets the rig for the next play.
func (s *Served) play(ctx context.Context, req playRequest, tell func(store.Event)) error {
	sc, err := req.scenario()
	if err != nil {
		return err
	}
	if need := sc.RigFor(s.opts); !need.sameShape(s.opts) {
		return fmt.Errorf("scenario %s with these parameters needs a %s rig, and this one is %s: start one with \"switchwatch lab up --scenario %s\" (and the same --set)",
			sc.Name, need.Describe(), s.opts.Describe(), sc.Name)
	}
	if !filepath.IsAbs(req.Events) {
		return fmt.Errorf("events file %q: want an absolute path", req.Events)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	events, err := store.CreateEventLog(req.Events)
	if err != nil {
		return err
	}
	s.st.Plays++
	fmt.Fprintf(s.log, "play %d: scenario %s, ground truth into %s\n", s.st.Plays, sc.Name, req.Events)
	err = RunScenario(ctx, s.rig, sc, teeSink{log: events, tell: tell})
	if cerr := events.Close(); err == nil {
		err = cerr
	}
	// The reset runs whatever the play's outcome, before the answer, so
	// that "lab play" returning means the rig is ready for the next play
	// and the endpoints are where they will stay.
	if rerr := s.reset(context.Background()); rerr != nil {
		fmt.Fprintf(s.log, "reset after play %d failed: %v\n", s.st.Plays, rerr)
		if err == nil {
			err = fmt.Errorf("the scenario ran, but resetting the rig for the next play failed: %w", rerr)
		}
	}
	s.writeState()
	return err
}

// reset makes the rig ready for the next play without moving the write
// endpoint off the server that took writes at the end of the play, so a
// recording still running sees no outage from it:
//   - green was promoted (aurora, crash, pgbouncer, dns): green stays the
//     primary and becomes BLUE; the old blue is stopped and removed; a new
//     standby of it, made with pg_basebackup, becomes GREEN (roles
//     swapped, not rebuilt);
//   - blue is down and green was not promoted: the rig is rebuilt on the
//     same endpoint ports (the endpoints refuse connections meanwhile);
//   - otherwise (flap, restart, hold): blue stays.
//
// Then blue takes writes (default_transaction_read_only reset) and the
// write endpoint forwards to blue. On a pgbouncer rig PgBouncer points at
// blue (re-pointed if it does not) and is resumed if a failed play left it
// paused. On a dns rig the name answers blue's address again (flipped
// back); green's address keeps forwarding where it did (to the new blue
// after a swap, so a client still resolving it is not cut off) until the
// next dns play points it at green. Otherwise the read endpoint forwards
// to its reader target. A patroni rig needs no reset: the next switchover
// goes back the other way; the reset only checks that it has a leader.
func (s *Served) reset(ctx context.Context) error {
	r := s.rig
	start := time.Now()
	if r.Patroni != nil {
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		for {
			n, err := r.Patroni.Leader(wctx)
			if err == nil {
				fmt.Fprintf(s.log, "reset: nothing to do: %s leads the Patroni cluster\n", n.Name)
				return nil
			}
			if serr := sleep(wctx, 200*time.Millisecond); serr != nil {
				return fmt.Errorf("the Patroni cluster has no leader: %w", err)
			}
		}
	}
	standby, err := r.Green.InRecovery(ctx)
	switch {
	case err == nil && !standby:
		old := r.Blue
		r.Blue = r.Green
		if err := r.Writer.Forward(r.Blue.Addr()); err != nil {
			return err
		}
		old.Close()
		n := s.st.Plays
		green, err := pgserver.StartStandby(ctx, r.Blue, pgserver.Options{
			Dir: filepath.Join(r.Dir, "green-"+strconv.Itoa(n)), Name: TargetGreen, Binaries: s.opts.Binaries,
		})
		if err != nil {
			r.Green = nil
			return fmt.Errorf("make a new standby of the promoted server: %w", err)
		}
		r.Green = green
		fmt.Fprintf(s.log, "reset: roles swapped: blue is the promoted server (%s), green a new standby of it (%s), in %v\n",
			r.Blue.Addr(), r.Green.Addr(), time.Since(start).Round(time.Millisecond))
	case !r.Blue.Running():
		r.Close()
		nr, err := NewRig(ctx, s.opts)
		if err != nil {
			return fmt.Errorf("rebuild the rig: %w", err)
		}
		s.rig, r = nr, nr
		dsn := s.st.WriteDSN
		s.setEndpoints()
		fmt.Fprintf(s.log, "reset: rig rebuilt on the same endpoint ports in %v\n", time.Since(start).Round(time.Millisecond))
		if s.st.WriteDSN != dsn {
			fmt.Fprintf(s.log, "reset: the write endpoint is now %s (see the state file)\n", s.st.WriteDSN)
		}
		return nil
	}
	if err := r.Blue.Exec(ctx, "ALTER SYSTEM RESET default_transaction_read_only"); err != nil {
		return fmt.Errorf("on blue: %w", err)
	}
	if err := r.Blue.Exec(ctx, "SELECT pg_reload_conf()"); err != nil {
		return fmt.Errorf("on blue: %w", err)
	}
	if err := r.Writer.Forward(r.Blue.Addr()); err != nil {
		return err
	}
	if b := r.Bouncer; b != nil {
		if b.Server() != r.Blue.Addr() {
			if err := b.Repoint(ctx, r.Blue.Addr()); err != nil {
				return err
			}
			fmt.Fprintf(s.log, "reset: PgBouncer re-pointed at blue (%s)\n", r.Blue.Addr())
		}
		if paused, err := bouncerPaused(ctx, b); err != nil {
			return err
		} else if paused {
			if err := b.Resume(ctx); err != nil {
				return err
			}
			fmt.Fprintln(s.log, "reset: PgBouncer resumed")
		}
		if err := bouncerServes(ctx, b, s.log, start); err != nil {
			return err
		}
	}
	if r.DNS != nil {
		ip := r.dnsIP(TargetBlue)
		if addrs := r.DNS.Addrs(); len(addrs) != 1 || addrs[0] != ip {
			if _, err := r.DNS.Set(ip); err != nil {
				return err
			}
			fmt.Fprintf(s.log, "reset: %s answers blue's address (%s) again\n", DNSName, ip)
		}
		return nil
	}
	return r.Reader.Forward(r.server(s.opts.ReaderTarget).Addr())
}

// bouncerServes waits until a client gets an answer through PgBouncer, so
// that the rig is ready for the next play only when it serves: a PgBouncer
// whose new server connection could not log in right after a swap waits
// server_login_retry before it tries again, and clients wait with it.
func bouncerServes(ctx context.Context, b *pgbouncer.Bouncer, log io.Writer, since time.Time) error {
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	first := true
	for {
		actx, stop := context.WithTimeout(wctx, 2*time.Second)
		conn, err := pgx.Connect(actx, b.DSN())
		if err == nil {
			_, err = conn.Exec(actx, "SELECT 1")
			conn.Close(context.Background())
		}
		stop()
		if err == nil {
			if !first {
				fmt.Fprintf(log, "reset: PgBouncer answers clients again, %v after the reset began\n", time.Since(since).Round(time.Millisecond))
			}
			return nil
		}
		if first {
			fmt.Fprintf(log, "reset: PgBouncer does not answer clients yet (%v); waiting\n", err)
			first = false
		}
		if serr := sleep(wctx, 200*time.Millisecond); serr != nil {
			return fmt.Errorf("PgBouncer does not answer clients after the reset: %w", err)
		}
	}
}

// bouncerPaused reports whether PgBouncer's database is paused.
func bouncerPaused(ctx context.Context, b *pgbouncer.Bouncer) (bool, error) {
	rows, err := b.Show(ctx, "DATABASES")
	if err != nil {
		return false, err
	}
	for _, row := range rows {
		if row["name"] == b.Database() {
			return row["paused"] == "1", nil
		}
	}
	return false, fmt.Errorf("PgBouncer has no database %s", b.Database())
}

// Play asks the "lab up" whose state file is statePath to play a built-in
// scenario, its ground truth appended to the events file at eventsPath.
// Each event is passed to onEvent as the lab logs it (nil: ignored). It
// returns when the scenario has run and the rig is reset; cancelling ctx
// cancels the play.
func Play(ctx context.Context, statePath, scenario string, set map[string]string, eventsPath string, onEvent func(store.Event)) error {
	return play(ctx, statePath, playRequest{Scenario: scenario, Set: set}, eventsPath, onEvent)
}

// PlayFile is Play for a scenario file (LoadFile's format) instead of a
// built-in: the rig of "lab up" reads the file itself.
func PlayFile(ctx context.Context, statePath, file string, set map[string]string, eventsPath string, onEvent func(store.Event)) error {
	abs, err := filepath.Abs(file)
	if err != nil {
		return err
	}
	return play(ctx, statePath, playRequest{File: abs, Set: set}, eventsPath, onEvent)
}

func play(ctx context.Context, statePath string, req playRequest, eventsPath string, onEvent func(store.Event)) error {
	st, err := ReadUpState(statePath)
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(eventsPath)
	if err != nil {
		return err
	}
	req.Events = abs
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", st.Control)
	if err != nil {
		return fmt.Errorf("connect to \"switchwatch lab up\" (pid %d) at %s: %w", st.PID, st.Control, err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	data, _ := json.Marshal(req)
	if _, err := c.Write(append(data, '\n')); err != nil {
		return fmt.Errorf("send the play request: %w", err)
	}
	dec := json.NewDecoder(c)
	for {
		var a playAnswer
		if err := dec.Decode(&a); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("\"switchwatch lab up\" went away during the play: %w", err)
		}
		switch {
		case a.Event != nil:
			if onEvent != nil {
				onEvent(*a.Event)
			}
		case a.Error != "":
			return errors.New(a.Error)
		case a.Done:
			return nil
		}
	}
}
