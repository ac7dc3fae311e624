package store

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/parquet-go/parquet-go"
)

func TestWritePhasesRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), PhasesFile)
	want := []PhaseRow{
		{RunID: "r", Index: 0, State: "ok", Label: "before", Start: 1e18, End: 1e18 + 5e9, DurationNS: 5e9, ResolutionNS: 1e7, Labels: "{}"},
		{RunID: "r", Index: 1, State: "unavailable", Start: 1e18 + 5e9, End: 1e18 + 7e9, DurationNS: 2e9, ResolutionNS: 1e7,
			Server: "127.0.0.1:5432", NewServer: true, Cause: "refused", ErrorClass: ClassRefused, Labels: `{"k":"v"}`},
	}
	if err := WritePhases(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := parquet.ReadFile[PhaseRow](path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back %+v\nwant %+v", got, want)
	}
}
