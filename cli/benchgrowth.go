package cli

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"gatehouse/store"
	"gatehouse/store/demodata"
)

// benchDB is one database a bench measures.
type benchDB struct {
	name          string
	users, events int
	// managed: a bench database of its own (gatehouse_bench_<users>), seeded again when it
	// holds another size and dropped by --drop; not the database of --database-url.
	managed bool
	open    func(ctx context.Context) (*store.Store, string, func(), error)
	drop    func(ctx context.Context) error
}

// benchEvents is the events of a bench database of n users: 10 per user up to 1M users, 3
// per user above (10M users, 30M events), or perUser when set.
func benchEvents(n, perUser int) int {
	switch {
	case perUser > 0:
		return n * perUser
	case n > 1000000:
		return 3 * n
	}
	return 10 * n
}

// benchSeed is the seed of a bench database.
func benchSeed(db benchDB) demodata.Options {
	return demodata.Options{Users: db.users, Events: db.events, Seed: 1}
}

// benchDatabases lists the databases to measure: one per size, or the single bench database
// (gatehouse_bench, or the configured URL) of --users and --events.
func benchDatabases(cfg *Config, sizes []int, perUser, users, events int) ([]benchDB, error) {
	if len(sizes) == 0 {
		db := benchDB{name: "gatehouse_bench", users: users, events: events}
		if cfg.DatabaseURL == "" {
			db.managed = true
			db.open = func(ctx context.Context) (*store.Store, string, func(), error) {
				return openEmbedded(ctx, cfg, db.name)
			}
			db.drop = func(ctx context.Context) error { return dropEmbedded(ctx, cfg, db.name) }
		} else {
			db.name = redactDSN(cfg.DatabaseURL)
			db.open = func(ctx context.Context) (*store.Store, string, func(), error) { return openStore(ctx, cfg) }
			db.drop = func(context.Context) error { return nil }
		}
		return []benchDB{db}, nil
	}
	base := "gatehouse_bench"
	if cfg.DatabaseURL != "" {
		if base = dsnDatabase(cfg.DatabaseURL); base == "" {
			base = "gatehouse_bench"
		}
	}
	var out []benchDB
	for _, n := range sizes {
		db := benchDB{name: fmt.Sprintf("%s_%d", base, n), users: n, events: benchEvents(n, perUser), managed: true}
		if cfg.DatabaseURL == "" {
			db.open = func(ctx context.Context) (*store.Store, string, func(), error) {
				return openEmbedded(ctx, cfg, db.name)
			}
			db.drop = func(ctx context.Context) error { return dropEmbedded(ctx, cfg, db.name) }
		} else {
			dsn := dsnWithDatabase(cfg.DatabaseURL, db.name)
			admin := dsnWithDatabase(cfg.DatabaseURL, "postgres")
			db.open = func(ctx context.Context) (*store.Store, string, func(), error) {
				if err := ensureDatabase(ctx, admin, db.name); err != nil {
					return nil, "", nil, err
				}
				c := *cfg
				c.DatabaseURL = dsn
				return openStore(ctx, &c)
			}
			db.drop = func(ctx context.Context) error { return dropDatabase(ctx, admin, db.name) }
		}
		out = append(out, db)
	}
	return out, nil
}

// dropEmbedded drops a database of the embedded cluster (when it runs).
func dropEmbedded(ctx context.Context, cfg *Config, name string) error {
	c, err := store.NewCluster(cfg.dataDir())
	if err != nil {
		return err
	}
	if !c.Running(ctx) {
		return nil
	}
	return dropDatabase(ctx, c.DSN("postgres"), name)
}

// dropDatabase drops a database, ending its sessions.
func dropDatabase(ctx context.Context, adminDSN, name string) error {
	db, err := sqlx.Open("postgres", adminDSN)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, `DROP DATABASE IF EXISTS `+pq.QuoteIdentifier(name)+` WITH (FORCE)`)
	return err
}

// dsnDatabase is the database a URL or key=value DSN names ("" when it names none).
func dsnDatabase(dsn string) string {
	if strings.Contains(dsn, "://") {
		if u, err := url.Parse(dsn); err == nil {
			return strings.TrimPrefix(u.Path, "/")
		}
		return ""
	}
	for _, p := range strings.Fields(dsn) {
		if v, ok := strings.CutPrefix(p, "dbname="); ok {
			return strings.Trim(v, "'")
		}
	}
	return ""
}

// dsnWithDatabase is a URL or key=value DSN naming another database.
func dsnWithDatabase(dsn, db string) string {
	if strings.Contains(dsn, "://") {
		if u, err := url.Parse(dsn); err == nil {
			u.Path = "/" + db
			return u.String()
		}
	}
	var parts []string
	for _, p := range strings.Fields(dsn) {
		if !strings.HasPrefix(p, "dbname=") {
			parts = append(parts, p)
		}
	}
	return strings.Join(append(parts, "dbname="+db), " ")
}

// growthRow is one row's p95 at each size and how it grew.
type growthRow struct {
	Name  string    `json:"name"`
	Kind  string    `json:"kind"`
	P95   []float64 `json:"p95_ms"` // by size, in the order of the sizes (-1: not measured)
	Ratio float64   `json:"ratio"`  // largest size's p95 / the base size's
	Rule  string    `json:"rule"`
	Pass  bool      `json:"pass"`
}

// growthMax is the most a page, filter or lockouts row may cost at the largest size over its
// cost at the base size (1M users).
const growthMax = 1.3

// growthBase is the index of the size the growth is measured from: 1,000,000 users, or the
// smallest size when none has that many.
func growthBase(sizes []benchSize) int {
	base := 0
	for i, s := range sizes {
		if s.Users == 1000000 {
			return i
		}
		if s.Users < sizes[base].Users {
			base = i
		}
	}
	return base
}

// largest is the index of the largest size.
func largest(sizes []benchSize) int {
	top := 0
	for i, s := range sizes {
		if s.Users > sizes[top].Users {
			top = i
		}
	}
	return top
}

// growthTable is each row's p95 by size, in the order of the first size's rows. Pages,
// filters, organization pages and lockouts pass when the largest size costs at most
// growthMax× the base size; searches and the 8 operators when the largest size meets their
// target.
func growthTable(sizes []benchSize) []growthRow {
	base, top := growthBase(sizes), largest(sizes)
	var out []growthRow
	for _, r := range sizes[0].Operations {
		g := growthRow{Name: r.Name, Kind: r.Kind}
		var target float64
		errored := false
		for _, s := range sizes {
			v := -1.0
			for _, x := range s.Operations {
				if x.Name == r.Name {
					v = x.StoreP95
					target = x.TargetMS
					errored = errored || x.Error != ""
				}
			}
			g.P95 = append(g.P95, v)
		}
		if g.P95[base] > 0 {
			g.Ratio = g.P95[top] / g.P95[base]
		}
		if r.Kind == "search" {
			g.Rule = fmt.Sprintf("≤ %.0f ms at the largest", target)
			g.Pass = g.P95[top] >= 0 && g.P95[top] <= target
		} else {
			g.Rule = fmt.Sprintf("≤ %.1f×", growthMax)
			g.Pass = g.Ratio > 0 && g.Ratio <= growthMax
		}
		g.Pass = g.Pass && !errored
		out = append(out, g)
	}
	for _, c := range sizes[0].Concurrency {
		g := growthRow{Name: fmt.Sprintf("%d operators searching and paging", c.Operators), Kind: "concurrency"}
		for _, s := range sizes {
			v := -1.0
			for _, x := range s.Concurrency {
				if x.Operators == c.Operators {
					v = x.P95
				}
			}
			g.P95 = append(g.P95, v)
		}
		if g.P95[base] > 0 {
			g.Ratio = g.P95[top] / g.P95[base]
		}
		if c.TargetMS > 0 {
			g.Rule = fmt.Sprintf("≤ %.0f ms at the largest", c.TargetMS)
			g.Pass = g.P95[top] >= 0 && g.P95[top] <= c.TargetMS
		} else {
			g.Rule, g.Pass = "measured", true
		}
		out = append(out, g)
	}
	return out
}

func printGrowth(w io.Writer, sizes []benchSize, rows []growthRow) {
	base, top := growthBase(sizes), largest(sizes)
	fmt.Fprintf(w, "growth: store p95 by users; ratio = %s users / %s users\n", thousands(sizes[top].Users), thousands(sizes[base].Users))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := "operation\t"
	for _, s := range sizes {
		head += thousands(s.Users) + "\t"
	}
	fmt.Fprintln(tw, head+"ratio\ttarget\tresult\t")
	for _, g := range rows {
		line := g.Name + "\t"
		for _, v := range g.P95 {
			if v < 0 {
				line += "—\t"
			} else {
				line += fmt.Sprintf("%.2f ms\t", v)
			}
		}
		res := "pass"
		if !g.Pass {
			res = "FAIL"
		}
		fmt.Fprintf(tw, "%s%.2f×\t%s\t%s\t\n", line, g.Ratio, g.Rule, res)
	}
	line := "database size\t"
	for _, s := range sizes {
		line += s.Size + "\t"
	}
	fmt.Fprintln(tw, line+"\t\t\t")
	line = "auth events\t"
	for _, s := range sizes {
		line += thousands(s.Events) + "\t"
	}
	fmt.Fprintln(tw, line+"\t\t\t")
	tw.Flush()
}
