package importer

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Cross-checks of a pgbench import's options and files against what the
// logs say (issue 20): a stated --rate far from the logged one moved
// outages (one vanished at a lower rate, 159 slots were invented at a
// higher), two thread files 12 years apart became an 11-year outage, and a
// file with no usable line was skipped line by line into 0 s down.

// maxFilesApart bounds the time between consecutive pgbench runs of one
// import (a restart of pgbench takes seconds): files further apart are
// not one recording.
const maxFilesApart = time.Hour

// rateTooHigh and rateTooLow bound the logged rate of a pgbench run
// against --rate: above rateTooHigh times it, --rate is wrong (pgbench
// cannot run more transactions than it schedules; a --sampling-rate not
// multiplied in?) and every gap would be judged against too low a rate;
// below rateTooLow times it, the run was down for most of its time or
// --rate is wrong, which the import cannot tell apart: a warning.
const (
	rateTooHigh = 1.5
	rateTooLow  = 0.5
)

// checkPgbenchFiles refuses an import in which a file gave no usable
// line, or whose files are further apart than maxFilesApart. spans are
// the files' spans of scheduled starts, by index into srcs (a file
// without one gave no usable line).
func checkPgbenchFiles(srcs []source, spans map[int]span, rep *Report) error {
	paths, taken := make([]string, len(srcs)), make([]int64, len(srcs))
	for i, s := range srcs {
		paths[i] = s.Path
		if _, ok := spans[i]; ok {
			taken[i] = 1
		}
	}
	if err := checkEveryFileUsed(paths, taken, "pgbench log", rep); err != nil {
		return err
	}
	files := make([]int, 0, len(spans))
	for f := range spans {
		files = append(files, f)
	}
	sort.Slice(files, func(i, j int) bool { return spans[files[i]].lo < spans[files[j]].lo })
	hi, hiFile := int64(0), -1
	for _, f := range files {
		s := spans[f]
		if hiFile >= 0 && s.lo-hi > int64(maxFilesApart) {
			return fmt.Errorf("%s and %s are %v apart (more than %v between one pgbench run's end and the next one's start): not one recording; import them separately",
				srcs[hiFile].Path, srcs[f].Path, time.Duration(s.lo-hi).Round(time.Second), maxFilesApart)
		}
		if hiFile < 0 || s.hi > hi {
			hi, hiFile = s.hi, f
		}
	}
	return nil
}

// checkRate compares a stated --rate with each pgbench run's logged rate
// (its transactions over its span): an error when a run logged more than
// rateTooHigh times it, a warning (returned) when less than rateTooLow
// times it.
func checkRate(rr runRates, rate float64, perFile map[int]int64, srcs []source) (string, error) {
	if rate <= 0 {
		return "", nil
	}
	perRun := make([]int64, len(rr.runs))
	files := make([][]string, len(rr.runs))
	for f, n := range perFile {
		perRun[rr.runOf[f]] += n
		files[rr.runOf[f]] = append(files[rr.runOf[f]], srcs[f].Path)
	}
	var low []string
	for r, s := range rr.runs {
		logged := runRate(perRun[r], s)
		if logged == 0 {
			continue
		}
		sort.Strings(files[r])
		what := fmt.Sprintf("the logs (%s) hold %.4g transactions/s over their %v", strings.Join(files[r], ", "), logged, time.Duration(s.hi-s.lo).Round(time.Millisecond))
		switch {
		case logged > rateTooHigh*rate:
			return "", fmt.Errorf("--rate %g disagrees with the logs: %s, more than pgbench schedules at that rate (give the rate pgbench ran at, times --sampling-rate if it sampled, or leave --rate out to estimate it)", rate, what)
		case logged < rateTooLow*rate:
			low = append(low, what)
		}
	}
	if len(low) == 0 {
		return "", nil
	}
	return fmt.Sprintf("--rate %g is more than twice what %s: either the run was down most of the time or --rate is wrong; gaps are judged against --rate", rate, strings.Join(low, "; ")), nil
}

// checkAggRate is checkRate for aggregated logs: a file's span runs from
// its first interval's start to its last one's end (the interval length
// pgbenchAggRows settled on, settings["aggregate_interval_s"]), its
// transactions are those its lines count (ok, skipped and failed).
func checkAggRate(aggs []pgAgg, settings map[string]any, rate float64, srcs []source) (string, error) {
	step, _ := settings["aggregate_interval_s"].(int64)
	if rate <= 0 || step <= 0 {
		return "", nil
	}
	spans, perFile := map[int]span{}, map[int]int64{}
	for i := range aggs {
		a := &aggs[i]
		lo, hi := a.startS*1e9, (a.startS+step)*1e9
		if s, ok := spans[a.file]; ok {
			lo, hi = min(lo, s.lo), max(hi, s.hi)
		}
		spans[a.file] = span{lo, hi}
		perFile[a.file] += a.cnt + a.skipped + a.serFail + a.ddFail
	}
	return checkRate(pgbenchRates(spans, perFile, rate), rate, perFile, srcs)
}

// checkEveryFileUsed refuses an import in which a file gave no usable
// line (taken, by file, counts the lines used): skipped line by line, a
// gzip'd file or one with epochs in another unit vanished from an import
// that then said 0 s down. The error names the file and its first
// skipped line (rep.Examples).
func checkEveryFileUsed(paths []string, taken []int64, what string, rep *Report) error {
	for i, p := range paths {
		if taken[i] > 0 {
			continue
		}
		why := ""
		for _, e := range rep.Examples {
			if e.File == p {
				why = ": the first, " + e.Error()
				break
			}
		}
		return fmt.Errorf("%s: no usable %s line (a compressed file, another format, times in another unit?)%s", p, what, why)
	}
	return nil
}
