package report

import (
	"os/exec"
	"strings"
	"testing"
)

// TestRendersSummariesOnly: report renders summaries, never run folders,
// so nothing it depends on may read them: neither record/store (nor any
// package under it) nor analyze, whose readers import it. Its results
// come from analyze/result, its words from internal/vocab.
func TestRendersSummariesOnly(t *testing.T) {
	const module = "github.com/switchwatch/switchwatch"
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	sawResult := false
	for _, d := range deps {
		switch {
		case d == module+"/analyze/result":
			sawResult = true
		case d == module+"/record/store" || strings.HasPrefix(d, module+"/record/store/"):
			t.Errorf("report depends on %s: it must render summaries without store's readers", d)
		case d == module+"/analyze" || d == module+"/record" || strings.HasPrefix(d, module+"/importer") || strings.HasPrefix(d, module+"/lab"):
			t.Errorf("report depends on %s", d)
		case strings.HasPrefix(d, "github.com/jackc/") || strings.HasPrefix(d, "github.com/parquet-go/"):
			t.Errorf("report depends on %s (database or Parquet code)", d)
		}
	}
	if !sawResult {
		t.Fatalf("go list -deps lists no analyze/result: the check sees nothing\n%s", strings.Join(deps, "\n"))
	}
}
