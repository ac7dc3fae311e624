package store

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestColumnsMatchProbe checks ProbeColumns against Probe's parquet tags,
// so that the list cannot drift from the struct.
func TestColumnsMatchProbe(t *testing.T) {
	typ := reflect.TypeFor[Probe]()
	if typ.NumField() != len(ProbeColumns) {
		t.Fatalf("Probe has %d fields, ProbeColumns %d columns", typ.NumField(), len(ProbeColumns))
	}
	for i := range typ.NumField() {
		f, c := typ.Field(i), ProbeColumns[i]
		tag := strings.Split(f.Tag.Get("parquet"), ",")
		if tag[0] != c.Name {
			t.Errorf("field %s: parquet name %q, ProbeColumns[%d] is %q", f.Name, tag[0], i, c.Name)
		}
		if opt := slices.Contains(tag[1:], "optional"); opt != c.Optional {
			t.Errorf("column %s: tag optional %v, ProbeColumns says %v", c.Name, opt, c.Optional)
		}
		want := map[reflect.Type]ColumnType{
			reflect.TypeFor[string](): TypeString, reflect.TypeFor[int64](): TypeInt64,
			reflect.TypeFor[*int64](): TypeInt64, reflect.TypeFor[*bool](): TypeBool,
		}
		if ct, ok := want[f.Type]; !ok || ct != c.Type {
			t.Errorf("column %s: field type %v, ProbeColumns says type %d", c.Name, f.Type, c.Type)
		}
		if ts := strings.Contains(f.Tag.Get("parquet"), "timestamp(nanosecond)"); ts != c.Time {
			t.Errorf("column %s: tag timestamp(nanosecond) %v, ProbeColumns says Time %v", c.Name, ts, c.Time)
		}
		if c.Since < 1 || c.Since > SchemaVersion {
			t.Errorf("column %s: since version %d, the schema is version %d", c.Name, c.Since, SchemaVersion)
		}
		if c.Since > 1 && !c.Optional {
			t.Errorf("column %s: added in version %d but required: files of older versions lack it", c.Name, c.Since)
		}
		if got, ok := ProbeColumn(c.Name); !ok || got != c {
			t.Errorf("ProbeColumn(%q) = %+v, %v", c.Name, got, ok)
		}
	}
}
