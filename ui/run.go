// Package ui is gatehouse's console: Bubble Tea screens, shared styles and key map, and the
// SSH serving of the same program.
package ui

import (
	"context"
	"io"

	"gatehouse/model"
	"gatehouse/store"
)

// Options configure one console session.
type Options struct {
	Lang    string    // "en" or "fr"; empty = from LANG
	DBLabel string    // what the header shows as the database (never credentials)
	Input   io.Reader // nil = stdin
	Output  io.Writer // nil = stdout
	// ReadOnly opens a session that changes nothing, whatever the role: it goes into the
	// operator (model.Operator.ReadOnly), so the action keys are disabled and every store
	// call of the session refuses to change anything.
	ReadOnly bool
}

// Run opens the console for one operator and returns when they quit.
func Run(ctx context.Context, st *store.Store, op model.Operator, opt Options) error {
	return runConsole(ctx, st, op, opt)
}
