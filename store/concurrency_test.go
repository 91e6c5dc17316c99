package store_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"gatehouse/model"
	"gatehouse/store"
)

// Concurrency, what the other tests do not cover yet:
// 100 logins at once that all succeed (on a bcrypt hash each wants to upgrade), and the same
// e-mail invited into the same organization by several operators at once.
// Already covered elsewhere: two operators saving the same user (useredit_test.go), 100
// concurrent wrong passwords (auth_test.go), two reset-link redemptions (reset_test.go), two
// invitation accepts (invitations_test.go).

func TestHundredConcurrentGoodLoginsCountExactly(t *testing.T) {
	e := newAuthEnv(t, 40)
	id := e.user("ACME-RACE2", "race2@example.com")
	bh, _ := bcrypt.GenerateFromPassword([]byte(authPassword), bcrypt.MinCost)
	e.exec(`UPDATE users SET password_hash = $2, failed_attempts = 3, first_failed_at = $3 WHERE id = $1`, id, string(bh), e.clk.Now())
	const n = 100
	var wg sync.WaitGroup
	start := make(chan struct{})
	results := make([]store.AuthResult, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = e.login("  acme-race2 ", authPassword)
		}()
	}
	close(start)
	wg.Wait()
	tokens := map[string]bool{}
	upgraded := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("login %d: %v", i, err)
		}
		tokens[results[i].SessionToken] = true
		if results[i].HashUpgraded {
			upgraded++
		}
	}
	if len(tokens) != n {
		t.Fatalf("%d distinct session tokens, want %d", len(tokens), n)
	}
	if got := e.int(`SELECT count(*) FROM sessions WHERE user_id = $1 AND ended_at IS NULL`, id); got != n {
		t.Fatalf("%d open sessions, want %d", got, n)
	}
	if got := e.events(id, "login_success", ""); got != n {
		t.Fatalf("%d success events, want %d", got, n)
	}
	if got := e.int(`SELECT count(*) FROM auth_events WHERE user_id = $1 AND kind <> 'login_success'`, id); got != 0 {
		t.Fatalf("%d other events, want 0", got)
	}
	if got := e.failed(id); got != 0 || e.locked(id) {
		t.Fatalf("after good logins: failed_attempts %d, locked %v", got, e.locked(id))
	}
	var hash string
	if err := e.s.DB().Get(&hash, `SELECT password_hash FROM users WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$") {
		t.Fatalf("the bcrypt hash was not upgraded: %.12s…", hash)
	}
	if upgraded < 1 {
		t.Fatal("no login reports the upgrade")
	}
	// The upgraded hash still verifies (no two upgrades mixed up the row).
	e.mustLogin("ACME-RACE2", authPassword)
}

func TestConcurrentInvitationsOfTheSameEmailOneWins(t *testing.T) {
	e := newInvEnv(t)
	ops := []model.Operator{supportOp, e.admin("race-admin-1", nil, "acme"), e.admin("race-admin-2", nil, "acme"), supportOp}
	existing := e.user("ACME-RACE9", "existing.race@example.org", "Existing Race", e.glob)
	for round, c := range []struct {
		name string
		inv  func(i int) store.NewInvitation
	}{
		{"new person", func(i int) store.NewInvitation {
			return store.NewInvitation{OrgID: e.acme, Name: fmt.Sprintf("Race Person %d", i), Email: "Race.Person@Example.org", Rights: []string{"billing.view"}}
		}},
		{"new person, e-mail typed differently", func(i int) store.NewInvitation {
			email := []string{"second.race@example.org", " SECOND.RACE@example.org", "second.race@EXAMPLE.ORG ", "Second.Race@Example.Org"}[i]
			return store.NewInvitation{OrgID: e.acme, Name: "Second Race", Email: email, Rights: []string{"reports.view"}}
		}},
		{"existing user by id", func(int) store.NewInvitation {
			return store.NewInvitation{OrgID: e.acme, ExistingUserID: existing, Rights: []string{"billing.view"}}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			invsBefore := e.count(`SELECT count(*) FROM invitations`)
			usersBefore := e.count(`SELECT count(*) FROM users`)
			mailsBefore := e.count(`SELECT count(*) FROM outbox WHERE kind = 'invitation'`)
			ops := ops
			if c.name == "existing user by id" {
				ops = []model.Operator{supportOp, supportOp, supportOp, supportOp} // the user is outside the admins' scope
			}
			errs := make([]error, len(ops))
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, op := range ops {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, _, errs[i] = e.s.CreateInvitation(e.ctx, op, c.inv(i))
				}()
			}
			close(start)
			wg.Wait()
			wins := 0
			for _, err := range errs {
				switch {
				case err == nil:
					wins++
				case store.IsDuplicateInvitation(err):
				default:
					t.Errorf("round %d: a loser got %v, want the duplicate-invitation refusal", round, err)
				}
			}
			if wins != 1 {
				t.Fatalf("%d invitations created (errors %v), want 1", wins, errs)
			}
			if n := e.count(`SELECT count(*) FROM invitations`) - invsBefore; n != 1 {
				t.Fatalf("%d invitation rows, want 1", n)
			}
			if n := e.count(`SELECT count(*) FROM outbox WHERE kind = 'invitation'`) - mailsBefore; n != 1 {
				t.Fatalf("%d invitation e-mails, want 1", n)
			}
			wantUsers := 1
			if c.name == "existing user by id" {
				wantUsers = 0
			}
			if n := e.count(`SELECT count(*) FROM users`) - usersBefore; n != wantUsers {
				t.Fatalf("%d accounts created, want %d", n, wantUsers)
			}
		})
	}
}
