package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gatehouse/portal"
	"gatehouse/store"
	"gatehouse/store/demodata"
)

// portalResult is the portal's sign-in measured through its handler: POST /login with a
// right password, the store's Authenticate and the argon2id hash behind it (at most two hashes
// at once, the store's limit).
type portalResult struct {
	SignIns   int     `json:"sign_ins"`
	P50       float64 `json:"p50_ms"` // one sign-in at a time
	P95       float64 `json:"p95_ms"`
	HashP50   float64 `json:"hash_p50_ms"` // one argon2id verification alone: a sign-in's floor
	Clients   int     `json:"clients"`
	PerSecond float64 `json:"sign_ins_per_second"` // with Clients signing in at once
	LoadP95   float64 `json:"load_p95_ms"`
	Error     string  `json:"error,omitempty"`
}

// portalClients sign in at once for the throughput: more than the two hashing slots, so that
// they are always busy.
const portalClients = 8

// benchPortal signs n times into the demo accounts of the bench database through the real
// portal handler: n/2 one at a time (the latency of one sign-in), n with portalClients at
// once (sign-ins per second).
func benchPortal(ctx context.Context, st *store.Store, n int) (*portalResult, error) {
	type account struct{ login, password string }
	var rows []struct {
		Login string `db:"login_code"`
		Hash  string `db:"password_hash"`
	}
	// Accounts that sign in with a password alone: active, unlocked, no 2FA, nothing to change.
	if err := st.DB().SelectContext(ctx, &rows, `SELECT login_code, password_hash FROM users
		WHERE status = 'active' AND locked_at IS NULL AND NOT totp_enabled AND NOT must_change_password
		  AND password_hash LIKE '$argon2id$%' AND (password_expires_at IS NULL OR password_expires_at > now() + interval '1 day')
		ORDER BY id LIMIT 32`); err != nil {
		return nil, err
	}
	known := map[string]string{} // hash → the demo password it was made from
	var accounts []account
	var hashTimes []time.Duration
	for _, r := range rows {
		pw, ok := known[r.Hash]
		if !ok {
			for _, p := range demodata.Passwords {
				t0 := time.Now()
				match, _, err := store.VerifyPassword(ctx, r.Hash, p)
				hashTimes = append(hashTimes, time.Since(t0))
				if err != nil {
					return nil, err
				}
				if match {
					pw = p
					break
				}
			}
			known[r.Hash] = pw
		}
		if pw != "" {
			accounts = append(accounts, account{r.Login, pw})
		}
	}
	if len(accounts) == 0 {
		return nil, errors.New("no demo account signs in with a password alone")
	}
	h := portal.New(st, portal.Config{PublicURL: "http://localhost"})
	var seq atomic.Int64
	signIn := func() (time.Duration, error) {
		i := seq.Add(1)
		a := accounts[int(i)%len(accounts)]
		form := url.Values{"username": {a.login}, "password": {a.password}}
		req := httptest.NewRequest("POST", "http://localhost/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.RemoteAddr = fmt.Sprintf("198.51.100.%d:40000", i%250+1)
		rec := httptest.NewRecorder()
		t0 := time.Now()
		h.ServeHTTP(rec, req.WithContext(ctx))
		el := time.Since(t0)
		if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || strings.Contains(loc, "/login") {
			body, _ := io.ReadAll(io.LimitReader(rec.Body, 200))
			return el, fmt.Errorf("sign-in of %s: %d %s %q", a.login, rec.Code, loc, body)
		}
		return el, nil
	}
	if _, err := signIn(); err != nil { // warm
		return nil, err
	}
	res := &portalResult{SignIns: n, Clients: portalClients, HashP50: ms(pct(hashTimes, 50))}
	var alone []time.Duration
	for i := 0; i < max(1, n/2); i++ {
		d, err := signIn()
		if err != nil {
			return nil, err
		}
		alone = append(alone, d)
	}
	res.P50, res.P95 = ms(pct(alone, 50)), ms(pct(alone, 95))
	var mu sync.Mutex
	var loaded []time.Duration
	var firstErr error
	var left atomic.Int64
	left.Store(int64(n))
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < portalClients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for left.Add(-1) >= 0 {
				d, err := signIn()
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				loaded = append(loaded, d)
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	res.PerSecond = float64(len(loaded)) / time.Since(start).Seconds()
	res.LoadP95 = ms(pct(loaded, 95))
	return res, nil
}

func printPortal(w io.Writer, p *portalResult) {
	if p == nil {
		return
	}
	fmt.Fprintln(w)
	if p.Error != "" {
		fmt.Fprintf(w, "portal sign-in (POST /login): ERROR: %s\n", oneLine(p.Error))
		return
	}
	fmt.Fprintf(w, "portal sign-in (POST /login through the handler, at most 2 argon2id at once): one at a time p50 %.1f ms, p95 %.1f ms "+
		"(one argon2id alone %.1f ms); %d clients at once: %.1f sign-ins/s, p95 %.1f ms\n",
		p.P50, p.P95, p.HashP50, p.Clients, p.PerSecond, p.LoadP95)
}
