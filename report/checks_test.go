package report

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/switchwatch/switchwatch/analyze"
)

// TestChecksOutputsEscapeData: a group key is data (a label's value); in
// JUnit XML it must neither break the XML nor act on a terminal, and in
// Markdown it must not open a link or break the table.
func TestChecksOutputsEscapeData(t *testing.T) {
	v := 9.04e9
	checks := []analyze.CheckResult{
		{Check: "write_downtime.median<5s", Metric: "write_downtime", Stat: "median", Scope: "group",
			Subject: "scenario=a\x1b[2J<b>|x\u202e", Op: "<", Unit: analyze.UnitNS, Threshold: 5e9, Value: &v,
			ResolutionNS: 1e8, N: 4, Status: analyze.CheckFail},
		{Check: "lost_writes.max==0", Metric: "lost_writes", Stat: "max", Scope: "group", Subject: "scenario=dns",
			Op: "==", Unit: analyze.UnitCount, Status: analyze.CheckUnknown, Reason: "no run of the group has lost_writes"},
	}
	var x bytes.Buffer
	if err := WriteJUnit(&x, checks); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suite struct {
			Failures int `xml:"failures,attr"`
			Cases    []struct {
				Classname string `xml:"classname,attr"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(x.Bytes(), &doc); err != nil {
		t.Fatalf("JUnit XML does not parse: %v\n%s", err, x.String())
	}
	if doc.Suite.Failures != 2 || strings.ContainsRune(doc.Suite.Cases[0].Classname, 0x1b) {
		t.Errorf("failures %d (want 2: unknown does not pass), classname %q", doc.Suite.Failures, doc.Suite.Cases[0].Classname)
	}

	var text bytes.Buffer
	if err := WriteChecks(&text, checks, false); err != nil {
		t.Fatal(err)
	}
	if got := text.String(); !strings.Contains(got, "9.0 s ± 0.1 s (n=4), threshold < 5 s") || !strings.Contains(got, "UNKNOWN") ||
		!strings.Contains(got, "checks: 0 passed, 1 failed, 0 undecided, 1 unknown") {
		t.Errorf("check lines:\n%s", got)
	}

	b := &mdWriter{}
	(&Report{Sum: &analyze.Summary{Checks: checks}}).writeChecks(b)
	md := b.String()
	if strings.ContainsRune(md, 0x1b) || strings.ContainsRune(md, '\u202e') || strings.Contains(md, "<b>") || strings.Contains(md, "a\x1b[2J<b>|x") {
		t.Errorf("the Checks section carries the subject unescaped:\n%q", md)
	}
	if !strings.Contains(md, "2 of 2 checks did not pass") {
		t.Errorf("the Checks section does not say how many did not pass:\n%s", md)
	}
}
