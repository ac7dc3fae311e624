package analyze

import (
	"os/exec"
	"strings"
	"testing"
)

// The analyzer must not depend on database code (see doc.go).
func TestNoDatabaseCode(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	deps := string(out)
	if !strings.Contains(deps, "github.com/parquet-go/parquet-go\n") {
		t.Fatalf("go list -deps lists no parquet-go: the check sees nothing\n%s", deps)
	}
	if strings.Contains(deps, "jackc/pgx") {
		t.Errorf("analyze depends on pgx:\n%s", deps)
	}
}
