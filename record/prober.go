package record

import (
	"fmt"
	"strings"

	"github.com/switchwatch/switchwatch/record/store"
)

// prober is one probe kind, as blackbox_exporter's prober registry has
// them: the endpoint it probes, its statement for each state the endpoint
// can be found in, and the function that runs it. Each kind sits in its own
// file (probe_write.go, probe_read.go, probe_connect.go) with its SQL; the
// scheduler owns time, timeouts and concurrency for all of them.
type prober struct {
	endpoint string                 // store.EndpointWrite or store.EndpointRead
	env      func(envArgs) probeEnv // the statement for one state of the endpoint
	run      probeFunc
}

// envArgs is what a kind's statement depends on: the probe table, the
// endpoint's state, whether the recording has write probes, and the client
// profile the stream belongs to.
type envArgs struct {
	table     string
	st        prep
	hasWrites bool
	profile   string
}

// probers is the registry of probe kinds, by store.Kind*: a row's kind is
// one of store.ProbeKinds, and every one of them has a prober here (a test
// checks both ways).
var probers = map[string]prober{
	store.KindWrite:   writeProber,
	store.KindRead:    readProber,
	store.KindConnect: connectProber,
}

// CheckKinds refuses a probe kind that has no prober, naming the flag the
// kinds came from and the kinds there are.
func CheckKinds(flag string, kinds []string) error {
	for _, k := range kinds {
		if _, ok := probers[k]; !ok {
			return fmt.Errorf("%s: unknown probe kind %q (want %s)", flag, k, strings.Join(store.ProbeKinds, ", "))
		}
	}
	return nil
}
