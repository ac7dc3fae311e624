package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/switchwatch/switchwatch/internal/event"
	"github.com/switchwatch/switchwatch/record/store"
)

const markHelp = `
Adds an event (source user) named after LABEL, at this moment, to the run in
RUN_DIR: from another terminal while "switchwatch record" is recording it
("the switchover started", "DNS changed"), or afterwards. The event is one
line appended to RUN_DIR/events.jsonl with a single O_APPEND write, so it
never interleaves with the recorder's or the lab's own events. analyze and
the report show it like every other event; --at gives another time.

A mark is an annotation: analyze's event_to_* metrics count from the
trigger, which a mark is only with --trigger (the moment the switchover was
asked for, when you start it by hand). Without a mark that says so, the
trigger is the --switchover command's start, else the first switchover step
the lab or the provider names, else the first event.

A run recorded with --out s3://... is marked in its local copy in the
staging folder (RUN_DIR is that folder, or the run's s3:// URL when it was
staged in the default place); a finished run's events.jsonl is then
uploaded again, a run still being recorded gets it at its end.

Example:
  switchwatch mark runs/run=20250301T101500Z-1a2b3c 'change window opened'
  switchwatch mark --trigger runs/run=20250301T101500Z-1a2b3c 'patronictl switchover started'
`

func runMark(ctx context.Context, stdout, stderr io.Writer, args []string) error {
	fs := newFlagSet("mark", "switchwatch mark RUN_DIR LABEL [flags]", markHelp, stdout)
	at := fs.String("at", "", "the event's time, RFC 3339 with a zone (default: now)")
	trigger := fs.Bool("trigger", false, "mark the event as the trigger the event_to_* metrics count from (default: an annotation)")
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return fs.usagef("want RUN_DIR and LABEL, got %d arguments", fs.NArg())
	}
	dir, err := stagedCopyOf("mark", fs.Arg(0))
	if err != nil {
		return err
	}
	label := fs.Arg(1)
	if strings.TrimSpace(label) == "" {
		return fs.usagef("LABEL is empty")
	}
	t := time.Now()
	if *at != "" {
		var err error
		if t, err = time.Parse(time.RFC3339Nano, *at); err != nil {
			return fs.usagef("--at %q is not an RFC 3339 time with a zone (2006-01-02T15:04:05Z)", *at)
		}
	}
	info, err := store.ReadRunInfo(dir)
	if err != nil {
		if errors.Is(err, iofs.ErrNotExist) {
			return fmt.Errorf("mark: %s is not a run folder (no %s); give the run=<id> folder the recorder printed", dir, store.RunInfoFile)
		}
		return fmt.Errorf("mark: %w", err)
	}
	log, err := store.CreateEventLog(filepath.Join(dir, store.EventsFile))
	if err != nil {
		return fmt.Errorf("mark: %w", err)
	}
	e := store.UserEvent(t, label)
	if *trigger {
		e.Attrs = map[string]string{event.AttrTrigger: "true"}
	}
	if err := log.Log(e); err != nil {
		log.Close()
		return fmt.Errorf("mark: %w", err)
	}
	if err := log.Close(); err != nil {
		return fmt.Errorf("mark: %w", err)
	}
	when := "recording"
	if info.End != nil {
		when = fmt.Sprintf("finished at %s: the mark is added to a finished run", info.End.Format(time.RFC3339))
	}
	what := "marked"
	if *trigger {
		what = "marked the trigger"
	}
	fmt.Fprintf(stdout, "%s %s at %s in run %s (%s)\n", what, e.Name, e.Time.Format(time.RFC3339Nano), info.RunID, when)
	// A run of --out s3:// already uploaded: its bucket copy gets the
	// mark too.
	return uploadRewritten(ctx, stdout, dir, store.EventsFile)
}
