package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lib/pq"

	"gatehouse/model"
	"gatehouse/store"
	"gatehouse/store/demodata"
	"gatehouse/store/storetest"
)

// TestSearchPlansAgreeWithThePlainAnswer holds every plan of a search sorted by name — the
// trigram sort, the bounded walk going on through the search blocks, the blocks alone, the
// unbounded walk, and the store's own choice — to the plain SQL answer, paging forward to the
// end and back to the start, on a seeded database and after users were added, renamed,
// undeleted and deleted behind the blocks' back (the triggers must keep them complete), with
// buckets of three blocks (the walk crosses many, and blocks cut again share out positions),
// with positions shared by several blocks and buckets left empty, and rebuilt.
func TestSearchPlansAgreeWithThePlainAnswer(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	if _, err := demodata.Load(ctx, s.DB(), demodata.Options{Users: 2500, Events: 0, Orgs: 10, Seed: 11}, nil); err != nil {
		t.Fatal(err)
	}
	var blocks int
	if err := s.DB().Get(&blocks, `SELECT count(*) FROM search_blocks`); err != nil || blocks < 50 {
		t.Fatalf("seed cut %d search blocks (%v), want about 2500/%d", blocks, err, store.SearchBlockSize)
	}
	must(t, exec(s, `SELECT search_blocks_rebuild($1, 3)`, store.SearchBlockSize))
	var buckets int
	must(t, s.DB().Get(&buckets, `SELECT count(DISTINCT search_bucket(pos)) FROM search_blocks`))
	if buckets < blocks/3 {
		t.Fatalf("%d buckets of %d blocks, want %d", buckets, blocks, blocks/3)
	}
	op := model.Operator{Name: "support", Role: model.RoleSupport}
	var orgID int64
	must(t, s.DB().Get(&orgID, `SELECT org_id FROM memberships GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`))
	on := true
	filters := []struct {
		name string
		set  func(*store.UserQuery)
		sql  string
	}{
		{"no filter", func(*store.UserQuery) {}, ""},
		{"status active", func(q *store.UserQuery) { q.Status = model.StatusActive }, " AND status = 'active'"},
		{"2FA on", func(q *store.UserQuery) { q.TOTP = &on }, " AND totp_enabled"},
		{"organization", func(q *store.UserQuery) { q.OrgID = orgID },
			fmt.Sprintf(" AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id AND m.org_id = %d)", orgID)},
	}
	check := func(stage string, terms []string) {
		t.Helper()
		for _, term := range terms {
			for fi, f := range filters {
				if fi > 0 && term != "jean" && term != "son" && term != "baptiste jean" {
					continue // the filters with three terms: clustered, spread, and two words that go together
				}
				var want []int64
				if err := s.DB().Select(&want, `SELECT id FROM users WHERE status <> 'deleted'
					AND search LIKE ALL ($1)`+f.sql+` ORDER BY name, id`, likeAll(term)); err != nil {
					t.Fatal(err)
				}
				for _, via := range []string{"auto", "trigram", "walk", "blocks", "name"} {
					q := store.UserQuery{Search: term, Limit: 7}
					f.set(&q)
					if via != "auto" {
						q = store.SearchVia(q, via, 20)
					}
					got, back := pageThrough(t, s, op, q)
					if !slices.Equal(got, want) {
						t.Errorf("%s: %q (%s) via %s: %d users %v, want %d %v", stage, term, f.name, via, len(got), head(got), len(want), head(want))
					}
					if !slices.Equal(back, want) {
						t.Errorf("%s: %q (%s) via %s, paging back: %d users %v, want %d %v", stage, term, f.name, via, len(back), head(back), len(want), head(want))
					}
				}
			}
		}
	}
	// Common, rare, clustered and absent terms of the seeded names, e-mails and login codes;
	// accents left out; several words, in either order, that go together (Jean-Baptiste,
	// Marie-Claire) or not.
	terms := []string{"jean", "son", "ngu", "mar", "dubo", "@example", "zzqxj", "elodie", "helene",
		"baptiste jean", "marie claire", "dupont jean", "son ngu", "nguyen van", "ma ri", "jean zzqxj"}
	check("seeded, three blocks a bucket", terms)

	// Behind the blocks: new users before the first name, after the last and in between, one
	// renamed, one e-mail changed, one undeleted, one deleted.
	org := storetest.Org(t, s, "blk", "Blocks")
	storetest.User(t, s, "BLK-00001", "a@qzjx.example", "!Aaron Qzjx", time.Time{}, org)
	storetest.User(t, s, "BLK-00002", "b@qzjx.example", "\U0010FFFF Qzjx last", time.Time{}, org)
	storetest.User(t, s, "BLK-00003", "c@example.org", "Marie Qzjxdottir", time.Time{}, org)
	var renamed, mailed, undeleted, deleted int64
	must(t, s.DB().Get(&renamed, `UPDATE users SET name = 'Zoe Wrenamedq' WHERE id = (SELECT min(id) FROM users WHERE name LIKE 'A%') RETURNING id`))
	must(t, s.DB().Get(&mailed, `UPDATE users SET email = 'qzjx.mailed@example.org' WHERE id = (SELECT max(id) FROM users WHERE status <> 'deleted' AND name NOT LIKE '%Qzjx%') RETURNING id`))
	must(t, s.DB().Get(&deleted, `UPDATE users SET status = 'deleted', deleted_at = now() WHERE id = (SELECT min(id) FROM users WHERE search LIKE '%jean%' AND status <> 'deleted') RETURNING id`))
	must(t, s.DB().Get(&undeleted, `UPDATE users SET status = 'disabled', deleted_at = NULL, name = 'Undeleted Qzjx' WHERE id = $1 RETURNING id`, deleted))
	must(t, s.DB().Get(&deleted, `UPDATE users SET status = 'deleted', deleted_at = now() WHERE id = (SELECT max(id) FROM users WHERE search LIKE '%son%' AND status <> 'deleted') RETURNING id`))
	grow := func(tag string) {
		t.Helper()
		var before int
		must(t, s.DB().Get(&before, `SELECT count(*) FROM search_blocks`))
		// Spread through the name order (a fresh text in many blocks), and many in one place
		// (blocks cut again, sharing out their positions).
		must(t, exec(s, `INSERT INTO users (login_code, email, name, status)
			SELECT 'BLK-S' || upper($1) || id, 'spread.' || $1 || id || '@qzjx.example', name || ' Spread', 'invited'
			FROM users WHERE id % 17 = 0 AND status <> 'deleted' AND name NOT LIKE '%Spread%'`, tag))
		must(t, exec(s, `INSERT INTO users (login_code, email, name, status)
			SELECT 'BLK-B' || upper($1) || g, 'bulk.' || $1 || g || '@bulk.example', 'Jean Qzjxbulk' || $1 || ' ' || g, 'invited'
			FROM generate_series(1, 200) g`, tag))
		checkBlocks(t, s)
		var after, fresh, freshBuckets int
		must(t, s.DB().QueryRow(`SELECT (SELECT count(*) FROM search_blocks), count(*), count(DISTINCT search_bucket(pos))
			FROM search_fresh`).Scan(&after, &fresh, &freshBuckets))
		if after <= before || fresh < 50 || freshBuckets < 10 {
			t.Fatalf("%d blocks cut again into %d, %d fresh rows in %d buckets: not the changes this test needs", before, after, fresh, freshBuckets)
		}
	}
	grow("a")
	changed := append(terms, "qzjx", "wrenamedq", "undeleted", "qzjxbulka 7", "jean qzjxbulkb 3")
	check("after changes", changed)

	// Positions shared by several blocks, buckets left empty between those that are not,
	// then more changes there.
	must(t, exec(s, `SELECT search_blocks_rebuild($1, 3)`, store.SearchBlockSize))
	must(t, exec(s, `UPDATE search_blocks SET pos = pos >> 43 << 43`))
	var shared int
	must(t, s.DB().Get(&shared, `SELECT count(*) FROM (SELECT pos FROM search_blocks GROUP BY pos HAVING count(*) > 1) x`))
	if shared < 10 {
		t.Fatalf("%d positions shared", shared)
	}
	grow("b")
	check("positions shared", changed)

	// Rebuilt: the same answers, from blocks cut anew; support only, audited.
	if _, err := s.RebuildSearchBlocks(ctx, model.Operator{Name: "adm", Role: model.RoleAdmin, OrgIDs: []int64{org}}); !errors.Is(err, store.ErrForbidden) {
		t.Fatalf("admin rebuilds the search blocks: %v", err)
	}
	n, err := s.RebuildSearchBlocks(ctx, op)
	if err != nil || n < 50 {
		t.Fatalf("rebuild: %d blocks, %v", n, err)
	}
	var audited int
	must(t, s.DB().Get(&audited, `SELECT count(*) FROM audit_entries WHERE action = 'search.reindex' AND operator_name = 'support'`))
	if audited != 1 {
		t.Fatalf("rebuild audited %d times", audited)
	}
	check("rebuilt", changed)
}

// likeAll is the plain answer's condition of a search: every word of the term, folded.
func likeAll(term string) any {
	var patterns []string
	for _, w := range model.SearchWords(term) {
		patterns = append(patterns, "%"+w+"%")
	}
	return pq.Array(patterns)
}

// TestSearchBlocksCoverEveryLiveUser checks the blocks' invariant directly after inserts at
// both ends of the name order and in the middle.
func TestSearchBlocksCoverEveryLiveUser(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	if _, err := demodata.Load(ctx, s.DB(), demodata.Options{Users: 400, Events: 0, Orgs: 3, Seed: 2}, nil); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"!first", "\U0010FFFF last", "Mmiddle", "Mmiddle", "Ctrl\x01Char Qzjx"} {
		storetest.User(t, s, fmt.Sprintf("COV-%05d", i), fmt.Sprintf("cov%d@example.org", i), name, time.Time{})
	}
	checkBlocks(t, s)
	// The separator of a summary's texts inside a text: written as a space, still found.
	op := model.Operator{Name: "support", Role: model.RoleSupport}
	for _, term := range []string{"char qzjx", "ctrl\x01char", "cov4@"} {
		got, _ := pageThrough(t, s, op, store.SearchVia(store.UserQuery{Search: term, Limit: 3}, "blocks", 0))
		if len(got) != 1 {
			t.Errorf("%q through the blocks: %d users, want 1", term, len(got))
		}
	}
	must(t, exec(s, `SELECT search_blocks_rebuild(32)`))
	checkBlocks(t, s)
}

// TestSearchBlocksFollowGrowthFromEmpty starts from an installation with no user (one empty
// block) and adds users one statement at a time and from eight transactions at once, all in
// the same stretch of the name order: the blocks are cut again as they outgrow 8 kB, never
// overlap, never lose a user, and the search through them gives the plain answer.
func TestSearchBlocksFollowGrowthFromEmpty(t *testing.T) {
	s := storetest.New(t)
	var n int
	must(t, s.DB().Get(&n, `SELECT count(*) FROM search_blocks`))
	if n != 1 {
		t.Fatalf("an empty installation has %d search blocks, want 1", n)
	}
	must(t, exec(s, `INSERT INTO users (login_code, email, name, status)
		SELECT 'GRW-' || g, 'grow' || g || '@example.org', (ARRAY['Jean ', 'Anne ', 'Zoé '])[1 + g % 3] || md5(g::text), 'invited'
		FROM generate_series(1, 600) g`))
	inParallel(t, 8, 60, func(w, i int) error {
		return exec(s, `INSERT INTO users (login_code, email, name, status) VALUES ($1, $2, $3, 'invited')`,
			fmt.Sprintf("CON-%d-%d", w, i), fmt.Sprintf("con%d.%d@example.org", w, i), fmt.Sprintf("Jean Concurrent %03d %d", i, w))
	})
	checkBlocks(t, s)
	var blocks, biggest int
	must(t, s.DB().QueryRow(`SELECT count(*), max(octet_length(summary)) FROM search_blocks`).Scan(&blocks, &biggest))
	if blocks < 1080/store.SearchBlockSize/4 || biggest > 8192+200 {
		t.Fatalf("%d blocks for 1,080 users, the biggest %d bytes: not cut again as they grew", blocks, biggest)
	}
	op := model.Operator{Name: "support", Role: model.RoleSupport}
	for _, term := range []string{"jean", "concurrent 05", "grow59", "zzqxj"} {
		var want []int64
		must(t, s.DB().Select(&want, `SELECT id FROM users WHERE search LIKE ALL ($1) ORDER BY name, id`, likeAll(term)))
		got, back := pageThrough(t, s, op, store.SearchVia(store.UserQuery{Search: term, Limit: 9}, "blocks", 0))
		if !slices.Equal(got, want) || !slices.Equal(back, want) {
			t.Errorf("%q through the blocks: %d forward, %d back, want %d", term, len(got), len(back), len(want))
		}
	}
}

// TestSearchBlocksCutOnEveryInsertAtOnce: users whose search texts are long enough (~290
// bytes) that 32 of them outgrow 8 kB, so that nearly every insert cuts its block again, from
// eight transactions at once in one stretch of the name order. This is where a writer can
// race a concurrent cut of the block it is about to extend: it must extend a block that
// covers its key, never one that a cut just replaced.
func TestSearchBlocksCutOnEveryInsertAtOnce(t *testing.T) {
	s := storetest.New(t)
	pad := strings.Repeat("x", 150)
	inParallel(t, 8, 100, func(w, i int) error {
		return exec(s, `INSERT INTO users (login_code, email, name, status) VALUES ($1, $2, $3, 'invited')`,
			fmt.Sprintf("LNG-%d-%d", w, i), fmt.Sprintf("long.%d.%d.%s@example.org", w, i, pad[:80]),
			fmt.Sprintf("Jean Long %03d %d %s", i, w, pad))
	})
	checkBlocks(t, s)
	var want []int64
	must(t, s.DB().Select(&want, `SELECT id FROM users WHERE search LIKE ALL ($1) ORDER BY name, id`, likeAll("jean long 01")))
	op := model.Operator{Name: "support", Role: model.RoleSupport}
	got, _ := pageThrough(t, s, op, store.SearchVia(store.UserQuery{Search: "jean long 01", Limit: 9}, "blocks", 0))
	// Every word: "Jean Long 001 …" and "Jean Long 010 …" to "019", from each of 8 writers.
	if len(want) != 88 || !slices.Equal(got, want) {
		t.Errorf("through the blocks: %d, want %d (88 inserted)", len(got), len(want))
	}
}

// checkBlocks asserts the invariant of migrations 0008 and 0019: no two blocks overlap;
// every live user lies in the range of the block with the greatest lower bound at or below
// its key (to its hi, or its search_fresh row's), whose summary or search_fresh texts hold
// its search text beside its id; a block's and a search_fresh row's ids go one for one with
// their texts; a search_fresh row belongs to a block, carries its position and reaches at
// least as far as it; positions never decrease in the name order.
func checkBlocks(t *testing.T, s *store.Store) {
	t.Helper()
	var uncovered []string
	must(t, s.DB().Select(&uncovered, `SELECT u.name || ' #' || u.id FROM users u
		LEFT JOIN LATERAL (SELECT * FROM search_blocks sb WHERE (sb.lo_name, sb.lo_id) <= (u.name, u.id)
			ORDER BY sb.lo_name DESC, sb.lo_id DESC LIMIT 1) b ON true
		LEFT JOIN search_fresh f ON (f.lo_name, f.lo_id) = (b.lo_name, b.lo_id)
		WHERE u.status <> 'deleted' AND (b.lo_name IS NULL
			OR (u.name, u.id) > (coalesce(f.hi_name, b.hi_name), coalesce(f.hi_id, b.hi_id))
			OR (NOT EXISTS (SELECT 1 FROM unnest(string_to_array(b.summary, E'\x01'), b.ids) x(t, id)
					WHERE x.id = u.id AND x.t = replace(u.search, E'\x01', ' '))
				AND NOT EXISTS (SELECT 1 FROM unnest(string_to_array(f.texts, E'\x01'), f.ids) x(t, id)
					WHERE x.id = u.id AND x.t = replace(u.search, E'\x01', ' '))))`))
	if len(uncovered) > 0 {
		t.Fatalf("users outside their search block: %q", head8(uncovered))
	}
	var misaligned []string
	must(t, s.DB().Select(&misaligned, `SELECT 'block ' || lo_name || ' #' || lo_id FROM search_blocks
			WHERE coalesce(cardinality(string_to_array(summary, E'\x01')), 0) <> cardinality(ids)
		UNION ALL SELECT 'fresh ' || lo_name || ' #' || lo_id FROM search_fresh
			WHERE coalesce(cardinality(string_to_array(texts, E'\x01')), 0) <> cardinality(ids)`))
	if len(misaligned) > 0 {
		t.Fatalf("texts and ids that do not go one for one: %q", head8(misaligned))
	}
	var overlaps int
	must(t, s.DB().Get(&overlaps, `SELECT count(*) FROM (SELECT b.hi_name, b.hi_id, f.hi_name AS fhi_name, f.hi_id AS fhi_id,
			lead(b.lo_name) OVER w AS nlo, lead(b.lo_id) OVER w AS nid
		FROM search_blocks b LEFT JOIN search_fresh f ON (f.lo_name, f.lo_id) = (b.lo_name, b.lo_id)
		WINDOW w AS (ORDER BY b.lo_name, b.lo_id)) x
		WHERE nlo IS NOT NULL AND ((hi_name, hi_id) >= (nlo, nid) OR (fhi_name, fhi_id) >= (nlo, nid))`))
	if overlaps != 0 {
		t.Fatalf("%d search blocks overlap the next one", overlaps)
	}
	var strays []string
	must(t, s.DB().Select(&strays, `SELECT f.lo_name || ' #' || f.lo_id FROM search_fresh f
		LEFT JOIN search_blocks b ON (b.lo_name, b.lo_id) = (f.lo_name, f.lo_id)
		WHERE b.lo_name IS NULL OR b.pos <> f.pos OR (f.hi_name, f.hi_id) < (b.hi_name, b.hi_id)`))
	if len(strays) > 0 {
		t.Fatalf("search_fresh rows without their block, its position or its reach: %q", head8(strays))
	}
	var backwards int
	must(t, s.DB().Get(&backwards, `SELECT count(*) FROM (SELECT pos, lead(pos) OVER (ORDER BY lo_name, lo_id) AS next
		FROM search_blocks) x WHERE next < pos`))
	if backwards != 0 {
		t.Fatalf("%d search blocks have a position past the next block's", backwards)
	}
}

func head8(v []string) []string {
	if len(v) > 8 {
		return v[:8]
	}
	return v
}

// inParallel runs fn(w, i) for i < each in writers goroutines at once (w < writers) and fails
// the test on the first error.
func inParallel(t *testing.T, writers, each int, fn func(w, i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if err := fn(w, i); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func exec(s *store.Store, q string, args ...any) error {
	_, err := s.DB().Exec(q, args...)
	return err
}

// pageThrough reads every page forward, then every page back from the last one, and returns
// the ids in name order both times.
func pageThrough(t *testing.T, s *store.Store, op model.Operator, q store.UserQuery) (fwd, back []int64) {
	t.Helper()
	ctx := context.Background()
	var last store.UserPage
	for i := 0; ; i++ {
		p, err := s.ListUsers(ctx, op, q)
		if err != nil {
			t.Fatalf("%q page %d: %v", q.Search, i, err)
		}
		for _, u := range p.Users {
			fwd = append(fwd, u.ID)
		}
		last = p
		if !p.HasNext || i > 2000 {
			break
		}
		q.After, q.Before = p.Last, nil
	}
	back = userIDs(last.Users)
	for p, i := last, 0; p.HasPrev && i < 2000; i++ {
		q.After, q.Before = nil, p.First
		var err error
		if p, err = s.ListUsers(ctx, op, q); err != nil {
			t.Fatalf("%q back page %d: %v", q.Search, i, err)
		}
		back = append(userIDs(p.Users), back...)
	}
	return fwd, back
}

func userIDs(us []model.User) []int64 {
	out := []int64{}
	for _, u := range us {
		out = append(out, u.ID)
	}
	return out
}

func head(v []int64) []int64 {
	if len(v) > 8 {
		return v[:8]
	}
	return v
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestSearchBlocksWalkStopsAfterThePage: the search blocks are walked a bucket at a time, in
// order, and the walk stops in the bucket that holds the page's last row: whatever a term
// matches further on, a page looks up the buckets up to that one, no further, and reads no
// block past the one that holds that row. Counted from the plan's execution (loops of its
// nodes), on buckets of three blocks.
func TestSearchBlocksWalkStopsAfterThePage(t *testing.T) {
	tr := &store.Tracer{}
	s := storetest.New(t, func(c *store.Config) { c.Tracer = tr })
	ctx := context.Background()
	if _, err := demodata.Load(ctx, s.DB(), demodata.Options{Users: 2500, Events: 0, Orgs: 10, Seed: 11}, nil); err != nil {
		t.Fatal(err)
	}
	must(t, exec(s, `SELECT search_blocks_rebuild($1, 3)`, store.SearchBlockSize))
	op := model.Operator{Name: "support", Role: model.RoleSupport}
	const limit = 7
	for _, term := range []string{"jean", "son", "sato", "mar", "zzqxj"} {
		// The page's last row (the limit+1th match tells whether there is a next page), and
		// the block and bucket that hold it; every bucket when there are fewer matches.
		var buckets, read int
		must(t, s.DB().QueryRow(`WITH m AS (SELECT name, id FROM users WHERE status <> 'deleted' AND search LIKE $1
				ORDER BY name, id LIMIT $2),
			k AS (SELECT b.lo_name, b.lo_id, b.pos FROM (SELECT name, id FROM m ORDER BY name DESC, id DESC LIMIT 1) last
				JOIN LATERAL (SELECT * FROM search_blocks sb WHERE (sb.lo_name, sb.lo_id) <= (last.name, last.id)
					ORDER BY sb.lo_name DESC, sb.lo_id DESC LIMIT 1) b ON true
				WHERE (SELECT count(*) FROM m) = $2)
			SELECT coalesce((SELECT search_bucket(pos) FROM k), (SELECT max(search_bucket(pos)) FROM search_blocks))
					- (SELECT min(search_bucket(pos)) FROM search_blocks) + 1,
				(SELECT count(*) FROM search_blocks sb WHERE show_trgm(sb.summary) @> search_word_grams(ARRAY[$3])
					AND (NOT EXISTS (SELECT 1 FROM k) OR (sb.lo_name, sb.lo_id) <= (SELECT lo_name, lo_id FROM k)))`,
			"%"+term+"%", limit+1, term).Scan(&buckets, &read))
		tr.Start()
		_, err := s.ListUsers(ctx, op, store.SearchVia(store.UserQuery{Search: term, Limit: limit}, "blocks", 0))
		stmts := tr.Stop()
		if err != nil {
			t.Fatal(err)
		}
		if len(stmts) == 0 || !strings.HasPrefix(strings.TrimSpace(stmts[0].SQL), "WITH") {
			t.Fatalf("%q: the page's statement is not the first: %v", term, stmts)
		}
		var plan string
		must(t, s.DB().Get(&plan, `EXPLAIN (ANALYZE, FORMAT JSON) `+stmts[0].SQL, stmts[0].Args...))
		var root []struct {
			Plan map[string]any `json:"Plan"`
		}
		must(t, json.Unmarshal([]byte(plan), &root))
		lookups := loopsOf(root[0].Plan, func(n map[string]any) bool { return n["Index Name"] == "search_blocks_grams" })
		reads := loopsOf(root[0].Plan, func(n map[string]any) bool {
			return n["Node Type"] == "Tid Scan" && n["Relation Name"] == "search_blocks"
		})
		t.Logf("%q: %d buckets looked up (%d expected), %d blocks read (at most %d)", term, lookups, buckets, reads, read)
		if lookups != buckets {
			t.Errorf("%q: %d buckets looked up, want %d", term, lookups, buckets)
		}
		if reads > read || (read > 0 && reads == 0) {
			t.Errorf("%q: %d blocks read, want at most %d", term, reads, read)
		}
	}
}

// loopsOf sums the loops of the plan nodes that match.
func loopsOf(node map[string]any, match func(map[string]any) bool) int {
	n := 0
	if match(node) {
		loops, _ := node["Actual Loops"].(float64)
		n += int(loops)
	}
	kids, _ := node["Plans"].([]any)
	for _, k := range kids {
		if m, ok := k.(map[string]any); ok {
			n += loopsOf(m, match)
		}
	}
	return n
}
