package portal_test

import (
	"crypto/tls"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/model/i18n"
	"gatehouse/portal"
	"gatehouse/store"
	"gatehouse/store/storetest"
)

// Every refusal of the portal, over HTTP.

func TestCrossOriginPostsAreRefused(t *testing.T) {
	w := newWorld(t, "")
	id := w.user("ACME-CO12CD", "co@example.com", "Cross Origin", goodPassword)
	for name, h := range map[string]http.Header{
		"Sec-Fetch-Site cross-site": {"Sec-Fetch-Site": {"cross-site"}},
		"Origin of another site":    {"Origin": {"https://evil.example"}},
	} {
		b := w.browser()
		b.header = h
		for _, path := range []string{"/login", "/forgot", "/code", "/reset", "/accept", "/password", "/totp", "/organization", "/logout"} {
			p := b.do("POST", path, url.Values{"username": {"ACME-CO12CD"}, "password": {goodPassword}})
			if p.status != http.StatusForbidden || !p.has("sent from another site") {
				t.Fatalf("%s, POST %s: %d %s", name, path, p.status, text(p.body))
			}
		}
	}
	if w.int(`SELECT count(*) FROM auth_events WHERE user_id = $1`, id) != 0 || w.int(`SELECT count(*) FROM sessions`) != 0 {
		t.Fatal("a refused cross-origin POST must do nothing")
	}
	// The same form from the portal's own pages goes through.
	b := w.browser()
	b.header = http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {w.base}}
	if p := b.signIn("ACME-CO12CD", goodPassword); !strings.HasSuffix(p.url, "/account") {
		t.Fatalf("same origin: %s", p.url)
	}
}

func TestResetLinkReusedAndExpired(t *testing.T) {
	w := newWorld(t, "")
	w.user("ACME-RU12CD", "reuse@example.com", "Re Use", goodPassword)
	b := w.browser()
	b.post("/forgot", "username", "ACME-RU12CD")
	link := w.lastLink("reuse@example.com")
	b.get(link)
	pw := "marble orchid tundra eleven"
	if p := b.post("/reset", "password", pw, "confirm", pw); !strings.Contains(p.url, "/account") {
		t.Fatalf("first use: %s %s", p.url, text(p.body))
	}
	again := w.browser()
	w.mustSee(again.get(link), "This link was already used")
	w.mustSee(again.post("/reset", "password", pw+"x", "confirm", pw+"x"), "Open the link of your e-mail")

	b2 := w.browser()
	b2.post("/forgot", "username", "reuse@example.com")
	link2 := w.lastLink("reuse@example.com")
	if link2 == link {
		t.Fatal("a new request must send a new link")
	}
	w.clk.Advance(store.ResetLinkTTL + time.Minute)
	w.mustSee(b2.get(link2), "This link has expired")
}

func TestTwoRedemptionsAtOnceOneWins(t *testing.T) {
	w := newWorld(t, "")
	id := w.user("ACME-TW12CD", "twice@example.com", "Two At Once", goodPassword)
	w.browser().post("/forgot", "username", "ACME-TW12CD")
	link := w.lastLink("twice@example.com")
	var wg sync.WaitGroup
	results := make([]string, 2)
	for i := range results {
		b := w.browser()
		b.get(link) // each lands with the token in its own cookie
		wg.Add(1)
		go func() {
			defer wg.Done()
			pw := []string{"granite willow harbour one", "saffron meadow lantern two"}[i]
			form := url.Values{"password": {pw}, "confirm": {pw}}
			req, _ := http.NewRequest("POST", w.base+"/reset", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := b.c.Do(req)
			if err != nil {
				results[i] = "error " + err.Error()
				return
			}
			resp.Body.Close()
			results[i] = resp.Status + " " + resp.Header.Get("Location")
		}()
	}
	wg.Wait()
	won := 0
	for _, r := range results {
		if strings.Contains(r, "/account") {
			won++
		}
	}
	if won != 1 || w.int(`SELECT count(*) FROM auth_events WHERE user_id = $1 AND kind = 'reset_completed'`, id) != 1 {
		t.Fatalf("two redemptions at once: %q; exactly one must win", results)
	}
}

// identical compares two answers with each identifier replaced by a placeholder.
func identical(t *testing.T, what string, a, b page, identA, identB string) {
	t.Helper()
	ba := strings.ReplaceAll(a.body, identA, "IDENT")
	bb := strings.ReplaceAll(b.body, identB, "IDENT")
	if a.status != b.status || ba != bb || a.header.Get("Set-Cookie") != b.header.Get("Set-Cookie") {
		t.Fatalf("%s: the answers differ (%d vs %d):\n%s\n----\n%s", what, a.status, b.status, text(ba), text(bb))
	}
}

func TestUnknownAndKnownIdentifiersGetTheSameAnswer(t *testing.T) {
	w := newWorld(t, "")
	locked := w.user("ACME-LO12CD", "locked@example.com", "Lock Ed", goodPassword)
	w.exec(`UPDATE users SET locked_at = now(), lock_reason = 'threshold' WHERE id = $1`, locked)
	dis := w.user("ACME-DI12CD", "disabled@example.com", "Dis Abled", goodPassword)
	w.exec(`UPDATE users SET status = 'disabled' WHERE id = $1`, dis)
	w.user("ACME-KN12CD", "known@example.com", "Kno Wn", goodPassword)
	b := w.browser()
	unknown := b.do("POST", "/login", url.Values{"username": {"NOBODY-XX12CD"}, "password": {goodPassword}})
	for ident, pw := range map[string]string{"ACME-KN12CD": "wrong password", "ACME-LO12CD": goodPassword, "ACME-DI12CD": goodPassword} {
		known := b.do("POST", "/login", url.Values{"username": {ident}, "password": {pw}})
		identical(t, "sign-in "+ident, unknown, known, "NOBODY-XX12CD", ident)
	}
	for _, page := range []struct{ path, field string }{{"/forgot", "username"}, {"/code", "email"}} {
		u := b.do("POST", page.path, url.Values{page.field: {"nobody@example.com"}})
		k := b.do("POST", page.path, url.Values{page.field: {"known@example.com"}})
		identical(t, page.path, u, k, "nobody@example.com", "known@example.com")
		l := b.do("POST", page.path, url.Values{page.field: {"locked@example.com"}})
		identical(t, page.path+" locked", u, l, "nobody@example.com", "locked@example.com")
	}
	msgs := w.deliver()
	if len(msgs) != 4 { // the known and the locked account's reset links and login codes
		t.Fatalf("%d e-mails sent, want 4", len(msgs))
	}
}

func TestRecoveryPagesAreRateLimited(t *testing.T) {
	w := newWorld(t, "", func(c *portal.Config) { c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")} })
	id := w.user("ACME-RL12CD", "limit@example.com", "Rate Limit", goodPassword)
	b := w.browser()
	b.header.Set("X-Forwarded-For", "203.0.113.50")
	for i := 0; i < 10; i++ {
		if p := b.post("/forgot", "username", "limit@example.com"); p.status != http.StatusOK {
			t.Fatalf("request %d: %d", i, p.status)
		}
	}
	if n := w.int(`SELECT count(*) FROM outbox WHERE user_id = $1 AND kind = 'reset_link'`, id); n != store.RecoveryPerAccount {
		t.Fatalf("%d reset e-mails to one account, want %d", n, store.RecoveryPerAccount)
	}
	for i := 10; i < store.RecoveryPerAddress; i++ {
		b.post("/forgot", "username", "someone.else@example.com")
	}
	known := b.do("POST", "/forgot", url.Values{"username": {"limit@example.com"}})
	unknown := b.do("POST", "/forgot", url.Values{"username": {"nobody@example.com"}})
	if known.status != http.StatusTooManyRequests || !known.has("Too many requests") {
		t.Fatalf("over the address's limit: %d %s", known.status, text(known.body))
	}
	identical(t, "rate-limited", known, unknown, "limit@example.com", "nobody@example.com")
	// Another client behind the same trusted proxy has its own count.
	other := w.browser()
	other.header.Set("X-Forwarded-For", "203.0.113.51")
	if p := other.do("POST", "/forgot", url.Values{"username": {"limit@example.com"}}); p.status != http.StatusOK {
		t.Fatalf("another client: %d", p.status)
	}
	// A forged header from a peer that is not a trusted proxy is not believed.
	w2 := newWorld(t, "")
	forged := w2.browser()
	for i := 0; i <= store.RecoveryPerAddress; i++ {
		forged.header.Set("X-Forwarded-For", netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}).String())
		forged.do("POST", "/code", url.Values{"email": {"x@example.com"}})
	}
	if p := forged.do("POST", "/code", url.Values{"email": {"x@example.com"}}); p.status != http.StatusTooManyRequests {
		t.Fatalf("X-Forwarded-For from an untrusted peer must be ignored: %d", p.status)
	}
}

func TestTokensStayOnTheirPage(t *testing.T) {
	w := newWorld(t, "")
	w.user("ACME-TK12CD", "token@example.com", "To Ken", goodPassword)
	b := w.browser()
	b.post("/forgot", "username", "token@example.com")
	link := w.lastLink("token@example.com")
	tok := tokenOf(link)
	land := b.do("GET", link, nil)
	if land.status != http.StatusSeeOther || land.location != "/reset" {
		t.Fatalf("landing: %d → %q; want 303 to /reset without the token", land.status, land.location)
	}
	sc := land.header.Get("Set-Cookie")
	if !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Lax") || !strings.Contains(sc, "Max-Age=") {
		t.Fatalf("the token's cookie: %q", sc)
	}
	p := b.follow(land)
	for _, pg := range []page{land, p} {
		if strings.Contains(pg.body, tok) {
			t.Fatal("the token is in the page")
		}
		if pg.header.Get("Referrer-Policy") != "no-referrer" {
			t.Fatalf("Referrer-Policy %q", pg.header.Get("Referrer-Policy"))
		}
		csp := pg.header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, want) {
				t.Fatalf("CSP %q lacks %q", csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") {
			t.Fatal("CSP allows inline script or style")
		}
	}
	if !strings.Contains(p.body, `<meta name="referrer" content="no-referrer">`) {
		t.Fatal("the page must also say no-referrer itself")
	}
	pw := "cobalt tundra meadow ninety"
	b.post("/reset", "password", pw, "confirm", pw)
	// An invitation link too.
	_, invLink, err := w.st.CreateInvitation(w.ctx, w.op, store.NewInvitation{OrgID: w.org, Name: "New Person",
		Email: "new.person@example.com", Rights: []string{"reports.view"}, Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	ib := w.browser()
	if p := ib.do("GET", invLink, nil); p.status != http.StatusSeeOther || p.location != "/accept" {
		t.Fatalf("invitation landing: %d %q", p.status, p.location)
	}
	for _, secret := range []string{tok, tokenOf(invLink), pw, goodPassword} {
		if strings.Contains(w.logs.String(), secret) {
			t.Fatal("a token or password reached the logs")
		}
	}
	if !strings.Contains(w.logs.String(), "path=/reset") {
		t.Fatalf("the request log is empty or lacks paths:\n%s", w.logs.String())
	}
}

func TestOneMegabytePassword(t *testing.T) {
	w := newWorld(t, "")
	id := w.user("ACME-MB12CD", "mega@example.com", "Mega Byte", goodPassword)
	huge := strings.Repeat("a", 1<<20) + "é" // just over 1 MB
	b := w.browser()
	p := b.signIn("ACME-MB12CD", huge)
	w.mustSee(p, "Sign-in refused")
	if w.int(`SELECT failed_attempts FROM users WHERE id = $1`, id) != 1 {
		t.Fatal("a 1 MB password is a failed attempt like any other")
	}
	b.post("/forgot", "username", "ACME-MB12CD")
	b.get(w.lastLink("mega@example.com"))
	p = b.post("/reset", "password", huge, "confirm", huge)
	w.mustSee(p, "This password was refused", "at most 128 characters")
	if len(p.body) > 200<<10 {
		t.Fatalf("the refusal page is %d bytes: the password came back", len(p.body))
	}
	pw := "harbour cobalt willow seven"
	if p := b.post("/reset", "password", pw, "confirm", pw); !strings.Contains(p.url, "/account") {
		t.Fatalf("the link must still work after the refusal: %s", p.url)
	}
	// Beyond what a form may hold: a clear 413, nothing done.
	p = b.do("POST", "/login", url.Values{"username": {"ACME-MB12CD"}, "password": {strings.Repeat("x", 5<<20)}})
	if p.status != http.StatusRequestEntityTooLarge || !p.has("too large") {
		t.Fatalf("5 MB form: %d", p.status)
	}
}

const hostile = "<script>alert(1)</script>\x1b]0;pwned\x07\x1b[31m\u202eevil\u200b\"'><img src=x onerror=alert(2)>"

func TestHostileStringsFromTheDatabaseAreEscaped(t *testing.T) {
	w := newWorld(t, "")
	org2 := storetest.Org(t, w.st, "evil", "Org "+hostile)
	id := w.user("ACME-HO12CD", "hostile@example.com", "Name "+hostile, goodPassword, w.org, org2)
	w.exec(`UPDATE rights SET label = $1 WHERE code = 'reports.view'`, "Label "+hostile)
	check := func(where string, body string) {
		t.Helper()
		for _, bad := range []string{"<script>alert", "<img", "\x1b", "\u202e", "\u200b", "\x07"} {
			if strings.Contains(body, bad) {
				t.Fatalf("%s: %q reached the HTML", where, bad)
			}
		}
		if !strings.Contains(body, "&lt;script&gt;") {
			t.Fatalf("%s: the hostile string is not shown escaped", where)
		}
	}
	b := w.browser()
	p := b.signIn("ACME-HO12CD", goodPassword)
	check("organization choice", p.body)
	p = b.post("/organization", "org", itoa(org2))
	check("account", p.body)
	check("password page", b.get("/password").body)
	// An invitation naming the hostile organization, with the hostile right label.
	_, link, err := w.st.CreateInvitation(w.ctx, w.op, store.NewInvitation{OrgID: org2, Name: "Inv <script>alert(1)</script>",
		Email: "inv@example.com", Rights: []string{"reports.view"}, Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	check("invitation", w.browser().get(link).body)
	// The typed identifier comes back in the form, escaped too.
	check("refused sign-in", w.browser().signIn(hostile, "x").body)
	_ = id
}

func TestSessionCookieRotatesAndIsHostOnlyOverHTTPS(t *testing.T) {
	w := newWorld(t, "")
	w.user("ACME-RO12CD", "rot@example.com", "Ro Tate", goodPassword)
	b := w.browser()
	b.signIn("ACME-RO12CD", goodPassword)
	first, err := b.cookie("gh_session")
	if err != nil {
		t.Fatal(err)
	}
	b.signIn("ACME-RO12CD", goodPassword)
	second, _ := b.cookie("gh_session")
	if first == second || w.int(`SELECT count(*) FROM sessions WHERE ended_at IS NULL`) != 1 {
		t.Fatal("signing in again must replace the session, not add one")
	}
	if _, err := w.st.PortalSession(w.ctx, first); err == nil {
		t.Fatal("the first session still works")
	}

	// Over https: Secure, __Host-, no Domain, Path=/.
	clk := &clock{}
	srv := httptest.NewUnstartedServer(nil)
	base := "https://" + srv.Listener.Addr().String()
	st := storetest.New(t, func(c *store.Config) { c.PortalURL = base; c.Now = clk.Now })
	srv.Config.Handler = portal.New(st, portal.Config{PublicURL: base, Logger: slog.New(slog.DiscardHandler)})
	srv.StartTLS()
	defer srv.Close()
	org := storetest.Org(t, st, "acme", "Acme")
	uid := storetest.User(t, st, "ACME-TL12CD", "tls@example.com", "T L S", time.Time{}, org)
	h, _ := store.HashPassword(w.ctx, goodPassword)
	if _, err := st.DB().Exec(`UPDATE users SET password_hash = $2 WHERE id = $1`, uid, h); err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, //nolint:gosec // the test's own server
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(base+"/login", url.Values{"username": {"ACME-TL12CD"}, "password": {goodPassword}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var sc string
	for _, v := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(v, "__Host-gh_session=") {
			sc = v
		}
	}
	for _, want := range []string{"Path=/", "HttpOnly", "Secure", "SameSite=Lax"} {
		if !strings.Contains(sc, want) {
			t.Fatalf("session cookie %q lacks %s", sc, want)
		}
	}
	if strings.Contains(sc, "Domain=") {
		t.Fatal("a __Host- cookie has no Domain")
	}
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Fatal("no HSTS over https")
	}
}

func TestMountedUnderAPrefix(t *testing.T) {
	w := newWorld(t, "/account-pages")
	w.user("ACME-PF12CD", "prefix@example.com", "Pre Fix", goodPassword)
	b := w.browser()
	p := b.get("/login")
	if !strings.Contains(p.body, `action="/account-pages/login"`) || !strings.Contains(p.body, `href="/account-pages/static/style.css"`) {
		t.Fatal("links must carry the prefix")
	}
	p = b.signIn("ACME-PF12CD", goodPassword)
	if !strings.HasSuffix(p.url, "/account-pages/account") {
		t.Fatalf("home under the prefix: %s", p.url)
	}
	resp, err := http.Get(strings.TrimSuffix(w.base, "/account-pages") + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTeapot {
		t.Fatal("the company's own pages must stay its own")
	}
	// E-mailed links carry the prefix too.
	b.post("/logout")
	b.post("/forgot", "username", "ACME-PF12CD")
	if link := w.lastLink("prefix@example.com"); !strings.HasPrefix(link, w.base+"/reset?token=") {
		t.Fatalf("link %s", link)
	}
}

func TestHealthz(t *testing.T) {
	w := newWorld(t, "")
	p := w.browser().do("GET", "/healthz", nil)
	if p.status != http.StatusOK || strings.TrimSpace(p.body) != "ok" {
		t.Fatalf("healthz: %d %q", p.status, p.body)
	}
}

func TestLanguages(t *testing.T) {
	w := newWorld(t, "")
	id := w.user("ACME-FR12CD", "fr@example.com", "Élodie Roy", goodPassword)
	b := w.browser()
	b.lang = "fr-CA,fr;q=0.9,en;q=0.5"
	w.mustSee(b.get("/login"), "Code d'usager ou courriel", "Mot de passe oublié\u00a0?")
	b.lang = "de-DE, en;q=0.7"
	w.mustSee(b.get("/login"), "Login code or e-mail")
	// The switch wins over the browser.
	p := b.get("/lang?to=fr&back=/forgot")
	if !strings.HasSuffix(p.url, "/forgot") {
		t.Fatalf("the switch goes back: %s", p.url)
	}
	w.mustSee(p, "Saisissez votre code d'usager ou votre adresse courriel")
	if p := b.get("/lang?to=en&back=https://evil.example/"); !strings.HasSuffix(p.url, "/login") {
		t.Fatalf("the switch must not redirect off the portal: %s", p.url)
	}
	// Signed in, the account's language.
	w.exec(`UPDATE users SET lang = 'fr' WHERE id = $1`, id)
	b2 := w.browser()
	w.mustSee(b2.signIn("ACME-FR12CD", goodPassword), "Votre compte", "Établissement")
}

func TestFrenchTypographyOfThePortal(t *testing.T) {
	for _, key := range portalKeys() {
		fr := i18n.T(i18n.FR, key)
		for _, p := range []string{" :", " ;", " ?", " !", "« ", " »"} {
			if strings.Contains(fr, p) {
				t.Errorf("%s: %q needs a non-breaking space in %q", key, p, fr)
			}
		}
		for _, word := range []string{"e-mail", "login", "organisation"} {
			if strings.Contains(strings.ToLower(fr), word) {
				t.Errorf("%s: %q is not in the glossary (courriel, code d'usager, établissement): %q", key, word, fr)
			}
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// portalKeys are the catalog entries of the portal and of the e-mails and events it causes.
func portalKeys() []string {
	var out []string
	for _, k := range i18n.Keys() {
		if strings.HasPrefix(k, "portal.") || k == "mail.password_changed.body" || k == "mail.totp_enrolled.body" ||
			k == "mail.reset.self.body" {
			out = append(out, k)
		}
	}
	return out
}
