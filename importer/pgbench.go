package importer

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// pgbench transaction statuses, as the time column of a per-transaction
// log line says them.
const (
	txOK uint8 = iota
	txFailed
	txSerialization
	txDeadlock
	txSkipped
)

var txStatusNames = [...]string{txOK: "ok", txFailed: "failed", txSerialization: "serialization", txDeadlock: "deadlock", txSkipped: "skipped"}

// Plausible Unix times for a pgbench log (2000-01-01 to 2100-01-01): a line
// whose time stamp lies outside is not a pgbench line that we can place.
const (
	minEpoch = 946684800
	maxEpoch = 4102444800
)

// pgTxn is one line of a per-transaction pgbench log:
//
//	client_id transaction_no time script_no time_epoch time_us [ schedule_lag ] [ retries ]
//
// The meaning of a seventh column (schedule_lag with --rate, retries with
// --max-tries other than 1) cannot be told from the line; nExtra says how
// many optional columns there were and the caller decides.
type pgTxn struct {
	client  int64
	txNo    int64
	status  uint8
	timeUS  int64 // elapsed time in µs (txOK only): from the scheduled start under --rate
	script  int64
	endUS   int64 // completion (or logging) time, µs since the Unix epoch
	extra   [2]int64
	nExtra  int
	file    int // index of the source file
	line    int
	lagUS   int64 // -1 when unknown (set by interpret)
	retries int64 // -1 when unknown (set by interpret)
}

// maxFields is the most fields fieldsOf keeps: more than any pgbench line has.
const maxFields = 16

// fieldsOf is strings.Fields(text) without an allocation (the parsers read
// millions of lines): the fields go into dst, and n is their number, which
// may exceed maxFields (then only the first maxFields are in dst). A line
// with a byte beyond ASCII, where Unicode spaces count too, is left to
// strings.Fields.
func fieldsOf(text string, dst *[maxFields]string) (f []string, n int) {
	for i := 0; i < len(text); i++ {
		if text[i] >= 0x80 {
			all := strings.Fields(text)
			return all, len(all)
		}
	}
	for i := 0; i < len(text); {
		for i < len(text) && asciiSpace[text[i]] {
			i++
		}
		if i == len(text) {
			break
		}
		j := i
		for j < len(text) && !asciiSpace[text[j]] {
			j++
		}
		if n < maxFields {
			dst[n] = text[i:j]
		}
		n++
		i = j
	}
	return dst[:min(n, maxFields)], n
}

// asciiSpace is strings.Fields' set of ASCII spaces.
var asciiSpace = [256]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// parsePgbenchLine parses one per-transaction log line.
func parsePgbenchLine(text string) (pgTxn, error) {
	var dst [maxFields]string
	f, n := fieldsOf(text, &dst)
	return parsePgbenchFields(f, n)
}

// parsePgbenchFields is parsePgbenchLine of a line's fields (n of them; f
// holds at least the first maxFields).
func parsePgbenchFields(f []string, n int) (pgTxn, error) {
	var t pgTxn
	if n < 6 || n > 8 {
		return t, fmt.Errorf("%d fields, a per-transaction line has 6 to 8", n)
	}
	var err error
	if t.client, err = parseCount(f[0], "client_id"); err != nil {
		return t, err
	}
	if t.txNo, err = parseCount(f[1], "transaction_no"); err != nil {
		return t, err
	}
	switch f[2] {
	case "failed":
		t.status = txFailed
	case "serialization":
		t.status = txSerialization
	case "deadlock":
		t.status = txDeadlock
	case "skipped":
		t.status = txSkipped
	default:
		if t.timeUS, err = parseCount(f[2], "time"); err != nil {
			return t, fmt.Errorf("time %q is neither microseconds nor failed, serialization, deadlock or skipped", f[2])
		}
	}
	if t.script, err = parseCount(f[3], "script_no"); err != nil {
		return t, err
	}
	epoch, err := parseCount(f[4], "time_epoch")
	if err != nil {
		return t, err
	}
	if epoch < minEpoch || epoch >= maxEpoch {
		return t, fmt.Errorf("time_epoch %d is not a Unix time between 2000 and 2100", epoch)
	}
	us, err := parseCount(f[5], "time_us")
	if err != nil {
		return t, err
	}
	if us >= 1_000_000 {
		return t, fmt.Errorf("time_us %d is not below one second", us)
	}
	t.endUS = epoch*1_000_000 + us
	if t.status == txOK && t.timeUS > t.endUS-minEpoch*1_000_000 {
		return t, fmt.Errorf("time %d µs starts before 2000", t.timeUS)
	}
	for i, s := range f[6:] {
		if t.extra[i], err = parseCount(s, "optional column"); err != nil {
			return t, err
		}
	}
	t.nExtra = len(f) - 6
	t.lagUS, t.retries = -1, -1
	return t, nil
}

// parseCount parses a non-negative decimal integer of at most 15 digits
// (enough for any µs time stamp, small enough that sums never overflow).
func parseCount(s, name string) (int64, error) {
	if len(s) == 0 || len(s) > 15 {
		return 0, fmt.Errorf("%s %q is not a non-negative integer", name, s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%s %q is not a non-negative integer", name, s)
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s %q: %w", name, s, err)
	}
	return n, nil
}

// Column layouts of a seventh per-transaction column.
const (
	SeventhAuto    = ""        // schedule_lag, unless --max-tries says retries
	SeventhLag     = "lag"     // pgbench ran with --rate
	SeventhRetries = "retries" // pgbench ran with --max-tries != 1 and without --rate
)

// interpret sets lagUS and retries from the optional columns.
func (t *pgTxn) interpret(seventh string) error {
	switch t.nExtra {
	case 1:
		if seventh == SeventhRetries {
			t.retries = t.extra[0]
		} else {
			t.lagUS = t.extra[0]
		}
	case 2:
		t.lagUS, t.retries = t.extra[0], t.extra[1]
	}
	if t.status == txSkipped && t.lagUS > t.endUS-minEpoch*1_000_000 {
		return fmt.Errorf("schedule_lag %d µs puts the schedule before 2000", t.lagUS)
	}
	if t.status == txOK && t.lagUS > t.timeUS {
		// pgbench measures time from the scheduled start, so it always
		// includes the lag; a line where it does not is not pgbench's.
		return fmt.Errorf("schedule_lag %d µs exceeds time %d µs, which includes it", t.lagUS, t.timeUS)
	}
	return nil
}

// pgAgg is one line of an aggregated pgbench log (--aggregate-interval).
// PostgreSQL 15 and later always write 15 columns:
//
//	interval_start num_transactions sum_latency sum_latency_2 min_latency max_latency
//	sum_lag sum_lag_2 min_lag max_lag skipped retried retries serialization_failures deadlock_failures
//
// Versions before 15 wrote the first 6, then the 4 lag columns with
// --rate and skipped with --latency-limit (6, 10 or 11 columns); those are
// read too, the missing columns as zero.
type pgAgg struct {
	startS                   int64
	cnt                      int64
	sumLat, sumLat2          float64
	minLat, maxLat           float64
	sumLag, sumLag2          float64
	minLag, maxLag           float64
	skipped, retried         int64
	retries, serFail, ddFail int64
	file, line               int
}

// isAggLine reports whether fields look like an aggregated line rather than
// a per-transaction one: the first field of an aggregated line is a Unix
// time, of a per-transaction line a client number.
func isAggLine(f []string) bool {
	if len(f) != 6 && len(f) != 10 && len(f) != 11 && len(f) != 15 {
		return false
	}
	n, err := parseCount(f[0], "interval_start")
	return err == nil && n >= minEpoch
}

// parseAggLine parses one aggregated log line.
func parseAggLine(text string) (pgAgg, error) {
	var a pgAgg
	f := strings.Fields(text)
	if len(f) != 6 && len(f) != 10 && len(f) != 11 && len(f) != 15 {
		return a, fmt.Errorf("%d fields, an aggregated line has 15 (6, 10 or 11 before PostgreSQL 15)", len(f))
	}
	var err error
	if a.startS, err = parseCount(f[0], "interval_start"); err != nil {
		return a, err
	}
	if a.startS < minEpoch || a.startS >= maxEpoch {
		return a, fmt.Errorf("interval_start %d is not a Unix time between 2000 and 2100", a.startS)
	}
	if a.cnt, err = parseCount(f[1], "num_transactions"); err != nil {
		return a, err
	}
	floats := []*float64{&a.sumLat, &a.sumLat2, &a.minLat, &a.maxLat}
	names := []string{"sum_latency", "sum_latency_2", "min_latency", "max_latency"}
	if len(f) >= 10 {
		floats = append(floats, &a.sumLag, &a.sumLag2, &a.minLag, &a.maxLag)
		names = append(names, "sum_lag", "sum_lag_2", "min_lag", "max_lag")
	}
	for i, p := range floats {
		if *p, err = parseNonNeg(f[2+i], names[i]); err != nil {
			return a, err
		}
	}
	ints := []*int64{}
	inames := []string{}
	if len(f) >= 11 {
		ints, inames = append(ints, &a.skipped), append(inames, "skipped")
	}
	if len(f) == 15 {
		ints = append(ints, &a.retried, &a.retries, &a.serFail, &a.ddFail)
		inames = append(inames, "retried", "retries", "serialization_failures", "deadlock_failures")
	}
	for i, p := range ints {
		if *p, err = parseCount(f[10+i], inames[i]); err != nil {
			return a, err
		}
	}
	if a.cnt > 0 && (a.minLat > a.maxLat || a.sumLat < a.maxLat) {
		return a, fmt.Errorf("latencies do not add up (min %.0f, max %.0f, sum %.0f)", a.minLat, a.maxLat, a.sumLat)
	}
	return a, nil
}

func parseNonNeg(s, name string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) || strings.ContainsAny(s, "xXpP_") {
		return 0, fmt.Errorf("%s %q is not a non-negative number", name, s)
	}
	return v, nil
}
