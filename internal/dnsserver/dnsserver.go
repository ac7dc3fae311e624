// Package dnsserver is a tiny authoritative DNS server (github.com/miekg/dns)
// for the lab's dns scenario and its tests: it answers one name with A
// records, over UDP and TCP on a loopback address, and can be told to
// answer with other addresses from a moment on, which it records as the
// ground truth of a DNS endpoint flip. Every other name gets NXDOMAIN,
// every other type an empty answer. Serve, which it listens with, serves
// any handler the same way (the lab's DNS forwarders).
package dnsserver

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Change is one change of the answer: when the server started giving it.
type Change struct {
	Time  time.Time
	Addrs []string
}

// Server answers Name with the current addresses.
type Server struct {
	name string // fully qualified, lower case
	ttl  uint32
	ep   *Endpoint

	mu      sync.Mutex
	addrs   []net.IP
	changes []Change
	queries int
}

// Start serves name (with or without the final dot) with the A records
// addrs and the given TTL (whole seconds), on listen (host:port; port 0
// picks a free one, the same for UDP and TCP). listen must be a loopback
// address.
func Start(listen, name string, ttl time.Duration, addrs ...string) (*Server, error) {
	ips, err := parseIPs(addrs)
	if err != nil {
		return nil, err
	}
	s := &Server{name: dns.Fqdn(strings.ToLower(name)), ttl: uint32(ttl / time.Second), addrs: ips,
		changes: []Change{{Time: time.Now(), Addrs: addrs}}}
	if s.ep, err = Serve(listen, dns.HandlerFunc(s.serve)); err != nil {
		return nil, err
	}
	return s, nil
}

// Endpoint is a DNS handler served over UDP and TCP on one loopback
// address and port.
type Endpoint struct {
	addr     string
	udp, tcp *dns.Server
}

// Serve serves h over UDP and TCP on listen (host:port, a loopback
// address; port 0 picks one free for both) and returns once both listen.
func Serve(listen string, h dns.Handler) (*Endpoint, error) {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("dns server address %q: %w", listen, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("dns server address %q: want a loopback address", listen)
	}
	var pc net.PacketConn
	var l net.Listener
	for attempt := 0; ; attempt++ {
		if pc, err = net.ListenPacket("udp", listen); err != nil {
			return nil, fmt.Errorf("dns server: %w", err)
		}
		if l, err = net.Listen("tcp", pc.LocalAddr().String()); err == nil {
			break
		}
		pc.Close()
		if attempt == 4 || !strings.HasSuffix(listen, ":0") {
			return nil, fmt.Errorf("dns server: %w", err)
		}
	}
	e := &Endpoint{addr: pc.LocalAddr().String()}
	e.udp = &dns.Server{PacketConn: pc, Handler: h}
	e.tcp = &dns.Server{Listener: l, Handler: h}
	started := make(chan struct{}, 2)
	e.udp.NotifyStartedFunc = func() { started <- struct{}{} }
	e.tcp.NotifyStartedFunc = func() { started <- struct{}{} }
	go e.udp.ActivateAndServe()
	go e.tcp.ActivateAndServe()
	<-started
	<-started
	return e, nil
}

// Addr is host:port it listens on (UDP and TCP).
func (e *Endpoint) Addr() string { return e.addr }

// Close stops both listeners.
func (e *Endpoint) Close() error {
	return errors.Join(e.udp.Shutdown(), e.tcp.Shutdown())
}

func parseIPs(addrs []string) ([]net.IP, error) {
	var ips []net.IP
	for _, a := range addrs {
		ip := net.ParseIP(a).To4()
		if ip == nil {
			return nil, fmt.Errorf("dns server: %q is not an IPv4 address", a)
		}
		ips = append(ips, ip)
	}
	return ips, nil
}

func (s *Server) serve(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	s.mu.Lock()
	s.queries++
	ips := s.addrs
	s.mu.Unlock()
	for _, q := range req.Question {
		if strings.ToLower(q.Name) != s.name {
			m.Rcode = dns.RcodeNameError
			continue
		}
		if q.Qtype != dns.TypeA && q.Qtype != dns.TypeANY {
			continue
		}
		for _, ip := range ips {
			m.Answer = append(m.Answer, &dns.A{
				Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: s.ttl},
				A:   ip,
			})
		}
	}
	w.WriteMsg(m)
}

// Set makes the server answer with addrs from now on and returns the
// moment it did (the server's own time of the change).
func (s *Server) Set(addrs ...string) (time.Time, error) {
	ips, err := parseIPs(addrs)
	if err != nil {
		return time.Time{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addrs = ips
	now := time.Now()
	s.changes = append(s.changes, Change{Time: now, Addrs: append([]string(nil), addrs...)})
	return now, nil
}

// Addrs are the addresses it answers with now.
func (s *Server) Addrs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.addrs))
	for i, ip := range s.addrs {
		out[i] = ip.String()
	}
	return out
}

// Changes lists every answer it gave and since when, the first at Start.
func (s *Server) Changes() []Change {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Change(nil), s.changes...)
}

// Queries counts the queries it answered.
func (s *Server) Queries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries
}

// Name is the name it serves, fully qualified; TTL the TTL of its answers.
func (s *Server) Name() string       { return s.name }
func (s *Server) TTL() time.Duration { return time.Duration(s.ttl) * time.Second }

// Addr is host:port it listens on (UDP and TCP).
func (s *Server) Addr() string { return s.ep.Addr() }

// Close stops both listeners.
func (s *Server) Close() error { return s.ep.Close() }
