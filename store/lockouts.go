package store

import (
	"context"
	"database/sql"
	"net/netip"
	"time"

	"github.com/lib/pq"

	"gatehouse/model"
)

// The Lockouts screen's queries (SPEC §4 item 4): accounts locked now, the recent failures,
// and failures grouped by IP. Each walks a small partial index (users_locked,
// auth_events_failures) from its newest end, so its cost follows the page, not the tables.

// LockedAccount is one account locked now, with its counters.
type LockedAccount struct {
	ID             int64             `json:"id"`
	Login          string            `json:"login"`
	Email          string            `json:"email"`
	Name           string            `json:"name"`
	Organizations  []string          `json:"organizations"`
	LockedAt       time.Time         `json:"locked_at"`
	LockedUntil    *time.Time        `json:"locked_until"` // nil: until an operator unlocks or a reset completes
	Mode           model.LockoutMode `json:"mode"`
	LockReason     string            `json:"lock_reason"`
	LockCount      int               `json:"lock_count"`
	FailedAttempts int               `json:"failed_attempts"`
	LastFailedAt   *time.Time        `json:"last_failed_at"`
	LastFailedIP   string            `json:"last_failed_ip,omitempty"`
}

// LockedQuery pages the locked accounts, most recently locked first.
type LockedQuery struct {
	OrgID int64 // only members of this organization (0: every organization in scope)
	// After continues after the last row of the previous page (keyset on locked_at, id).
	AfterLockedAt time.Time
	AfterID       int64
	Limit         int // default 200, at most 1000
}

// lockedWhere is the condition "locked now" (a temporary lock whose time has passed is not).
func lockedWhere(b *queryBuilder, op model.Operator, orgID int64, now time.Time) {
	b.and("u.locked_at IS NOT NULL")
	b.and("(u.locked_until IS NULL OR u.locked_until > " + b.arg(now) + ")")
	b.and("u.status <> 'deleted'")
	if orgID != 0 {
		b.and("EXISTS (SELECT 1 FROM memberships fm WHERE fm.user_id = u.id AND fm.org_id = " + b.arg(orgID) + ")")
	}
	scopeUsers(b, op, "u")
}

// CountLocked counts the accounts locked now within the operator's scope (the partial index
// users_locked holds only locked rows, so this reads no more than them).
func (s *Store) CountLocked(ctx context.Context, op model.Operator, orgID int64) (int, error) {
	if orgID != 0 && !op.InScope(orgID) {
		return 0, ErrNotFound // filtering on another organization would tell who belongs to it
	}
	b := &queryBuilder{}
	lockedWhere(b, op, orgID, s.now())
	var n int
	err := s.read.GetContext(ctx, &n, `SELECT count(*) FROM users u`+b.whereSQL(), b.args...)
	return n, mapErr(err)
}

// ListLocked returns the accounts locked now (a temporary lock whose time has passed is not
// listed), within the operator's scope, most recently locked first (ties by id, the order of
// the users_locked index, so no sort is needed).
func (s *Store) ListLocked(ctx context.Context, op model.Operator, q LockedQuery) ([]LockedAccount, error) {
	if q.OrgID != 0 && !op.InScope(q.OrgID) {
		return nil, ErrNotFound // filtering on another organization would tell who belongs to it
	}
	if q.Limit <= 0 {
		q.Limit = 200
	}
	if q.Limit > 1000 {
		q.Limit = 1000
	}
	b := &queryBuilder{}
	lockedWhere(b, op, q.OrgID, s.now())
	if q.AfterID != 0 {
		at := b.arg(q.AfterLockedAt)
		b.and("(u.locked_at < " + at + " OR (u.locked_at = " + at + " AND u.id > " + b.arg(q.AfterID) + "))")
	}
	orgs := orgsExpr(b, op, "u")
	rows, err := s.read.QueryContext(ctx, `SELECT u.id, u.login_code, u.email, u.name, `+orgs+`,
			u.locked_at, u.locked_until, u.lock_reason, u.lock_count, u.failed_attempts, u.last_failed_at,
			host(u.last_failed_ip)
		FROM users u`+b.whereSQL()+` ORDER BY u.locked_at DESC, u.id LIMIT `+b.arg(q.Limit), b.args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []LockedAccount{}
	for rows.Next() {
		var a LockedAccount
		var orgSlugs pq.StringArray
		var until, lastFail sql.NullTime
		var reason, ip sql.NullString
		if err := rows.Scan(&a.ID, &a.Login, &a.Email, &a.Name, &orgSlugs, &a.LockedAt, &until, &reason,
			&a.LockCount, &a.FailedAttempts, &lastFail, &ip); err != nil {
			return nil, err
		}
		a.Organizations = []string(orgSlugs)
		if a.Organizations == nil {
			a.Organizations = []string{}
		}
		a.LockedUntil, a.LastFailedAt = timePtr(until), timePtr(lastFail)
		a.LockReason, a.LastFailedIP = reason.String, ip.String
		a.Mode = model.LockUntilReset
		if a.LockedUntil != nil {
			a.Mode = model.LockTemporary
		}
		out = append(out, a)
	}
	return out, mapErr(rows.Err())
}

// Failure is one failed login, with the account it concerned (if known).
type Failure struct {
	model.AuthEvent
	UserName string `json:"user_name,omitempty"`
}

// FailureQuery selects recent failures, newest first.
type FailureQuery struct {
	Since    time.Time  // only failures at or after this time (bounds the scan; zero: 24 h)
	IP       netip.Addr // only from this address (optional)
	OrgID    int64      // only accounts of this organization (optional)
	BeforeID int64      // keyset: older than this event (0: newest)
	Limit    int        // default 100, at most 1000
}

// RecentFailures returns failed logins, newest first. Admins see only failures on accounts of
// their organizations (an unknown login belongs to no organization: support and oncall only).
func (s *Store) RecentFailures(ctx context.Context, op model.Operator, q FailureQuery) ([]Failure, error) {
	if q.OrgID != 0 && !op.InScope(q.OrgID) {
		return nil, ErrNotFound // filtering on another organization would tell who belongs to it
	}
	if q.Limit <= 0 {
		q.Limit = 100
	}
	if q.Limit > 1000 {
		q.Limit = 1000
	}
	if q.Since.IsZero() {
		q.Since = s.now().Add(-24 * time.Hour)
	}
	b := &queryBuilder{}
	b.and("e.kind = 'login_failure'")
	b.and("e.at >= " + b.arg(q.Since))
	if q.IP.IsValid() {
		b.and("e.ip = " + b.arg(q.IP.String()) + "::inet")
	}
	if q.BeforeID != 0 {
		b.and("e.id < " + b.arg(q.BeforeID))
	}
	if q.OrgID != 0 {
		b.and("EXISTS (SELECT 1 FROM memberships fm WHERE fm.user_id = e.user_id AND fm.org_id = " + b.arg(q.OrgID) + ")")
	}
	if !op.AllOrgs() {
		b.and("EXISTS (SELECT 1 FROM memberships sm WHERE sm.user_id = e.user_id AND sm.org_id = ANY(" + b.arg(int64Array(op.OrgIDs)) + "))")
	}
	rows, err := s.read.QueryContext(ctx, `SELECT e.id, e.at, e.user_id, e.login, e.kind, coalesce(e.reason, ''),
			host(e.ip), e.user_agent, coalesce(u.name, '')
		FROM auth_events e LEFT JOIN users u ON u.id = e.user_id`+b.whereSQL()+`
		ORDER BY e.at DESC, e.id DESC LIMIT `+b.arg(q.Limit), b.args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []Failure{}
	for rows.Next() {
		var f Failure
		var ip sql.NullString
		if err := rows.Scan(&f.ID, &f.At, &f.UserID, &f.Login, &f.Kind, &f.Reason, &ip, &f.UserAgent, &f.UserName); err != nil {
			return nil, err
		}
		if ip.Valid {
			f.IP, _ = netip.ParseAddr(ip.String)
		}
		out = append(out, f)
	}
	return out, mapErr(rows.Err())
}

// IPFailures summarizes the failed logins from one address over a window.
type IPFailures struct {
	IP           netip.Addr `json:"ip"`
	Accounts     int        `json:"accounts"` // distinct identifiers tried (known accounts and unknown logins)
	Attempts     int        `json:"attempts"`
	FirstSeen    time.Time  `json:"first_seen"`
	LastSeen     time.Time  `json:"last_seen"`
	LikelyAttack bool       `json:"likely_attack"` // many accounts from one address: not forgetful users
}

// AttackAccounts is how many distinct accounts failing from one address flag it as a likely
// attack (a person who forgot a password fails on one or two).
const AttackAccounts = 5

// FailuresByIP groups the failed logins since a time by source address, the addresses that
// hit the most accounts first (then the most attempts). Admins see only failures on accounts
// of their organizations.
func (s *Store) FailuresByIP(ctx context.Context, op model.Operator, since time.Time, limit int) ([]IPFailures, error) {
	if limit <= 0 {
		limit = 50
	}
	if limit > 1000 {
		limit = 1000
	}
	var rows *sql.Rows
	var err error
	if op.AllOrgs() {
		rows, err = s.failuresByIPSummaries(ctx, since, limit)
	} else {
		rows, err = s.failuresByIPEvents(ctx, op, since, limit)
	}
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []IPFailures{}
	for rows.Next() {
		var g IPFailures
		var ip string
		if err := rows.Scan(&ip, &g.Accounts, &g.Attempts, &g.FirstSeen, &g.LastSeen); err != nil {
			return nil, err
		}
		g.IP, _ = netip.ParseAddr(ip)
		g.LikelyAttack = g.Accounts >= AttackAccounts
		out = append(out, g)
	}
	return out, mapErr(rows.Err())
}

// failuresByIPSummaries answers FailuresByIP for every organization from the summaries of
// migration 0009, exactly: the whole hours of the window from failure_ip_hours, the part-hour
// it starts in from the events and from the accounts' last failures (about 14,000 rows for a
// 24 h window holding an attack, against 124,000 events).
func (s *Store) failuresByIPSummaries(ctx context.Context, since time.Time, limit int) (*sql.Rows, error) {
	hour := since.Truncate(time.Hour) // UTC hours: Go truncates absolute time
	if hour.Before(since) {
		hour = hour.Add(time.Hour)
	}
	return s.read.QueryContext(ctx, `WITH parts AS (
			SELECT ip, attempts, first_at, last_at, accounts FROM failure_ip_hours WHERE hour >= $2
			UNION ALL
			SELECT ip, count(*), min(at), max(at), 0 FROM auth_events
			WHERE kind = 'login_failure' AND ip IS NOT NULL AND at >= $1 AND at < $2 GROUP BY ip
			UNION ALL
			SELECT ip, 0, NULL, NULL, count(*) FROM failure_ip_accounts
			WHERE last_at >= $1 AND last_at < $2 GROUP BY ip)
		SELECT host(ip), sum(accounts), sum(attempts), min(first_at), max(last_at) FROM parts
		GROUP BY ip HAVING sum(attempts) > 0
		ORDER BY 2 DESC, 3 DESC, 5 DESC LIMIT $3`, since, hour, limit)
}

// failuresByIPEvents groups the events themselves: an admin sees only failures on accounts
// of their organizations, which the summaries do not know.
func (s *Store) failuresByIPEvents(ctx context.Context, op model.Operator, since time.Time, limit int) (*sql.Rows, error) {
	b := &queryBuilder{}
	b.and("e.kind = 'login_failure'")
	b.and("e.at >= " + b.arg(since))
	b.and("e.ip IS NOT NULL")
	if !op.AllOrgs() {
		b.and("EXISTS (SELECT 1 FROM memberships sm WHERE sm.user_id = e.user_id AND sm.org_id = ANY(" + b.arg(int64Array(op.OrgIDs)) + "))")
	}
	// Two steps, both hash aggregates: per (IP, account), then per IP. (count(DISTINCT ...)
	// would sort the whole window.) An unknown login counts as an account of its own.
	return s.read.QueryContext(ctx, `WITH per AS (
			SELECT e.ip, e.user_id, CASE WHEN e.user_id IS NULL THEN lower(e.login) END AS unknown,
			       count(*) AS n, min(e.at) AS first, max(e.at) AS last
			FROM auth_events e`+b.whereSQL()+`
			GROUP BY 1, 2, 3)
		SELECT host(ip), count(*), sum(n), min(first), max(last) FROM per
		GROUP BY ip ORDER BY 2 DESC, 3 DESC, 5 DESC LIMIT `+b.arg(limit), b.args...)
}
