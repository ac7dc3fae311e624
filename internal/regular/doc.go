// Package regular opens input files that must be regular files. A FIFO,
// a device or a socket named like a segment, run.json, an events file or
// a log would make a plain open or read block forever (a FIFO's open
// waits for a writer), deaf to Ctrl-C; every reader of outside files opens
// through here instead, and such a file is a clear error at once.
//
// It must not read or interpret the files: only open them.
package regular
