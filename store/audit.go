package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"gatehouse/model"
	"gatehouse/model/i18n"
)

// audit appends one audit row inside the caller's transaction. The database computes the
// hash chain (trigger audit_chain). d is the row's structured part, from which a reader sees
// it in their language; its summary, the English record, is the action's English text
// rendered from d (model.AuditText). An action without a text, or a detail lacking one of its
// arguments, is refused (the transaction rolls back): every row reads in every language. The
// detail must never hold a secret. A read-only operator's change is refused here too. The row
// belongs to its target organization, or else to its target user's organizations as they are
// now (within the acting admin's scope: an admin acts in their organizations only).
func audit(ctx context.Context, tx *sqlx.Tx, op model.Operator, action string, userID, orgID *int64, d model.AuditDetail) error {
	return auditIn(ctx, tx, op, action, userID, orgID, nil, d)
}

// auditIn is audit with the row's organizations given (orgIDs non-nil; empty: a row only
// support and oncall read).
func auditIn(ctx context.Context, tx *sqlx.Tx, op model.Operator, action string, userID, orgID *int64, orgIDs []int64, d model.AuditDetail) error {
	if err := writable(op); err != nil {
		return err
	}
	summary, ok := model.AuditText(i18n.EN, action, d)
	if !ok {
		return fmt.Errorf("audit %s: no text for this action and detail (model.AuditText)", action)
	}
	raw, err := json.Marshal(d)
	if err != nil {
		return err
	}
	var given, scope any
	if orgIDs != nil {
		given = int64Array(orgIDs)
	}
	if op.Role == model.RoleAdmin {
		scope = int64Array(op.OrgIDs)
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO audit_entries (operator_id, operator_name, action, target_user_id, target_org_id, summary, prev_hash, hash, org_ids, detail)
		VALUES ($1, $2, $3, $4, $5, $6, '\x', '\x', coalesce($7::bigint[],
			CASE WHEN $5::bigint IS NOT NULL THEN ARRAY[$5::bigint]
			ELSE coalesce((SELECT array_agg(m.org_id ORDER BY m.org_id) FROM memberships m
				WHERE m.user_id = $4::bigint AND ($8::bigint[] IS NULL OR m.org_id = ANY($8::bigint[]))), '{}') END), $9::jsonb)`,
		nullID(op.ID), op.Name, action, userID, orgID, summary, given, scope, string(raw))
	return err
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// AuditQuery filters the audit log; zero values mean "any".
type AuditQuery struct {
	Operator string
	UserID   int64
	Action   string // prefix, e.g. "user." or "user.unlock"
	Since    time.Time
	Until    time.Time
	BeforeID int64 // keyset: rows with id < BeforeID
	Limit    int
}

// ListAudit returns audit rows, newest first. Support and oncall see everything. An admin
// sees the rows they wrote and those written in their organizations alone (org_ids): a row
// about a user who also belongs to another organization, written by that organization's
// operators or by support, stays out of their sight. The target user's id and login code are
// given to an admin only for a member of their organizations.
func (s *Store) ListAudit(ctx context.Context, op model.Operator, q AuditQuery) ([]model.AuditEntry, error) {
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 100
	}
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + itoa(len(args)) }
	if q.Operator != "" {
		where = append(where, "a.operator_name = "+arg(q.Operator))
	}
	if q.UserID != 0 {
		where = append(where, "a.target_user_id = "+arg(q.UserID))
	}
	if q.Action != "" {
		where = append(where, "a.action LIKE "+arg(escapeLike(q.Action)+"%"))
	}
	if !q.Since.IsZero() {
		where = append(where, "a.at >= "+arg(q.Since))
	}
	if !q.Until.IsZero() {
		where = append(where, "a.at < "+arg(q.Until))
	}
	if q.BeforeID != 0 {
		where = append(where, "a.id < "+arg(q.BeforeID))
	}
	target, login := "a.target_user_id", "(SELECT u.login_code FROM users u WHERE u.id = a.target_user_id)"
	if !op.AllOrgs() {
		orgs := arg(int64Array(op.OrgIDs))
		where = append(where, "(a.operator_id = "+arg(op.ID)+" OR (a.org_ids IS NOT NULL AND cardinality(a.org_ids) > 0 AND a.org_ids <@ "+orgs+
			") OR (a.org_ids IS NULL AND a.target_org_id = ANY("+orgs+")))")
		member := "EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = a.target_user_id AND m.org_id = ANY(" + orgs + "))"
		target = "CASE WHEN " + member + " THEN a.target_user_id END"
		login = "CASE WHEN " + member + " THEN " + login + " END"
	}
	sql := `SELECT a.id, a.at, a.operator_name, a.action, ` + target + `, a.target_org_id, a.summary, a.detail,
		coalesce(` + login + `, '') AS target_login,
		coalesce((SELECT o.slug FROM organizations o WHERE o.id = a.target_org_id), '') AS target_org
		FROM audit_entries a`
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	sql += " ORDER BY a.id DESC LIMIT " + itoa(q.Limit)
	// A walk of the log from its newest row, whatever the values: prepared. An action's prefix
	// and a time window choose the plan by their values (an index of their own, or the walk).
	reader := sqlx.QueryerContext(s.prepared())
	if q.Action != "" || !q.Since.IsZero() || !q.Until.IsZero() {
		reader = s.read
	}
	rows, err := reader.QueryxContext(ctx, sql, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []model.AuditEntry
	for rows.Next() {
		var e model.AuditEntry
		var detail []byte
		if err := rows.Scan(&e.ID, &e.At, &e.OperatorName, &e.Action, &e.TargetUserID, &e.TargetOrgID, &e.Summary, &detail, &e.TargetLogin, &e.TargetOrg); err != nil {
			return nil, err
		}
		if len(detail) > 0 && json.Unmarshal(detail, &e.Detail) != nil {
			e.Detail = nil // unreadable: the summary is shown
		}
		out = append(out, e)
	}
	return out, mapErr(rows.Err())
}

// AuditBreak describes the first audit row whose chain does not hold.
type AuditBreak struct {
	ID     int64  // the row found wrong (or the row after a removed one)
	Reason string // "edited" (its hash does not match its content) or "removed" (prev_hash does not match)
}

// VerifyAudit walks the whole chain in id order. It returns the number of rows checked and
// the first break, or nil when the chain is intact.
func (s *Store) VerifyAudit(ctx context.Context) (int64, *AuditBreak, error) {
	rows, err := s.db.QueryxContext(ctx, `
		SELECT id, prev_hash, hash,
		       audit_row_hash(prev_hash, id, at, operator_id, operator_name, action,
		                      target_user_id, target_org_id, summary, detail) AS recomputed
		FROM audit_entries ORDER BY id`)
	if err != nil {
		return 0, nil, mapErr(err)
	}
	defer rows.Close()
	var n int64
	prev := []byte{}
	for rows.Next() {
		var id int64
		var prevHash, hash, recomputed []byte
		if err := rows.Scan(&id, &prevHash, &hash, &recomputed); err != nil {
			return n, nil, err
		}
		n++
		if string(prevHash) != string(prev) {
			return n, &AuditBreak{ID: id, Reason: "removed"}, nil
		}
		if string(hash) != string(recomputed) {
			return n, &AuditBreak{ID: id, Reason: "edited"}, nil
		}
		prev = hash
	}
	return n, nil, mapErr(rows.Err())
}
