package store_test

import (
	"errors"
	"testing"
	"time"

	"gatehouse/model"
	"gatehouse/store"
)

func TestPruneDeletesOnlyOldEventsInBatches(t *testing.T) {
	e := newAuthEnv(t, 0)
	now := e.clk.Now()
	// 2,500 events, one an hour back in time, inserted in random order of time so that ids do
	// not follow time: 90 days = 2,160 hours, so 340 are older.
	e.exec(`INSERT INTO auth_events (at, login, kind, reason)
		SELECT $1::timestamptz - (g * interval '1 hour'), 'x', 'login_failure', 'unknown_login'
		FROM generate_series(0, 2499) g ORDER BY random()`, now)
	cutoff := now.Add(-90 * 24 * time.Hour)
	if _, err := e.s.PruneAuthEvents(e.ctx, model.Operator{Name: "olga", Role: model.RoleOncall}, cutoff, store.PruneOptions{}); !errors.Is(err, store.ErrForbidden) {
		t.Fatalf("oncall prunes: %v", err)
	}
	var calls []int64
	n, err := e.s.PruneAuthEvents(e.ctx, supportOp, cutoff, store.PruneOptions{Batch: 300, Progress: func(d int64) { calls = append(calls, d) }})
	if err != nil {
		t.Fatal(err)
	}
	if n != 2500-2161 {
		t.Fatalf("deleted %d, want %d", n, 2500-2161)
	}
	if len(calls) != 9 { // 2,500 ids in ranges of 300
		t.Fatalf("%d batches, want 9: %v", len(calls), calls)
	}
	if left := e.int(`SELECT count(*) FROM auth_events WHERE at < $1`, cutoff); left != 0 {
		t.Fatalf("%d old events left", left)
	}
	if kept := e.int(`SELECT count(*) FROM auth_events`); kept != 2161 {
		t.Fatalf("%d kept, want 2161", kept)
	}
	if a := e.int(`SELECT count(*) FROM audit_entries WHERE action = 'auth_events.prune'`); a != 1 {
		t.Fatal("prune not audited")
	}
	// Nothing more to do the second time.
	if n, err := e.s.PruneAuthEvents(e.ctx, supportOp, cutoff, store.PruneOptions{}); err != nil || n != 0 {
		t.Fatalf("second prune: %d, %v", n, err)
	}
}
