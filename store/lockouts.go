package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/netip"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"gatehouse/model"
)

// The Lockouts screen's queries: accounts locked now, the recent failures,
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
	// LikelyAttack: the last failure came from a source flagged as a likely attack over the
	// AttackWindow before it (likelyAttack, every organization's accounts counted).
	LikelyAttack bool `json:"likely_attack"`
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
		b.and("EXISTS (SELECT 1 FROM memberships fm WHERE fm.user_id = u.id AND fm.org_id = " + b.lit(orgID) + ")")
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
	err := sqlx.GetContext(ctx, s.prepared(), &n, `SELECT count(*) FROM users u`+b.whereSQL(), b.args...)
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
	rows, err := s.prepared().QueryContext(ctx, `SELECT u.id, u.login_code, u.email, u.name, `+orgs+`,
			u.locked_at, u.locked_until, u.lock_reason, u.lock_count, u.failed_attempts, u.last_failed_at,
			host(u.last_failed_ip), `+likelyAttackSQL("u")+`
		FROM users u`+b.whereSQL()+` ORDER BY u.locked_at DESC, u.id LIMIT `+itoa(q.Limit), b.args...)
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
			&a.LockCount, &a.FailedAttempts, &lastFail, &ip, &a.LikelyAttack); err != nil {
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
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	return out, nil
}

// likelyAttackSQL is likelyAttack applied in the statement to the last failure of the account
// of alias (a users row): its source over the AttackWindow before it (attackSQL).
func likelyAttackSQL(alias string) string {
	return fmt.Sprintf(`(%[1]s.last_failed_ip IS NOT NULL AND %[1]s.last_failed_at IS NOT NULL AND %[2]s)`, alias,
		attackSQL("failure_source("+alias+".last_failed_ip)", fmt.Sprintf("%s.last_failed_at - interval '%d seconds'",
			alias, int64(AttackWindow/time.Second))))
}

// Failure is one failed login, with the account it concerned (if known).
type Failure struct {
	model.AuthEvent
	UserName string `json:"user_name,omitempty"`
}

// FailureQuery selects recent failures, newest first.
type FailureQuery struct {
	Since    time.Time    // only failures at or after this time (bounds the scan; zero: 24 h)
	IP       netip.Addr   // only from this address (optional)
	Source   netip.Prefix // only from this source: an address, or an IPv6 /64 (optional)
	OrgID    int64        // only accounts of this organization (optional)
	BeforeID int64        // keyset: older than this event (0: newest)
	Limit    int          // default 100, at most 1000
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
	if q.Source.IsValid() {
		b.and("e.ip <<= " + b.arg(q.Source.Masked().String()) + "::inet")
	}
	if q.BeforeID != 0 {
		b.and("e.id < " + b.arg(q.BeforeID))
	}
	if q.OrgID != 0 {
		b.and("EXISTS (SELECT 1 FROM memberships fm WHERE fm.user_id = e.user_id AND fm.org_id = " + b.lit(q.OrgID) + ")")
	}
	if !op.AllOrgs() {
		b.and("EXISTS (SELECT 1 FROM memberships sm WHERE sm.user_id = e.user_id AND sm.org_id = ANY(" + b.lit(op.OrgIDs) + "))")
	}
	// A walk of auth_events_failures from its newest entry, whatever the values: prepared.
	rows, err := s.prepared().QueryContext(ctx, `SELECT e.id, e.at, e.user_id, e.login, e.kind, coalesce(e.reason, ''),
			host(e.ip), e.user_agent, coalesce(u.name, '')
		FROM auth_events e LEFT JOIN users u ON u.id = e.user_id`+b.whereSQL()+`
		ORDER BY e.at DESC, e.id DESC LIMIT `+itoa(q.Limit), b.args...)
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

// Sources. Failures are grouped by where they come from: an IPv4 address on its own, an IPv6
// address with the other addresses of its /64 (the block one host or one customer line is
// given and picks its addresses from at will: an attack spread over a /64 is one source).

// FailureSource is the source an address's failures are grouped under: the address itself for
// IPv4 (and IPv4-mapped IPv6), its /64 for IPv6. The SQL function failure_source (migration
// 0014) is the same rule; the summaries are keyed by it.
func FailureSource(ip netip.Addr) netip.Prefix {
	switch {
	case !ip.IsValid():
		return netip.Prefix{}
	case ip.Is4() || ip.Is4In6():
		return netip.PrefixFrom(ip.WithZone(""), ip.BitLen())
	}
	p, _ := ip.WithZone("").Prefix(64)
	return p
}

// SourceText is how a source is written for people: the address alone for a source of one
// address ("203.0.113.66"), the prefix otherwise ("2001:db8:bad:1::/64").
func SourceText(p netip.Prefix) string {
	if !p.IsValid() {
		return ""
	}
	if p.IsSingleIP() {
		return p.Addr().String()
	}
	return p.String()
}

// AttackAccounts is how many distinct accounts failing from one source flag it as a likely
// attack (a person who forgot a password fails on one or two).
const AttackAccounts = 5

// AttackWindow is how far back from a locked account's last failure its source is judged:
// the source is flagged when it failed on AttackAccounts accounts from then until now.
const AttackWindow = 24 * time.Hour

// likelyAttack is the rule that flags a source: it failed on AttackAccounts distinct accounts
// or more (known accounts and unknown identifiers, of every organization) within the window
// looked at. The by-IP pane and the locked accounts are flagged by it alone (the locked
// accounts in their statement: likelyAttackSQL).
func likelyAttack(accounts int) bool { return accounts >= AttackAccounts }

// attackSQL is likelyAttack in SQL: the source (an inet expression) failed on AttackAccounts
// accounts or more since a time (an expression), counting the accounts of every organization
// whoever asks (an admin learns that an address attacks the installation, never whom or how
// much elsewhere). The accounts a source tried since a time are its entries of
// failure_ip_accounts with a last failure since then, and the rule needs at most
// AttackAccounts of them: a few entries of the index on (source, last_at), read from the
// newest down to the time and no further (with the time in the index condition the scan
// stops there, instead of reading every entry of the source on the index page).
func attackSQL(source, since string) string {
	return fmt.Sprintf(`((SELECT count(*) FROM (SELECT 1 FROM failure_ip_accounts fa
					WHERE fa.source = %[1]s AND fa.last_at >= %[2]s ORDER BY fa.last_at DESC LIMIT %[3]d) fa) >= %[3]d)`,
		source, since, AttackAccounts)
}

// IPFailures summarizes the failed logins from one source over a window.
type IPFailures struct {
	Source    netip.Prefix `json:"source"`   // an IPv4 address (/32) or an IPv6 /64: FailureSource
	Accounts  int          `json:"accounts"` // distinct identifiers tried (known accounts and unknown logins)
	Attempts  int          `json:"attempts"`
	FirstSeen time.Time    `json:"first_seen"`
	LastSeen  time.Time    `json:"last_seen"`
	// LikelyAttack: the source failed on many accounts in the window (likelyAttack), counting
	// every organization's: an admin, whose counts are their organizations' alone, still sees
	// an attack spread over many organizations flagged.
	LikelyAttack bool `json:"likely_attack"`
}

// FailuresByIP groups the failed logins since a time by source (FailureSource), the sources
// that hit the most accounts first (then the most attempts). Admins count only failures on
// accounts of their organizations; the flag counts every organization's.
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
		var src string
		dest := []any{&src, &g.Accounts, &g.Attempts, &g.FirstSeen, &g.LastSeen}
		if !op.AllOrgs() {
			dest = append(dest, &g.LikelyAttack) // flagged in the statement, every organization counted
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		g.Source, _ = netip.ParsePrefix(src)
		if op.AllOrgs() {
			// Every organization's accounts are counted here: the rule reads the count itself.
			g.LikelyAttack = likelyAttack(g.Accounts)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	return out, nil
}

// failuresByIPSummaries answers FailuresByIP for every organization from the summaries of
// migrations 0009, 0014, 0021 and 0022, exactly: the window's first whole hour and the rest of
// its day from that day's row of failure_ip_days (the suffix from that hour), each later day
// from its whole row, the whole minutes of the hour before it from failure_ip_minutes, and the
// part-minute it starts in from the events and the accounts' last failures. A window starting
// before the minutes kept (eight days) reads its part-hour from the events.
//
// It runs prepared (its planning was 2-3 ms of a 14 ms page at 10M users). The day, the hour's
// index and the minutes that bound it are literals, so that its one plan knows how much each
// part reads: the events' part is also bounded by the minute or the hour before it (since
// lies in it), and only since itself is a parameter. Every count is an integer, and so are
// their sums (a sum of bigints is a numeric, several times slower to add).
func (s *Store) failuresByIPSummaries(ctx context.Context, since time.Time, limit int) (*sql.Rows, error) {
	next := func(d time.Duration) time.Time { // the first boundary at or after since
		t := since.Truncate(d) // UTC: Go truncates absolute time
		if t.Before(since) {
			t = t.Add(d)
		}
		return t
	}
	hour, minute := next(time.Hour), next(time.Minute)
	h, m := timeLit(hour), timeLit(minute)
	day, k := timeLit(hour.Truncate(24*time.Hour)), itoa(hour.UTC().Hour()+1) // failure_hour_index
	// ok: the minutes before the window's first whole hour are kept.
	ok := `(SELECT r.from_minute <= $1 FROM failure_minutes_range r)`
	// fromEvents is the window's start read from the events and the accounts' last failures:
	// [since, hi), lo the boundary before hi, when the condition holds.
	fromEvents := func(lo, hi, cond string) string {
		return `SELECT failure_source(ip), count(*)::integer, min(at), max(at), 0 FROM auth_events
			WHERE kind = 'login_failure' AND ip IS NOT NULL AND at >= $1 AND at >= ` + lo + ` AND at < ` + hi + ` AND ` + cond + ` GROUP BY 1
			UNION ALL
			SELECT source, 0, NULL, NULL, count(*)::integer FROM failure_ip_accounts
			WHERE last_at >= $1 AND last_at >= ` + lo + ` AND last_at < ` + hi + ` AND ` + cond + ` GROUP BY source`
	}
	return s.prepared().QueryContext(ctx, `WITH parts AS (
			SELECT source, attempts[`+k+`] AS attempts, first_at[`+k+`] AS first_at, last_at, accounts[`+k+`] AS accounts
			FROM failure_ip_days WHERE day = `+day+` AND attempts[`+k+`] > 0
			UNION ALL
			SELECT source, attempts[1], first_at[1], last_at, accounts[1] FROM failure_ip_days WHERE day > `+day+`
			UNION ALL
			SELECT source, attempts, first_at, last_at, accounts FROM failure_ip_minutes
			WHERE minute >= `+m+` AND minute < `+h+` AND `+ok+`
			UNION ALL
			`+fromEvents(timeLit(minute.Add(-time.Minute)), m, ok)+`
			UNION ALL
			`+fromEvents(timeLit(hour.Add(-time.Hour)), h, "NOT "+ok)+`)
		SELECT text(source), sum(accounts), sum(attempts), min(first_at), max(last_at) FROM parts
		GROUP BY source HAVING sum(attempts) > 0
		ORDER BY 2 DESC, 3 DESC, 5 DESC LIMIT `+itoa(limit), since)
}

// failuresByIPEvents groups the events themselves: an admin sees only failures on accounts
// of their organizations, which the summaries do not know. Each source is flagged in the
// statement (attackSQL: every organization's accounts).
func (s *Store) failuresByIPEvents(ctx context.Context, op model.Operator, since time.Time, limit int) (*sql.Rows, error) {
	b := &queryBuilder{}
	b.and("e.kind = 'login_failure'")
	sinceP := b.arg(since)
	b.and("e.at >= " + sinceP)
	b.and("e.ip IS NOT NULL")
	if !op.AllOrgs() {
		b.and("EXISTS (SELECT 1 FROM memberships sm WHERE sm.user_id = e.user_id AND sm.org_id = ANY(" + b.arg(int64Array(op.OrgIDs)) + "))")
	}
	// Two steps, both hash aggregates: per (source, account), then per source.
	// (count(DISTINCT ...) would sort the whole window.) An unknown login counts as an account
	// of its own.
	return s.read.QueryContext(ctx, `WITH per AS (
			SELECT failure_source(e.ip) AS source, e.user_id, CASE WHEN e.user_id IS NULL THEN lower(e.login) END AS unknown,
			       count(*) AS n, min(e.at) AS first, max(e.at) AS last
			FROM auth_events e`+b.whereSQL()+`
			GROUP BY 1, 2, 3),
		g AS (SELECT source, count(*) AS accounts, sum(n) AS attempts, min(first) AS first, max(last) AS last FROM per
			GROUP BY source ORDER BY 2 DESC, 3 DESC, 5 DESC LIMIT `+b.arg(limit)+`)
		SELECT text(g.source), g.accounts, g.attempts, g.first, g.last, `+attackSQL("g.source", sinceP)+` FROM g
		ORDER BY 2 DESC, 3 DESC, 5 DESC`, b.args...)
}
