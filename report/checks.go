package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/switchwatch/switchwatch/analyze/result"
)

// checkValue is a check's value as people read it: a time with its
// resolution ("9.0 s ± 0.1 s"), a count, or "unknown".
func checkValue(c *result.CheckResult) string {
	if c.Value == nil {
		return "unknown"
	}
	if c.Unit == result.UnitNS {
		return fmtDurPM(result.Duration{NS: int64(*c.Value), ResolutionNS: c.ResolutionNS})
	}
	return fmtCount(*c.Value)
}

// checkThreshold is the threshold as people read it: "< 5 s".
func checkThreshold(c *result.CheckResult) string {
	if c.Unit == result.UnitNS {
		return c.Op + " " + fmtExact(c.Threshold)
	}
	return c.Op + " " + fmtCount(c.Threshold)
}

// checkLine is one check's verdict in one line: what was checked, on
// which group or run, the value with its resolution (and n), the
// threshold, and why it is not decided where it is not.
func checkLine(c *result.CheckResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-9s %s  %s %s: %s", strings.ToUpper(c.Status), c.Check, c.Scope, c.Subject, checkValue(c))
	if c.N > 0 {
		fmt.Fprintf(&b, " (n=%d)", c.N)
	}
	fmt.Fprintf(&b, ", threshold %s", checkThreshold(c))
	if c.Reason != "" {
		fmt.Fprintf(&b, " (%s)", c.Reason)
	}
	return b.String()
}

// WriteChecks prints every check that did not pass, one line each, and a
// last line counting the verdicts: short when all is well, as a CI log
// wants it. With all, the passed checks are listed too.
func WriteChecks(w io.Writer, checks []result.CheckResult, all bool) error {
	counts := map[string]int{}
	var b strings.Builder
	for i := range checks {
		c := &checks[i]
		counts[c.Status]++
		if all || !c.Passed() {
			b.WriteString(checkLine(c) + "\n")
		}
	}
	fmt.Fprintf(&b, "checks: %d passed, %d failed, %d undecided, %d unknown\n",
		counts[result.CheckPass], counts[result.CheckFail], counts[result.CheckUndecided], counts[result.CheckUnknown])
	_, err := io.WriteString(w, b.String())
	return err
}

// JUnit XML, the shape CI systems (GitLab, Jenkins, GitHub's test
// reporters) display: one test suite, one test case per check and group
// or run; a failure element for a check that did not pass.
type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the checks as JUnit XML. Text from data (group keys,
// run ids) is escaped by encoding/xml; control characters that XML 1.0
// cannot carry at all are replaced first.
func WriteJUnit(w io.Writer, checks []result.CheckResult) error {
	s := junitSuite{Name: "switchwatch checks", Tests: len(checks)}
	for i := range checks {
		c := &checks[i]
		tc := junitCase{Name: xmlText(c.Check), Classname: xmlText(c.Scope + " " + c.Subject), SystemOut: xmlText(checkLine(c))}
		if !c.Passed() {
			s.Failures++
			tc.Failure = &junitFailure{Message: xmlText(checkLine(c)), Type: c.Status, Text: xmlText(checkLine(c))}
		}
		s.Cases = append(s.Cases, tc)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: []junitSuite{s}}); err != nil {
		return fmt.Errorf("write JUnit XML: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// xmlText replaces the characters XML 1.0 cannot hold even escaped (C0
// controls other than tab and newline, U+FFFE/U+FFFF) with U+FFFD;
// encoding/xml escapes the rest.
func xmlText(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
			return '\uFFFD'
		}
		return r
	}, s)
}

// writeChecks is report.md's Checks section: every check, passed or not.
func (rep *Report) writeChecks(b *mdWriter) {
	cs := rep.Sum.Checks
	if len(cs) == 0 {
		return
	}
	b.p("## Checks\n\n")
	failed := 0
	for i := range cs {
		if !cs[i].Passed() {
			failed++
		}
	}
	if failed == 0 {
		b.p("All %d checks passed.\n\n", len(cs))
	} else {
		b.p("%d of %d checks did not pass. A value within its resolution of the threshold is undecided, not passed; a metric the runs do not have is unknown.\n\n", failed, len(cs))
	}
	b.p("| check | group or run | value | threshold | verdict |\n|---|---|---|---|---|\n")
	for i := range cs {
		c := &cs[i]
		v := checkValue(c)
		if c.N > 0 {
			v += fmt.Sprintf(" (n=%d)", c.N)
		}
		verdict := c.Status
		if c.Reason != "" {
			verdict += ": " + c.Reason
		}
		b.p("| %s | %s %s | %s | %s | %s |\n", EscapeCell(c.Check), c.Scope, EscapeCell(c.Subject), EscapeCell(v), EscapeCell(checkThreshold(c)), EscapeCell(verdict))
	}
	b.p("\n")
}
