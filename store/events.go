package store

import (
	"context"
	"database/sql"
	"net/netip"

	"gatehouse/model"
)

// UserTimeline returns a user's most recent authentication events, newest first, within the
// operator's scope (ErrNotFound otherwise). beforeID pages further back (0 = newest).
func (s *Store) UserTimeline(ctx context.Context, op model.Operator, userID int64, beforeID int64, limit int) ([]model.AuthEvent, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	b := &queryBuilder{}
	b.and("u.id = " + b.arg(userID))
	scopeUsers(b, op, "u")
	var ok bool
	if err := s.read.GetContext(ctx, &ok, `SELECT true FROM users u`+b.whereSQL(), b.args...); err != nil {
		return nil, mapErr(err)
	}
	q := `SELECT id, at, user_id, login, kind, coalesce(reason, '') AS reason, host(ip) AS ip, user_agent
		FROM auth_events WHERE user_id = $1`
	args := []any{userID}
	if beforeID > 0 {
		q += ` AND id < $3`
		args = append(args, limit, beforeID)
	} else {
		args = append(args, limit)
	}
	q += ` ORDER BY at DESC, id DESC LIMIT $2`
	return s.scanEvents(ctx, q, args...)
}

func (s *Store) scanEvents(ctx context.Context, q string, args ...any) ([]model.AuthEvent, error) {
	rows, err := s.read.QueryxContext(ctx, q, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []model.AuthEvent
	for rows.Next() {
		var e model.AuthEvent
		var ip sql.NullString
		if err := rows.Scan(&e.ID, &e.At, &e.UserID, &e.Login, &e.Kind, &e.Reason, &ip, &e.UserAgent); err != nil {
			return nil, err
		}
		if ip.Valid {
			e.IP, _ = netip.ParseAddr(ip.String)
		}
		out = append(out, e)
	}
	return out, mapErr(rows.Err())
}
