package cli

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"gatehouse/model"
	"gatehouse/model/safe"
	"gatehouse/store"
)

func init() {
	register(&command{
		name:    "bench",
		args:    "[--users N --events M | --sizes N,N,…] [flags]",
		summary: "measure every number of the performance table beside its floor and the same SQL sent bare",
		help: `Seeds (once) a benchmark database "gatehouse_bench" in the embedded cluster (or the
database given with --database-url) and prints one table: for each operation of the
console — Users first page, page at depth (keyset), searches, each filter, each sort,
lockouts, timeline, invitations, audit — the p50 / p95 of the store call, of its floor and of
the same SQL sent bare to the server (recorded from the store call itself), the store/floor
ratio, the target and pass/fail. Then 8 and 32 simulated operators searching and paging at
once, and sign-ins through the portal's handler.

The floor of a row is the minimal statement that yields the same page, prepared once on one
connection and executed with its cached plan: written by hand for the list pages (the index
walk and the columns the page shows), the store's own statement that returned the page for
the searches. The bench checks that the floor returns the same ids in the same order as the
store (an error in the row otherwise) and that its plan is not made again at each run.
The runs are interleaved: each of the --iterations rounds runs every operation once (the
store call, its floor, its bare statements), so a moment of load on the machine touches
every row a little instead of one row's whole sample.

--sizes measures the growth: each size in a database of its own, gatehouse_bench_<users>
(seeded once, reused while it holds that size; with --database-url, <database>_<users> on
that server), 10 events per user up to 1,000,000 users and 3 per user above (--events-per-user
sets it), every row at each size, then one table of each row's p95 by size and its ratio to
the 1M figure (the smallest size without one). --drop drops the bench databases afterwards.
--explain prints EXPLAIN (ANALYZE, BUFFERS) of every statement and floor instead.

The SSH numbers (keystroke → frame, idle sessions) are the ui package's benchmarks:
` + sshBenchCommand,
		examples: []string{
			"gatehouse bench --users 1000000 --events 10000000",
			"gatehouse bench --users 100000 --events 1000000 --iterations 50",
			"gatehouse bench --sizes 100000,1000000,3000000,10000000 --drop",
			"gatehouse bench --explain",
		},
		run: runBench,
	})
}

// sshBenchCommand measures the SSH console: keystroke → frame with 49 other consoles open,
// and the memory and idle CPU of 50 sessions.
const sshBenchCommand = "go test -run X -bench 'SSHKeystroke|SSHIdleSessions' -benchtime 200x ./ui"

// benchCase is one measured operation: a store call returning its page's keys (ids, in
// order), with its target and its floor.
type benchCase struct {
	name   string // the same at every size (the growth table's key)
	detail string // what this database's case is made of: a term, a slug, a depth
	kind   string // "page", "search" or "lockouts": the growth rule
	target time.Duration
	run    func(ctx context.Context) ([]string, error)
	floor  string // the floor's statement, written by hand; "" for a search (the store's own)
	key    string // the floor's key column (default "id")
}

// floorRatio is the most a store call may cost over its floor (p95).
const floorRatio = 1.5

type benchRow struct {
	Name        string  `json:"name"`
	Detail      string  `json:"detail,omitempty"`
	Kind        string  `json:"kind"`
	StoreP50    float64 `json:"store_p50_ms"`
	StoreP95    float64 `json:"store_p95_ms"`
	FloorP50    float64 `json:"floor_p50_ms"`
	FloorP95    float64 `json:"floor_p95_ms"`
	BareP50     float64 `json:"bare_p50_ms"`
	BareP95     float64 `json:"bare_p95_ms"`
	Ratio       float64 `json:"store_floor_ratio_p95"`
	TargetMS    float64 `json:"target_p95_ms"`
	MaxRatio    float64 `json:"max_ratio"`
	Pass        bool    `json:"pass"`
	Statements  int     `json:"statements"`
	Rows        int     `json:"rows"`
	FloorSQL    string  `json:"floor_sql,omitempty"`
	FloorPlans  int64   `json:"floor_generic_plans"` // executions of the floor's one cached plan
	FloorCustom int64   `json:"floor_custom_plans"`  // plans made again (0 for a cached plan)
	Error       string  `json:"error,omitempty"`
}

// benchSize is what one database measured.
type benchSize struct {
	Database    string           `json:"database"`
	Users       int64            `json:"users"`
	Events      int64            `json:"events"`
	Bytes       int64            `json:"database_bytes"`
	Size        string           `json:"database_size"`
	Seeded      bool             `json:"seeded"`
	SeedSeconds float64          `json:"seed_seconds,omitempty"`
	Operations  []benchRow       `json:"operations"`
	Concurrency []concurrencyRow `json:"concurrency"`
	Portal      *portalResult    `json:"portal,omitempty"`
}

type benchOptions struct {
	iterations    int
	concurrency   []int
	duration      time.Duration
	portalSignIns int
	explain       bool
	quiet         bool // JSON: no progress lines
}

func runBench(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	users := f.Int("users", 1000000, "users in the benchmark database (seeded once)")
	events := f.Int("events", 10000000, "auth events in the benchmark database")
	sizes := f.String("sizes", "", "measure at each of these user counts, each in its own database (comma-separated)")
	perUser := f.Int("events-per-user", 0, "with --sizes: auth events per user (0: 10 up to 1,000,000 users, 3 above)")
	drop := f.Bool("drop", false, "drop the bench databases after the run")
	iterations := f.Int("iterations", 100, "timed runs of each operation")
	explain := f.Bool("explain", false, "print EXPLAIN (ANALYZE, BUFFERS) of each operation's statements and floor")
	asJSON := f.Bool("json", false, "print the results as JSON")
	concurrent := f.String("concurrency", "8,32", "simulated concurrent operators (comma-separated; empty = skip)")
	duration := f.Duration("concurrency-time", 10*time.Second, "how long each concurrency run lasts")
	signIns := f.Int("portal-sign-ins", 60, "sign-ins through the portal's handler (0 = skip)")
	pos, code, ok := f.parse(e, args)
	if !ok {
		return code
	}
	if code, ok := f.wantArgs(e, pos, 0, ""); !ok {
		return code
	}
	if *iterations < 1 || *perUser < 0 || *signIns < 0 {
		return f.usageError(e, "--iterations must be at least 1, --events-per-user and --portal-sign-ins not negative")
	}
	var sizeList []int
	if *sizes != "" {
		for _, p := range strings.Split(*sizes, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil || n < 1 {
				return f.usageError(e, "--sizes: %q is not a number of users", strings.TrimSpace(p))
			}
			sizeList = append(sizeList, n)
		}
		if f.set("users") || f.set("events") {
			return f.usageError(e, "--sizes sets the users and events of each database: not with --users or --events")
		}
	}
	cfg, err := loadConfig(f.global)
	if err != nil {
		return fail(e, err)
	}
	cfg.statementTimeout = seedTimeout
	cfg.tracer = &store.Tracer{}
	cfg.maxOpenConns = 40
	dbs, err := benchDatabases(cfg, sizeList, *perUser, *users, *events)
	if err != nil {
		return fail(e, err)
	}
	if *drop && !dbs[0].managed {
		return f.usageError(e, "--drop drops the bench databases: the database of --database-url is not one (use --sizes)")
	}
	opt := benchOptions{iterations: *iterations, concurrency: parseInts(*concurrent), duration: *duration,
		portalSignIns: *signIns, explain: *explain, quiet: *asJSON}
	var results []benchSize
	runErr := func() error {
		for _, db := range dbs {
			res, err := benchDatabase(e, cfg, db, opt, f.set("users") || f.set("events"))
			if err != nil {
				return fmt.Errorf("%s: %w", db.name, err)
			}
			if !opt.explain {
				results = append(results, res)
			}
		}
		return nil
	}()
	if *drop {
		for _, db := range dbs {
			if err := db.drop(e.ctx); err != nil {
				fmt.Fprintf(e.stderr, "drop %s: %v\n", db.name, err)
			} else if !opt.quiet {
				fmt.Fprintf(e.stderr, "dropped %s\n", db.name)
			}
		}
	}
	if runErr != nil {
		return fail(e, runErr)
	}
	if opt.explain {
		return exitOK
	}
	var growth []growthRow
	if len(results) > 1 {
		growth = growthTable(results)
	}
	if *asJSON {
		if len(results) == 1 {
			return exitIf(writeJSON(e.stdout, map[string]any{"database": results[0].Database, "users": results[0].Users,
				"events": results[0].Events, "database_bytes": results[0].Bytes, "operations": results[0].Operations,
				"concurrency": results[0].Concurrency, "portal": results[0].Portal, "ssh": sshBenchCommand}), e)
		}
		return exitIf(writeJSON(e.stdout, map[string]any{"sizes": results, "growth": growth, "ssh": sshBenchCommand}), e)
	}
	for i, r := range results {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		fmt.Fprintf(e.stdout, "== %s: %s users, %s events, %s\n", r.Database, thousands(r.Users), thousands(r.Events), r.Size)
		printBench(e.stdout, r.Operations, r.Concurrency)
		printPortal(e.stdout, r.Portal)
	}
	if len(growth) > 0 {
		fmt.Fprintln(e.stdout)
		printGrowth(e.stdout, results, growth)
	}
	fmt.Fprintf(e.stdout, "\nSSH (keystroke → frame, idle sessions): %s\n", sshBenchCommand)
	return exitOK
}

// benchDatabase seeds (when it must) and measures one database.
func benchDatabase(e *env, cfg *Config, db benchDB, opt benchOptions, sizeAsked bool) (benchSize, error) {
	ctx := e.ctx
	st, label, cleanup, err := db.open(ctx)
	if err != nil {
		return benchSize{}, err
	}
	closed := false
	defer func() {
		if !closed {
			cleanup()
		}
	}()
	res := benchSize{Database: db.name}
	var have, haveEvents int64
	if err := st.DB().GetContext(ctx, &have, `SELECT count(*) FROM users`); err != nil {
		return res, err
	}
	if db.managed && have != 0 {
		if err := st.DB().GetContext(ctx, &haveEvents, `SELECT count(*) FROM auth_events`); err != nil {
			return res, err
		}
		// Sign-ins of earlier runs add events: fewer than seeded is a partial seed.
		if have != int64(db.users) || haveEvents < int64(db.events) {
			fmt.Fprintf(e.stderr, "%s holds %s users and %s events, not %s and %s: seeding it again\n", db.name,
				thousands(have), thousands(haveEvents), thousands(int64(db.users)), thousands(int64(db.events)))
			cleanup()
			closed = true
			if err := db.drop(ctx); err != nil {
				return res, err
			}
			if st, label, cleanup, err = db.open(ctx); err != nil {
				return res, err
			}
			closed = false
			have = 0
		}
	}
	if have == 0 {
		fmt.Fprintf(e.stderr, "seeding %s with %s users and %s events (once)…\n", label, thousands(int64(db.users)), thousands(int64(db.events)))
		sum, err := seedWithProgress(ctx, st, benchSeed(db), e.stderr, "seeding")
		if err != nil {
			return res, err
		}
		fmt.Fprintf(e.stderr, "seeded in %s (%s rows/s), database %s\n", sum.Elapsed.Round(time.Second),
			thousands(rowsPerSecond(sum)), humanBytes(sum.DatabaseSize))
		res.Seeded, res.SeedSeconds = true, sum.Elapsed.Seconds()
	} else {
		if !db.managed && have != int64(db.users) && sizeAsked {
			fmt.Fprintf(e.stderr, "note: %s already holds %d users; measuring those (drop the database to reseed)\n", label, have)
		}
		if _, err := st.DB().ExecContext(ctx, `VACUUM ANALYZE`); err != nil {
			return res, err
		}
	}
	if err := st.DB().GetContext(ctx, &res.Users, `SELECT count(*) FROM users`); err != nil {
		return res, err
	}
	if err := st.DB().GetContext(ctx, &res.Events, `SELECT count(*) FROM auth_events`); err != nil {
		return res, err
	}
	if err := st.DB().GetContext(ctx, &res.Bytes, `SELECT pg_database_size(current_database())`); err != nil {
		return res, err
	}
	res.Size = humanBytes(res.Bytes)
	// The pages a seed or a VACUUM left dirty are written now, not by a checkpoint during the
	// runs (it needs a superuser or pg_checkpoint, which the embedded cluster's role is).
	if _, err := st.DB().ExecContext(ctx, `CHECKPOINT`); err != nil {
		fmt.Fprintf(e.stderr, "note: CHECKPOINT refused (%v): a checkpoint may run during the measurement\n", err)
	}
	op := model.Operator{Name: "bench", Role: model.RoleSupport}
	cases, err := benchCases(ctx, st, op)
	if err != nil {
		return res, err
	}
	fc, err := newFloorConn(ctx, st.DB().DB)
	if err != nil {
		return res, err
	}
	defer fc.Close()
	bare := st.DB() // the same pool, without the store around it
	if opt.explain {
		return res, benchExplain(e, cfg.tracer, bare, fc, cases)
	}
	var progress func(done, of int)
	if !opt.quiet {
		progress = func(done, of int) {
			fmt.Fprintf(e.stderr, "  measured %d of %d rounds of the %d operations\n", done, of, len(cases))
		}
	}
	res.Operations = measureAll(ctx, cfg.tracer, bare, fc, cases, opt.iterations, progress)
	for _, n := range opt.concurrency {
		res.Concurrency = append(res.Concurrency, concurrency(ctx, st, op, n, opt.duration))
	}
	if opt.portalSignIns > 0 {
		// Last: sign-ins write (events, sessions, last logins).
		p, err := benchPortal(ctx, st, opt.portalSignIns)
		if err != nil {
			p = &portalResult{Error: err.Error()}
		}
		res.Portal = p
	}
	return res, nil
}

func exitIf(err error, e *env) int {
	if err != nil {
		return fail(e, err)
	}
	return exitOK
}

func parseInts(s string) []int {
	var out []int
	for _, p := range strings.Split(s, ",") {
		var n int
		if _, err := fmt.Sscanf(strings.TrimSpace(p), "%d", &n); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

// benchSearchTerms are the searches measured beside the common last name and a login code:
// the worst terms found at 3M users (many matches, clustered in the name order, or spread
// thin), as a caller spells a name, two words that go together, short words, no match.
var benchSearchTerms = []struct{ name, term string }{
	// A common first name: its matches sit together in the name order (all under J), the
	// case the search blocks are for.
	{`search: clustered "jean"`, "jean"},
	{`search: "ann"`, "ann"},
	{`search: "dup"`, "dup"},
	{`search: "ngu"`, "ngu"},
	{`search: "sat"`, "sat"},
	// Two one-letter words: each in nearly every user, no trigram to look up.
	{`search: one-letter words "e a"`, "e a"},
	// As a caller spells a name: no accents, the words in any order; and two words that go
	// together (nearly every Baptiste is a Jean-Baptiste: the planner, taking the words as
	// independent, would expect a few hundred of its 12,000 matches).
	{`search: two words, no accents "rousseau amelie"`, "rousseau amelie"},
	{`search: words that go together "baptiste jean"`, "baptiste jean"},
	{`search: 2 characters "ma"`, "ma"},
	{`search: no match "zzqxj"`, "zzqxj"},
}

// benchCases lists the operations measured. Cursors for deep pages are read from the data.
func benchCases(ctx context.Context, st *store.Store, op model.Operator) ([]benchCase, error) {
	db := st.DB()
	var total int
	if err := db.GetContext(ctx, &total, `SELECT count(*) FROM users WHERE status <> 'deleted'`); err != nil {
		return nil, err
	}
	depth := total * 99 / 100
	deep := &store.Cursor{}
	if err := db.QueryRowxContext(ctx, `SELECT name, id FROM users WHERE status <> 'deleted'
		ORDER BY name, id OFFSET $1 LIMIT 1`, depth).Scan(&deep.Name, &deep.ID); err != nil {
		return nil, fmt.Errorf("depth cursor: %w", err)
	}
	var common, rare, orgSlug string
	var orgID, userID int64
	_ = db.GetContext(ctx, &common, `SELECT lower(split_part(name, ' ', 2)) FROM users GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`)
	_ = db.GetContext(ctx, &rare, `SELECT lower(login_code) FROM users ORDER BY id DESC LIMIT 1`)
	_ = db.GetContext(ctx, &orgID, `SELECT org_id FROM memberships GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`)
	_ = db.GetContext(ctx, &orgSlug, `SELECT slug FROM organizations WHERE id = $1`, orgID)
	// A mid-size organization (about 0.3% of the users), the usual company administrator's view.
	var midID int64
	var midSlug string
	_ = db.GetContext(ctx, &midID, `SELECT org_id FROM memberships GROUP BY 1 ORDER BY abs(count(*) - $1), 1 LIMIT 1`, total/330)
	_ = db.GetContext(ctx, &midSlug, `SELECT slug FROM organizations WHERE id = $1`, midID)
	admin := model.Operator{Name: "bench-admin", Role: model.RoleAdmin, OrgIDs: []int64{midID}}
	_ = db.GetContext(ctx, &userID, `SELECT user_id FROM auth_events WHERE user_id IS NOT NULL ORDER BY id DESC LIMIT 1`)
	common = commonTerm(common)
	t, f := true, false
	page := func(op model.Operator, q store.UserQuery) func(ctx context.Context) ([]string, error) {
		q.Limit, q.Brief = 50, true // as the console asks
		return func(ctx context.Context) ([]string, error) {
			p, err := st.ListUsers(ctx, op, q)
			keys := make([]string, len(p.Users))
			for i, u := range p.Users {
				keys[i] = strconv.FormatInt(u.ID, 10)
			}
			return keys, err
		}
	}
	users := func(q store.UserQuery) func(ctx context.Context) ([]string, error) { return page(op, q) }
	const ms = time.Millisecond
	pageCase := func(name, detail string, target time.Duration, run func(context.Context) ([]string, error), floor string) benchCase {
		return benchCase{name: name, detail: detail, kind: "page", target: target, run: run, floor: floor}
	}
	search := func(name, detail, term string) benchCase {
		return benchCase{name: name, detail: detail, kind: "search", target: 30 * ms, run: users(store.UserQuery{Search: term})}
	}
	cases := []benchCase{
		pageCase("users: first page (name)", "", 5*ms, users(store.UserQuery{Sort: store.SortName}), floorUsersByName("", nil)),
		pageCase("users: keyset page at 99% depth", "after row "+thousands(int64(depth)), 5*ms,
			users(store.UserQuery{Sort: store.SortName, After: deep}), floorUsersByName("", deep)),
		pageCase("users: first page (last login)", "", 5*ms, users(store.UserQuery{Sort: store.SortLastLogin}), floorUsersByLastLogin()),
		pageCase("users: first page (created)", "", 5*ms, users(store.UserQuery{Sort: store.SortCreated}), floorUsersByCreated()),
		search("search: common last name", strconv.Quote(common), common),
		search("search: rare (a login code)", strconv.Quote(rare), rare),
	}
	for _, s := range benchSearchTerms {
		cases = append(cases, search(s.name, "", s.term))
	}
	cases = append(cases,
		pageCase("filter: status invited", "", 5*ms, users(store.UserQuery{Status: model.StatusInvited}), floorUsersByStatus("invited")),
		pageCase("filter: status disabled", "", 5*ms, users(store.UserQuery{Status: model.StatusDisabled}), floorUsersByStatus("disabled")),
		pageCase("filter: locked", "", 10*ms, users(store.UserQuery{Locked: &t}),
			floorUsersByName("u.locked_at IS NOT NULL AND (u.locked_until IS NULL OR u.locked_until > now())", nil)),
		pageCase("filter: 2FA on", "", 5*ms, users(store.UserQuery{TOTP: &t}), floorUsersByName("u.totp_enabled", nil)),
		pageCase("filter: 2FA off", "", 5*ms, users(store.UserQuery{TOTP: &f}), floorUsersByName("NOT u.totp_enabled", nil)),
		pageCase("filter: must change", "", 5*ms, users(store.UserQuery{MustChange: &t}), floorUsersByName("u.must_change_password", nil)),
		pageCase("filter: inactive 90 days", "", 5*ms, users(store.UserQuery{InactiveDays: 90}),
			floorUsersByName("coalesce(u.last_login_at, u.created_at) < now() - interval '2160 hours'", nil)),
		pageCase("filter: organization (largest)", orgSlug, 5*ms, users(store.UserQuery{OrgID: orgID}), floorOrgMembers(orgID, nil)),
		pageCase("filter: organization (mid-size)", midSlug, 5*ms, users(store.UserQuery{OrgID: midID}), floorOrgMembers(midID, nil)),
		pageCase("admin of a mid-size organization: first page", midSlug, 5*ms, page(admin, store.UserQuery{}),
			floorOrgMembers(midID, []int64{midID})),
		pageCase("user timeline (50 events)", "", 5*ms, func(ctx context.Context) ([]string, error) {
			list, err := st.UserTimeline(ctx, op, userID, 0, 50)
			keys := make([]string, len(list))
			for i, x := range list {
				keys[i] = strconv.FormatInt(x.ID, 10)
			}
			return keys, err
		}, floorTimeline(userID)),
		pageCase("audit: first page", "", 5*ms, func(ctx context.Context) ([]string, error) {
			list, err := st.ListAudit(ctx, op, store.AuditQuery{Limit: 50})
			keys := make([]string, len(list))
			for i, x := range list {
				keys[i] = strconv.FormatInt(x.ID, 10)
			}
			return keys, err
		}, floorAudit()),
	)
	day := st.Now().Add(-24 * time.Hour)
	lockouts := func(name string, run func(context.Context) ([]string, error), floor, key string) benchCase {
		return benchCase{name: name, kind: "lockouts", target: 10 * ms, run: run, floor: floor, key: key}
	}
	cases = append(cases,
		lockouts("lockouts: locked accounts", func(ctx context.Context) ([]string, error) {
			list, err := st.ListLocked(ctx, op, store.LockedQuery{Limit: 200})
			keys := make([]string, len(list))
			for i, x := range list {
				keys[i] = strconv.FormatInt(x.ID, 10)
			}
			return keys, err
		}, floorLocked(), ""),
		lockouts("lockouts: recent failures", func(ctx context.Context) ([]string, error) {
			list, err := st.RecentFailures(ctx, op, store.FailureQuery{Limit: 100})
			keys := make([]string, len(list))
			for i, x := range list {
				keys[i] = strconv.FormatInt(x.ID, 10)
			}
			return keys, err
		}, floorRecentFailures(), ""),
		lockouts("lockouts: failures by IP (24 h)", func(ctx context.Context) ([]string, error) {
			list, err := st.FailuresByIP(ctx, op, day, 50)
			keys := make([]string, len(list))
			for i, x := range list {
				keys[i] = x.Source.String()
			}
			return keys, err
		}, floorFailuresByIP(day), "source"),
		pageCase("invitations: first page", "", 5*ms, func(ctx context.Context) ([]string, error) {
			p, err := st.ListInvitations(ctx, op, store.InvitationQuery{Limit: 50})
			keys := make([]string, len(p.Invitations))
			for i, x := range p.Invitations {
				keys[i] = strconv.FormatInt(x.ID, 10)
			}
			return keys, err
		}, floorInvitations()),
	)
	return cases, nil
}

// benchTerms are the search terms of a bench's cases (each must be valid text).
func benchTerms(cases []benchCase) []string {
	var out []string
	for _, c := range cases {
		if c.kind != "search" {
			continue
		}
		if term, err := strconv.Unquote(c.detail); err == nil {
			out = append(out, term)
		}
	}
	for _, s := range benchSearchTerms {
		out = append(out, s.term)
	}
	return out
}

// measure times the store call, its floor and the same statements sent bare, interleaved.
// measure measures one case alone: measureAll with one case.
func measure(ctx context.Context, tr *store.Tracer, bare *sqlx.DB, fc *floorConn, bc benchCase, n int) benchRow {
	return measureAll(ctx, tr, bare, fc, []benchCase{bc}, n, nil)[0]
}

// measureAll checks every case (its page, its floor's page, its floor's plan), then times
// them round-robin: each of the n rounds runs every case once (its store call, its floor,
// its bare statements). A burst of load on the machine then falls on every row a little,
// rather than on the one row measured at that moment, so that each row's p95 is the
// machine's steady tail and rows measured at different sizes compare. progress, if not nil,
// is told after each tenth of the rounds.
func measureAll(ctx context.Context, tr *store.Tracer, bare *sqlx.DB, fc *floorConn, cases []benchCase, n int, progress func(done, of int)) []benchRow {
	cs := make([]*measuring, len(cases))
	for i, bc := range cases {
		cs[i] = prepareCase(ctx, tr, bare, fc, bc)
		if cs[i].floor != "" {
			defer fc.deallocate(ctx, cs[i].floor)
		}
	}
	for i := 0; i < n; i++ {
		for _, m := range cs {
			if m.row.Error == "" {
				m.once(ctx, bare, fc)
			}
		}
		if progress != nil && (i+1)%max(1, n/10) == 0 {
			progress(i+1, n)
		}
	}
	rows := make([]benchRow, len(cs))
	for i, m := range cs {
		rows[i] = m.finish(ctx, fc, n)
	}
	return rows
}

// measuring is one case between its checks and its result.
type measuring struct {
	bc         benchCase
	row        benchRow
	stmts      []store.TracedQuery // what the store call sent, sent again bare
	floor, key string              // the floor's prepared name and its key column
	sT, fT, bT []time.Duration
}

// prepareCase runs the store call once to warm its caches and once traced, prepares the floor
// and checks that it returns the same page, and warms every path. A failure is the row's
// error, and the case is not timed.
func prepareCase(ctx context.Context, tr *store.Tracer, bare *sqlx.DB, fc *floorConn, bc benchCase) *measuring {
	m := &measuring{bc: bc, row: benchRow{Name: bc.name, Detail: bc.detail, Kind: bc.kind, TargetMS: ms(bc.target), MaxRatio: floorRatio}}
	_, _ = bc.run(ctx) // warm the store's caches, so what is recorded is the steady-state call
	tr.Start()
	keys, err := bc.run(ctx)
	m.stmts = tr.Stop()
	m.row.Statements, m.row.Rows = len(m.stmts), len(keys)
	if err != nil {
		m.row.Error = err.Error()
		return m
	}
	floorSQL, key := bc.floor, bc.key
	if key == "" {
		key = "id"
	}
	if floorSQL == "" {
		if floorSQL, err = pageStatement(ctx, fc.conn, m.stmts, keys); err != nil {
			m.row.Error = "floor: " + err.Error()
			return m
		}
	}
	m.row.FloorSQL = floorSQL
	name, err := fc.prepare(ctx, floorSQL)
	if err != nil {
		m.row.Error = "floor: " + err.Error()
		return m
	}
	m.floor, m.key = name, key
	floorKeys, err := fc.exec(ctx, name, key)
	if err != nil {
		m.row.Error = "floor: " + err.Error()
		return m
	}
	if !samePage(keys, floorKeys) {
		m.row.Error = floorDiff(keys, floorKeys)
		return m
	}
	// Warm up every path.
	for i := 0; i < 3; i++ {
		_, _ = bc.run(ctx)
		_, _ = fc.exec(ctx, name, key)
		_ = sendBare(ctx, bare, m.stmts)
	}
	return m
}

// once times the store call, the floor and the bare statements once each.
func (m *measuring) once(ctx context.Context, bare *sqlx.DB, fc *floorConn) {
	t0 := time.Now()
	if _, err := m.bc.run(ctx); err != nil {
		m.row.Error = err.Error()
		return
	}
	m.sT = append(m.sT, time.Since(t0))
	t0 = time.Now()
	if _, err := fc.exec(ctx, m.floor, m.key); err != nil {
		m.row.Error = "floor: " + err.Error()
		return
	}
	m.fT = append(m.fT, time.Since(t0))
	t0 = time.Now()
	if err := sendBare(ctx, bare, m.stmts); err != nil {
		m.row.Error = "bare: " + err.Error()
		return
	}
	m.bT = append(m.bT, time.Since(t0))
}

// finish checks that the floor's plan was made once and reused, and computes the row.
func (m *measuring) finish(ctx context.Context, fc *floorConn, n int) benchRow {
	row := m.row
	if row.Error != "" {
		return row
	}
	// The floor's plan was made once and reused: no custom plan, a generic one per EXECUTE.
	var err error
	if row.FloorPlans, row.FloorCustom, err = fc.plans(ctx, m.floor); err != nil {
		row.Error = "floor plans: " + err.Error()
		return row
	}
	if row.FloorCustom > 0 || row.FloorPlans < int64(n) {
		row.Error = fmt.Sprintf("floor: its plan was not cached (%d generic, %d custom plans for %d runs)", row.FloorPlans, row.FloorCustom, n+4)
		return row
	}
	row.StoreP50, row.StoreP95 = ms(pct(m.sT, 50)), ms(pct(m.sT, 95))
	row.FloorP50, row.FloorP95 = ms(pct(m.fT, 50)), ms(pct(m.fT, 95))
	row.BareP50, row.BareP95 = ms(pct(m.bT, 50)), ms(pct(m.bT, 95))
	if row.FloorP95 > 0 {
		row.Ratio = row.StoreP95 / row.FloorP95
	}
	row.Pass = row.StoreP95 <= row.TargetMS && row.Ratio <= floorRatio
	return row
}

// sendBare sends recorded statements and reads every row, as the floor of a store call.
func sendBare(ctx context.Context, db *sqlx.DB, stmts []store.TracedQuery) error {
	for _, q := range stmts {
		rows, err := db.QueryContext(ctx, q.SQL, q.Args...)
		if err != nil {
			return err
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		for i := range vals {
			vals[i] = new(sql.RawBytes)
		}
		for rows.Next() {
			if err := rows.Scan(vals...); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p + 99) / 100
	if i < 1 {
		i = 1
	}
	return s[i-1]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

type concurrencyRow struct {
	Operators int     `json:"operators"`
	Calls     int     `json:"calls"`
	Errors    int     `json:"errors"`
	P50       float64 `json:"p50_ms"`
	P95       float64 `json:"p95_ms"`
	TargetMS  float64 `json:"target_p95_ms"`
	Pass      bool    `json:"pass"`
}

// concurrency runs n simulated operators searching as they type and paging, on one pool.
func concurrency(ctx context.Context, st *store.Store, op model.Operator, n int, d time.Duration) concurrencyRow {
	terms := []string{"mar", "dup", "jean", "ann", "kow", "sat", "ngu", "mül", "ali", "son", "ber", "lef"}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	var times []time.Duration
	errs := 0
	var wg sync.WaitGroup
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for ctx.Err() == nil {
				term := terms[r.IntN(len(terms))]
				q := store.UserQuery{Search: term, Limit: 50, Brief: true}
				for i := 0; i < 2 && ctx.Err() == nil; i++ { // a search then the next page
					t0 := time.Now()
					p, err := st.ListUsers(ctx, op, q)
					el := time.Since(t0)
					if ctx.Err() != nil {
						return
					}
					mu.Lock()
					if err != nil {
						errs++
					} else {
						times = append(times, el)
					}
					mu.Unlock()
					if err != nil || !p.HasNext {
						break
					}
					q.After = p.Last
				}
			}
		}(w)
	}
	wg.Wait()
	row := concurrencyRow{Operators: n, Calls: len(times) + errs, Errors: errs, P50: ms(pct(times, 50)), P95: ms(pct(times, 95))}
	if n <= 8 { // the target is for 8 operators typing at once; more is measured, with no target
		row.TargetMS = 100
	}
	row.Pass = errs == 0 && (row.TargetMS == 0 || row.P95 <= row.TargetMS)
	return row
}

func printBench(w io.Writer, rows []benchRow, conc []concurrencyRow) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\tstore p50\tstore p95\tfloor p50\tfloor p95\tbare p50\tbare p95\tstore/floor\ttarget\tresult\t")
	for _, r := range rows {
		res := "pass"
		if !r.Pass {
			res = "FAIL"
		}
		if r.Error != "" {
			res = "ERROR: " + oneLine(r.Error)
		}
		name := r.Name
		if r.Detail != "" {
			name += " " + r.Detail
		}
		target := fmt.Sprintf("≤ %.0f ms, ≤ %.1f×", r.TargetMS, r.MaxRatio)
		fmt.Fprintf(tw, "%s\t%.2f ms\t%.2f ms\t%.2f ms\t%.2f ms\t%.2f ms\t%.2f ms\t%.2f×\t%s\t%s\t\n", name,
			r.StoreP50, r.StoreP95, r.FloorP50, r.FloorP95, r.BareP50, r.BareP95, r.Ratio, target, res)
	}
	tw.Flush()
	if len(conc) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "concurrent operators\tcalls\terrors\tp50\tp95\ttarget\tresult\t")
		for _, c := range conc {
			res := "pass"
			if !c.Pass {
				res = "FAIL"
			}
			target := "—"
			if c.TargetMS > 0 {
				target = fmt.Sprintf("≤ %.0f ms", c.TargetMS)
			}
			if c.TargetMS == 0 && c.Errors == 0 {
				res = "measured"
			}
			fmt.Fprintf(tw, "%d\t%d\t%d\t%.2f ms\t%.2f ms\t%s\t%s\t\n", c.Operators, c.Calls, c.Errors, c.P50, c.P95, target, res)
		}
		tw.Flush()
	}
}

// benchExplain prints the plans of each case's statements and of its floor.
func benchExplain(e *env, tr *store.Tracer, db *sqlx.DB, fc *floorConn, cases []benchCase) error {
	for _, bc := range cases {
		tr.Start()
		keys, err := bc.run(e.ctx)
		stmts := tr.Stop()
		fmt.Fprintf(e.stdout, "=== %s %s\n", bc.name, bc.detail)
		if err != nil {
			fmt.Fprintf(e.stdout, "error: %v\n\n", err)
			continue
		}
		for _, q := range stmts {
			if !strings.HasPrefix(strings.TrimSpace(strings.ToUpper(q.SQL)), "SELECT") && !strings.HasPrefix(strings.TrimSpace(strings.ToUpper(q.SQL)), "WITH") {
				continue
			}
			var plan []string
			if err := db.SelectContext(e.ctx, &plan, "EXPLAIN (ANALYZE, BUFFERS) "+q.SQL, q.Args...); err != nil {
				fmt.Fprintf(e.stdout, "explain error: %v\n", err)
				continue
			}
			fmt.Fprintln(e.stdout, strings.Join(plan, "\n"))
			fmt.Fprintln(e.stdout)
		}
		floorSQL := bc.floor
		if floorSQL == "" {
			if floorSQL, err = pageStatement(e.ctx, fc.conn, stmts, keys); err != nil {
				fmt.Fprintf(e.stdout, "floor: %v\n\n", err)
				continue
			}
		}
		name, err := fc.prepare(e.ctx, floorSQL)
		if err != nil {
			fmt.Fprintf(e.stdout, "floor: %v\n\n", err)
			continue
		}
		fmt.Fprintln(e.stdout, "--- floor (prepared, cached plan)")
		rows, err := fc.conn.QueryContext(e.ctx, "EXPLAIN (ANALYZE, BUFFERS) EXECUTE "+name)
		if err == nil {
			for rows.Next() {
				var l string
				if rows.Scan(&l) == nil {
					fmt.Fprintln(e.stdout, l)
				}
			}
			rows.Close()
		} else {
			fmt.Fprintf(e.stdout, "explain error: %v\n", err)
		}
		fmt.Fprintln(e.stdout)
		fc.deallocate(e.ctx, name)
	}
	return nil
}

// commonTerm is the search term made of the most common last name: the name itself, or its
// first 4 characters when it has more than 5. It is cut on characters, never inside one, so the
// term is always valid text ("lefèvre" gives "lefè").
func commonTerm(name string) string {
	if utf8.RuneCountInString(name) > 5 {
		return safe.Cap(name, 4)
	}
	return name
}

// openBenchStore opens the benchmark database: "gatehouse_bench" in the embedded cluster, or
// the configured URL.
func openBenchStore(e *env, cfg *Config) (*store.Store, string, func(), error) {
	if cfg.DatabaseURL == "" {
		return openEmbedded(e.ctx, cfg, "gatehouse_bench")
	}
	return openStore(e.ctx, cfg)
}
