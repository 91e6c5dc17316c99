package store

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/jmoiron/sqlx"

	"gatehouse/model"
	"gatehouse/model/i18n"
)

// The rights catalog: seeded by the first migration, edited by support from the CLI.

var rightCode = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,63}$`)

// RightUse counts where a right is in use.
type RightUse struct {
	Memberships     int64 // users holding it in an organization
	OpenInvitations int64 // pending (or expired, unclosed) invitations granting it
	Operators       int64 // admins allowed to grant it
}

// InUse reports whether anything refers to the right.
func (u RightUse) InUse() bool { return u.Memberships+u.OpenInvitations+u.Operators > 0 }

func canEditCatalog(op model.Operator) bool { return op.Role == model.RoleSupport }

// AddRight adds a right to the catalog (support only; ErrDuplicate if the code exists).
func (s *Store) AddRight(ctx context.Context, op model.Operator, r model.Right) error {
	if err := writable(op); err != nil {
		return err
	}
	if !canEditCatalog(op) {
		return ErrForbidden
	}
	r.Code = strings.TrimSpace(r.Code)
	r.Label = strings.TrimSpace(r.Label)
	r.Description = strings.TrimSpace(r.Description)
	r.LabelFR, r.DescriptionFR = strings.TrimSpace(r.LabelFR), strings.TrimSpace(r.DescriptionFR)
	if !rightCode.MatchString(r.Code) {
		return &DBError{Kind: ErrInvalid, Detail: "a right code is lower case letters, digits and . _ - (e.g. billing.view), starting with a letter"}
	}
	if err := model.ValidateName(r.Label); err != nil {
		return &DBError{Kind: ErrInvalid, Detail: "label: " + err.Error()}
	}
	if err := validRightText(r.LabelFR, r.DescriptionFR, "French "); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO rights (code, label, description, label_fr, description_fr)
			VALUES ($1, $2, $3, NULLIF($4, ''), NULLIF($5, ''))`,
			r.Code, r.Label, r.Description, r.LabelFR, r.DescriptionFR); err != nil {
			return err
		}
		return audit(ctx, tx, op, "right.add", nil, nil, model.AuditDetail{"right": r.Code, "label": r.Label})
	})
}

// validRightText checks a label ("" allowed: none in that language) and a description.
func validRightText(label, description, which string) error {
	if label != "" {
		if err := model.ValidateName(label); err != nil {
			return &DBError{Kind: ErrInvalid, Detail: which + "label: " + err.Error()}
		}
	}
	if len([]rune(description)) > 2000 || strings.ContainsFunc(description, unicode.IsControl) {
		return &DBError{Kind: ErrInvalid, Detail: which + "description: at most 2000 characters, without control characters"}
	}
	return nil
}

// RightText is a right's texts in one language; a nil field is left as it is.
type RightText struct {
	Label, Description *string
}

// SetRightText changes a right's label or description in one language (support only). In
// English the label is required; in French an empty label or description removes the French
// text (the English one is then shown). ErrNotFound for an unknown code. Audited.
func (s *Store) SetRightText(ctx context.Context, op model.Operator, code string, lang i18n.Lang, t RightText) error {
	if err := writable(op); err != nil {
		return err
	}
	if !canEditCatalog(op) {
		return ErrForbidden
	}
	label, desc := "", ""
	if t.Label != nil {
		label = strings.TrimSpace(*t.Label)
		if label == "" && lang == i18n.EN {
			return &DBError{Kind: ErrInvalid, Detail: "label: the English label is required"}
		}
	}
	if t.Description != nil {
		desc = strings.TrimSpace(*t.Description)
	}
	if err := validRightText(label, desc, ""); err != nil {
		return err
	}
	labelCol, descCol := "label", "description"
	if lang == i18n.FR {
		labelCol, descCol = "label_fr", "description_fr"
	}
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		var found string
		if err := tx.GetContext(ctx, &found, `SELECT code FROM rights WHERE code = $1 FOR UPDATE`, code); err != nil {
			return err
		}
		var changed []model.AuditDetail
		if t.Label != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE rights SET `+labelCol+` = `+nullIfEmpty(lang)+` WHERE code = $1`, code, label); err != nil {
				return err
			}
			changed = append(changed, rightTextPart("label", label))
		}
		if t.Description != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE rights SET `+descCol+` = `+nullIfEmpty(lang)+` WHERE code = $1`, code, desc); err != nil {
				return err
			}
			changed = append(changed, rightTextPart("description", desc))
		}
		if len(changed) == 0 {
			return nil
		}
		return audit(ctx, tx, op, "right.set", nil, nil, model.AuditDetail{"right": code, "lang": string(lang), "changes": changed})
	})
}

// rightTextPart is the audit row's part for a right's text set (or removed, when empty).
func rightTextPart(which, text string) model.AuditDetail {
	if text == "" {
		return model.AuditDetail{"part": which + "_cleared"}
	}
	return model.AuditDetail{"part": which, "text": text}
}

// nullIfEmpty is the SQL of the new text ($2): a French text left empty is none (NULL); an
// English one is stored as given.
func nullIfEmpty(lang i18n.Lang) string {
	if lang == i18n.FR {
		return `NULLIF($2, '')`
	}
	return `$2`
}

func rightUse(ctx context.Context, q sqlx.QueryerContext, code string) (RightUse, error) {
	var u RightUse
	err := sqlx.GetContext(ctx, q, &u, `SELECT
		(SELECT count(*) FROM membership_rights WHERE right_code = $1) AS memberships,
		(SELECT count(*) FROM invitation_rights r JOIN invitations i ON i.id = r.invitation_id
		  WHERE r.right_code = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL) AS openinvitations,
		(SELECT count(*) FROM operator_rights WHERE right_code = $1) AS operators`, code)
	return u, err
}

// RightUsage tells where a right is in use.
func (s *Store) RightUsage(ctx context.Context, code string) (RightUse, error) {
	u, err := rightUse(ctx, s.read, code)
	return u, mapErr(err)
}

// RemoveRight removes a right from the catalog (support only). A right in use is refused
// (ErrConflict, with where it is used) unless force is set: then it is also taken away from
// every membership, every invitation and every admin that held it, in the same transaction.
func (s *Store) RemoveRight(ctx context.Context, op model.Operator, code string, force bool) (RightUse, error) {
	if err := writable(op); err != nil {
		return RightUse{}, err
	}
	if !canEditCatalog(op) {
		return RightUse{}, ErrForbidden
	}
	var use RightUse
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		var found string
		if err := tx.GetContext(ctx, &found, `SELECT code FROM rights WHERE code = $1 FOR UPDATE`, code); err != nil {
			return err
		}
		var err error
		if use, err = rightUse(ctx, tx, code); err != nil {
			return err
		}
		if use.InUse() && !force {
			return &DBError{Kind: ErrConflict, Detail: fmt.Sprintf("right %s is in use (%d membership(s), %d open invitation(s), %d operator(s)); use --force to take it away from them",
				code, use.Memberships, use.OpenInvitations, use.Operators)}
		}
		for _, q := range []string{
			`DELETE FROM membership_rights WHERE right_code = $1`,
			`DELETE FROM invitation_rights WHERE right_code = $1`,
			`DELETE FROM operator_rights WHERE right_code = $1`,
			`DELETE FROM rights WHERE code = $1`,
		} {
			if _, err := tx.ExecContext(ctx, q, code); err != nil {
				return err
			}
		}
		return audit(ctx, tx, op, "right.remove", nil, nil, model.AuditDetail{"right": code,
			"memberships": use.Memberships, "invitations": use.OpenInvitations, "operators": use.Operators})
	})
	return use, err
}

// GrantableRights returns the catalog entries the operator may grant (the invite wizard's list).
func (s *Store) GrantableRights(ctx context.Context, op model.Operator) ([]model.Right, error) {
	all, err := s.ListRights(ctx)
	if err != nil {
		return nil, err
	}
	out := []model.Right{}
	for _, r := range all {
		if op.CanGrant(r.Code) {
			out = append(out, r)
		}
	}
	return out, nil
}
