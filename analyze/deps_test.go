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

// The report renders what analyze found and what store holds: of this
// module it imports analyze and record/store only (and internal helpers).
func TestReportImports(t *testing.T) {
	imports := goList(t, "-f", `{{join .Imports "\n"}}`, module+"/report")
	sawAnalyze := false
	for _, imp := range imports {
		if !strings.HasPrefix(imp, module+"/") {
			continue
		}
		switch {
		case imp == module+"/analyze":
			sawAnalyze = true
		case imp == module+"/record/store", strings.HasPrefix(imp, module+"/internal/"):
		default:
			t.Errorf("report imports %s; of this module it may import analyze, record/store and internal packages", imp)
		}
	}
	if !sawAnalyze {
		t.Fatalf("report does not import analyze: the check sees nothing\n%s", strings.Join(imports, "\n"))
	}
}
