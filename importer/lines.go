package importer

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/switchwatch/switchwatch/internal/regular"
)

// fileDigest is the SHA-256 of a file's content, hex.
func fileDigest(path string) (string, error) {
	f, err := regular.Open(path)
	if err != nil {
		return "", fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
