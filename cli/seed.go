package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/jmoiron/sqlx"

	"gatehouse/store"
	"gatehouse/store/demodata"
)

func init() {
	register(&command{
		name:    "seed",
		args:    "--users N --events M [flags]",
		summary: "fill an empty database with generated demo data (bulk COPY)",
		help: `Generates organizations, users (with memberships, invitations, locks) and authentication
events, deterministically from --seed. Meant for demo and benchmark databases: it refuses a
database that already has users unless --force is given. Prints a few sample accounts with
their passwords — demo data only, never real accounts, and the database's size.

The users and the events are loaded by two transactions at once; then the same two
connections build the indexes, the search blocks and the failures' summaries, and VACUUM
ANALYZE, two at a time (each side's once its rows are committed). On stderr, when it is a
terminal, a progress bar of the whole seed with its ETA and the phases running; otherwise one
line per phase with its duration.`,
		examples: []string{
			"gatehouse seed --users 1000000 --events 10000000",
			"gatehouse seed --users 300 --events 3000 --orgs 12 --json",
			"gatehouse seed --database-url postgres://localhost/gatehouse_bench --users 100000 --events 1000000",
		},
		run: runSeed,
	})
}

// seedDatabase, when set (tests), replaces the seed: demodata.LoadReport otherwise.
var seedDatabase func(ctx context.Context, db *sqlx.DB, opt demodata.Options, progress func(done, total int64)) (demodata.Summary, error)

// phaseLogMin is the size (users + events) from which a seed whose output is not a terminal
// logs one line per phase: the demo's smaller one takes a second or two.
const phaseLogMin = 10000

// seedTimeout bounds each statement of a seed (bulk COPY of millions of rows takes minutes,
// more than the interactive 5 s).
const seedTimeout = time.Hour

func runSeed(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	users := f.Int("users", 1000, "number of users `N`")
	events := f.Int("events", 10000, "number of authentication events `M`")
	orgs := f.Int("orgs", 0, "number of organizations `K` (0: one per 200 users)")
	invitations := f.Int("invitations", 0, "number of pending invitations (0: one per 50 users)")
	seed := f.Int64("seed", 1, "random seed `S`: the same seed gives the same data")
	force := f.Bool("force", false, "seed even if the database already has users")
	asJSON := f.Bool("json", false, "print the summary as one JSON object")
	pos, code, ok := f.parse(e, args)
	if !ok {
		return code
	}
	if code, ok := f.wantArgs(e, pos, 0, ""); !ok {
		return code
	}
	if *users < 0 || *events < 0 || *orgs < 0 || *invitations < 0 {
		return f.usageError(e, "--users, --events, --orgs and --invitations cannot be negative")
	}
	cfg, err := loadConfig(f.global)
	if err != nil {
		return fail(e, err)
	}
	cfg.statementTimeout = seedTimeout
	st, label, cleanup, err := openStore(e.ctx, cfg)
	if err != nil {
		return fail(e, err)
	}
	defer cleanup()
	if !*force {
		var has bool
		if err := st.DB().GetContext(e.ctx, &has, `SELECT EXISTS (SELECT 1 FROM users)`); err != nil {
			return fail(e, err)
		}
		if has {
			return fail(e, refusedf("database %s already has users: seed is for demo and benchmark databases (--force to add to it anyway)", label))
		}
	}
	opt := demodata.Options{Users: *users, Events: *events, Orgs: *orgs, Seed: *seed, Invitations: *invitations}
	sum, err := seedWithProgress(e.ctx, st, opt, e.stderr, "seeding")
	if err != nil {
		return fail(e, err)
	}
	if *asJSON {
		if err := writeJSON(e.stdout, seedJSON(sum)); err != nil {
			return fail(e, err)
		}
		return exitOK
	}
	printSeedSummary(e.stdout, sum)
	return exitOK
}

// seedWithProgress runs the seed with a progress bar on w when it is a terminal: every phase
// named, the whole seed's ETA. Otherwise, for a large seed, one line per phase with its
// duration, so that a log shows where the time went.
func seedWithProgress(ctx context.Context, st *store.Store, opt demodata.Options, w io.Writer, label string) (demodata.Summary, error) {
	bar := newProgress(w, label)
	start := time.Now()
	var sum demodata.Summary
	var err error
	if seedDatabase != nil {
		sum, err = seedDatabase(ctx, st.DB(), opt, bar.update)
	} else {
		logPhases := bar == nil && int64(opt.Users)+int64(opt.Events) >= phaseLogMin
		sum, err = demodata.LoadReport(ctx, st.DB(), opt, func(p demodata.Progress) {
			bar.phase(p)
			if logPhases && p.Took > 0 {
				fmt.Fprintln(w, phaseLogLine(label, p, time.Since(start)))
			}
		})
	}
	bar.finish()
	if sum.Elapsed == 0 {
		sum.Elapsed = time.Since(start)
	}
	return sum, err
}

type seedSampleJSON struct {
	Login    string `json:"login"`
	Email    string `json:"email"`
	Password string `json:"password"`
}

type seedPhaseJSON struct {
	Phase  string `json:"phase"`
	Rows   int64  `json:"rows,omitempty"`
	TookMS int64  `json:"took_ms"`
}

type seedResultJSON struct {
	Users         int64            `json:"users"`
	Events        int64            `json:"events"`
	Orgs          int64            `json:"orgs"`
	Memberships   int64            `json:"memberships"`
	Invitations   int64            `json:"invitations"`
	Audit         int64            `json:"audit"`
	ElapsedMS     int64            `json:"elapsed_ms"`
	RowsPerSecond int64            `json:"rows_per_second"`
	DatabaseBytes int64            `json:"database_bytes,omitempty"`
	Phases        []seedPhaseJSON  `json:"phases,omitempty"`
	Samples       []seedSampleJSON `json:"samples"`
}

func seedJSON(s demodata.Summary) seedResultJSON {
	out := seedResultJSON{
		Users: s.Users, Events: s.Events, Orgs: s.Orgs, Memberships: s.Memberships,
		Invitations: s.Invitations, Audit: s.Audit, ElapsedMS: s.Elapsed.Milliseconds(),
		RowsPerSecond: rowsPerSecond(s), Samples: []seedSampleJSON{}, DatabaseBytes: s.DatabaseSize,
	}
	for _, p := range s.Phases {
		out.Phases = append(out.Phases, seedPhaseJSON{Phase: p.Phase, Rows: p.Rows, TookMS: p.Took.Milliseconds()})
	}
	for _, x := range s.Samples {
		out.Samples = append(out.Samples, seedSampleJSON{Login: x.Login, Email: x.Email, Password: x.Password})
	}
	return out
}

func seedRows(s demodata.Summary) int64 {
	return s.Users + s.Events + s.Orgs + s.Memberships + s.Invitations + s.Audit
}

func rowsPerSecond(s demodata.Summary) int64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return int64(float64(seedRows(s)) / s.Elapsed.Seconds())
}

func printSeedSummary(w io.Writer, s demodata.Summary) {
	fmt.Fprintf(w, "seeded in %s (%s rows/s):\n", s.Elapsed.Round(10*time.Millisecond), thousands(rowsPerSecond(s)))
	t := &table{header: []string{"", "ROWS"}}
	t.add("organizations", thousands(s.Orgs))
	t.add("users", thousands(s.Users))
	t.add("memberships", thousands(s.Memberships))
	t.add("invitations", thousands(s.Invitations))
	t.add("auth events", thousands(s.Events))
	t.add("audit entries", thousands(s.Audit))
	_ = t.write(w)
	if s.DatabaseSize > 0 {
		fmt.Fprintf(w, "database size: %s\n", humanBytes(s.DatabaseSize))
	}
	printSamples(w, s.Samples)
}

// printSamples lists generated accounts with their passwords, so that someone can try a
// login; they are demo data, never real accounts.
func printSamples(w io.Writer, samples []demodata.Sample) {
	if len(samples) == 0 {
		return
	}
	fmt.Fprintln(w, "\nSample accounts (demo data only):")
	t := &table{header: []string{"  LOGIN", "E-MAIL", "PASSWORD"}}
	for _, x := range samples {
		t.add("  "+x.Login, x.Email, x.Password)
	}
	_ = t.write(w)
}

// humanBytes renders a size in bytes with a binary unit: 7.4 GB, 312 MB, 18 kB.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n), -1
	for v >= unit && i < 4 {
		v /= unit
		i++
	}
	format := "%.0f %s"
	if v < 10 {
		format = "%.1f %s"
	}
	return fmt.Sprintf(format, v, []string{"kB", "MB", "GB", "TB", "PB"}[i])
}
