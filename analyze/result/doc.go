// Package result holds what an analysis found, the types of the JSON
// summary (Summary and everything in it), and the decisions and registries
// that readers of a summary need with them: the probe and phase states,
// what each error class means (ClassState), the metrics of the group
// statistics and how to get each from a run (MetricDefs), how groups are
// named (GroupLabel), which runs are drawn in detail and the window of
// their pictures (Summary.DetailRuns, RunResult.DetailWindow).
//
// It is what package report renders and all it needs of an analysis: it
// must not read run folders or import record/store (its words come from
// internal/vocab), so that a summary renders without the runs it came
// from. Package analyze makes these results from recorded runs and names
// them again for its users (analyze.Summary is result.Summary).
package result
