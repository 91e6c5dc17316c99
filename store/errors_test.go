package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gatehouse/store"
	"gatehouse/store/storetest"
)

func TestStatementTimeoutIsAClearError(t *testing.T) {
	s := storetest.New(t, func(c *store.Config) { c.StatementTimeout = 50 * time.Millisecond })
	// Make the users query slow on purpose: a row whose name is computed slowly would be
	// artificial; instead hold a lock the query must wait for.
	tx := s.DB().MustBegin()
	defer tx.Rollback()
	tx.MustExec(`LOCK TABLE users IN ACCESS EXCLUSIVE MODE`)
	_, err := s.ListUsers(context.Background(), supportOp, store.UserQuery{})
	if !errors.Is(err, store.ErrTimeout) {
		t.Fatalf("got %v, want ErrTimeout", err)
	}
	if store.IsUnavailable(err) {
		t.Fatal("a timeout is not an outage")
	}
}

func TestTerminatedBackendIsUnavailableThenRecovers(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	conn, err := s.DB().Connx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	if err := conn.GetContext(ctx, &pid, `SELECT pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(`SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	var one int
	err = conn.GetContext(ctx, &one, `SELECT 1`)
	conn.Close()
	if err == nil {
		t.Fatal("query on a terminated backend succeeded")
	}
	// The pool drops the dead connection; the next call works.
	if _, err := s.ListUsers(ctx, supportOp, store.UserQuery{}); err != nil {
		t.Fatalf("after terminate: %v", err)
	}
}
