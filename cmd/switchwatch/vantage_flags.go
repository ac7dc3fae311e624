package main

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/switchwatch/switchwatch/internal/termtext"
	"github.com/switchwatch/switchwatch/record"
)

// addVantageFlags declares --vantage and --switchover-id, which go to
// run.json so that "switchwatch analyze" can put the runs of one
// switchover recorded from several hosts side by side.
func addVantageFlags(fs *flagSet, cfg *record.Config) {
	fs.StringVar(&cfg.Vantage, "vantage", "", "where this recorder probes from, e.g. zone-a (default: the host name); runs of one switchover from several vantages are analyzed side by side")
	addSwitchoverIDFlag(fs, &cfg.SwitchoverID)
}

// addImportVantageFlags is addVantageFlags for an import: the traces come
// from the application's host, so there is no default.
func addImportVantageFlags(fs *flagSet, vantage, id *string) {
	fs.StringVar(vantage, "vantage", "", "where the application whose traces these are ran, e.g. zone-a (default: none); runs of one switchover from several vantages are analyzed side by side")
	addSwitchoverIDFlag(fs, id)
}

func addSwitchoverIDFlag(fs *flagSet, id *string) {
	fs.StringVar(id, "switchover-id", "", "a name for the switchover, the same in every vantage's run of it (e.g. sw-2026-12-06): analyze groups the vantages' runs by it")
}

// checkVantageFlags refuses an empty --vantage or --switchover-id given on
// the command line (an unset shell variable, most likely: the default
// would hide it) and one with control characters, which would reach
// terminals and reports from run.json.
func checkVantageFlags(fs *flagSet, vantage, id string) error {
	for _, f := range []struct {
		name string
		v    string
	}{{"vantage", vantage}, {"switchover-id", id}} {
		if err := checkName(f.v, fs.Changed(f.name)); err != nil {
			return fs.usagef("--%s: %v", f.name, err)
		}
	}
	return nil
}

// checkName checks one name given on the command line.
func checkName(v string, given bool) error {
	switch {
	case given && v == "":
		return fmt.Errorf("must not be empty")
	case !utf8.ValidString(v):
		return fmt.Errorf("%q is not valid UTF-8", v)
	}
	for _, r := range v {
		if unicode.IsControl(r) || termtext.IsBidiControl(r) {
			return fmt.Errorf("%q holds a control character (%U)", v, r)
		}
	}
	if len(v) > 200 {
		return fmt.Errorf("longer than 200 bytes")
	}
	return nil
}
