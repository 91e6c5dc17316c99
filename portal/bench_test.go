package portal_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gatehouse/store"
)

// Benchmarks of the portal (go test -bench Portal -run X ./portal): every page rendered by
// the handler in process (store calls included, no hashing on these GETs) with its p50/p95;
// sign-ins per second through the argon2id limit of two hashes at once; the memory of 200
// sign-ins at once.

// newBenchWorld is a portal for a benchmark.
func newBenchWorld(b *testing.B) *world { b.Helper(); return newWorld(b, "") }

// quantiles reports p50 and p95 of the samples as benchmark metrics.
func quantiles(b *testing.B, samples []time.Duration) {
	b.Helper()
	if len(samples) == 0 {
		return
	}
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	at := func(q float64) float64 {
		return float64(samples[int(q*float64(len(samples)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.95), "p95-ms")
}

// request is one GET against the handler with the browser's cookies.
func (b *browser) request(method, path string, form url.Values) *http.Request {
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(method, b.w.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	u, _ := url.Parse(b.w.base + "/")
	for _, c := range b.c.Jar.Cookies(u) {
		req.AddCookie(c)
	}
	req.RemoteAddr = "192.0.2.10:40000"
	return req
}

func BenchmarkPortalPages(b *testing.B) {
	w := newBenchWorld(b)
	h := w.srv.Config.Handler
	id := w.user("ACME-BE12CD", "bench@example.com", "Bench Mark", goodPassword)
	beta := int64(0)
	if err := w.st.DB().Get(&beta, `INSERT INTO organizations (slug, name) VALUES ('beta', 'Beta') RETURNING id`); err != nil {
		b.Fatal(err)
	}
	w.exec(`INSERT INTO memberships (user_id, org_id) VALUES ($1, $2)`, id, beta)
	signed := w.browser()
	signed.signIn("ACME-BE12CD", goodPassword)
	anon := w.browser()
	reset := w.browser()
	reset.post("/forgot", "username", "ACME-BE12CD")
	reset.get(w.lastLink("bench@example.com"))
	accept := w.browser()
	if _, _, err := w.st.CreateInvitation(w.ctx, w.op, store.NewInvitation{OrgID: w.org, Name: "New Bench",
		Email: "newbench@example.com", Rights: []string{"reports.view"}, Lang: "en"}); err != nil {
		b.Fatal(err)
	}
	accept.get(w.lastLink("newbench@example.com"))
	forced := w.browser()
	tid := w.user("ACME-BF12CD", "forced@example.com", "Forced Bench", goodPassword)
	temp, _, err := w.st.SetTemporaryPassword(w.ctx, w.op, tid, w.version(tid))
	if err != nil {
		b.Fatal(err)
	}
	forced.signIn("ACME-BF12CD", temp)
	enrol := w.browser()
	eid := w.user("ACME-BN12CD", "enrol@example.com", "Enrol Bench", goodPassword)
	w.exec(`UPDATE users SET must_enrol_totp = true WHERE id = $1`, eid)
	enrol.signIn("ACME-BN12CD", goodPassword)

	pages := []struct {
		name string
		b    *browser
		path string
	}{
		{"login", anon, "/login"},
		{"forgot", anon, "/forgot"},
		{"code", anon, "/code"},
		{"reset", reset, "/reset"},
		{"accept", accept, "/accept"},
		{"account", signed, "/account"},
		{"password", signed, "/password"},
		{"organization", signed, "/organization"},
		{"totp-status", signed, "/totp"},
		{"forced-change", forced, "/password"},
		{"totp-enrolment", enrol, "/totp"},
		{"stylesheet", anon, "/static/style.css"},
	}
	for _, pg := range pages {
		b.Run(pg.name, func(b *testing.B) {
			samples := make([]time.Duration, 0, b.N)
			for i := 0; i < b.N; i++ {
				req := pg.b.request("GET", pg.path, nil)
				rec := httptest.NewRecorder()
				t0 := time.Now()
				h.ServeHTTP(rec, req)
				samples = append(samples, time.Since(t0))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d", pg.path, rec.Code)
				}
			}
			quantiles(b, samples)
		})
	}
}

func BenchmarkPortalSignIn(b *testing.B) {
	w := newBenchWorld(b)
	h := w.srv.Config.Handler
	const accounts = 64
	for i := 0; i < accounts; i++ {
		w.user(fmt.Sprintf("ACME-SI%04d", i), fmt.Sprintf("si%d@example.com", i), "Sign In", goodPassword)
	}
	var n atomic.Int64
	anon := w.browser()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			form := url.Values{"username": {fmt.Sprintf("ACME-SI%04d", i%accounts)}, "password": {goodPassword}}
			req := anon.request("POST", "/login", form)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusSeeOther {
				b.Errorf("sign-in: %d", rec.Code)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "sign-ins/s")
}

// BenchmarkPortalSignInMemory starts 200 sign-ins at once and reports the peak resident
// memory of the process while they run (VmHWM, read from /proc) above what it was before.
func BenchmarkPortalSignInMemory(b *testing.B) {
	w := newBenchWorld(b)
	h := w.srv.Config.Handler
	const concurrent = 200
	for i := 0; i < concurrent; i++ {
		w.user(fmt.Sprintf("ACME-ME%04d", i), fmt.Sprintf("me%d@example.com", i), "Memory", goodPassword)
	}
	anon := w.browser()
	runtime.GC()
	resetPeak()
	before := vmKB("VmRSS")
	b.ResetTimer()
	var elapsed time.Duration
	for it := 0; it < b.N; it++ {
		var wg sync.WaitGroup
		gate := make(chan struct{})
		t0 := time.Now()
		for i := 0; i < concurrent; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-gate
				form := url.Values{"username": {fmt.Sprintf("ACME-ME%04d", i)}, "password": {goodPassword}}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, anon.request("POST", "/login", form))
				if rec.Code != http.StatusSeeOther {
					b.Errorf("sign-in %d: %d", i, rec.Code)
				}
			}()
		}
		close(gate)
		wg.Wait()
		elapsed += time.Since(t0)
	}
	peak := vmKB("VmHWM")
	b.ReportMetric(float64(peak-before)/1024, "peak-extra-MB")
	b.ReportMetric(float64(peak)/1024, "peak-rss-MB")
	b.ReportMetric(elapsed.Seconds()/float64(b.N), "s/200-sign-ins")
}

// vmKB reads a memory line (kB) of /proc/self/status.
func vmKB(field string) int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// resetPeak restarts the peak RSS count (writing 5 to /proc/self/clear_refs).
func resetPeak() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0o200) }
