// Package strictdecode reads the configuration files switchwatch takes
// (scenario files, client profiles): JSON when the name ends in .json,
// YAML otherwise, and in both a key the target does not have is an error,
// so that a misspelt setting is never silently the default.
package strictdecode

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/switchwatch/switchwatch/internal/regular"
	"go.yaml.in/yaml/v3"
)

// Decode decodes data, the content of the file path, into v: as JSON when
// path ends in .json (in any case), else as YAML; unknown keys are errors.
func Decode(path string, data []byte, v any) error {
	if strings.EqualFold(filepath.Ext(path), ".json") {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		return dec.Decode(v)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	return dec.Decode(v)
}

// ReadFile reads the file path and decodes it into v as Decode does. A
// read error names the file (os's own message); a decoding error is
// prefixed with the path.
func ReadFile(path string, v any) error {
	data, err := regular.ReadFile(path)
	if err != nil {
		return err
	}
	if err := Decode(path, data, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
