package analyze

import (
	"cmp"
	"slices"
	"time"

	"github.com/switchwatch/switchwatch/record/store"
)

// maxOldPrimaryServers bounds the servers listed under OldPrimaryWrites.
const maxOldPrimaryServers = 8

// oldPrimaryWrites finds the writes an old primary acknowledged after the
// new one had taken writes: the split brain of an unfenced switchover,
// which the AWS JDBC wrapper's Blue/Green test fails on ("ERROR if not
// 0"). The server that holds the data afterwards is the one on the newest
// timeline that acknowledged a write (a promotion starts a new timeline;
// an old primary that was not fenced stays on its own), the latest to
// answer one where timelines tie or are unknown (schema version 1); from
// the first moment it answered a write, every write another server
// acknowledged is counted, dated by when its answer arrived, by server
// (with its timeline) and stream.
//
// It is nil (unknown, not zero) when no successful write names the server
// that answered it. A restart of one server is a new identity, but the
// old process cannot answer after it, so a restart counts nothing.
func oldPrimaryWrites(streams []*stream, syms *symtab) *OldPrimaryWrites {
	var holder uint32
	var last, holderTL, since int64 = -1, -1, -1
	for _, s := range streams {
		if s.kind != store.KindWrite {
			continue
		}
		for i := range s.rows {
			x := &s.rows[i]
			if x.outcome != outOK || x.ident == 0 {
				continue
			}
			o := s.obsOf(i)
			at, _ := observedAt(x, o)
			if o.timeline > holderTL || o.timeline == holderTL && at > last {
				last, holder, holderTL = at, x.ident, o.timeline
			}
		}
	}
	if holder == 0 {
		return nil
	}
	for _, s := range streams {
		if s.kind != store.KindWrite {
			continue
		}
		for i := range s.rows {
			x := &s.rows[i]
			if x.outcome == outOK && x.ident == holder {
				if at, _ := observedAt(x, s.obsOf(i)); since < 0 || at < since {
					since = at
				}
			}
		}
	}
	out := &OldPrimaryWrites{Holder: syms.str(holder), HolderSince: time.Unix(0, since).UTC()}
	byServer := map[uint32]*OldPrimaryServer{}
	for _, s := range streams {
		if s.kind != store.KindWrite {
			continue
		}
		for i := range s.rows {
			x := &s.rows[i]
			if x.outcome != outOK || x.ident == 0 || x.ident == holder {
				continue
			}
			at, _ := observedAt(x, s.obsOf(i))
			if at <= since {
				continue
			}
			out.Count++
			t := time.Unix(0, at).UTC()
			srv := byServer[x.ident]
			if srv == nil {
				srv = &OldPrimaryServer{Server: syms.str(x.ident), Timeline: syms.identMeta[x.ident].timeline, First: t, Last: t}
				byServer[x.ident] = srv
			}
			srv.Writes++
			if t.Before(srv.First) {
				srv.First = t
			}
			if t.After(srv.Last) {
				srv.Last = t
			}
			if !slices.Contains(srv.Streams, s.name) {
				srv.Streams = append(srv.Streams, s.name)
			}
		}
	}
	for _, srv := range byServer {
		slices.Sort(srv.Streams)
		out.Servers = append(out.Servers, *srv)
	}
	slices.SortFunc(out.Servers, func(a, b OldPrimaryServer) int {
		return cmp.Or(-cmp.Compare(a.Writes, b.Writes), cmp.Compare(a.Server, b.Server))
	})
	if len(out.Servers) > maxOldPrimaryServers {
		out.Servers = out.Servers[:maxOldPrimaryServers]
	}
	if out.Count > 0 {
		first, last := out.Servers[0].First, out.Servers[0].Last
		for _, srv := range out.Servers {
			first = minTime(first, srv.First)
			last = maxTime(last, srv.Last)
		}
		out.First, out.Last = &first, &last
	}
	return out
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
