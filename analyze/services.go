package analyze

import (
	"math"
	"slices"

	"github.com/switchwatch/switchwatch/record/store"
)

// serviceOf maps a run's profile names to the services they belong to,
// from run.json's settings.profiles (import otlp writes one entry per
// stream identity: name, service, server, pool); nil when the run does not
// name services.
func serviceOf(info *store.RunInfo) map[string]string {
	if info == nil {
		return nil
	}
	list, _ := info.Settings["profiles"].([]any)
	out := map[string]string{}
	for _, p := range list {
		m, _ := p.(map[string]any)
		name, _ := m["name"].(string)
		svc, ok := m["service"].(string)
		if name != "" && ok {
			out[name] = svc
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// services is what each service of the run saw (ServiceResult), in the
// order of their names; nil for a run that does not name services.
func services(streams []*stream, info *store.RunInfo, syms *symtab) []ServiceResult {
	of := serviceOf(info)
	if of == nil {
		return nil
	}
	byName := map[string][]*stream{}
	for _, s := range streams {
		svc, ok := of[s.profile]
		if !ok {
			svc = s.profile // a stream the setting does not list is its own service
		}
		byName[svc] = append(byName[svc], s)
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make([]ServiceResult, 0, len(names))
	for _, n := range names {
		out = append(out, service(n, byName[n], syms))
	}
	return out
}

// service is one service's ServiceResult from its streams.
func service(name string, ss []*stream, syms *symtab) ServiceResult {
	r := ServiceResult{Service: name}
	first, last := int64(math.MaxInt64), int64(math.MinInt64)
	var classes [32]int64
	for _, s := range ss {
		r.Streams = append(r.Streams, s.name)
		r.Requests += int64(len(s.rows))
		for i := range s.rows {
			if failed(s.states[i]) {
				r.Failed++
				classes[s.rows[i].class&31]++
				first, last = min(first, s.rows[i].intended), max(last, s.rows[i].intended)
			}
		}
	}
	if r.Failed > 0 {
		r.FirstFailure, r.LastFailure = tp(first), tp(last)
		r.FailedByClass = map[string]int64{}
		for c, n := range classes {
			if n > 0 {
				r.FailedByClass[classOrOther(uint8(c))] += n
			}
		}
	} else {
		// no failure: before is the first answer, after the last
		first, last = math.MaxInt64, math.MinInt64
	}
	r.ServerBefore, r.ServerAfter = answeredAround(ss, first, last, syms)
	for _, sp := range combine(ss, nil) {
		if sp.sev == sevNoTraffic {
			r.NoTrafficNS += sp.end - sp.start
		}
	}
	return r
}

// classOrOther is the name of class code c, "other" for none.
func classOrOther(c uint8) string {
	if n := className(c); n != "" {
		return n
	}
	return store.ClassOther
}

// answeredAround is the server of the last successful request before
// first and of the first one after last, over the streams; with first at
// MaxInt64 (nothing failed), the first answer and the last.
func answeredAround(ss []*stream, first, last int64, syms *symtab) (before, after string) {
	none := first == math.MaxInt64
	bt, at := int64(math.MinInt64), int64(math.MaxInt64)
	if none {
		bt, at = math.MaxInt64, math.MinInt64
	}
	var bsym, asym uint32
	for _, s := range ss {
		for i := range s.rows {
			x := &s.rows[i]
			if !succeeded(s.states[i]) || x.ident == 0 {
				continue
			}
			t := x.intended
			switch {
			case none:
				if t < bt {
					bt, bsym = t, x.ident
				}
				if t > at {
					at, asym = t, x.ident
				}
			case t < first && t > bt:
				bt, bsym = t, x.ident
			case t > last && t < at:
				at, asym = t, x.ident
			}
		}
	}
	if bsym != 0 {
		before = syms.str(bsym)
	}
	if asym != 0 {
		after = syms.str(asym)
	}
	return before, after
}
