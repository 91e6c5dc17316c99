package store_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gatehouse/model"
	"gatehouse/store"
	"gatehouse/store/storetest"
)

// Database faults at the store level. A store call
// is caught inside its transaction — waiting for a row lock another connection holds — and its
// backend is killed with pg_terminate_backend: the call answers a clear "database unreachable"
// error, nothing it began is left in any table, and the next call works.
// (A plain terminated idle connection and the statement timeout are in errors_test.go; the
// console's banner, kept input and retried save are in ui/outage_test.go and
// ui/savefault_test.go.)

// waitingBackend polls (bounded) for the store's backend blocked on a lock, and returns its pid.
func waitingBackend(t *testing.T, s *store.Store) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var pids []int
		if err := s.DB().Select(&pids, `SELECT pid FROM pg_stat_activity
			WHERE datname = current_database() AND application_name = 'gatehouse'
			  AND state IN ('active', 'idle in transaction') AND wait_event_type = 'Lock'
			  AND pid <> pg_backend_pid()`); err != nil {
			t.Fatal(err)
		}
		if len(pids) == 1 {
			return pids[0]
		}
		if len(pids) > 1 {
			t.Fatalf("%d backends waiting, want 1", len(pids))
		}
		time.Sleep(10 * time.Millisecond) // polling for the call to reach the lock, not a timed assertion
	}
	t.Fatal("the store call never waited for the lock")
	return 0
}

func TestTerminatedMidTransactionWritesNothingThenWorks(t *testing.T) {
	goodPw := "harbor copper willow 2719 quietly"
	type call func(a *acct, op model.Operator, user, org2 int64) error
	cases := []struct {
		name string
		call call
	}{
		{"UpdateUser", func(a *acct, op model.Operator, user, _ int64) error {
			u := a.get(op, user)
			_, err := a.s.UpdateUser(a.ctx, op, user, u.Version, store.UserEdit{Name: "Renamed Person", Email: u.Email})
			return err
		}},
		{"SetPassword", func(a *acct, op model.Operator, user, _ int64) error {
			_, err := a.s.SetPassword(a.ctx, op, user, a.get(op, user).Version, goodPw, goodPw, true)
			return err
		}},
		{"SendResetLink", func(a *acct, op model.Operator, user, _ int64) error {
			return a.s.SendResetLink(a.ctx, op, user)
		}},
		{"UnlockUsers", func(a *acct, op model.Operator, user, _ int64) error {
			_, err := a.s.UnlockUsers(a.ctx, op, []int64{user}, "fault test", true)
			return err
		}},
		{"CreateInvitation", func(a *acct, op model.Operator, user, org2 int64) error {
			_, _, err := a.s.CreateInvitation(a.ctx, op, store.NewInvitation{OrgID: org2, ExistingUserID: user, Rights: []string{"reports.view"}})
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newAcct(t)
			acme := a.org("acme", "Acme")
			other := a.org("globex", "Globex")
			op := a.operator("fault-support", model.RoleSupport, nil)
			user := a.user("ACME-FLT01", "fault.person@example.org", "Fault Person", acme)
			a.exec(`UPDATE users SET locked_at = $2, lock_reason = 'threshold', failed_attempts = 5 WHERE id = $1`, user, a.clock())
			before := dbChecksums(t, a.s)

			// Another connection holds the user's row: the call waits inside its transaction.
			blocker, err := a.s.DB().BeginTxx(a.ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer blocker.Rollback() //nolint:errcheck
			if _, err := blocker.Exec(`SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, user); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- c.call(a, op, user, other) }()
			pid := waitingBackend(t, a.s)
			var killed bool
			if err := a.s.DB().Get(&killed, `SELECT pg_terminate_backend($1)`, pid); err != nil || !killed {
				t.Fatalf("terminate %d: %v %v", pid, killed, err)
			}
			err = <-done
			if err == nil {
				t.Fatal("the call succeeded although its backend was killed")
			}
			if !store.IsUnavailable(err) || !errors.Is(err, store.ErrUnavailable) {
				t.Errorf("error %v (%T): want the typed 'database unreachable'", err, err)
			}
			if err := blocker.Rollback(); err != nil {
				t.Fatal(err)
			}
			if ch := changedTables(before, dbChecksums(t, a.s)); len(ch) > 0 {
				t.Fatalf("the killed call left writes in %v", ch)
			}
			// The pool drops the dead connection: the same call now works, once.
			if err := c.call(a, op, user, other); err != nil {
				t.Fatalf("after the kill: %v", err)
			}
			if n := a.count(`SELECT count(*) FROM audit_entries`); n < 1 {
				t.Fatal("the retried call wrote no audit row")
			}
			ctx, cancel := context.WithTimeout(a.ctx, 5*time.Second)
			defer cancel()
			if err := a.s.Ping(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// lostAckProxy sits between a store and the test cluster's unix socket. Armed, it forwards
// the next COMMIT to the server and then closes the connection before the server's answer
// comes back: the transaction is committed, but the store never learns it (a network cut at
// the worst moment).
type lostAckProxy struct {
	dir   string
	armed chan struct{} // one token per COMMIT to cut
}

func startLostAckProxy(t *testing.T, serverSocket string) *lostAckProxy {
	t.Helper()
	dir, err := os.MkdirTemp("", "gh-lostack-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	l, err := net.Listen("unix", filepath.Join(dir, ".s.PGSQL.5432"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	p := &lostAckProxy{dir: dir, armed: make(chan struct{}, 1)}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go p.serve(c, serverSocket)
		}
	}()
	return p
}

func (p *lostAckProxy) serve(client net.Conn, serverSocket string) {
	defer client.Close()
	server, err := net.Dial("unix", serverSocket)
	if err != nil {
		return
	}
	defer server.Close()
	// Server → client, message by message; once cut, answers are swallowed and the end of the
	// COMMIT's answer (ReadyForQuery) is reported, so the client learns of nothing before the
	// server has finished committing.
	var cut atomic.Bool
	committed := make(chan struct{})
	go func() {
		sr := bufio.NewReader(server)
		for {
			typ, err := sr.ReadByte()
			if err != nil {
				return
			}
			var n uint32
			if binary.Read(sr, binary.BigEndian, &n) != nil || n < 4 {
				return
			}
			body := make([]byte, n-4)
			if _, err := io.ReadFull(sr, body); err != nil {
				return
			}
			if cut.Load() {
				if typ == 'Z' {
					close(committed)
					return
				}
				continue
			}
			msg := append([]byte{typ}, binary.BigEndian.AppendUint32(nil, n)...)
			if _, err := client.Write(append(msg, body...)); err != nil {
				return
			}
		}
	}()
	r := bufio.NewReader(client)
	// Startup message: length (itself included), then the body; no type byte.
	var n uint32
	if binary.Read(r, binary.BigEndian, &n) != nil || n < 4 {
		return
	}
	body := make([]byte, n-4)
	if _, err := io.ReadFull(r, body); err != nil {
		return
	}
	_ = binary.Write(server, binary.BigEndian, n)
	_, _ = server.Write(body)
	for {
		typ, err := r.ReadByte()
		if err != nil {
			return
		}
		if binary.Read(r, binary.BigEndian, &n) != nil || n < 4 {
			return
		}
		body := make([]byte, n-4)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		commit := typ == 'Q' && bytes.HasPrefix(bytes.ToUpper(body), []byte("COMMIT"))
		if commit {
			select {
			case <-p.armed:
				cut.Store(true)
			default:
				commit = false
			}
		}
		msg := append([]byte{typ}, binary.BigEndian.AppendUint32(nil, n)...)
		if _, err := server.Write(append(msg, body...)); err != nil {
			return
		}
		if commit {
			select { // the answer will find no one
			case <-committed:
			case <-time.After(30 * time.Second):
			}
			return
		}
	}
}

// TestLostCommitAcknowledgement documents what a retry does after a commit whose answer was
// lost (the store reports "database unreachable" although the write was applied) —
// "no write is applied twice after a reconnect":
//   - versioned saves (UpdateUser, SetPassword…): the retry is refused as a conflict; applied once;
//   - CreateInvitation: the retry is refused as a duplicate ("already invited; resend it"); one
//     invitation, one e-mail;
//   - UnlockUsers: the retry succeeds on an already unlocked account: the state is the same,
//     but a second audit row, unlock event and notice e-mail are written (both true statements
//     of an operator's action; no harm beyond a second notice);
//   - SendResetLink: the retry sends a second link and revokes the first (one live token; the
//     first e-mail's link answers "a newer reset link was sent").
func TestLostCommitAcknowledgement(t *testing.T) {
	c := storetest.Cluster(t)
	if c == nil {
		t.Skip("needs the private test cluster (its unix socket) to cut connections")
	}
	dsn := storetest.NewDSN(t)
	proxy := startLostAckProxy(t, filepath.Join(c.SocketDir(), ".s.PGSQL.5432"))
	if !strings.Contains(dsn, "host="+c.SocketDir()) {
		t.Skipf("unexpected DSN form %q", dsn)
	}
	clock := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	s, err := store.Open(context.Background(), store.Config{DatabaseURL: strings.Replace(dsn, "host="+c.SocketDir(), "host="+proxy.dir, 1),
		Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	a := &acct{t: t, s: s, ctx: context.Background(), now: clock}
	acme := a.org("acme", "Acme")
	other := a.org("globex", "Globex")
	op := a.operator("ack-support", model.RoleSupport, nil)
	user := a.user("ACME-ACK01", "ack.person@example.org", "Ack Person", acme)
	ctx := a.ctx

	lost := func(what string, fn func() error) {
		t.Helper()
		proxy.armed <- struct{}{}
		err := fn()
		if !store.IsUnavailable(err) {
			t.Fatalf("%s with its acknowledgement lost: %v, want 'database unreachable'", what, err)
		}
		select {
		case <-proxy.armed:
			t.Fatalf("%s: the proxy never cut a COMMIT", what)
		default:
		}
	}

	// A versioned save: applied once, the retry is a conflict.
	u := a.get(op, user)
	edit := store.UserEdit{Name: "Ack Renamed", Email: u.Email, Base: &u}
	lost("UpdateUser", func() error { _, err := s.UpdateUser(ctx, op, user, u.Version, edit); return err })
	if got := a.get(op, user); got.Name != "Ack Renamed" || got.Version != u.Version+1 {
		t.Fatalf("the lost-ack save was not applied: %+v", got)
	}
	var ce *store.ConflictError
	if _, err := s.UpdateUser(ctx, op, user, u.Version, edit); !errors.As(err, &ce) {
		t.Fatalf("retried save: %v, want a conflict", err)
	}
	if n := a.count(`SELECT count(*) FROM audit_entries WHERE action = 'user.update'`); n != 1 {
		t.Fatalf("%d update audit rows, want 1", n)
	}

	// CreateInvitation: the retry is a duplicate; one invitation, one e-mail.
	inv := store.NewInvitation{OrgID: other, ExistingUserID: user, Rights: []string{"reports.view"}}
	lost("CreateInvitation", func() error { _, _, err := s.CreateInvitation(ctx, op, inv); return err })
	if _, _, err := s.CreateInvitation(ctx, op, inv); !store.IsDuplicateInvitation(err) {
		t.Fatalf("retried invitation: %v, want the duplicate refusal", err)
	}
	if n := a.count(`SELECT count(*) FROM invitations`); n != 1 {
		t.Fatalf("%d invitations, want 1", n)
	}
	if n := a.count(`SELECT count(*) FROM outbox WHERE kind = 'invitation'`); n != 1 {
		t.Fatalf("%d invitation e-mails, want 1", n)
	}

	// UnlockUsers: same state after the retry; the action is recorded twice.
	a.exec(`UPDATE users SET locked_at = $2, lock_reason = 'threshold', failed_attempts = 5 WHERE id = $1`, user, clock)
	lost("UnlockUsers", func() error { _, err := s.UnlockUsers(ctx, op, []int64{user}, "lost ack", false); return err })
	if got := a.get(op, user); got.Locked || got.FailedAttempts != 0 {
		t.Fatalf("the lost-ack unlock was not applied: %+v", got)
	}
	if _, err := s.UnlockUsers(ctx, op, []int64{user}, "lost ack, retried", false); err != nil {
		t.Fatalf("retried unlock: %v", err)
	}
	if n := a.count(`SELECT count(*) FROM audit_entries WHERE action = 'user.unlock'`); n != 2 {
		t.Fatalf("%d unlock audit rows, want 2 (documented: the retry is recorded)", n)
	}

	// SendResetLink: the retry rotates the link; one live token.
	lost("SendResetLink", func() error { return s.SendResetLink(ctx, op, user) })
	if err := s.SendResetLink(ctx, op, user); err != nil {
		t.Fatalf("retried reset link: %v", err)
	}
	if n := a.count(`SELECT count(*) FROM reset_tokens WHERE user_id = $1 AND used_at IS NULL AND revoked_at IS NULL`, user); n != 1 {
		t.Fatalf("%d live reset tokens, want 1", n)
	}
	if n := a.count(`SELECT count(*) FROM reset_tokens WHERE user_id = $1`, user); n != 2 {
		t.Fatalf("%d reset tokens, want 2 (documented: the retry sends a second link)", n)
	}
}
