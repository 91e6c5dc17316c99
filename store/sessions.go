package store

import (
	"context"
	"database/sql"
	"net/netip"
	"time"

	"github.com/jmoiron/sqlx"

	"gatehouse/model"
)

// Portal sessions: a successful Authenticate opens one; its token is shown
// once and only its SHA-256 is stored. A session ends when it has been idle too long, when it
// reaches its absolute lifetime, or when it is ended (by an operator, or because the account
// was disabled, deleted or given a new password: endSessions).

// Session is one portal session, without its token.
type Session struct {
	ID            int64      `json:"id"`
	UserID        int64      `json:"user_id"`
	CreatedAt     time.Time  `json:"created_at"`
	LastSeenAt    time.Time  `json:"last_seen_at"`
	IdleExpiresAt time.Time  `json:"idle_expires_at"`
	ExpiresAt     time.Time  `json:"expires_at"`
	EndedAt       *time.Time `json:"ended_at,omitempty"`
	EndReason     string     `json:"end_reason,omitempty"`
	IP            netip.Addr `json:"ip"`
	UserAgent     string     `json:"user_agent"`
}

// Live reports whether the session can still be used at now.
func (s Session) Live(now time.Time) bool {
	return s.EndedAt == nil && now.Before(s.IdleExpiresAt) && now.Before(s.ExpiresAt)
}

const sessionColumns = `s.id, s.user_id, s.created_at, s.last_seen_at, s.idle_expires_at, s.expires_at,
	s.ended_at, coalesce(s.end_reason, ''), host(s.ip), s.user_agent`

func scanSession(sc interface{ Scan(...any) error }) (Session, error) {
	var x Session
	var ended sql.NullTime
	var ip sql.NullString
	if err := sc.Scan(&x.ID, &x.UserID, &x.CreatedAt, &x.LastSeenAt, &x.IdleExpiresAt, &x.ExpiresAt,
		&ended, &x.EndReason, &ip, &x.UserAgent); err != nil {
		return x, err
	}
	x.EndedAt = timePtr(ended)
	if ip.Valid {
		x.IP, _ = netip.ParseAddr(ip.String)
	}
	return x, nil
}

// ListSessions returns a user's live sessions (not ended, not expired), newest first, within
// the operator's scope (ErrNotFound otherwise). Every role may read them.
func (s *Store) ListSessions(ctx context.Context, op model.Operator, userID int64) ([]Session, error) {
	b := &queryBuilder{}
	b.and("u.id = " + b.arg(userID))
	scopeUsers(b, op, "u")
	var ok bool
	if err := s.read.GetContext(ctx, &ok, `SELECT true FROM users u`+b.whereSQL(), b.args...); err != nil {
		return nil, mapErr(err)
	}
	now := s.now()
	rows, err := s.read.QueryContext(ctx, `SELECT `+sessionColumns+` FROM sessions s
		WHERE s.user_id = $1 AND s.ended_at IS NULL AND s.idle_expires_at > $2 AND s.expires_at > $2
		ORDER BY s.id DESC LIMIT 200`, userID, now)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []Session{}
	for rows.Next() {
		x, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, mapErr(rows.Err())
}

// EndSession ends one session of a user in the operator's scope (support, admin). A session
// that does not exist or belongs to a user outside the scope is ErrNotFound; an admin may end
// sessions only of a user of their organizations alone (ErrSharedAccount); one already ended
// is left alone (nil, nothing audited). Audited; an auth event records it on the timeline.
func (s *Store) EndSession(ctx context.Context, op model.Operator, sessionID int64) error {
	return s.withUser(ctx, op, sessionID, s.sessionUser, func(tx *sqlx.Tx, u model.User, now time.Time) (auditEntry, error) {
		if err := wholeAccount(ctx, tx, op, u.ID); err != nil {
			return auditEntry{}, err
		}
		var ended sql.NullTime
		if err := tx.QueryRowContext(ctx, `SELECT ended_at FROM sessions WHERE id = $1 FOR UPDATE`, sessionID).Scan(&ended); err != nil {
			return auditEntry{}, mapErr(err)
		}
		if ended.Valid {
			return auditEntry{}, nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET ended_at = $2, end_reason = 'operator' WHERE id = $1`, sessionID, now); err != nil {
			return auditEntry{}, err
		}
		return auditEntry{"session.end", model.AuditDetail{"session": sessionID, "login": u.Login}},
			operatorEvent(ctx, tx, now, op, u, "session_ended")
	})
}

// sessionUser locks the user a session belongs to (ErrNotFound for an unknown session).
func (s *Store) sessionUser(ctx context.Context, tx *sqlx.Tx, op model.Operator, sessionID int64) (model.User, error) {
	var userID int64
	if err := tx.GetContext(ctx, &userID, `SELECT user_id FROM sessions WHERE id = $1`, sessionID); err != nil {
		return model.User{}, mapErr(err)
	}
	return s.userForUpdate(ctx, tx, op, userID)
}

// EndAllSessions ends every open session of a user in the operator's scope (support, admin;
// an admin only for a user of their organizations alone: ErrSharedAccount) and returns how
// many there were. Audited (also when there were none: the operator asked).
func (s *Store) EndAllSessions(ctx context.Context, op model.Operator, userID int64) (int64, error) {
	var n int64
	err := s.withUser(ctx, op, userID, s.userForUpdate, func(tx *sqlx.Tx, u model.User, now time.Time) (auditEntry, error) {
		if err := wholeAccount(ctx, tx, op, u.ID); err != nil {
			return auditEntry{}, err
		}
		var err error
		n, err = endSessions(ctx, tx, now, u.ID, "operator")
		if err == nil && n > 0 {
			err = operatorEvent(ctx, tx, now, op, u, "session_ended")
		}
		return auditEntry{"session.end_all", model.AuditDetail{"sessions": n, "login": u.Login}}, err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// SessionInfo is what the portal learns from a session token.
type SessionInfo struct {
	SessionID     int64
	UserID        int64
	IdleExpiresAt time.Time
	ExpiresAt     time.Time
}

// TouchSession is the portal's check of a session token on each request: if the session is
// live (not ended, neither idle nor absolute expiry passed) its idle expiry moves forward and
// it is returned; otherwise ErrNotFound. One statement, no operator: the token is the proof.
func (s *Store) TouchSession(ctx context.Context, token string) (SessionInfo, error) {
	pol, err := s.sessionPolicy(ctx, s.db)
	if err != nil {
		return SessionInfo{}, err
	}
	now := s.now()
	var si SessionInfo
	err = s.db.QueryRowContext(ctx, `UPDATE sessions SET last_seen_at = $2,
			idle_expires_at = least($2::timestamptz + make_interval(secs => $3), expires_at)
		WHERE token_hash = $1 AND ended_at IS NULL AND idle_expires_at > $2 AND expires_at > $2
		RETURNING id, user_id, idle_expires_at, expires_at`,
		model.HashToken(token), now, pol.Idle.Seconds()).Scan(&si.SessionID, &si.UserID, &si.IdleExpiresAt, &si.ExpiresAt)
	if err != nil {
		return SessionInfo{}, mapErr(err)
	}
	return si, nil
}
