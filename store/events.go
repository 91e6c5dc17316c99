package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/netip"

	"gatehouse/model"
)

// UserTimeline returns a user's most recent authentication events, newest first, within the
// operator's scope (ErrNotFound otherwise). beforeID pages further back (0 = newest).
//
// One statement: the user's row in scope, then its events (none: one row of NULLs), so that
// a user out of scope and a user without events stay apart.
func (s *Store) UserTimeline(ctx context.Context, op model.Operator, userID int64, beforeID int64, limit int) ([]model.AuthEvent, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	b := &queryBuilder{}
	b.and("u.id = " + b.arg(userID))
	scopeUsers(b, op, "u")
	before := ""
	if beforeID > 0 {
		before = " AND e.id < " + b.arg(beforeID)
	}
	q := fmt.Sprintf(`SELECT e.id, e.at, e.user_id, e.login, e.kind, coalesce(e.reason, ''), host(e.ip), e.user_agent
		FROM users u LEFT JOIN LATERAL (SELECT e.id, e.at, e.user_id, e.login, e.kind, e.reason, e.ip, e.user_agent
			FROM auth_events e WHERE e.user_id = u.id%s
			ORDER BY e.at DESC, e.id DESC LIMIT %d) e ON true%s
		ORDER BY e.at DESC, e.id DESC`, before, limit, b.whereSQL())
	rows, err := s.prepared().QueryContext(ctx, q, b.args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	found := false
	var out []model.AuthEvent
	for rows.Next() {
		found = true
		var id sql.NullInt64
		var at sql.NullTime
		var login, kind, reason, ip, agent sql.NullString
		var e model.AuthEvent
		if err := rows.Scan(&id, &at, &e.UserID, &login, &kind, &reason, &ip, &agent); err != nil {
			return nil, err
		}
		if !id.Valid {
			continue // the user, without events (this page)
		}
		e.ID, e.At, e.Login, e.Kind, e.Reason, e.UserAgent = id.Int64, at.Time, login.String, kind.String, reason.String, agent.String
		if ip.Valid {
			e.IP, _ = netip.ParseAddr(ip.String)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	if !found {
		return nil, ErrNotFound
	}
	return out, nil
}
