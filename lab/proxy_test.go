package lab

import (
	"bufio"
	"errors"
	"io"
	"net"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// echoServer is a real listener on 127.0.0.1 that writes back every line
// prefixed with its name, so a test can tell which upstream answered.
func echoServer(t *testing.T, name string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					if _, err := io.WriteString(c, name+":"+sc.Text()+"\n"); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func roundTrip(t *testing.T, addr string) (string, error) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := io.WriteString(c, "hi\n"); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return line, err
}

// dialAnswered opens a connection through p, closed when the test ends,
// and checks that a line sent on it comes back from the echo server
// named server; when says when, for the failure.
func dialAnswered(t *testing.T, p *Proxy, server, when string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	r := bufio.NewReader(c)
	io.WriteString(c, "a\n")
	if line, err := r.ReadString('\n'); err != nil || line != server+":a\n" {
		t.Fatalf("%s: %q, %v", when, line, err)
	}
	return c, r
}

func newTestProxy(t *testing.T, target string) *Proxy {
	t.Helper()
	p, err := NewProxy("write", "127.0.0.1:0", target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestProxyModes(t *testing.T) {
	blue, green := echoServer(t, "blue"), echoServer(t, "green")
	p := newTestProxy(t, blue)

	if got, err := roundTrip(t, p.Addr()); err != nil || got != "blue:hi\n" {
		t.Fatalf("forward to blue: %q, %v", got, err)
	}

	if err := p.Refuse(); err != nil {
		t.Fatal(err)
	}
	if _, err := roundTrip(t, p.Addr()); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("refuse: got %v, want ECONNREFUSED", err)
	}

	if err := p.Blackhole(); err != nil {
		t.Fatal(err)
	}
	_, err := roundTrip(t, p.Addr())
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("blackhole: got %v, want a read timeout (connected, never answered)", err)
	}

	if err := p.Forward(green); err != nil {
		t.Fatal(err)
	}
	if got, err := roundTrip(t, p.Addr()); err != nil || got != "green:hi\n" {
		t.Fatalf("forward to green after blackhole: %q, %v", got, err)
	}
	// Refuse, then straight to forward: the port is listened on again.
	if err := p.Refuse(); err != nil {
		t.Fatal(err)
	}
	if err := p.Forward(blue); err != nil {
		t.Fatal(err)
	}
	if got, err := roundTrip(t, p.Addr()); err != nil || got != "blue:hi\n" {
		t.Fatalf("forward after refuse: %q, %v", got, err)
	}
}

func TestProxyCutAll(t *testing.T) {
	blue := echoServer(t, "blue")
	p := newTestProxy(t, blue)
	c, r := dialAnswered(t, p, "blue", "before cut")
	// A held (blackholed) connection is cut too.
	p.Blackhole()
	held, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	waitFor(t, func() bool { return p.Conns() == 2 })
	if n := p.CutAll(); n != 2 {
		t.Errorf("CutAll cut %d connections, want 2", n)
	}
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := r.ReadString('\n'); !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("read after cut: %v, want connection reset", err)
	}
	held.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := held.Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("held connection after cut: %v, want connection reset", err)
	}
}

func TestProxyUnreachableTargetResets(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	p := newTestProxy(t, dead)
	_, err := roundTrip(t, p.Addr())
	if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, io.EOF) {
		t.Fatalf("forward to a dead target: %v, want reset", err)
	}
}

func TestProxyPortInUse(t *testing.T) {
	p := newTestProxy(t, "127.0.0.1:1")
	if _, err := NewProxy("second", p.Addr(), "127.0.0.1:1"); err == nil {
		t.Fatal("a second proxy on the same port started")
	}
	if _, err := NewProxy("any", "0.0.0.0:0", "127.0.0.1:1"); err == nil {
		t.Fatal("a proxy listened on 0.0.0.0")
	}
}

func TestProxyCloseEndsGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	blue := echoServer(t, "blue")
	p, err := NewProxy("write", "127.0.0.1:0", blue)
	if err != nil {
		t.Fatal(err)
	}
	var clients []net.Conn
	for i := 0; i < 5; i++ {
		c, err := net.Dial("tcp", p.Addr())
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	p.Blackhole()
	for i := 0; i < 5; i++ {
		c, err := net.Dial("tcp", p.Addr())
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	waitFor(t, func() bool { return p.Conns() == 10 })
	p.Close() // returns only when every proxy goroutine has ended
	for _, c := range clients {
		c.Close()
	}
	if err := p.Forward(blue); err == nil {
		t.Error("Forward after Close succeeded")
	}
	// The echo server's goroutines end with their clients; allow them a moment.
	waitFor(t, func() bool { return runtime.NumGoroutine() <= before+2 })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A hold keeps connections and their bytes, in both directions, and passes
// everything on at the release: an open connection's request written
// before the hold is answered, one written during it is not until the
// release; a connection made during the hold is accepted and answered
// after it.
func TestProxyHold(t *testing.T) {
	blue := echoServer(t, "blue")
	p := newTestProxy(t, blue)
	open, r := dialAnswered(t, p, "blue", "before the hold")
	if err := p.Hold(); err != nil {
		t.Fatal(err)
	}
	if !p.Holding() {
		t.Fatal("Holding false after Hold")
	}
	io.WriteString(open, "b\n")
	fresh, err := net.DialTimeout("tcp", p.Addr(), time.Second)
	if err != nil {
		t.Fatalf("connect during the hold: %v, want accepted", err)
	}
	defer fresh.Close()
	fr := bufio.NewReader(fresh)
	io.WriteString(fresh, "c\n")
	waitFor(t, func() bool { return p.Conns() == 2 })
	// Nothing comes back while held (a read that gives up is the only way
	// to see "nothing"; it cannot pass by luck if the hold leaks).
	for _, c := range []net.Conn{open, fresh} {
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	}
	var ne net.Error
	if line, err := r.ReadString('\n'); !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("open connection during the hold: %q, %v; want nothing (a read timeout)", line, err)
	}
	if line, err := fr.ReadString('\n'); !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("new connection during the hold: %q, %v; want nothing (a read timeout)", line, err)
	}
	p.Release()
	if p.Holding() {
		t.Fatal("Holding true after Release")
	}
	for _, c := range []net.Conn{open, fresh} {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
	}
	if line, err := r.ReadString('\n'); err != nil || line != "blue:b\n" {
		t.Errorf("open connection after the release: %q, %v; want the held request answered", line, err)
	}
	if line, err := fr.ReadString('\n'); err != nil || line != "blue:c\n" {
		t.Errorf("new connection after the release: %q, %v; want the held request answered", line, err)
	}
	// A hold ends with Close too: the held connections are cut, and Close
	// returns (every goroutine ended).
	p.Hold()
	io.WriteString(open, "d\n")
	p.Close()
	open.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := r.ReadString('\n'); err == nil {
		t.Error("held connection still answered after Close")
	}
}

// A delayed proxy adds its round trip to every request's answer, in
// order, and a refused upstream reaches the client as a reset no sooner
// than the round trip.
func TestProxyDelay(t *testing.T) {
	const rtt = 120 * time.Millisecond
	p, err := NewProxy("slow", "127.0.0.1:0", echoServer(t, "up"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.SetDelay(rtt)
	c, err := net.DialTimeout("tcp", p.Addr(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	for i, msg := range []string{"a", "b", "c"} {
		start := time.Now()
		if _, err := io.WriteString(c, msg+"\n"); err != nil {
			t.Fatal(err)
		}
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < rtt {
			t.Errorf("request %d answered after %v, want at least the added round trip %v", i, d, rtt)
		}
		if line != "up:"+msg+"\n" {
			t.Errorf("request %d: got %q", i, line)
		}
	}
	// Two requests sent at once come back in order, each a round trip
	// later, not one after the other's delay (latency, not throughput).
	start := time.Now()
	io.WriteString(c, "x\ny\n")
	for _, want := range []string{"up:x\n", "up:y\n"} {
		if line, err := r.ReadString('\n'); err != nil || line != want {
			t.Fatalf("got %q, %v; want %q", line, err, want)
		}
	}
	t.Logf("two pipelined requests answered in %v (round trip %v)", time.Since(start), rtt)

	// Refused upstream: a reset, after the round trip.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	if err := p.Forward(dead); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	c2, err := net.DialTimeout("tcp", p.Addr(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	c2.SetDeadline(time.Now().Add(5 * time.Second))
	_, err = c2.Read(make([]byte, 1))
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("read through a proxy whose upstream refuses: %v, want a reset", err)
	}
	if d := time.Since(start); d < rtt {
		t.Errorf("reset after %v, want at least the round trip %v", d, rtt)
	}
}
