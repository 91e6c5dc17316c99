package store

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"gatehouse/model"
	"gatehouse/model/i18n"
)

// Editing a user from the User screen: profile, status, memberships and rights, and the
// account actions that take a version (disable, enable, delete, reset 2FA) or none (send the
// login code). Every function takes the acting operator, checks scope (userForUpdate: a user
// outside it is ErrNotFound) and role in the store, writes its audit row in the same
// transaction, and refuses a stale version with a *ConflictError.

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

// editableUser locks the user for a versioned change: ErrForbidden unless the operator may
// write, ErrNotFound outside the scope or for a deleted account, *ConflictError when the
// version is stale.
func (s *Store) editableUser(ctx context.Context, tx *sqlx.Tx, op model.Operator, id int64, version int, base *model.User) (model.User, error) {
	u, err := s.userForUpdate(ctx, tx, op, id)
	if err != nil {
		return u, err
	}
	if u.Status == model.StatusDeleted {
		return u, ErrNotFound
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
	if !op.CanWrite() {
		return model.User{}, ErrForbidden
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
	var out model.User
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.now()
		u, err := s.editableUser(ctx, tx, op, id, version, e.Base)
		if err != nil {
			return err
		}
		var changes []string
		emailChanged := !strings.EqualFold(email, u.Email)
		if emailChanged {
			if err := wholeAccount(ctx, tx, op, id); err != nil {
				return err
			}
			if op.Role != model.RoleSupport {
				return &DBError{Kind: ErrForbidden, Detail: "only support operators change e-mail addresses"}
			}
		}
		if name != u.Name {
			changes = append(changes, "name")
		}
		if emailChanged {
			changes = append(changes, "e-mail "+u.Email+" → "+email)
		}
		newStatus := u.Status
		if e.Status != nil {
			switch {
			case *e.Status == model.StatusDisabled && u.Status != model.StatusDisabled:
				if err := wholeAccount(ctx, tx, op, id); err != nil {
					return err
				}
				newStatus = model.StatusDisabled
			case *e.Status == model.StatusActive && u.Status == model.StatusDisabled:
				newStatus = enabledStatus(u)
			}
		}
		if newStatus != u.Status {
			changes = append(changes, "status "+string(u.Status)+" → "+string(newStatus))
		}
		if e.Memberships != nil {
			mc, err := s.applyMemberships(ctx, tx, op, id, e.Memberships, now)
			if err != nil {
				return err
			}
			changes = append(changes, mc...)
		}
		if len(changes) == 0 {
			out, err = s.getUser(ctx, tx, op, id)
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET name = $3, email = $4, status = $5,
			version = version + 1, updated_at = $6 WHERE id = $1 AND version = $2`,
			id, version, name, email, string(newStatus), now); err != nil {
			var fe *DBError
			if errors.As(mapErr(err), &fe) && fe.Kind == ErrDuplicate && fe.Constraint == "users_email_key" {
				return &FieldError{Field: FieldEmail, Kind: ErrDuplicate, Err: ErrEmailTaken}
			}
			return err
		}
		if newStatus == model.StatusDisabled && u.Status != model.StatusDisabled {
			if _, err := endSessions(ctx, tx, now, id, "disabled"); err != nil {
				return err
			}
		}
		if emailChanged {
			at := now.UTC().Format("2006-01-02 15:04")
			old := u
			if err := s.notify(ctx, tx, old, "mail.email_changed.subject", "mail.email_changed.body", u.Login, u.Email, email, at); err != nil {
				return err
			}
			nu := u
			nu.Email, nu.Name = email, name
			if err := s.notify(ctx, tx, nu, "mail.email_changed.subject", "mail.email_changed.body", u.Login, u.Email, email, at); err != nil {
				return err
			}
		}
		if err := audit(ctx, tx, op, "user.update", &u.ID, nil, u.Login+": "+strings.Join(changes, "; ")); err != nil {
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
func (s *Store) applyMemberships(ctx context.Context, tx *sqlx.Tx, op model.Operator, userID int64, want map[int64][]string, now time.Time) ([]string, error) {
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
	var changes []string
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
			changes = append(changes, "removed from "+slug)
			continue
		case !isMember:
			if _, err := tx.ExecContext(ctx, `INSERT INTO memberships (user_id, org_id, created_at) VALUES ($1, $2, $3)`, userID, org, now); err != nil {
				return nil, err
			}
			changes = append(changes, "added to "+slug)
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
			changes = append(changes, slug+" +"+strings.Join(added, " +"))
		}
		if len(removed) > 0 && keep {
			changes = append(changes, slug+" -"+strings.Join(removed, " -"))
		}
	}
	return changes, nil
}

// DisableUser disables an account and ends its sessions. An admin may disable only a user
// who belongs to their organizations alone.
func (s *Store) DisableUser(ctx context.Context, op model.Operator, id int64, version int) (model.User, error) {
	return s.setEnabled(ctx, op, id, version, false)
}

// EnableUser enables a disabled account again (active, or invited if it has no password).
func (s *Store) EnableUser(ctx context.Context, op model.Operator, id int64, version int) (model.User, error) {
	return s.setEnabled(ctx, op, id, version, true)
}

func (s *Store) setEnabled(ctx context.Context, op model.Operator, id int64, version int, enable bool) (model.User, error) {
	if !op.CanWrite() {
		return model.User{}, ErrForbidden
	}
	var out model.User
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.now()
		u, err := s.editableUser(ctx, tx, op, id, version, nil)
		if err != nil {
			return err
		}
		action, status, summary := "user.disable", model.StatusDisabled, "disabled "+u.Login
		if enable {
			action, status, summary = "user.enable", enabledStatus(u), "enabled "+u.Login
			if u.Status != model.StatusDisabled {
				return &DBError{Kind: ErrInvalid, Detail: "the account is not disabled"}
			}
		} else {
			if u.Status == model.StatusDisabled {
				return &DBError{Kind: ErrInvalid, Detail: "the account is already disabled"}
			}
			if err := wholeAccount(ctx, tx, op, id); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET status = $2, version = version + 1, updated_at = $3 WHERE id = $1`,
			id, string(status), now); err != nil {
			return err
		}
		if !enable {
			n, err := endSessions(ctx, tx, now, id, "disabled")
			if err != nil {
				return err
			}
			summary += fmt.Sprintf(" (%d session(s) ended)", n)
		}
		if err := audit(ctx, tx, op, action, &u.ID, nil, summary); err != nil {
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

// DeleteUser soft-deletes an account: status deleted, the row kept for audit (with its
// memberships and events), its secrets dropped (password hash, 2FA secret, open reset links),
// its sessions ended. Its e-mail and login code become free for a new account. The operator
// confirms by typing the account's e-mail (case and spaces around do not matter). An admin may
// delete only a user who belongs to their organizations alone.
func (s *Store) DeleteUser(ctx context.Context, op model.Operator, id int64, version int, confirmEmail string) error {
	if !op.CanWrite() {
		return ErrForbidden
	}
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.now()
		u, err := s.editableUser(ctx, tx, op, id, version, nil)
		if err != nil {
			return err
		}
		if model.NormalizeEmail(confirmEmail) != strings.ToLower(u.Email) {
			return &FieldError{Field: FieldEmail, Kind: ErrInvalid, Err: ErrEmailMismatch}
		}
		if err := wholeAccount(ctx, tx, op, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET status = 'deleted', deleted_at = $2,
			password_hash = NULL, password_expires_at = NULL, must_change_password = false,
			totp_enabled = false, totp_secret = NULL, totp_last_step = NULL,
			version = version + 1, updated_at = $2 WHERE id = $1`, id, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reset_tokens SET revoked_at = $2 WHERE user_id = $1 AND used_at IS NULL AND revoked_at IS NULL`, id, now); err != nil {
			return err
		}
		n, err := endSessions(ctx, tx, now, id, "deleted")
		if err != nil {
			return err
		}
		return audit(ctx, tx, op, "user.delete", &u.ID, nil,
			fmt.Sprintf("deleted %s (%s, was %s; %d session(s) ended)", u.Login, u.Email, u.Status, n))
	})
}

// ResetTOTP turns 2FA off for a user who lost their device: the secret is dropped, the user
// must set up a new authenticator at their next sign-in, before any session. Their sessions
// end (the lost phone may hold one); the user is notified. An admin may reset it only for a
// user of their organizations alone (ErrSharedAccount).
func (s *Store) ResetTOTP(ctx context.Context, op model.Operator, id int64, version int) (model.User, error) {
	if !op.CanWrite() {
		return model.User{}, ErrForbidden
	}
	var out model.User
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.now()
		u, err := s.editableUser(ctx, tx, op, id, version, nil)
		if err != nil {
			return err
		}
		if err := wholeAccount(ctx, tx, op, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_enabled = false, totp_secret = NULL, totp_last_step = NULL,
			must_enrol_totp = true, version = version + 1, updated_at = $2 WHERE id = $1`, id, now); err != nil {
			return err
		}
		n, err := endSessions(ctx, tx, now, id, "totp_reset")
		if err != nil {
			return err
		}
		if err := authEvent(ctx, tx, now, &u.ID, u.Login, "totp_reset", "operator", netip.Addr{}, "gatehouse:"+op.Name); err != nil {
			return err
		}
		if err := s.notify(ctx, tx, u, "mail.totp_reset.subject", "mail.totp_reset.body", u.Login, now.UTC().Format("2006-01-02 15:04")); err != nil {
			return err
		}
		if err := audit(ctx, tx, op, "user.totp_reset", &u.ID, nil,
			fmt.Sprintf("2FA reset for %s (was enabled: %v; %d session(s) ended); re-enrolls at next login", u.Login, u.TOTPEnabled, n)); err != nil {
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

// SendLoginCode e-mails the user their login code (seed 000: "I lost my login code").
func (s *Store) SendLoginCode(ctx context.Context, op model.Operator, id int64) error {
	if !op.CanWrite() {
		return ErrForbidden
	}
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.now()
		u, err := s.userForUpdate(ctx, tx, op, id)
		if err != nil {
			return err
		}
		if u.Status == model.StatusDeleted {
			return ErrNotFound
		}
		lang := i18n.Parse(u.Lang)
		body := i18n.T(lang, "mail.greeting", u.Name) + "\n\n" +
			i18n.T(lang, "mail.login_code.body", u.Login, now.UTC().Format("2006-01-02 15:04")) + "\n\n" + i18n.T(lang, "mail.signature")
		if _, err := s.enqueueMail(ctx, tx, Mail{Kind: "login_code", UserID: &u.ID, To: u.Email, Lang: string(lang),
			Subject: i18n.T(lang, "mail.login_code.subject"), Body: body}); err != nil {
			return err
		}
		return audit(ctx, tx, op, "user.login_code", &u.ID, nil, "login code e-mailed to "+u.Login)
	})
}
