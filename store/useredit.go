package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"gatehouse/model"
)

// Editing a user from the User screen: profile, status, memberships and rights, and the
// account actions that take a version (disable, enable, delete, reset 2FA) or none (send the
// login code). Every function takes the acting operator and runs through withUser or
// changeUser: the role is checked, the user locked within the operator's scope (a user
// outside it is ErrNotFound), a stale version refused with a *ConflictError, and the audit
// row written in the same transaction.

// Field names used in ConflictError.Changed and FieldError.Field. The screens translate them.
const (
	FieldName        = "name"
	FieldEmail       = "email"
	FieldStatus      = "status"
	FieldMemberships = "memberships"
	FieldPassword    = "password"
	FieldTOTP        = "totp"
	FieldLock        = "lock"
)

// Errors of a refused edit value (wrapped by FieldError, with ErrInvalid or ErrDuplicate).
var (
	ErrEmailTaken    = errors.New("another account already uses this e-mail address")
	ErrEmailMismatch = errors.New("the e-mail typed does not match the account's")
	ErrBadStatus     = errors.New("status can only be set to active (enabled) or disabled here")
)

// FieldError is a value of one field that the store refused. It matches Kind (ErrInvalid,
// ErrDuplicate) and Err with errors.Is. Its message never repeats the value.
type FieldError struct {
	Field string // FieldName, FieldEmail, FieldStatus, FieldMemberships
	Kind  error  // ErrInvalid or ErrDuplicate
	Err   error  // the reason (model.ErrInvalidEmail, ErrEmailTaken...)
}

func (e *FieldError) Error() string   { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() []error { return []error{e.Kind, e.Err} }

// UserEdit is what the User screen saves. Name and Email are the whole new values (spaces
// around are ignored; the e-mail is stored lower-cased). Status nil leaves it alone;
// StatusActive means "enabled" (active, or invited if the account has no password yet);
// StatusDisabled disables (and ends the sessions). Memberships nil leaves them alone;
// otherwise it is the complete wanted state of the memberships IN THE OPERATOR'S SCOPE:
// organization id → rights. An organization of the scope missing from the map loses its
// membership; one present that the user is not a member of gains it. Memberships outside
// the operator's scope are never touched.
type UserEdit struct {
	Name        string
	Email       string
	Status      *model.Status
	Memberships map[int64][]string
	// Base is the user as the operator read it (optional): on a version conflict, the
	// fields that differ between Base and the stored user are named in ConflictError.Changed.
	Base *model.User
}

// ChangedFields names the fields that differ between two reads of a user (the screens use it
// to say what another operator changed meanwhile).
func ChangedFields(read, current model.User) []string {
	var out []string
	if read.Name != current.Name {
		out = append(out, FieldName)
	}
	if !strings.EqualFold(read.Email, current.Email) {
		out = append(out, FieldEmail)
	}
	if read.Status != current.Status {
		out = append(out, FieldStatus)
	}
	if !sameMemberships(read.Memberships, current.Memberships) {
		out = append(out, FieldMemberships)
	}
	if read.HasPassword != current.HasPassword || read.MustChangePassword != current.MustChangePassword ||
		!sameTime(read.PasswordChangedAt, current.PasswordChangedAt) || !sameTime(read.PasswordExpiresAt, current.PasswordExpiresAt) {
		out = append(out, FieldPassword)
	}
	if read.TOTPEnabled != current.TOTPEnabled {
		out = append(out, FieldTOTP)
	}
	if !sameTime(read.LockedAt, current.LockedAt) || read.FailedAttempts != current.FailedAttempts {
		out = append(out, FieldLock)
	}
	return out
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

func sameMemberships(a, b []model.Membership) bool {
	if len(a) != len(b) {
		return false
	}
	am := map[int64][]string{}
	for _, m := range a {
		am[m.OrgID] = sortedCopy(m.Rights)
	}
	for _, m := range b {
		r, ok := am[m.OrgID]
		if !ok || !slices.Equal(r, sortedCopy(m.Rights)) {
			return false
		}
	}
	return true
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	sort.Strings(c)
	return slices.Compact(c)
}

// conflict builds the ConflictError of a stale version: the current user (as the operator
// may see it) and, when base is known, the fields that differ.
func (s *Store) conflict(ctx context.Context, tx *sqlx.Tx, op model.Operator, id int64, base *model.User) error {
	cur, err := s.getUser(ctx, tx, op, id)
	if err != nil {
		return err
	}
	ce := &ConflictError{Current: cur}
	if base != nil {
		ce.Changed = ChangedFields(*base, cur)
	}
	return ce
}

// editableUser locks the user for a versioned change: ErrNotFound outside the scope or for a
// deleted account, *ConflictError when the version is stale.
func (s *Store) editableUser(ctx context.Context, tx *sqlx.Tx, op model.Operator, id int64, version int, base *model.User) (model.User, error) {
	u, err := s.liveUser(ctx, tx, op, id)
	if err != nil {
		return u, err
	}
	if u.Version != version {
		return u, s.conflict(ctx, tx, op, id, base)
	}
	return u, nil
}

// ErrSharedAccount is why an admin may not act on the whole of an account that also belongs
// to an organization outside theirs: disabling or deleting it would cut that organization's
// access, and a credential action (setting a password or a temporary one, resetting 2FA,
// changing the e-mail, ending sessions) would let them learn, choose or redirect the
// credentials another organization's people sign in with. Refusals match ErrForbidden too.
var ErrSharedAccount = errors.New("this account also belongs to another organization: ask support")

var errSharedAccount = fmt.Errorf("%w: %w", ErrForbidden, ErrSharedAccount)

// allMembershipsInScope reports whether every organization of the user is in the operator's
// scope.
func allMembershipsInScope(ctx context.Context, q sqlx.QueryerContext, op model.Operator, userID int64) (bool, error) {
	if op.AllOrgs() {
		return true, nil
	}
	var outside int
	err := sqlx.GetContext(ctx, q, &outside, `SELECT count(*) FROM memberships WHERE user_id = $1 AND NOT (org_id = ANY($2))`,
		userID, int64Array(op.OrgIDs))
	return outside == 0, err
}

// wholeAccount refuses (ErrSharedAccount) an action that needs every organization of the
// user in the operator's scope.
func wholeAccount(ctx context.Context, q sqlx.QueryerContext, op model.Operator, userID int64) error {
	ok, err := allMembershipsInScope(ctx, q, op, userID)
	if err != nil {
		return mapErr(err)
	}
	if !ok {
		return errSharedAccount
	}
	return nil
}

// UpdateUser saves the User screen's form: name, e-mail (support only; the user is told at
// the old and the new address), status (enable / disable) and memberships with rights (an
// admin grants and revokes only rights they hold, in their organizations). One transaction,
// one version check, one audit row listing what changed (never a secret). It returns the
// user as now stored.
func (s *Store) UpdateUser(ctx context.Context, op model.Operator, id int64, version int, e UserEdit) (model.User, error) {
	if err := mayWrite(op); err != nil {
		return model.User{}, err
	}
	name := strings.TrimSpace(e.Name)
	if err := model.ValidateName(name); err != nil {
		return model.User{}, &FieldError{Field: FieldName, Kind: ErrInvalid, Err: err}
	}
	email := model.NormalizeEmail(e.Email)
	if err := model.ValidateEmail(email); err != nil {
		return model.User{}, &FieldError{Field: FieldEmail, Kind: ErrInvalid, Err: err}
	}
	if e.Status != nil && *e.Status != model.StatusActive && *e.Status != model.StatusDisabled {
		return model.User{}, &FieldError{Field: FieldStatus, Kind: ErrInvalid, Err: ErrBadStatus}
	}
	return s.changeUser(ctx, op, id, version, e.Base, func(tx *sqlx.Tx, u model.User, now time.Time) (auditEntry, error) {
		var changes []model.AuditDetail
		emailChanged := !strings.EqualFold(email, u.Email)
		if emailChanged {
			if err := wholeAccount(ctx, tx, op, id); err != nil {
				return auditEntry{}, err
			}
			if op.Role != model.RoleSupport {
				return auditEntry{}, &DBError{Kind: ErrForbidden, Detail: "only support operators change e-mail addresses"}
			}
		}
		if name != u.Name {
			changes = append(changes, model.AuditDetail{"part": "name"})
		}
		if emailChanged {
			changes = append(changes, model.AuditDetail{"part": "email", "from": u.Email, "to": email})
		}
		newStatus := u.Status
		if e.Status != nil {
			switch {
			case *e.Status == model.StatusDisabled && u.Status != model.StatusDisabled:
				if err := wholeAccount(ctx, tx, op, id); err != nil {
					return auditEntry{}, err
				}
				newStatus = model.StatusDisabled
			case *e.Status == model.StatusActive && u.Status == model.StatusDisabled:
				newStatus = enabledStatus(u)
			}
		}
		if newStatus != u.Status {
			changes = append(changes, model.AuditDetail{"part": "status", "from": string(u.Status), "to": string(newStatus)})
		}
		if e.Memberships != nil {
			mc, err := s.applyMemberships(ctx, tx, op, id, e.Memberships, now)
			if err != nil {
				return auditEntry{}, err
			}
			changes = append(changes, mc...)
		}
		if len(changes) == 0 {
			return auditEntry{}, nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET name = $3, email = $4, status = $5,
			version = version + 1, updated_at = $6 WHERE id = $1 AND version = $2`,
			id, version, name, email, string(newStatus), now); err != nil {
			var fe *DBError
			if errors.As(mapErr(err), &fe) && fe.Kind == ErrDuplicate && fe.Constraint == "users_email_key" {
				return auditEntry{}, &FieldError{Field: FieldEmail, Kind: ErrDuplicate, Err: ErrEmailTaken}
			}
			return auditEntry{}, err
		}
		if newStatus == model.StatusDisabled && u.Status != model.StatusDisabled {
			if _, err := endSessions(ctx, tx, now, id, "disabled"); err != nil {
				return auditEntry{}, err
			}
		}
		if emailChanged { // told at the old address and at the new one
			at := now.UTC().Format("2006-01-02 15:04")
			moved := u
			moved.Email, moved.Name = email, name
			for _, to := range []model.User{u, moved} {
				if err := s.notify(ctx, tx, to, "mail.email_changed.subject", "mail.email_changed.body", u.Login, u.Email, email, at); err != nil {
					return auditEntry{}, err
				}
			}
		}
		return auditEntry{"user.update", model.AuditDetail{"login": u.Login, "changes": changes}}, nil
	})
}

// enabledStatus is the status an enabled account returns to: active with a password,
// invited without one.
func enabledStatus(u model.User) model.Status {
	if u.HasPassword {
		return model.StatusActive
	}
	return model.StatusInvited
}

// applyMemberships makes the memberships of the operator's scope match want; it returns the
// audit phrases of what changed. Rights the operator may not grant can be neither added nor
// removed (ErrForbidden); organizations outside the scope are ErrNotFound.
func (s *Store) applyMemberships(ctx context.Context, tx *sqlx.Tx, op model.Operator, userID int64, want map[int64][]string, now time.Time) ([]model.AuditDetail, error) {
	for org := range want {
		if !op.InScope(org) {
			return nil, ErrNotFound
		}
	}
	have := map[int64][]string{}
	rows, err := tx.QueryxContext(ctx, `SELECT m.org_id, coalesce(array_agg(r.right_code ORDER BY r.right_code) FILTER (WHERE r.right_code IS NOT NULL), '{}')
		FROM memberships m LEFT JOIN membership_rights r ON r.user_id = m.user_id AND r.org_id = m.org_id
		WHERE m.user_id = $1 GROUP BY m.org_id`, userID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var org int64
		var rights []string
		var arr pq.StringArray
		if err := rows.Scan(&org, &arr); err != nil {
			rows.Close()
			return nil, err
		}
		rights = []string(arr)
		if op.InScope(org) {
			have[org] = rights
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slugs := map[int64]string{}
	orgIDs := make([]int64, 0, len(have)+len(want))
	for o := range have {
		orgIDs = append(orgIDs, o)
	}
	for o := range want {
		if _, ok := have[o]; !ok {
			orgIDs = append(orgIDs, o)
		}
	}
	slices.Sort(orgIDs)
	if len(orgIDs) > 0 {
		srows, err := tx.QueryxContext(ctx, `SELECT id, slug FROM organizations WHERE id = ANY($1)`, int64Array(orgIDs))
		if err != nil {
			return nil, err
		}
		for srows.Next() {
			var id int64
			var slug string
			if err := srows.Scan(&id, &slug); err != nil {
				srows.Close()
				return nil, err
			}
			slugs[id] = slug
		}
		srows.Close()
		if err := srows.Err(); err != nil {
			return nil, err
		}
	}
	var changes []model.AuditDetail
	for _, org := range orgIDs {
		slug, ok := slugs[org]
		if !ok {
			return nil, ErrNotFound
		}
		cur, isMember := have[org]
		wanted, keep := want[org]
		wanted = sortedCopy(wanted)
		var added, removed []string
		if keep {
			for _, r := range wanted {
				if !slices.Contains(cur, r) {
					added = append(added, r)
				}
			}
		}
		for _, r := range cur {
			if !keep || !slices.Contains(wanted, r) {
				removed = append(removed, r)
			}
		}
		for _, r := range append(slices.Clone(added), removed...) {
			if !op.CanGrant(r) {
				return nil, &DBError{Kind: ErrForbidden, Detail: "you may not grant or revoke the right " + r}
			}
		}
		switch {
		case !keep:
			if _, err := tx.ExecContext(ctx, `DELETE FROM memberships WHERE user_id = $1 AND org_id = $2`, userID, org); err != nil {
				return nil, err
			}
			changes = append(changes, model.AuditDetail{"part": "left", "org": slug})
			continue
		case !isMember:
			if _, err := tx.ExecContext(ctx, `INSERT INTO memberships (user_id, org_id, created_at) VALUES ($1, $2, $3)`, userID, org, now); err != nil {
				return nil, err
			}
			changes = append(changes, model.AuditDetail{"part": "joined", "org": slug})
		}
		for _, r := range removed {
			if _, err := tx.ExecContext(ctx, `DELETE FROM membership_rights WHERE user_id = $1 AND org_id = $2 AND right_code = $3`, userID, org, r); err != nil {
				return nil, err
			}
		}
		for _, r := range added {
			if _, err := tx.ExecContext(ctx, `INSERT INTO membership_rights (user_id, org_id, right_code) VALUES ($1, $2, $3)`, userID, org, r); err != nil {
				var de *DBError
				if errors.As(mapErr(err), &de) && errors.Is(de, ErrNotFound) {
					return nil, &FieldError{Field: FieldMemberships, Kind: ErrInvalid, Err: fmt.Errorf("no right %q in the catalog", r)}
				}
				return nil, err
			}
		}
		if len(added) > 0 {
			changes = append(changes, model.AuditDetail{"part": "rights_added", "org": slug, "rights": strings.Join(added, ", ")})
		}
		if len(removed) > 0 && keep {
			changes = append(changes, model.AuditDetail{"part": "rights_removed", "org": slug, "rights": strings.Join(removed, ", ")})
		}
	}
	return changes, nil
}

// DisableUser disables an account and ends its sessions. An admin may disable only a user
// who belongs to their organizations alone.
func (s *Store) DisableUser(ctx context.Context, op model.Operator, id int64, version int) (model.User, error) {
	return s.changeUser(ctx, op, id, version, nil, func(tx *sqlx.Tx, u model.User, now time.Time) (auditEntry, error) {
		if u.Status == model.StatusDisabled {
			return auditEntry{}, &DBError{Kind: ErrInvalid, Detail: "the account is already disabled"}
		}
		if err := wholeAccount(ctx, tx, op, id); err != nil {
			return auditEntry{}, err
		}
		if err := setStatus(ctx, tx, now, id, model.StatusDisabled); err != nil {
			return auditEntry{}, err
		}
		n, err := endSessions(ctx, tx, now, id, "disabled")
		return auditEntry{"user.disable", model.AuditDetail{"login": u.Login, "sessions": n}}, err
	})
}

// EnableUser enables a disabled account again (active, or invited if it has no password).
func (s *Store) EnableUser(ctx context.Context, op model.Operator, id int64, version int) (model.User, error) {
	return s.changeUser(ctx, op, id, version, nil, func(tx *sqlx.Tx, u model.User, now time.Time) (auditEntry, error) {
		if u.Status != model.StatusDisabled {
			return auditEntry{}, &DBError{Kind: ErrInvalid, Detail: "the account is not disabled"}
		}
		return auditEntry{"user.enable", model.AuditDetail{"login": u.Login}},
			setStatus(ctx, tx, now, id, enabledStatus(u))
	})
}

// setStatus sets the status of a user (version bumped).
func setStatus(ctx context.Context, tx *sqlx.Tx, now time.Time, id int64, status model.Status) error {
	_, err := tx.ExecContext(ctx, `UPDATE users SET status = $2, version = version + 1, updated_at = $3 WHERE id = $1`,
		id, string(status), now)
	return err
}

// DeleteUser soft-deletes an account: status deleted, the row kept for audit (with its
// memberships and events), its secrets dropped (password hash, 2FA secret, open reset links),
// its sessions ended. Its e-mail and login code become free for a new account. The operator
// confirms by typing the account's e-mail (case and spaces around do not matter). An admin may
// delete only a user who belongs to their organizations alone.
func (s *Store) DeleteUser(ctx context.Context, op model.Operator, id int64, version int, confirmEmail string) error {
	return s.withUser(ctx, op, id, s.atVersion(version, nil), func(tx *sqlx.Tx, u model.User, now time.Time) (auditEntry, error) {
		if model.NormalizeEmail(confirmEmail) != strings.ToLower(u.Email) {
			return auditEntry{}, &FieldError{Field: FieldEmail, Kind: ErrInvalid, Err: ErrEmailMismatch}
		}
		if err := wholeAccount(ctx, tx, op, id); err != nil {
			return auditEntry{}, err
		}
		n, err := softDelete(ctx, tx, now, id)
		return auditEntry{"user.delete", model.AuditDetail{"login": u.Login, "email": u.Email, "was": string(u.Status), "sessions": n}}, err
	})
}

// softDelete deletes the locked account id inside the caller's transaction (status deleted,
// secrets and open reset links dropped, sessions ended) and returns how many sessions ended.
// The caller checks the operator's right to it and writes the audit row.
func softDelete(ctx context.Context, tx *sqlx.Tx, now time.Time, id int64) (int64, error) {
	if _, err := tx.ExecContext(ctx, `UPDATE users SET status = 'deleted', deleted_at = $2,
		password_hash = NULL, password_expires_at = NULL, must_change_password = false,
		totp_enabled = false, totp_secret = NULL, totp_last_step = NULL,
		version = version + 1, updated_at = $2 WHERE id = $1`, id, now); err != nil {
		return 0, err
	}
	if err := revokeResetLinks(ctx, tx, now, id); err != nil {
		return 0, err
	}
	return endSessions(ctx, tx, now, id, "deleted")
}

// UndeleteWindow is how long after its deletion an account can be brought back.
const UndeleteWindow = 30 * 24 * time.Hour

// Why an account cannot be brought back.
const (
	UndeleteTooOld     = "too_old"     // deleted more than UndeleteWindow ago
	UndeleteEmailTaken = "email_taken" // a live account has its e-mail now
	UndeleteLoginTaken = "login_taken" // a live account has its login code now
)

// UndeleteRefusal says why a deleted account cannot be brought back. It matches ErrConflict.
type UndeleteRefusal struct {
	Reason    string    // UndeleteTooOld, UndeleteEmailTaken, UndeleteLoginTaken
	DeletedAt time.Time // when the account was deleted
}

func (e *UndeleteRefusal) Error() string {
	switch e.Reason {
	case UndeleteTooOld:
		return fmt.Sprintf("deleted on %s, more than %d days ago: it can no longer be brought back",
			e.DeletedAt.UTC().Format("2006-01-02"), int(UndeleteWindow/(24*time.Hour)))
	case UndeleteEmailTaken:
		return "another account uses its e-mail address now: it cannot be brought back"
	}
	return "another account uses its login code now: it cannot be brought back"
}

func (e *UndeleteRefusal) Unwrap() error { return ErrConflict }

// ErrNotDeleted refuses to undelete an account that is not deleted (matches ErrInvalid).
var ErrNotDeleted = errors.New("this account is not deleted")

// UndeleteUser brings back a deleted account (support only), within UndeleteWindow of its
// deletion and only while its e-mail and login code are still free (*UndeleteRefusal says
// which rule refused). It comes back disabled, with the memberships and rights it had, without
// a password or 2FA (deleting dropped them): give it a password (a temporary one, or a
// reset link once enabled with one), then enable it. The reason goes into the audit row (at
// most 500 bytes, as typed). It returns the user as now stored.
func (s *Store) UndeleteUser(ctx context.Context, op model.Operator, id int64, reason string) (model.User, error) {
	if err := mayWrite(op); err != nil {
		return model.User{}, err
	}
	if !op.Allows(model.ActionUndelete) {
		return model.User{}, fmt.Errorf("%w: %s", ErrForbidden, "only support operators bring back deleted accounts")
	}
	reason = cleanText(strings.TrimSpace(reason), 500)
	if reason == "" {
		return model.User{}, &DBError{Kind: ErrInvalid, Detail: "give a reason (it goes to the audit log)"}
	}
	var out model.User
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.now()
		u, err := s.userForUpdate(ctx, tx, op, id)
		if err != nil {
			return err
		}
		if u.Status != model.StatusDeleted {
			return fmt.Errorf("%w: %w", ErrInvalid, ErrNotDeleted)
		}
		var deletedAt time.Time
		if err := tx.GetContext(ctx, &deletedAt, `SELECT deleted_at FROM users WHERE id = $1`, id); err != nil {
			return err
		}
		if now.Sub(deletedAt) > UndeleteWindow {
			return &UndeleteRefusal{Reason: UndeleteTooOld, DeletedAt: deletedAt}
		}
		var emailTaken, loginTaken bool
		if err := tx.QueryRowContext(ctx, `SELECT
			EXISTS (SELECT 1 FROM users WHERE lower(email) = lower($1) AND status <> 'deleted'),
			EXISTS (SELECT 1 FROM users WHERE upper(login_code) = upper($2) AND status <> 'deleted')`,
			u.Email, u.Login).Scan(&emailTaken, &loginTaken); err != nil {
			return err
		}
		switch {
		case emailTaken:
			return &UndeleteRefusal{Reason: UndeleteEmailTaken, DeletedAt: deletedAt}
		case loginTaken:
			return &UndeleteRefusal{Reason: UndeleteLoginTaken, DeletedAt: deletedAt}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET status = 'disabled', deleted_at = NULL,
			version = version + 1, updated_at = $2 WHERE id = $1`, id, now); err != nil {
			var de *DBError
			if errors.As(mapErr(err), &de) { // taken by a concurrent insert since the check
				switch de.Constraint {
				case "users_email_key":
					return &UndeleteRefusal{Reason: UndeleteEmailTaken, DeletedAt: deletedAt}
				case "users_login_code_key":
					return &UndeleteRefusal{Reason: UndeleteLoginTaken, DeletedAt: deletedAt}
				}
			}
			return err
		}
		if err := audit(ctx, tx, op, "user.undelete", &u.ID, nil, model.AuditDetail{"login": u.Login, "email": u.Email,
			"deleted": deletedAt.UTC().Format("2006-01-02 15:04"), "reason": reason}); err != nil {
			return err
		}
		out, err = s.getUser(ctx, tx, op, id)
		return err
	})
	if err != nil {
		return model.User{}, err
	}
	return out, nil
}

// FindDeletedUser resolves an id, a login code or an e-mail to a deleted account in the
// operator's scope: the most recently deleted one of that login code or e-mail (ErrNotFound
// when none is).
func (s *Store) FindDeletedUser(ctx context.Context, op model.Operator, ident string) (model.User, error) {
	ident = strings.TrimSpace(ident)
	b := &queryBuilder{}
	b.and("u.status = 'deleted'")
	var id int64
	if _, err := fmt.Sscanf(ident, "%d", &id); err == nil && fmt.Sprint(id) == ident {
		b.and("u.id = " + b.arg(id))
	} else {
		p := b.arg(ident)
		b.and("(upper(u.login_code) = upper(" + p + ") OR lower(u.email) = lower(" + p + "))")
	}
	scopeUsers(b, op, "u")
	if err := sqlx.GetContext(ctx, s.db, &id, `SELECT u.id FROM users u`+b.whereSQL()+
		` ORDER BY u.deleted_at DESC, u.id DESC LIMIT 1`, b.args...); err != nil {
		return model.User{}, mapErr(err)
	}
	return s.getUser(ctx, s.db, op, id)
}

// ResetTOTP turns 2FA off for a user who lost their device: the secret is dropped, the user
// must set up a new authenticator at their next sign-in, before any session. Their sessions
// end (the lost phone may hold one); the user is notified. An admin may reset it only for a user of their organizations alone
// (ErrSharedAccount). The operator's reason goes into the audit row (at most 500 bytes, as typed).
func (s *Store) ResetTOTP(ctx context.Context, op model.Operator, id int64, version int, reason string) (model.User, error) {
	return s.changeUser(ctx, op, id, version, nil, func(tx *sqlx.Tx, u model.User, now time.Time) (auditEntry, error) {
		if err := wholeAccount(ctx, tx, op, id); err != nil {
			return auditEntry{}, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_enabled = false, totp_secret = NULL, totp_last_step = NULL,
			must_enrol_totp = true, version = version + 1, updated_at = $2 WHERE id = $1`, id, now); err != nil {
			return auditEntry{}, err
		}
		n, err := endSessions(ctx, tx, now, id, "totp_reset")
		if err != nil {
			return auditEntry{}, err
		}
		if err := operatorEvent(ctx, tx, now, op, u, "totp_reset"); err != nil {
			return auditEntry{}, err
		}
		if err := s.notify(ctx, tx, u, "mail.totp_reset.subject", "mail.totp_reset.body", u.Login, now.UTC().Format("2006-01-02 15:04")); err != nil {
			return auditEntry{}, err
		}
		reason := cleanText(reason, 500)
		return auditEntry{"user.totp_reset", model.AuditDetail{"login": u.Login, "was_enabled": u.TOTPEnabled, "sessions": n, "reason": reason}}, nil
	})
}

// SendLoginCode e-mails the user their login code (for the caller who lost it).
func (s *Store) SendLoginCode(ctx context.Context, op model.Operator, id int64) error {
	return s.withUser(ctx, op, id, s.liveUser, func(tx *sqlx.Tx, u model.User, now time.Time) (auditEntry, error) {
		return auditEntry{"user.login_code", model.AuditDetail{"login": u.Login}}, s.mailUser(ctx, tx, u, Mail{Kind: "login_code"},
			"mail.login_code.subject", "mail.login_code.body", u.Login, now.UTC().Format("2006-01-02 15:04"))
	})
}
