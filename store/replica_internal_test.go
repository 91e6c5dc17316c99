package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"gatehouse/model"
)

// TestReadReplica runs a real streaming replica (pg_basebackup -R of a private primary):
// lists are read from the replica, the refresh right after a write from the primary, and a
// replica that goes away is replaced by the primary with a notice.
func TestReadReplica(t *testing.T) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "gatehouse-replica-")
	if err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	primary, err := NewCluster(filepath.Join(dir, "primary"))
	if err != nil {
		t.Fatal(err)
	}
	if err := primary.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = primary.Stop(context.Background()) })
	admin := sqlx.MustOpen("postgres", primary.DSN("postgres"))
	admin.MustExec(`CREATE DATABASE gh`)
	admin.Close()
	// Migrate on the primary before the replica is cloned.
	mig, err := Open(ctx, Config{DatabaseURL: primary.DSN("gh")})
	if err != nil {
		t.Fatal(err)
	}
	mig.Close()
	replica, err := primary.NewReplica(ctx, filepath.Join(dir, "replica"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = replica.Stop(context.Background()) })

	s, err := Open(ctx, Config{DatabaseURL: primary.DSN("gh"), ReadDatabaseURL: replica.DSN("gh"), ConnectTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	op := model.Operator{Name: "alice", Role: model.RoleSupport}
	count := func() int {
		t.Helper()
		p, err := s.ListUsers(ctx, op, UserQuery{})
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		return len(p.Users)
	}
	insert := func(login string) {
		s.db.MustExec(`INSERT INTO users (login_code, email, name) VALUES ($1, $1 || '@example.org', $1)`, login)
	}
	rdb := sqlx.MustOpen("postgres", replica.DSN("gh"))
	defer rdb.Close()
	var inRecovery bool
	if err := rdb.Get(&inRecovery, `SELECT pg_is_in_recovery()`); err != nil || !inRecovery {
		t.Fatalf("replica not in recovery: %v %v", inRecovery, err)
	}
	insert("REP-00001")
	s.read.lastWrite.Store(0)
	for i := 0; count() != 1; i++ { // replication is asynchronous: wait for it, bounded
		if i > 100 {
			t.Fatal("the replica never caught up")
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Pause replay: what the primary gets next is invisible on the replica.
	rdb.MustExec(`SELECT pg_wal_replay_pause()`)
	insert("REP-00002")
	if n := count(); n != 1 {
		t.Fatalf("list read %d users: not from the paused replica", n)
	}
	// A write through the store: the refresh right after it reads the primary.
	if _, err := s.AddOrganization(ctx, op, "acme", "Acme"); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 2 {
		t.Fatalf("after a write, list read %d users, want 2 (primary)", n)
	}
	s.read.lastWrite.Store(0)
	if n := count(); n != 1 {
		t.Fatalf("later, list read %d users, want 1 (replica again)", n)
	}
	if s.ReplicaNotice() != "" {
		t.Fatal("notice while the replica is fine")
	}
	// The replica goes away: reads fall back to the primary, with a notice.
	if err := replica.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 2 {
		t.Fatalf("with the replica down, list read %d users, want 2 (primary)", n)
	}
	if s.ReplicaNotice() == "" {
		t.Fatal("no notice after falling back to the primary")
	}
}
