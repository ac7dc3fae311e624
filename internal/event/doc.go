// Package event is the vocabulary of switchwatch's events (events.jsonl):
// who writes them (Source*), the names the lab, the recorder, the
// importers, the synthetic generator and AWS give them (names.go), which
// edges of each change what clients see and how (EdgeEffect, the one
// table "analyze --truth" judges by), and which event is the trigger
// (AttrTrigger, NamesSwitchover).
//
// It holds names and judgements only: the Event record, its files and
// their formats belong to package store, which imports this one to name
// what it reads; this package imports nothing of switchwatch, so the lab,
// record, the importers and analyze can all share it without depending on
// storage for a word.
//
// It lives in internal/ rather than under record/ because the recorder is
// only one of its users. It is called event, not events, because its users
// name their slices of events "events".
package event
