// Package check evaluates thresholds on an analysis: the --check
// expressions of `switchwatch analyze` and `record --until-recovered`,
// which turn a switchover rehearsal into a gate a CI pipeline can fail on.
//
// An expression is
//
//	[SUBJECT]METRIC[.STAT] OP VALUE
//
// METRIC is one of the analysis's metrics (analyze.MetricNames: write_downtime,
// lost_writes, stalled_time, ...). With a STAT (min, median, mean, p95, max)
// the check applies to that statistic of every group of runs (the groups of
// --by; one group "all" without it); without one, to every run's own value.
// OP is <, <=, >, >=, == or !=. VALUE is a duration with its unit for a time
// metric (5s, 500ms, 0) and a number for a count. A SUBJECT in brackets
// limits the check to one group key or run id: [scenario=aurora]write_downtime.median<5s;
// a check of each run's value may name a group, meaning each of its runs.
//
// A measured value is known to ± its resolution (a time measured on a
// 100 ms probe grid is known to ± 100 ms). A check whose verdict differs
// within that band is undecided, not passed; one whose metric no run has
// (lost_writes without a verify.json) is unknown. Only a pass passes.
//
// This package parses and evaluates; it prints nothing (package report
// renders the results) and reads no files but a checks file.
package check
