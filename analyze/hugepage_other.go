//go:build !linux

package analyze

// adviseHugePages does nothing outside Linux (hugepage_linux.go).
func adviseHugePages[T any](b []T) {}
