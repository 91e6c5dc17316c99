package portal_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"gatehouse/model"
	"gatehouse/store"
)

// The journeys of the support pages in a real headless Chromium: the pages, their one script
// and their CSP as a browser applies them, the mail through the real SMTP server. One browser
// per test binary and one tab in it, lent to each test in turn with its cookies cleared (the
// tests do not run in parallel), reused from page to page.

var (
	browserOnce   sync.Once
	browserCtx    context.Context
	browserErr    error
	browserCancel func()
)

// chromiumPath finds Debian's chromium (or another Chromium-family browser).
func chromiumPath() (string, error) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("install chromium: apt-get install chromium (no chromium, chromium-browser or google-chrome on PATH)")
}

// sharedBrowser starts the one browser of this test binary (a new, empty profile).
func sharedBrowser(t testing.TB) context.Context {
	t.Helper()
	browserOnce.Do(func() {
		path, err := chromiumPath()
		if err != nil {
			browserErr = err
			return
		}
		profile, err := os.MkdirTemp("", "gatehouse-chromium-")
		if err != nil {
			browserErr = err
			return
		}
		opts := []chromedp.ExecAllocatorOption{
			chromedp.ExecPath(path),
			chromedp.UserDataDir(profile),
			chromedp.Headless,
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.NoFirstRun,
			chromedp.NoDefaultBrowserCheck,
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.Flag("disable-extensions", true),
			chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter,AutofillServerCommunication"),
			chromedp.Flag("password-store", "basic"),
			chromedp.Flag("lang", "en-US"),
			chromedp.Flag("window-size", "1024,768"),
			chromedp.Flag("mute-audio", true),
			chromedp.Flag("hide-scrollbars", true),
			chromedp.Flag("metrics-recording-only", true),
			chromedp.Flag("disable-default-apps", true),
		}
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelCtx := chromedp.NewContext(alloc)
		if err := chromedp.Do(ctx); err != nil { // starts the browser, with no deadline
			cancelCtx()
			cancelAlloc()
			os.RemoveAll(profile)
			browserErr = fmt.Errorf("start %s: %w (install chromium: apt-get install chromium)", path, err)
			return
		}
		browserCtx = ctx
		browserCancel = func() { cancelCtx(); cancelAlloc(); os.RemoveAll(profile) }
	})
	if browserErr != nil {
		t.Fatal(browserErr)
	}
	return browserCtx
}

// tab is the one page of the test binary, lent to one test at a time (the browser tests
// run one after the other): its cookies are cleared when a test takes it.
type tab struct {
	w   *world
	ctx context.Context
}

func (w *world) tab() *tab {
	w.t.Helper()
	bctx := sharedBrowser(w.t)
	// Each journey has a deadline of its own; the tab and the browser outlive it.
	ctx, cancel := context.WithTimeout(bctx, 90*time.Second)
	w.t.Cleanup(cancel)
	if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		w.t.Fatalf("clear the browser's cookies: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		w.t.Fatalf("blank the tab: %v", err)
	}
	return &tab{w: w, ctx: ctx}
}

func (tb *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.w.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		tb.w.t.Fatalf("%s: %v\n%s", what, err, tb.pageText())
	}
}

// open loads a URL (or a path of the portal) and waits for its main element.
func (tb *tab) open(target string) {
	tb.w.t.Helper()
	if strings.HasPrefix(target, "/") {
		target = tb.w.base + target
	}
	tb.do("open "+target, chromedp.Navigate(target), chromedp.WaitVisible(chromedp.CSS("main h1")))
}

// submit clicks a button that sends a form and waits for the page the browser lands on.
func (tb *tab) submit(sel string) {
	tb.w.t.Helper()
	if _, err := chromedp.RunResponse(tb.ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		tb.w.t.Fatalf("submit %s: %v\n%s", sel, err, tb.pageText())
	}
	tb.do("the next page", chromedp.WaitVisible(chromedp.CSS("main h1")))
}

// follow clicks a link and waits for the page.
func (tb *tab) follow(sel string) { tb.w.t.Helper(); tb.submit(sel) }

// fill sets a field's value (the form sends it as typed).
func (tb *tab) fill(id, value string) {
	tb.w.t.Helper()
	tb.do("fill "+id, chromedp.SetValue(chromedp.ID(id), value))
}

// typeIn types into a field key by key (after clearing it), as a person does: the page's
// script sees every keystroke.
func (tb *tab) typeIn(id, value string) {
	tb.w.t.Helper()
	tb.do("type into "+id, chromedp.Clear(chromedp.ID(id)), chromedp.SendKeys(chromedp.ID(id), value))
}

func (tb *tab) pageText() string {
	s, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		return "(page text unavailable: " + err.Error() + ")"
	}
	return s
}

func (tb *tab) location() string {
	tb.w.t.Helper()
	loc, err := chromedp.Run(tb.ctx, chromedp.Location())
	if err != nil {
		tb.w.t.Fatal(err)
	}
	return loc
}

// see fails unless every text is on the page.
func (tb *tab) see(texts ...string) {
	tb.w.t.Helper()
	body := tb.pageText()
	for _, s := range texts {
		if !strings.Contains(body, s) {
			tb.w.t.Fatalf("%q not on the page at %s:\n%s", s, tb.location(), body)
		}
	}
}

// at fails unless the browser is at this path of the portal (no query: no token).
func (tb *tab) at(path string) {
	tb.w.t.Helper()
	if loc := tb.location(); loc != tb.w.base+path {
		tb.w.t.Fatalf("at %s, want %s", loc, tb.w.base+path)
	}
}

// ruleState is the class the rules script gave to a password rule.
func (tb *tab) ruleState(rule string) string {
	tb.w.t.Helper()
	cls, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](
		`(document.querySelector('li[data-rule="`+rule+`"]') || {className: "missing"}).className`))
	if err != nil {
		tb.w.t.Fatal(err)
	}
	return cls
}

// words are the texts the journeys look for, per language.
type words struct {
	lang                                                   string
	switchTo                                               string // the language switch's text, "" to stay
	refusedPassword, tooShort, account, twoFAOn, signedOut string
	setUp2FA, failed, locked, forgot, sent, resetDone      string
	forcedTitle, passwordDone                              string
	right                                                  string // a right as the invitation page names it
}

var journeyWords = []words{
	{lang: "en", refusedPassword: "This password was refused", tooShort: "at least 15 characters (11 so far)",
		account: "Your account", twoFAOn: "Two-factor authentication is on.", signedOut: "You are signed out.",
		setUp2FA: "Set up two-factor authentication", failed: "Sign-in refused", forgot: "Forgot your password?",
		sent: "an e-mail with a link is on its way", resetDone: "Your new password is saved and your account is unlocked.",
		forcedTitle: "Choose your own password", passwordDone: "Your password was changed.",
		right: "View reports (reports.view)"},
	{lang: "fr", switchTo: "Français", refusedPassword: "Ce mot de passe a été refusé",
		tooShort: "au moins 15 caractères (11 pour l'instant)", account: "Votre compte",
		twoFAOn: "L'authentification à deux facteurs est activée.", signedOut: "Déconnexion effectuée.",
		setUp2FA: "Configurer l'authentification à deux facteurs", failed: "Connexion refusée",
		forgot: "Mot de passe oublié\u00a0?", sent: "un courriel contenant un lien vous a été envoyé",
		resetDone:   "Votre nouveau mot de passe est enregistré et votre compte est déverrouillé.",
		forcedTitle: "Choisissez votre propre mot de passe", passwordDone: "Votre mot de passe a été modifié.",
		right: "Consulter les rapports (reports.view)"},
}

// switchLanguage clicks the language switch when the journey is not in English.
func (tb *tab) switchLanguage(wd words) {
	tb.w.t.Helper()
	if wd.switchTo == "" {
		return
	}
	tb.follow(`a[hreflang="` + wd.lang + `"]`)
}

// TestBrowserJourneys runs every journey in both languages on one portal (their accounts
// apart), in the one tab of the test binary.
func TestBrowserJourneys(t *testing.T) {
	w := newWorld(t, "")
	t.Run("invitation to 2FA", func(t *testing.T) { invitationToTwoFactor(t, w.in(t)) })
	t.Run("locked out then reset", func(t *testing.T) { lockedOutThenReset(t, w.in(t)) })
	t.Run("forced change", func(t *testing.T) { forcedChangeAfterTemporaryPassword(t, w.in(t)) })
}

// invitationToTwoFactor: an invitation → the link of the e-mail → a password refused with its
// reason, then one accepted (twice) → signed in → 2FA set up → signed out.
func invitationToTwoFactor(t *testing.T, w *world) {
	for _, wd := range journeyWords {
		t.Run(wd.lang, func(t *testing.T) {
			w := w.in(t)
			email := "camille." + wd.lang + "@example.com"
			if _, _, err := w.st.CreateInvitation(w.ctx, w.op, store.NewInvitation{OrgID: w.org, Name: "Camille Roy",
				Email: email, Rights: []string{"reports.view", "billing.view"}, Lang: wd.lang}); err != nil {
				t.Fatal(err)
			}
			link := w.lastLink(email)
			tb := w.tab()
			tb.open(link)
			tb.at("/accept") // the token left the address bar
			tb.switchLanguage(wd)
			tb.see("Acme Industries", wd.right)

			// The rules tick as the password is typed (the script runs under the CSP).
			tb.typeIn("new-password", "password123")
			if st := tb.ruleState("length.min"); !strings.Contains(st, "fail") {
				t.Fatalf("length rule while typing a short password: %q", st)
			}
			tb.typeIn("confirm-password", "password123")
			if st := tb.ruleState("confirm"); !strings.Contains(st, "pass") {
				t.Fatalf("confirmation rule when both match: %q", st)
			}
			tb.submit(`main form button[type=submit]`)
			tb.see(wd.refusedPassword, wd.tooShort)

			pw := "orchid lantern meadow 2026"
			tb.fill("new-password", pw)
			tb.fill("confirm-password", pw)
			tb.submit(`main form button[type=submit]`)
			tb.see(wd.account, "Camille Roy", "Acme Industries")
			id := int64(w.int(`SELECT id FROM users WHERE lower(email) = $1 AND status = 'active'`, email))
			if w.int(`SELECT count(*) FROM sessions WHERE user_id = $1 AND ended_at IS NULL`, id) != 1 {
				t.Fatal("the new person is signed in with one session")
			}

			tb.follow(`a[href="/totp"]`)
			tb.submit(`main form button[type=submit]`)
			secret, err := chromedp.Run(tb.ctx, chromedp.Text(chromedp.CSS("code.secret")))
			if err != nil {
				t.Fatal(err)
			}
			if n, err := chromedp.Run(tb.ctx, chromedp.Evaluate[int](`document.querySelectorAll("figure.qr svg path").length`)); err != nil || n != 1 {
				t.Fatalf("the QR code is not drawn: %d, %v", n, err)
			}
			code, err := model.TOTPCode(strings.ReplaceAll(secret, " ", ""), w.clk.Now())
			if err != nil {
				t.Fatal(err)
			}
			tb.fill("code", code)
			tb.submit(`main form button[type=submit]`)
			tb.see(wd.twoFAOn)
			if w.int(`SELECT count(*) FROM users WHERE id = $1 AND totp_enabled`, id) != 1 {
				t.Fatal("2FA is not on")
			}
			tb.submit(`main form[action="/logout"] button`)
			tb.see(wd.signedOut)
			if w.int(`SELECT count(*) FROM sessions WHERE user_id = $1 AND ended_at IS NULL`, id) != 0 {
				t.Fatal("signed out, no session remains")
			}
			for _, m := range w.deliver() {
				if m.To == email && m.Subject == "" {
					t.Fatal("an e-mail without a subject")
				}
			}
		})
	}
}

// lockedOutThenReset: five wrong passwords → locked → forgot password → the link of the
// e-mail → a new password → signed in.
func lockedOutThenReset(t *testing.T, w *world) {
	for _, wd := range journeyWords {
		t.Run(wd.lang, func(t *testing.T) {
			w := w.in(t)
			email := "paul." + wd.lang + "@example.com"
			id := w.user("ACME-LB12C"+strings.ToUpper(wd.lang[:1]), email, "Paul Martin", goodPassword)
			w.exec(`UPDATE users SET lang = $2 WHERE id = $1`, id, wd.lang)
			tb := w.tab()
			tb.open("/login")
			tb.switchLanguage(wd)
			for i := 0; i < 5; i++ {
				tb.fill("username", " acme-lb12c"+wd.lang[:1]+" ")
				tb.fill("password", fmt.Sprintf("wrong guess %d", i))
				tb.submit(`main form button[type=submit]`)
				tb.see(wd.failed)
			}
			if w.int(`SELECT count(*) FROM users WHERE id = $1 AND locked_at IS NOT NULL`, id) != 1 {
				t.Fatal("five failures must lock the account")
			}
			tb.fill("username", email)
			tb.fill("password", goodPassword)
			tb.submit(`main form button[type=submit]`)
			tb.see(wd.failed) // locked: the same answer as a wrong password

			tb.follow(`a[href="/forgot"]`)
			tb.fill("username", email)
			tb.submit(`main form button[type=submit]`)
			tb.see(wd.sent)
			link := w.lastLink(email)
			tb.open(link)
			tb.at("/reset")
			pw := "granite harbour willow 77"
			tb.fill("new-password", pw)
			tb.fill("confirm-password", pw)
			tb.submit(`main form button[type=submit]`)
			tb.see(wd.resetDone, wd.account, "Paul Martin")
			if w.int(`SELECT count(*) FROM users WHERE id = $1 AND locked_at IS NULL AND failed_attempts = 0`, id) != 1 {
				t.Fatal("the reset must unlock the account")
			}
		})
	}
}

// forcedChangeAfterTemporaryPassword: an operator's temporary password signs in to the
// forced change, and only then to a session.
func forcedChangeAfterTemporaryPassword(t *testing.T, w *world) {
	for _, wd := range journeyWords {
		t.Run(wd.lang, func(t *testing.T) {
			w := w.in(t)
			email := "tina." + wd.lang + "@example.com"
			id := w.user("ACME-FB12C"+strings.ToUpper(wd.lang[:1]), email, "Tina Temp", goodPassword)
			w.exec(`UPDATE users SET lang = $2 WHERE id = $1`, id, wd.lang)
			temp, _, err := w.st.SetTemporaryPassword(w.ctx, w.op, id, w.version(id))
			if err != nil {
				t.Fatal(err)
			}
			tb := w.tab()
			tb.open("/login")
			tb.switchLanguage(wd)
			tb.fill("username", email)
			tb.fill("password", temp)
			tb.submit(`main form button[type=submit]`)
			tb.at("/password")
			tb.see(wd.forcedTitle)
			if w.int(`SELECT count(*) FROM sessions WHERE user_id = $1`, id) != 0 {
				t.Fatal("no session before the password is changed")
			}
			pw := "saffron tundra lantern 31"
			tb.fill("new-password", pw)
			tb.fill("confirm-password", pw)
			tb.submit(`main form button[type=submit]`)
			tb.see(wd.passwordDone, wd.account)
			if w.int(`SELECT count(*) FROM sessions WHERE user_id = $1 AND ended_at IS NULL`, id) != 1 {
				t.Fatal("one session after the change")
			}
		})
	}
}
