package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"gatehouse/model"
	"gatehouse/model/i18n"
)

// Replacing an identifier. A person whose e-mail changed cannot keep it as their identifier:
// they get a new account, invited at the new e-mail, and the old one is deleted. The
// replacement is one invitation that carries the old account's memberships and the rights it
// holds in each, as far as the operator may give them: rights the operator may not grant are
// left out, and the operator is shown which before anything is sent (PlanReplacement). When
// the invitation is accepted (AcceptInvitation, whose rules apply unchanged: an existing
// account's owner proves who they are), the memberships are granted and the old account is
// deleted in the same transaction, as DeleteUser deletes (soft delete, secrets dropped,
// sessions ended), with its audit row.
//
// The old account must be wholly the operator's: deleting it needs every organization it
// belongs to in the operator's scope, as DeleteUser does. An admin is refused the replacement
// of an account that also belongs to an organization outside their organizations
// (ErrSharedAccount, the same refusal as disabling or deleting it): support replaces such an
// account, carrying every membership. If the old account joins another organization between
// the invitation and its acceptance, acceptance still grants what the invitation carries but
// keeps the old account (deleting it would cut the organization the replacement does not
// carry), and says so in the audit.

// Why a right of the old account is left out of a replacement.
const (
	LeftOutNotGrantable = "not_grantable" // the operator may not grant this right
)

// LeftOutRight is a right the old account holds that the replacement does not carry.
type LeftOutRight struct {
	OrgID   int64  `json:"org_id"`
	OrgSlug string `json:"org_slug"`
	OrgName string `json:"org_name"`
	Right   string `json:"right"`
	Reason  string `json:"reason"` // LeftOutNotGrantable
}

// Replacement is what replacing an account carries: each of its memberships with the rights
// carried there (the rights the operator may grant, of those it holds), and the rights left
// out. Old is the account as the operator reads it (its Version is what ReplaceIdentifier
// takes).
type Replacement struct {
	Old     model.User         `json:"-"`
	Carried []model.Membership `json:"carried"`
	LeftOut []LeftOutRight     `json:"left_out"`
}

// ReplaceRequest is the new identifier: the new e-mail and the name (empty: the old
// account's). TTL 0 is the installation's invitation lifetime.
type ReplaceRequest struct {
	Email string
	Name  string
	TTL   time.Duration
}

// ReplacementSent reports a replacement invitation created: what it carries, the invitation
// as the operator may read it, and a new person's acceptance link, shown once ("" when the
// new e-mail belongs to an existing account: its link goes only to that address).
type ReplacementSent struct {
	Replacement
	Invitation Invitation `json:"invitation"`
	Link       string     `json:"link,omitempty"`
}

// Outcomes for the old account when a replacement is accepted.
const (
	ReplacedDeleted = "deleted" // the old account was deleted
	ReplacedKept    = "kept"    // the old account was kept (it was deleted already, or belongs now to an organization not carried)
)

// OpenReplacementError refuses a second replacement of an account while one is open.
type OpenReplacementError struct{ InvitationID int64 }

func (e *OpenReplacementError) Error() string {
	return fmt.Sprintf("%v: a replacement of this account is already open (invitation #%d): revoke it first", ErrDuplicate, e.InvitationID)
}

func (e *OpenReplacementError) Unwrap() error { return ErrDuplicate }

// ErrNothingToCarry refuses the replacement of an account that belongs to no organization.
var ErrNothingToCarry = errors.New("this account belongs to no organization: invite the person instead")

// mayReplace refuses a session or a role that may not replace an identifier.
func mayReplace(op model.Operator) error {
	if err := mayWrite(op); err != nil {
		return err
	}
	if !op.Allows(model.ActionReplaceIdentifier) {
		return ErrForbidden
	}
	return nil
}

// PlanReplacement tells the operator what replacing the account would carry and what it would
// leave out, before anything is sent. The refusals are ReplaceIdentifier's (a deleted account
// or one outside the scope: ErrNotFound; an account shared with an organization outside an
// admin's: ErrSharedAccount; no membership: ErrNothingToCarry; a replacement already open:
// *OpenReplacementError).
func (s *Store) PlanReplacement(ctx context.Context, op model.Operator, userID int64) (Replacement, error) {
	if err := mayReplace(op); err != nil {
		return Replacement{}, err
	}
	u, err := s.getUser(ctx, s.db, op, userID)
	if err != nil {
		return Replacement{}, err
	}
	if u.Status == model.StatusDeleted {
		return Replacement{}, ErrNotFound
	}
	return s.planReplacement(ctx, s.db, op, u)
}

// planReplacement splits the memberships of u (read by the operator) into what is carried and
// what is left out.
func (s *Store) planReplacement(ctx context.Context, q sqlx.QueryerContext, op model.Operator, u model.User) (Replacement, error) {
	if err := wholeAccount(ctx, q, op, u.ID); err != nil {
		return Replacement{}, err
	}
	ms, err := s.memberships(ctx, q, op, u.ID)
	if err != nil {
		return Replacement{}, err
	}
	if len(ms) == 0 {
		return Replacement{}, fmt.Errorf("%w: %w", ErrInvalid, ErrNothingToCarry)
	}
	var open int64
	err = sqlx.GetContext(ctx, q, &open, `SELECT id FROM invitations WHERE replaces_user_id = $1
		AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2 ORDER BY id LIMIT 1`, u.ID, s.now())
	switch {
	case err == nil:
		return Replacement{}, &OpenReplacementError{InvitationID: open}
	case !isNoRows(err):
		return Replacement{}, mapErr(err)
	}
	r := Replacement{Old: u, Carried: []model.Membership{}, LeftOut: []LeftOutRight{}}
	u.Memberships = ms
	r.Old = u
	for _, m := range ms {
		c := model.Membership{OrgID: m.OrgID, OrgSlug: m.OrgSlug, OrgName: m.OrgName, Rights: []string{}}
		for _, right := range m.Rights {
			if op.CanGrant(right) {
				c.Rights = append(c.Rights, right)
			} else {
				r.LeftOut = append(r.LeftOut, LeftOutRight{OrgID: m.OrgID, OrgSlug: m.OrgSlug, OrgName: m.OrgName,
					Right: right, Reason: LeftOutNotGrantable})
			}
		}
		r.Carried = append(r.Carried, c)
	}
	return r, nil
}

// primaryOrg is the organization the replacement invitation is filed under (its Invitations
// row, its e-mail's subject): the first carried organization, by slug, that carries a right.
func (r Replacement) primaryOrg() model.Membership {
	for _, m := range r.Carried {
		if len(m.Rights) > 0 {
			return m
		}
	}
	return r.Carried[0]
}

// replacementRows is what createInvitation records of a replacement with the invitation.
type replacementRows struct {
	oldID   int64
	carried []model.Membership
}

// ReplaceIdentifier invites the person at a new e-mail with the memberships and rights of
// their account userID (as read at version), carrying only what the operator may grant
// (the answer says what was left out), and records that accepting the invitation deletes that
// account. The invitation, its e-mail and the audit rows are written in one transaction.
//
// Refusals: a read-only session or an oncall operator → ErrReadOnly, ErrForbidden; the account
// outside the scope or deleted → ErrNotFound; a stale version → *ConflictError; an account an
// admin does not wholly hold → ErrSharedAccount; no membership → ErrNothingToCarry; a
// replacement of the account already open → *OpenReplacementError; a bad e-mail or name, or
// the account's own e-mail → ErrInvalid; the e-mail of an account the operator can see →
// *AccountExistsError; and CreateInvitation's refusals. The new e-mail of an account the
// operator cannot see is answered as a new person's, as CreateInvitation answers it.
func (s *Store) ReplaceIdentifier(ctx context.Context, op model.Operator, userID int64, version int, r ReplaceRequest) (ReplacementSent, error) {
	if err := mayReplace(op); err != nil {
		return ReplacementSent{}, err
	}
	email := model.NormalizeEmail(r.Email)
	if err := model.ValidateEmail(email); err != nil {
		return ReplacementSent{}, &DBError{Kind: ErrInvalid, Detail: "e-mail: " + err.Error()}
	}
	name := strings.TrimSpace(r.Name)
	if name != "" {
		if err := model.ValidateName(name); err != nil {
			return ReplacementSent{}, &DBError{Kind: ErrInvalid, Detail: "name: " + err.Error()}
		}
	}
	var out ReplacementSent
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		old, err := s.editableUser(ctx, tx, op, userID, version, nil)
		if err != nil {
			return err
		}
		if strings.EqualFold(email, old.Email) {
			return &DBError{Kind: ErrInvalid, Detail: "the new e-mail is this account's own: give the person's new address"}
		}
		if name == "" {
			name = old.Name
		}
		plan, err := s.planReplacement(ctx, tx, op, old)
		if err != nil {
			return err
		}
		primary := plan.primaryOrg()
		n := NewInvitation{OrgID: primary.OrgID, Name: name, Email: email, TTL: r.TTL, Lang: old.Lang}
		inv, link, err := s.createInvitation(ctx, tx, op, n, primary.Rights, &replacementRows{oldID: old.ID, carried: plan.Carried})
		if err != nil {
			return err
		}
		carried, left := []model.AuditDetail{}, []model.AuditDetail{}
		for _, m := range plan.Carried {
			carried = append(carried, model.AuditDetail{"part": "carried", "org": m.OrgSlug, "rights": strings.Join(m.Rights, ", ")})
		}
		for _, l := range plan.LeftOut {
			left = append(left, model.AuditDetail{"part": "left_out", "org": l.OrgSlug, "right": l.Right})
		}
		if err := audit(ctx, tx, op, "user.replace", &old.ID, nil, model.AuditDetail{"login": old.Login, "email": old.Email,
			"new_email": email, "invitation": inv.ID, "carried": carried, "left": left}); err != nil {
			return err
		}
		out = ReplacementSent{Replacement: plan, Invitation: inv, Link: link}
		return nil
	})
	if err != nil {
		var de *DBError
		if errors.As(err, &de) && de.Constraint == "invitations_open_key" {
			return ReplacementSent{}, duplicateInvitation()
		}
		return ReplacementSent{}, err
	}
	return out, nil
}

// recordReplacement writes, with a new invitation, the account it replaces and the memberships
// and rights it carries.
func recordReplacement(ctx context.Context, tx *sqlx.Tx, invID int64, rep *replacementRows) error {
	if _, err := tx.ExecContext(ctx, `UPDATE invitations SET replaces_user_id = $2 WHERE id = $1`, invID, rep.oldID); err != nil {
		return err
	}
	for _, m := range rep.carried {
		if _, err := tx.ExecContext(ctx, `INSERT INTO invitation_memberships (invitation_id, org_id) VALUES ($1, $2)`, invID, m.OrgID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO invitation_membership_rights (invitation_id, org_id, right_code)
			SELECT $1, $2, unnest($3::text[])`, invID, m.OrgID, stringArray(m.Rights)); err != nil {
			return err
		}
	}
	return nil
}

// carriedMemberships reads the memberships a replacement invitation carries (nil for a plain
// invitation), with the organizations' names.
func carriedMemberships(ctx context.Context, q sqlx.QueryerContext, invID int64) ([]model.Membership, error) {
	rows, err := q.QueryxContext(ctx, `SELECT o.id, o.slug, o.name,
		array(SELECT r.right_code FROM invitation_membership_rights r
			WHERE r.invitation_id = m.invitation_id AND r.org_id = m.org_id ORDER BY r.right_code)
		FROM invitation_memberships m JOIN organizations o ON o.id = m.org_id
		WHERE m.invitation_id = $1 ORDER BY o.slug`, invID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.Membership
	for rows.Next() {
		var m model.Membership
		var rights pq.StringArray
		if err := rows.Scan(&m.OrgID, &m.OrgSlug, &m.OrgName, &rights); err != nil {
			return nil, err
		}
		m.Rights = []string(rights)
		out = append(out, m)
	}
	return out, rows.Err()
}

// replacementMailRights is the rights line of a replacement's e-mail in lang: each carried
// organization with the labels of its rights.
func replacementMailRights(ctx context.Context, tx *sqlx.Tx, lang i18n.Lang, carried []model.Membership) (string, error) {
	parts := make([]string, 0, len(carried))
	for _, m := range carried {
		labels := i18n.T(lang, "mail.replace.norights")
		if len(m.Rights) > 0 {
			l, err := rightLabels(ctx, tx, m.Rights)
			if err != nil {
				return "", err
			}
			labels = l.in(lang)
		}
		parts = append(parts, i18n.T(lang, "mail.replace.org", m.OrgName, labels))
	}
	sep := "; "
	if lang == i18n.FR {
		sep = "\u00a0; " // French typography: a no-break space before a semicolon
	}
	return strings.Join(parts, sep), nil
}

// checkReplacementGrant refuses the operator an open replacement invitation (resend, revoke,
// extend) unless every organization it carries is theirs and every right one they may grant.
func checkReplacementGrant(op model.Operator, carried []model.Membership) error {
	for _, m := range carried {
		if !op.InScope(m.OrgID) {
			return &DBError{Kind: ErrForbidden, Detail: "this replacement carries an organization outside yours"}
		}
		for _, r := range m.Rights {
			if !op.CanGrant(r) {
				return &DBError{Kind: ErrForbidden, Detail: "you may not grant the right " + r}
			}
		}
	}
	return nil
}

// acceptReplacement finishes the acceptance of invitation r by account acc when it replaces
// an older account, inside the acceptance's transaction: every carried membership and its
// rights are granted (rights taken out of the catalog since are skipped), then the old
// account is deleted, with its audit row — unless it is deleted already, is the accepting
// account itself, or belongs now to an organization the replacement does not carry (it is
// kept then, and the audit says why). It returns the old account's outcome ("" for a plain
// invitation) and the organizations granted beyond the invitation's own.
func (s *Store) acceptReplacement(ctx context.Context, tx *sqlx.Tx, r tokenRow, acc invitee, now time.Time) (string, []string, error) {
	var oldID *int64
	if err := tx.GetContext(ctx, &oldID, `SELECT replaces_user_id FROM invitations WHERE id = $1`, r.ID); err != nil {
		return "", nil, err
	}
	if oldID == nil {
		return "", nil, nil
	}
	carried, err := carriedMemberships(ctx, tx, r.ID)
	if err != nil {
		return "", nil, err
	}
	var added []string
	for _, m := range carried {
		res, err := tx.ExecContext(ctx, `INSERT INTO memberships (user_id, org_id, created_at) VALUES ($1, $2, $3)
			ON CONFLICT DO NOTHING`, acc.ID, m.OrgID, now)
		if err != nil {
			return "", nil, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO membership_rights (user_id, org_id, right_code)
			SELECT $1, $2, c.code FROM rights c WHERE c.code = ANY($3) ON CONFLICT DO NOTHING`,
			acc.ID, m.OrgID, stringArray(m.Rights)); err != nil {
			return "", nil, err
		}
		if n, _ := res.RowsAffected(); n > 0 && m.OrgID != r.OrgID {
			added = append(added, m.OrgSlug)
		}
	}
	old, err := s.userForUpdate(ctx, tx, supportScope, *oldID)
	if err != nil {
		return "", nil, err
	}
	invitee := model.Operator{Name: "invitee:" + acc.Login}
	keep := func(why model.AuditDetail) (string, []string, error) {
		return ReplacedKept, added, audit(ctx, tx, invitee, "user.replace_kept", &old.ID, nil,
			model.AuditDetail{"login": old.Login, "invitation": r.ID, "by": acc.Login, "why": why})
	}
	switch {
	case old.Status == model.StatusDeleted:
		return keep(model.AuditDetail{"part": "kept_deleted"})
	case old.ID == acc.ID:
		return keep(model.AuditDetail{"part": "kept_accepting"})
	}
	var outside []string
	if err := tx.SelectContext(ctx, &outside, `SELECT o.slug FROM memberships m JOIN organizations o ON o.id = m.org_id
		WHERE m.user_id = $1 AND NOT EXISTS (SELECT 1 FROM invitation_memberships c WHERE c.invitation_id = $2 AND c.org_id = m.org_id)
		ORDER BY o.slug`, old.ID, r.ID); err != nil {
		return "", nil, err
	}
	if len(outside) > 0 {
		return keep(model.AuditDetail{"part": "kept_outside", "orgs": len(outside)})
	}
	n, err := softDelete(ctx, tx, now, old.ID)
	if err != nil {
		return "", nil, err
	}
	return ReplacedDeleted, added, audit(ctx, tx, invitee, "user.delete", &old.ID, nil, model.AuditDetail{
		"login": old.Login, "email": old.Email, "was": string(old.Status), "sessions": n, "by": acc.Login,
		"invitation": r.ID, model.AuditVariant: "replaced"})
}
