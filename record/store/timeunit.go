package store

import (
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"
)

// TimeScale is the factor that turns the values of a timestamp column,
// as a file's schema types it, into the nanoseconds of Probe: 1000 for
// microseconds (DuckDB and Spark rewrite timestamps so), 1,000,000 for
// milliseconds, 1 for nanoseconds or a column with no timestamp unit.
// The logical type is read first, the older converted type after it.
func TimeScale(n parquet.Node) int64 {
	t := n.Type()
	if lt := t.LogicalType(); lt != nil {
		if ts, ok := lt.Value.(*format.TimestampType); ok && ts.Unit.Value != nil {
			return int64(ts.Unit.Value.Duration())
		}
	}
	if ct := t.ConvertedType(); ct != nil {
		switch *ct {
		case deprecated.TimestampMillis:
			return 1_000_000
		case deprecated.TimestampMicros:
			return 1000
		}
	}
	return 1
}
