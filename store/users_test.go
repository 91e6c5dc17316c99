package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"gatehouse/model"
	"gatehouse/store"
	"gatehouse/store/storetest"
)

var supportOp = model.Operator{Name: "alice", Role: model.RoleSupport}

// bulkUsers inserts n users in one statement with varied names, logins and last logins. The
// row triggers (search blocks, membership copies) make it seconds of work on a loaded machine:
// it runs in one transaction without the pool's statement timeout.
func bulkUsers(t *testing.T, s *store.Store, n int) {
	t.Helper()
	tx, err := s.DB().Beginx()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`SET LOCAL statement_timeout = 0`); err != nil {
		t.Fatal(err)
	}
	_, err = tx.Exec(`INSERT INTO organizations (slug, name) VALUES ('acme', 'Acme'), ('globex', 'Globex')`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tx.Exec(`
		INSERT INTO users (login_code, email, name, status, password_hash, created_at, last_login_at, totp_enabled, totp_secret)
		SELECT 'U-' || lpad(g::text, 6, '0'), 'user' || g || '@example.org',
		       (ARRAY['Émile','anna','Zoë','Łukasz','佐藤','Ngô','Müller'])[1 + g % 7] || ' ' || (g % 97),
		       CASE WHEN g % 11 = 0 THEN 'disabled' ELSE 'active' END, 'x',
		       timestamptz '2026-01-01' + (g % 500) * interval '1 hour',
		       CASE WHEN g % 4 = 0 THEN NULL ELSE timestamptz '2026-06-01' + (g % 300) * interval '1 minute' END,
		       g % 5 = 0, CASE WHEN g % 5 = 0 THEN 'S' END
		FROM generate_series(1, $1) g`, n)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tx.Exec(`
		INSERT INTO memberships (user_id, org_id)
		SELECT u.id, CASE WHEN u.id % 2 = 0 THEN (SELECT id FROM organizations WHERE slug = 'acme')
		                  ELSE (SELECT id FROM organizations WHERE slug = 'globex') END FROM users u`)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(`ANALYZE users`); err != nil {
		t.Fatal(err)
	}
}

func TestKeysetPagingVisitsEveryUserOnceInOrder(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	bulkUsers(t, s, 2500)
	f := false
	queries := map[string]store.UserQuery{}
	for _, so := range store.UserSorts {
		queries[string(so)] = store.UserQuery{Sort: so}
		queries[string(so)+"+active+no2fa"] = store.UserQuery{Sort: so, Status: model.StatusActive, TOTP: &f}
		// A search (read through the trigram index and sorted, at this size).
		queries[string(so)+"+search"] = store.UserQuery{Sort: so, Search: "example"}
	}
	for name, q := range queries {
		t.Run(name, func(t *testing.T) {
			var want []int64
			// The expected order, from a plain full query.
			key := map[store.UserSort]string{store.SortName: "name ASC, id ASC",
				store.SortLastLogin: "coalesce(last_login_at, '-infinity') DESC, id DESC",
				store.SortCreated:   "created_at DESC, id DESC"}[q.Sort]
			where := "status <> 'deleted'"
			if q.Status != "" {
				where += " AND status = 'active' AND NOT totp_enabled"
			}
			if q.Search != "" {
				where += " AND email LIKE '%example%'"
			}
			if err := s.DB().Select(&want, `SELECT id FROM users WHERE `+where+` ORDER BY `+key); err != nil {
				t.Fatal(err)
			}
			q.Limit = 97
			var got []int64
			var pages []store.UserPage
			for {
				p, err := s.ListUsers(ctx, supportOp, q)
				if err != nil {
					t.Fatal(err)
				}
				pages = append(pages, p)
				for _, u := range p.Users {
					got = append(got, u.ID)
				}
				if !p.HasNext {
					break
				}
				q.After = p.Last
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("forward: got %d ids, want %d (first difference matters)", len(got), len(want))
			}
			// And back from the last page to the first.
			var back []int64
			q.After = nil
			q.Before = pages[len(pages)-1].First
			for i := len(pages) - 2; i >= 0; i-- {
				p, err := s.ListUsers(ctx, supportOp, q)
				if err != nil {
					t.Fatal(err)
				}
				ids := make([]int64, 0, len(p.Users))
				for _, u := range p.Users {
					ids = append(ids, u.ID)
				}
				wantIDs := make([]int64, 0)
				for _, u := range pages[i].Users {
					wantIDs = append(wantIDs, u.ID)
				}
				if fmt.Sprint(ids) != fmt.Sprint(wantIDs) {
					t.Fatalf("backward page %d differs", i)
				}
				back = append(ids, back...)
				if i > 0 && !p.HasPrev || i == 0 && p.HasPrev {
					t.Fatalf("page %d: HasPrev=%v", i, p.HasPrev)
				}
				q.Before = p.First
			}
			if len(back)+len(pages[len(pages)-1].Users) != len(want) {
				t.Fatalf("backward visited %d", len(back))
			}
			if pages[0].Estimated <= 0 {
				t.Fatalf("no estimate")
			}
		})
	}
}

func TestSearchSubstringCaseInsensitiveAndMetacharacters(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	_, err := s.DB().Exec(`INSERT INTO users (login_code, email, name, status, password_hash) VALUES
		('ACME-7K2Q9', 'jean.dupont@example.org', 'Jean Dupont', 'active', 'x'),
		('ACME-00001', 'a_b@example.org', 'Percent 100% Sure', 'active', 'x'),
		('ACME-00002', 'axb@example.org', 'O''Brien \ Slash', 'active', 'x'),
		('ACME-00003', 'emile@example.fr', 'ÉMILE Zola', 'active', 'x'),
		('ACME-00004', 'x@example.jp', '佐藤 さくら', 'active', 'x')`)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]string{
		"dupont":                  {"ACME-7K2Q9"},
		"  DUPONT  ":              {"ACME-7K2Q9"},
		"7k2q":                    {"ACME-7K2Q9"},
		"example.org":             {"ACME-00001", "ACME-00002", "ACME-7K2Q9"},
		"100%":                    {"ACME-00001"},
		"%":                       {"ACME-00001"},
		"a_b":                     {"ACME-00001"},
		"_":                       {"ACME-00001"},
		"o'brien":                 {"ACME-00002"},
		`\`:                       {"ACME-00002"},
		"émile":                   {"ACME-00003"},
		"さくら":                     {"ACME-00004"},
		"'; DROP TABLE users; --": {},
		"zzzz":                    {},
	}
	for term, want := range cases {
		p, err := s.ListUsers(ctx, supportOp, store.UserQuery{Search: term, Sort: store.SortCreated})
		if err != nil {
			t.Fatalf("%q: %v", term, err)
		}
		var got []string
		for _, u := range p.Users {
			got = append(got, u.Login)
		}
		if strings.Join(sorted(got), ",") != strings.Join(sorted(want), ",") {
			t.Errorf("search %q: got %v, want %v", term, got, want)
		}
	}
}

func sorted(v []string) []string {
	out := append([]string(nil), v...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestConstraintsRejectBadRows(t *testing.T) {
	s := storetest.New(t)
	db := s.DB()
	mustExec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	mustExec(`INSERT INTO users (login_code, email, name, status, password_hash) VALUES ('ACME-11111', 'Jean@Example.org', 'Jean', 'active', 'x')`)
	mustExec(`INSERT INTO organizations (slug, name) VALUES ('acme', 'Acme')`)
	bad := map[string]string{
		"duplicate e-mail in another case": `INSERT INTO users (login_code, email, name) VALUES ('ACME-22222', 'jean@EXAMPLE.org', 'J2')`,
		"duplicate login in another case":  `INSERT INTO users (login_code, email, name) VALUES ('acme-11111', 'other@example.org', 'J3')`,
		"lowercase login code":             `INSERT INTO users (login_code, email, name) VALUES ('acme-33333', 'o3@example.org', 'J3')`,
		"bad status":                       `INSERT INTO users (login_code, email, name, status) VALUES ('ACME-44444', 'o4@example.org', 'J4', 'zombie')`,
		"active without password":          `INSERT INTO users (login_code, email, name, status) VALUES ('ACME-55555', 'o5@example.org', 'J5', 'active')`,
		"lock until without lock":          `INSERT INTO users (login_code, email, name, locked_until) VALUES ('ACME-66666', 'o6@example.org', 'J6', now())`,
		"locked without reason":            `INSERT INTO users (login_code, email, name, locked_at) VALUES ('ACME-77777', 'o7@example.org', 'J7', now())`,
		"deleted without deleted_at":       `INSERT INTO users (login_code, email, name, status) VALUES ('ACME-88888', 'o8@example.org', 'J8', 'deleted')`,
		"totp without secret":              `INSERT INTO users (login_code, email, name, totp_enabled) VALUES ('ACME-99999', 'o9@example.org', 'J9', true)`,
		"e-mail without @":                 `INSERT INTO users (login_code, email, name) VALUES ('ACME-10101', 'nope', 'J10')`,
		"membership of missing user":       `INSERT INTO memberships (user_id, org_id) VALUES (999999, (SELECT id FROM organizations))`,
		"unknown right":                    `INSERT INTO membership_rights (user_id, org_id, right_code) SELECT u.id, o.id, 'nope' FROM users u, organizations o`,
		"bad org slug":                     `INSERT INTO organizations (slug, name) VALUES ('Bad Slug', 'x')`,
		"bad auth event kind":              `INSERT INTO auth_events (kind) VALUES ('hacked')`,
		"short token hash":                 `INSERT INTO reset_tokens (user_id, token_hash, expires_at) SELECT id, '\x01', now() FROM users`,
	}
	for name, q := range bad {
		if _, err := db.Exec(q); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// A deleted account frees its e-mail and login code.
	mustExec(`UPDATE users SET status = 'deleted', deleted_at = now() WHERE login_code = 'ACME-11111'`)
	mustExec(`INSERT INTO users (login_code, email, name) VALUES ('ACME-11111', 'jean@example.org', 'Jean again')`)
}

func TestAuditIsAppendOnlyAndChained(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := s.AddOrganization(ctx, supportOp, fmt.Sprintf("org%d", i), "Org"); err != nil {
			t.Fatal(err)
		}
	}
	n, brk, err := s.VerifyAudit(ctx)
	if err != nil || brk != nil || n != 3 {
		t.Fatalf("verify: %d rows, break %+v, err %v", n, brk, err)
	}
	for _, q := range []string{`UPDATE audit_entries SET summary = 'x'`, `DELETE FROM audit_entries`, `TRUNCATE audit_entries`} {
		if _, err := s.DB().Exec(q); err == nil {
			t.Errorf("%s: accepted", q)
		}
	}
	// A superuser who bypasses the triggers to edit a row is caught by verify.
	tx := s.DB().MustBegin()
	tx.MustExec(`SET LOCAL session_replication_role = replica`)
	tx.MustExec(`UPDATE audit_entries SET summary = 'nothing happened' WHERE id = (SELECT min(id) + 1 FROM audit_entries)`)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	_, brk, err = s.VerifyAudit(ctx)
	if err != nil || brk == nil || brk.Reason != "edited" {
		t.Fatalf("edited row not found: %+v %v", brk, err)
	}
	var second int64
	if err := s.DB().Get(&second, `SELECT min(id) + 1 FROM audit_entries`); err != nil {
		t.Fatal(err)
	}
	if brk.ID != second {
		t.Fatalf("break at %d, want %d", brk.ID, second)
	}
	_ = time.Now
}

// TestKeysetPagingWithinAnOrganization pages an organization's users, through a filter and
// through an admin's scope (a large organization walks the sort index, a small one is paged
// among its members), forward to the end and back: each member exactly once, in order.
func TestKeysetPagingWithinAnOrganization(t *testing.T) {
	s := storetest.New(t)
	bulkUsers(t, s, 2500)
	// acme holds half the users (its pages walk the sort index); tiny holds 100 of them (its
	// pages are found among its members).
	s.DB().MustExec(`INSERT INTO organizations (slug, name) VALUES ('tiny', 'Tiny')`)
	s.DB().MustExec(`INSERT INTO memberships (user_id, org_id) SELECT id, (SELECT id FROM organizations WHERE slug = 'tiny')
		FROM users WHERE id % 25 = 0`)
	for _, slug := range []string{"acme", "tiny"} {
		pageOrganization(t, s, slug)
	}
	ctx := context.Background()
	// An admin of both: each user once, in name order, across the two organizations.
	if _, err := s.AddOperator(ctx, model.Operator{Name: "test"}, store.NewOperator{Name: "adm-both", Role: model.RoleAdmin, OrgSlugs: []string{"acme", "tiny"}}); err != nil {
		t.Fatal(err)
	}
	both, err := s.OperatorByName(ctx, "adm-both")
	if err != nil {
		t.Fatal(err)
	}
	var want []int64
	if err := s.DB().Select(&want, `SELECT u.id FROM users u WHERE status <> 'deleted' AND EXISTS (SELECT 1 FROM memberships m
		JOIN organizations o ON o.id = m.org_id WHERE m.user_id = u.id AND o.slug IN ('acme', 'tiny')) ORDER BY name, id`); err != nil {
		t.Fatal(err)
	}
	if got := allPages(t, s, both, store.UserQuery{Limit: 97}); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("admin of two organizations: %d users, want %d, or out of order", len(got), len(want))
	}

	// The organization pages follow renames, status changes and deletions made anywhere.
	var tiny, renamed, deleted int64
	s.DB().Get(&tiny, `SELECT id FROM organizations WHERE slug = 'tiny'`)
	s.DB().Get(&renamed, `SELECT max(user_id) FROM memberships WHERE org_id = $1`, tiny)
	s.DB().Get(&deleted, `SELECT min(user_id) FROM memberships WHERE org_id = $1`, tiny)
	s.DB().MustExec(`UPDATE users SET name = '0 first of all' WHERE id = $1`, renamed)
	s.DB().MustExec(`UPDATE users SET status = 'deleted', deleted_at = now() WHERE id = $1`, deleted)
	p, err := s.ListUsers(ctx, supportOp, store.UserQuery{OrgID: tiny, Limit: 10})
	if err != nil || len(p.Users) == 0 || p.Users[0].ID != renamed || p.Users[0].Name != "0 first of all" {
		t.Fatalf("renamed user not first on its organization's page: %v %+v", err, p.Users)
	}
	got := allPages(t, s, supportOp, store.UserQuery{OrgID: tiny, Limit: 10})
	for _, id := range got {
		if id == deleted {
			t.Fatalf("deleted user %d still listed in its organization", id)
		}
	}
	s.DB().MustExec(`UPDATE users SET status = 'disabled' WHERE id = $1`, renamed)
	p, err = s.ListUsers(ctx, supportOp, store.UserQuery{OrgID: tiny, Status: model.StatusDisabled, Limit: 10})
	if err != nil || len(p.Users) == 0 || p.Users[0].ID != renamed {
		t.Fatalf("status filter within an organization misses a user disabled after joining: %v", err)
	}
	// A membership cannot be given another name than its user's.
	s.DB().MustExec(`UPDATE memberships SET user_name = 'forged' WHERE user_id = $1`, renamed)
	var n int
	s.DB().Get(&n, `SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.user_name <> u.name OR m.user_status <> u.status`)
	if n != 0 {
		t.Fatalf("%d memberships drifted from their users", n)
	}
}

// allPages follows a query's next pages to the end and returns the ids in order.
func allPages(t *testing.T, s *store.Store, op model.Operator, q store.UserQuery) []int64 {
	t.Helper()
	var got []int64
	for {
		p, err := s.ListUsers(context.Background(), op, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range p.Users {
			got = append(got, u.ID)
		}
		if !p.HasNext {
			return got
		}
		q.After = p.Last
	}
}

func pageOrganization(t *testing.T, s *store.Store, slug string) {
	ctx := context.Background()
	var acme int64
	if err := s.DB().Get(&acme, `SELECT id FROM organizations WHERE slug = $1`, slug); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddOperator(ctx, model.Operator{Name: "test"}, store.NewOperator{Name: "adm-" + slug, Role: model.RoleAdmin, OrgSlugs: []string{slug}}); err != nil {
		t.Fatal(err)
	}
	admin, err := s.OperatorByName(ctx, "adm-"+slug)
	if err != nil {
		t.Fatal(err)
	}
	for _, so := range store.UserSorts {
		var want []int64
		key := map[store.UserSort]string{store.SortName: "name ASC, id ASC",
			store.SortLastLogin: "coalesce(last_login_at, '-infinity') DESC, id DESC",
			store.SortCreated:   "created_at DESC, id DESC"}[so]
		if err := s.DB().Select(&want, `SELECT u.id FROM users u WHERE status <> 'deleted'
			AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.org_id = $1) ORDER BY `+key, acme); err != nil {
			t.Fatal(err)
		}
		for name, c := range map[string]struct {
			op model.Operator
			q  store.UserQuery
		}{
			"support, filter": {supportOp, store.UserQuery{Sort: so, OrgID: acme, Limit: 83}},
			"admin, scope":    {admin, store.UserQuery{Sort: so, Limit: 83}},
		} {
			var got []int64
			var firsts []*store.Cursor
			q := c.q
			for {
				p, err := s.ListUsers(ctx, c.op, q)
				if err != nil {
					t.Fatal(err)
				}
				firsts = append(firsts, p.First)
				for _, u := range p.Users {
					got = append(got, u.ID)
				}
				if !p.HasNext {
					break
				}
				q.After = p.Last
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s, %s, %s: %d users, want %d, or out of order", slug, so, name, len(got), len(want))
			}
			// One page back from the last lands on the page before it.
			q.After, q.Before = nil, firsts[len(firsts)-1]
			p, err := s.ListUsers(ctx, c.op, q)
			if err != nil || len(p.Users) == 0 || p.First.ID != firsts[len(firsts)-2].ID {
				t.Fatalf("%s, %s: back one page: %v", so, name, err)
			}
		}
	}
}
