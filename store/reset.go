package store

import (
	"context"
	"database/sql"
	"errors"
	"net/netip"

	"github.com/jmoiron/sqlx"

	"gatehouse/model"
)

// Completing a reset link (`gatehouse reset TOKEN`, or the portal's reset page): the user
// chooses a new password under the rules; the token is single-use and expires after an hour;
// completing it unlocks the account.

// Why a reset token was refused. Each matches ErrInvalid with errors.Is too. The messages
// say what the person can do and never repeat the token.
var (
	ErrTokenUnknown  = &tokenError{"this reset link is not valid (check that it was copied whole, or ask for a new one)"}
	ErrTokenUsed     = &tokenError{"this reset link was already used; ask for a new one if needed"}
	ErrTokenExpired  = &tokenError{"this reset link has expired (links work for one hour); ask for a new one"}
	ErrTokenReplaced = &tokenError{"a newer reset link was sent since this one; use the latest e-mail"}
	ErrAccountClosed = &tokenError{"this account is disabled or deleted; contact your administrator"}
)

type tokenError struct{ msg string }

func (e *tokenError) Error() string        { return e.msg }
func (e *tokenError) Is(target error) bool { return target == ErrInvalid }

// selfOperator is who acts when a user completes their own reset link.
var selfOperator = model.Operator{Name: "self"}

// resetRow is the state of a reset token.
type resetRow struct {
	UserID    int64        `db:"user_id"`
	ExpiresAt sql.NullTime `db:"expires_at"`
	UsedAt    sql.NullTime `db:"used_at"`
	RevokedAt sql.NullTime `db:"revoked_at"`
}

// tokenRefusal explains why a token cannot be redeemed now (nil if it can).
func (s *Store) tokenRefusal(ctx context.Context, q sqlx.QueryerContext, hash []byte) (resetRow, error) {
	var r resetRow
	err := sqlx.GetContext(ctx, q, &r, `SELECT user_id, expires_at, used_at, revoked_at FROM reset_tokens WHERE token_hash = $1`, hash)
	switch {
	case isNoRows(err):
		return r, ErrTokenUnknown
	case err != nil:
		return r, mapErr(err)
	case r.UsedAt.Valid:
		return r, ErrTokenUsed
	case r.RevokedAt.Valid:
		return r, ErrTokenReplaced
	case !r.ExpiresAt.Time.After(s.now()):
		return r, ErrTokenExpired
	}
	return r, nil
}

// RedeemResetToken completes a reset link: the new password (and its confirmation) must
// pass every rule, otherwise a *model.PolicyError lists them and the link stays usable.
// On success, in one transaction: the token is marked used (of two redemptions at once,
// exactly one wins), the password stored (history, must-change cleared), the account
// unlocked with its failure counter cleared, the user's sessions ended and other open links
// revoked, the user notified, an auth event 'reset_completed' and an audit row by "self".
// A refused token returns ErrTokenUnknown, ErrTokenUsed, ErrTokenExpired, ErrTokenReplaced
// or ErrAccountClosed. It returns the user's login code.
func (s *Store) RedeemResetToken(ctx context.Context, token, password, confirm string) (string, error) {
	hash := model.HashToken(token)
	r, err := s.tokenRefusal(ctx, s.db, hash)
	if err != nil {
		return "", err
	}
	u, err := s.getUser(ctx, s.db, supportScope, r.UserID)
	if err != nil {
		return "", err
	}
	if u.Status == model.StatusDeleted || u.Status == model.StatusDisabled {
		return "", ErrAccountClosed
	}
	if err := checkPassword(ctx, s.db, u, password, confirm); err != nil {
		return "", err
	}
	pwHash, err := HashPassword(ctx, model.NormalizePassword(password))
	if err != nil {
		return "", err
	}
	var login string
	err = s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.now()
		var userID int64
		err := tx.GetContext(ctx, &userID, `UPDATE reset_tokens SET used_at = $2
			WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2
			RETURNING user_id`, hash, now)
		if isNoRows(err) {
			// Someone else redeemed it meanwhile, or it just expired: say which.
			if _, why := s.tokenRefusal(ctx, tx, hash); why != nil {
				return why
			}
			return ErrTokenUsed
		}
		if err != nil {
			return err
		}
		u, err := s.userForUpdate(ctx, tx, supportScope, userID)
		if err != nil {
			return err
		}
		if u.Status == model.StatusDeleted || u.Status == model.StatusDisabled {
			return ErrAccountClosed
		}
		wasLocked := u.LockedAt != nil
		if err := revokeResetLinks(ctx, tx, now, u.ID); err != nil {
			return err
		}
		n, err := s.storePassword(ctx, tx, u, passwordChange{hash: pwHash, mustChange: false, unlock: true,
			endReason: "password_reset", eventKind: "reset_completed", eventWhy: "reset_link", actor: "self"}, now)
		if err != nil {
			return err
		}
		if wasLocked {
			if err := authEvent(ctx, tx, now, &u.ID, u.Login, "unlock", "reset_link", netip.Addr{}, "self"); err != nil {
				return err
			}
		}
		login = u.Login
		return audit(ctx, tx, selfOperator, "user.reset_completed", &u.ID, nil, model.AuditDetail{"login": u.Login,
			"was_locked": wasLocked, "failures": u.FailedAttempts, "sessions": n})
	})
	if err != nil {
		var te *tokenError
		if errors.As(err, &te) {
			return "", te
		}
		return "", err
	}
	return login, nil
}

// supportScope reads a user without an operator's scope (the user acting on their own account).
var supportScope = model.Operator{Name: "self", Role: model.RoleSupport}
