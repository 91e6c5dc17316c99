package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"gatehouse/model"
)

// Authentication: the routine the customer portal shares with gatehouse.
//
// One attempt goes like this:
//  1. the identifier (login code or e-mail; spaces around ignored, any case) is looked up;
//  2. the password is verified against the stored hash — before any lock is taken, since it
//     costs tens of milliseconds; an unknown login spends the same time (DummyVerify);
//  3. in one short transaction the user row is locked (FOR NO KEY UPDATE), re-read, and the
//     outcome decided from what is stored now: status, lock, password, TOTP (its last step
//     updated in the same row, so a code works once), temporary password expiry. A failure
//     updates the counter from the locked row, so concurrent attempts count exactly; the
//     threshold-crossing attempt — and only it — locks the account and writes the lock event.
//  4. every attempt writes one auth event (time, IP, user agent, outcome, reason); a success
//     resets the counter, records the login and opens a session.
//
// The caller learns only ErrAuthFailed, whatever the reason (ErrTOTPRequired when the password
// was right but no code was given: the portal then asks for one, and the result's Ticket lets
// the code follow alone). The reason is in the event. An account that must change its password
// or set up 2FA gets no session yet: a pending sign-in (AuthResult.Pending) instead.

// ErrAuthFailed is the one public answer to a failed login, whatever the reason.
var ErrAuthFailed = errors.New("authentication failed")

// ErrTOTPRequired means the password was right and the account has 2FA, but no code was
// given: ask for one and try again (with the password, or with the ticket of the result
// returned alongside: ContinueSignIn). errors.Is(err, ErrAuthFailed) is true as well. It is
// never returned for a locked, disabled or otherwise unusable account.
var ErrTOTPRequired = fmt.Errorf("%w: a 2FA code is required", ErrAuthFailed)

// AuthRequest is one login attempt.
type AuthRequest struct {
	Login     string // login code or e-mail, as typed
	Password  string // never trimmed or altered
	TOTP      string // the 6-digit code, when the account has 2FA
	IP        netip.Addr
	UserAgent string
}

// AuthResult is a successful login: either an open session, or — when Pending is set — a
// sign-in whose credentials were right but which must pass one more step before any session
// opens (a 2FA code, a forced password change, a 2FA enrolment). Ticket then continues it
// (ContinueSignIn); SessionToken is empty.
type AuthResult struct {
	UserID             int64
	Login              string
	SessionID          int64
	SessionToken       string // shown once; only its hash is stored
	IdleExpiresAt      time.Time
	ExpiresAt          time.Time
	MustChangePassword bool   // Pending is StepPassword: the user chooses a new password first
	HashUpgraded       bool   // the stored hash was replaced by a fresh argon2id one
	OrgID              *int64 // the session's organization, when one was chosen

	Pending         SignInStep // "" when the session is open
	Ticket          string     // continues a pending sign-in; shown once, only its hash is stored
	TicketExpiresAt time.Time
}

// maxIdentifier bounds what is looked up (a pasted megabyte is not an identifier).
const maxIdentifier = 1024

// authRow is the user row as the login routine needs it (secrets included; never leaves here).
type authRow struct {
	ID                int64          `db:"id"`
	Login             string         `db:"login_code"`
	Status            string         `db:"status"`
	PasswordHash      sql.NullString `db:"password_hash"`
	MustChange        bool           `db:"must_change_password"`
	PasswordExpiresAt sql.NullTime   `db:"password_expires_at"`
	TOTPEnabled       bool           `db:"totp_enabled"`
	TOTPSecret        sql.NullString `db:"totp_secret"`
	TOTPLastStep      sql.NullInt64  `db:"totp_last_step"`
	FailedAttempts    int            `db:"failed_attempts"`
	FirstFailedAt     sql.NullTime   `db:"first_failed_at"`
	LockedAt          sql.NullTime   `db:"locked_at"`
	LockedUntil       sql.NullTime   `db:"locked_until"`
	LockCount         int            `db:"lock_count"`
	MustEnrolTOTP     bool           `db:"must_enrol_totp"`
	Version           int            `db:"version"`
}

const authColumns = `id, login_code, status, password_hash, must_change_password, password_expires_at,
	totp_enabled, totp_secret, totp_last_step, failed_attempts, first_failed_at, locked_at, locked_until, lock_count,
	must_enrol_totp, version`

// lookupLogin finds the account an identifier names: a live account by login code or e-mail,
// else the most recently deleted one (so attempts on it land on its timeline). found=false
// for an unknown identifier.
func (s *Store) lookupLogin(ctx context.Context, ident string) (authRow, bool, error) {
	var r authRow
	if ident == "" || len(ident) > maxIdentifier {
		return r, false, nil
	}
	var cond string
	var arg string
	if strings.Contains(ident, "@") {
		cond, arg = "lower(email) = $1", model.NormalizeEmail(ident)
	} else {
		cond, arg = "upper(login_code) = $1", model.NormalizeLogin(ident)
	}
	err := s.db.GetContext(ctx, &r, `SELECT `+authColumns+` FROM users WHERE status <> 'deleted' AND `+cond, arg)
	if err == nil {
		return r, true, nil
	}
	if !isNoRows(err) {
		return r, false, mapErr(err)
	}
	err = s.db.GetContext(ctx, &r, `SELECT `+authColumns+` FROM users WHERE status = 'deleted' AND `+cond+`
		ORDER BY deleted_at DESC, id DESC LIMIT 1`, arg)
	if isNoRows(err) {
		return r, false, nil
	}
	if err != nil {
		return r, false, mapErr(err)
	}
	return r, true, nil
}

// cleanText makes client-supplied text storable: valid UTF-8 without NUL, at most maxBytes
// bytes, cut on a character boundary.
func cleanText(s string, maxBytes int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	if len(s) <= maxBytes {
		return s
	}
	cut := maxBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// verified is the result of checking the password against one stored hash.
type verified struct {
	hash    sql.NullString // the hash that was checked
	ok      bool
	newHash string // set when ok and the hash must be upgraded
}

func (s *Store) verify(ctx context.Context, r authRow, password string) (verified, error) {
	v := verified{hash: r.PasswordHash}
	if !r.PasswordHash.Valid {
		DummyVerify(ctx, password)
		return v, ctx.Err()
	}
	// Passwords are hashed in NFKC form; an imported bcrypt hash was made by another
	// system from the password as typed, so that form is tried too when it differs.
	normalized := model.NormalizePassword(password)
	ok, upgrade, err := VerifyPassword(ctx, r.PasswordHash.String, normalized)
	if err == nil && !ok && normalized != password && strings.HasPrefix(r.PasswordHash.String, "$2") {
		ok, upgrade, err = VerifyPassword(ctx, r.PasswordHash.String, password)
	}
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return v, ctxErr
		}
		// A malformed or unsupported stored hash: the password cannot be right. Spend the
		// time a verification takes so the answer does not come sooner.
		DummyVerify(ctx, password)
		return v, ctx.Err()
	}
	v.ok = ok
	if ok && upgrade {
		h, err := HashPassword(ctx, normalized)
		if err != nil {
			return v, err
		}
		v.newHash = h
	}
	return v, nil
}

// errHashChanged asks Authenticate to start over: the password hash changed between the
// verification and the row lock (a concurrent password change).
var errHashChanged = errors.New("password hash changed during login")

// Authenticate runs one login attempt through the rules. It returns the session on success;
// ErrAuthFailed (or ErrTOTPRequired) when the attempt failed, whatever the reason; any other
// error is an infrastructure problem (database unreachable, context ended).
func (s *Store) Authenticate(ctx context.Context, req AuthRequest) (AuthResult, error) {
	pol, err := s.lockoutPolicy(ctx, s.db)
	if err != nil {
		return AuthResult{}, err
	}
	spol, err := s.sessionPolicy(ctx, s.db)
	if err != nil {
		return AuthResult{}, err
	}
	// What the client sent is recorded whatever it holds: invalid UTF-8 or NUL bytes (which
	// PostgreSQL refuses) must not turn an attempt into an error that escapes the count.
	ident := cleanText(model.NormalizeIdentifier(cleanText(req.Login, 4*maxIdentifier)), 4*maxIdentifier)
	logged := cleanText(ident, 256) // what the auth event keeps of it
	req.UserAgent = cleanText(req.UserAgent, 512)
	req.IP = req.IP.Unmap()
	for attempt := 0; ; attempt++ {
		r, found, err := s.lookupLogin(ctx, ident)
		if err != nil {
			return AuthResult{}, err
		}
		if !found {
			DummyVerify(ctx, req.Password)
			if err := ctx.Err(); err != nil {
				return AuthResult{}, err
			}
			err := s.tx(ctx, func(tx *sqlx.Tx) error {
				return authEvent(ctx, tx, s.now(), nil, logged, "login_failure", "unknown_login", req.IP, req.UserAgent)
			})
			if err != nil {
				return AuthResult{}, err
			}
			return AuthResult{}, ErrAuthFailed
		}
		v, err := s.verify(ctx, r, req.Password)
		if err != nil {
			return AuthResult{}, err
		}
		res, err := s.decide(ctx, r.ID, logged, v, req, pol, spol)
		if errors.Is(err, errHashChanged) && attempt < 3 {
			continue
		}
		return res, err
	}
}

// outcome is what one attempt does to the account.
type outcome struct {
	reason   string // "" on success
	count    bool   // the failure counts toward the lockout threshold
	totpStep *int64 // success with a TOTP code: the step to remember
	publicEr error  // what the caller is told on failure
}

// decide locks the row, re-reads it, applies the rules and records the attempt.
func (s *Store) decide(ctx context.Context, id int64, ident string, v verified, req AuthRequest,
	pol model.LockoutPolicy, spol SessionPolicy) (AuthResult, error) {
	var res AuthResult
	var public error
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		res, public = AuthResult{}, nil
		r, o, now, err := s.attempt(ctx, tx, id, ident, v, req, pol)
		if err != nil {
			return err
		}
		if o.reason != "" {
			public = o.publicEr
			if errors.Is(public, ErrTOTPRequired) {
				// The password was right: the code can follow on its own, with a ticket.
				return s.pendSignIn(ctx, tx, &res, r.ID, r.Version, StepTOTP, 0, req.IP, req.UserAgent, now)
			}
			return nil
		}
		// Success: a session opens, or the step the account must pass first.
		res, err = s.completeSignIn(ctx, tx, r, signInDone{ident: ident, totpStep: o.totpStep, newHash: v.newHash,
			ip: req.IP, ua: req.UserAgent}, spol, now)
		return err
	})
	if err != nil {
		return AuthResult{}, err
	}
	if errors.Is(public, ErrTOTPRequired) {
		return res, public // res carries the ticket for the code
	}
	if public != nil {
		return AuthResult{}, public
	}
	return res, nil
}

// attempt is the part of an attempt every proof of a password shares (a login, the
// acceptance of an invitation by an existing account): inside tx it locks the row (FOR NO
// KEY UPDATE), re-reads it, ends a temporary lock whose time has passed, judges the attempt
// and, on a failure, records it (auth event; the counter and the lock when it counts). It
// returns the locked row, the outcome and the time of the decision; on success the caller
// does the rest. errHashChanged: the hash changed since v was computed (start over).
func (s *Store) attempt(ctx context.Context, tx *sqlx.Tx, id int64, ident string, v verified, req AuthRequest,
	pol model.LockoutPolicy) (authRow, outcome, time.Time, error) {
	var r authRow
	if err := tx.GetContext(ctx, &r, `SELECT `+authColumns+` FROM users WHERE id = $1 FOR NO KEY UPDATE`, id); err != nil {
		return r, outcome{}, time.Time{}, err
	}
	if r.PasswordHash != v.hash {
		return r, outcome{}, time.Time{}, errHashChanged
	}
	now := s.now()
	uid := &r.ID

	// A temporary lock whose time has passed ends by itself: clear it (its count stays,
	// so the next lock lasts twice as long) and start counting afresh.
	if r.LockedAt.Valid && r.LockedUntil.Valid && !r.LockedUntil.Time.After(now) {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET locked_at = NULL, locked_until = NULL, lock_reason = NULL,
			failed_attempts = 0, first_failed_at = NULL, version = version + 1, updated_at = $2 WHERE id = $1`, r.ID, now); err != nil {
			return r, outcome{}, now, err
		}
		if err := authEvent(ctx, tx, now, uid, r.Login, "unlock", "expired", netip.Addr{}, ""); err != nil {
			return r, outcome{}, now, err
		}
		r.LockedAt, r.LockedUntil, r.FailedAttempts, r.FirstFailedAt = sql.NullTime{}, sql.NullTime{}, 0, sql.NullTime{}
		r.Version++
	}
	locked := r.LockedAt.Valid

	o := s.judge(r, v, req, locked, now)
	if o.reason != "" {
		if err := authEvent(ctx, tx, now, uid, ident, "login_failure", o.reason, req.IP, req.UserAgent); err != nil {
			return r, o, now, err
		}
		if o.count {
			if err := s.countFailure(ctx, tx, r, locked, pol, now, req.IP); err != nil {
				return r, o, now, err
			}
		}
	}
	return r, o, now, nil
}

// judge decides the outcome of an attempt on the locked, re-read row. The order matters: an
// unusable account (status, lock) fails whatever the password, and the second factor is only
// looked at once the first is right.
func (s *Store) judge(r authRow, v verified, req AuthRequest, locked bool, now time.Time) outcome {
	fail := func(reason string, count bool) outcome {
		return outcome{reason: reason, count: count, publicEr: ErrAuthFailed}
	}
	switch model.Status(r.Status) {
	case model.StatusDeleted, model.StatusInvited, model.StatusDisabled:
		return fail(r.Status, false)
	}
	if locked {
		// Recorded and counted (the pressure on the account), but never revealed.
		return fail("locked", true)
	}
	if !r.PasswordHash.Valid {
		return fail("no_password", true)
	}
	if !v.ok {
		return fail("bad_password", true)
	}
	var step *int64
	if r.TOTPEnabled {
		if strings.TrimSpace(req.TOTP) == "" {
			// Not a failure of the user: the portal asks for the code next.
			return outcome{reason: "bad_totp", count: false, publicEr: ErrTOTPRequired}
		}
		last := int64(math.MinInt64)
		if r.TOTPLastStep.Valid {
			last = r.TOTPLastStep.Int64
		}
		st, ok := model.VerifyTOTP(r.TOTPSecret.String, req.TOTP, now, last)
		if !ok {
			if _, again := model.VerifyTOTP(r.TOTPSecret.String, req.TOTP, now, math.MinInt64); again {
				return fail("totp_replay", true)
			}
			return fail("bad_totp", true)
		}
		step = &st
	}
	if r.PasswordExpiresAt.Valid && !r.PasswordExpiresAt.Time.After(now) {
		// The right temporary password, too late: the user needs a new one, not a lockout.
		return fail("expired_password", false)
	}
	return outcome{totpStep: step}
}

// countFailure adds one failure to the locked row. Outside a lock, a failure more than the
// window after the first of the current count starts a new count (N failures within
// the window); reaching the threshold locks the account — once, with one lock event. On a
// locked account the counter keeps counting.
func (s *Store) countFailure(ctx context.Context, tx *sqlx.Tx, r authRow, locked bool, pol model.LockoutPolicy,
	now time.Time, ip netip.Addr) error {
	var ipArg any
	if ip.IsValid() {
		ipArg = ip.String()
	}
	if locked {
		_, err := tx.ExecContext(ctx, `UPDATE users SET failed_attempts = failed_attempts + 1,
			last_failed_at = $2, last_failed_ip = $3 WHERE id = $1`, r.ID, now, ipArg)
		return err
	}
	count, first, lock := pol.RegisterFailure(r.FailedAttempts, timePtr(r.FirstFailedAt), now)
	if !lock {
		_, err := tx.ExecContext(ctx, `UPDATE users SET failed_attempts = $2, first_failed_at = $3,
			last_failed_at = $4, last_failed_ip = $5 WHERE id = $1`, r.ID, count, first, now, ipArg)
		return err
	}
	n := r.LockCount + 1
	until := pol.LockedUntil(n, now)
	if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_attempts = $2, first_failed_at = $3,
		last_failed_at = $4, last_failed_ip = $5, locked_at = $4, locked_until = $6, lock_reason = 'threshold',
		lock_count = $7, version = version + 1, updated_at = $4 WHERE id = $1`,
		r.ID, count, first, now, ipArg, until, n); err != nil {
		return err
	}
	return authEvent(ctx, tx, now, &r.ID, r.Login, "lock", "threshold", ip, "")
}
