// Package synth makes synthetic switchwatch runs with known ground truth:
// probe rows on the recorder's open-loop grid, in phases whose boundaries
// are known exactly, written in the real on-disk layout (run.json, Parquet
// segments, events.jsonl, verify.json) through package store.
//
// Tests use it to check that the analyzer recovers the phases within one
// probe interval; benchmarks use it to make datasets of any size with a
// realistic shape (many runs, several streams, phases, real error messages).
//
// It must not talk to a database (it imports no driver), and it must not
// be imported by non-test code of the analyzer or the recorder: it is a
// test and benchmark tool.
package synth
