package result

import (
	"encoding/json"
	"strings"
)

// MarshalJSON writes an unknown Duration as null.
func (d Duration) MarshalJSON() ([]byte, error) {
	if d.Unknown {
		return []byte("null"), nil
	}
	type plain Duration
	return json.Marshal(plain(d))
}

// UnmarshalJSON reads null as an unknown Duration.
func (d *Duration) UnmarshalJSON(b []byte) error {
	if strings.TrimSpace(string(b)) == "null" {
		*d = Duration{Unknown: true}
		return nil
	}
	type plain Duration
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*d = Duration(p)
	return nil
}
