package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gatehouse/store"
)

// refusal is an error the operator can act on (exit 1), with a message of its own.
type refusal struct{ msg string }

func (r *refusal) Error() string { return r.msg }

func refusedf(format string, a ...any) error { return &refusal{msg: fmt.Sprintf(format, a...)} }

// fail prints err as one readable line on stderr and returns its exit code: 1 for what the
// store refused or could not find, 2 for infrastructure problems.
func fail(e *env, err error) int {
	if errors.Is(err, store.ErrNoPostgres) {
		// exactly the store's message: it says what to install
		fmt.Fprintln(e.stderr, store.ErrNoPostgres.Error())
		return exitUsage
	}
	code := exitCode(err)
	msg := err.Error()
	if errors.Is(err, context.Canceled) {
		msg = "interrupted"
	}
	fmt.Fprintln(e.stderr, "gatehouse: "+oneLine(msg))
	return code
}

func exitCode(err error) int {
	var r *refusal
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &r),
		errors.Is(err, store.ErrNotFound),
		errors.Is(err, store.ErrForbidden),
		errors.Is(err, store.ErrDuplicate),
		errors.Is(err, store.ErrInvalid),
		errors.Is(err, store.ErrConflict):
		return exitRefused
	}
	return exitUsage
}

// oneLine folds a message onto one line and removes terminal controls from it (errors may
// quote what the database or a file said).
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return sanitizeLine(s)
}
