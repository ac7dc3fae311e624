package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/switchwatch/switchwatch/lab"
)

const labUpHelp = `
Starts a rig and keeps it up until Ctrl-C, printing its endpoints' DSNs and
the path of its state file; then stops everything and removes its
directories (unless --keep). The rig is the one --scenario needs (with its
--set parameters that shape a rig):
  aurora, crash, flap, hold, restart   blue, its standby green, the lab's
                                       write and read endpoints (the default)
  pgbouncer                            the same, a real PgBouncer as the
                                       write endpoint (pool_mode,
                                       server_login_retry)
  dns                                  the same behind a DNS name with its
                                       own DNS server (ttl): record needs
                                       --dns-server, which it prints
  patroni                              a two-node Patroni cluster with etcd
                                       and HAProxy (client: haproxy or
                                       multihost)
"lab play" plays any scenario that needs this rig and refuses the others.

Point "switchwatch record" or your own application at the endpoints, and
play a scenario on the rig from another terminal with "switchwatch lab play
SCENARIO --rig STATE": the lab writes its ground truth into the run folder
you name, so you can rehearse with your own recorder flags or client.

Between plays the rig is reset, not rebuilt, wherever it can be: after a
scenario that promoted green (aurora, crash, pgbouncer, dns), green stays
the primary and becomes blue, the old blue is removed and a new standby of
the new blue (pg_basebackup) becomes green; the write endpoint stays on the
server that took writes, so a recording still running sees no outage from
the reset. PgBouncer stays pointed at that server (and is resumed if a
failed play left it paused); the DNS name answers blue's address again,
while green's address still reaches the new blue until the next dns play.
A Patroni cluster needs no reset: the next switchover goes back the other
way. A rig whose blue is down without a promotion is rebuilt on the same
ports. "lab play" returns once the rig is ready for the next play.

The state file (JSON: pid, control, rig, write_dsn, read_dsn, dns_server,
dir) names the control socket, a TCP socket on 127.0.0.1 that "lab play"
talks to.

Example:
  switchwatch lab up --state /tmp/rig.json
  switchwatch record --write-dsn "$(jq -r .write_dsn /tmp/rig.json)" --out runs/ \
      --switchover 'switchwatch lab play aurora --rig /tmp/rig.json' \
      --switchover-after 5s --until-recovered 5s
  switchwatch lab up --scenario pgbouncer --set pool_mode=session --state /tmp/pgb.json
`

func runLabUp(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("lab up", "switchwatch lab up [--scenario NAME [--set name=value ...]] [flags]", labUpHelp, stdout)
	var opts lab.RigOptions
	var state, name string
	set := labelsFlag{}
	fs.StringVar(&name, "scenario", "aurora", "build the rig this built-in scenario needs: "+strings.Join(lab.BuiltinNames(), ", "))
	fs.Var(set, "set", "scenario parameter `name=value`, repeatable; those that shape a rig count (pool_mode, server_login_retry, ttl, client)")
	fs.IntVar(&opts.WritePort, "port", 0, "write endpoint port on 127.0.0.1 (default: a free port)")
	fs.IntVar(&opts.ReadPort, "read-port", 0, "read endpoint port on 127.0.0.1 (default: a free port)")
	fs.StringVar(&opts.ReaderTarget, "reader-target", lab.TargetGreen, "where the read endpoint forwards: green or blue")
	fs.StringVar(&opts.WorkDir, "work-dir", "", "where the rig's directories go (default: the system temporary directory)")
	fs.BoolVar(&opts.Keep, "keep", false, "keep the rig's directories when it stops")
	fs.StringVar(&state, "state", "", "where to write the state file for \"lab play --rig\" (default: switchwatch-lab-up-PID.json in the system temporary directory)")
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fs.usagef("unexpected argument %q (flags only)", fs.Arg(0))
	}
	sc, err := lab.NewBuiltin(name, set)
	if err != nil {
		return fs.usagef("%v", err)
	}
	opts = sc.RigFor(opts)
	if state == "" {
		state = filepath.Join(os.TempDir(), "switchwatch-lab-up-"+strconv.Itoa(os.Getpid())+".json")
	}
	srv, err := lab.Serve(ctx, opts, state, stdout)
	if err != nil {
		return fmt.Errorf("lab up: %w", err)
	}
	printRig(stdout, srv.Rig())
	fmt.Fprintf(stdout, "state file: %s\nplay a scenario: switchwatch lab play %s --rig %s --run RUN_DIR\nCtrl-C stops everything.\n",
		state, name, state)
	<-ctx.Done()
	if err := srv.Close(); err != nil {
		return fmt.Errorf("lab up: stop the rig: %w", err)
	}
	fmt.Fprintln(stdout, "stopped")
	return nil
}

// printRig prints a rig's endpoints and servers.
func printRig(w io.Writer, rig *lab.Rig) {
	fmt.Fprintf(w, "write endpoint: %s\nread endpoint:  %s\n", rig.WriteDSN(), rig.ReadDSN())
	if rig.DNS != nil {
		fmt.Fprintf(w, "DNS server: %s (record --dns-server %s)\n", rig.DNS.Addr(), rig.DNS.Addr())
	}
	if rig.Bouncer != nil {
		fmt.Fprintf(w, "pgbouncer: %s (log %s)\n", rig.Bouncer.Addr(), rig.Bouncer.LogPath())
	}
	if rig.Patroni != nil {
		for _, n := range rig.Patroni.Nodes {
			fmt.Fprintf(w, "patroni node %s: %s (REST API %s, log %s)\n", n.Name, n.Addr(), n.APIURL(), n.LogPath)
		}
	} else {
		fmt.Fprintf(w, "blue:  %s (log %s)\ngreen: %s (log %s)\n", rig.Blue.DSN(), rig.Blue.LogPath(), rig.Green.DSN(), rig.Green.LogPath())
	}
	fmt.Fprintf(w, "work directory: %s\n", rig.Dir)
}
