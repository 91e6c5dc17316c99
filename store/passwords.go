package store

import (
	"context"
	"encoding/json"
	"net/netip"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"gatehouse/model"
)

// Passwords set by an operator (new password + confirmation, or a generated temporary one)
// and the shared steps of every password change: the policy with the user's context, the
// reuse check against the history, the history itself, and the side effects (sessions ended,
// user notified, auth event).

// TemporaryPasswordTTL is how long an unused temporary password works.
const TemporaryPasswordTTL = 72 * time.Hour

// orgPolicy is the per-organization password options (organizations.policy).
type orgPolicy struct {
	Composition bool `json:"composition"`
	MaxAgeDays  int  `json:"max_age_days"`
}

// passwordRules returns the policy that applies to the user — the installation defaults made
// stricter by any of their organizations' options (composition, the shortest maximum age) —
// and the context the rules need: login code, e-mail, name, every organization's name, 2FA.
// The reuse check is not included (see reusedPassword).
func passwordRules(ctx context.Context, q sqlx.QueryerContext, u model.User) (model.PasswordPolicy, model.PasswordContext, error) {
	p := model.DefaultPasswordPolicy()
	pc := model.PasswordContext{Login: u.Login, Email: u.Email, Name: u.Name, HasTOTP: u.TOTPEnabled}
	rows, err := q.QueryxContext(ctx, `SELECT o.name, o.policy FROM memberships m JOIN organizations o ON o.id = m.org_id
		WHERE m.user_id = $1 ORDER BY o.id`, u.ID)
	if err != nil {
		return p, pc, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var raw []byte
		if err := rows.Scan(&name, &raw); err != nil {
			return p, pc, err
		}
		pc.OrgNames = append(pc.OrgNames, name)
		var op orgPolicy
		if json.Unmarshal(raw, &op) == nil {
			p.RequireComposition = p.RequireComposition || op.Composition
			if op.MaxAgeDays > 0 && (p.MaxAgeDays == 0 || op.MaxAgeDays < p.MaxAgeDays) {
				p.MaxAgeDays = op.MaxAgeDays
			}
		}
	}
	return p, pc, mapErr(rows.Err())
}

// PasswordRules returns the password policy and context of a user in the operator's scope,
// for the live check of the password form (the store checks again, with the reuse rule, when
// saving). ErrNotFound outside the scope.
func (s *Store) PasswordRules(ctx context.Context, op model.Operator, userID int64) (model.PasswordPolicy, model.PasswordContext, error) {
	u, err := s.getUser(ctx, s.read, op, userID)
	if err != nil {
		return model.PasswordPolicy{}, model.PasswordContext{}, err
	}
	p, pc, err := passwordRules(ctx, s.read, u)
	pc.ForOperator = true // the operator reads the rules about the user
	return p, pc, err
}

// reusedPassword reports whether the normalized password matches the user's current hash or
// one of their last depth passwords. The verifications run concurrently (HashPassword's
// process-wide limit still applies) and stop at the first match. Hashes that cannot be
// verified (malformed, unsupported) count as no match.
func reusedPassword(ctx context.Context, q sqlx.QueryerContext, userID int64, depth int, normalized string) (bool, error) {
	if depth <= 0 {
		return false, nil
	}
	var hashes []string
	if err := sqlx.SelectContext(ctx, q, &hashes, `
		SELECT h FROM (
			SELECT password_hash AS h, 0 AS ord FROM users WHERE id = $1 AND password_hash IS NOT NULL
			UNION ALL
			(SELECT hash, 1 FROM password_history WHERE user_id = $1 ORDER BY id DESC LIMIT $2)
		) x GROUP BY h ORDER BY min(ord)`, userID, depth); err != nil {
		return false, mapErr(err)
	}
	if len(hashes) == 0 {
		return false, nil
	}
	vctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		matched bool
	)
	for _, h := range hashes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, _, err := VerifyPassword(vctx, h, normalized)
			if err == nil && ok {
				mu.Lock()
				matched = true
				mu.Unlock()
				cancel()
			}
		}()
	}
	wg.Wait()
	if !matched && ctx.Err() != nil {
		return false, ctx.Err()
	}
	return matched, nil
}

// checkPassword applies every rule to a candidate for the user (history included) and
// returns nil or a *model.PolicyError listing every failed rule.
func checkPassword(ctx context.Context, q sqlx.QueryerContext, u model.User, password, confirm string) error {
	return checkPasswordFor(ctx, q, u, password, confirm, false)
}

// checkPasswordFor is checkPassword with the reader of the refusal named: forOperator when
// an operator chose the password (the rules then speak of the user, not to them).
func checkPasswordFor(ctx context.Context, q sqlx.QueryerContext, u model.User, password, confirm string, forOperator bool) error {
	p, pc, err := passwordRules(ctx, q, u)
	if err != nil {
		return err
	}
	pc.ForOperator = forOperator
	normalized := model.NormalizePassword(password)
	reused, err := reusedPassword(ctx, q, u.ID, p.HistoryDepth, normalized)
	if err != nil {
		return err
	}
	pc.PreviousMatch = func(string) bool { return reused }
	return p.Validate(password, confirm, pc)
}

// passwordChange is one password being stored for a user.
type passwordChange struct {
	hash       string
	mustChange bool
	expiresAt  *time.Time // temporary passwords
	unlock     bool       // a completed reset link also clears the lock and the failure counter
	endReason  string     // sessions.end_reason
	eventKind  string     // auth event
	eventWhy   string     // auth event reason
	actor      string     // user agent of the auth event ("gatehouse:NAME" or "self")
	notice     string     // the notice e-mail's key prefix; "" chooses by eventKind
}

// storePassword writes the new hash and its consequences inside the caller's transaction:
// users row (version bumped), history trimmed to depth entries, sessions ended, auth event,
// user notified. It returns how many sessions were ended.
func (s *Store) storePassword(ctx context.Context, tx *sqlx.Tx, u model.User, c passwordChange, now time.Time) (int64, error) {
	q := `UPDATE users SET password_hash = $2, password_changed_at = $3, must_change_password = $4,
		password_expires_at = $5, version = version + 1, updated_at = $3`
	if c.unlock {
		q += `, locked_at = NULL, locked_until = NULL, lock_reason = NULL, failed_attempts = 0, first_failed_at = NULL`
	}
	if _, err := tx.ExecContext(ctx, q+` WHERE id = $1`, u.ID, c.hash, now, c.mustChange, c.expiresAt); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO password_history (user_id, hash, created_at) VALUES ($1, $2, $3)`, u.ID, c.hash, now); err != nil {
		return 0, err
	}
	depth := model.DefaultPasswordPolicy().HistoryDepth
	if _, err := tx.ExecContext(ctx, `DELETE FROM password_history WHERE user_id = $1 AND id NOT IN
		(SELECT id FROM password_history WHERE user_id = $1 ORDER BY id DESC LIMIT $2)`, u.ID, depth); err != nil {
		return 0, err
	}
	n, err := endSessions(ctx, tx, now, u.ID, c.endReason)
	if err != nil {
		return 0, err
	}
	if err := authEvent(ctx, tx, now, &u.ID, u.Login, c.eventKind, c.eventWhy, netip.Addr{}, c.actor); err != nil {
		return 0, err
	}
	at := now.UTC().Format("2006-01-02 15:04")
	switch {
	case c.notice != "":
		err = s.notify(ctx, tx, u, c.notice+".subject", c.notice+".body", u.Login, at)
	case c.eventKind == "reset_completed":
		err = s.notify(ctx, tx, u, "mail.password_reset.subject", "mail.password_reset.body", u.Login, at)
	default:
		err = s.notify(ctx, tx, u, "mail.password_set.subject", "mail.password_set.body", u.Login, at)
	}
	return n, err
}

// SetPassword sets a user's password chosen by an operator (the new password, then its
// confirmation). The password must pass every rule (length by factor
// count, common list, context words, the last 5 passwords) and equal its confirmation,
// otherwise nothing is stored and a *model.PolicyError lists every failed rule. It is hashed
// with argon2id outside the transaction; the version is checked inside it. The user's
// sessions end, they are notified, and one audit row records the change (never the password).
// mustChange should be true (an operator should not choose a user's long-term password). An
// admin may set it only for a user of their organizations alone (ErrSharedAccount).
func (s *Store) SetPassword(ctx context.Context, op model.Operator, id int64, version int, password, confirm string, mustChange bool) (model.User, error) {
	u, err := s.passwordTarget(ctx, op, id, version)
	if err != nil {
		return model.User{}, err
	}
	if err := checkPasswordFor(ctx, s.db, u, password, confirm, true); err != nil {
		return model.User{}, err
	}
	hash, err := HashPassword(ctx, model.NormalizePassword(password))
	if err != nil {
		return model.User{}, err
	}
	return s.changeUser(ctx, op, id, version, nil, func(tx *sqlx.Tx, u model.User, now time.Time) (auditEntry, error) {
		n, err := s.setByOperator(ctx, tx, op, u, hash, mustChange, nil, now)
		return auditEntry{"user.password_set", model.AuditDetail{"login": u.Login, "must_change": mustChange, "sessions": n}}, err
	})
}

// passwordTarget reads the user an operator sets a password for and refuses, before the
// hashing time is spent, what the transaction would refuse: a session or role that may not
// write, a user outside the scope or deleted, an account shared with another organization, a
// stale version.
func (s *Store) passwordTarget(ctx context.Context, op model.Operator, id int64, version int) (model.User, error) {
	if err := mayWrite(op); err != nil {
		return model.User{}, err
	}
	u, err := s.getUser(ctx, s.db, op, id)
	if err != nil {
		return model.User{}, err
	}
	if u.Status == model.StatusDeleted {
		return model.User{}, ErrNotFound
	}
	if err := wholeAccount(ctx, s.db, op, id); err != nil {
		return model.User{}, err
	}
	if u.Version != version {
		return model.User{}, s.conflictNow(ctx, op, id)
	}
	return u, nil
}

// setByOperator stores a password an operator set for u (every organization of u must be in
// their scope) and returns how many sessions it ended.
func (s *Store) setByOperator(ctx context.Context, tx *sqlx.Tx, op model.Operator, u model.User, hash string, mustChange bool, expiresAt *time.Time, now time.Time) (int64, error) {
	if err := wholeAccount(ctx, tx, op, u.ID); err != nil {
		return 0, err
	}
	return s.storePassword(ctx, tx, u, passwordChange{hash: hash, mustChange: mustChange, expiresAt: expiresAt,
		endReason: "password_changed", eventKind: "password_changed", eventWhy: "operator", actor: "gatehouse:" + op.Name}, now)
}

// conflictNow reads the current user for a ConflictError outside a transaction.
func (s *Store) conflictNow(ctx context.Context, op model.Operator, id int64) error {
	cur, err := s.getUser(ctx, s.db, op, id)
	if err != nil {
		return err
	}
	return &ConflictError{Current: cur}
}

// SetTemporaryPassword generates a temporary password (16 characters from crypto/rand, no
// look-alikes), stores its argon2id hash with must-change set and an expiry 72 hours away,
// ends the user's sessions and notifies them. The password is returned once, to be shown to
// the operator; it is never stored in clear nor written to the audit. An admin may set one
// only for a user of their organizations alone (ErrSharedAccount).
func (s *Store) SetTemporaryPassword(ctx context.Context, op model.Operator, id int64, version int) (string, model.User, error) {
	u, err := s.passwordTarget(ctx, op, id, version)
	if err != nil {
		return "", model.User{}, err
	}
	p, pc, err := passwordRules(ctx, s.db, u)
	if err != nil {
		return "", model.User{}, err
	}
	// A draw that happens to hold a context word (vanishingly rare) is drawn again.
	var pw string
	for range 20 {
		pw = model.NewTemporaryPassword()
		p.RequireComposition = false // the generator guarantees every class anyway
		if p.Validate(pw, pw, pc) == nil {
			break
		}
	}
	hash, err := HashPassword(ctx, model.NormalizePassword(pw))
	if err != nil {
		return "", model.User{}, err
	}
	out, err := s.changeUser(ctx, op, id, version, nil, func(tx *sqlx.Tx, u model.User, now time.Time) (auditEntry, error) {
		exp := now.Add(TemporaryPasswordTTL)
		n, err := s.setByOperator(ctx, tx, op, u, hash, true, &exp, now)
		expires := exp.UTC().Format("2006-01-02 15:04")
		return auditEntry{"user.password_temporary", model.AuditDetail{"login": u.Login, "expires": expires, "sessions": n}}, err
	})
	if err != nil {
		return "", model.User{}, err
	}
	return pw, out, nil
}
