package analyze

import "github.com/switchwatch/switchwatch/analyze/result"

// The results of an analysis are package result's (see its doc): named
// here again so that analyze.Summary is result.Summary for every user of
// this package.

type (
	Accuracy          = result.Accuracy
	ServiceResult     = result.ServiceResult
	RecorderHealth    = result.RecorderHealth
	UnknownMetric     = result.UnknownMetric
	UnplaceableEdge   = result.UnplaceableEdge
	BoundaryError     = result.BoundaryError
	ChangeTime        = result.ChangeTime
	CheckResult       = result.CheckResult
	ClockOffset       = result.ClockOffset
	Comparison        = result.Comparison
	DNSChange         = result.DNSChange
	DetailRun         = result.DetailRun
	Disruption        = result.Disruption
	Duration          = result.Duration
	EventOffset       = result.EventOffset
	ExcludedRun       = result.ExcludedRun
	Group             = result.Group
	Input             = result.Input
	Latency           = result.Latency
	LatencyPeriods    = result.LatencyPeriods
	LostWrites        = result.LostWrites
	MetricDef         = result.MetricDef
	MetricInfo        = result.MetricInfo
	Metrics           = result.Metrics
	OldPrimaryServer  = result.OldPrimaryServer
	OldPrimaryWrites  = result.OldPrimaryWrites
	Phase             = result.Phase
	PhaseLatency      = result.PhaseLatency
	PhaseState        = result.PhaseState
	ProfileBest       = result.ProfileBest
	ProfileComparison = result.ProfileComparison
	ProfilePair       = result.ProfilePair
	ProfileResult     = result.ProfileResult
	ProfileSummary    = result.ProfileSummary
	RunResult         = result.RunResult
	Segment           = result.Segment
	Series            = result.Series
	ServerChange      = result.ServerChange
	SkippedFile       = result.SkippedFile
	StaleDial         = result.StaleDial
	Staleness         = result.Staleness
	State             = result.State
	Stats             = result.Stats
	StreamLatency     = result.StreamLatency
	StreamResult      = result.StreamResult
	StreamSeq         = result.StreamSeq
	StreamSeries      = result.StreamSeries
	Summary           = result.Summary
	TimelineChange    = result.TimelineChange
	Window            = result.Window
)

const (
	Alpha              = result.Alpha
	ByPath             = result.ByPath
	ByVantage          = result.ByVantage
	CheckFail          = result.CheckFail
	CheckPass          = result.CheckPass
	CheckUndecided     = result.CheckUndecided
	CheckUnknown       = result.CheckUnknown
	ClockIntended      = result.ClockIntended
	ClockObserved      = result.ClockObserved
	Confidence         = result.Confidence
	LatencyBins        = result.LatencyBins
	MaxDetailGroups    = result.MaxDetailGroups
	MaxLatencyPoints   = result.MaxLatencyPoints
	MaxSegments        = result.MaxSegments
	PairedTest         = result.PairedTest
	PhaseError         = result.PhaseError
	PhaseHealthy       = result.PhaseHealthy
	PhaseReadOnly      = result.PhaseReadOnly
	PhaseStalled       = result.PhaseStalled
	PhaseUnavailable   = result.PhaseUnavailable
	PhaseNoData        = result.PhaseNoData
	PhaseNoTraffic     = result.PhaseNoTraffic
	MaxEdgeUncertainty = result.MaxEdgeUncertainty
	StateError         = result.StateError
	StateOK            = result.StateOK
	StateReadOnly      = result.StateReadOnly
	StateSkipped       = result.StateSkipped
	StateSlow          = result.StateSlow
	StateStalled       = result.StateStalled
	StateUnavailable   = result.StateUnavailable
	SummarySchema      = result.SummarySchema
	SummaryVersion     = result.SummaryVersion
	UnitCount          = result.UnitCount
	UnitNS             = result.UnitNS
)

var (
	BestMetrics        = result.BestMetrics
	MetricDefs         = result.MetricDefs
	PhaseStates        = result.PhaseStates
	UnknownPhaseStates = result.UnknownPhaseStates
	States             = result.States
	ClassState         = result.ClassState
	GroupLabel         = result.GroupLabel
	MetricInfos        = result.MetricInfos
	MetricNamed        = result.MetricNamed
	MetricNames        = result.MetricNames
	PhaseLabel         = result.PhaseLabel
	RunMetric          = result.RunMetric
)
