package store_test

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"gatehouse/model"
	"gatehouse/store"
	"gatehouse/store/demodata"
	"gatehouse/store/storetest"
)

// TestQueryPlansUseTheirIndexes guards the indexes the performance table relies on: on a small seeded database, with
// sequential scans priced out, the statements of the Users list, searches, lockouts and a
// user's timeline must not scan users, memberships, auth_events, search_blocks or the failure summaries sequentially. A migration that loses an
// index makes this fail instead of silently turning a 1 ms page into a full scan at 1M users.
func TestQueryPlansUseTheirIndexes(t *testing.T) {
	tr := &store.Tracer{}
	s := storetest.New(t, func(c *store.Config) { c.Tracer = tr })
	ctx := context.Background()
	if _, err := demodata.Load(ctx, s.DB(), demodata.Options{Users: 3000, Events: 30000, Orgs: 20, Seed: 3}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(`VACUUM ANALYZE`); err != nil {
		t.Fatal(err)
	}
	var userID int64
	if err := s.DB().Get(&userID, `SELECT user_id FROM auth_events WHERE user_id IS NOT NULL LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	var orgID int64
	if err := s.DB().Get(&orgID, `SELECT org_id FROM memberships GROUP BY org_id ORDER BY count(*) DESC LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	op := model.Operator{Name: "plans", Role: model.RoleSupport}
	admin := model.Operator{Name: "plans-admin", Role: model.RoleAdmin, OrgIDs: []int64{orgID}}
	locked := true
	cases := map[string]func() error{
		"users first page": func() error { _, err := s.ListUsers(ctx, op, store.UserQuery{}); return err },
		"users next page": func() error {
			_, err := s.ListUsers(ctx, op, store.UserQuery{After: &store.Cursor{Name: "M", ID: 1}})
			return err
		},
		"users by last login": func() error { _, err := s.ListUsers(ctx, op, store.UserQuery{Sort: store.SortLastLogin}); return err },
		"users by creation":   func() error { _, err := s.ListUsers(ctx, op, store.UserQuery{Sort: store.SortCreated}); return err },
		"search":              func() error { _, err := s.ListUsers(ctx, op, store.UserQuery{Search: "dupont"}); return err },
		"search, two words":   func() error { _, err := s.ListUsers(ctx, op, store.UserQuery{Search: "dupont jean"}); return err },
		"search through the blocks, two words": func() error {
			_, err := s.ListUsers(ctx, op, store.SearchVia(store.UserQuery{Search: "baptiste jean"}, "blocks", 0))
			return err
		},
		"search through the blocks": func() error {
			_, err := s.ListUsers(ctx, op, store.SearchVia(store.UserQuery{Search: "jean"}, "blocks", 0))
			return err
		},
		"search, bounded walk": func() error {
			_, err := s.ListUsers(ctx, op, store.SearchVia(store.UserQuery{Search: "jean", After: &store.Cursor{Name: "J", ID: 1}}, "walk", 100))
			return err
		},
		"organization page":  func() error { _, err := s.ListUsers(ctx, op, store.UserQuery{OrgID: orgID}); return err },
		"admin's first page": func() error { _, err := s.ListUsers(ctx, admin, store.UserQuery{}); return err },
		"locked filter":      func() error { _, err := s.ListUsers(ctx, op, store.UserQuery{Locked: &locked}); return err },
		"timeline":           func() error { _, err := s.UserTimeline(ctx, op, userID, 0, 50); return err },
		"lockouts":           func() error { _, err := s.ListLocked(ctx, op, store.LockedQuery{}); return err },
		"recent failures":    func() error { _, err := s.RecentFailures(ctx, op, store.FailureQuery{}); return err },
		"failures by ip": func() error {
			_, err := s.FailuresByIP(ctx, op, s.Now().Add(-24*time.Hour), 50)
			return err
		},
		"failures by ip, an admin (from the events)": func() error {
			_, err := s.FailuresByIP(ctx, admin, s.Now().Add(-24*time.Hour), 50)
			return err
		},
	}
	for name, run := range cases {
		tr.Start()
		err := run()
		stmts := tr.Stop()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(stmts) == 0 {
			t.Fatalf("%s: no statement recorded", name)
		}
		for _, q := range stmts {
			sqlText := strings.TrimSpace(q.SQL)
			if up := strings.ToUpper(sqlText); !strings.HasPrefix(up, "SELECT") && !strings.HasPrefix(up, "WITH") {
				continue
			}
			tx := s.DB().MustBegin()
			tx.MustExec(`SET LOCAL enable_seqscan = off`)
			var plan string
			err := tx.Get(&plan, `EXPLAIN (FORMAT JSON) `+sqlText, q.Args...)
			tx.Rollback()
			if err != nil {
				t.Fatalf("%s: explain: %v", name, err)
			}
			var root []struct {
				Plan map[string]any `json:"Plan"`
			}
			if err := json.Unmarshal([]byte(plan), &root); err != nil {
				t.Fatal(err)
			}
			if rel := seqScanOf(root[0].Plan, "users", "auth_events", "memberships", "search_blocks", "failure_ip_days", "failure_ip_accounts"); rel != "" {
				t.Errorf("%s: sequential scan on %s:\n%s", name, rel, sqlText)
			}
		}
	}
}

// seqScanOf returns the first watched relation a plan scans sequentially.
func seqScanOf(node map[string]any, watched ...string) string {
	if node["Node Type"] == "Seq Scan" {
		for _, w := range watched {
			if node["Relation Name"] == w {
				return w
			}
		}
	}
	kids, _ := node["Plans"].([]any)
	for _, k := range kids {
		if m, ok := k.(map[string]any); ok {
			if r := seqScanOf(m, watched...); r != "" {
				return r
			}
		}
	}
	return ""
}

// TestPreparedPlansKeepTheirShape holds the statements the store keeps prepared to the plan
// their values would get. Each shape runs ten times on one connection with varied cursors
// (PostgreSQL may switch to a generic plan after five): every execution must reuse the one
// prepared statement (pg_prepared_statements counts them), and the generic plan, planned
// without the values, must scan none of the big relations sequentially and read no more of
// them than the plan made with the values (within a page or so). A LIMIT passed as a
// parameter (the generic plan reads and sorts the table), or a status the generic plan cannot
// match to a partial index, fails here.
func TestPreparedPlansKeepTheirShape(t *testing.T) {
	tr := &store.Tracer{}
	s := storetest.New(t, func(c *store.Config) { c.Tracer = tr })
	ctx := context.Background()
	if _, err := demodata.Load(ctx, s.DB(), demodata.Options{Users: 5000, Events: 50000, Orgs: 25, Invitations: 2000, Seed: 3}, nil); err != nil {
		t.Fatal(err)
	}
	db := s.DB()
	db.MustExec(`VACUUM ANALYZE`)
	// One connection in each pool from here (the seed loads on three): the prepared
	// statements' connection prices small tables as big ones.
	db.SetMaxOpenConns(1)
	pdb := store.PreparedDB(s)
	pdb.SetMaxOpenConns(1)
	pdb.MustExec(`SET enable_seqscan = off`)
	type key struct {
		Name string
		ID   int64
	}
	var names []key
	if err := db.Select(&names, `SELECT name, id FROM users WHERE status <> 'deleted' ORDER BY name, id`); err != nil {
		t.Fatal(err)
	}
	byName := func(i int) *store.Cursor {
		k := names[(i*7+3)*len(names)/80]
		return &store.Cursor{Name: k.Name, ID: k.ID}
	}
	var times []struct {
		At time.Time `db:"at"`
		ID int64     `db:"id"`
	}
	if err := db.Select(&times, `SELECT created_at AS at, id FROM users WHERE status <> 'deleted' ORDER BY created_at DESC, id DESC`); err != nil {
		t.Fatal(err)
	}
	byCreated := func(i int) *store.Cursor {
		k := times[(i*7+3)*len(times)/80]
		return &store.Cursor{Time: k.At, ID: k.ID}
	}
	var users, events, audits, invitations []int64
	noErr(t, db.Select(&users, `SELECT user_id FROM auth_events WHERE user_id IS NOT NULL GROUP BY 1 ORDER BY 1 LIMIT 10`))
	noErr(t, db.Select(&events, `SELECT id FROM auth_events WHERE kind = 'login_failure' ORDER BY id DESC LIMIT 10 OFFSET 50`))
	noErr(t, db.Select(&audits, `SELECT id FROM audit_entries ORDER BY id DESC LIMIT 10 OFFSET 5`))
	noErr(t, db.Select(&invitations, `SELECT id FROM invitations ORDER BY created_at DESC, id DESC LIMIT 10 OFFSET 3`))
	if len(users) < 10 || len(events) < 10 || len(audits) < 10 || len(invitations) < 10 {
		t.Fatalf("demo data too small: %d users with events, %d failures, %d audit rows, %d invitations",
			len(users), len(events), len(audits), len(invitations))
	}
	var locked []struct {
		At time.Time `db:"locked_at"`
		ID int64     `db:"id"`
	}
	noErr(t, db.Select(&locked, `SELECT locked_at, id FROM users WHERE locked_at IS NOT NULL ORDER BY locked_at DESC, id LIMIT 10`))
	if len(locked) == 0 {
		t.Fatal("demo data holds no locked account")
	}
	var orgID int64
	noErr(t, db.Get(&orgID, `SELECT org_id FROM memberships GROUP BY org_id ORDER BY count(*) DESC LIMIT 1`))
	op := model.Operator{Name: "plans", Role: model.RoleSupport}
	admin := model.Operator{ID: 1, Name: "plans-admin", Role: model.RoleAdmin, OrgIDs: []int64{orgID}}
	yes, no := true, false
	page := func(op model.Operator, q store.UserQuery, cursor func(int) *store.Cursor) func(int) error {
		return func(i int) error {
			q := q
			if cursor != nil {
				q.After = cursor(i)
			}
			_, err := s.ListUsers(ctx, op, q)
			return err
		}
	}
	shapes := map[string]func(i int) error{
		"users first page":         page(op, store.UserQuery{}, nil),
		"users next page":          page(op, store.UserQuery{}, byName),
		"users previous page":      func(i int) error { _, err := s.ListUsers(ctx, op, store.UserQuery{Before: byName(i)}); return err },
		"users by creation, next":  page(op, store.UserQuery{Sort: store.SortCreated}, byCreated),
		"users by last login":      page(op, store.UserQuery{Sort: store.SortLastLogin}, nil),
		"status invited, next":     page(op, store.UserQuery{Status: model.StatusInvited}, byName),
		"status disabled":          page(op, store.UserQuery{Status: model.StatusDisabled}, nil),
		"locked, next":             page(op, store.UserQuery{Locked: &yes}, byName),
		"not locked, next":         page(op, store.UserQuery{Locked: &no}, byName),
		"2FA on, next":             page(op, store.UserQuery{TOTP: &yes}, byName),
		"must change":              page(op, store.UserQuery{MustChange: &yes}, nil),
		"inactive 90 days, next":   page(op, store.UserQuery{InactiveDays: 90}, byName),
		"organization, next":       page(op, store.UserQuery{OrgID: orgID}, byName),
		"organization by creation": page(op, store.UserQuery{OrgID: orgID, Sort: store.SortCreated}, byCreated),
		"admin's next page":        page(admin, store.UserQuery{}, byName),
		"admin's 2FA on":           page(admin, store.UserQuery{TOTP: &yes}, nil),
		"timeline": func(i int) error {
			_, err := s.UserTimeline(ctx, op, users[i], 0, 50)
			return err
		},
		"timeline, older, an admin's": func(i int) error {
			_, err := s.UserTimeline(ctx, admin, users[i], 1<<40, 50)
			if errors.Is(err, store.ErrNotFound) {
				err = nil // not a member: the same statement said so
			}
			return err
		},
		"audit, older": func(i int) error {
			_, err := s.ListAudit(ctx, op, store.AuditQuery{BeforeID: audits[i], Limit: 51})
			return err
		},
		"audit, an admin's": func(i int) error {
			_, err := s.ListAudit(ctx, admin, store.AuditQuery{BeforeID: audits[i], Limit: 51})
			return err
		},
		"audit of a user": func(i int) error {
			_, err := s.ListAudit(ctx, op, store.AuditQuery{UserID: users[i], Limit: 51})
			return err
		},
		"locked accounts, next": func(i int) error {
			l := locked[i%len(locked)]
			_, err := s.ListLocked(ctx, op, store.LockedQuery{AfterLockedAt: l.At, AfterID: l.ID})
			return err
		},
		"locked accounts, an admin's": func(i int) error {
			_, err := s.ListLocked(ctx, admin, store.LockedQuery{})
			return err
		},
		"count locked": func(i int) error { _, err := s.CountLocked(ctx, op, 0); return err },
		"recent failures, older": func(i int) error {
			_, err := s.RecentFailures(ctx, op, store.FailureQuery{BeforeID: events[i], Limit: 100})
			return err
		},
		"recent failures, an admin's": func(i int) error {
			_, err := s.RecentFailures(ctx, admin, store.FailureQuery{Limit: 100})
			return err
		},
		"failures by source, 24 h": func(i int) error {
			_, err := s.FailuresByIP(ctx, op, s.Now().Add(-24*time.Hour-time.Duration(i)*time.Minute), 200)
			return err
		},
		"invitations, next": func(i int) error {
			var c store.Cursor
			noErr(t, db.QueryRow(`SELECT created_at, id FROM invitations WHERE id = $1`, invitations[i]).Scan(&c.Time, &c.ID))
			_, err := s.ListInvitations(ctx, op, store.InvitationQuery{After: &c})
			return err
		},
		"invitations pending, an admin's": func(i int) error {
			_, err := s.ListInvitations(ctx, admin, store.InvitationQuery{State: store.InvitationPending})
			return err
		},
	}
	watched := []string{"users", "auth_events", "memberships", "audit_entries", "invitations", "failure_ip_accounts", "failure_ip_days", "failure_ip_minutes"}
	for name, run := range shapes {
		tr.Start()
		for i := range 10 {
			if err := run(i); err != nil {
				tr.Stop()
				t.Fatalf("%s: %v", name, err)
			}
		}
		runs := map[string]int{}
		last := map[string][]any{}
		for _, q := range tr.Stop() {
			if q.Prepared {
				runs[q.SQL]++
				last[q.SQL] = q.Args
			}
		}
		if len(runs) == 0 {
			t.Errorf("%s: no prepared statement", name)
		}
		for sqlText, n := range runs {
			var ps struct {
				Name    string `db:"name"`
				Generic int    `db:"generic_plans"`
				Custom  int    `db:"custom_plans"`
			}
			if strings.Contains(sqlText, "LIMIT $") {
				t.Errorf("%s: a prepared statement's LIMIT is a parameter (its generic plan reads as if it were 10%% of the rows):\n%s", name, sqlText)
			}
			if err := pdb.Get(&ps, `SELECT name, generic_plans, custom_plans FROM pg_prepared_statements
				WHERE statement = $1`, sqlText); err != nil {
				t.Fatalf("%s: not prepared on the connection (%v):\n%s", name, err, sqlText)
			}
			if ps.Generic != n || ps.Custom != 0 {
				t.Errorf("%s: %d executions, by this prepared statement %d on its generic plan and %d planned again",
					name, n, ps.Generic, ps.Custom)
			}
			explain := func(mode string) map[string]any {
				pdb.MustExec(`SET plan_cache_mode = ` + mode)
				defer pdb.MustExec(`RESET plan_cache_mode`)
				var plan string
				noErr(t, pdb.Get(&plan, `EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE `+pq.QuoteIdentifier(ps.Name)+executeArgs(t, last[sqlText])))
				var root []struct {
					Plan map[string]any `json:"Plan"`
				}
				noErr(t, json.Unmarshal([]byte(plan), &root))
				return root[0].Plan
			}
			generic, custom := explain("force_generic_plan"), explain("force_custom_plan")
			if rel := seqScanOf(generic, watched...); rel != "" {
				t.Errorf("%s: the generic plan scans %s sequentially:\n%s", name, rel, sqlText)
			}
			g, c := map[string]float64{}, map[string]float64{}
			rowsRead(generic, g)
			rowsRead(custom, c)
			for rel, n := range g {
				if n > 3*c[rel]+300 {
					t.Errorf("%s: the generic plan reads %.0f rows of %s, the values' plan %.0f\ngeneric: %s\ncustom:  %s\n%s",
						name, n, rel, c[rel], planShape(generic), planShape(custom), sqlText)
				}
			}
		}
	}
}

// rowsRead adds up, per relation, the rows a plan run with EXPLAIN ANALYZE read: those its
// scans returned and those their filters removed, at every loop.
func rowsRead(node map[string]any, out map[string]float64) {
	if rel, ok := node["Relation Name"].(string); ok {
		n := 0.0
		for _, k := range []string{"Actual Rows", "Rows Removed by Filter", "Rows Removed by Index Recheck"} {
			v, _ := node[k].(float64)
			n += v
		}
		loops, _ := node["Actual Loops"].(float64)
		out[rel] += n * loops
	}
	kids, _ := node["Plans"].([]any)
	for _, k := range kids {
		if m, ok := k.(map[string]any); ok {
			rowsRead(m, out)
		}
	}
}

// planShape writes a plan's nodes in order with their relations and indexes (no costs).
func planShape(node map[string]any) string {
	out := fmt.Sprint(node["Node Type"])
	if r, ok := node["Relation Name"]; ok {
		out += " on " + fmt.Sprint(r)
	}
	if ix, ok := node["Index Name"]; ok {
		out += " using " + fmt.Sprint(ix)
	}
	kids, _ := node["Plans"].([]any)
	if len(kids) > 0 {
		parts := make([]string, 0, len(kids))
		for _, k := range kids {
			if m, ok := k.(map[string]any); ok {
				parts = append(parts, planShape(m))
			}
		}
		out += " (" + strings.Join(parts, ", ") + ")"
	}
	return out
}

// executeArgs writes a statement's recorded arguments as the literal list of EXECUTE.
func executeArgs(t *testing.T, args []any) string {
	if len(args) == 0 {
		return ""
	}
	parts := make([]string, len(args))
	for i, a := range args {
		if v, ok := a.(driver.Valuer); ok {
			var err error
			if a, err = v.Value(); err != nil {
				t.Fatal(err)
			}
		}
		switch v := a.(type) {
		case nil:
			parts[i] = "NULL"
		case time.Time:
			parts[i] = pq.QuoteLiteral(v.Format(time.RFC3339Nano))
		case []byte:
			parts[i] = pq.QuoteLiteral(string(v))
		default:
			parts[i] = pq.QuoteLiteral(fmt.Sprint(v))
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
