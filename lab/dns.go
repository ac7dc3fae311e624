package lab

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/internal/dnsserver"
	"github.com/switchwatch/switchwatch/internal/event"
	"github.com/switchwatch/switchwatch/record/store"
)

// DNSName is the endpoint name clients of a DNS rig connect to.
const DNSName = "db.switchwatch.test"

// The loopback addresses blue's and green's endpoints have on a DNS rig.
const (
	dnsBlueIP  = "127.0.0.2"
	dnsGreenIP = "127.0.0.3"
)

// ActDNSFlip is the step, and the event, of the DNS answer's change: Time
// is the DNS server's own time of the change. Attrs name, from, to, ttl.
const ActDNSFlip = event.DNSFlip

func init() {
	register(map[string]*Action{
		ActDNSFlip: {
			Help:   "the rig's DNS server answers the endpoint name with another server's address from now on",
			Params: map[string]string{"then": "blue or green: whose address (default green)"},
			run:    (*executor).dnsFlip,
		},
	}, &Builtin{
		Name:    "dns",
		Summary: "RDS Blue/Green through a DNS name: blue read-only, both refuse, the name flips to green, green promoted",
		Description: "an RDS Blue/Green switchover as AWS documents it, through a DNS name: blue stops taking writes and its " +
			"sessions are cut; both servers refuse connections; the DNS answer moves from blue's address to green's " +
			"(with the TTL); connections are allowed again; green catches up and is promoted (writes allowed). Old blue " +
			"stays up and read-only at its address, so a client that still resolves it gets read-only errors.",
		Params: []Param{
			{"ttl", "5s", "TTL of the DNS answers (whole seconds)"},
			{"refuse", "1s", "how long both servers refuse connections before the DNS flip"},
			{"cut", "true", "end blue's client sessions and cut the connections open through both endpoints, as documented; " +
				"false: blue goes read-only without either, so pooled connections stay on old blue"},
		},
		build: func(p params) []Step {
			ro := Step{Action: ActBlueReadOnly}
			if !p.bool("cut") {
				ro.Params = map[string]string{"terminate": "false"}
			}
			return []Step{
				ro,
				{Action: ActEndpointRefuse, Params: map[string]string{"endpoint": "both", "cut": p["cut"]}},
				{Action: ActDNSFlip, After: p.dur("refuse"), Params: map[string]string{"then": TargetGreen}},
				{Action: ActEndpointToBlue, Params: map[string]string{"endpoint": "write"}},
				{Action: ActEndpointToGreen, Params: map[string]string{"endpoint": "read"}},
				{Action: ActGreenPromoted, Params: map[string]string{"catch_up": "true"}},
			}
		},
		rig: func(p params, o *RigOptions) { o.DNS, o.DNSTTL = true, p.dur("ttl") },
	})
}

// dnsEndpointAddrs picks a port free on both 127.0.0.2 and 127.0.0.3 (or
// takes port) and returns blue's and green's endpoint addresses on it.
func dnsEndpointAddrs(port int) (blue, green string, err error) {
	for attempt := 0; attempt < 20; attempt++ {
		p := port
		if p == 0 {
			l, err := net.Listen("tcp", net.JoinHostPort(dnsBlueIP, "0"))
			if err != nil {
				return "", "", fmt.Errorf("find a free port on %s: %w", dnsBlueIP, err)
			}
			p = l.Addr().(*net.TCPAddr).Port
			l.Close()
		}
		l, err := net.Listen("tcp", net.JoinHostPort(dnsGreenIP, strconv.Itoa(p)))
		if err == nil {
			l.Close()
			return net.JoinHostPort(dnsBlueIP, strconv.Itoa(p)), net.JoinHostPort(dnsGreenIP, strconv.Itoa(p)), nil
		}
		if port != 0 {
			return "", "", fmt.Errorf("port %d on %s: %w", port, dnsGreenIP, err)
		}
	}
	return "", "", fmt.Errorf("no port free on both %s and %s", dnsBlueIP, dnsGreenIP)
}

// startDNS starts the rig's DNS server on 127.0.0.1, answering DNSName
// with blue's endpoint address.
func startDNS(r *Rig, ttl time.Duration) (*dnsserver.Server, error) {
	s, err := dnsserver.Start("127.0.0.1:0", DNSName, ttl, r.dnsIP(TargetBlue))
	if err != nil {
		return nil, fmt.Errorf("start the rig's DNS server: %w", err)
	}
	return s, nil
}

// dnsIP is the address of target's endpoint on a DNS rig.
func (r *Rig) dnsIP(target string) string {
	host, _, _ := net.SplitHostPort(r.endpoint(map[string]string{TargetBlue: "write", TargetGreen: "read"}[target]).Addr())
	return host
}

func (x *executor) dnsFlip(ctx context.Context, st Step) error {
	dns := x.rig.DNS
	if dns == nil {
		return fmt.Errorf("this rig has no DNS server (the dns scenario, or RigOptions.DNS, makes one)")
	}
	target := params(st.Params).or("then", TargetGreen)
	from := strings.Join(dns.Addrs(), ",")
	to := x.rig.dnsIP(target)
	at, err := dns.Set(to)
	if err != nil {
		return err
	}
	x.log(store.Event{Time: at, Name: st.Action,
		Attrs: stepAttrs(st, "name", DNSName, "from", from, "to", to, "target", target,
			"ttl", strconv.Itoa(int(dns.TTL()/time.Second))),
		Message: fmt.Sprintf("DNS: %s now answers %s (%s), was %s", DNSName, to, target, from)})
	return nil
}
