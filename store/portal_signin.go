package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"time"

	"github.com/jmoiron/sqlx"

	"gatehouse/model"
)

// Pending sign-ins. A sign-in whose credentials were right may still have to pass a step
// before any session opens:
//
//   - StepTOTP: the account has 2FA and the code was not given with the password;
//   - StepPassword: must_change_password is set (a temporary password, or one an operator
//     chose): the user picks their own now;
//   - StepEnrol: the user must set up an authenticator (after an operator's 2FA reset, or
//     because one of their organizations requires 2FA).
//
// The step is held by a ticket: 32 random bytes given to the browser once (only their
// SHA-256 is stored), valid TicketTTL, used once, and bound to the account's version, so that
// any change to the account meanwhile (a lock, a disable, an operator's password or 2FA reset)
// voids it. Each step done hands over to the next (a new ticket) or opens the session.

// SignInStep is what a pending sign-in waits for.
type SignInStep string

const (
	StepTOTP     SignInStep = "totp"     // a 2FA code
	StepPassword SignInStep = "password" // a new password of the user's own
	StepEnrol    SignInStep = "enrol"    // an authenticator set up and confirmed by one code
)

// TicketTTL is how long a pending sign-in waits.
const TicketTTL = 15 * time.Minute

// maxEnrolAttempts bounds the wrong confirmation codes of one enrolment ticket.
const maxEnrolAttempts = 5

// ErrSignInExpired means a pending sign-in ticket is unknown, used or past its time: sign in
// again. It says nothing about the account.
var ErrSignInExpired = errors.New("this sign-in has expired; sign in again")

// ErrTOTPCode means an enrolment's confirmation code did not match the new secret (the
// ticket stays usable for a few more tries).
var ErrTOTPCode = fmt.Errorf("%w: the code does not match; type the code the app shows now", ErrInvalid)

// signInDone is a sign-in whose every factor was right, about to complete.
type signInDone struct {
	ident    string // for the auth event
	totpStep *int64 // the 2FA step accepted, to remember
	newHash  string // the stored hash's upgrade, if any
	ip       netip.Addr
	ua       string
}

// ipArg is an address as a query argument (NULL when unknown).
func ipArg(ip netip.Addr) any {
	if ip.IsValid() {
		return ip.String()
	}
	return nil
}

// completeSignIn records a sign-in whose credentials were all right, on the locked row r in
// the caller's transaction: failure counter and lock cleared, last login recorded, the auth
// event written; then the session opens, or the account's pending step gets its ticket.
func (s *Store) completeSignIn(ctx context.Context, tx *sqlx.Tx, r authRow, d signInDone, spol SessionPolicy, now time.Time) (AuthResult, error) {
	var newHash any
	if d.newHash != "" {
		newHash = d.newHash
	}
	// One statement records the success and reads what the next step depends on: the row
	// is locked, and every statement here makes concurrent sign-ins of the account wait.
	var st accountSteps
	if err := tx.GetContext(ctx, &st, `UPDATE users u SET failed_attempts = 0, first_failed_at = NULL, lock_count = 0,
		locked_at = NULL, locked_until = NULL, lock_reason = NULL,
		last_login_at = $2, last_login_ip = $3, totp_last_step = coalesce($4, totp_last_step),
		password_hash = coalesce($5, password_hash) WHERE id = $1
		RETURNING `+accountStepsColumns,
		r.ID, now, ipArg(d.ip), d.totpStep, newHash); err != nil {
		return AuthResult{}, err
	}
	next := st.next()
	reason := ""
	switch next {
	case StepPassword:
		reason = "must_change_password"
	case StepEnrol:
		reason = "must_enrol_totp"
	}
	if err := authEvent(ctx, tx, now, &r.ID, d.ident, "login_success", reason, d.ip, d.ua); err != nil {
		return AuthResult{}, err
	}
	res := AuthResult{UserID: r.ID, Login: r.Login, HashUpgraded: d.newHash != ""}
	if next != "" {
		return res, s.pendSignIn(ctx, tx, &res, r.ID, r.Version, next, 0, d.ip, d.ua, now)
	}
	var org *int64
	if st.SoleOrg.Valid {
		org = &st.SoleOrg.Int64
	}
	return res, s.openSession(ctx, tx, &res, r.ID, org, time.Time{}, d.ip, d.ua, spol, now)
}

// accountSteps is what decides the steps of a sign-in, read from the user row (alias u).
type accountSteps struct {
	MustChange  bool          `db:"must_change_password"`
	TOTPEnabled bool          `db:"totp_enabled"`
	MustEnrol   bool          `db:"must_enrol_totp"`
	OrgRequires bool          `db:"org_requires"`
	SoleOrg     sql.NullInt64 `db:"sole_org"`
}

const accountStepsColumns = `u.must_change_password, u.totp_enabled, u.must_enrol_totp,
	coalesce((SELECT bool_or(coalesce((o.policy->>'require_totp')::boolean, false))
		FROM memberships m JOIN organizations o ON o.id = m.org_id WHERE m.user_id = u.id), false) AS org_requires,
	(SELECT CASE WHEN count(*) = 1 THEN min(m.org_id) END FROM memberships m WHERE m.user_id = u.id) AS sole_org`

// next says what an account whose credentials were accepted must still do before a
// session: change its password, then set up 2FA ("" when nothing).
func (st accountSteps) next() SignInStep {
	switch {
	case st.MustChange:
		return StepPassword
	case !st.TOTPEnabled && (st.MustEnrol || st.OrgRequires):
		return StepEnrol
	}
	return ""
}

// pendSignIn writes a ticket for the step into res (the caller's transaction). sessionID is
// the session a signed-in user's enrolment will replace (0: none).
func (s *Store) pendSignIn(ctx context.Context, tx *sqlx.Tx, res *AuthResult, userID int64, version int, step SignInStep,
	sessionID int64, ip netip.Addr, ua string, now time.Time) error {
	token, hash := model.NewToken()
	var sess any
	if sessionID != 0 {
		sess = sessionID
	}
	exp := now.Add(TicketTTL)
	if _, err := tx.ExecContext(ctx, `INSERT INTO signin_tickets (user_id, token_hash, step, user_version, session_id,
		created_at, expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		userID, hash, string(step), version, sess, now, exp, ipArg(ip), cleanText(ua, 512)); err != nil {
		return err
	}
	res.Pending, res.Ticket, res.TicketExpiresAt = step, token, exp
	res.MustChangePassword = step == StepPassword
	res.SessionToken, res.SessionID = "", 0
	return nil
}

// openSession opens a portal session into res (the caller's transaction). expires, when set,
// keeps the absolute expiry of the session this one replaces.
func (s *Store) openSession(ctx context.Context, tx *sqlx.Tx, res *AuthResult, userID int64, orgID *int64, expires time.Time,
	ip netip.Addr, ua string, spol SessionPolicy, now time.Time) error {
	token, hash := model.NewToken()
	res.SessionToken, res.OrgID = token, orgID
	res.IdleExpiresAt, res.ExpiresAt = now.Add(spol.Idle), now.Add(spol.Absolute)
	if !expires.IsZero() {
		res.ExpiresAt = expires
		if res.IdleExpiresAt.After(expires) {
			res.IdleExpiresAt = expires
		}
	}
	res.Pending, res.Ticket, res.TicketExpiresAt = "", "", time.Time{}
	return tx.GetContext(ctx, &res.SessionID, `INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at,
		idle_expires_at, expires_at, ip, user_agent, org_id) VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8) RETURNING id`,
		userID, hash, now, res.IdleExpiresAt, res.ExpiresAt, ipArg(ip), cleanText(ua, 512), orgID)
}

// ticketRow is a pending sign-in as stored.
type ticketRow struct {
	ID          int64          `db:"id"`
	UserID      int64          `db:"user_id"`
	Step        string         `db:"step"`
	UserVersion int            `db:"user_version"`
	TOTPSecret  sql.NullString `db:"totp_secret"`
	SessionID   sql.NullInt64  `db:"session_id"`
	Attempts    int            `db:"attempts"`
	ExpiresAt   time.Time      `db:"expires_at"`
}

const ticketColumns = `id, user_id, step, user_version, totp_secret, session_id, attempts, expires_at`

// liveTicket finds a ticket that can still be used (ErrSignInExpired otherwise); lock holds
// it for the caller's transaction.
func (s *Store) liveTicket(ctx context.Context, q sqlx.QueryerContext, ticket string, lock bool) (ticketRow, error) {
	var t ticketRow
	if ticket == "" || len(ticket) > 256 {
		return t, ErrSignInExpired
	}
	sqlText := `SELECT ` + ticketColumns + ` FROM signin_tickets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2`
	if lock {
		sqlText += ` FOR UPDATE`
	}
	err := sqlx.GetContext(ctx, q, &t, sqlText, model.HashToken(ticket), s.now())
	if isNoRows(err) {
		return t, ErrSignInExpired
	}
	return t, mapErr(err)
}

// PendingSignIn is what the pages of a pending sign-in show.
type PendingSignIn struct {
	Step      SignInStep
	UserID    int64
	Login     string
	Name      string
	Email     string
	Lang      string
	ExpiresAt time.Time
	// Password step: the rules the new password must pass (the reuse rule is checked when
	// saving), for the form to show them.
	Policy       model.PasswordPolicy
	PolicyFacts  model.PasswordContext
	TOTPRequired bool // enrolment: an organization requires 2FA (else: it was reset by an operator)
}

// PendingSignIn tells what a ticket waits for (ErrSignInExpired when it cannot be used). It
// changes nothing.
func (s *Store) PendingSignIn(ctx context.Context, ticket string) (PendingSignIn, error) {
	if ticket == "" || len(ticket) > 256 {
		return PendingSignIn{}, ErrSignInExpired
	}
	now := s.now()
	var r struct {
		Step         string       `db:"step"`
		TicketVer    int          `db:"user_version"`
		ExpiresAt    time.Time    `db:"expires_at"`
		UserID       int64        `db:"id"`
		Login        string       `db:"login_code"`
		Name         string       `db:"name"`
		Email        string       `db:"email"`
		Lang         string       `db:"lang"`
		Status       string       `db:"status"`
		Version      int          `db:"version"`
		TOTP         bool         `db:"totp_enabled"`
		LockedAt     sql.NullTime `db:"locked_at"`
		LockedUntil  sql.NullTime `db:"locked_until"`
		TOTPRequired bool         `db:"org_requires"`
	}
	err := s.db.GetContext(ctx, &r, `SELECT t.step, t.user_version, t.expires_at, u.id, u.login_code, u.name, u.email,
		u.lang, u.status, u.version, u.totp_enabled, u.locked_at, u.locked_until,
		coalesce((SELECT bool_or(coalesce((o.policy->>'require_totp')::boolean, false))
			FROM memberships m JOIN organizations o ON o.id = m.org_id WHERE m.user_id = u.id), false) AS org_requires
		FROM signin_tickets t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1 AND t.used_at IS NULL AND t.expires_at > $2`, model.HashToken(ticket), now)
	if isNoRows(err) {
		return PendingSignIn{}, ErrSignInExpired
	}
	if err != nil {
		return PendingSignIn{}, mapErr(err)
	}
	locked := r.LockedAt.Valid && (!r.LockedUntil.Valid || r.LockedUntil.Time.After(now))
	if r.Version != r.TicketVer || model.Status(r.Status) != model.StatusActive || locked {
		return PendingSignIn{}, ErrSignInExpired
	}
	p := PendingSignIn{Step: SignInStep(r.Step), UserID: r.UserID, Login: r.Login, Name: r.Name, Email: r.Email,
		Lang: r.Lang, ExpiresAt: r.ExpiresAt, TOTPRequired: r.TOTPRequired}
	if p.Step == StepPassword {
		u := model.User{ID: r.UserID, Login: r.Login, Email: r.Email, Name: r.Name, TOTPEnabled: r.TOTP}
		if p.Policy, p.PolicyFacts, err = passwordRules(ctx, s.db, u); err != nil {
			return PendingSignIn{}, err
		}
	}
	return p, nil
}

// EnrolmentSecret returns the TOTP secret an enrolment ticket sets up, drawn on first call
// and the same afterwards (the page can be reloaded). The secret is for its owner's eyes:
// never log it.
func (s *Store) EnrolmentSecret(ctx context.Context, ticket string) (string, error) {
	t, err := s.liveTicket(ctx, s.db, ticket, false)
	if err != nil {
		return "", err
	}
	if SignInStep(t.Step) != StepEnrol {
		return "", ErrSignInExpired
	}
	if t.TOTPSecret.Valid {
		return t.TOTPSecret.String, nil
	}
	var secret string
	err = s.db.GetContext(ctx, &secret, `UPDATE signin_tickets SET totp_secret = coalesce(totp_secret, $2)
		WHERE id = $1 AND used_at IS NULL RETURNING totp_secret`, t.ID, model.NewTOTPSecret())
	if isNoRows(err) {
		return "", ErrSignInExpired
	}
	return secret, mapErr(err)
}

// StepInput is what the user gives to pass a pending step.
type StepInput struct {
	TOTP      string // StepTOTP: the app's code; StepEnrol: the code confirming the new secret
	Password  string // StepPassword: the new password,
	Confirm   string // typed twice
	IP        netip.Addr
	UserAgent string
}

// ContinueSignIn passes the pending step of a ticket. It returns the next step's ticket or
// the open session (AuthResult), or:
//   - StepTOTP: ErrAuthFailed for a wrong code (counted in the lockout, like any failed
//     attempt; the ticket stays usable until the account locks), ErrTOTPRequired for none;
//   - StepPassword: a *model.PolicyError listing the rules the new password failed (the
//     ticket stays usable);
//   - StepEnrol: ErrTOTPCode when the code does not match the new secret (a few tries);
//   - ErrSignInExpired for a ticket unknown, used or too old; ErrAuthFailed when the account
//     changed meanwhile (locked, disabled, a new password or 2FA reset by an operator).
func (s *Store) ContinueSignIn(ctx context.Context, ticket string, in StepInput) (AuthResult, error) {
	t, err := s.liveTicket(ctx, s.db, ticket, false)
	if err != nil {
		return AuthResult{}, err
	}
	in.IP, in.UserAgent = in.IP.Unmap(), cleanText(in.UserAgent, 512)
	spol, err := s.sessionPolicy(ctx, s.db)
	if err != nil {
		return AuthResult{}, err
	}
	switch SignInStep(t.Step) {
	case StepTOTP:
		return s.continueTOTP(ctx, ticket, in, spol)
	case StepPassword:
		return s.continuePassword(ctx, ticket, t, in, spol)
	case StepEnrol:
		return s.continueEnrol(ctx, ticket, in, spol)
	}
	return AuthResult{}, ErrSignInExpired
}

// lockTicketAndUser locks a live ticket and its account's row for the rest of the
// transaction, and checks that the account is as it was when the ticket was written.
// voided reports a ticket the account's changes made void (it is then marked used).
func (s *Store) lockTicketAndUser(ctx context.Context, tx *sqlx.Tx, ticket string) (t ticketRow, r authRow, voided bool, err error) {
	if t, err = s.liveTicket(ctx, tx, ticket, true); err != nil {
		return t, r, false, err
	}
	if err = tx.GetContext(ctx, &r, `SELECT `+authColumns+` FROM users WHERE id = $1 FOR NO KEY UPDATE`, t.UserID); err != nil {
		return t, r, false, err
	}
	now := s.now()
	locked := r.LockedAt.Valid && (!r.LockedUntil.Valid || r.LockedUntil.Time.After(now))
	if r.Version != t.UserVersion || model.Status(r.Status) != model.StatusActive || locked {
		_, err = tx.ExecContext(ctx, `UPDATE signin_tickets SET used_at = $2, totp_secret = NULL WHERE id = $1`, t.ID, now)
		return t, r, true, err
	}
	return t, r, false, nil
}

// withTicket runs one step of a pending sign-in in a transaction: the ticket and its
// account's row locked and checked (a voided ticket answers ErrAuthFailed), then step. A step
// refuses with refuse (what it wrote is kept) or undo (what it wrote is rolled back): the
// refusal is the caller's answer, not a failure of the transaction.
func (s *Store) withTicket(ctx context.Context, ticket string, step func(tx *sqlx.Tx, t ticketRow, r authRow, now time.Time) (AuthResult, error)) (AuthResult, error) {
	var res AuthResult
	var public error
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		res, public = AuthResult{}, nil
		t, r, voided, err := s.lockTicketAndUser(ctx, tx, ticket)
		if err != nil {
			return err
		}
		if voided {
			public = ErrAuthFailed
			return nil
		}
		out, err := step(tx, t, r, s.now())
		var ref stepRefusal
		if errors.As(err, &ref) {
			public = ref.err
			if ref.undo {
				return errRollback
			}
			return nil
		}
		res = out
		return err
	})
	if errors.Is(err, errRollback) {
		err = nil
	}
	if err != nil {
		return AuthResult{}, err
	}
	if public != nil {
		return AuthResult{}, public
	}
	return res, nil
}

// stepRefusal is a sign-in step's answer to the person (a wrong code, an expired sign-in).
type stepRefusal struct {
	err  error
	undo bool // roll back what the step wrote
}

func (r stepRefusal) Error() string { return r.err.Error() }

func refuse(err error) error { return stepRefusal{err: err} }
func undo(err error) error   { return stepRefusal{err: err, undo: true} }

// useTicket marks a ticket used (and forgets an enrolment secret).
func useTicket(ctx context.Context, tx *sqlx.Tx, id int64, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE signin_tickets SET used_at = $2, totp_secret = NULL WHERE id = $1`, id, now)
	return err
}

func (s *Store) continueTOTP(ctx context.Context, ticket string, in StepInput, spol SessionPolicy) (AuthResult, error) {
	pol, err := s.lockoutPolicy(ctx, s.db)
	if err != nil {
		return AuthResult{}, err
	}
	return s.withTicket(ctx, ticket, func(tx *sqlx.Tx, t ticketRow, r authRow, now time.Time) (AuthResult, error) {
		// The password was verified when the ticket was written, on this very version.
		o := s.judge(r, verified{hash: r.PasswordHash, ok: true}, AuthRequest{TOTP: in.TOTP}, false, now)
		if o.reason != "" {
			if errors.Is(o.publicEr, ErrTOTPRequired) {
				return AuthResult{}, refuse(o.publicEr) // nothing typed: ask again, nothing recorded
			}
			if err := authEvent(ctx, tx, now, &r.ID, r.Login, "login_failure", o.reason, in.IP, in.UserAgent); err != nil {
				return AuthResult{}, err
			}
			if !o.count {
				err = useTicket(ctx, tx, t.ID, now)
			} else {
				err = s.countFailure(ctx, tx, r, false, pol, now, in.IP)
			}
			if err != nil {
				return AuthResult{}, err
			}
			return AuthResult{}, refuse(o.publicEr)
		}
		if err := useTicket(ctx, tx, t.ID, now); err != nil {
			return AuthResult{}, err
		}
		return s.completeSignIn(ctx, tx, r, signInDone{ident: r.Login, totpStep: o.totpStep, ip: in.IP, ua: in.UserAgent}, spol, now)
	})
}

func (s *Store) continuePassword(ctx context.Context, ticket string, t ticketRow, in StepInput, spol SessionPolicy) (AuthResult, error) {
	u, err := s.getUser(ctx, s.db, supportScope, t.UserID)
	if err != nil {
		return AuthResult{}, mapErr(err)
	}
	if err := checkPassword(ctx, s.db, u, in.Password, in.Confirm); err != nil {
		return AuthResult{}, err
	}
	hash, err := HashPassword(ctx, model.NormalizePassword(in.Password))
	if err != nil {
		return AuthResult{}, err
	}
	return s.withTicket(ctx, ticket, func(tx *sqlx.Tx, t ticketRow, r authRow, now time.Time) (AuthResult, error) {
		u, err := s.userForUpdate(ctx, tx, supportScope, r.ID)
		if err != nil {
			return AuthResult{}, err
		}
		if err := useTicket(ctx, tx, t.ID, now); err != nil {
			return AuthResult{}, err
		}
		if _, err := s.storePassword(ctx, tx, u, passwordChange{hash: hash, endReason: "password_changed",
			eventKind: "password_changed", eventWhy: "self", actor: "self", notice: noticeOwnPassword}, now); err != nil {
			return AuthResult{}, err
		}
		if err := audit(ctx, tx, selfOperator, "user.password_changed", &u.ID, nil,
			model.AuditDetail{"login": u.Login, model.AuditVariant: "forced"}); err != nil {
			return AuthResult{}, err
		}
		return s.afterStep(ctx, tx, u.ID, in, spol, now)
	})
}

func (s *Store) continueEnrol(ctx context.Context, ticket string, in StepInput, spol SessionPolicy) (AuthResult, error) {
	return s.withTicket(ctx, ticket, func(tx *sqlx.Tx, t ticketRow, r authRow, now time.Time) (AuthResult, error) {
		if !t.TOTPSecret.Valid {
			return AuthResult{}, refuse(ErrTOTPCode) // the page never showed a secret
		}
		step, ok := model.VerifyTOTP(t.TOTPSecret.String, in.TOTP, now, math.MinInt64)
		if !ok {
			if _, err := tx.ExecContext(ctx, `UPDATE signin_tickets SET attempts = attempts + 1,
				used_at = CASE WHEN attempts + 1 >= $2 THEN $3::timestamptz END,
				totp_secret = CASE WHEN attempts + 1 >= $2 THEN NULL ELSE totp_secret END WHERE id = $1`,
				t.ID, maxEnrolAttempts, now); err != nil {
				return AuthResult{}, err
			}
			return AuthResult{}, refuse(ErrTOTPCode)
		}
		if err := useTicket(ctx, tx, t.ID, now); err != nil {
			return AuthResult{}, err
		}
		u, err := s.userForUpdate(ctx, tx, supportScope, r.ID)
		if err != nil {
			return AuthResult{}, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_enabled = true, totp_secret = $2, totp_last_step = $3,
			must_enrol_totp = false, version = version + 1, updated_at = $4 WHERE id = $1`,
			u.ID, t.TOTPSecret.String, step, now); err != nil {
			return AuthResult{}, err
		}
		if err := authEvent(ctx, tx, now, &u.ID, u.Login, "totp_enrolled", "self", in.IP, in.UserAgent); err != nil {
			return AuthResult{}, err
		}
		if err := s.notify(ctx, tx, u, "mail.totp_enrolled.subject", "mail.totp_enrolled.body", u.Login, now.UTC().Format("2006-01-02 15:04")); err != nil {
			return AuthResult{}, err
		}
		if err := audit(ctx, tx, selfOperator, "user.totp_enrolled", &u.ID, nil,
			model.AuditDetail{"login": u.Login}); err != nil {
			return AuthResult{}, err
		}
		// A new factor is a privilege change: the session it was started from (if any) ends,
		// and a new one opens with its organization and absolute expiry.
		var orgID *int64
		var expires time.Time
		if t.SessionID.Valid {
			var old struct {
				OrgID     sql.NullInt64 `db:"org_id"`
				ExpiresAt time.Time     `db:"expires_at"`
			}
			err := tx.GetContext(ctx, &old, `UPDATE sessions SET ended_at = $2, end_reason = 'totp_enrolled'
				WHERE id = $1 AND ended_at IS NULL AND idle_expires_at > $2 AND expires_at > $2 RETURNING org_id, expires_at`, t.SessionID.Int64, now)
			if isNoRows(err) {
				return AuthResult{}, undo(ErrSignInExpired) // the session ended meanwhile: sign in again
			}
			if err != nil {
				return AuthResult{}, err
			}
			if old.OrgID.Valid {
				orgID = &old.OrgID.Int64
			}
			expires = old.ExpiresAt
			res := AuthResult{UserID: u.ID, Login: u.Login}
			err = s.openSession(ctx, tx, &res, u.ID, orgID, expires, in.IP, in.UserAgent, spol, now)
			return res, err
		}
		return s.afterStep(ctx, tx, u.ID, in, spol, now)
	})
}

// errRollback undoes a transaction whose answer is already decided.
var errRollback = errors.New("rolled back")

// afterStep hands a sign-in whose step was just passed to the next step, or opens its session.
func (s *Store) afterStep(ctx context.Context, tx *sqlx.Tx, userID int64, in StepInput, spol SessionPolicy, now time.Time) (AuthResult, error) {
	var r struct {
		Login   string `db:"login_code"`
		Version int    `db:"version"`
		accountSteps
	}
	if err := tx.GetContext(ctx, &r, `SELECT u.login_code, u.version, `+accountStepsColumns+` FROM users u WHERE u.id = $1`, userID); err != nil {
		return AuthResult{}, err
	}
	res := AuthResult{UserID: userID, Login: r.Login}
	if next := r.next(); next != "" {
		return res, s.pendSignIn(ctx, tx, &res, userID, r.Version, next, 0, in.IP, in.UserAgent, now)
	}
	var org *int64
	if r.SoleOrg.Valid {
		org = &r.SoleOrg.Int64
	}
	return res, s.openSession(ctx, tx, &res, userID, org, time.Time{}, in.IP, in.UserAgent, spol, now)
}
