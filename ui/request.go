package ui

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"
)

// request is one component's store call in flight. Starting a new one cancels the previous
// one; an answer is current only when it carries the latest sequence number, so a late answer
// to an older request (a stale search, a pane left meanwhile) is dropped, not shown.
type request struct {
	seq      int
	cancel   context.CancelFunc
	inflight bool
}

// start cancels the previous call and returns the context and sequence number of a new one.
// Capture both before building the command's closure.
func (r *request) start(parent context.Context) (context.Context, int) {
	r.stop()
	r.seq++
	ctx, cancel := context.WithCancel(parent)
	r.cancel, r.inflight = cancel, true
	return ctx, r.seq
}

// invalidate makes every answer in flight stale without starting a new call (typing before a
// debounced search is sent); it returns the new sequence number.
func (r *request) invalidate() int {
	r.stop()
	r.seq++
	return r.seq
}

// done reports whether an answer is the current one, and if so marks the call finished.
func (r *request) done(seq int) bool {
	if seq != r.seq {
		return false
	}
	r.inflight = false
	return true
}

// stop cancels the call in flight, if any.
func (r *request) stop() {
	if r.cancel != nil {
		r.cancel()
		r.cancel = nil
	}
	r.inflight = false
}

// errCmd reports a failed store call to the app (a flash, or the outage banner).
func errCmd(err error) tea.Cmd { return func() tea.Msg { return errMsg{err} } }
