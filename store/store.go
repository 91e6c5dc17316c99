// Package store is gatehouse's PostgreSQL layer: schema migrations, queries, transactions,
// authorization checks and audit. Every mutation takes the acting operator, checks scope and
// rights here (never only in the screens) and writes its audit row in the same transaction.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // the PostgreSQL driver
)

// Config selects and tunes the database.
type Config struct {
	DatabaseURL      string        // primary (writes, and reads unless ReadDatabaseURL is set)
	ReadDatabaseURL  string        // optional replica for lists, searches, lockouts, timelines
	StatementTimeout time.Duration // default 5s
	ConnectTimeout   time.Duration // default 5s
	MaxOpenConns     int           // default 16
	// Now is the clock (tests inject one); default time.Now.
	Now func() time.Time
	// OutboxKey seals secrets (links with tokens) in queued e-mails; 32 bytes. If empty,
	// a random key is used, which is only right for tests and one-process demos. Every
	// process of an installation must hold the same key: the database records the first
	// one used, and a store with another refuses to queue or deliver.
	OutboxKey []byte
	// OutboxKeySource says where OutboxKey came from (an environment variable, a file),
	// for the error that refuses another key; never the key itself.
	OutboxKeySource string
	// SkipMigrate leaves the schema alone (for tools that must not change it).
	SkipMigrate bool
	// Tracer, when set, records every statement sent (benchmarks replay them bare).
	Tracer *Tracer
	// PortalURL is the base of the links in e-mails (reset, invitation); default
	// https://portal.example.com. Links are PortalURL + "/reset?token=..." and "/accept?token=...".
	PortalURL string
}

// Store is the database handle shared by a process (one pool, many sessions).
type Store struct {
	db   *sqlx.DB
	read *readDB
	cfg  Config
	now  func() time.Time
	key  []byte
	// orgSizes caches member counts for the Users page's choice of plan.
	orgSizes sizeCache
	// stmts are the prepared statements of the read pools (stmtcache.go).
	stmts stmtCaches
	// estimates are the Users queries' recent estimated totals (estimates.go).
	estimates estimateCache
}

// Open connects, checks the server is reachable and applies pending migrations.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.StatementTimeout == 0 {
		cfg.StatementTimeout = 5 * time.Second
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 5 * time.Second
	}
	if cfg.MaxOpenConns == 0 {
		cfg.MaxOpenConns = 16
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PortalURL == "" {
		cfg.PortalURL = "https://portal.example.com"
	}
	db, err := openPool(cfg.DatabaseURL, cfg)
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, read: &readDB{primary: db}, cfg: cfg, now: cfg.Now}
	if err := s.setOutboxKey(cfg.OutboxKey); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.stmts.open(db, cfg.DatabaseURL, cfg); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("cannot reach the database: %w", err)
	}
	if !cfg.SkipMigrate {
		if _, err := s.Migrate(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	if cfg.ReadDatabaseURL != "" {
		r, err := openPool(cfg.ReadDatabaseURL, cfg)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.read.replica = r
		if err := s.stmts.open(r, cfg.ReadDatabaseURL, cfg); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// openPool opens a pool on dsn; extra are connection parameters of its own.
func openPool(dsn string, cfg Config, extra ...map[string]string) (*sqlx.DB, error) {
	params := map[string]string{
		"connect_timeout":   strconv.Itoa(int(cfg.ConnectTimeout / time.Second)),
		"statement_timeout": strconv.Itoa(int(cfg.StatementTimeout / time.Millisecond)),
		"application_name":  "gatehouse",
		"timezone":          "UTC",
		// The console's statements are small and many: JIT compiling one costs more than it
		// saves (a two-word search paid 480 ms compiling an expression it ran on 60 rows).
		"jit": "off",
		// Nor parallel workers: starting them costs several milliseconds, more than a page
		// takes, and a console server's cores serve the other sessions (the failures by
		// source of a day, 7 ms alone, took 18 ms in a plan with two workers).
		"max_parallel_workers_per_gather": "0",
	}
	for _, m := range extra {
		maps.Copy(params, m)
	}
	dsn, err := withParams(dsn, params)
	if err != nil {
		return nil, err
	}
	driverName := "postgres"
	if cfg.Tracer != nil {
		driverName = cfg.Tracer.driverName()
	}
	db, err := sqlx.Open(driverName, dsn)
	if err == nil && cfg.Tracer != nil {
		db = sqlx.NewDb(db.DB, "postgres") // sqlx binds by driver name; keep PostgreSQL's $1 style
	}
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(cfg.MaxOpenConns)
	db.SetMaxIdleConns(cfg.MaxOpenConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// withParams adds connection parameters the DSN does not already set. It understands both
// URL (postgres://...) and key=value forms.
func withParams(dsn string, params map[string]string) (string, error) {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("database URL: %w", err)
		}
		q := u.Query()
		for _, k := range keys {
			if q.Get(k) == "" {
				q.Set(k, params[k])
			}
		}
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	for _, k := range keys {
		if !strings.Contains(dsn, k+"=") {
			dsn += " " + k + "=" + params[k]
		}
	}
	return strings.TrimSpace(dsn), nil
}

// Close releases the pools.
func (s *Store) Close() error {
	s.stmts.close()
	s.read.Close()
	return s.db.Close()
}

// DB exposes the primary pool (seed, benchmarks and tests).
func (s *Store) DB() *sqlx.DB { return s.db }

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.now() }

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// DatabaseName names the database for the console header (no credentials).
func (s *Store) DatabaseName(ctx context.Context) string {
	var name string
	if err := s.db.GetContext(ctx, &name, `SELECT current_database()`); err != nil {
		return "?"
	}
	return name
}

// tx runs fn in one transaction: committed if fn returns nil, rolled back otherwise.
func (s *Store) tx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return mapErr(err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	if err := fn(tx); err != nil {
		return mapErr(err)
	}
	if err := tx.Commit(); err != nil {
		return mapErr(err)
	}
	s.read.wrote() // the next reads of this process see this write, whatever the replica's lag
	s.estimates.forget()
	return nil
}

// SchemaVersion returns the highest applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := s.db.GetContext(ctx, &v, `SELECT max(version) FROM schema_migrations`)
	return int(v.Int64), err
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
