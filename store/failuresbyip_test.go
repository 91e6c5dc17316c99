package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sort"
	"testing"
	"time"

	"gatehouse/model"
	"gatehouse/store"
	"gatehouse/store/demodata"
	"gatehouse/store/storetest"
)

// ipRow is one source's group, as the store answers it or as the events say it.
type ipRow struct {
	Accounts, Attempts int
	First, Last        time.Time
}

// sourceOf is the grouping the events are held to, written apart from the store's: an IPv4
// address (or an IPv4-mapped one) on its own, an IPv6 address by its first 64 bits.
func sourceOf(t testing.TB, ip string) string {
	t.Helper()
	a, err := netip.ParseAddr(ip)
	if err != nil {
		t.Fatalf("event address %q: %v", ip, err)
	}
	if a.Is4() || a.Is4In6() {
		return a.String()
	}
	b := a.As16()
	clear(b[8:])
	return netip.AddrFrom16(b).String() + "/64"
}

// failuresFromEvents is the plain answer: the events of the window grouped by source, an
// unknown login (lower-cased) counting as an account of its own.
func failuresFromEvents(t *testing.T, s *store.Store, since time.Time) map[string]ipRow {
	t.Helper()
	rows, err := s.DB().Query(`SELECT host(ip), coalesce(user_id::text, 'unknown ' || lower(login)), at
		FROM auth_events WHERE kind = 'login_failure' AND at >= $1 AND ip IS NOT NULL`, since)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]ipRow{}
	accounts := map[[2]string]bool{}
	for rows.Next() {
		var ip, account string
		var at time.Time
		must(t, rows.Scan(&ip, &account, &at))
		src := sourceOf(t, ip)
		r := out[src]
		if !accounts[[2]string{src, account}] {
			accounts[[2]string{src, account}] = true
			r.Accounts++
		}
		r.Attempts++
		if r.First.IsZero() || at.Before(r.First) {
			r.First = at
		}
		if at.After(r.Last) {
			r.Last = at
		}
		out[src] = r
	}
	must(t, rows.Err())
	return out
}

// checkFailuresByIP holds the store's answer (from the summaries) to the events', for every
// window of the Lockouts screen and for windows starting on, just after and just before an
// hour; and the order of a short list to the order of the plain answer.
func checkFailuresByIP(t *testing.T, s *store.Store, stage string) {
	t.Helper()
	ctx := context.Background()
	op := model.Operator{Name: "support", Role: model.RoleSupport}
	now := time.Now()
	hour := now.Truncate(time.Hour).Add(-5 * time.Hour)
	minute := hour.Add(17 * time.Minute)
	sinces := []time.Time{now.Add(-15 * time.Minute), now.Add(-time.Hour), now.Add(-6 * time.Hour),
		now.Add(-24 * time.Hour), now.Add(-7 * 24 * time.Hour), hour, hour.Add(time.Microsecond),
		hour.Add(-time.Microsecond), minute, minute.Add(time.Microsecond), minute.Add(-time.Microsecond),
		now.Add(-9 * 24 * time.Hour), {}}
	checkFailureMinutes(t, s, stage)
	checkFailureDays(t, s, stage)
	for _, since := range sinces {
		want := failuresFromEvents(t, s, since)
		got, err := s.FailuresByIP(ctx, op, since, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Errorf("%s, since %s: %d addresses, want %d", stage, since.Format(time.RFC3339Nano), len(got), len(want))
		}
		for _, g := range got {
			w, ok := want[store.SourceText(g.Source)]
			r := ipRow{g.Accounts, g.Attempts, g.FirstSeen, g.LastSeen}
			if !ok || r.Accounts != w.Accounts || r.Attempts != w.Attempts || !r.First.Equal(w.First) || !r.Last.Equal(w.Last) {
				t.Errorf("%s, since %s, %s: %+v, want %+v", stage, since.Format(time.RFC3339Nano), g.Source, r, w)
			}
			if g.LikelyAttack != (w.Accounts >= store.AttackAccounts) {
				t.Errorf("%s, since %s, %s: flagged %v with %d accounts", stage, since.Format(time.RFC3339Nano), g.Source, g.LikelyAttack, w.Accounts)
			}
		}
		// The first three in order: the keys must be the plain answer's first three.
		keys := make([][3]int64, 0, len(want))
		for _, w := range want {
			keys = append(keys, [3]int64{int64(w.Accounts), int64(w.Attempts), w.Last.UnixMicro()})
		}
		sort.Slice(keys, func(i, j int) bool {
			for k := 0; k < 3; k++ {
				if keys[i][k] != keys[j][k] {
					return keys[i][k] > keys[j][k]
				}
			}
			return false
		})
		short, err := s.FailuresByIP(ctx, op, since, 3)
		if err != nil {
			t.Fatal(err)
		}
		for i, g := range short {
			if k := [3]int64{int64(g.Accounts), int64(g.Attempts), g.LastSeen.UnixMicro()}; i >= len(keys) || k != keys[i] {
				t.Errorf("%s, since %s: place %d is %v, want %v", stage, since.Format(time.RFC3339Nano), i+1, k, keys[min(i, len(keys)-1)])
			}
		}
	}
}

// checkFailureDays holds the days' summaries to the events grouped by source and UTC day: for
// each hour of the day, the failures from that hour to the end of the day, the first of them,
// and the accounts whose last failure is in the day from that hour on; and the day's last
// failure.
func checkFailureDays(t *testing.T, s *store.Store, stage string) {
	t.Helper()
	var diff []string
	must(t, s.DB().Select(&diff, `WITH e AS (SELECT failure_source(ip) AS source, date_trunc('day', at, 'UTC') AS day,
				extract(hour FROM at AT TIME ZONE 'UTC')::int AS hour, at
			FROM auth_events WHERE kind = 'login_failure' AND ip IS NOT NULL),
		a AS (SELECT source, date_trunc('day', last_at, 'UTC') AS day, extract(hour FROM last_at AT TIME ZONE 'UTC')::int AS hour
			FROM failure_ip_accounts),
		want AS (SELECT e.source, e.day, h.i, (count(*) FILTER (WHERE e.hour >= h.i - 1))::int AS attempts,
				min(e.at) FILTER (WHERE e.hour >= h.i - 1) AS first_at, max(e.at) AS last_at,
				(SELECT count(*)::int FROM a WHERE a.source = e.source AND a.day = e.day AND a.hour >= h.i - 1) AS accounts
			FROM e CROSS JOIN generate_series(1, 24) h(i) GROUP BY 1, 2, 3),
		got AS (SELECT d.source, d.day, u.i::int, u.attempts, u.first_at, d.last_at, u.accounts
			FROM failure_ip_days d, unnest(d.attempts, d.first_at, d.accounts) WITH ORDINALITY u(attempts, first_at, accounts, i))
		(SELECT 'missing ' || w::text FROM (TABLE want EXCEPT TABLE got) w)
		UNION ALL (SELECT 'extra ' || g::text FROM (TABLE got EXCEPT TABLE want) g)`))
	if len(diff) > 0 {
		t.Errorf("%s: the days' summaries differ from the events: %v", stage, diff[:min(len(diff), 5)])
	}
}

// checkFailureMinutes holds the minutes' summaries, from the minute they are whole, to the
// events grouped by source and minute (accounts: those whose last failure is in the minute).
func checkFailureMinutes(t *testing.T, s *store.Store, stage string) {
	t.Helper()
	var diff []string
	must(t, s.DB().Select(&diff, `WITH f AS (SELECT from_minute FROM failure_minutes_range),
		e AS (SELECT failure_source(ip) AS source, date_trunc('minute', at, 'UTC') AS minute, count(*) AS attempts,
				min(at) AS first_at, max(at) AS last_at
			FROM auth_events WHERE kind = 'login_failure' AND ip IS NOT NULL AND at >= (SELECT from_minute FROM f) GROUP BY 1, 2),
		a AS (SELECT source, date_trunc('minute', last_at, 'UTC') AS minute, count(*) AS n
			FROM failure_ip_accounts GROUP BY 1, 2),
		want AS (SELECT e.source, e.minute, e.attempts, e.first_at, e.last_at, coalesce(a.n, 0) AS accounts
			FROM e LEFT JOIN a ON a.source = e.source AND a.minute = e.minute),
		got AS (SELECT source, minute, attempts, first_at, last_at, accounts FROM failure_ip_minutes
			WHERE minute >= (SELECT from_minute FROM f))
		(SELECT 'missing ' || w::text FROM (TABLE want EXCEPT TABLE got) w)
		UNION ALL (SELECT 'extra ' || g::text FROM (TABLE got EXCEPT TABLE want) g)`))
	if len(diff) > 0 {
		t.Errorf("%s: the minutes' summaries differ from the events: %v", stage, diff[:min(len(diff), 5)])
	}
	var covered bool
	must(t, s.DB().Get(&covered, `SELECT from_minute <= now() - interval '7 days' FROM failure_minutes_range`))
	if !covered {
		t.Errorf("%s: the minutes' summaries do not reach back seven days", stage)
	}
}

// TestFailuresByIPSummariesAreExact: failures written one by one out of time order (known
// accounts, unknown logins in mixed case, no address, other kinds, IPv4 and IPv6 addresses,
// several of one /64, an IPv4-mapped one), from eight transactions at once on one address and
// on eight addresses of one /64, through the real login routine, by the seed, and after a
// prune — the summaries always give the events' answer, grouped by source.
func TestFailuresByIPSummariesAreExact(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	org := storetest.Org(t, s, "ipsum", "IP summaries")
	var users []int64
	for i := 0; i < 12; i++ {
		users = append(users, storetest.User(t, s, fmt.Sprintf("IPS-%05d", i), fmt.Sprintf("ips%d@example.org", i), fmt.Sprintf("Ip User %d", i), time.Time{}, org))
	}
	ips := []string{"203.0.113.7", "203.0.113.8", "198.51.100.1", "2001:db8::1", "192.0.2.50",
		"2001:db8:bad:1::66", "2001:db8:bad:1::67", "2001:db8:bad:1:ffff:ffff:ffff:ffff", "2001:db8:bad:2::13",
		"2001:db8:bad:1:8000::", "::ffff:192.0.2.50"}
	logins := []string{"nobody", "NoBody", "ghost", "Ghost ", "x"}
	r := rand.New(rand.NewPCG(9, 9))
	now := time.Now()
	for i := 0; i < 700; i++ {
		at := now.Add(-time.Duration(r.Int64N(int64(8 * 24 * time.Hour))))
		if i%50 == 0 { // on an hour exactly
			at = at.Truncate(time.Hour)
		}
		kind, ip := "login_failure", any(ips[r.IntN(len(ips))])
		switch i % 23 {
		case 0:
			ip = nil
		case 1:
			kind = "login_success"
		}
		var user any
		login := logins[r.IntN(len(logins))]
		if r.IntN(3) > 0 {
			user = users[r.IntN(len(users))]
			login = fmt.Sprint("IPS-", user)
		}
		must(t, exec(s, `INSERT INTO auth_events (at, user_id, login, kind, ip) VALUES ($1, $2, $3, $4, $5::inet)`, at, user, login, kind, ip))
	}
	// Failures exactly on the hours the checked windows start in or next to.
	for _, h := range []time.Duration{5, 4} {
		at := now.Truncate(time.Hour).Add(-h * time.Hour)
		must(t, exec(s, `INSERT INTO auth_events (at, user_id, login, kind, ip) VALUES ($1, $2, 'x', 'login_failure', '203.0.113.7'),
			($1, NULL, 'edge', 'login_failure', '192.0.2.50')`, at, users[0]))
	}
	checkFailuresByIP(t, s, "one by one")

	// Eight transactions at once failing on one address (accounts new and repeated).
	inParallel(t, 8, 40, func(w, i int) error {
		return exec(s, `INSERT INTO auth_events (user_id, login, kind, ip) VALUES ($1, 'c', 'login_failure', '203.0.113.99')`,
			users[(w*7+i)%len(users)])
	})
	// And on one /64, each transaction from addresses of its own, known accounts and unknown
	// logins: the same summary rows, reached from different addresses.
	inParallel(t, 8, 40, func(w, i int) error {
		var user any
		if i%3 > 0 {
			user = users[(w*5+i)%len(users)]
		}
		return exec(s, `INSERT INTO auth_events (user_id, login, kind, ip) VALUES ($1, $2, 'login_failure', $3::inet)`,
			user, fmt.Sprintf("Spray%d", i%7), fmt.Sprintf("2001:db8:bad:9:%x::%x", w, i+1))
	})
	var spread int
	must(t, s.DB().Get(&spread, `SELECT count(*) FROM failure_ip_days WHERE source = '2001:db8:bad:9::/64'`))
	if spread == 0 {
		t.Fatal("eight addresses of 2001:db8:bad:9::/64 left no summary of the /64")
	}
	// And through the login routine itself.
	for i := 0; i < 3; i++ {
		ip := netip.MustParseAddr("192.0.2.77")
		_, _ = s.Authenticate(ctx, store.AuthRequest{Login: "IPS-00001", Password: "wrong password here", IP: ip})
		_, _ = s.Authenticate(ctx, store.AuthRequest{Login: fmt.Sprintf("UNKNOWN-%d", i), Password: "whatever it is", IP: ip})
	}
	var viaLogin int
	must(t, s.DB().Get(&viaLogin, `SELECT coalesce(sum(attempts[1]), 0) FROM failure_ip_days WHERE source = '192.0.2.77'`))
	if viaLogin != 6 {
		t.Fatalf("the login routine's failures: %d in the summary, want 6", viaLogin)
	}
	checkFailuresByIP(t, s, "concurrent and by login")

	// Pruned: what is left still agrees for the windows inside what is kept.
	if _, err := s.PruneAuthEvents(ctx, supportOp, now.Add(-8*24*time.Hour), store.PruneOptions{Batch: 50}); err != nil {
		t.Fatal(err)
	}
	var stale int
	must(t, s.DB().Get(&stale, `SELECT (SELECT count(*) FROM failure_ip_accounts WHERE last_at < $1) +
		(SELECT count(*) FROM failure_ip_days WHERE day <= $1::timestamptz - interval '1 day')`, now.Add(-8*24*time.Hour)))
	if stale != 0 {
		t.Fatalf("%d summary rows older than the prune", stale)
	}
	checkFailuresByIP(t, s, "after a prune")
}

func TestFailuresByIPSummariesAfterSeed(t *testing.T) {
	s := storetest.New(t)
	if _, err := demodata.Load(context.Background(), s.DB(), demodata.Options{Users: 600, Events: 20000, Orgs: 4, Seed: 8}, nil); err != nil {
		t.Fatal(err)
	}
	var n int
	must(t, s.DB().Get(&n, `SELECT count(*) FROM failure_ip_days`))
	if n == 0 {
		t.Fatal("the seed left the failure summaries empty")
	}
	checkFailuresByIP(t, s, "seeded")
}

// TestPruneKeepsAFailureThatRacedIt: a source's account was last tried before the cut, and a
// new failure of that account is being written while the prune runs. The prune waits for the
// failure's transaction and must then keep the row the failure moved past the cut: deleting
// it would drop that account from the source's count until the next failure. For an IPv4
// address, and for an IPv6 /64 whose new failure comes from another of its addresses.
func TestPruneKeepsAFailureThatRacedIt(t *testing.T) {
	for _, c := range []struct{ name, old, new, source string }{
		{"IPv4", "203.0.113.50", "203.0.113.50", "203.0.113.50/32"},
		{"IPv6 /64", "2001:db8:bad:3::1", "2001:db8:bad:3:ffff::2", "2001:db8:bad:3::/64"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := storetest.New(t)
			ctx := context.Background()
			user := storetest.User(t, s, "RACE-00001", "race@example.org", "Race Prune", time.Time{})
			now := time.Now().Truncate(time.Microsecond) // what a timestamptz holds
			must(t, exec(s, `INSERT INTO auth_events (at, user_id, login, kind, ip) VALUES ($1, $2, 'RACE-00001', 'login_failure', $3::inet)`,
				now.Add(-10*24*time.Hour), user, c.old))
			tx, err := s.DB().Beginx()
			must(t, err)
			defer tx.Rollback()
			_, err = tx.Exec(`INSERT INTO auth_events (at, user_id, login, kind, ip) VALUES ($1, $2, 'RACE-00001', 'login_failure', $3::inet)`,
				now, user, c.new)
			must(t, err)
			pruned := make(chan error, 1)
			go func() {
				_, err := s.PruneAuthEvents(ctx, supportOp, now.Add(-8*24*time.Hour), store.PruneOptions{})
				pruned <- err
			}()
			waitingBackend(t, s) // the prune waits for the failure's row
			must(t, tx.Commit())
			must(t, <-pruned)
			var last []time.Time
			must(t, s.DB().Select(&last, `SELECT last_at FROM failure_ip_accounts WHERE source = $1::inet`, c.source))
			if len(last) != 1 || !last[0].Equal(now) {
				t.Fatalf("after the raced prune the source's accounts are %v, want the new failure at %v", last, now)
			}
			checkFailuresByIP(t, s, "raced prune")
		})
	}
}

// TestFailureSourceIsOneRule: the Go rule (FailureSource, used to judge a locked account's
// last failure) and the SQL one (failure_source, the summaries' key) agree, at the edges of
// a /64 and for the kinds of addresses a login can come from.
func TestFailureSourceIsOneRule(t *testing.T) {
	s := storetest.New(t)
	for _, c := range []struct{ ip, want string }{
		{"203.0.113.66", "203.0.113.66"},
		{"0.0.0.0", "0.0.0.0"},
		{"255.255.255.255", "255.255.255.255"},
		{"::ffff:192.0.2.50", "::ffff:192.0.2.50"},
		{"2001:db8:bad:1::66", "2001:db8:bad:1::/64"},
		{"2001:db8:bad:1::", "2001:db8:bad:1::/64"},
		{"2001:db8:bad:1:ffff:ffff:ffff:ffff", "2001:db8:bad:1::/64"},
		{"2001:db8:bad:2::13", "2001:db8:bad:2::/64"},
		{"::1", "::/64"},
		{"fe80::1", "fe80::/64"},
		{"2001:db8:ffff:ffff:1::1", "2001:db8:ffff:ffff::/64"},
	} {
		got := store.SourceText(store.FailureSource(netip.MustParseAddr(c.ip)))
		var inSQL string
		must(t, s.DB().Get(&inSQL, `SELECT text(failure_source($1::inet))`, c.ip))
		p, err := netip.ParsePrefix(inSQL)
		if err != nil {
			t.Fatalf("failure_source(%s) = %q: %v", c.ip, inSQL, err)
		}
		if got != c.want || store.SourceText(p) != c.want || p != store.FailureSource(netip.MustParseAddr(c.ip)) {
			t.Errorf("%s: Go %s, SQL %s, want %s", c.ip, got, inSQL, c.want)
		}
	}
}
