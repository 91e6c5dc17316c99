package store_test

import (
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/model"
	"gatehouse/store"
)

// resetToken sends a reset link as support and returns the token from the sealed outbox row.
func (a *acct) resetToken(userID int64) string {
	a.t.Helper()
	op := model.Operator{Name: "alice", Role: model.RoleSupport}
	if err := a.s.SendResetLink(a.ctx, op, userID); err != nil {
		a.t.Fatal(err)
	}
	var sealed []byte
	if err := a.s.DB().Get(&sealed, `SELECT sealed_secret FROM outbox WHERE user_id = $1 AND kind = 'reset_link' ORDER BY id DESC LIMIT 1`, userID); err != nil {
		a.t.Fatal(err)
	}
	link, err := a.s.OpenSealed(sealed)
	if err != nil {
		a.t.Fatal(err)
	}
	u, err := url.Parse(link)
	if err != nil {
		a.t.Fatal(err)
	}
	return u.Query().Get("token")
}

func TestResetTokenWorksOnceAndUnlocks(t *testing.T) {
	a := newAcct(t)
	id := a.user("ACME-7K2Q9", "jean.dupont@example.org", "Jean Dupont")
	a.exec(`UPDATE users SET locked_at = $2, lock_reason = 'threshold', failed_attempts = 5, first_failed_at = $2,
		must_change_password = true WHERE id = $1`, id, a.clock().Add(-time.Hour))
	a.session(id)
	tok := a.resetToken(id)

	// A refused password leaves the link usable.
	_, err := a.s.RedeemResetToken(a.ctx, tok, "too short", "too short")
	var pe *model.PolicyError
	if !errors.As(err, &pe) {
		t.Fatalf("short password: %v", err)
	}
	login, err := a.s.RedeemResetToken(a.ctx, " "+tok+"\n", goodPassword, goodPassword)
	if err != nil || login != "ACME-7K2Q9" {
		t.Fatalf("redeem: %q %v", login, err)
	}
	support := model.Operator{Name: "alice", Role: model.RoleSupport}
	u := a.get(support, id)
	if u.Locked || u.LockedAt != nil || u.FailedAttempts != 0 || u.MustChangePassword {
		t.Errorf("after reset: locked %v, failures %d, must change %v", u.Locked, u.FailedAttempts, u.MustChangePassword)
	}
	var hash string
	if err := a.s.DB().Get(&hash, `SELECT password_hash FROM users WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := store.VerifyPassword(a.ctx, hash, goodPassword); !ok {
		t.Error("the new password does not verify")
	}
	if n := a.count(`SELECT count(*) FROM sessions WHERE user_id = $1 AND ended_at IS NULL`, id); n != 0 {
		t.Errorf("%d sessions open", n)
	}
	if n := a.count(`SELECT count(*) FROM auth_events WHERE user_id = $1 AND kind = 'reset_completed' AND reason = 'reset_link'`, id); n != 1 {
		t.Errorf("reset_completed events: %d", n)
	}
	if n := a.count(`SELECT count(*) FROM audit_entries WHERE action = 'user.reset_completed' AND operator_name = 'self' AND target_user_id = $1`, id); n != 1 {
		t.Errorf("audit rows by self: %d", n)
	}
	if n := a.count(`SELECT count(*) FROM outbox WHERE user_id = $1 AND kind = 'notice'`, id); n != 1 {
		t.Errorf("notices: %d", n)
	}
	if _, err := a.s.RedeemResetToken(a.ctx, tok, "another fine passphrase", "another fine passphrase"); !errors.Is(err, store.ErrTokenUsed) {
		t.Errorf("second use: %v", err)
	}
	if _, err := a.s.RedeemResetToken(a.ctx, "nonsense", goodPassword, goodPassword); !errors.Is(err, store.ErrTokenUnknown) || !errors.Is(err, store.ErrInvalid) {
		t.Errorf("unknown token: %v", err)
	}
	for _, s := range []string{goodPassword, tok} {
		if hits := secretHits(t, a.s.DB(), s); len(hits) > 0 {
			t.Errorf("a secret is stored in clear: %v", hits)
		}
	}
}

func TestResetTokenTwoRedemptionsAtOnce(t *testing.T) {
	a := newAcct(t)
	id := a.user("ACME-7K2Q9", "jean.dupont@example.org", "Jean Dupont")
	for round := 0; round < 3; round++ {
		tok := a.resetToken(id)
		pws := []string{"first concurrent passphrase " + string(rune('a'+round)), "second concurrent passphrase " + string(rune('a'+round))}
		errs := make([]error, 2)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = a.s.RedeemResetToken(a.ctx, tok, pws[i], pws[i])
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else if !errors.Is(err, store.ErrTokenUsed) {
				t.Fatalf("round %d: unexpected error %v", round, err)
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d redemptions succeeded (%v)", round, ok, errs)
		}
	}
	if n := a.count(`SELECT count(*) FROM auth_events WHERE user_id = $1 AND kind = 'reset_completed'`, id); n != 3 {
		t.Errorf("reset_completed events: %d, want 3", n)
	}
}

func TestResetTokenExpiresAndIsReplaced(t *testing.T) {
	a := newAcct(t)
	id := a.user("ACME-7K2Q9", "jean.dupont@example.org", "Jean Dupont")
	old := a.resetToken(id)
	tok := a.resetToken(id) // resending rotates: the first link dies
	if _, err := a.s.RedeemResetToken(a.ctx, old, goodPassword, goodPassword); !errors.Is(err, store.ErrTokenReplaced) {
		t.Errorf("replaced token: %v", err)
	}
	a.advance(59 * time.Minute)
	if _, err := a.s.RedeemResetToken(a.ctx, tok, "x", "y"); !errors.As(err, new(*model.PolicyError)) {
		t.Errorf("at 59 minutes the link still works (policy refusal expected): %v", err)
	}
	a.advance(time.Minute)
	_, err := a.s.RedeemResetToken(a.ctx, tok, goodPassword, goodPassword)
	if !errors.Is(err, store.ErrTokenExpired) || !strings.Contains(err.Error(), "expired") {
		t.Errorf("expired token: %v", err)
	}
	a.exec(`UPDATE users SET status = 'disabled' WHERE id = $1`, id)
	a.advance(-time.Hour)
	if _, err := a.s.RedeemResetToken(a.ctx, tok, goodPassword, goodPassword); !errors.Is(err, store.ErrAccountClosed) {
		t.Errorf("disabled account: %v", err)
	}
}
