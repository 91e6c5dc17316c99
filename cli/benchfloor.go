package cli

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lib/pq"

	"gatehouse/store"
)

// The floor of a bench row: the minimal statement that yields the same page, prepared once on
// one connection and executed with its cached plan. Every value is a literal (the LIMIT
// among them: a generic plan of a page with a parameter LIMIT can be a full scan), so the
// plan, made at the first EXECUTE, is the one every later EXECUTE reuses; the bench checks
// it in pg_prepared_statements (generic plans only, no custom plan made again).
//
// A plain list page's floor is written here by hand, one per row: the index walk and the
// columns the page shows. A search's floor is the store's own statement that returned the
// page (recorded by the tracer), with its arguments as literals.

// floorInputs are the values the floors of one database are written with.
type floorInputs struct {
	deep          *store.Cursor // the keyset page's cursor
	largest, mid  int64         // organizations: the largest, a mid-size one (the admin's)
	timelineUser  int64
	failuresSince time.Time // the by-IP pane's window
}

// floorUserColumns are the columns the Users screen shows of a user u: name, login code,
// e-mail, the status badge (status, lock, forced change), 2FA, last login; the slugs of the
// user's organizations (within scope, when not nil), and whether the latest e-mail to the
// account failed (its newest row of outbox_user).
func floorUserColumns(scope []int64) string {
	in := ""
	if scope != nil {
		in = " AND m.org_id IN (" + literalInts(scope) + ")"
	}
	return `u.id, u.name, u.login_code, u.email, u.status, u.locked_at, u.locked_until,
		u.must_change_password, u.totp_enabled, u.last_login_at,
		array(SELECT o.slug FROM memberships m JOIN organizations o ON o.id = m.org_id
			WHERE m.user_id = u.id` + in + ` ORDER BY o.slug) AS orgs,
		coalesce((SELECT x.status = 'failed' FROM outbox x WHERE x.user_id = u.id ORDER BY x.id DESC LIMIT 1), false) AS mail_failed`
}

// floorUsersWalk walks a sort index of users (an index-only scan: every filtered column is in
// the index) from its start to the first 51 rows that pass where, then reads those rows.
func floorUsersWalk(where, key string, desc bool) string {
	dir := ""
	if desc {
		dir = " DESC"
	}
	return fmt.Sprintf(`SELECT %s FROM (SELECT u.id, %s AS sort_key FROM users u WHERE %s
			ORDER BY 2%s, 1%s LIMIT 51) k
		JOIN users u ON u.id = k.id ORDER BY k.sort_key%s, k.id%s`, floorUserColumns(nil), key, where, dir, dir, dir, dir)
}

// floorUsersByName walks users_name_cover (name, id) from its start, or from after a cursor,
// keeping the rows that pass cond; for the locked filter the planner walks users_locked_name
// instead (the locked accounts alone, in name order), as the store's page does.
func floorUsersByName(cond string, after *store.Cursor) string {
	where := "u.status <> 'deleted'"
	if cond != "" {
		where += " AND " + cond
	}
	if after != nil {
		where += fmt.Sprintf(" AND (u.name, u.id) > (%s, %d)", pq.QuoteLiteral(after.Name), after.ID)
	}
	return floorUsersWalk(where, "u.name", false)
}

// floorUsersByStatus walks users_name_cover keeping one status.
func floorUsersByStatus(status string) string {
	return floorUsersWalk("u.status = "+pq.QuoteLiteral(status), "u.name", false)
}

// floorUsersByLastLogin walks users_last_login_keyset backwards: the most recent logins first,
// never-logged-in last.
func floorUsersByLastLogin() string {
	return floorUsersWalk("u.status <> 'deleted'", "coalesce(u.last_login_at, '-infinity'::timestamptz)", true)
}

// floorUsersByCreated walks users_created_keyset backwards: the newest accounts first.
func floorUsersByCreated() string {
	return floorUsersWalk("u.status <> 'deleted'", "u.created_at", true)
}

// floorOrgMembers walks memberships_org_name (org_id, user_name, user_id), the organization's
// members in name order, 51 of them, then reads those users; scope limits the organizations
// listed beside each (an admin's), nil lists them all.
func floorOrgMembers(org int64, scope []int64) string {
	return fmt.Sprintf(`SELECT %s FROM (SELECT m.user_id, m.user_name FROM memberships m
			WHERE m.org_id = %d AND m.user_status <> 'deleted' ORDER BY m.user_name, m.user_id LIMIT 51) k
		JOIN users u ON u.id = k.user_id ORDER BY k.user_name, k.user_id`, floorUserColumns(scope), org)
}

// floorTimeline walks auth_events_user_at (user_id, at DESC, id DESC): the user's newest 50.
func floorTimeline(user int64) string {
	return fmt.Sprintf(`SELECT id, at, user_id, login, kind, reason, host(ip) AS ip, user_agent
		FROM auth_events WHERE user_id = %d ORDER BY at DESC, id DESC LIMIT 50`, user)
}

// floorAudit walks the audit log's primary key backwards: the newest 50 rows, with the
// target's login code and organization.
func floorAudit() string {
	return `SELECT a.id, a.at, a.operator_name, a.action, a.target_user_id, a.target_org_id, a.summary, a.detail,
		(SELECT u.login_code FROM users u WHERE u.id = a.target_user_id) AS target_login,
		(SELECT o.slug FROM organizations o WHERE o.id = a.target_org_id) AS target_org
		FROM audit_entries a ORDER BY a.id DESC LIMIT 50`
}

// floorLocked walks users_locked_cover (locked_at DESC, id): the accounts locked now, 200,
// with their organizations and whether their last failure's source is a likely attack (5
// accounts tried from it over the 24 h before: failure_ip_accounts_source_last, with the
// time in the index condition, as the store's attackSQL).
func floorLocked() string {
	return fmt.Sprintf(`SELECT u.id, u.login_code, u.email, u.name,
		array(SELECT o.slug FROM memberships m JOIN organizations o ON o.id = m.org_id
			WHERE m.user_id = u.id ORDER BY o.slug) AS orgs,
		u.locked_at, u.locked_until, u.lock_reason, u.lock_count, u.failed_attempts, u.last_failed_at,
		host(u.last_failed_ip) AS last_failed_ip,
		(SELECT count(*) >= %d FROM (SELECT 1 FROM failure_ip_accounts a
			WHERE a.source = failure_source(u.last_failed_ip) AND a.last_at >= u.last_failed_at - interval '%d seconds'
			LIMIT %d) x) AS likely_attack
		FROM users u WHERE u.locked_at IS NOT NULL AND (u.locked_until IS NULL OR u.locked_until > now())
			AND u.status <> 'deleted'
		ORDER BY u.locked_at DESC, u.id LIMIT 200`, store.AttackAccounts, int(store.AttackWindow/time.Second), store.AttackAccounts)
}

// floorRecentFailures walks auth_events_failures (at DESC, id DESC, failures only) over the
// last 24 hours: the newest 100, with the account's name.
func floorRecentFailures() string {
	return `SELECT e.id, e.at, e.user_id, e.login, e.kind, e.reason, host(e.ip) AS ip, e.user_agent, u.name
		FROM auth_events e LEFT JOIN users u ON u.id = e.user_id
		WHERE e.kind = 'login_failure' AND e.at >= now() - interval '24 hours'
		ORDER BY e.at DESC, e.id DESC LIMIT 100`
}

// floorFailuresByIP reads the by-IP pane from the failures' summaries: the day of the window's
// first whole hour from that hour on and the days after it from failure_ip_days (its primary
// key), the whole minutes of the hour before from failure_ip_minutes
// (failure_ip_minutes_minute), the part-minute from the events (auth_events_failures_ip) and
// the accounts' last failures (failure_ip_accounts_last); the 50 sources that tried the most
// accounts. Its key is the source. (The window is within the minutes kept: the bench asks for
// 24 hours.)
func floorFailuresByIP(since time.Time) string {
	next := func(d time.Duration) time.Time {
		t := since.Truncate(d)
		if t.Before(since) {
			t = t.Add(d)
		}
		return t
	}
	hour := next(time.Hour)
	s, h, m := literalTime(since), literalTime(hour), literalTime(next(time.Minute))
	day, k := literalTime(hour.Truncate(24*time.Hour)), hour.UTC().Hour()+1
	return fmt.Sprintf(`WITH parts AS (
			SELECT source, attempts[%[5]d] AS attempts, first_at[%[5]d] AS first_at, last_at, accounts[%[5]d] AS accounts
			FROM failure_ip_days WHERE day = %[4]s AND attempts[%[5]d] > 0
			UNION ALL
			SELECT source, attempts[1], first_at[1], last_at, accounts[1] FROM failure_ip_days WHERE day > %[4]s
			UNION ALL
			SELECT source, attempts, first_at, last_at, accounts FROM failure_ip_minutes WHERE minute >= %[3]s AND minute < %[2]s
			UNION ALL
			SELECT failure_source(ip), count(*)::integer, min(at), max(at), 0 FROM auth_events
			WHERE kind = 'login_failure' AND ip IS NOT NULL AND at >= %[1]s AND at < %[3]s GROUP BY 1
			UNION ALL
			SELECT source, 0, NULL, NULL, count(*)::integer FROM failure_ip_accounts
			WHERE last_at >= %[1]s AND last_at < %[3]s GROUP BY source)
		SELECT text(source) AS source, sum(accounts), sum(attempts), min(first_at), max(last_at) FROM parts
		GROUP BY source HAVING sum(attempts) > 0
		ORDER BY 2 DESC, 3 DESC, 5 DESC LIMIT 50`, s, h, m, day, k)
}

// floorInvitations walks invitations_created (created_at DESC, id DESC): the newest 51, with
// their organization, the account's login code and the rights offered.
func floorInvitations() string {
	return `SELECT i.id, o.slug, i.email, i.name, coalesce(u.login_code, i.shown_login, '') AS login,
		i.invited_by_name, i.created_at, i.expires_at, i.accepted_at, i.revoked_at, i.resend_count, i.last_sent_at,
		array(SELECT r.right_code FROM invitation_rights r WHERE r.invitation_id = i.id ORDER BY r.right_code) AS rights
		FROM invitations i JOIN organizations o ON o.id = i.org_id LEFT JOIN users u ON u.id = i.user_id
		ORDER BY i.created_at DESC, i.id DESC LIMIT 51`
}

// literalInts is a comma-separated list of integers.
func literalInts(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ", ")
}

// literalTime is a timestamptz literal.
func literalTime(t time.Time) string {
	return pq.QuoteLiteral(string(pq.FormatTimestamp(t))) + "::timestamptz"
}

var placeholder = regexp.MustCompile(`\$([0-9]+)`)

// inlineArgs writes a recorded statement's arguments into its text as literals. They stay
// untyped literals, as lib/pq sends its parameters untyped: the server gives each the type its
// place asks for, as it did for the parameter.
func inlineArgs(q string, args []any) (string, error) {
	var bad error
	out := placeholder.ReplaceAllStringFunc(q, func(m string) string {
		n, _ := strconv.Atoi(m[1:])
		if n < 1 || n > len(args) {
			bad = fmt.Errorf("statement names %s of %d arguments", m, len(args))
			return m
		}
		lit, err := literal(args[n-1])
		if err != nil {
			bad = err
			return m
		}
		return lit
	})
	return out, bad
}

// literal is one driver value as an untyped SQL literal.
func literal(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "NULL", nil
	case int64:
		return pq.QuoteLiteral(strconv.FormatInt(x, 10)), nil
	case float64:
		return pq.QuoteLiteral(strconv.FormatFloat(x, 'g', -1, 64)), nil
	case bool:
		return pq.QuoteLiteral(strconv.FormatBool(x)), nil
	case string:
		return pq.QuoteLiteral(x), nil
	case []byte:
		return pq.QuoteLiteral(`\x` + hex.EncodeToString(x)), nil
	case time.Time:
		return pq.QuoteLiteral(string(pq.FormatTimestamp(x))), nil
	}
	return "", fmt.Errorf("no literal for an argument of type %T", v)
}

// floorConn runs floors as prepared statements on one pinned connection.
type floorConn struct {
	conn *sql.Conn
	n    int
}

func newFloorConn(ctx context.Context, db *sql.DB) (*floorConn, error) {
	c, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	return &floorConn{conn: c}, nil
}

func (f *floorConn) Close() error { return f.conn.Close() }

// prepare prepares a floor and returns its name.
func (f *floorConn) prepare(ctx context.Context, q string) (string, error) {
	f.n++
	name := fmt.Sprintf("bench_floor_%d", f.n)
	if _, err := f.conn.ExecContext(ctx, `PREPARE `+name+` AS `+q); err != nil {
		return "", err
	}
	return name, nil
}

// deallocate forgets a prepared floor.
func (f *floorConn) deallocate(ctx context.Context, name string) {
	_, _ = f.conn.ExecContext(ctx, `DEALLOCATE `+name)
}

// exec executes a prepared floor, reads every row and returns the key column's values.
func (f *floorConn) exec(ctx context.Context, name, key string) ([]string, error) {
	return queryKeys(ctx, f.conn, `EXECUTE `+name, key)
}

// plans reads how many times the prepared floor's plan was made anew (custom) or reused
// (generic).
func (f *floorConn) plans(ctx context.Context, name string) (generic, custom int64, err error) {
	err = f.conn.QueryRowContext(ctx, `SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = $1`,
		name).Scan(&generic, &custom)
	return generic, custom, err
}

// queryKeys runs a statement without arguments (one round trip), reads every row and returns
// the values of its key column.
func queryKeys(ctx context.Context, c *sql.Conn, q, key string) ([]string, error) {
	rows, err := c.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	at := -1
	for i, c := range cols {
		if c == key {
			at = i
			break
		}
	}
	if at < 0 {
		return nil, errNoKeyColumn
	}
	vals := make([]any, len(cols))
	for i := range vals {
		vals[i] = new(sql.RawBytes)
	}
	keys := []string{}
	for rows.Next() {
		if err := rows.Scan(vals...); err != nil {
			return nil, err
		}
		keys = append(keys, string(*vals[at].(*sql.RawBytes)))
	}
	return keys, rows.Err()
}

var errNoKeyColumn = errors.New("no key column")

// samePage tells whether a floor's keys are the page's: the same ids in the same order (the
// floor may read the one more row a page asks for to know there is a next page).
func samePage(page, floor []string) bool {
	if len(floor) < len(page) || len(floor) > len(page)+1 {
		return false
	}
	for i := range page {
		if page[i] != floor[i] {
			return false
		}
	}
	return true
}

// pageStatement finds, among the statements a store call sent, the one that returned its
// page (the last whose ids are the page's), with its arguments as literals.
func pageStatement(ctx context.Context, c *sql.Conn, stmts []store.TracedQuery, page []string) (string, error) {
	found := ""
	for _, q := range stmts {
		head := strings.ToUpper(strings.TrimSpace(q.SQL))
		if !strings.HasPrefix(head, "SELECT") && !strings.HasPrefix(head, "WITH") {
			continue
		}
		text, err := inlineArgs(q.SQL, q.Args)
		if err != nil {
			return "", err
		}
		keys, err := queryKeys(ctx, c, text, "id")
		if errors.Is(err, errNoKeyColumn) {
			continue
		}
		if err != nil {
			return "", err
		}
		if samePage(page, keys) {
			found = text
		}
	}
	if found == "" {
		return "", errors.New("no statement of the store call returns its page")
	}
	return found, nil
}

// floorDiff describes how a floor's page differs from the store's.
func floorDiff(page, floor []string) string {
	n := min(len(page), len(floor))
	for i := 0; i < n; i++ {
		if page[i] != floor[i] {
			return fmt.Sprintf("floor and store differ at row %d (store id %s, floor id %s; %d and %d rows)",
				i+1, page[i], floor[i], len(page), len(floor))
		}
	}
	return fmt.Sprintf("floor and store return %d and %d rows", len(floor), len(page))
}
