package store

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/jmoiron/sqlx"

	"gatehouse/model"
	"gatehouse/model/i18n"
)

// Shared building blocks of account mutations: load a user for update within the operator's
// scope, record auth events, end sessions, notify the user. Each runs inside the caller's
// transaction.

// ResetLinkTTL is how long a reset link works.
const ResetLinkTTL = time.Hour

// userForUpdate locks the user row for the rest of the transaction. It returns ErrNotFound
// when the user does not exist, is deleted (unless allowDeleted), or is outside the
// operator's scope: an admin never learns that another organization's user exists.
func (s *Store) userForUpdate(ctx context.Context, tx *sqlx.Tx, op model.Operator, id int64) (model.User, error) {
	b := &queryBuilder{}
	b.and("u.id = " + b.arg(id))
	scopeUsers(b, op, "u")
	var r userRow
	err := tx.GetContext(ctx, &r, `SELECT `+userColumns+`, '{}'::text[] AS orgs FROM users u`+b.whereSQL()+` FOR UPDATE OF u`, b.args...)
	if err != nil {
		return model.User{}, mapErr(err)
	}
	return r.user(s.now()), nil
}

// liveUser is userForUpdate for an account that is not deleted (a deleted one is ErrNotFound).
func (s *Store) liveUser(ctx context.Context, tx *sqlx.Tx, op model.Operator, id int64) (model.User, error) {
	u, err := s.userForUpdate(ctx, tx, op, id)
	if err == nil && u.Status == model.StatusDeleted {
		return model.User{}, ErrNotFound
	}
	return u, err
}

// authEvent appends one auth event.
func authEvent(ctx context.Context, tx *sqlx.Tx, at time.Time, userID *int64, login, kind, reason string, ip netip.Addr, ua string) error {
	var ipArg any
	if ip.IsValid() {
		ipArg = ip.String()
	}
	var reasonArg any
	if reason != "" {
		reasonArg = reason
	}
	login, ua = cleanText(login, 256), cleanText(ua, 512) // cut on a character boundary
	_, err := tx.ExecContext(ctx, `INSERT INTO auth_events (at, user_id, login, kind, reason, ip, user_agent)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, at, userID, login, kind, reasonArg, ipArg, ua)
	return err
}

// operatorEvent records on the user's timeline an action an operator took.
func operatorEvent(ctx context.Context, tx *sqlx.Tx, now time.Time, op model.Operator, u model.User, kind string) error {
	return authEvent(ctx, tx, now, &u.ID, u.Login, kind, "operator", netip.Addr{}, "gatehouse:"+op.Name)
}

// endSessions ends every open portal session of a user; it returns how many were open.
func endSessions(ctx context.Context, tx *sqlx.Tx, now time.Time, userID int64, reason string) (int64, error) {
	res, err := tx.ExecContext(ctx, `UPDATE sessions SET ended_at = $2, end_reason = $3
		WHERE user_id = $1 AND ended_at IS NULL`, userID, now, reason)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// notify queues a plain notice e-mail to the user (NIST §4.2: every recovery action).
func (s *Store) notify(ctx context.Context, tx *sqlx.Tx, u model.User, subjectKey, bodyKey string, args ...any) error {
	return s.mailUser(ctx, tx, u, Mail{Kind: "notice"}, subjectKey, bodyKey, args...)
}

// mailUser queues m (its kind, and its secret if any) to the user, in their language: the
// subject, then the greeting, the body and the signature.
func (s *Store) mailUser(ctx context.Context, tx *sqlx.Tx, u model.User, m Mail, subjectKey, bodyKey string, args ...any) error {
	lang := i18n.Parse(u.Lang)
	m.UserID, m.To, m.Lang = &u.ID, u.Email, string(lang)
	m.Subject = i18n.T(lang, subjectKey)
	m.Body = i18n.T(lang, "mail.greeting", u.Name) + "\n\n" + i18n.T(lang, bodyKey, args...) + "\n\n" + i18n.T(lang, "mail.signature")
	_, err := s.enqueueMail(ctx, tx, m)
	return err
}

// revokeResetLinks kills the user's unused reset links.
func revokeResetLinks(ctx context.Context, tx *sqlx.Tx, now time.Time, userID int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE reset_tokens SET revoked_at = $2 WHERE user_id = $1 AND used_at IS NULL AND revoked_at IS NULL`, userID, now)
	return err
}

// bumpVersion marks a user row changed (optimistic locking).
func bumpVersion(ctx context.Context, tx *sqlx.Tx, now time.Time, id int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE users SET version = version + 1, updated_at = $2 WHERE id = $1`, id, now)
	return err
}

// UnlockResult reports a bulk unlock.
type UnlockResult struct {
	Unlocked   []int64 // users that were locked (or had failures) and are now clear
	ResetsSent []int64
}

// ErrOncallResetLink refuses an on-call operator a reset link: they unlock accounts and reset
// failure counters, nothing else. Refusals match ErrForbidden too.
var ErrOncallResetLink = errors.New("on-call operators unlock accounts and reset failure counters but do not send reset links")

// UnlockUsers unlocks accounts and resets their failure counters, with a reason; optionally
// sends each a reset link. Unlocking is allowed to support, admin (own organizations) and
// oncall; the reset links to support and admin only (an oncall asking for them is refused
// as a whole, ErrOncallResetLink, before anything changes). One transaction; one audit row
// per user; each user is notified. Users outside the operator's scope make the whole call
// fail with ErrNotFound (nothing is changed).
func (s *Store) UnlockUsers(ctx context.Context, op model.Operator, ids []int64, reason string, sendReset bool) (UnlockResult, error) {
	if err := writable(op); err != nil {
		return UnlockResult{}, err
	}
	var res UnlockResult
	if !op.CanUnlock() {
		return res, ErrForbidden
	}
	if sendReset && !op.CanWrite() {
		return res, fmt.Errorf("%w: %w", ErrForbidden, ErrOncallResetLink)
	}
	// At most 500 bytes, cut on a character boundary: a byte cut inside "é" made PostgreSQL
	// refuse the whole unlock ("not valid UTF-8").
	reason = cleanText(reason, 500)
	unlock := func(tx *sqlx.Tx, u model.User, now time.Time) (auditEntry, error) {
		// An operator who unlocks vouches for the user: the temporary mode's doubling restarts too.
		if _, err := tx.ExecContext(ctx, `UPDATE users SET locked_at = NULL, locked_until = NULL, lock_reason = NULL,
			failed_attempts = 0, first_failed_at = NULL, lock_count = 0, version = version + 1, updated_at = $2
			WHERE id = $1`, u.ID, now); err != nil {
			return auditEntry{}, err
		}
		if err := operatorEvent(ctx, tx, now, op, u, "unlock"); err != nil {
			return auditEntry{}, err
		}
		if err := s.notify(ctx, tx, u, "mail.unlock.subject", "mail.unlock.body", u.Login, now.UTC().Format("2006-01-02 15:04")); err != nil {
			return auditEntry{}, err
		}
		return auditEntry{"user.unlock", model.AuditDetail{"login": u.Login, "was_locked": u.LockedAt != nil, "failures": u.FailedAttempts, "reason": reason}}, nil
	}
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		res = UnlockResult{}
		now := s.now()
		for _, id := range ids {
			u, err := s.liveUser(ctx, tx, op, id)
			if err != nil {
				return err
			}
			if err := applyChange(ctx, tx, op, u, now, unlock); err != nil {
				return err
			}
			res.Unlocked = append(res.Unlocked, id)
			if sendReset {
				if err := applyChange(ctx, tx, op, u, now, s.resetLink(ctx, op)); err != nil {
					return err
				}
				res.ResetsSent = append(res.ResetsSent, id)
			}
		}
		return nil
	})
	if err != nil {
		return UnlockResult{}, err
	}
	return res, nil
}

// SendResetLink e-mails the user a single-use reset link (1 hour); earlier unused links die.
// The token is never stored in clear: its SHA-256 in reset_tokens, the link sealed in the outbox.
func (s *Store) SendResetLink(ctx context.Context, op model.Operator, userID int64) error {
	return s.withUser(ctx, op, userID, s.liveUser, s.resetLink(ctx, op))
}

// resetLink is the change that e-mails the user a new reset link (SendResetLink).
func (s *Store) resetLink(ctx context.Context, op model.Operator) userChange {
	return func(tx *sqlx.Tx, u model.User, now time.Time) (auditEntry, error) {
		if err := revokeResetLinks(ctx, tx, now, u.ID); err != nil {
			return auditEntry{}, err
		}
		token, hash := model.NewToken()
		if _, err := tx.ExecContext(ctx, `INSERT INTO reset_tokens (user_id, token_hash, created_at, expires_at, requested_by)
			VALUES ($1, $2, $3, $4, $5)`, u.ID, hash, now, now.Add(ResetLinkTTL), op.Name); err != nil {
			return auditEntry{}, err
		}
		if err := s.mailUser(ctx, tx, u, Mail{Kind: "reset_link", Secret: s.cfg.PortalURL + "/reset?token=" + token},
			"mail.reset.subject", "mail.reset.body", u.Login, now.UTC().Format("2006-01-02 15:04")); err != nil {
			return auditEntry{}, err
		}
		return auditEntry{"user.reset_link", model.AuditDetail{"login": u.Login}},
			operatorEvent(ctx, tx, now, op, u, "reset_requested")
	}
}
