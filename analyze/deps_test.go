package analyze

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/switchwatch/switchwatch"

// goList runs go list with args and returns its lines.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list"}, args...)...).Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	return strings.Fields(string(out))
}

// The analyzer reads runs through record/store alone: it must not depend on
// database code, the recorder, the lab or the importers (see doc.go).
func TestNoDatabaseCode(t *testing.T) {
	deps := goList(t, "-deps", ".")
	sawParquet := false
	for _, d := range deps {
		sawParquet = sawParquet || d == "github.com/parquet-go/parquet-go"
		switch {
		case strings.HasPrefix(d, "github.com/jackc/"):
			t.Errorf("analyze depends on %s (database code)", d)
		case d == module+"/importer" || strings.HasPrefix(d, module+"/importer/"):
			t.Errorf("analyze depends on %s: events and probe files are read through record/store", d)
		case d == module+"/lab" || strings.HasPrefix(d, module+"/lab/"):
			t.Errorf("analyze depends on %s: the lab's event names are in record/store", d)
		case (d == module+"/record" || strings.HasPrefix(d, module+"/record/")) && d != module+"/record/store":
			t.Errorf("analyze depends on %s: of the recorder, only record/store", d)
		}
	}
	if !sawParquet {
		t.Fatalf("go list -deps lists no parquet-go: the check sees nothing\n%s", strings.Join(deps, "\n"))
	}
}

// The results (analyze/result) are what the report renders a summary
// from: they must not depend on record/store, nor on analyze itself.
func TestResultReadsNothing(t *testing.T) {
	deps := goList(t, "-deps", "./result")
	for _, d := range deps {
		if d == module+"/record/store" || d == module+"/analyze" || strings.HasPrefix(d, "github.com/parquet-go/") {
			t.Errorf("analyze/result depends on %s", d)
		}
	}
	if len(deps) == 0 {
		t.Fatal("go list -deps lists nothing")
	}
}
