package demodata_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"gatehouse/model"
	"gatehouse/model/i18n"
	"gatehouse/store"
	"gatehouse/store/demodata"
	"gatehouse/store/storetest"
)

func count(t *testing.T, db *sqlx.DB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.Get(&n, q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestLoad(t *testing.T) {
	st := storetest.New(t)
	db := st.DB()
	ctx := context.Background()
	var calls int
	var last, total int64
	sum, err := demodata.Load(ctx, db, demodata.Options{Users: 2000, Events: 20000, Seed: 42},
		func(done, tot int64) {
			calls++
			if done < last {
				t.Errorf("progress went back: %d after %d", done, last)
			}
			last, total = done, tot
		})
	if err != nil {
		t.Fatal(err)
	}
	if calls == 0 || last != total {
		t.Errorf("progress: %d calls, last %d of %d", calls, last, total)
	}
	checks := []struct {
		q    string
		want int64
	}{
		{`SELECT count(*) FROM users`, 2000},
		{`SELECT count(*) FROM auth_events`, 20000},
		{`SELECT count(*) FROM organizations`, sum.Orgs},
		{`SELECT count(*) FROM memberships`, sum.Memberships},
		{`SELECT count(*) FROM invitations`, sum.Invitations},
		{`SELECT count(*) FROM audit_entries`, sum.Audit},
	}
	for _, c := range checks {
		if got := count(t, db, c.q); got != c.want {
			t.Errorf("%s = %d; want %d", c.q, got, c.want)
		}
	}
	if sum.Users != 2000 || sum.Events != 20000 || sum.Orgs != 10 || sum.Invitations != 40 || sum.Audit == 0 {
		t.Errorf("summary %+v", sum)
	}
	for _, st := range []string{"active", "invited", "disabled", "deleted"} {
		if n := count(t, db, `SELECT count(*) FROM users WHERE status = $1`, st); n == 0 {
			t.Errorf("no %s user", st)
		}
	}
	locked := count(t, db, `SELECT count(*) FROM users WHERE locked_at IS NOT NULL`)
	if locked < 1 || locked > 40 {
		t.Errorf("%d locked users; want about 0.5%% of 2000", locked)
	}
	// Every locked user: threshold, ≥ 5 failures, and a failure history with a lock event.
	if n := count(t, db, `SELECT count(*) FROM users u WHERE locked_at IS NOT NULL AND (
			lock_reason <> 'threshold' OR failed_attempts < 5 OR last_failed_at IS NULL OR last_failed_ip IS NULL
			OR (SELECT count(*) FROM auth_events e WHERE e.user_id = u.id AND e.kind = 'login_failure'
				AND e.at <= u.locked_at + interval '1 second') < 5
			OR NOT EXISTS (SELECT 1 FROM auth_events e WHERE e.user_id = u.id AND e.kind = 'lock'))`); n != 0 {
		t.Errorf("%d locked users without a consistent failure history", n)
	}
	totp := count(t, db, `SELECT count(*) FROM users WHERE totp_enabled`)
	if totp < 100 || totp > 300 {
		t.Errorf("%d users with TOTP; want about 10%%", totp)
	}
	if n := count(t, db, `SELECT count(*) FROM users WHERE must_change_password`); n == 0 {
		t.Error("no must-change user")
	}
	if n := count(t, db, `SELECT count(*) FROM users WHERE password_hash LIKE '$2%'`); n == 0 {
		t.Error("no bcrypt (imported) user")
	}
	// Orgs of very different sizes, one to three orgs per user.
	var sizes []int64
	if err := db.Select(&sizes, `SELECT count(*) FROM memberships GROUP BY org_id ORDER BY 1 DESC`); err != nil {
		t.Fatal(err)
	}
	if len(sizes) < 5 || sizes[0] < 5*sizes[len(sizes)-1] {
		t.Errorf("organization sizes not skewed: %v", sizes)
	}
	if n := count(t, db, `SELECT count(*) FROM (SELECT user_id FROM memberships GROUP BY user_id HAVING count(*) > 3) x`); n != 0 {
		t.Errorf("%d users in more than 3 organizations", n)
	}
	if n := count(t, db, `SELECT count(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id)`); n != 0 {
		t.Errorf("%d users without organization", n)
	}
	if n := count(t, db, `SELECT count(*) FROM memberships m WHERE NOT EXISTS (SELECT 1 FROM membership_rights r WHERE r.user_id = m.user_id AND r.org_id = m.org_id)`); n != 0 {
		t.Errorf("%d memberships without rights", n)
	}
	// Foreign keys hold even though the load may have skipped their triggers.
	for _, q := range []string{
		`SELECT count(*) FROM memberships m LEFT JOIN users u ON u.id = m.user_id LEFT JOIN organizations o ON o.id = m.org_id WHERE u.id IS NULL OR o.id IS NULL`,
		`SELECT count(*) FROM membership_rights r LEFT JOIN memberships m USING (user_id, org_id) WHERE m.user_id IS NULL`,
		`SELECT count(*) FROM auth_events e LEFT JOIN users u ON u.id = e.user_id WHERE e.user_id IS NOT NULL AND u.id IS NULL`,
		`SELECT count(*) FROM invitations i LEFT JOIN users u ON u.id = i.user_id LEFT JOIN organizations o ON o.id = i.org_id WHERE (i.user_id IS NOT NULL AND u.id IS NULL) OR o.id IS NULL`,
		`SELECT count(*) FROM invitation_rights r LEFT JOIN invitations i ON i.id = r.invitation_id WHERE i.id IS NULL`,
		// The copies of a user's name and status on memberships (written by the load itself).
		`SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.user_name <> u.name OR m.user_status <> u.status`,
	} {
		if n := count(t, db, q); n != 0 {
			t.Errorf("%d dangling or drifted rows: %s", n, q)
		}
	}
	// Auth events: the last 90 days, documentation IPs, an attack from 203.0.113.0/24.
	if n := count(t, db, `SELECT count(*) FROM auth_events WHERE at < now() - interval '91 days' OR at > now()`); n != 0 {
		t.Errorf("%d events outside the last 90 days", n)
	}
	if n := count(t, db, `SELECT count(*) FROM auth_events WHERE NOT (ip << '192.0.2.0/24' OR ip << '198.51.100.0/24' OR ip << '203.0.113.0/24' OR ip << '2001:db8::/32')`); n != 0 {
		t.Errorf("%d events from non-documentation addresses", n)
	}
	if n := count(t, db, `SELECT count(*) FROM auth_events WHERE family(ip) = 6`); n == 0 {
		t.Error("no IPv6 event")
	}
	if n := count(t, db, `SELECT max(c) FROM (SELECT count(DISTINCT user_id) c FROM auth_events
			WHERE kind = 'login_failure' AND ip << '203.0.113.0/24' AND at > now() - interval '2 days' GROUP BY ip) x`); n < 3 {
		t.Errorf("attacker IP failed on only %d accounts", n)
	}
	var kinds []string
	if err := db.Select(&kinds, `SELECT DISTINCT kind FROM auth_events ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"login_success", "login_failure", "lock", "password_changed"} {
		if !strings.Contains(strings.Join(kinds, ","), k) {
			t.Errorf("no %s event (have %v)", k, kinds)
		}
	}
	// last_login_at matches the last success.
	if n := count(t, db, `SELECT count(*) FROM users u WHERE last_login_at IS DISTINCT FROM
			(SELECT date_trunc('second', max(at)) FROM auth_events e WHERE e.user_id = u.id AND kind = 'login_success')`); n != 0 {
		t.Errorf("%d users whose last_login_at is not their last success", n)
	}
	// Invitations in every state.
	for _, q := range []string{
		`SELECT count(*) FROM invitations WHERE accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()`,
		`SELECT count(*) FROM invitations WHERE accepted_at IS NULL AND revoked_at IS NULL AND expires_at <= now()`,
		`SELECT count(*) FROM invitations WHERE accepted_at IS NOT NULL`,
		`SELECT count(*) FROM invitations WHERE revoked_at IS NOT NULL`,
	} {
		if count(t, db, q) == 0 {
			t.Errorf("none: %s", q)
		}
	}
	// The audit rows are chained by the trigger, and read in the reader's language: each has
	// its structured part, an action of the store's, and its English summary is its text.
	if n := count(t, db, `SELECT count(*) FROM audit_entries WHERE length(hash) <> 32`); n != 0 {
		t.Errorf("%d unchained audit rows", n)
	}
	rows, err := st.ListAudit(ctx, model.Operator{Name: "sue", Role: model.RoleSupport}, store.AuditQuery{Limit: 500})
	if err != nil || len(rows) == 0 {
		t.Fatalf("the demo's audit rows: %d, %v", len(rows), err)
	}
	for _, e := range rows {
		if fr := e.SummaryIn(i18n.FR); e.Detail == nil || !model.HasAuditText(e.Action) || e.SummaryIn(i18n.EN) != e.Summary || fr == e.Summary {
			t.Fatalf("a demo audit row that does not read in French: %s %q (French %q)", e.Action, e.Summary, fr)
		}
	}
	// Names from many scripts; the generated search column is filled.
	if n := count(t, db, `SELECT count(*) FROM users WHERE name ~ '[^\x01-\x7f]'`); n < 500 {
		t.Errorf("only %d non-ASCII names", n)
	}
	if n := count(t, db, `SELECT count(*) FROM users WHERE search NOT LIKE '%' || lower(login_code)`); n != 0 {
		t.Errorf("%d users with a bad search column", n)
	}

	// Samples log in.
	if len(sum.Samples) < 3 || len(sum.Samples) > 5 {
		t.Fatalf("%d samples", len(sum.Samples))
	}
	for _, s := range sum.Samples {
		var u struct {
			Hash   string `db:"password_hash"`
			Status string `db:"status"`
			Locked bool   `db:"locked"`
			TOTP   bool   `db:"totp_enabled"`
			Must   bool   `db:"must_change_password"`
			Email  string `db:"email"`
		}
		if err := db.Get(&u, `SELECT password_hash, status, locked_at IS NOT NULL AS locked, totp_enabled,
				must_change_password, email FROM users WHERE login_code = $1`, s.Login); err != nil {
			t.Fatalf("sample %s: %v", s.Login, err)
		}
		if u.Status != "active" || u.Locked || u.TOTP || u.Must || u.Email != s.Email {
			t.Errorf("sample %s: %+v", s.Login, u)
		}
		ok, _, err := store.VerifyPassword(ctx, u.Hash, s.Password)
		if err != nil || !ok {
			t.Errorf("sample %s cannot log in: %v %v", s.Login, ok, err)
		}
		if len([]rune(s.Password)) < 15 {
			t.Errorf("sample password %q too short", s.Password)
		}
	}

	// Seeding again into the same database adds without colliding.
	sum2, err := demodata.Load(ctx, db, demodata.Options{Users: 500, Events: 2000, Seed: 42}, nil)
	if err != nil {
		t.Fatalf("second seed: %v", err)
	}
	if got := count(t, db, `SELECT count(*) FROM users`); got != 2500 {
		t.Errorf("%d users after the second seed", got)
	}
	if sum2.Samples[0].Login == sum.Samples[0].Login {
		t.Errorf("second seed reused login %s", sum2.Samples[0].Login)
	}
}

func TestLoadReproducible(t *testing.T) {
	ctx := context.Background()
	var logins [2][]string
	for k := range logins {
		db := storetest.New(t).DB()
		if _, err := demodata.Load(ctx, db, demodata.Options{Users: 300, Events: 1500, Seed: 7}, nil); err != nil {
			t.Fatal(err)
		}
		if err := db.Select(&logins[k], `SELECT login_code || ' ' || email || ' ' || name FROM users ORDER BY id`); err != nil {
			t.Fatal(err)
		}
	}
	if len(logins[0]) != 300 || strings.Join(logins[0], "\n") != strings.Join(logins[1], "\n") {
		t.Fatalf("two seeds differ:\n%v\n%v", logins[0][:3], logins[1][:3])
	}
}

func TestLoadEdgeSizes(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t).DB()
	for _, opt := range []demodata.Options{
		{Users: 0, Events: 0},
		{Users: 1, Events: 0},
		{Users: 3, Events: 5, Orgs: 7},
		{Users: 0, Events: 10},
	} {
		if _, err := demodata.Load(ctx, db, opt, nil); err != nil {
			t.Errorf("%+v: %v", opt, err)
		}
	}
}

// TestLoadLarge measures a big seed against the server named by GATEHOUSE_SEED_DSN (a migrated
// database), e.g. GATEHOUSE_SEED_USERS=1000000 GATEHOUSE_SEED_EVENTS=10000000. Skipped otherwise.
func TestLoadLarge(t *testing.T) {
	dsn := os.Getenv("GATEHOUSE_SEED_DSN")
	if dsn == "" {
		t.Skip("GATEHOUSE_SEED_DSN not set")
	}
	users, _ := strconv.Atoi(os.Getenv("GATEHOUSE_SEED_USERS"))
	events, _ := strconv.Atoi(os.Getenv("GATEHOUSE_SEED_EVENTS"))
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	lastPrint := start
	sum, err := demodata.Load(context.Background(), db, demodata.Options{Users: users, Events: events, Seed: 1},
		func(done, total int64) {
			if time.Since(lastPrint) > 5*time.Second {
				lastPrint = time.Now()
				t.Logf("%6.1fs %d/%d", time.Since(start).Seconds(), done, total)
			}
		})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded %+v", sum)
}

// The demo's attack from one IPv6 /64 walks its addresses: on a demo-sized seed, the Lockouts
// screen's by-IP pane (FailuresByIP over the last 24 hours) shows 2001:db8:bad:1::/64 as one
// source that failed on at least 6 accounts, flagged as a likely attack, though none of its
// addresses failed on more than a few.
func TestDemoIPv6AttackIsFlaggedAsOneSource(t *testing.T) {
	for _, seed := range []int64{1, 2, 42} {
		s := storetest.New(t)
		ctx := context.Background()
		// The demo's size (cli/demo.go's demoSeed).
		if _, err := demodata.Load(ctx, s.DB(), demodata.Options{Users: 300, Events: 3000, Orgs: 12, Seed: seed}, nil); err != nil {
			t.Fatal(err)
		}
		oncall := model.Operator{Name: "olga", Role: model.RoleOncall}
		rows, err := s.FailuresByIP(ctx, oncall, time.Now().Add(-24*time.Hour), 200)
		if err != nil {
			t.Fatal(err)
		}
		var found *store.IPFailures
		for i, r := range rows {
			if store.SourceText(r.Source) == "2001:db8:bad:1::/64" {
				found = &rows[i]
			}
		}
		if found == nil || found.Accounts < 6 || !found.LikelyAttack {
			t.Fatalf("seed %d: the /64 in the by-IP pane: %+v (of %d sources)", seed, found, len(rows))
		}
		if n := count(t, s.DB(), `SELECT count(DISTINCT ip) FROM auth_events WHERE ip << '2001:db8:bad:1::/64'
			AND kind = 'login_failure' AND at > now() - interval '24 hours'`); n < 6 {
			t.Errorf("seed %d: the /64 failed from %d addresses, want many", seed, n)
		}
		if n := count(t, s.DB(), `SELECT max(c) FROM (SELECT count(DISTINCT coalesce(user_id::text, login)) c FROM auth_events
			WHERE ip << '2001:db8:bad:1::/64' AND kind = 'login_failure' AND at > now() - interval '24 hours' GROUP BY ip) x`); n >= 5 {
			t.Errorf("seed %d: one address of the /64 failed on %d accounts: flagged by itself, not as a /64", seed, n)
		}
	}
}

// LoadReport names every phase, ends each once with its duration, and its overall work
// never goes back and ends at its total: the phases after the COPY (search blocks, the
// failures' summaries, VACUUM ANALYZE) are in the progress and its ETA too.
func TestLoadReportsEveryPhase(t *testing.T) {
	db := storetest.New(t).DB()
	var mu sync.Mutex
	var reports []demodata.Progress
	sum, err := demodata.LoadReport(context.Background(), db, demodata.Options{Users: 1500, Events: 9000, Seed: 3},
		func(p demodata.Progress) {
			mu.Lock()
			reports = append(reports, p)
			mu.Unlock()
		})
	if err != nil {
		t.Fatal(err)
	}
	ended := map[string]int{}
	var last int64
	for _, p := range reports {
		if p.Work < last || p.Work > p.WorkTotal {
			t.Fatalf("work %d of %d after %d", p.Work, p.WorkTotal, last)
		}
		last = p.Work
		if p.Took > 0 {
			ended[p.Phase]++
		}
	}
	end := reports[len(reports)-1]
	if end.Work != end.WorkTotal || end.Took == 0 {
		t.Errorf("last report %+v", end)
	}
	for _, phase := range []string{"planning", "organizations", "users", "memberships", "membership rights", "invitations",
		"auth events", "audit entries", "search blocks", "failure summaries", "vacuum analyze users",
		"vacuum analyze auth events", "vacuum analyze memberships", "vacuum analyze the other tables"} {
		if ended[phase] != 1 {
			t.Errorf("phase %q ended %d times", phase, ended[phase])
		}
	}
	if len(sum.Phases) != len(ended) || sum.DatabaseSize <= 0 {
		t.Errorf("summary: %d phases (%d ended), database size %d", len(sum.Phases), len(ended), sum.DatabaseSize)
	}
	for _, p := range sum.Phases {
		if p.Phase == "users" && p.Rows != 1500 || p.Phase == "auth events" && p.Rows != 9000 {
			t.Errorf("phase %+v", p)
		}
	}
}

// A role that is not a superuser (it owns the tables, it cannot skip the foreign-key checks)
// loads the events once the users are committed, with the triggers it must disable off
// during the load, and ends with the same blocks and summaries as a rebuild.
func TestLoadWithoutSuperuser(t *testing.T) {
	dsn := storetest.NewDSN(t)
	admin, err := sqlx.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	role := fmt.Sprintf("seeder_%d", time.Now().UnixNano()%1e9)
	stmts := []string{`CREATE ROLE ` + role + ` LOGIN NOSUPERUSER`,
		`GRANT CREATE ON SCHEMA public TO ` + role}
	var tables []string
	if err := admin.Select(&tables, `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`); err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		stmts = append(stmts, `ALTER TABLE `+tb+` OWNER TO `+role)
	}
	for _, q := range stmts {
		if _, err := admin.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(`REASSIGN OWNED BY ` + role + ` TO CURRENT_USER`)
		_, _ = admin.Exec(`DROP OWNED BY ` + role)
		_, _ = admin.Exec(`DROP ROLE ` + role)
	})
	var roleDSN string
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.User(role)
		roleDSN = u.String()
	} else {
		var parts []string
		for _, p := range strings.Fields(dsn) {
			if !strings.HasPrefix(p, "user=") {
				parts = append(parts, p)
			}
		}
		roleDSN = strings.Join(append(parts, "user="+role), " ")
	}
	db, err := sqlx.Open("postgres", roleDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var super bool
	if err := db.Get(&super, `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`); err != nil || super {
		t.Fatalf("connected as a superuser (%v)", err)
	}
	sum, err := demodata.Load(context.Background(), db, demodata.Options{Users: 800, Events: 6000, Seed: 9}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `SELECT count(*) FROM auth_events`); n != 6000 || sum.Users != 800 {
		t.Errorf("%d events, %d users", n, sum.Users)
	}
	if n := count(t, db, `SELECT count(*) FROM pg_trigger WHERE tgname IN ('users_search_blocks_insert', 'auth_events_failure_rollups') AND tgenabled = 'O'`); n != 2 {
		t.Errorf("%d of the two triggers enabled after the load", n)
	}
	// The summaries and the blocks are what a rebuild makes of the rows loaded.
	before := count(t, db, `SELECT count(*) FROM failure_ip_days`) + count(t, db, `SELECT count(*) FROM search_blocks`)
	if _, err := db.Exec(`BEGIN; SELECT failure_rollups_rebuild(); SELECT search_blocks_rebuild(32); COMMIT`); err != nil {
		t.Fatal(err)
	}
	after := count(t, db, `SELECT count(*) FROM failure_ip_days`) + count(t, db, `SELECT count(*) FROM search_blocks`)
	if before == 0 || before != after {
		t.Errorf("summaries and blocks: %d rows after the load, %d after a rebuild", before, after)
	}
}
