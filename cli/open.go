package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"gatehouse/store"
)

// embeddedDB is the database of the embedded cluster that gatehouse uses; demo has its own.
const (
	embeddedDB = "gatehouse"
	demoDB     = "gatehouse_demo"
)

// dataDir is the configured state directory, or the default one.
func (c *Config) dataDir() string {
	if c.DataDir != "" {
		return c.DataDir
	}
	return store.DefaultStateDir()
}

// openStore opens the configured database: the URL if one is configured, otherwise the
// embedded cluster (started if needed, database created if missing). label names the
// database for the console header, without credentials. cleanup closes the store.
// With the demo setting (--demo, GATEHOUSE_DEMO, demo in the file) it is the demo's database
// of the embedded cluster.
func openStore(ctx context.Context, cfg *Config) (st *store.Store, label string, cleanup func(), err error) {
	if cfg.Demo {
		return openEmbedded(ctx, cfg, demoDB)
	}
	if cfg.DatabaseURL == "" {
		st, label, cleanup, err = openEmbedded(ctx, cfg, embeddedDB)
		if err == nil {
			noteDemoElsewhere(ctx, cfg, st)
		}
		return st, label, cleanup, err
	}
	key, err := outboxKey(cfg)
	if err != nil {
		return nil, "", nil, err
	}
	st, err = store.Open(ctx, cfg.storeConfig(cfg.DatabaseURL, key))
	if err != nil {
		return nil, "", nil, fmt.Errorf("database %s: %w", redactDSN(cfg.DatabaseURL), err)
	}
	return st, redactDSN(cfg.DatabaseURL), func() { st.Close() }, nil
}

// storeConfig is the store configuration for a database URL.
func (c *Config) storeConfig(dsn string, key []byte) store.Config {
	return store.Config{DatabaseURL: dsn, ReadDatabaseURL: c.ReadDatabaseURL, OutboxKey: key, OutboxKeySource: c.outboxKeySource(),
		StatementTimeout: c.statementTimeout, Tracer: c.tracer, MaxOpenConns: c.maxOpenConns, PortalURL: c.PortalURL}
}

// openEmbedded starts (if needed) the embedded cluster of the data directory and opens the
// named database in it, creating it on first use.
func openEmbedded(ctx context.Context, cfg *Config, dbname string) (*store.Store, string, func(), error) {
	dir := cfg.dataDir()
	c, err := store.NewCluster(dir)
	if err != nil {
		return nil, "", nil, err
	}
	if err := c.Ensure(ctx); err != nil {
		return nil, "", nil, fmt.Errorf("embedded PostgreSQL in %s: %w", dir, err)
	}
	if err := ensureDatabase(ctx, c.DSN("postgres"), dbname); err != nil {
		return nil, "", nil, err
	}
	key, err := outboxKey(cfg)
	if err != nil {
		return nil, "", nil, err
	}
	st, err := store.Open(ctx, cfg.storeConfig(c.DSN(dbname), key))
	if err != nil {
		return nil, "", nil, fmt.Errorf("embedded database %s in %s: %w", dbname, c.StateDir, err)
	}
	label := "embedded (" + c.StateDir + ")"
	if dbname != embeddedDB {
		label = "embedded " + dbname + " (" + c.StateDir + ")"
	}
	return st, label, func() { st.Close() }, nil
}

// noteDemoElsewhere says on stderr which database a command uses when it is the embedded
// default, empty, while the demo's database holds the data a newcomer has been looking at.
// Only the notes writer hears it: stdout stays for what scripts parse.
func noteDemoElsewhere(ctx context.Context, cfg *Config, st *store.Store) {
	if cfg.notes == nil {
		return
	}
	var empty bool
	err := st.DB().GetContext(ctx, &empty, `SELECT NOT EXISTS (SELECT 1 FROM users)
		AND EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, demoDB)
	if err != nil || !empty {
		return // a note only: a failure here is the command's own to report, if it matters
	}
	fmt.Fprintf(cfg.notes, "note: using the embedded database %s, which is empty; the demo's data is in %s: add --demo (or set GATEHOUSE_DEMO=1)\n",
		embeddedDB, demoDB)
}

// ensureDatabase creates the database if it does not exist yet (concurrent callers: one wins,
// the others find it).
func ensureDatabase(ctx context.Context, adminDSN, name string) error {
	db, err := sqlx.Open("postgres", adminDSN)
	if err != nil {
		return err
	}
	defer db.Close()
	var exists bool
	if err := db.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name); err != nil {
		return fmt.Errorf("embedded PostgreSQL: %w", err)
	}
	if exists {
		return nil
	}
	_, err = db.ExecContext(ctx, `CREATE DATABASE `+pq.QuoteIdentifier(name))
	var pqe *pq.Error
	if errors.As(err, &pqe) && (pqe.Code == "42P04" || pqe.Code == "23505") {
		return nil // created by a concurrent gatehouse
	}
	if err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// outboxKey returns the 32-byte key sealing secrets in queued e-mails: GATEHOUSE_OUTBOX_KEY
// (hex or base64), else the configured key file, else <data dir>/outbox.key, created once.
// Every process of an installation must use the same key (the store refuses to queue with
// another one): with a shared database, set GATEHOUSE_OUTBOX_KEY or outbox_key_file for
// every operator and service.
func outboxKey(cfg *Config) ([]byte, error) {
	if cfg.OutboxKey != "" {
		k, err := decodeKey(cfg.OutboxKey)
		if err != nil {
			return nil, fmt.Errorf("GATEHOUSE_OUTBOX_KEY: %w", err)
		}
		return k, nil
	}
	if cfg.OutboxKeyFile != "" {
		b, err := os.ReadFile(cfg.OutboxKeyFile)
		if err != nil {
			return nil, fmt.Errorf("outbox key file: %w", err)
		}
		k, err := keyFromFile(b)
		if err != nil {
			return nil, fmt.Errorf("outbox key file %s: %w", cfg.OutboxKeyFile, err)
		}
		return k, nil
	}
	return ensureKeyFile(cfg.defaultOutboxKeyPath())
}

func (c *Config) defaultOutboxKeyPath() string { return filepath.Join(c.dataDir(), "outbox.key") }

// outboxKeySource says where outboxKey takes the key from, for the store's refusal of a key
// that is not the installation's.
func (c *Config) outboxKeySource() string {
	switch {
	case c.OutboxKey != "":
		return "GATEHOUSE_OUTBOX_KEY"
	case c.OutboxKeyFile != "" && c.Source("outbox_key_file") != "":
		return "outbox_key_file " + c.OutboxKeyFile + " (" + c.Source("outbox_key_file") + ")"
	case c.OutboxKeyFile != "":
		return "outbox_key_file " + c.OutboxKeyFile
	}
	return c.defaultOutboxKeyPath() + ", this OS user's own default"
}

func decodeKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if k, err := hex.DecodeString(s); err == nil && len(k) == 32 {
		return k, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == 32 {
			return k, nil
		}
	}
	return nil, errors.New("must be 32 bytes, written in hex (64 digits) or base64")
}

func keyFromFile(b []byte) ([]byte, error) {
	if len(b) == 32 {
		return b, nil
	}
	return decodeKey(string(b))
}

// ensureKeyFile reads the key file, creating it (32 random bytes, mode 0600) on first use.
// The file appears complete or not at all: written aside, then linked into place.
func ensureKeyFile(path string) ([]byte, error) {
	if b, err := os.ReadFile(path); err == nil {
		k, err := keyFromFile(b)
		if err != nil {
			return nil, fmt.Errorf("outbox key %s: %w", path, err)
		}
		return k, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("outbox key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("outbox key: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".outbox.key-*")
	if err != nil {
		return nil, fmt.Errorf("outbox key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, err
	}
	if _, err := tmp.Write(key); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return ensureKeyFile(path) // another process made it first: use theirs
		}
		return nil, fmt.Errorf("outbox key: %w", err)
	}
	return key, nil
}

// redactDSN names a database without credentials: host/dbname.
func redactDSN(dsn string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "(unparsable database URL)"
		}
		host := u.Host
		if host == "" {
			host = u.Query().Get("host")
		}
		if host == "" {
			host = "localhost"
		}
		return host + "/" + strings.TrimPrefix(u.Path, "/")
	}
	// key=value form
	host, port, db := "localhost", "", ""
	for _, f := range strings.Fields(dsn) {
		k, v, _ := strings.Cut(f, "=")
		v = strings.Trim(v, "'")
		switch k {
		case "host":
			host = v
		case "port":
			port = v
		case "dbname":
			db = v
		}
	}
	if port != "" && port != "5432" {
		host += ":" + port
	}
	return host + "/" + db
}

// openStore parses a database command's arguments (want positional ones, named what in the
// usage error), loads the configuration and opens the store. When ok is false, the command
// returns code (the error is already printed).
func (f *flags) openStore(e *env, args []string, want int, what string) (pos []string, st *store.Store, label string, cleanup func(), code int, ok bool) {
	pos, code, ok = f.parse(e, args)
	if !ok {
		return nil, nil, "", nil, code, false
	}
	if code, ok = f.wantArgs(e, pos, want, what); !ok {
		return nil, nil, "", nil, code, false
	}
	st, label, cleanup, code, ok = f.open(e)
	return pos, st, label, cleanup, code, ok
}

// open loads the configuration and opens the store, printing the error when it cannot.
func (f *flags) open(e *env) (st *store.Store, label string, cleanup func(), code int, ok bool) {
	cfg, err := loadConfig(f.global)
	if err != nil {
		return nil, "", nil, fail(e, err), false
	}
	st, label, cleanup, err = openStore(e.ctx, cfg)
	if err != nil {
		return nil, "", nil, fail(e, err), false
	}
	return st, label, cleanup, 0, true
}
