package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/netip"
	"time"

	"github.com/jmoiron/sqlx"

	"gatehouse/model"
)

// The signed-in side of the portal: what a session token opens, and what its owner may do
// with it (choose an organization, change the password, set up 2FA, sign out). No operator
// acts here: the session token is the proof, and each call checks it again. Every privilege
// change rotates the session: the old token stops working and a new one is returned.

// noticeOwnPassword is the notice e-mailed when users change their own password.
const noticeOwnPassword = "mail.password_changed"

// PortalAccount is the account behind a live session, as the portal shows it.
type PortalAccount struct {
	SessionID     int64
	UserID        int64
	Login         string
	Name          string
	Email         string
	Lang          string
	TOTPEnabled   bool
	Org           *model.Organization  // the organization the session works in (nil: none chosen)
	Organizations []model.Organization // every organization of the account, by name
	IdleExpiresAt time.Time
	ExpiresAt     time.Time

	live bool // read from a live session by PortalSession (a literal of another package is not)
}

// touchEvery is how stale a session's last-seen time may get before a request moves it (and
// its idle expiry) forward: a session used every few seconds is written once a minute, not
// at every page.
const touchEvery = time.Minute

// PortalSession checks a session token and returns its account; the idle expiry moves
// forward (at most once a minute). ErrNotFound when the session is not live or its account
// cannot sign in any more (disabled, deleted).
func (s *Store) PortalSession(ctx context.Context, token string) (PortalAccount, error) {
	if token == "" || len(token) > 256 {
		return PortalAccount{}, ErrNotFound
	}
	now := s.now()
	var r struct {
		ID       int64         `db:"id"`
		UserID   int64         `db:"user_id"`
		Idle     time.Time     `db:"idle_expires_at"`
		Expires  time.Time     `db:"expires_at"`
		LastSeen time.Time     `db:"last_seen_at"`
		OrgID    sql.NullInt64 `db:"org_id"`
		Login    string        `db:"login_code"`
		Name     string        `db:"name"`
		Email    string        `db:"email"`
		Lang     string        `db:"lang"`
		Status   string        `db:"status"`
		TOTP     bool          `db:"totp_enabled"`
		Orgs     []byte        `db:"orgs"`
	}
	// One round trip: the session, its account and the account's organizations.
	if err := s.db.GetContext(ctx, &r, `SELECT s.id, s.user_id, s.idle_expires_at, s.expires_at, s.last_seen_at, s.org_id,
		u.login_code, u.name, u.email, u.lang, u.status, u.totp_enabled,
		coalesce((SELECT json_agg(json_build_object('id', o.id, 'slug', o.slug, 'name', o.name, 'created_at', o.created_at)
			ORDER BY o.name COLLATE name_order, o.id) FROM memberships m JOIN organizations o ON o.id = m.org_id WHERE m.user_id = u.id), '[]') AS orgs
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = $1 AND s.ended_at IS NULL AND s.idle_expires_at > $2 AND s.expires_at > $2`,
		model.HashToken(token), now); err != nil {
		return PortalAccount{}, mapErr(err)
	}
	if model.Status(r.Status) != model.StatusActive {
		return PortalAccount{}, ErrNotFound
	}
	if now.Sub(r.LastSeen) >= touchEvery {
		si, err := s.TouchSession(ctx, token)
		if err != nil {
			return PortalAccount{}, err
		}
		r.Idle = si.IdleExpiresAt
	}
	a := PortalAccount{SessionID: r.ID, UserID: r.UserID, Login: r.Login, Name: r.Name, Email: r.Email,
		Lang: r.Lang, TOTPEnabled: r.TOTP, IdleExpiresAt: r.Idle, ExpiresAt: r.Expires, live: true}
	if err := json.Unmarshal(r.Orgs, &a.Organizations); err != nil {
		return PortalAccount{}, fmt.Errorf("the account's organizations: %w", err)
	}
	for i := range a.Organizations {
		if r.OrgID.Valid && a.Organizations[i].ID == r.OrgID.Int64 {
			a.Org = &a.Organizations[i]
		}
	}
	return a, nil
}

// liveSession locks a live session by its token for the caller's transaction.
type liveSession struct {
	ID        int64         `db:"id"`
	UserID    int64         `db:"user_id"`
	OrgID     sql.NullInt64 `db:"org_id"`
	ExpiresAt time.Time     `db:"expires_at"`
}

func (s *Store) lockSession(ctx context.Context, tx *sqlx.Tx, token string, now time.Time) (liveSession, error) {
	var ls liveSession
	if token == "" || len(token) > 256 {
		return ls, ErrNotFound
	}
	err := tx.GetContext(ctx, &ls, `SELECT id, user_id, org_id, expires_at FROM sessions
		WHERE token_hash = $1 AND ended_at IS NULL AND idle_expires_at > $2 AND expires_at > $2 FOR UPDATE`,
		model.HashToken(token), now)
	return ls, mapErr(err)
}

// ChooseOrganization records in which of its organizations the session works (a user of
// several picks one after signing in). The session rotates: the old token ends, the new one
// keeps its absolute expiry. ErrNotFound for a session that is not live, or an organization
// the account does not belong to.
func (s *Store) ChooseOrganization(ctx context.Context, token string, orgID int64, ip netip.Addr, ua string) (AuthResult, error) {
	spol, err := s.sessionPolicy(ctx, s.db)
	if err != nil {
		return AuthResult{}, err
	}
	var res AuthResult
	err = s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.now()
		ls, err := s.lockSession(ctx, tx, token, now)
		if err != nil {
			return err
		}
		var login string
		if err := tx.GetContext(ctx, &login, `SELECT u.login_code FROM users u JOIN memberships m ON m.user_id = u.id
			WHERE u.id = $1 AND m.org_id = $2 AND u.status = 'active'`, ls.UserID, orgID); err != nil {
			return mapErr(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET ended_at = $2, end_reason = 'organization' WHERE id = $1`, ls.ID, now); err != nil {
			return err
		}
		res = AuthResult{UserID: ls.UserID, Login: login}
		return s.openSession(ctx, tx, &res, ls.UserID, &orgID, ls.ExpiresAt, ip.Unmap(), ua, spol, now)
	})
	if err != nil {
		return AuthResult{}, err
	}
	return res, nil
}

// EndPortalSession signs out: the session ends (an auth event records it). Ending a session
// that is not live is not an error.
func (s *Store) EndPortalSession(ctx context.Context, token string, ip netip.Addr, ua string) error {
	if token == "" || len(token) > 256 {
		return nil
	}
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.now()
		var r struct {
			UserID int64  `db:"user_id"`
			Login  string `db:"login_code"`
		}
		err := tx.GetContext(ctx, &r, `UPDATE sessions s SET ended_at = $2, end_reason = 'logout' FROM users u
			WHERE u.id = s.user_id AND s.token_hash = $1 AND s.ended_at IS NULL RETURNING s.user_id, u.login_code`,
			model.HashToken(token), now)
		if isNoRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return authEvent(ctx, tx, now, &r.UserID, r.Login, "session_ended", "logout", ip.Unmap(), ua)
	})
}

// ChangeOwnPassword is a signed-in user changing their password: the current one, then the
// new one twice. A wrong current password is a failed attempt like any other (counted in the
// lockout: ErrAuthFailed; the session ends if it locks the account). A new password that
// fails a rule returns a *model.PolicyError. On success every session of the account ends
// (other devices too), the user is notified, and a new session is returned in place of this
// one, with its organization.
func (s *Store) ChangeOwnPassword(ctx context.Context, token, current, password, confirm string, ip netip.Addr, ua string) (AuthResult, error) {
	acct, err := s.PortalSession(ctx, token)
	if err != nil {
		return AuthResult{}, err
	}
	ip, ua = ip.Unmap(), cleanText(ua, 512)
	pol, err := s.lockoutPolicy(ctx, s.db)
	if err != nil {
		return AuthResult{}, err
	}
	spol, err := s.sessionPolicy(ctx, s.db)
	if err != nil {
		return AuthResult{}, err
	}
	var r authRow
	if err := s.db.GetContext(ctx, &r, `SELECT `+authColumns+` FROM users WHERE id = $1`, acct.UserID); err != nil {
		return AuthResult{}, mapErr(err)
	}
	v, err := s.verify(ctx, r, current)
	if err != nil {
		return AuthResult{}, err
	}
	if !v.ok || r.LockedAt.Valid && (!r.LockedUntil.Valid || r.LockedUntil.Time.After(s.now())) {
		return AuthResult{}, s.ownPasswordFailure(ctx, acct, v, ip, ua, pol)
	}
	u, err := s.getUser(ctx, s.db, supportScope, acct.UserID)
	if err != nil {
		return AuthResult{}, mapErr(err)
	}
	if err := checkPassword(ctx, s.db, u, password, confirm); err != nil {
		return AuthResult{}, err
	}
	hash, err := HashPassword(ctx, model.NormalizePassword(password))
	if err != nil {
		return AuthResult{}, err
	}
	var res AuthResult
	err = s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.now()
		ls, err := s.lockSession(ctx, tx, token, now)
		if err != nil {
			return err
		}
		u, err := s.userForUpdate(ctx, tx, supportScope, ls.UserID)
		if err != nil {
			return err
		}
		var stored sql.NullString
		if err := tx.GetContext(ctx, &stored, `SELECT password_hash FROM users WHERE id = $1`, u.ID); err != nil {
			return err
		}
		if stored != v.hash || u.Status != model.StatusActive {
			return &DBError{Kind: ErrConflict, Detail: "the account changed meanwhile; try again"}
		}
		n, err := s.storePassword(ctx, tx, u, passwordChange{hash: hash, endReason: "password_changed",
			eventKind: "password_changed", eventWhy: "self", actor: "self", notice: noticeOwnPassword}, now)
		if err != nil {
			return err
		}
		if err := audit(ctx, tx, selfOperator, "user.password_changed", &u.ID, nil,
			model.AuditDetail{"login": u.Login, "sessions": n}); err != nil {
			return err
		}
		var orgID *int64
		if ls.OrgID.Valid {
			orgID = &ls.OrgID.Int64
		}
		res = AuthResult{UserID: u.ID, Login: u.Login}
		return s.openSession(ctx, tx, &res, u.ID, orgID, time.Time{}, ip, ua, spol, now)
	})
	if err != nil {
		return AuthResult{}, err
	}
	return res, nil
}

// ownPasswordFailure records a wrong current password (or any attempt on a locked account)
// and counts it; a failure that locks the account also ends its sessions.
func (s *Store) ownPasswordFailure(ctx context.Context, acct PortalAccount, v verified, ip netip.Addr, ua string, pol model.LockoutPolicy) error {
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		var r authRow
		if err := tx.GetContext(ctx, &r, `SELECT `+authColumns+` FROM users WHERE id = $1 FOR NO KEY UPDATE`, acct.UserID); err != nil {
			return err
		}
		now := s.now()
		locked := r.LockedAt.Valid && (!r.LockedUntil.Valid || r.LockedUntil.Time.After(now))
		reason := "bad_password"
		if locked {
			reason = "locked"
		}
		if err := authEvent(ctx, tx, now, &r.ID, r.Login, "login_failure", reason, ip, ua); err != nil {
			return err
		}
		if err := s.countFailure(ctx, tx, r, locked, pol, now, ip); err != nil {
			return err
		}
		var nowLocked bool
		if err := tx.GetContext(ctx, &nowLocked, `SELECT locked_at IS NOT NULL FROM users WHERE id = $1`, r.ID); err != nil {
			return err
		}
		if nowLocked {
			if _, err := endSessions(ctx, tx, now, r.ID, "locked"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return ErrAuthFailed
}

// StartTOTPEnrolment lets a signed-in user without 2FA set it up: it returns an enrolment
// ticket (continued on the enrolment page: EnrolmentSecret, then ContinueSignIn) whose
// success replaces this session with a new one. ErrNotFound for a session that is not live;
// ErrInvalid when 2FA is already on.
func (s *Store) StartTOTPEnrolment(ctx context.Context, token string, ip netip.Addr, ua string) (AuthResult, error) {
	var res AuthResult
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.now()
		ls, err := s.lockSession(ctx, tx, token, now)
		if err != nil {
			return err
		}
		var u struct {
			Login   string `db:"login_code"`
			Version int    `db:"version"`
			TOTP    bool   `db:"totp_enabled"`
		}
		if err := tx.GetContext(ctx, &u, `SELECT login_code, version, totp_enabled FROM users WHERE id = $1 AND status = 'active'`, ls.UserID); err != nil {
			return mapErr(err)
		}
		if u.TOTP {
			return &DBError{Kind: ErrInvalid, Detail: "2FA is already set up"}
		}
		res = AuthResult{UserID: ls.UserID, Login: u.Login}
		return s.pendSignIn(ctx, tx, &res, ls.UserID, u.Version, StepEnrol, ls.ID, ip.Unmap(), ua, now)
	})
	if err != nil {
		return AuthResult{}, err
	}
	return res, nil
}

// SetOrganizationTOTPRequired makes 2FA required (or not) for every member of an
// organization: a member without it sets it up at the next sign-in, before any session.
// Support, or an admin of the organization. Audited.
func (s *Store) SetOrganizationTOTPRequired(ctx context.Context, op model.Operator, orgID int64, required bool) error {
	if err := mayWrite(op); err != nil {
		return err
	}
	if !op.InScope(orgID) {
		return ErrNotFound
	}
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		var slug string
		err := tx.GetContext(ctx, &slug, `UPDATE organizations SET policy = jsonb_set(policy, '{require_totp}', to_jsonb($2::boolean))
			WHERE id = $1 RETURNING slug`, orgID, required)
		if err != nil {
			return mapErr(err)
		}
		rule := "totp_optional"
		if required {
			rule = "totp_required"
		}
		return audit(ctx, tx, op, "org.require_totp", nil, &orgID, model.AuditDetail{"org": slug, "rule": rule})
	})
}

// OwnPasswordRules returns the password rules of a signed-in account (from PortalSession),
// for the live check of the change form (the store checks again, with the reuse rule, when
// saving). ErrNotFound for an account that did not come from a live session.
func (s *Store) OwnPasswordRules(ctx context.Context, acct PortalAccount) (model.PasswordPolicy, model.PasswordContext, error) {
	if !acct.live {
		return model.PasswordPolicy{}, model.PasswordContext{}, ErrNotFound
	}
	return passwordRules(ctx, s.db, model.User{ID: acct.UserID, Login: acct.Login, Email: acct.Email, Name: acct.Name,
		TOTPEnabled: acct.TOTPEnabled})
}
