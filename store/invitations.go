package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"gatehouse/model"
	"gatehouse/model/i18n"
)

// Invitations.
//
// A new person gets a users row with status 'invited' (a login code, no password, no
// membership) when the invitation is created: the login code can then be e-mailed with the
// link, and the Users screen shows the person as invited. Access only comes with acceptance:
// the membership and its rights are written then, never before, so a revoked or expired
// invitation leaves no access behind. Inviting the same e-mail again reuses that row.
//
// The token is sealed in the outbox e-mail; only its SHA-256 is stored. A new person's link
// is also returned once to the caller (for another channel); an existing account's link goes
// only to the account's own address, and its owner accepts with the account's password.
//
// No answer tells an operator whether an account exists outside what they may see
// (visibleAccountSQL). A "new person" whose e-mail belongs to an account the operator cannot
// see, and an "existing user" whose login code and e-mail match no account they can see, are
// answered exactly as an invitation of an account they could see would be: the same result,
// with the same kind of login code and link. What the operator gave or was shown is kept on
// the invitation (shown_login, and for a "new person" the hash of a stand-in link that grants
// nothing); what the store did instead — the e-mail sent to that account's own address as an
// existing account's invitation, or nothing sent when nothing matches — is written in an
// audit row only support reads.

// Invitation lifetimes.
const (
	DefaultInvitationTTL = 7 * 24 * time.Hour
	MinInvitationTTL     = time.Hour
	MaxInvitationTTL     = 90 * 24 * time.Hour
	// invitationTTLSetting overrides DefaultInvitationTTL for an installation (settings table,
	// a number of hours).
	invitationTTLSetting = "invitation.ttl_hours"
)

// InvitationState is where an invitation stands.
type InvitationState string

const (
	InvitationPending  InvitationState = "pending"
	InvitationAccepted InvitationState = "accepted"
	InvitationExpired  InvitationState = "expired"
	InvitationRevoked  InvitationState = "revoked"
)

// InvitationStates lists the states in the order the Invitations screen cycles through them.
var InvitationStates = []InvitationState{InvitationPending, InvitationAccepted, InvitationExpired, InvitationRevoked}

// Invitation is one invitation as the screens and commands show it (never its token).
type Invitation struct {
	ID          int64           `json:"id"`
	OrgID       int64           `json:"org_id"`
	OrgSlug     string          `json:"org_slug"`
	OrgName     string          `json:"org_name"`
	Email       string          `json:"email"`
	Name        string          `json:"name"`
	UserID      *int64          `json:"user_id"`
	UserLogin   string          `json:"user_login,omitempty"`
	InvitedBy   string          `json:"invited_by"`
	CreatedAt   time.Time       `json:"created_at"`
	ExpiresAt   time.Time       `json:"expires_at"`
	AcceptedAt  *time.Time      `json:"accepted_at"`
	RevokedAt   *time.Time      `json:"revoked_at"`
	ResendCount int             `json:"resend_count"`
	LastSentAt  time.Time       `json:"last_sent_at"`
	Rights      []string        `json:"rights"`
	State       InvitationState `json:"state"`
}

// NewInvitation describes an invitation to create. Either a new person (Name, Email), or an
// existing account: picked by id (ExistingUserID, an account the operator can see), or named
// by its login code and its e-mail (ExistingLogin and Email: the account of another
// organization that both identify; nothing is invited unless both match one account, and the
// answer does not say whether they did).
type NewInvitation struct {
	OrgID          int64
	Name           string
	Email          string
	ExistingUserID int64
	ExistingLogin  string
	Rights         []string
	TTL            time.Duration // 0: the installation default (7 days)
	Lang           string        // e-mail language of a new person ("fr" unless "en"); existing users get theirs
}

// AccountExistsError says a "new person" e-mail already belongs to an account the operator
// can see (UserID, Login, Name): invite that account as an existing user instead. (An
// account they cannot see is never reported.)
type AccountExistsError struct {
	UserID int64
	Login  string
	Name   string
}

func (e *AccountExistsError) Error() string {
	return ErrDuplicate.Error() + ": this e-mail already has an account; invite it as an existing user"
}

func (e *AccountExistsError) Unwrap() error { return ErrDuplicate }

// IsDuplicateInvitation reports whether err is the refusal of a second open invitation for
// the same e-mail and organization (resend the open one instead).
func IsDuplicateInvitation(err error) bool {
	var de *DBError
	return errors.As(err, &de) && de.Constraint == "invitations_open_key"
}

func duplicateInvitation() error {
	return &DBError{Kind: ErrDuplicate, Constraint: "invitations_open_key", Detail: "already invited; resend it"}
}

// Reasons an invitation link is refused.
const (
	RefusedUnknown  = "unknown"  // no invitation has this token (mistyped, or replaced by a resend)
	RefusedUsed     = "used"     // already accepted
	RefusedRevoked  = "revoked"  // revoked by an operator
	RefusedExpired  = "expired"  // past its expiry
	RefusedDisabled = "disabled" // the invited account is disabled or deleted
)

// InvitationRefusal is why an invitation link does not work.
type InvitationRefusal struct{ Reason string }

func (e *InvitationRefusal) Error() string {
	switch e.Reason {
	case RefusedUsed:
		return "this invitation was already accepted"
	case RefusedRevoked:
		return "this invitation was revoked"
	case RefusedExpired:
		return "this invitation has expired"
	case RefusedDisabled:
		return "the invited account is disabled"
	}
	return "no invitation has this token (it may have been replaced by a newer e-mail)"
}

func (e *InvitationRefusal) Unwrap() error { return ErrInvalid }

// invitationStateSQL computes the state of alias i at time $now. An open invitation closed
// after its expiry (to make room for a new one) still reads as expired.
func invitationStateSQL(now string) string {
	return `CASE WHEN i.accepted_at IS NOT NULL THEN 'accepted'
		WHEN i.revoked_at IS NOT NULL AND i.revoked_at < i.expires_at THEN 'revoked'
		WHEN i.expires_at <= ` + now + ` THEN 'expired' ELSE 'pending' END`
}

func invitationStateFilter(state InvitationState, now string) (string, error) {
	switch state {
	case InvitationPending:
		return "i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > " + now, nil
	case InvitationAccepted:
		return "i.accepted_at IS NOT NULL", nil
	case InvitationRevoked:
		return "i.accepted_at IS NULL AND i.revoked_at IS NOT NULL AND i.revoked_at < i.expires_at", nil
	case InvitationExpired:
		return "i.accepted_at IS NULL AND i.expires_at <= " + now + " AND (i.revoked_at IS NULL OR i.revoked_at >= i.expires_at)", nil
	}
	return "", &DBError{Kind: ErrInvalid, Detail: "state must be pending, accepted, expired or revoked"}
}

type invitationRow struct {
	ID          int64          `db:"id"`
	OrgID       int64          `db:"org_id"`
	OrgSlug     string         `db:"org_slug"`
	OrgName     string         `db:"org_name"`
	Email       string         `db:"email"`
	Name        string         `db:"name"`
	UserID      *int64         `db:"user_id"`
	UserLogin   string         `db:"user_login"`
	InvitedBy   string         `db:"invited_by_name"`
	CreatedAt   time.Time      `db:"created_at"`
	ExpiresAt   time.Time      `db:"expires_at"`
	AcceptedAt  *time.Time     `db:"accepted_at"`
	RevokedAt   *time.Time     `db:"revoked_at"`
	ResendCount int            `db:"resend_count"`
	LastSentAt  time.Time      `db:"last_sent_at"`
	Rights      pq.StringArray `db:"rights"`
	State       string         `db:"state"`
}

func (r invitationRow) invitation() Invitation {
	rights := []string(r.Rights)
	if rights == nil {
		rights = []string{}
	}
	return Invitation{ID: r.ID, OrgID: r.OrgID, OrgSlug: r.OrgSlug, OrgName: r.OrgName, Email: r.Email,
		Name: r.Name, UserID: r.UserID, UserLogin: r.UserLogin, InvitedBy: r.InvitedBy,
		CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, AcceptedAt: r.AcceptedAt, RevokedAt: r.RevokedAt,
		ResendCount: r.ResendCount, LastSentAt: r.LastSentAt, Rights: rights, State: InvitationState(r.State)}
}

// dest are the fields of r in the order of invitationSelect's columns (for rows.Scan: a page
// read by position, not by name through reflection, which cost a list page a fifth of its
// time).
func (r *invitationRow) dest() []any {
	return []any{&r.ID, &r.OrgID, &r.OrgSlug, &r.OrgName, &r.Email, &r.Name, &r.UserID, &r.UserLogin,
		&r.InvitedBy, &r.CreatedAt, &r.ExpiresAt, &r.AcceptedAt, &r.RevokedAt, &r.ResendCount, &r.LastSentAt,
		&r.Rights, &r.State}
}

// invitationSelect is the select list of invitationRow as the operator may read it; now is
// the placeholder of the clock. The account's login code is shown when the operator can see
// the account, otherwise what they gave or were shown (shown_login); its id only once it is a
// member of one of their organizations.
func invitationSelect(b *queryBuilder, op model.Operator, now string) string {
	login, userID := "coalesce(u.login_code, i.shown_login, '')", "i.user_id"
	if !op.AllOrgs() {
		login = invitationLoginSQL(b, op)
		userID = "CASE WHEN " + memberSQL(b, op, "u") + " THEN i.user_id END"
	}
	return `SELECT i.id, i.org_id, o.slug AS org_slug, o.name AS org_name, i.email, i.name, ` + userID + ` AS user_id,
		` + login + ` AS user_login, i.invited_by_name, i.created_at, i.expires_at,
		i.accepted_at, i.revoked_at, i.resend_count, i.last_sent_at,
		array(SELECT r.right_code FROM invitation_rights r WHERE r.invitation_id = i.id ORDER BY r.right_code) AS rights,
		` + invitationStateSQL(now) + ` AS state
		FROM invitations i JOIN organizations o ON o.id = i.org_id LEFT JOIN users u ON u.id = i.user_id`
}

// invitationLoginSQL is the login code of invitation i's account (alias u) as an admin may
// read it.
func invitationLoginSQL(b *queryBuilder, op model.Operator) string {
	if op.AllOrgs() {
		return "coalesce(u.login_code, i.shown_login, '')"
	}
	return "(CASE WHEN " + visibleAccountSQL(b, op, "u") + " THEN u.login_code ELSE coalesce(i.shown_login, '') END)"
}

// memberSQL is true when the user of alias belongs to one of the operator's organizations.
func memberSQL(b *queryBuilder, op model.Operator, alias string) string {
	if op.AllOrgs() {
		return "true"
	}
	return fmt.Sprintf("EXISTS (SELECT 1 FROM memberships vm WHERE vm.user_id = %s.id AND vm.org_id = ANY(%s))",
		alias, b.arg(int64Array(op.OrgIDs)))
}

// visibleAccountSQL is true when the operator may be told about the account of alias (a users
// row): any account for support and oncall; for an admin, a member of one of their
// organizations, or a new person (invited, never accepted) whom one of their organizations
// invited as such (not through a stand-in).
func visibleAccountSQL(b *queryBuilder, op model.Operator, alias string) string {
	if op.AllOrgs() {
		return "true"
	}
	orgs := b.arg(int64Array(op.OrgIDs))
	return fmt.Sprintf(`(EXISTS (SELECT 1 FROM memberships vm WHERE vm.user_id = %[1]s.id AND vm.org_id = ANY(%[2]s))
		OR (%[1]s.status = 'invited' AND EXISTS (SELECT 1 FROM invitations vi WHERE vi.user_id = %[1]s.id
			AND vi.org_id = ANY(%[2]s) AND vi.shown_login IS NULL)))`, alias, orgs)
}

// scopeInvitations restricts alias i to the operator's organizations.
func scopeInvitations(b *queryBuilder, op model.Operator) {
	if !op.AllOrgs() {
		b.and("i.org_id = ANY(" + b.lit(op.OrgIDs) + ")")
	}
}

// GetInvitation returns one invitation in the operator's scope (ErrNotFound otherwise).
func (s *Store) GetInvitation(ctx context.Context, op model.Operator, id int64) (Invitation, error) {
	return s.getInvitation(ctx, s.read, op, id)
}

func (s *Store) getInvitation(ctx context.Context, q sqlx.QueryerContext, op model.Operator, id int64) (Invitation, error) {
	b := &queryBuilder{}
	now := b.arg(s.now())
	b.and("i.id = " + b.arg(id))
	scopeInvitations(b, op)
	var r invitationRow
	sel := invitationSelect(b, op, now)
	if err := sqlx.GetContext(ctx, q, &r, sel+b.whereSQL(), b.args...); err != nil {
		return Invitation{}, mapErr(err)
	}
	return r.invitation(), nil
}

// InvitationQuery selects a page of invitations, newest first. Zero values mean "any".
type InvitationQuery struct {
	State  InvitationState
	Search string // words each found in the name, the e-mail or the login code, in any order, ignoring case and accents
	OrgID  int64
	After  *Cursor // next page: invitations older than this cursor (Time = created_at)
	Limit  int
}

// InvitationPage is one page of invitations.
type InvitationPage struct {
	Invitations []Invitation
	HasNext     bool
	Last        *Cursor // pass as After for the next page
}

// ListInvitations returns a keyset page of the invitations in the operator's scope.
func (s *Store) ListInvitations(ctx context.Context, op model.Operator, q InvitationQuery) (InvitationPage, error) {
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 50
	}
	b := &queryBuilder{}
	now := b.arg(s.now())
	scopeInvitations(b, op)
	if q.State != "" {
		cond, err := invitationStateFilter(q.State, now)
		if err != nil {
			return InvitationPage{}, err
		}
		b.and(cond)
	}
	if q.OrgID != 0 {
		b.and("i.org_id = " + b.lit(q.OrgID))
	}
	if words := model.SearchWords(q.Search); len(words) > 0 {
		login := "lower(" + invitationLoginSQL(b, op) + ")" // login codes are ASCII: lower case is their folding
		for _, w := range words {
			p := b.arg("%" + escapeLike(w) + "%")
			b.and("(i.search LIKE " + p + " OR " + login + " LIKE " + p + ")")
		}
	}
	if q.After != nil {
		b.and("(i.created_at, i.id) < (" + b.arg(q.After.Time) + ", " + b.arg(q.After.ID) + ")")
	}
	sel := invitationSelect(b, op, now)
	sqlText := sel + b.whereSQL() + " ORDER BY i.created_at DESC, i.id DESC LIMIT " + itoa(q.Limit+1)
	reader := sqlx.QueryerContext(s.prepared()) // a walk of invitations_created (or of an organization's)
	if q.Search != "" {
		reader = s.read // a pattern's plan hangs on it
	}
	rows, err := readInvitations(ctx, reader, sqlText, b.args)
	if err != nil {
		return InvitationPage{}, mapErr(err)
	}
	page := InvitationPage{HasNext: len(rows) > q.Limit}
	if page.HasNext {
		rows = rows[:q.Limit]
	}
	page.Invitations = make([]Invitation, len(rows))
	for i, r := range rows {
		page.Invitations[i] = r.invitation()
	}
	if n := len(rows); n > 0 {
		page.Last = &Cursor{Time: rows[n-1].CreatedAt, ID: rows[n-1].ID}
	}
	return page, nil
}

// readInvitations runs a statement of invitationSelect's columns and reads its rows by position.
func readInvitations(ctx context.Context, q sqlx.QueryerContext, sqlText string, args []any) ([]invitationRow, error) {
	rs, err := q.QueryxContext(ctx, sqlText, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []invitationRow
	for rs.Next() {
		var r invitationRow
		if err := rs.Scan(r.dest()...); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

// EmailAccount is what an e-mail address already is, as far as the operator may know.
type EmailAccount struct {
	Exists bool         // an account the operator can see has this e-mail
	Status model.Status // its status; "invited" still takes the new-person path
	UserID int64
	Login  string
	Name   string
}

// LookupEmail tells the invitation wizard whether an e-mail already has an account the
// operator can see (so it can offer the existing-user path). An account they cannot see is
// reported as none: the answer must not tell whether it exists.
func (s *Store) LookupEmail(ctx context.Context, op model.Operator, email string) (EmailAccount, error) {
	a, err := s.lookupEmail(ctx, s.read, op, email, false)
	if err != nil || !a.visible {
		return EmailAccount{}, err
	}
	return a.EmailAccount, nil
}

// foundAccount is an account found by the store for an invitation, visible to the operator
// or not (for the store's own use: never returned as such).
type foundAccount struct {
	EmailAccount
	id      int64
	visible bool
}

// lookupEmail finds the live account with an e-mail, visible or not.
func (s *Store) lookupEmail(ctx context.Context, q sqlx.QueryerContext, op model.Operator, email string, lock bool) (foundAccount, error) {
	b := &queryBuilder{}
	b.and("lower(u.email) = lower(" + b.arg(model.NormalizeEmail(email)) + ")")
	return s.findAccount(ctx, q, op, b, lock)
}

// lookupLoginEmail finds the live account that has both the login code and the e-mail.
func (s *Store) lookupLoginEmail(ctx context.Context, q sqlx.QueryerContext, op model.Operator, login, email string, lock bool) (foundAccount, error) {
	b := &queryBuilder{}
	b.and("upper(u.login_code) = " + b.arg(model.NormalizeLogin(login)))
	b.and("lower(u.email) = lower(" + b.arg(model.NormalizeEmail(email)) + ")")
	return s.findAccount(ctx, q, op, b, lock)
}

func (s *Store) findAccount(ctx context.Context, q sqlx.QueryerContext, op model.Operator, b *queryBuilder, lock bool) (foundAccount, error) {
	var r struct {
		ID      int64  `db:"id"`
		Login   string `db:"login_code"`
		Name    string `db:"name"`
		Status  string `db:"status"`
		Visible bool   `db:"visible"`
	}
	b.and("u.status <> 'deleted'")
	sqlText := `SELECT u.id, u.login_code, u.name, u.status, ` + visibleAccountSQL(b, op, "u") + ` AS visible FROM users u` + b.whereSQL()
	if lock {
		sqlText += " FOR UPDATE OF u"
	}
	err := sqlx.GetContext(ctx, q, &r, sqlText, b.args...)
	if isNoRows(err) {
		return foundAccount{}, nil
	}
	if err != nil {
		return foundAccount{}, mapErr(err)
	}
	return foundAccount{EmailAccount: EmailAccount{Exists: true, Status: model.Status(r.Status), UserID: r.ID, Login: r.Login, Name: r.Name},
		id: r.ID, visible: r.Visible}, nil
}

// invitationTTL returns the configured default lifetime (settings), or DefaultInvitationTTL.
func invitationTTL(ctx context.Context, q sqlx.QueryerContext) time.Duration {
	var hours float64
	if found, err := readSetting(ctx, q, invitationTTLSetting, &hours); !found || err != nil || hours <= 0 {
		return DefaultInvitationTTL
	}
	return clampTTL(time.Duration(hours * float64(time.Hour)))
}

func clampTTL(d time.Duration) time.Duration {
	return min(max(d, MinInvitationTTL), MaxInvitationTTL)
}

// checkGrant refuses an empty or unknown set of rights, or one the operator may not grant.
// It returns the rights sorted and without repeats.
func checkGrant(op model.Operator, rights []string) ([]string, error) {
	set := map[string]bool{}
	var out []string
	for _, r := range rights {
		r = strings.TrimSpace(r)
		if r != "" && !set[r] {
			set[r] = true
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, &DBError{Kind: ErrInvalid, Detail: "choose at least one right"}
	}
	sort.Strings(out)
	for _, r := range out {
		if !op.CanGrant(r) {
			return nil, &DBError{Kind: ErrForbidden, Detail: "you may not grant the right " + r}
		}
	}
	return out, nil
}

// rightNames are a list of rights as an e-mail names them, "Label (code), ...", in each
// language.
type rightNames struct{ en, fr string }

// in is the list in lang.
func (n rightNames) in(lang i18n.Lang) string {
	if lang == i18n.FR {
		return n.fr
	}
	return n.en
}

// rightLabels returns "Label (code)" for each right, for e-mails, in each language (a right
// without a French label is named by its English one).
func rightLabels(ctx context.Context, tx *sqlx.Tx, rights []string) (rightNames, error) {
	var rows []struct{ EN, FR string }
	err := tx.SelectContext(ctx, &rows, `SELECT label || ' (' || code || ')' AS en,
		coalesce(label_fr, label) || ' (' || code || ')' AS fr FROM rights WHERE code = ANY($1) ORDER BY code`, stringArray(rights))
	if err != nil {
		return rightNames{}, err
	}
	if len(rows) != len(rights) {
		return rightNames{}, &DBError{Kind: ErrInvalid, Detail: "unknown right"}
	}
	var en, fr []string
	for _, r := range rows {
		en, fr = append(en, r.EN), append(fr, r.FR)
	}
	return rightNames{en: strings.Join(en, ", "), fr: strings.Join(fr, ", ")}, nil
}

// loginCodeFormat is the form of a login code (the users table's check).
var loginCodeFormat = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{2,39}$`)

// CreateInvitation invites a new person or an existing account into an organization with a
// set of rights: the invitation with its token's hash, its rights, the e-mail in the outbox
// (the link sealed) and its audit row, in one transaction. It returns the invitation as the
// operator may read it and, for a new person, the acceptance link, which is shown once and
// never stored in clear. An existing account's link is never returned ("").
//
// Nothing tells the operator about an account they cannot see: a new person's e-mail that
// belongs to such an account is answered as a fresh invitation (a stand-in login code and a
// stand-in link), while the invitation goes to that account's own address as an existing
// account's (accepted only with its password); an existing user named by a login code and an
// e-mail is invited only when both match one account, and answered the same when they do not
// (nothing is sent then). A disabled account the operator cannot see is sent nothing either.
//
// Refusals: oncall → ErrForbidden; an organization (or picked user) outside the operator's
// scope → ErrNotFound; a right the operator may not grant → ErrForbidden; a "new person"
// e-mail of an account the operator can see → *AccountExistsError; an open invitation for the
// same e-mail and organization → ErrDuplicate (IsDuplicateInvitation: resend it); an account
// the operator can see that is already a member, or disabled → ErrDuplicate, ErrInvalid.
func (s *Store) CreateInvitation(ctx context.Context, op model.Operator, n NewInvitation) (Invitation, string, error) {
	if err := writable(op); err != nil {
		return Invitation{}, "", err
	}
	if !op.CanWrite() {
		return Invitation{}, "", ErrForbidden
	}
	if !op.InScope(n.OrgID) {
		return Invitation{}, "", ErrNotFound
	}
	rights, err := checkGrant(op, n.Rights)
	if err != nil {
		return Invitation{}, "", err
	}
	byLogin := n.ExistingUserID == 0 && strings.TrimSpace(n.ExistingLogin) != ""
	newPerson := n.ExistingUserID == 0 && !byLogin
	login := model.NormalizeLogin(n.ExistingLogin)
	switch {
	case newPerson:
		if err := model.ValidateName(n.Name); err != nil {
			return Invitation{}, "", &DBError{Kind: ErrInvalid, Detail: "name: " + err.Error()}
		}
	case byLogin && !loginCodeFormat.MatchString(login):
		return Invitation{}, "", &DBError{Kind: ErrInvalid, Detail: "login code: letters, digits and dashes, 3 to 40 (like ACME-7K2Q9)"}
	}
	if newPerson || byLogin {
		if err := model.ValidateEmail(n.Email); err != nil {
			return Invitation{}, "", &DBError{Kind: ErrInvalid, Detail: "e-mail: " + err.Error()}
		}
	}
	var inv Invitation
	var link string
	err = s.tx(ctx, func(tx *sqlx.Tx) error {
		var err error
		inv, link, err = s.createInvitation(ctx, tx, op, n, rights, nil)
		return err
	})
	if err != nil {
		var de *DBError
		if errors.As(err, &de) && de.Constraint == "invitations_open_key" {
			return Invitation{}, "", duplicateInvitation() // a concurrent twin won
		}
		return Invitation{}, "", err
	}
	return inv, link, nil
}

// createInvitation is CreateInvitation's transaction, n checked and rights checked as the
// operator may grant them; rep, when set, records the account the invitation replaces and the
// memberships it carries.
func (s *Store) createInvitation(ctx context.Context, tx *sqlx.Tx, op model.Operator, n NewInvitation, rights []string, rep *replacementRows) (Invitation, string, error) {
	byLogin := n.ExistingUserID == 0 && strings.TrimSpace(n.ExistingLogin) != ""
	newPerson := n.ExistingUserID == 0 && !byLogin
	login := model.NormalizeLogin(n.ExistingLogin)
	var inv Invitation
	var link string
	err := func() error {
		now := s.now()
		var org model.Organization
		if err := tx.GetContext(ctx, &org, `SELECT id, slug, name, created_at FROM organizations WHERE id = $1 FOR SHARE`, n.OrgID); err != nil {
			return err
		}
		labels, err := rightLabels(ctx, tx, rights)
		if err != nil {
			return err
		}
		ttl := n.TTL
		if ttl == 0 {
			ttl = invitationTTL(ctx, tx)
		}
		ttl = clampTTL(ttl)

		// Who is invited: u (hasAccount false: nobody, nothing is sent), and, when the operator
		// cannot see that account, what they are shown instead (shownLogin).
		var u model.User
		hasAccount := true
		shownLogin := ""
		support := model.Operator{Role: model.RoleSupport}
		switch {
		case n.ExistingUserID != 0:
			if u, err = s.userForUpdate(ctx, tx, op, n.ExistingUserID); err != nil {
				return err
			}
		case byLogin:
			a, err := s.lookupLoginEmail(ctx, tx, op, login, n.Email, true)
			if err != nil {
				return err
			}
			switch {
			case a.Exists && a.visible:
				if u, err = s.userForUpdate(ctx, tx, support, a.id); err != nil {
					return err
				}
			case a.Exists && a.Status != model.StatusDisabled:
				if u, err = s.userForUpdate(ctx, tx, support, a.id); err != nil {
					return err
				}
				shownLogin = login
			default:
				hasAccount, shownLogin = false, login
			}
		default:
			a, err := s.lookupEmail(ctx, tx, op, n.Email, true)
			if err != nil {
				return err
			}
			switch {
			case a.Exists && a.visible && a.Status != model.StatusInvited:
				return &AccountExistsError{UserID: a.UserID, Login: a.Login, Name: a.Name}
			case a.Exists && a.visible: // invited before and never accepted: the same person again
				if u, err = s.userForUpdate(ctx, tx, support, a.id); err != nil {
					return err
				}
			case a.Exists && a.Status != model.StatusDisabled:
				if u, err = s.userForUpdate(ctx, tx, support, a.id); err != nil {
					return err
				}
				shownLogin = model.NewLoginCode(org.Slug)
			case a.Exists:
				hasAccount, shownLogin = false, model.NewLoginCode(org.Slug)
			default:
				if u, err = s.createInvitedUser(ctx, tx, org.Slug, n, now); err != nil {
					return err
				}
			}
		}
		standIn := shownLogin != ""
		if hasAccount && !standIn {
			switch u.Status {
			case model.StatusDeleted:
				return ErrNotFound
			case model.StatusDisabled:
				return &DBError{Kind: ErrInvalid, Detail: "this account is disabled; enable it first"}
			}
			if u.Status != model.StatusInvited {
				var member bool
				if err := tx.GetContext(ctx, &member, `SELECT EXISTS (SELECT 1 FROM memberships WHERE user_id = $1 AND org_id = $2)`, u.ID, org.ID); err != nil {
					return err
				}
				if member {
					return &DBError{Kind: ErrDuplicate, Constraint: "memberships_pkey", Detail: "already a member of this organization"}
				}
			}
		}
		// What the invitation records: the account's own name and address when the operator
		// can see it, otherwise what they typed.
		email, name := u.Email, u.Name
		switch {
		case standIn && newPerson:
			email, name = model.NormalizeEmail(n.Email), strings.TrimSpace(n.Name)
		case standIn:
			email, name = model.NormalizeEmail(n.Email), login
		}

		// An expired invitation still open is closed first; an open one is a duplicate.
		if _, err := tx.ExecContext(ctx, `UPDATE invitations SET revoked_at = $3
			WHERE org_id = $1 AND lower(email) = lower($2) AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at <= $3`,
			org.ID, email, now); err != nil {
			return err
		}
		var open bool
		if err := tx.GetContext(ctx, &open, `SELECT EXISTS (SELECT 1 FROM invitations
			WHERE org_id = $1 AND lower(email) = lower($2) AND accepted_at IS NULL AND revoked_at IS NULL)`, org.ID, email); err != nil {
			return err
		}
		if open {
			return duplicateInvitation()
		}

		token, hash := model.NewToken()
		var userID, shown, shownHash any
		if hasAccount {
			userID = u.ID
		}
		var shownLink string
		if standIn {
			shown = shownLogin
			if newPerson {
				var shownToken string
				shownToken, shownHash = model.NewToken()
				shownLink = s.cfg.PortalURL + "/accept?token=" + shownToken
			}
		}
		var id int64
		if err := tx.GetContext(ctx, &id, `INSERT INTO invitations
			(org_id, email, name, user_id, invited_by, invited_by_name, token_hash, created_at, expires_at, last_sent_at,
			 shown_login, shown_token_hash)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8, $10, $11) RETURNING id`,
			org.ID, email, name, userID, nullID(op.ID), op.Name, hash, now, now.Add(ttl), shown, shownHash); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO invitation_rights (invitation_id, right_code) SELECT $1, unnest($2::text[])`,
			id, stringArray(rights)); err != nil {
			return err
		}
		if rep != nil {
			if err := recordReplacement(ctx, tx, id, rep); err != nil {
				return err
			}
		}
		realLink := s.cfg.PortalURL + "/accept?token=" + token
		if hasAccount {
			if err := s.enqueueInvitation(ctx, tx, id, u, org, labels, u.Status == model.StatusInvited, now.Add(ttl), realLink); err != nil {
				return err
			}
		}
		switch {
		case standIn:
			link = shownLink // "" for an existing user
		case u.Status == model.StatusInvited:
			link = realLink // a new person's, for another channel
		}

		// The audit row says what the operator did, as they saw it; when they could not see
		// the account, a second row (read by support only) says what was done instead.
		shownAs := u.Login
		if standIn {
			shownAs = shownLogin
		}
		kindWord := "existing_account"
		if newPerson {
			kindWord = "new_person"
		}
		var target *int64
		if hasAccount {
			target = &u.ID
		}
		expires := now.Add(ttl).UTC().Format("2006-01-02 15:04")
		if err := audit(ctx, tx, op, "invitation.create", target, &org.ID, model.AuditDetail{
			"email": email, "kind": kindWord, "login": shownAs, "org": org.Slug, "rights": strings.Join(rights, ", "), "expires": expires}); err != nil {
			return err
		}
		if standIn {
			var what model.AuditDetail
			switch {
			case !hasAccount && newPerson:
				what = model.AuditDetail{"part": "stand_in_disabled", "email": email}
			case !hasAccount:
				what = model.AuditDetail{"part": "stand_in_none", "login": login, "email": email}
			case u.Status == model.StatusInvited:
				what = model.AuditDetail{"part": "stand_in_invited", "email": email, "login": u.Login}
			default:
				what = model.AuditDetail{"part": "stand_in_other", "email": email, "login": u.Login}
			}
			parts := []model.AuditDetail{what}
			if newPerson {
				parts = append(parts, model.AuditDetail{"part": "stand_in_shown", "login": shownLogin})
			}
			if err := auditIn(ctx, tx, model.Operator{Name: "gatehouse"}, "invitation.stand_in", target, nil, []int64{},
				model.AuditDetail{"invitation": id, "by": op.Name, "org": org.Slug, "what": parts}); err != nil {
				return err
			}
		}
		inv, err = s.getInvitation(ctx, tx, op, id)
		return err
	}()
	return inv, link, err
}

// createInvitedUser inserts the account of a new person: status invited, a fresh login code,
// no password. A login code already taken is drawn again.
func (s *Store) createInvitedUser(ctx context.Context, tx *sqlx.Tx, orgSlug string, n NewInvitation, now time.Time) (model.User, error) {
	lang := "fr"
	if i18n.Parse(n.Lang) == i18n.EN && n.Lang != "" {
		lang = "en"
	}
	email := model.NormalizeEmail(n.Email)
	name := strings.TrimSpace(n.Name)
	for attempt := 0; attempt < 8; attempt++ {
		var id int64
		err := tx.GetContext(ctx, &id, `INSERT INTO users (login_code, email, name, lang, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, 'invited', $5, $5) ON CONFLICT DO NOTHING RETURNING id`,
			model.NewLoginCode(orgSlug), email, name, lang, now)
		if isNoRows(err) {
			// A login code drawn twice, or the same e-mail created concurrently.
			var taken bool
			if err := tx.GetContext(ctx, &taken, `SELECT EXISTS (SELECT 1 FROM users WHERE lower(email) = lower($1) AND status <> 'deleted')`, email); err != nil {
				return model.User{}, err
			}
			if taken {
				// Another operator invited the same person into this organization meanwhile:
				// say so, as a later attempt would (resend that invitation).
				var open bool
				if err := tx.GetContext(ctx, &open, `SELECT EXISTS (SELECT 1 FROM invitations i JOIN organizations o ON o.id = i.org_id
					WHERE o.slug = $1 AND lower(i.email) = lower($2) AND i.accepted_at IS NULL AND i.revoked_at IS NULL)`, orgSlug, email); err != nil {
					return model.User{}, err
				}
				if open {
					return model.User{}, duplicateInvitation()
				}
				return model.User{}, &DBError{Kind: ErrConflict, Detail: "this e-mail was just registered by someone else; try again"}
			}
			continue
		}
		if err != nil {
			return model.User{}, err
		}
		return s.userForUpdate(ctx, tx, model.Operator{Role: model.RoleSupport}, id)
	}
	return model.User{}, errors.New("could not draw a free login code")
}

// enqueueInvitation queues the invitation e-mail in the user's language, the link sealed.
func (s *Store) enqueueInvitation(ctx context.Context, tx *sqlx.Tx, invID int64, u model.User, org model.Organization,
	rights rightNames, newPerson bool, expires time.Time, link string) error {
	lang := i18n.Parse(u.Lang)
	rightLabels := rights.in(lang)
	until := expires.UTC().Format("2006-01-02 15:04")
	carried, err := carriedMemberships(ctx, tx, invID)
	if err != nil {
		return err
	}
	if carried != nil { // a replacement: every organization it carries, and what accepting does
		if rightLabels, err = replacementMailRights(ctx, tx, lang, carried); err != nil {
			return err
		}
	}
	var body string
	if newPerson {
		body = i18n.T(lang, "mail.invite.body", org.Name, u.Login, rightLabels, until)
	} else {
		body = i18n.T(lang, "mail.invite.existing.body", org.Name, u.Login, rightLabels, until)
	}
	if carried != nil {
		body += "\n\n" + i18n.T(lang, "mail.replace.note")
	}
	body = i18n.T(lang, "mail.greeting", u.Name) + "\n\n" + body + "\n\n" + i18n.T(lang, "mail.signature")
	_, err = s.enqueueMail(ctx, tx, Mail{Kind: "invitation", UserID: &u.ID, InvitationID: &invID, To: u.Email,
		Lang: string(lang), Subject: i18n.T(lang, "mail.invite.subject", org.Name), Body: body, Secret: link})
	return err
}

// openInvitationForUpdate locks an invitation in the operator's scope and checks it is still
// open (neither accepted nor revoked). Expired ones are open: they can be resent or extended.
func (s *Store) openInvitationForUpdate(ctx context.Context, tx *sqlx.Tx, op model.Operator, id int64) (Invitation, error) {
	b := &queryBuilder{}
	b.and("i.id = " + b.arg(id))
	scopeInvitations(b, op)
	var locked int64
	if err := tx.GetContext(ctx, &locked, `SELECT i.id FROM invitations i`+b.whereSQL()+` FOR UPDATE`, b.args...); err != nil {
		return Invitation{}, mapErr(err)
	}
	inv, err := s.getInvitation(ctx, tx, op, id)
	if err != nil {
		return Invitation{}, err
	}
	switch {
	case inv.AcceptedAt != nil:
		return inv, &DBError{Kind: ErrInvalid, Detail: "this invitation was already accepted"}
	case inv.RevokedAt != nil:
		return inv, &DBError{Kind: ErrInvalid, Detail: "this invitation is closed (revoked or replaced)"}
	}
	carried, err := carriedMemberships(ctx, tx, id)
	if err != nil {
		return inv, err
	}
	if carried != nil {
		return inv, checkReplacementGrant(op, carried)
	}
	if _, err := checkGrant(op, inv.Rights); err != nil {
		return inv, err
	}
	return inv, nil
}

// cancelQueuedInvitationMail cancels the invitation's e-mails not yet sent (their link is dead).
func cancelQueuedInvitationMail(ctx context.Context, tx *sqlx.Tx, invID int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'cancelled', sealed_secret = NULL
		WHERE invitation_id = $1 AND status = 'pending'`, invID)
	return err
}

// ResendInvitation rotates the token (the old link dies at once), queues a new e-mail
// (e-mails of the old link not yet sent are cancelled), counts the resend and makes sure the
// invitation is valid for at least the default lifetime from now. It returns the new link of
// a new person's invitation ("" for an existing account's: it goes only to its address).
func (s *Store) ResendInvitation(ctx context.Context, op model.Operator, id int64) (Invitation, string, error) {
	if err := writable(op); err != nil {
		return Invitation{}, "", err
	}
	if !op.CanWrite() {
		return Invitation{}, "", ErrForbidden
	}
	var inv Invitation
	var link string
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.now()
		cur, err := s.openInvitationForUpdate(ctx, tx, op, id)
		if err != nil {
			return err
		}
		t, err := invitationTargetOf(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := cancelQueuedInvitationMail(ctx, tx, id); err != nil {
			return err
		}
		expires := cur.ExpiresAt
		if min := now.Add(invitationTTL(ctx, tx)); expires.Before(min) {
			expires = min
		}
		token, hash := model.NewToken()
		var shownHash any
		shownLink := ""
		if t.shownLink {
			var shownToken string
			shownToken, shownHash = model.NewToken()
			shownLink = s.cfg.PortalURL + "/accept?token=" + shownToken
		}
		if _, err := tx.ExecContext(ctx, `UPDATE invitations SET token_hash = $2, resend_count = resend_count + 1,
			last_sent_at = $3, expires_at = $4, shown_token_hash = coalesce($5, shown_token_hash) WHERE id = $1`,
			id, hash, now, expires, shownHash); err != nil {
			return err
		}
		realLink := s.cfg.PortalURL + "/accept?token=" + token
		if t.userID != nil { // an invitation that matched no account is sent nowhere
			u, err := s.userForUpdate(ctx, tx, model.Operator{Role: model.RoleSupport}, *t.userID)
			if err != nil {
				return err
			}
			var org model.Organization
			if err := tx.GetContext(ctx, &org, `SELECT id, slug, name, created_at FROM organizations WHERE id = $1`, cur.OrgID); err != nil {
				return err
			}
			labels, err := rightLabels(ctx, tx, cur.Rights)
			if err != nil {
				return err
			}
			if err := s.enqueueInvitation(ctx, tx, id, u, org, labels, u.Status == model.StatusInvited, expires, realLink); err != nil {
				return err
			}
			if !t.standIn && u.Status == model.StatusInvited {
				link = realLink
			}
		}
		if t.standIn {
			link = shownLink
		}
		until := expires.UTC().Format("2006-01-02 15:04")
		if err := audit(ctx, tx, op, "invitation.resend", t.userID, &cur.OrgID,
			model.AuditDetail{"invitation": id, "email": cur.Email, "org": cur.OrgSlug, "expires": until}); err != nil {
			return err
		}
		inv, err = s.getInvitation(ctx, tx, op, id)
		return err
	})
	if err != nil {
		return Invitation{}, "", err
	}
	return inv, link, nil
}

// invitationTarget is who an invitation is really for (Invitation.UserID is what the
// operator may read).
type invitationTarget struct {
	userID    *int64
	standIn   bool // the inviting operator was shown what they gave or a stand-in
	shownLink bool // ... and a stand-in link
}

func invitationTargetOf(ctx context.Context, tx *sqlx.Tx, id int64) (invitationTarget, error) {
	var t invitationTarget
	err := tx.QueryRowContext(ctx, `SELECT user_id, shown_login IS NOT NULL, shown_token_hash IS NOT NULL FROM invitations WHERE id = $1`, id).
		Scan(&t.userID, &t.standIn, &t.shownLink)
	return t, mapErr(err)
}

// RevokeInvitation closes an open invitation: its link stops working and unsent e-mails are
// cancelled.
func (s *Store) RevokeInvitation(ctx context.Context, op model.Operator, id int64) (Invitation, error) {
	if err := writable(op); err != nil {
		return Invitation{}, err
	}
	if !op.CanWrite() {
		return Invitation{}, ErrForbidden
	}
	var inv Invitation
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.now()
		cur, err := s.openInvitationForUpdate(ctx, tx, op, id)
		if err != nil {
			return err
		}
		t, err := invitationTargetOf(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE invitations SET revoked_at = $2 WHERE id = $1`, id, now); err != nil {
			return err
		}
		if err := cancelQueuedInvitationMail(ctx, tx, id); err != nil {
			return err
		}
		if err := audit(ctx, tx, op, "invitation.revoke", t.userID, &cur.OrgID,
			model.AuditDetail{"invitation": id, "email": cur.Email, "org": cur.OrgSlug}); err != nil {
			return err
		}
		inv, err = s.getInvitation(ctx, tx, op, id)
		return err
	})
	return inv, err
}

// ExtendInvitation pushes an open invitation's expiry by d (from now if it has already
// expired). The link does not change.
func (s *Store) ExtendInvitation(ctx context.Context, op model.Operator, id int64, d time.Duration) (Invitation, error) {
	if err := writable(op); err != nil {
		return Invitation{}, err
	}
	if !op.CanWrite() {
		return Invitation{}, ErrForbidden
	}
	if d < MinInvitationTTL || d > MaxInvitationTTL {
		return Invitation{}, &DBError{Kind: ErrInvalid, Detail: "extend by between 1 hour and 90 days"}
	}
	var inv Invitation
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.now()
		cur, err := s.openInvitationForUpdate(ctx, tx, op, id)
		if err != nil {
			return err
		}
		t, err := invitationTargetOf(ctx, tx, id)
		if err != nil {
			return err
		}
		from := cur.ExpiresAt
		if from.Before(now) {
			from = now
		}
		expires := from.Add(d)
		if _, err := tx.ExecContext(ctx, `UPDATE invitations SET expires_at = $2 WHERE id = $1`, id, expires); err != nil {
			return err
		}
		until := expires.UTC().Format("2006-01-02 15:04")
		if err := audit(ctx, tx, op, "invitation.extend", t.userID, &cur.OrgID,
			model.AuditDetail{"invitation": id, "email": cur.Email, "org": cur.OrgSlug, "expires": until}); err != nil {
			return err
		}
		inv, err = s.getInvitation(ctx, tx, op, id)
		return err
	})
	return inv, err
}

// InvitationPreview is what the invitee sees before accepting.
type InvitationPreview struct {
	InvitationID  int64
	OrgSlug       string
	OrgName       string
	Email         string
	Name          string
	Login         string // the account's login code ("" if it is created at acceptance)
	Rights        []string
	ExpiresAt     time.Time
	NeedsPassword bool // a new person chooses a password (twice)
	// ExistingAccount: the link is for an account that already exists (it has, or had, a
	// password): its owner proves who they are with its current password, and its TOTP code
	// when 2FA is enrolled (Acceptance). A link alone never adds a membership to it.
	ExistingAccount bool
	// Replaces: the invitation replaces a former identifier of the person, deleted when it is
	// accepted; Memberships are then every organization it gives, with the rights in each.
	Replaces    bool
	Memberships []model.Membership
}

type tokenRow struct {
	ID         int64      `db:"id"`
	OrgID      int64      `db:"org_id"`
	OrgSlug    string     `db:"org_slug"`
	OrgName    string     `db:"org_name"`
	Email      string     `db:"email"`
	Name       string     `db:"name"`
	UserID     *int64     `db:"user_id"`
	ExpiresAt  time.Time  `db:"expires_at"`
	AcceptedAt *time.Time `db:"accepted_at"`
	RevokedAt  *time.Time `db:"revoked_at"`
}

const tokenColumns = `i.id, i.org_id, o.slug AS org_slug, o.name AS org_name, i.email, i.name,
	i.user_id, i.expires_at, i.accepted_at, i.revoked_at`

func (r tokenRow) refusal(now time.Time) error {
	switch {
	case r.AcceptedAt != nil:
		return &InvitationRefusal{Reason: RefusedUsed}
	case r.RevokedAt != nil && r.RevokedAt.Before(r.ExpiresAt):
		return &InvitationRefusal{Reason: RefusedRevoked}
	case !r.ExpiresAt.After(now), r.RevokedAt != nil:
		return &InvitationRefusal{Reason: RefusedExpired}
	}
	return nil
}

func (s *Store) invitationByToken(ctx context.Context, q sqlx.QueryerContext, token string) (tokenRow, error) {
	var r tokenRow
	err := sqlx.GetContext(ctx, q, &r, `SELECT `+tokenColumns+`
		FROM invitations i JOIN organizations o ON o.id = i.org_id WHERE i.token_hash = $1`, model.HashToken(token))
	if isNoRows(err) {
		return r, &InvitationRefusal{Reason: RefusedUnknown}
	}
	return r, mapErr(err)
}

// claimInvitation locks the open invitation of a token for the rest of the transaction, or
// says why it is refused. Of two acceptances at once, the second waits here and then finds
// the invitation accepted.
func (s *Store) claimInvitation(ctx context.Context, tx *sqlx.Tx, token string, now time.Time) (tokenRow, error) {
	var r tokenRow
	err := tx.GetContext(ctx, &r, `SELECT `+tokenColumns+`
		FROM invitations i JOIN organizations o ON o.id = i.org_id
		WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $2
		FOR UPDATE OF i`, model.HashToken(token), now)
	if isNoRows(err) {
		// Someone else won, or it was revoked or expired meanwhile: say which.
		cur, err := s.invitationByToken(ctx, tx, token)
		if err != nil {
			return r, err
		}
		if err := cur.refusal(now); err != nil {
			return r, err
		}
		return r, &InvitationRefusal{Reason: RefusedUsed}
	}
	return r, err
}

// invitee is the account an invitation is for, as acceptance needs it.
type invitee struct {
	ID          int64        `db:"id"`
	Login       string       `db:"login_code"`
	Status      model.Status `db:"status"`
	HasPassword bool         `db:"has_password"`
	standIn     bool         // the token is the stand-in link shown to the inviting operator
}

// existing reports whether the account is an existing one, whose owner must prove who they
// are: anything but a new person's invited account (an active account, or a disabled one
// that had a password). A deleted account is refused before this.
func (a invitee) existing() bool {
	return a.Status == model.StatusActive || (a.Status == model.StatusDisabled && a.HasPassword)
}

// inviteeAccount finds the account an invitation is for: its user, or a live account with
// its e-mail. ok=false means a new account is created at acceptance.
func inviteeAccount(ctx context.Context, q sqlx.QueryerContext, r tokenRow, lock bool) (invitee, bool, error) {
	var a invitee
	cond, arg := "id = $1", any(nil)
	if r.UserID != nil {
		arg = *r.UserID
	} else {
		cond, arg = "lower(email) = lower($1) AND status <> 'deleted'", r.Email
	}
	sqlText := `SELECT id, login_code, status, password_hash IS NOT NULL AS has_password FROM users WHERE ` + cond
	if lock {
		sqlText += " FOR UPDATE"
	}
	err := sqlx.GetContext(ctx, q, &a, sqlText, arg)
	if isNoRows(err) {
		return invitee{}, false, nil
	}
	if err != nil {
		return invitee{}, false, err
	}
	return a, true, nil
}

// refusedAccount is the refusal of an invitation whose account cannot be given access: a
// deleted account, or a disabled one that never had a password. (A disabled existing account
// is refused at acceptance like any failed proof, without saying why.)
func refusedAccount(a invitee, ok bool) error {
	if ok && (a.Status == model.StatusDeleted || (a.Status == model.StatusDisabled && !a.HasPassword)) {
		return &InvitationRefusal{Reason: RefusedDisabled}
	}
	return nil
}

// InspectInvitation tells the invitee what an invitation link is for, or why it is refused
// (*InvitationRefusal).
func (s *Store) InspectInvitation(ctx context.Context, token string) (InvitationPreview, error) {
	p, _, err := s.inspect(ctx, token)
	return p, err
}

// inspect is InspectInvitation, with the account the invitation is for (ok=false: none yet).
func (s *Store) inspect(ctx context.Context, token string) (InvitationPreview, invitee, error) {
	r, err := s.invitationByToken(ctx, s.db, token)
	if refusal(err) == RefusedUnknown {
		return s.inspectStandIn(ctx, token)
	}
	if err != nil {
		return InvitationPreview{}, invitee{}, err
	}
	if err := r.refusal(s.now()); err != nil {
		return InvitationPreview{}, invitee{}, err
	}
	a, ok, err := inviteeAccount(ctx, s.db, r, false)
	if err != nil {
		return InvitationPreview{}, invitee{}, mapErr(err)
	}
	if err := refusedAccount(a, ok); err != nil {
		return InvitationPreview{}, invitee{}, err
	}
	p := InvitationPreview{InvitationID: r.ID, OrgSlug: r.OrgSlug, OrgName: r.OrgName, Email: r.Email, Name: r.Name,
		Login: a.Login, ExpiresAt: r.ExpiresAt, ExistingAccount: ok && a.existing()}
	p.NeedsPassword = !p.ExistingAccount
	if err := s.db.SelectContext(ctx, &p.Rights, `SELECT right_code FROM invitation_rights WHERE invitation_id = $1 ORDER BY right_code`, r.ID); err != nil {
		return InvitationPreview{}, invitee{}, mapErr(err)
	}
	if p.Memberships, err = carriedMemberships(ctx, s.db, r.ID); err != nil {
		return InvitationPreview{}, invitee{}, mapErr(err)
	}
	p.Replaces = p.Memberships != nil
	return p, a, nil
}

// inspectStandIn answers for the stand-in link an operator was shown instead of an account's
// real one: as a new person's invitation would, with what that operator was shown.
func (s *Store) inspectStandIn(ctx context.Context, token string) (InvitationPreview, invitee, error) {
	var r struct {
		tokenRow
		ShownLogin string `db:"shown_login"`
	}
	err := s.db.GetContext(ctx, &r, `SELECT `+tokenColumns+`, i.shown_login
		FROM invitations i JOIN organizations o ON o.id = i.org_id WHERE i.shown_token_hash = $1`, model.HashToken(token))
	if isNoRows(err) {
		return InvitationPreview{}, invitee{}, &InvitationRefusal{Reason: RefusedUnknown}
	}
	if err != nil {
		return InvitationPreview{}, invitee{}, mapErr(err)
	}
	if err := r.refusal(s.now()); err != nil {
		return InvitationPreview{}, invitee{}, err
	}
	p := InvitationPreview{InvitationID: r.ID, OrgSlug: r.OrgSlug, OrgName: r.OrgName, Email: r.Email, Name: r.Name,
		Login: r.ShownLogin, ExpiresAt: r.ExpiresAt, NeedsPassword: true}
	if err := s.db.SelectContext(ctx, &p.Rights, `SELECT right_code FROM invitation_rights WHERE invitation_id = $1 ORDER BY right_code`, r.ID); err != nil {
		return InvitationPreview{}, invitee{}, mapErr(err)
	}
	if p.Memberships, err = carriedMemberships(ctx, s.db, r.ID); err != nil {
		return InvitationPreview{}, invitee{}, mapErr(err)
	}
	p.Replaces = p.Memberships != nil
	return p, invitee{standIn: true}, nil
}

func refusal(err error) string {
	var r *InvitationRefusal
	if errors.As(err, &r) {
		return r.Reason
	}
	return ""
}

// orgPasswordPolicy is the installation's password policy with the organization's options.
func orgPasswordPolicy(ctx context.Context, q sqlx.QueryerContext, orgID int64) (model.PasswordPolicy, error) {
	p := model.DefaultPasswordPolicy()
	var raw []byte
	if err := sqlx.GetContext(ctx, q, &raw, `SELECT policy FROM organizations WHERE id = $1`, orgID); err != nil {
		return p, mapErr(err)
	}
	var opt orgPolicy
	if json.Unmarshal(raw, &opt) == nil {
		p.RequireComposition, p.MaxAgeDays = opt.Composition, opt.MaxAgeDays
	}
	return p, nil
}

// AcceptedInvitation reports an accepted invitation.
type AcceptedInvitation struct {
	InvitationID int64
	UserID       int64
	Login        string
	OrgSlug      string
	OrgName      string
	Rights       []string
	NewAccount   bool // the person chose a password and the account became active
	// A replacement's acceptance: the further organizations it gave (slugs), and what became
	// of the account it replaces (ReplacedDeleted, ReplacedKept; "" for a plain invitation).
	AlsoOrgs   []string
	OldAccount string
}

// Acceptance is what the invitee gives when accepting an invitation.
type Acceptance struct {
	Password  string // new person: the chosen password; existing account: its current password
	Confirm   string // new person: the password again (ignored for an existing account)
	TOTP      string // existing account with 2FA: the current code
	IP        netip.Addr
	UserAgent string
}

// AcceptInvitation is the invitee's side. A new person chooses a password (twice; the
// password rules apply: *model.PolicyError) and the account becomes active with exactly the
// invited rights. An existing account (InvitationPreview.ExistingAccount) gets the membership
// and its rights only when its owner proves who they are: its current password, and its TOTP
// code when 2FA is enrolled, checked by the login routine (Authenticate's rules, lockout and
// auth events included): ErrAuthFailed whatever the reason (wrong password or code, locked,
// disabled), ErrTOTPRequired when the password was right and a code is needed; nothing is
// granted then and the link still works. Single use: of two acceptances at once exactly one
// wins. An unknown, used, revoked or expired link is refused with the reason
// (*InvitationRefusal). The audit row names the invitee, never a secret.
func (s *Store) AcceptInvitation(ctx context.Context, token string, a Acceptance) (AcceptedInvitation, error) {
	p, acc, err := s.inspect(ctx, token)
	if err != nil {
		return AcceptedInvitation{}, err
	}
	if p.ExistingAccount {
		return s.acceptAsOwner(ctx, token, acc, a)
	}
	var orgID int64
	if err := s.db.GetContext(ctx, &orgID, `SELECT org_id FROM invitations WHERE id = $1`, p.InvitationID); err != nil {
		return AcceptedInvitation{}, mapErr(err)
	}
	policy, err := orgPasswordPolicy(ctx, s.db, orgID)
	if err != nil {
		return AcceptedInvitation{}, err
	}
	pctx := model.PasswordContext{Login: p.Login, Email: p.Email, Name: p.Name, OrgNames: []string{p.OrgName}}
	if err := policy.Validate(a.Password, a.Confirm, pctx); err != nil {
		return AcceptedInvitation{}, err
	}
	hash, err := HashPassword(ctx, model.NormalizePassword(a.Password))
	if err != nil {
		return AcceptedInvitation{}, err
	}
	if acc.standIn {
		// The link grants nothing; the real one went to the account's own address.
		err := s.tx(ctx, func(tx *sqlx.Tx) error {
			return auditIn(ctx, tx, model.Operator{Name: "gatehouse"}, "invitation.stand_in_used", nil, nil, []int64{},
				model.AuditDetail{"invitation": p.InvitationID})
		})
		if err != nil {
			return AcceptedInvitation{}, err
		}
		return AcceptedInvitation{}, &InvitationRefusal{Reason: RefusedUnknown}
	}
	var res AcceptedInvitation
	err = s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.now()
		r, err := s.claimInvitation(ctx, tx, token, now)
		if err != nil {
			return err
		}
		acc, ok, err := inviteeAccount(ctx, tx, r, true)
		if err != nil {
			return err
		}
		if err := refusedAccount(acc, ok); err != nil {
			return err
		}
		if ok && acc.existing() {
			// It was a new person's when inspected, and is an existing account now (the person
			// accepted another invitation meanwhile): its password is needed from now on.
			return &DBError{Kind: ErrConflict, Detail: "the invited account changed meanwhile; try again"}
		}
		if !ok {
			acc.Login = model.NewLoginCode(r.OrgSlug)
			if err := tx.GetContext(ctx, &acc.ID, `INSERT INTO users (login_code, email, name, status, created_at, updated_at)
				VALUES ($1, $2, $3, 'invited', $4, $4) RETURNING id`, acc.Login, r.Email, r.Name, now); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET status = 'active', password_hash = $2, password_changed_at = $3,
			must_change_password = false, password_expires_at = NULL, version = version + 1, updated_at = $3 WHERE id = $1`,
			acc.ID, hash, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO password_history (user_id, hash, created_at) VALUES ($1, $2, $3)`, acc.ID, hash, now); err != nil {
			return err
		}
		if err := authEvent(ctx, tx, now, &acc.ID, acc.Login, "password_changed", "", netip.Addr{}, "gatehouse:accept"); err != nil {
			return err
		}
		res, err = s.grantInvitation(ctx, tx, r, acc, true, now)
		return err
	})
	if err != nil {
		return AcceptedInvitation{}, err
	}
	return res, nil
}

// acceptAsOwner accepts an invitation for an existing account once its owner has proved who
// they are, through the same steps as a login: the password verified before any lock, then,
// with the invitation and the account locked, the rules decided on the row as stored now. A
// failed proof is recorded (auth event, failure counter, lock) and grants nothing; a success
// resets the counter as a login does (and remembers the TOTP step, so a code works once), but
// opens no session.
func (s *Store) acceptAsOwner(ctx context.Context, token string, acc invitee, a Acceptance) (AcceptedInvitation, error) {
	pol, err := s.lockoutPolicy(ctx, s.db)
	if err != nil {
		return AcceptedInvitation{}, err
	}
	req := AuthRequest{Password: a.Password, TOTP: a.TOTP, IP: a.IP.Unmap(), UserAgent: cleanText(a.UserAgent, 512)}
	for try := 0; ; try++ {
		var row authRow
		if err := s.db.GetContext(ctx, &row, `SELECT `+authColumns+` FROM users WHERE id = $1`, acc.ID); err != nil {
			return AcceptedInvitation{}, mapErr(err)
		}
		v, err := s.verify(ctx, row, a.Password)
		if err != nil {
			return AcceptedInvitation{}, err
		}
		var res AcceptedInvitation
		var public error
		err = s.tx(ctx, func(tx *sqlx.Tx) error {
			res, public = AcceptedInvitation{}, nil
			r, err := s.claimInvitation(ctx, tx, token, s.now())
			if err != nil {
				return err
			}
			cur, ok, err := inviteeAccount(ctx, tx, r, true)
			if err != nil {
				return err
			}
			if !ok || cur.ID != acc.ID {
				return &DBError{Kind: ErrConflict, Detail: "the invited account changed meanwhile; try again"}
			}
			if err := refusedAccount(cur, ok); err != nil {
				return err
			}
			row, o, now, err := s.attempt(ctx, tx, cur.ID, cur.Login, v, req, pol)
			if err != nil {
				return err
			}
			if o.reason != "" {
				public = o.publicEr // recorded; the invitation stays open
				return nil
			}
			var newHash any
			if v.newHash != "" {
				newHash = v.newHash
			}
			if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_attempts = 0, first_failed_at = NULL, lock_count = 0,
				totp_last_step = coalesce($2, totp_last_step), password_hash = coalesce($3, password_hash) WHERE id = $1`,
				row.ID, o.totpStep, newHash); err != nil {
				return err
			}
			if err := authEvent(ctx, tx, now, &row.ID, row.Login, "login_success", "", req.IP, req.UserAgent); err != nil {
				return err
			}
			res, err = s.grantInvitation(ctx, tx, r, cur, false, now)
			return err
		})
		if errors.Is(err, errHashChanged) && try < 3 {
			continue
		}
		if err != nil {
			return AcceptedInvitation{}, err
		}
		if public != nil {
			return AcceptedInvitation{}, public
		}
		return res, nil
	}
}

// grantInvitation closes the claimed invitation as accepted and gives its account the
// membership and the invited rights, with the audit row, inside the caller's transaction.
func (s *Store) grantInvitation(ctx context.Context, tx *sqlx.Tx, r tokenRow, acc invitee, newAccount bool, now time.Time) (AcceptedInvitation, error) {
	if !newAccount {
		if err := bumpVersion(ctx, tx, now, acc.ID); err != nil {
			return AcceptedInvitation{}, err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE invitations SET accepted_at = $2, user_id = $3 WHERE id = $1`, r.ID, now, acc.ID); err != nil {
		return AcceptedInvitation{}, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO memberships (user_id, org_id, created_at) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, acc.ID, r.OrgID, now); err != nil {
		return AcceptedInvitation{}, err
	}
	var added []string
	if err := tx.SelectContext(ctx, &added, `INSERT INTO membership_rights (user_id, org_id, right_code)
		SELECT $1, $2, right_code FROM invitation_rights WHERE invitation_id = $3
		ON CONFLICT DO NOTHING RETURNING right_code`, acc.ID, r.OrgID, r.ID); err != nil {
		return AcceptedInvitation{}, err
	}
	sort.Strings(added)
	var rights []string
	if err := tx.SelectContext(ctx, &rights, `SELECT right_code FROM invitation_rights WHERE invitation_id = $1 ORDER BY right_code`, r.ID); err != nil {
		return AcceptedInvitation{}, err
	}
	howWord := "password_proven"
	if newAccount {
		howWord = "password_chosen"
	}
	invitee := model.Operator{Name: "invitee:" + acc.Login}
	if err := audit(ctx, tx, invitee, "invitation.accept", &acc.ID, &r.OrgID,
		model.AuditDetail{"login": acc.Login, "invitation": r.ID, "org": r.OrgSlug, "how": howWord, "rights": strings.Join(added, ", ")}); err != nil {
		return AcceptedInvitation{}, err
	}
	oldAccount, also, err := s.acceptReplacement(ctx, tx, r, acc, now)
	if err != nil {
		return AcceptedInvitation{}, err
	}
	return AcceptedInvitation{InvitationID: r.ID, UserID: acc.ID, Login: acc.Login, OrgSlug: r.OrgSlug, OrgName: r.OrgName,
		Rights: rights, NewAccount: newAccount, AlsoOrgs: also, OldAccount: oldAccount}, nil
}
