package lab

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"time"
)

// Mode is what an endpoint proxy does with a new connection.
type Mode int

const (
	// Forward pipes the connection to the target server. If the target
	// cannot be reached the client connection is reset (the client's TCP
	// connect already succeeded, so a reset is the closest a proxy can come
	// to the server's own refusal).
	Forward Mode = iota
	// Refuse closes the listening socket: clients get ECONNREFUSED from the
	// kernel, exactly as from a host with nothing listening. Leaving Refuse
	// listens again on the same port.
	Refuse
	// Blackhole accepts connections and never answers: the client's
	// startup message is read and dropped, nothing is sent back, and the
	// connection is held until the client gives up (its connect timeout) or
	// the proxy cuts it.
	Blackhole
)

func (m Mode) String() string {
	switch m {
	case Forward:
		return "forward"
	case Refuse:
		return "refuse"
	case Blackhole:
		return "blackhole"
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// Proxy is an endpoint: a TCP proxy on 127.0.0.1 that clients connect to
// instead of a server, and that the lab switches between servers and
// failure modes. Mode changes affect new connections; CutAll ends the ones
// that exist. Hold, unlike a mode, acts on every connection, new and open:
// it holds traffic without failing it, as PgBouncer's PAUSE or a buffering
// proxy does. SetDelay adds latency to every byte passed on, as a longer
// network path would. All methods are safe for concurrent use.
type Proxy struct {
	name        string
	addr        string // 127.0.0.1:port, fixed at the first listen
	dialTimeout time.Duration

	mu     sync.Mutex
	mode   Mode
	target string // upstream address for Forward
	// oneWay is the delay each chunk of bytes waits before it is passed
	// on, in each direction (SetDelay: half the added round trip).
	oneWay time.Duration
	ln     net.Listener // nil while refusing and after Close
	conns  map[*proxyConn]struct{}
	closed bool
	// held is open while the proxy holds traffic (Hold) and closed by
	// Release; nil when not holding.
	held chan struct{}

	wg sync.WaitGroup // every goroutine the proxy started
}

// proxyConn is one client connection and, when forwarded, its upstream.
type proxyConn struct {
	client   net.Conn
	upstream net.Conn // nil for a blackholed connection
	once     sync.Once
	done     chan struct{} // closed by close
}

// close ends both sides. With reset the client gets an RST rather than a
// FIN, as when a load balancer or a failing host drops a connection.
func (c *proxyConn) close(reset bool) {
	c.once.Do(func() {
		close(c.done)
		if reset {
			if tc, ok := c.client.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
		}
		c.client.Close()
		if c.upstream != nil {
			c.upstream.Close()
		}
	})
}

// NewProxy listens on addr (host must be a loopback address, 127.0.0.x;
// port 0 picks a free one) and forwards to target. A port already in use is reported as such,
// naming the likely cause.
func NewProxy(name, addr, target string) (*Proxy, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("endpoint %s: address %q: %w", name, addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || ip.To4() == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("endpoint %s: listens on 127.0.0.x only, not %q", name, host)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("endpoint %s: %s is in use (another switchwatch lab, or another program; choose another port or 0 for a free one): %w", name, addr, err)
		}
		return nil, fmt.Errorf("endpoint %s: listen on %s: %w", name, addr, err)
	}
	p := &Proxy{
		name:        name,
		addr:        ln.Addr().String(),
		dialTimeout: 2 * time.Second,
		mode:        Forward,
		target:      target,
		conns:       map[*proxyConn]struct{}{},
	}
	p.startServing(ln)
	return p, nil
}

// Name is the endpoint's name; Addr its 127.0.0.1:port; Port the port.
func (p *Proxy) Name() string { return p.name }
func (p *Proxy) Addr() string { return p.addr }
func (p *Proxy) Port() int    { return p.addr2port() }

func (p *Proxy) addr2port() int {
	_, port, _ := net.SplitHostPort(p.addr)
	var n int
	fmt.Sscan(port, &n)
	return n
}

// Mode returns the current mode and forward target.
func (p *Proxy) Mode() (Mode, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mode, p.target
}

// startServing must be called with ln not yet visible to other goroutines
// or with p.mu held.
func (p *Proxy) startServing(ln net.Listener) {
	p.ln = ln
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.serve(ln)
	}()
}

func (p *Proxy) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return // Refuse or Close
			}
			// Anything else (EMFILE under load) passes: back off, retry.
			time.Sleep(10 * time.Millisecond)
			continue
		}
		p.handle(c)
	}
}

func (p *Proxy) handle(c net.Conn) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		c.Close()
		return
	}
	mode, target, oneWay := p.mode, p.target, p.oneWay
	pc := &proxyConn{client: c, done: make(chan struct{})}
	p.conns[pc] = struct{}{}
	p.wg.Add(1)
	p.mu.Unlock()

	go func() {
		defer p.wg.Done()
		defer p.forget(pc)
		switch mode {
		case Blackhole:
			// Read and drop what the client sends so that we notice when it
			// gives up; never answer.
			io.Copy(io.Discard, c)
			pc.close(false)
		default: // Forward (a connection accepted just before Refuse is forwarded too)
			p.forward(pc, target, oneWay)
		}
	}()
}

func (p *Proxy) forward(pc *proxyConn, target string, oneWay time.Duration) {
	up, err := net.DialTimeout("tcp", target, p.dialTimeout)
	if err != nil {
		// Behind a longer path the refusal comes back a round trip after
		// the client's SYN; the kernel has accepted the client already, so
		// it is a reset, not ECONNREFUSED.
		sleepUnlessDone(2*oneWay, pc.done)
		pc.close(true)
		return
	}
	p.mu.Lock()
	_, alive := p.conns[pc]
	if alive {
		pc.upstream = up
	}
	p.mu.Unlock()
	if !alive { // cut while we were dialling
		up.Close()
		return
	}
	// When either direction ends, end both: a client that vanished without
	// a Terminate message must not leave its server session behind, and a
	// server that closed must not leave its client waiting.
	done := make(chan struct{}, 2)
	pipe := p.pipe
	if oneWay > 0 {
		pipe = func(pc *proxyConn, dst, src net.Conn) { p.pipeDelayed(pc, dst, src, oneWay) }
	}
	go func() {
		pipe(pc, up, pc.client)
		done <- struct{}{}
	}()
	go func() {
		pipe(pc, pc.client, up)
		done <- struct{}{}
	}()
	<-done
	pc.close(false)
	<-done
}

// pipe copies src to dst until either fails or pc is closed. Bytes read
// while the proxy holds traffic are kept until Release and written then;
// while they are kept, nothing more is read from src, so what the sender
// writes after them waits in the kernel's buffers, in order.
func (p *Proxy) pipe(pc *proxyConn, dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.waitRelease(pc) {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// pipeDelayed is pipe with every chunk passed on oneWay after it was
// read: a reader stamps and queues the chunks as they come, and this
// goroutine writes each when its time has come, so the delay is latency,
// not a limit on throughput, and bytes stay in order. When src ends,
// what is queued is still delivered (a client's Terminate message and
// FIN arrive late, not never).
func (p *Proxy) pipeDelayed(pc *proxyConn, dst, src net.Conn, oneWay time.Duration) {
	type chunk struct {
		due time.Time
		b   []byte
	}
	q := make(chan chunk, 256)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer close(q)
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				select {
				case q <- chunk{due: time.Now().Add(oneWay), b: bytes.Clone(buf[:n])}:
				case <-pc.done:
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range q {
		if !sleepUnlessDone(time.Until(c.due), pc.done) || !p.waitRelease(pc) {
			return
		}
		if _, err := dst.Write(c.b); err != nil {
			return
		}
	}
}

// sleepUnlessDone sleeps for d unless done is closed first (false).
func sleepUnlessDone(d time.Duration, done <-chan struct{}) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-done:
		return false
	}
}

// SetDelay adds roundTrip to the time a request takes to be answered
// through the proxy, for connections opened from now on: every chunk of
// bytes waits half of it in each direction, as behind
// "tc qdisc add dev eth0 root netem delay 200ms" on the client's host
// (ping's round trip grows by 200ms). The TCP handshake is not delayed
// (the kernel completes it before the proxy sees the connection), so a
// login costs one round trip less than behind netem; a server that
// refuses the connection reaches the client as a reset after the round
// trip.
func (p *Proxy) SetDelay(roundTrip time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.oneWay = roundTrip / 2
}

// waitRelease returns once the proxy does not hold traffic: true, or false
// when pc was closed first.
func (p *Proxy) waitRelease(pc *proxyConn) bool {
	p.mu.Lock()
	held := p.held
	p.mu.Unlock()
	if held == nil {
		return true
	}
	select {
	case <-held:
		return true
	case <-pc.done:
		return false
	}
}

// Hold holds the traffic of every connection, open and new: connections
// are still accepted (and forwarded, per the mode), but no byte is passed
// on in either direction until Release, which passes on everything held.
// Clients wait instead of failing, up to their own timeouts.
func (p *Proxy) Hold() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return fmt.Errorf("endpoint %s: closed", p.name)
	}
	if p.held == nil {
		p.held = make(chan struct{})
	}
	return nil
}

// Release ends a hold: what was held is passed on, and traffic flows
// again. Without a hold it does nothing.
func (p *Proxy) Release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.held != nil {
		close(p.held)
		p.held = nil
	}
}

// Holding reports whether the proxy holds traffic.
func (p *Proxy) Holding() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.held != nil
}

func (p *Proxy) forget(pc *proxyConn) {
	p.mu.Lock()
	delete(p.conns, pc)
	p.mu.Unlock()
}

// Forward sends new connections to target (host:port).
func (p *Proxy) Forward(target string) error { return p.setMode(Forward, target) }

// Blackhole makes new connections hang unanswered.
func (p *Proxy) Blackhole() error { return p.setMode(Blackhole, "") }

// Refuse makes new connections fail with ECONNREFUSED.
func (p *Proxy) Refuse() error { return p.setMode(Refuse, "") }

func (p *Proxy) setMode(m Mode, target string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return fmt.Errorf("endpoint %s: closed", p.name)
	}
	if m == Refuse {
		if p.ln != nil {
			p.ln.Close()
			p.ln = nil
		}
	} else if p.ln == nil {
		ln, err := listenAgain(p.addr)
		if err != nil {
			return fmt.Errorf("endpoint %s: listen again on %s after refusing: %w", p.name, p.addr, err)
		}
		p.startServing(ln)
	}
	p.mode = m
	if m == Forward {
		p.target = target
	}
	return nil
}

// listenAgain re-binds the endpoint's port. Go sets SO_REUSEADDR, so
// connections of the old listener in TIME_WAIT do not block it; a short
// retry covers the kernel finishing the old socket's close.
func listenAgain(addr string) (net.Listener, error) {
	var err error
	for i := 0; i < 20; i++ {
		var ln net.Listener
		if ln, err = net.Listen("tcp", addr); err == nil {
			return ln, nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil, err
}

// CutAll resets every connection through the proxy (forwarded or held)
// and returns how many it cut.
func (p *Proxy) CutAll() int {
	p.mu.Lock()
	conns := make([]*proxyConn, 0, len(p.conns))
	for pc := range p.conns {
		conns = append(conns, pc)
		delete(p.conns, pc)
	}
	p.mu.Unlock()
	for _, pc := range conns {
		pc.close(true)
	}
	return len(conns)
}

// Conns is the number of open client connections.
func (p *Proxy) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

// Close stops listening, cuts every connection and waits until all of the
// proxy's goroutines have ended.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	p.mu.Unlock()
	p.CutAll()
	p.wg.Wait()
	return nil
}
