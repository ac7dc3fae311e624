package store

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
)

// An EventsFormat is a format of events files that a package outside
// store reads: store cannot import the readers of other programs' files
// (package importer/serverlog reads PostgreSQL's and PgBouncer's logs and
// registers them here), yet ReadEvents must stay the one entry point that
// "analyze --events" and "import --events" read through. It works as
// image.RegisterFormat does: a program that imports the reader's package
// and registers it reads those files too, told apart by content.
type EventsFormat struct {
	// Name says what the format is, for errors ("PostgreSQL jsonlog").
	Name string
	// Sniff reports whether head, the first SniffLen bytes of a file (or
	// all of a shorter one), is in this format.
	Sniff func(head []byte) bool
	// Read reads the whole file at path, streaming it: the events, and
	// the lines that could not be used, as ReadEvents returns them.
	Read func(path string) ([]Event, []*LineError, error)
}

// SniffLen is how much of a file the registered formats are shown.
const SniffLen = 64 << 10

var formats struct {
	sync.Mutex
	list []EventsFormat
}

// RegisterEventsFormat adds a format ReadEvents tells apart, asked before
// its own (events.jsonl, describe-events JSON, CSV) in the order
// registered; a format of the same Name is replaced.
func RegisterEventsFormat(f EventsFormat) {
	formats.Lock()
	defer formats.Unlock()
	for i := range formats.list {
		if formats.list[i].Name == f.Name {
			formats.list[i] = f
			return
		}
	}
	formats.list = append(formats.list, f)
}

func registeredFormats() []EventsFormat {
	formats.Lock()
	defer formats.Unlock()
	return append([]EventsFormat(nil), formats.list...)
}

// sniffRegistered returns the registered format of the file at path, if
// any claims its first bytes.
func sniffRegistered(path string) (*EventsFormat, error) {
	list := registeredFormats()
	if len(list) == 0 {
		return nil, nil
	}
	f, err := OpenFile(path)
	if err != nil {
		return nil, fmt.Errorf("open events file: %w", err)
	}
	defer f.Close()
	head, err := io.ReadAll(io.LimitReader(f, SniffLen))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	head = bytes.TrimPrefix(head, []byte("\ufeff"))
	for i := range list {
		if list[i].Sniff(head) {
			return &list[i], nil
		}
	}
	return nil, nil
}

// registeredNames lists the registered formats for an error message.
func registeredNames() string {
	var names []string
	for _, f := range registeredFormats() {
		names = append(names, f.Name)
	}
	return strings.Join(names, ", ")
}
