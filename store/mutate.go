package store

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"gatehouse/model"
)

// The one shape of an operator's change to one user: refuse a read-only session or a role
// that may not write, then in one transaction lock the user, change it, write the audit row
// of the change, and (changeUser) read the user again as now stored.

// auditEntry is the audit row of a change to a user (its target is the user): its action and
// its structured part (see audit). An empty action means nothing changed: no row is written.
type auditEntry struct {
	action string
	detail model.AuditDetail
}

// userChange changes the locked user u inside the transaction and says what to audit. When
// it returns an error, the entry is ignored and the transaction rolls back.
type userChange func(tx *sqlx.Tx, u model.User, now time.Time) (auditEntry, error)

// userLock finds the user a change is about and locks its row for the rest of the
// transaction: userForUpdate (any account in scope), liveUser (not deleted), atVersion (not
// deleted, and not changed since the operator read it), sessionUser (by a session's id).
type userLock func(ctx context.Context, tx *sqlx.Tx, op model.Operator, id int64) (model.User, error)

// mayWrite refuses a read-only session (ErrReadOnly) and a role that may not change accounts
// beyond unlocking them (ErrForbidden).
func mayWrite(op model.Operator) error {
	if err := writable(op); err != nil {
		return err
	}
	if !op.CanWrite() {
		return ErrForbidden
	}
	return nil
}

// withUser runs one change of one user for an operator who may write: lock (id is what the
// lock takes), change and audit, in one transaction.
func (s *Store) withUser(ctx context.Context, op model.Operator, id int64, lock userLock, change userChange) error {
	if err := mayWrite(op); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.now()
		u, err := lock(ctx, tx, op, id)
		if err != nil {
			return err
		}
		return applyChange(ctx, tx, op, u, now, change)
	})
}

// changeUser runs a change made from the user as the operator read it (version; base, when
// known, names what changed meanwhile in a *ConflictError) and returns the user as now stored,
// read in the same transaction.
func (s *Store) changeUser(ctx context.Context, op model.Operator, id int64, version int, base *model.User, change userChange) (model.User, error) {
	var out model.User
	err := s.withUser(ctx, op, id, s.atVersion(version, base), func(tx *sqlx.Tx, u model.User, now time.Time) (auditEntry, error) {
		e, err := change(tx, u, now)
		if err == nil { // the audit row written next does not change the user
			out, err = s.getUser(ctx, tx, op, id)
		}
		return e, err
	})
	if err != nil {
		return model.User{}, err
	}
	return out, nil
}

// applyChange runs change on the locked user u and writes its audit row, inside tx.
func applyChange(ctx context.Context, tx *sqlx.Tx, op model.Operator, u model.User, now time.Time, change userChange) error {
	e, err := change(tx, u, now)
	if err != nil || e.action == "" {
		return err
	}
	return audit(ctx, tx, op, e.action, &u.ID, nil, e.detail)
}

// atVersion locks the user for a change made from what the operator read at version
// (editableUser).
func (s *Store) atVersion(version int, base *model.User) userLock {
	return func(ctx context.Context, tx *sqlx.Tx, op model.Operator, id int64) (model.User, error) {
		return s.editableUser(ctx, tx, op, id, version, base)
	}
}
