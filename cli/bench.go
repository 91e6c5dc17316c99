package cli

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"gatehouse/model"
	"gatehouse/model/safe"
	"gatehouse/store"
	"gatehouse/store/demodata"
)

func init() {
	register(&command{
		name:    "bench",
		args:    "[--users N --events M] [flags]",
		summary: "measure every number of the performance table beside the same SQL sent bare",
		help: `Seeds (once) a benchmark database "gatehouse_bench" in the embedded cluster (or the
database given with --database-url) and prints one table: for each operation of the
console — Users first page, page at depth (keyset), searches, each filter, each sort,
lockouts, timeline, invitations, audit — the p50 / p95 of the store call and of the same
SQL sent bare to the server (recorded from the store call itself), their ratio, the target
and pass/fail. Then 8 and 32 simulated operators searching and paging at once.
--explain prints EXPLAIN (ANALYZE, BUFFERS) of every statement instead.`,
		examples: []string{
			"gatehouse bench --users 1000000 --events 10000000",
			"gatehouse bench --users 100000 --events 1000000 --iterations 50",
			"gatehouse bench --explain",
		},
		run: runBench,
	})
}

// benchCase is one measured operation: a store call, with its target (README, Performance).
type benchCase struct {
	name   string
	target time.Duration // p95 of the store call
	ratio  float64       // max store/bare ratio (0 = not checked)
	run    func(ctx context.Context) error
}

type benchRow struct {
	Name       string  `json:"name"`
	StoreP50   float64 `json:"store_p50_ms"`
	StoreP95   float64 `json:"store_p95_ms"`
	BareP50    float64 `json:"bare_p50_ms"`
	BareP95    float64 `json:"bare_p95_ms"`
	Ratio      float64 `json:"ratio_p95"`
	TargetMS   float64 `json:"target_p95_ms"`
	MaxRatio   float64 `json:"max_ratio,omitempty"`
	Pass       bool    `json:"pass"`
	Statements int     `json:"statements"`
	Error      string  `json:"error,omitempty"`
}

func runBench(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	users := f.Int("users", 1000000, "users in the benchmark database (seeded once)")
	events := f.Int("events", 10000000, "auth events in the benchmark database")
	iterations := f.Int("iterations", 100, "timed runs of each operation")
	explain := f.Bool("explain", false, "print EXPLAIN (ANALYZE, BUFFERS) of each operation's statements")
	asJSON := f.Bool("json", false, "print the results as JSON")
	concurrent := f.String("concurrency", "8,32", "simulated concurrent operators (comma-separated; empty = skip)")
	duration := f.Duration("concurrency-time", 10*time.Second, "how long each concurrency run lasts")
	pos, code, ok := f.parse(e, args)
	if !ok {
		return code
	}
	if code, ok := f.wantArgs(e, pos, 0, ""); !ok {
		return code
	}
	cfg, err := loadConfig(f.global)
	if err != nil {
		return fail(e, err)
	}
	cfg.statementTimeout = seedTimeout
	cfg.tracer = &store.Tracer{}
	cfg.maxOpenConns = 40
	st, label, cleanup, err := openBenchStore(e, cfg)
	if err != nil {
		return fail(e, err)
	}
	defer cleanup()
	var have int64
	if err := st.DB().GetContext(e.ctx, &have, `SELECT count(*) FROM users`); err != nil {
		return fail(e, err)
	}
	if have == 0 {
		fmt.Fprintf(e.stderr, "seeding %s with %d users and %d events (once)…\n", label, *users, *events)
		sum, err := seedWithProgress(e.ctx, st, demodata.Options{Users: *users, Events: *events, Seed: 1}, e.stderr, "seeding")
		if err != nil {
			return fail(e, err)
		}
		fmt.Fprintf(e.stderr, "seeded in %s (%d rows/s)\n", sum.Elapsed.Round(time.Second), rowsPerSecond(sum))
		have = sum.Users
	} else if have != int64(*users) && f.set("users") {
		fmt.Fprintf(e.stderr, "note: %s already holds %d users; measuring those (drop the database to reseed)\n", label, have)
	}
	if _, err := st.DB().ExecContext(e.ctx, `VACUUM ANALYZE`); err != nil {
		return fail(e, err)
	}
	op := model.Operator{Name: "bench", Role: model.RoleSupport}
	cases, err := benchCases(e.ctx, st, op)
	if err != nil {
		return fail(e, err)
	}
	bare := st.DB() // the same pool, without the store around it
	if *explain {
		return benchExplain(e, st, cfg.tracer, bare, cases)
	}
	var rows []benchRow
	for _, bc := range cases {
		rows = append(rows, measure(e.ctx, cfg.tracer, bare, bc, *iterations))
		if !*asJSON {
			fmt.Fprintf(e.stderr, "  measured %s\n", bc.name)
		}
	}
	var conc []concurrencyRow
	for _, n := range parseInts(*concurrent) {
		conc = append(conc, concurrency(e.ctx, st, op, n, *duration))
	}
	if *asJSON {
		return exitIf(writeJSON(e.stdout, map[string]any{"database": label, "users": have, "operations": rows, "concurrency": conc}), e)
	}
	printBench(e.stdout, rows, conc)
	return exitOK
}

// openBenchStore opens the benchmark database: "gatehouse_bench" in the embedded cluster, or
// the configured URL.
func openBenchStore(e *env, cfg *Config) (*store.Store, string, func(), error) {
	if cfg.DatabaseURL == "" {
		return openEmbedded(e.ctx, cfg, "gatehouse_bench")
	}
	return openStore(e.ctx, cfg)
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
	_ = db.GetContext(ctx, &common, `SELECT lower(split_part(name, ' ', 2)) FROM users GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`)
	_ = db.GetContext(ctx, &rare, `SELECT lower(login_code) FROM users ORDER BY id DESC LIMIT 1`)
	_ = db.GetContext(ctx, &orgID, `SELECT org_id FROM memberships GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`)
	_ = db.GetContext(ctx, &orgSlug, `SELECT slug FROM organizations WHERE id = $1`, orgID)
	// A mid-size organization (about 0.3% of the users), the usual company administrator's view.
	var midID int64
	var midSlug string
	_ = db.GetContext(ctx, &midID, `SELECT org_id FROM memberships GROUP BY 1 ORDER BY abs(count(*) - $1) LIMIT 1`, total/330)
	_ = db.GetContext(ctx, &midSlug, `SELECT slug FROM organizations WHERE id = $1`, midID)
	admin := model.Operator{Name: "bench-admin", Role: model.RoleAdmin, OrgIDs: []int64{midID}}
	_ = db.GetContext(ctx, &userID, `SELECT user_id FROM auth_events WHERE user_id IS NOT NULL ORDER BY id DESC LIMIT 1`)
	common = commonTerm(common)
	t, f := true, false
	page := func(q store.UserQuery) func(ctx context.Context) error {
		q.Limit = 50
		return func(ctx context.Context) error { _, err := st.ListUsers(ctx, op, q); return err }
	}
	const ms = time.Millisecond
	cases := []benchCase{
		{"users: first page (name)", 5 * ms, 1.5, page(store.UserQuery{Sort: store.SortName})},
		{fmt.Sprintf("users: keyset page at depth %d", depth), 5 * ms, 1.5, page(store.UserQuery{Sort: store.SortName, After: deep})},
		{"users: first page (last login)", 5 * ms, 1.5, page(store.UserQuery{Sort: store.SortLastLogin})},
		{"users: first page (created)", 5 * ms, 1.5, page(store.UserQuery{Sort: store.SortCreated})},
		{fmt.Sprintf("search: common %q", common), 30 * ms, 0, page(store.UserQuery{Search: common})},
		{fmt.Sprintf("search: rare %q", rare), 30 * ms, 0, page(store.UserQuery{Search: rare})},
		// A common first name: its matches sit together in the name order (all under J), the
		// case the search blocks are for.
		{`search: clustered "jean"`, 30 * ms, 0, page(store.UserQuery{Search: "jean"})},
		{"search: 2 characters \"ma\"", 30 * ms, 0, page(store.UserQuery{Search: "ma"})},
		{"search: no match \"zzqxj\"", 30 * ms, 0, page(store.UserQuery{Search: "zzqxj"})},
		{"filter: status invited", 5 * ms, 0, page(store.UserQuery{Status: model.StatusInvited})},
		{"filter: status disabled", 5 * ms, 0, page(store.UserQuery{Status: model.StatusDisabled})},
		{"filter: locked", 10 * ms, 0, page(store.UserQuery{Locked: &t})},
		{"filter: 2FA on", 5 * ms, 0, page(store.UserQuery{TOTP: &t})},
		{"filter: 2FA off", 5 * ms, 0, page(store.UserQuery{TOTP: &f})},
		{"filter: must change", 5 * ms, 0, page(store.UserQuery{MustChange: &t})},
		{"filter: inactive 90 days", 5 * ms, 0, page(store.UserQuery{InactiveDays: 90})},
		{fmt.Sprintf("filter: organization %s (largest)", orgSlug), 5 * ms, 0, page(store.UserQuery{OrgID: orgID})},
		{fmt.Sprintf("filter: organization %s (mid-size)", midSlug), 5 * ms, 0, page(store.UserQuery{OrgID: midID})},
		{"admin of a mid-size organization: first page", 5 * ms, 0, func(ctx context.Context) error {
			_, err := st.ListUsers(ctx, admin, store.UserQuery{Limit: 50})
			return err
		}},
		{"user timeline (50 events)", 5 * ms, 1.5, func(ctx context.Context) error {
			_, err := st.UserTimeline(ctx, op, userID, 0, 50)
			return err
		}},
		{"audit: first page", 5 * ms, 1.5, func(ctx context.Context) error {
			_, err := st.ListAudit(ctx, op, store.AuditQuery{Limit: 50})
			return err
		}},
	}
	day := st.Now().Add(-24 * time.Hour)
	cases = append(cases,
		benchCase{"lockouts: locked accounts", 10 * ms, 1.5, func(ctx context.Context) error {
			_, err := st.ListLocked(ctx, op, store.LockedQuery{Limit: 200})
			return err
		}},
		benchCase{"lockouts: recent failures", 10 * ms, 1.5, func(ctx context.Context) error {
			_, err := st.RecentFailures(ctx, op, store.FailureQuery{Limit: 100})
			return err
		}},
		benchCase{"lockouts: failures by IP (24 h)", 10 * ms, 0, func(ctx context.Context) error {
			_, err := st.FailuresByIP(ctx, op, day, 50)
			return err
		}},
		benchCase{"invitations: first page", 5 * ms, 1.5, func(ctx context.Context) error {
			_, err := st.ListInvitations(ctx, op, store.InvitationQuery{Limit: 50})
			return err
		}},
	)
	return cases, nil
}

// measure times the store call and the same statements sent bare, interleaved.
func measure(ctx context.Context, tr *store.Tracer, bare *sqlx.DB, bc benchCase, n int) benchRow {
	row := benchRow{Name: bc.name, TargetMS: ms(bc.target), MaxRatio: bc.ratio}
	_ = bc.run(ctx) // warm the store's caches, so what is recorded is the steady-state call
	tr.Start()
	err := bc.run(ctx)
	stmts := tr.Stop()
	row.Statements = len(stmts)
	if err != nil {
		row.Error = err.Error()
		return row
	}
	// Warm up both paths.
	for i := 0; i < 3; i++ {
		_ = bc.run(ctx)
		_ = sendBare(ctx, bare, stmts)
	}
	var sTimes, bTimes []time.Duration
	for i := 0; i < n; i++ {
		t0 := time.Now()
		if err := bc.run(ctx); err != nil {
			row.Error = err.Error()
			return row
		}
		sTimes = append(sTimes, time.Since(t0))
		t0 = time.Now()
		if err := sendBare(ctx, bare, stmts); err != nil {
			row.Error = "bare: " + err.Error()
			return row
		}
		bTimes = append(bTimes, time.Since(t0))
	}
	row.StoreP50, row.StoreP95 = ms(pct(sTimes, 50)), ms(pct(sTimes, 95))
	row.BareP50, row.BareP95 = ms(pct(bTimes, 50)), ms(pct(bTimes, 95))
	if row.BareP95 > 0 {
		row.Ratio = row.StoreP95 / row.BareP95
	}
	row.Pass = row.StoreP95 <= row.TargetMS && (bc.ratio == 0 || row.Ratio <= bc.ratio || row.StoreP95-row.BareP95 < 0.3)
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
				q := store.UserQuery{Search: term, Limit: 50}
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
	fmt.Fprintln(tw, "operation\tstore p50\tstore p95\tbare p50\tbare p95\tratio\ttarget\tresult\t")
	for _, r := range rows {
		res := "pass"
		if !r.Pass {
			res = "FAIL"
		}
		if r.Error != "" {
			res = "ERROR: " + oneLine(r.Error)
		}
		target := fmt.Sprintf("≤ %.0f ms", r.TargetMS)
		if r.MaxRatio > 0 {
			target += fmt.Sprintf(", ≤ %.1f×", r.MaxRatio)
		}
		fmt.Fprintf(tw, "%s\t%.2f ms\t%.2f ms\t%.2f ms\t%.2f ms\t%.2f×\t%s\t%s\t\n", r.Name, r.StoreP50, r.StoreP95, r.BareP50, r.BareP95, r.Ratio, target, res)
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

func benchExplain(e *env, st *store.Store, tr *store.Tracer, db *sqlx.DB, cases []benchCase) int {
	for _, bc := range cases {
		tr.Start()
		err := bc.run(e.ctx)
		stmts := tr.Stop()
		fmt.Fprintf(e.stdout, "=== %s\n", bc.name)
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
	}
	return exitOK
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
