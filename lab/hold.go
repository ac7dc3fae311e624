package lab

import (
	"context"
	"fmt"
	"time"

	"github.com/switchwatch/switchwatch/internal/event"
	"github.com/switchwatch/switchwatch/record/store"
)

// ActEndpointHold is the step that makes an endpoint hold traffic without
// failing it (Proxy.Hold), and the name of its event.
const ActEndpointHold = event.EndpointHold

func init() {
	register(map[string]*Action{
		ActEndpointHold: {
			Help: "the endpoint holds all traffic, on open and new connections, without failing it: connections are accepted, " +
				"no byte is passed on in either direction until the hold ends, then everything held is passed on " +
				"(as PgBouncer's PAUSE/RESUME or a buffering proxy); clients wait up to their own timeouts",
			Params: map[string]string{
				"endpoint": endpointParams["endpoint"],
				"for":      "how long; then release (default: until the next endpoint step)",
			},
			run: (*executor).endpointHold,
		},
	}, &Builtin{
		Name:    "hold",
		Summary: "both endpoints hold all traffic for a while, then pass it on; no promotion",
		Description: "both endpoints hold all traffic for a while and then pass it on, with blue serving throughout: " +
			"a stall, not an outage (clients whose timeouts are longer than the hold wait and are answered; " +
			"those with shorter timeouts fail, and the requests held until the release are answered late); no promotion.",
		Params: []Param{
			{"hold", "2s", "how long the endpoints hold traffic"},
		},
		build: func(p params) []Step {
			return []Step{{Action: ActEndpointHold, Params: map[string]string{"endpoint": "both", "for": p["hold"]}}}
		},
	})
}

// endpointHold holds the traffic of the step's endpoints. The event is an
// endpoint window (executor.open): Time when the hold began, End when it
// was released, after 'for' or at the next endpoint step (closeWindow).
func (x *executor) endpointHold(ctx context.Context, st Step) error {
	p := params(st.Params)
	for _, ep := range endpoints(st) {
		proxy := x.rig.endpoint(ep)
		err := proxy.Hold()
		now := time.Now()
		x.closeWindow(ep, now)
		if err != nil {
			return err
		}
		x.open[ep] = &store.Event{Time: now, Name: st.Action, Attrs: stepAttrs(st, "endpoint", ep),
			Message: fmt.Sprintf("%s endpoint holds traffic", ep)}
	}
	if p.dur("for") == 0 {
		return nil // held until the next endpoint step
	}
	if err := sleep(ctx, p.dur("for")); err != nil {
		return err
	}
	end := time.Now()
	for _, ep := range endpoints(st) {
		x.closeWindow(ep, end)
	}
	return nil
}
