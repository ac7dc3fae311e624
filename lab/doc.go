// Package lab is switchwatch's switchover laboratory: it builds a small rig
// of real PostgreSQL servers behind Go TCP proxies, plays a switchover
// scenario against it while the recorder probes it, and writes what it
// did, with nanosecond UTC timestamps, as the run's ground truth.
//
// # The rig
//
// BLUE is a primary, GREEN its streaming-replication standby made with
// pg_basebackup (package internal/pgserver starts both on free loopback
// ports, with password authentication over TCP). In front of them are two
// ENDPOINTS (proxy.go), TCP proxies on 127.0.0.1 that clients connect to:
// the write endpoint, forwarding to blue, and the read endpoint, forwarding
// to green (like a reader endpoint) or to blue. An endpoint can forward to
// either server, refuse connections (it closes its listening socket, so
// clients get ECONNREFUSED from the kernel, as from a host where nothing
// listens; it listens again on the same port when it leaves that mode),
// accept connections and never answer (clients hit their connect timeout),
// and reset every connection open through it.
//
// # Scenarios
//
// A scenario is a steady lead-in, a list of timed steps and a steady tail.
// "lab run" waits a random fraction of the probe interval beyond the
// lead-in (recorded as lead_in_offset in the scenario event's attributes),
// so the first step lands anywhere between two probe slots, not on one:
// boundary errors measured with --truth then average out as they would in
// the field instead of repeating the lab's alignment.
// Built in (scenario.go, "switchwatch lab list" prints their parameters):
// aurora (a Blue/Green switchover: blue read-only, endpoint silent, green
// serves read-only until it has caught up and is promoted), crash (SIGKILL
// of blue, endpoint refuses, green promoted without catch-up), flap (short
// silent windows, no promotion), restart (a fast restart of blue),
// pgbouncer (pgbouncer.go: a real PgBouncer, package internal/pgbouncer, is
// the write endpoint; PAUSE, catch-up, promotion, re-point + RELOAD,
// RESUME), hold (hold.go: both endpoints hold all traffic for a while,
// Proxy.Hold, and then pass it on: a stall rather than an outage) and dns
// (dns.go: the documented RDS Blue/Green sequence through a
// DNS name that the rig's own DNS server, package internal/dnsserver,
// answers; on that rig the write endpoint listens on 127.0.0.2 in front of
// blue, the read endpoint on the same port of 127.0.0.3 in front of green,
// and the recorder resolves through the rig's DNS server), and patroni
// (patroni.go: the rig is a Patroni cluster instead, package
// internal/patroni: etcd, two Patroni nodes on 127.0.0.4 and 127.0.0.5,
// each managing its own PostgreSQL, and HAProxy routing a write port by
// the nodes' REST /primary check and a read port by /replica; the step is
// patronictl switchover; the write endpoint is HAProxy's write port, or
// with client=multihost a DSN naming both nodes with
// target_session_attrs=read-write; the read endpoint is HAProxy's read
// port). On the shared 2-core machine that rig is up in 6 to 13 s
// (etcd, bootstrap of node1, clone of node2, HAProxy's first checks), its
// processes take about 320 MB (RSS summed over every process, so shared
// memory counts once per process: an upper bound), and a switchover costs
// clients 1.2 to 1.4 s of failed writes (see the README).
// Scenario files (JSON or YAML) give a built-in other parameters or list
// steps of their own.
//
// # Ground truth: events.jsonl
//
// Every step writes store.Event lines (record/store/events.go) into the
// run folder's events.jsonl, Source "lab" (event.SourceLab), each named
// after the step's action: Time is when the step's change took effect (or
// its start, for a step that takes time), End when it was complete; an
// instant has no End. Attrs are the step's parameters plus what the step
// learnt. The names, and what each event's times and attributes say, are
// the constants of package internal/event (names.go), beside the table
// of which of their edges change what clients see (edges.go).
//
// An endpoint window is written when it ends, so events.jsonl is ordered
// by when events were complete, not by Time.
//
// # Vantages
//
// RunOptions.Vantages ("lab run --vantages N") records each switchover
// from N vantages at once (vantage.go): one recorder (record.Run) per
// vantage, each into its own run folder, all with one switchover_id in
// run.json (made per switchover) and the vantage's name as vantage, and
// each folder with the same ground truth in its events.jsonl. N=1 is one
// recorder without a vantage, as without the option; 2 is direct and
// latency, 3 adds dns-cache; there are no more kinds, and more is refused.
//
//   - direct connects as one recorder does.
//   - latency connects through delay proxies (Proxy.SetDelay) that pass
//     every chunk of bytes on half the added round trip later in each
//     direction: VantageOptions.Latency (default 200ms) is the round trip
//     ping would show grow behind "tc qdisc add dev eth0 root netem delay
//     200ms" on the client's host. The TCP handshake is not delayed (a
//     login costs a round trip less than behind netem), and a refusal
//     upstream reaches the client as a reset a round trip later. On the
//     dns rig the proxies listen on 127.0.0.6 and 127.0.0.7, on the
//     endpoints' port, in front of blue's and green's endpoints, and the
//     vantage resolves the name through its own DNS forwarder
//     (dnsforward.go), which asks the rig's DNS server and rewrites
//     127.0.0.2 and 127.0.0.3 to them, so the flip reaches it when it
//     reaches everyone; on the other rigs its DSNs name a delay proxy on
//     127.0.0.1 for each host:port.
//   - dns-cache (the dns rig only) resolves through a caching DNS
//     forwarder in front of the rig's DNS server that keeps every answer
//     for VantageOptions.DNSCache (default 30s) whatever its TTL, as nscd
//     or dnsmasq with a minimum cache time: a real stale cache. It keeps
//     reaching old blue, read-only, until its first refresh after the
//     flip. Each refresh of an A record is ground truth, written to its
//     run's events.jsonl when the run ends (event.DNSCacheRefresh; Time is
//     when the answer reached the forwarder): its writes recover at the
//     later of green's promotion and the first refresh that changed the
//     answer. The lab waits for that refresh (at most the cache time plus
//     10s after the flip) before the tail, so the run shows it.
//
// The first recorder starts alone until the probe table exists (two
// CREATE TABLE at once collide in the catalog); the lead-in counts from
// when every recorder has written run.json. VantageOptions.Interval
// ("--vantage-interval") is the probe interval of the vantages other
// than direct: every recorder opens its own connections. The application
// (--traces) uses the direct vantage's path; the lost-write check of
// every vantage's run reads the database directly, not through the
// vantage's path.
//
// # The rig's own logs
//
// Blue and green log in jsonlog through the logging collector (the
// restart scenario's in stderr, RigOptions.ServerLog), and the PgBouncer
// keeps its log. RunOptions.KeepLogs ("lab run --keep-logs") copies them
// into the run folder's logs/ (logs.go), where importer/serverlog reads
// them as events beside the ground truth: what each server and the
// pooler saw, on their own clocks.
//
// # A rig kept up: lab up, lab play
//
// Serve (control.go) keeps one rig up for "switchwatch lab up" and plays
// built-in scenarios or scenario files (Play, PlayFile) on it when
// "switchwatch lab play" asks through a
// control socket on 127.0.0.1 named in a state file (UpState), appending
// the ground truth to the events file the client names. The rig is of the
// kind a scenario needs (Scenario.RigFor; RigOptions.Kind: bluegreen,
// pgbouncer, dns, patroni), and a play of a scenario that needs another
// rig is refused. Between plays the rig is reset by swapping roles after a
// promotion (the promoted green becomes blue, a new standby of it green;
// PgBouncer kept on blue, the DNS name flipped back to blue's address), or
// rebuilt on the same ports when blue is down without one; a Patroni
// cluster needs no reset (the next switchover goes back).
//
// # The application's traces: traces.jsonl, app.json
//
// With RunOptions.App ("lab run --traces") an instrumented application
// (package internal/otelapp: services checkout, on a pool, and reports, on
// new connections, traced with the OpenTelemetry SDK) runs against the
// write endpoint from the lead-in's start to the tail's end (app.go). It
// exports over OTLP/HTTP to a receiver on 127.0.0.1 (package
// internal/otlpfile) that appends every export request to the run's
// traces.jsonl (TracesFile) as the Collector's file exporter writes JSON:
// one OTLP ExportTraceServiceRequest per line. When the tail is over the
// application is stopped and flushed before the recorder, and app.json
// (AppFile, AppRecord) gets its settings, its quiet windows as they
// happened and what each service sent.
//
// # Cleanup
//
// Everything the lab starts is stopped by its pid and its directories are
// removed on success, failure and cancellation (RigOptions.Keep keeps the
// directories). Servers also get a parent-death signal, so a lab killed
// outright does not leave them running (Patroni gets SIGTERM, so that it
// shuts its PostgreSQL down; a postgres that outlives its Patroni is shut
// down by the pid in its postmaster.pid, checked against its command line).
//
// This package must not classify, analyze or render probes: it produces
// runs (through package record) and their ground truth, nothing else. Its
// servers, proxies, PgBouncer, DNS server, etcd, Patroni, HAProxy and the
// application's OTLP receiver listen on 127.0.0.x only (127.0.0.1; the dns
// rig's endpoints on 127.0.0.2 and 127.0.0.3; the Patroni nodes on
// 127.0.0.4 and 127.0.0.5; the latency vantage's delay proxies on the dns
// rig on 127.0.0.6 and 127.0.0.7).
package lab
