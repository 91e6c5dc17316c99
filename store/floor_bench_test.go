package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"gatehouse/model"
	"gatehouse/store"
	"gatehouse/store/demodata"
	"gatehouse/store/storetest"
)

// BenchmarkFloor times each list call of the console's screens beside its floor: a statement
// written by hand that yields the same page (an index walk only), prepared once on its own
// connection with its LIMIT written in, its plan cached, its rows read raw. The two are
// interleaved; each sub-benchmark reports both p50 and p95 and their ratio.
//
// It measures GATEHOUSE_FLOOR_DATABASE_URL when set (a seeded database, left as it is:
// `gatehouse seed --data-dir /tmp/x --users 1000000 --events 10000000`, then
// host=/tmp/x/pg/run dbname=gatehouse user=gatehouse), else a database of the test cluster
// seeded with 100,000 users.
//
//	go test ./store -run X -bench Floor -benchtime 300x
func BenchmarkFloor(b *testing.B) {
	ctx := context.Background()
	var st *store.Store
	if url := os.Getenv("GATEHOUSE_FLOOR_DATABASE_URL"); url != "" {
		var err error
		if st, err = store.Open(ctx, store.Config{DatabaseURL: url, SkipMigrate: true}); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
	} else {
		st = storetest.New(b)
		if _, err := demodata.Load(ctx, st.DB(), demodata.Options{Users: 100000, Events: 1000000, Seed: 1}, nil); err != nil {
			b.Fatal(err)
		}
		if _, err := st.DB().Exec(`VACUUM ANALYZE`); err != nil {
			b.Fatal(err)
		}
	}
	db := st.DB()
	conn, err := db.Connx(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()

	var deep store.Cursor
	if err := db.QueryRowx(`SELECT name, id FROM users WHERE status <> 'deleted' ORDER BY name DESC, id DESC
		OFFSET (SELECT count(*) / 100 FROM users WHERE status <> 'deleted') LIMIT 1`).Scan(&deep.Name, &deep.ID); err != nil {
		b.Fatal(err)
	}
	var bigOrg, midOrg, userID int64
	noErr(b, db.Get(&bigOrg, `SELECT org_id FROM memberships GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`))
	noErr(b, db.Get(&midOrg, `SELECT org_id FROM memberships GROUP BY 1
		ORDER BY abs(count(*) - (SELECT count(*) / 330 FROM users)) LIMIT 1`))
	noErr(b, db.Get(&userID, `SELECT user_id FROM auth_events WHERE user_id IS NOT NULL ORDER BY id DESC LIMIT 1`))
	op := model.Operator{Name: "floor", Role: model.RoleSupport}
	admin := model.Operator{Name: "floor-admin", Role: model.RoleAdmin, OrgIDs: []int64{midOrg}}
	yes := true
	now := st.Now()
	day := now.Add(-24 * time.Hour)

	users := func(op model.Operator, q store.UserQuery) func() error {
		q.Limit = 50
		return func() error { _, err := st.ListUsers(ctx, op, q); return err }
	}
	// The floor of a Users page: the rows, whether their latest e-mail failed, their
	// organizations, from the first 51 entries of the walk.
	usersFloor := func(from, where, order string) string {
		return `SELECT u.id, u.login_code, u.email, u.name, u.lang, u.status, u.password_hash IS NOT NULL,
			u.must_change_password, u.password_changed_at, u.password_expires_at, u.totp_enabled,
			u.failed_attempts, u.last_failed_at, host(u.last_failed_ip), u.locked_at, u.locked_until,
			u.lock_reason, u.last_login_at, host(u.last_login_ip), u.created_at, u.updated_at, u.version,
			EXISTS (SELECT 1 FROM outbox f WHERE f.user_id = u.id AND f.status = 'failed'
				AND NOT EXISTS (SELECT 1 FROM outbox n WHERE n.user_id = u.id AND n.id > f.id)),
			array(SELECT o.slug FROM memberships m JOIN organizations o ON o.id = m.org_id
				WHERE m.user_id = u.id ORDER BY o.slug)
			FROM ` + from + ` WHERE ` + where + ` ORDER BY ` + order + ` LIMIT 51`
	}
	// A filtered page: the keys first (an index-only walk of the sort index, or of the filter's
	// own), then the rows.
	keysFloor := func(where, order string) string {
		return usersFloor(`(SELECT u.id FROM users u WHERE `+where+` ORDER BY `+order+` LIMIT 51) k JOIN users u ON u.id = k.id`,
			"true", order)
	}
	orgFloor := func(org int64) string {
		return usersFloor(fmt.Sprintf(`(SELECT m.user_id FROM memberships m WHERE m.org_id = %d
			AND m.user_status <> 'deleted' ORDER BY m.user_name, m.user_id LIMIT 51) k JOIN users u ON u.id = k.user_id`, org),
			"true", "u.name, u.id")
	}
	cases := []struct {
		name  string
		store func() error
		floor string
		args  []any
	}{
		{"users first page", users(op, store.UserQuery{}),
			usersFloor("users u", "u.status <> 'deleted'", "u.name, u.id"), nil},
		{"users page at depth", users(op, store.UserQuery{After: &deep}),
			usersFloor("users u", "u.status <> 'deleted' AND (u.name, u.id) > ($1, $2)", "u.name, u.id"), []any{deep.Name, deep.ID}},
		{"users by last login", users(op, store.UserQuery{Sort: store.SortLastLogin}),
			usersFloor("users u", "u.status <> 'deleted'", "coalesce(u.last_login_at, '-infinity'::timestamptz) DESC, u.id DESC"), nil},
		{"filter status invited", users(op, store.UserQuery{Status: model.StatusInvited}),
			keysFloor("u.status = 'invited'", "u.name, u.id"), nil},
		{"filter 2FA on", users(op, store.UserQuery{TOTP: &yes}),
			keysFloor("u.status <> 'deleted' AND u.totp_enabled", "u.name, u.id"), nil},
		{"filter locked", users(op, store.UserQuery{Locked: &yes}),
			keysFloor("u.status <> 'deleted' AND u.locked_at IS NOT NULL AND (u.locked_until IS NULL OR u.locked_until > $1)", "u.name, u.id"), []any{now}},
		{"organization page (largest)", users(op, store.UserQuery{OrgID: bigOrg}), orgFloor(bigOrg), nil},
		{"organization page (mid-size)", users(op, store.UserQuery{OrgID: midOrg}), orgFloor(midOrg), nil},
		{"admin's first page", users(admin, store.UserQuery{}), orgFloor(midOrg), nil},
		{"audit first page", func() error { _, err := st.ListAudit(ctx, op, store.AuditQuery{Limit: 51}); return err },
			`SELECT a.id, a.at, a.operator_name, a.action, a.target_user_id, a.target_org_id, a.summary, a.detail,
				coalesce((SELECT u.login_code FROM users u WHERE u.id = a.target_user_id), ''),
				coalesce((SELECT o.slug FROM organizations o WHERE o.id = a.target_org_id), '')
			FROM audit_entries a ORDER BY a.id DESC LIMIT 51`, nil},
		{"lockouts: locked accounts", func() error { _, err := st.ListLocked(ctx, op, store.LockedQuery{Limit: 200}); return err },
			`SELECT u.id, u.login_code, u.email, u.name,
				array(SELECT o.slug FROM memberships m JOIN organizations o ON o.id = m.org_id WHERE m.user_id = u.id ORDER BY 1),
				u.locked_at, u.locked_until, u.lock_reason, u.lock_count, u.failed_attempts, u.last_failed_at,
				host(u.last_failed_ip),
				(SELECT count(*) >= 5 FROM (SELECT a.last_at FROM failure_ip_accounts a
					WHERE a.source = failure_source(u.last_failed_ip) ORDER BY a.last_at DESC LIMIT 5) a
					WHERE a.last_at >= u.last_failed_at - interval '24 hours')
			FROM users u WHERE u.locked_at IS NOT NULL AND (u.locked_until IS NULL OR u.locked_until > $1)
				AND u.status <> 'deleted'
			ORDER BY u.locked_at DESC, u.id LIMIT 200`, []any{now}},
		{"lockouts: recent failures", func() error {
			_, err := st.RecentFailures(ctx, op, store.FailureQuery{Since: day, Limit: 100})
			return err
		},
			`SELECT e.id, e.at, e.user_id, e.login, e.kind, coalesce(e.reason, ''), host(e.ip), e.user_agent, coalesce(u.name, '')
			FROM auth_events e LEFT JOIN users u ON u.id = e.user_id
			WHERE e.kind = 'login_failure' AND e.at >= $1 ORDER BY e.at DESC, e.id DESC LIMIT 100`, []any{day}},
		{"invitations first page", func() error {
			_, err := st.ListInvitations(ctx, op, store.InvitationQuery{Limit: 50})
			return err
		},
			`SELECT i.id, i.org_id, o.slug, o.name, i.email, i.name, i.user_id, coalesce(u.login_code, i.shown_login, ''),
				i.invited_by_name, i.created_at, i.expires_at, i.accepted_at, i.revoked_at, i.resend_count, i.last_sent_at,
				array(SELECT r.right_code FROM invitation_rights r WHERE r.invitation_id = i.id ORDER BY r.right_code),
				CASE WHEN i.accepted_at IS NOT NULL THEN 'accepted' WHEN i.revoked_at IS NOT NULL AND i.revoked_at < i.expires_at THEN 'revoked'
					WHEN i.expires_at <= $1 THEN 'expired' ELSE 'pending' END
			FROM invitations i JOIN organizations o ON o.id = i.org_id LEFT JOIN users u ON u.id = i.user_id
			ORDER BY i.created_at DESC, i.id DESC LIMIT 51`, []any{now}},
		{"user timeline", func() error { _, err := st.UserTimeline(ctx, op, userID, 0, 50); return err },
			`SELECT id, at, user_id, login, kind, coalesce(reason, ''), host(ip), user_agent
			FROM auth_events WHERE user_id = $1 ORDER BY at DESC, id DESC LIMIT 50`, []any{userID}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			stmt, err := conn.PreparexContext(ctx, c.floor)
			if err != nil {
				b.Fatalf("floor: %v", err)
			}
			defer stmt.Close()
			for range 10 { // warm both, and let the floor's plan be the cached one
				noErr(b, c.store())
				noErr(b, readRaw(stmt, c.args))
			}
			var sTimes, fTimes []time.Duration
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				noErr(b, c.store())
				sTimes = append(sTimes, time.Since(t0))
				t0 = time.Now()
				noErr(b, readRaw(stmt, c.args))
				fTimes = append(fTimes, time.Since(t0))
			}
			b.StopTimer()
			s50, s95, f50, f95 := quantile(sTimes, 50), quantile(sTimes, 95), quantile(fTimes, 50), quantile(fTimes, 95)
			b.ReportMetric(s50, "store-p50-ms")
			b.ReportMetric(s95, "store-p95-ms")
			b.ReportMetric(f50, "floor-p50-ms")
			b.ReportMetric(f95, "floor-p95-ms")
			b.ReportMetric(s50/f50, "ratio-p50")
			b.ReportMetric(s95/f95, "ratio-p95")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// readRaw runs a prepared statement and reads every row as bytes.
func readRaw(stmt *sqlx.Stmt, args []any) error {
	rows, err := stmt.Query(args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	for i := range vals {
		vals[i] = new(sql.RawBytes)
	}
	for rows.Next() {
		if err := rows.Scan(vals...); err != nil {
			return err
		}
	}
	return rows.Err()
}

// quantile returns the p-th percentile in milliseconds.
func quantile(d []time.Duration, p int) float64 {
	s := slices.Clone(d)
	slices.Sort(s)
	return float64(s[(len(s)-1)*p/100]) / float64(time.Millisecond)
}

func noErr(b testing.TB, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPreparedPaths compares the ways of sending one small lookup: through the store's
// statement cache (database/sql's Stmt on the pool, prepared again lazily per connection),
// a Stmt prepared on one held connection, and the statement sent as is (lib/pq parses it,
// then binds: two round trips and a plan per call). Same database as BenchmarkFloor.
func BenchmarkPreparedPaths(b *testing.B) {
	ctx := context.Background()
	url := os.Getenv("GATEHOUSE_FLOOR_DATABASE_URL")
	var st *store.Store
	if url != "" {
		var err error
		if st, err = store.Open(ctx, store.Config{DatabaseURL: url, SkipMigrate: true}); err != nil {
			b.Fatal(err)
		}
		defer st.Close()
	} else {
		st = storetest.New(b)
	}
	const q = `SELECT id, name FROM users WHERE status <> 'deleted' AND id = $1`
	conn, err := store.PreparedDB(st).Connx(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	held, err := conn.PreparexContext(ctx, q)
	if err != nil {
		b.Fatal(err)
	}
	drain := func(rows *sql.Rows, err error) error {
		if err != nil {
			return err
		}
		for rows.Next() {
		}
		return rows.Close()
	}
	paths := []struct {
		name string
		run  func() error
	}{
		{"store cache", func() error { _, err := store.QueryPrepared(ctx, st, q, 5); return err }},
		{"one connection", func() error { return drain(held.QueryContext(ctx, 5)) }},
		{"as is", func() error { return drain(st.DB().QueryContext(ctx, q, 5)) }},
	}
	for _, p := range paths {
		b.Run(p.name, func(b *testing.B) {
			for range b.N {
				noErr(b, p.run())
			}
		})
	}
}
