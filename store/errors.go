package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"

	"github.com/lib/pq"
)

// Typed errors the screens and commands map to messages.
var (
	ErrNotFound    = errors.New("not found")
	ErrConflict    = errors.New("changed by someone else since it was read")
	ErrDuplicate   = errors.New("already exists")
	ErrForbidden   = errors.New("not allowed for your role")
	ErrInvalid     = errors.New("invalid")
	ErrUnavailable = errors.New("database unreachable")
	ErrTimeout     = errors.New("the database took too long to answer")
)

// DBError carries a typed error with the constraint or field it concerns.
type DBError struct {
	Kind       error  // one of the Err* values
	Constraint string // PostgreSQL constraint name, when known
	Detail     string // a human detail without values (never secrets)
}

func (e *DBError) Error() string {
	if e.Detail != "" {
		return e.Kind.Error() + ": " + e.Detail
	}
	if e.Constraint != "" {
		return e.Kind.Error() + " (" + e.Constraint + ")"
	}
	return e.Kind.Error()
}

func (e *DBError) Unwrap() error { return e.Kind }

// ConflictError is returned by a save whose version check failed: what changed meanwhile.
type ConflictError struct {
	Changed []string // field names that differ between what was read and what is stored now
	Current any      // the current stored value (e.g. model.User)
}

func (e *ConflictError) Error() string {
	if len(e.Changed) == 0 {
		return ErrConflict.Error()
	}
	return ErrConflict.Error() + ": " + strings.Join(e.Changed, ", ")
}

func (e *ConflictError) Unwrap() error { return ErrConflict }

// mapErr turns driver errors into the store's typed errors, one PostgreSQL code at a time.
// Messages never include row values (they could hold secrets).
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var dbe *DBError
	var ce *ConflictError
	if errors.As(err, &dbe) || errors.As(err, &ce) || errors.Is(err, ErrNotFound) ||
		errors.Is(err, ErrForbidden) || errors.Is(err, ErrInvalid) || errors.Is(err, ErrConflict) {
		return err
	}
	if isNoRows(err) {
		return ErrNotFound
	}
	var pqe *pq.Error
	if errors.As(err, &pqe) {
		switch pqe.Code {
		case "23505":
			return &DBError{Kind: ErrDuplicate, Constraint: pqe.Constraint}
		case "23503":
			return &DBError{Kind: ErrNotFound, Constraint: pqe.Constraint, Detail: "a referenced record does not exist"}
		case "23514":
			return &DBError{Kind: ErrInvalid, Constraint: pqe.Constraint}
		case "23502":
			return &DBError{Kind: ErrInvalid, Constraint: pqe.Column, Detail: "a required value is missing"}
		case "22001":
			return &DBError{Kind: ErrInvalid, Detail: "a value is too long"}
		case "22021", "22P05":
			return &DBError{Kind: ErrInvalid, Detail: "text holds bytes that are not valid UTF-8"}
		case "40001", "40P01":
			return &DBError{Kind: ErrConflict, Detail: "concurrent update, try again"}
		case "57014":
			return ErrTimeout
		case "42501":
			return &DBError{Kind: ErrForbidden, Detail: pqe.Message}
		case "57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004":
			return fmt.Errorf("%w: %s", ErrUnavailable, pqe.Code)
		}
		return fmt.Errorf("database error %s: %s", pqe.Code, pqe.Message)
	}
	if IsUnavailable(err) {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return err
}

// IsUnavailable reports whether err means the database cannot be reached right now.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrUnavailable) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var pqe *pq.Error
	if errors.As(err, &pqe) {
		return strings.HasPrefix(string(pqe.Code), "08") || strings.HasPrefix(string(pqe.Code), "57P")
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "connection refused") || strings.Contains(msg, "bad connection") ||
		strings.Contains(msg, "no such file or directory") || strings.Contains(msg, "EOF")
}
