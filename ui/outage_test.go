package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"gatehouse/store"
)

// privateCluster starts a cluster of the test's own (the shared one must not be stopped under
// other tests' feet) and returns it with a store on a fresh database.
func privateCluster(t *testing.T) (*store.Cluster, *store.Store) {
	t.Helper()
	dir, err := os.MkdirTemp("", "gatehouse-outage-")
	if err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	c, err := store.NewCluster(filepath.Join(dir, "state"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop(context.Background()) })
	admin, err := sqlx.Open("postgres", c.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE DATABASE gh`); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, store.Config{DatabaseURL: c.DSN("gh"), Now: func() time.Time { return testNow },
		ConnectTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return c, st
}

func TestDatabaseOutageShowsBannerKeepsInputAndRecovers(t *testing.T) {
	c, st := privateCluster(t)
	f := fixture{t, st}
	acme := f.org("acme", "Acme")
	for i := 0; i < 5; i++ {
		f.user(fmt.Sprintf("OUT-%05d", i), fmt.Sprintf("o%d@example.org", i), fmt.Sprintf("Outage User %d", i), acme)
	}
	h := newHarness(t, st, support, 100, 30)
	h.mustShow("Outage User 0")

	if err := c.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The operator keeps working: a refresh fails, the banner says so, typing still works.
	h.keys("ctrl+r")
	h.mustShow("Database unreachable")
	h.keys("/")
	h.typeText("user 3")
	h.mustShow("/ user 3", "Database unreachable")
	// Still down: the poll keeps the banner.
	h.send(pingTickMsg{})
	h.mustShow("Database unreachable")

	if err := c.Ensure(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.send(pingTickMsg{}) // the reconnect poll (its 2 s timer is not run by the harness)
	h.mustNotShow("Database unreachable")
	h.mustShow("Database reachable again", "Outage User 3", "/ user 3")
	h.mustNotShow("Outage User 1")
}
