package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func TestMissingPostgresSaysWhatToInstall(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	old := postgresGlob
	postgresGlob = filepath.Join(t.TempDir(), "*", "bin")
	defer func() { postgresGlob = old }()
	_, err := FindPostgresBin()
	if !errors.Is(err, ErrNoPostgres) || !strings.Contains(err.Error(), "apt-get install -y postgresql") {
		t.Fatalf("got %v", err)
	}
	if _, err := NewCluster(t.TempDir()); !errors.Is(err, ErrNoPostgres) {
		t.Fatalf("NewCluster: %v", err)
	}
}

// TestClusterLifecycle starts a private cluster (as root, the server runs unprivileged),
// reuses it, and stops it.
func TestClusterLifecycle(t *testing.T) {
	ctx := context.Background()
	base, err := os.MkdirTemp("", "gatehouse-cluster-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(base)
	_ = os.Chmod(base, 0o755)
	c, err := NewCluster(filepath.Join(base, "state", "nested"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Stop(context.Background()) //nolint:errcheck
	pidFile, err := os.ReadFile(filepath.Join(c.DataDir(), "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.SplitN(string(pidFile), "\n", 2)[0])
	var st syscall.Stat_t
	if err := syscall.Stat("/proc/"+strconv.Itoa(pid), &st); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 && st.Uid == 0 {
		t.Fatal("running as root, the server must run as an unprivileged user")
	}
	if _, err := os.Stat(filepath.Join(c.SocketDir(), ".s.PGSQL.5432")); err != nil {
		t.Fatalf("no unix socket in the cluster's directory: %v", err)
	}
	// A second Ensure reuses the running server.
	if err := c.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	pid2, _ := os.ReadFile(filepath.Join(c.DataDir(), "postmaster.pid"))
	if string(pid2) != string(pidFile) {
		t.Fatal("Ensure restarted a running server")
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if c.Running(ctx) {
		t.Fatal("still running after Stop")
	}
}
