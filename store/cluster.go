package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// ErrNoPostgres is returned when no PostgreSQL server binaries can be found.
var ErrNoPostgres = errors.New("PostgreSQL server binaries (initdb, pg_ctl, postgres) not found on PATH " +
	"nor under /usr/lib/postgresql/*/bin.\n" +
	"Install them: `apt-get install -y postgresql` (Debian/Ubuntu), `dnf install postgresql-server` (Fedora), " +
	"`brew install postgresql` (macOS) — or point DATABASE_URL at an existing server")

// Cluster is a private PostgreSQL cluster in a state directory: initdb on first use,
// listening only on a unix socket inside that directory, shared by every gatehouse
// process that names the same directory.
type Cluster struct {
	StateDir string // what the caller named
	Root     string // where the cluster lives (StateDir/pg, or elsewhere when running as root)
	bin      string
	runAs    *syscall.Credential // nil unless we are root
	svcUser  string
}

// DataDir is the PostgreSQL data directory.
func (c *Cluster) DataDir() string { return filepath.Join(c.Root, "data") }

// SocketDir is where the server's unix socket lives.
func (c *Cluster) SocketDir() string { return filepath.Join(c.Root, "run") }

// DSN returns a connection string for the named database of the cluster.
func (c *Cluster) DSN(dbname string) string {
	return fmt.Sprintf("host=%s port=5432 user=gatehouse dbname=%s sslmode=disable", c.SocketDir(), dbname)
}

// postgresGlob is where Debian and Ubuntu install the server binaries (a test changes it).
var postgresGlob = "/usr/lib/postgresql/*/bin"

// FindPostgresBin returns the directory holding initdb and pg_ctl.
func FindPostgresBin() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if _, err := exec.LookPath("initdb"); err == nil {
			// Resolve symlinks (Debian links /usr/local/bin/pg_ctl into a versioned dir).
			if r, err := filepath.EvalSymlinks(p); err == nil {
				p = r
			}
			dir := filepath.Dir(p)
			if fileExists(filepath.Join(dir, "postgres")) {
				return dir, nil
			}
		}
	}
	dirs, _ := filepath.Glob(postgresGlob)
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if fileExists(filepath.Join(d, "initdb")) && fileExists(filepath.Join(d, "pg_ctl")) && fileExists(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", ErrNoPostgres
}

func versionOf(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// DefaultStateDir is $GATEHOUSE_DATA_DIR, else $XDG_STATE_HOME/gatehouse, else ~/.local/state/gatehouse.
func DefaultStateDir() string {
	if d := os.Getenv("GATEHOUSE_DATA_DIR"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "gatehouse")
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		home = os.TempDir()
	}
	return filepath.Join(home, ".local", "state", "gatehouse")
}

// NewCluster describes the cluster of a state directory without touching it.
func NewCluster(stateDir string) (*Cluster, error) {
	abs, err := filepath.Abs(stateDir)
	if err != nil {
		return nil, err
	}
	bin, err := FindPostgresBin()
	if err != nil {
		return nil, err
	}
	c := &Cluster{StateDir: abs, Root: filepath.Join(abs, "pg"), bin: bin}
	if os.Geteuid() == 0 {
		// initdb refuses to run as root: the server runs as an unprivileged system user.
		name, cred, err := serviceUser()
		if err != nil {
			return nil, err
		}
		c.runAs, c.svcUser = cred, name
		if !traversable(c.Root, cred) {
			// e.g. /root is 0700: keep the cluster where the service user can reach it.
			sum := sha256.Sum256([]byte(abs))
			c.Root = filepath.Join("/var/lib/gatehouse", "pg-"+hex.EncodeToString(sum[:6]))
		}
	}
	return c, nil
}

// serviceUser picks the unprivileged account that runs the server when we are root.
func serviceUser() (string, *syscall.Credential, error) {
	for _, name := range []string{os.Getenv("GATEHOUSE_PG_USER"), "postgres", "nobody"} {
		if name == "" {
			continue
		}
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if uid == 0 {
			continue
		}
		return name, &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return "", nil, errors.New("running as root, but no unprivileged user (postgres, nobody) exists to run PostgreSQL: " +
		"create one (useradd --system postgres) or set GATEHOUSE_PG_USER")
}

// traversable reports whether every ancestor of dir can be searched by the credential.
// Ancestors that do not exist yet count as searchable: Ensure creates them 0755.
func traversable(dir string, cred *syscall.Credential) bool {
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		var st syscall.Stat_t
		if err := syscall.Stat(d, &st); err != nil {
			if os.IsNotExist(err) && d != "/" {
				continue
			}
			return false
		}
		mode := st.Mode
		ok := mode&0o001 != 0 ||
			(st.Uid == cred.Uid && mode&0o100 != 0) ||
			(st.Gid == cred.Gid && mode&0o010 != 0)
		if !ok {
			return false
		}
		if d == "/" || d == "." {
			return true
		}
	}
}

// Ensure creates the cluster if needed and starts it if it is not running. Several processes
// may call it at once: a lock file serializes them.
func (c *Cluster) Ensure(ctx context.Context) error {
	mode := os.FileMode(0o700)
	if c.runAs != nil && strings.HasPrefix(c.Root, c.StateDir) {
		mode = 0o755 // the server's user must reach StateDir/pg; secrets inside are 0600/0700
	}
	if err := os.MkdirAll(c.StateDir, mode); err != nil {
		return fmt.Errorf("state directory: %w", err)
	}
	unlock, err := lockFile(filepath.Join(c.StateDir, "cluster.lock"), syscall.LOCK_EX)
	if err != nil {
		return err
	}
	defer unlock()
	if err := c.mkdirOwned(c.Root); err != nil {
		return err
	}
	if err := c.mkdirOwned(c.SocketDir()); err != nil {
		return err
	}
	if !fileExists(filepath.Join(c.DataDir(), "PG_VERSION")) {
		_ = os.RemoveAll(c.DataDir()) // a half-made directory from an interrupted initdb
		out, err := c.run(ctx, filepath.Join(c.bin, "initdb"), "-D", c.DataDir(), "-U", "gatehouse",
			"--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions")
		if err != nil {
			return fmt.Errorf("initdb failed: %v\n%s", err, out)
		}
		conf := "\n# gatehouse: private cluster, unix socket only\n" +
			"listen_addresses = ''\n" +
			"unix_socket_directories = '" + c.SocketDir() + "'\n" +
			"unix_socket_permissions = 0700\n" +
			"max_connections = 200\n" +
			"shared_buffers = 256MB\n" +
			"fsync = on\n" +
			"log_min_messages = warning\n" +
			"log_min_error_statement = panic\n" // never log statements: they may carry secrets
		f, err := os.OpenFile(filepath.Join(c.DataDir(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		_, err = f.WriteString(conf)
		f.Close()
		if err != nil {
			return err
		}
	}
	if c.running(ctx) {
		return nil
	}
	out, err := c.run(ctx, filepath.Join(c.bin, "pg_ctl"), "-D", c.DataDir(), "-l", filepath.Join(c.Root, "server.log"),
		"-w", "-t", "60", "start")
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(c.Root, "server.log"))
		return fmt.Errorf("pg_ctl start failed: %v\n%s\n%s", err, out, tail(string(log), 2000))
	}
	return nil
}

// Stop stops the server (fast shutdown: sessions are ended, data is safe).
func (c *Cluster) Stop(ctx context.Context) error {
	if !c.running(ctx) {
		return nil
	}
	out, err := c.run(ctx, filepath.Join(c.bin, "pg_ctl"), "-D", c.DataDir(), "-m", "fast", "-w", "stop")
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %v\n%s", err, out)
	}
	return nil
}

// Running reports whether the cluster's server is up.
func (c *Cluster) Running(ctx context.Context) bool { return c.running(ctx) }

func (c *Cluster) running(ctx context.Context) bool {
	if !fileExists(filepath.Join(c.DataDir(), "postmaster.pid")) {
		return false
	}
	_, err := c.run(ctx, filepath.Join(c.bin, "pg_ctl"), "-D", c.DataDir(), "status")
	return err == nil
}

func (c *Cluster) run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "TZ=UTC")
	if c.runAs != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.runAs}
		cmd.Dir = c.Root
		cmd.Env = append(cmd.Env, "HOME="+c.Root, "USER="+c.svcUser, "LOGNAME="+c.svcUser)
	}
	// pg_ctl start leaves the postmaster holding inherited descriptors; give it none.
	cmd.Stdin = nil
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func (c *Cluster) mkdirOwned(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if c.runAs != nil {
		if parent := filepath.Dir(dir); strings.HasPrefix(parent, "/var/lib/gatehouse") {
			_ = os.Chmod("/var/lib/gatehouse", 0o755)
		}
		if err := os.Chown(dir, int(c.runAs.Uid), int(c.runAs.Gid)); err != nil {
			return err
		}
	}
	return os.Chmod(dir, 0o700)
}

// lockFile takes an flock on path and returns its release.
func lockFile(path string, how int) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}

// ShareLock is held by every process using a shared cluster (the test suite's); the last one
// to leave can take it exclusively and stop the server.
type ShareLock struct{ f *os.File }

// AcquireShare takes the shared "in use" lock of the cluster.
func (c *Cluster) AcquireShare() (*ShareLock, error) {
	if err := os.MkdirAll(c.StateDir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(c.StateDir, "users.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH); err != nil {
		f.Close()
		return nil, err
	}
	return &ShareLock{f: f}, nil
}

// ReleaseAndStopIfLast drops the shared lock; if no other process holds it, the cluster is stopped.
func (c *Cluster) ReleaseAndStopIfLast(ctx context.Context, l *ShareLock) error {
	defer l.f.Close()
	if err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return nil // others still use it
	}
	return c.Stop(ctx)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// NewReplica makes a streaming replica of this (running) cluster in another state directory:
// pg_basebackup -R from the primary's socket, its own socket directory, then started.
func (c *Cluster) NewReplica(ctx context.Context, stateDir string) (*Cluster, error) {
	r, err := NewCluster(stateDir)
	if err != nil {
		return nil, err
	}
	mode := os.FileMode(0o700)
	if r.runAs != nil {
		mode = 0o755
	}
	if err := os.MkdirAll(r.StateDir, mode); err != nil {
		return nil, err
	}
	for _, d := range []string{r.Root, r.SocketDir()} {
		if err := r.mkdirOwned(d); err != nil {
			return nil, err
		}
	}
	out, err := r.run(ctx, filepath.Join(r.bin, "pg_basebackup"), "-D", r.DataDir(), "-R",
		"-h", c.SocketDir(), "-U", "gatehouse", "-X", "stream", "-c", "fast")
	if err != nil {
		return nil, fmt.Errorf("pg_basebackup: %v\n%s", err, out)
	}
	f, err := os.OpenFile(filepath.Join(r.DataDir(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	_, err = f.WriteString("\n# gatehouse replica\nunix_socket_directories = '" + r.SocketDir() + "'\nhot_standby = on\n")
	f.Close()
	if err != nil {
		return nil, err
	}
	if err := r.Ensure(ctx); err != nil {
		return nil, err
	}
	return r, nil
}
