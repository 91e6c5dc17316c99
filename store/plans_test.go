package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

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
			if rel := seqScanOf(root[0].Plan, "users", "auth_events", "memberships", "search_blocks", "failure_ip_hours", "failure_ip_accounts"); rel != "" {
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
