// Package storetest gives each test its own database on a real PostgreSQL server: the
// private test cluster (one per `go test` run, shared by the test binaries of all packages,
// stopped by the last one to finish) or the server named by GATEHOUSE_TEST_DATABASE_URL.
// Use it from TestMain: func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }.
package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"gatehouse/store"
)

var (
	once     sync.Once
	setupErr error
	cluster  *store.Cluster
	share    *store.ShareLock
	adminDSN func(db string) string
	tmpl     string
)

// Main runs the tests, then stops the private cluster if this was its last user.
func Main(m *testing.M) int {
	code := m.Run()
	if cluster != nil && share != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = cluster.ReleaseAndStopIfLast(ctx, share)
	}
	return code
}

// Cluster returns the private test cluster (nil when GATEHOUSE_TEST_DATABASE_URL is used).
func Cluster(t testing.TB) *store.Cluster {
	t.Helper()
	setup(t)
	return cluster
}

func setup(t testing.TB) {
	t.Helper()
	once.Do(func() { setupErr = doSetup() })
	if setupErr != nil {
		t.Fatalf("test database: %v", setupErr)
	}
}

func doSetup() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if u := os.Getenv("GATEHOUSE_TEST_DATABASE_URL"); u != "" {
		adminDSN = func(db string) string { return replaceDB(u, db) }
	} else {
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("gatehouse-test-%d", os.Getuid()))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		_ = os.Chmod(dir, 0o755) // the unprivileged server user must traverse it when we are root
		c, err := store.NewCluster(dir)
		if err != nil {
			return err
		}
		l, err := c.AcquireShare()
		if err != nil {
			return err
		}
		if err := c.Ensure(ctx); err != nil {
			return err
		}
		cluster, share = c, l
		adminDSN = c.DSN
	}
	return makeTemplate(ctx)
}

// replaceDB swaps the database name of a URL or key=value DSN.
func replaceDB(dsn, db string) string {
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err == nil {
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

// makeTemplate creates (once per schema version) a migrated template database to clone.
func makeTemplate(ctx context.Context) error {
	h := sha256.New()
	_ = fs.WalkDir(os.DirFS(migrationsDir()), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(filepath.Join(migrationsDir(), p))
			h.Write(b)
		}
		return nil
	})
	tmpl = "gatehouse_tmpl_" + hex.EncodeToString(h.Sum(nil))[:12]
	admin, err := sqlx.Open("postgres", adminDSN("postgres"))
	if err != nil {
		return err
	}
	defer admin.Close()
	conn, err := admin.Connx(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(99)`); err != nil {
		return err
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(99)`) //nolint:errcheck
	var exists bool
	if err := conn.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, tmpl); err != nil {
		return err
	}
	if exists {
		return nil
	}
	building := tmpl + "_build"
	_, _ = conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+building+` WITH (FORCE)`)
	if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+building); err != nil {
		return err
	}
	s, err := store.Open(ctx, store.Config{DatabaseURL: adminDSN(building)})
	if err != nil {
		return fmt.Errorf("migrate template: %w", err)
	}
	s.Close()
	_, err = conn.ExecContext(ctx, `ALTER DATABASE `+building+` RENAME TO `+tmpl)
	return err
}

// migrationsDir finds store/migrations from the test's working directory (a package dir).
func migrationsDir() string {
	dir, _ := os.Getwd()
	for i := 0; i < 6; i++ {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "store", "migrations")
		}
		dir = filepath.Dir(dir)
	}
	return "store/migrations"
}

// NewDSN creates a fresh, migrated database for the test and drops it when the test ends.
func NewDSN(t testing.TB) string {
	t.Helper()
	setup(t)
	ctx := context.Background()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "gatehouse_test_" + hex.EncodeToString(b)
	admin, err := sqlx.Open("postgres", adminDSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	for attempt := 0; ; attempt++ {
		_, err = admin.ExecContext(ctx, `CREATE DATABASE `+name+` TEMPLATE `+tmpl)
		if err == nil || attempt > 20 || !strings.Contains(err.Error(), "being accessed by other users") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		a, err := sqlx.Open("postgres", adminDSN("postgres"))
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	})
	return adminDSN(name)
}

// New opens a store on a fresh database. Options adjust the config (clock, timeouts...).
func New(t testing.TB, opts ...func(*store.Config)) *store.Store {
	t.Helper()
	cfg := store.Config{DatabaseURL: NewDSN(t)}
	for _, o := range opts {
		o(&cfg)
	}
	s, err := store.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Org inserts an organization directly (test data) and returns its id.
func Org(t testing.TB, s *store.Store, slug, name string) int64 {
	t.Helper()
	var id int64
	if err := s.DB().Get(&id, `INSERT INTO organizations (slug, name) VALUES ($1, $2) RETURNING id`, slug, name); err != nil {
		t.Fatal(err)
	}
	return id
}

// User inserts an active user (placeholder password hash) created at the given time (zero:
// now), member of the organizations, and returns its id.
func User(t testing.TB, s *store.Store, login, email, name string, created time.Time, orgs ...int64) int64 {
	t.Helper()
	if created.IsZero() {
		created = time.Now()
	}
	var id int64
	if err := s.DB().Get(&id, `INSERT INTO users (login_code, email, name, status, password_hash, created_at, updated_at)
		VALUES ($1, $2, $3, 'active', 'x', $4, $4) RETURNING id`, login, email, name, created); err != nil {
		t.Fatal(err)
	}
	for _, o := range orgs {
		if _, err := s.DB().Exec(`INSERT INTO memberships (user_id, org_id) VALUES ($1, $2)`, id, o); err != nil {
			t.Fatal(err)
		}
	}
	return id
}
