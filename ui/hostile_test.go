package ui

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"gatehouse/model"
	"gatehouse/model/safe"
	"gatehouse/store"
)

// Terminal injection: a database full of hostile text —
// escape sequences, C0/C1 controls, bidi and zero-width characters, 1 MB strings, combining
// storms — and every screen of the console opened on it. The frame must hold no control
// sequence but the console's own styling, no line wider than the window, and still the
// legitimate text.

// hostileBits are the attacks, each stored in names, e-mails, user agents, summaries...
var hostileBits = []struct{ what, s string }{
	{"csi-clear", "\x1b[2J\x1b[H"},
	{"sgr", "\x1b[31;1;5m"},
	{"osc0-title", "\x1b]0;pwned\x07"},
	{"osc2-title-st", "\x1b]2;pwned\x1b\\"},
	{"osc8-link", "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\"},
	{"osc52-clipboard", "\x1b]52;c;cm0gLXJmIH4=\x07"},
	{"dcs", "\x1bP1$r0m\x1b\\"},
	{"apc", "\x1b_Gf=100;AAAA\x1b\\"},
	{"raw-esc", "\x1b"},
	{"esc-reset", "\x1bc"},
	{"c1-csi", "\u009b2J"},
	{"c1-osc", "\u009d0;pwned\u009c"},
	{"c1-dcs-apc", "\u0090q\u009c\u009fx\u009c\u0085"},
	{"c0", "\x07\x08\r\v\f\x0e\x1f"},
	{"del", "\x7f\x7f"},
	{"bidi-override", "\u202eevil\u202c"},
	{"bidi-embed", "\u202a\u202b\u202d\u202c"},
	{"bidi-isolate", "\u2066\u2067\u2068x\u2069"},
	{"zero-width", "\u200b\u200c\u200d\u200e\u200f\ufeff"},
	{"combining-storm", "Z" + strings.Repeat("\u0301", 150)},
	{"wide", "東京👩🏽‍💻"},
}

// allHostile is every attack in one string.
func allHostile() string {
	var b strings.Builder
	for _, h := range hostileBits {
		b.WriteString(h.s)
		b.WriteString(" ")
	}
	return b.String()
}

// megabyte returns about 1 MB of hostile text: words and attacks, and one long word.
func megabyte(words bool) string {
	var b strings.Builder
	unit := allHostile()
	if !words {
		unit = strings.ReplaceAll(unit, " ", "")
	}
	for b.Len() < 1<<20 {
		b.WriteString(unit)
		if words {
			b.WriteString("lorem ipsum ")
		} else {
			b.WriteString("loremipsum")
		}
	}
	return b.String()
}

// unknownLogin is the longest hostile login the failures index takes (its rows hold the login,
// at most 8 kB each: a 1 MB login cannot come from the database).
func unknownLogin() string {
	var b strings.Builder
	for b.Len() < 6000 {
		b.WriteString(allHostile())
	}
	return "nobody" + b.String()
}

type hostileWorld struct {
	st      *store.Store
	op      model.Operator // support, registered
	acme    int64
	evil    int64
	victim  int64 // locked, sessions, events, audit rows; a ~200-character hostile name
	plainID int64 // a clean e-mail but a hostile name (the invite wizard's "taken" note)
	inv     store.Invitation
}

const (
	victimLogin = "VICT-00001"
	plainEmail  = "plain.person@example.org"
)

func victimName() string {
	n := "Victor \x1b]8;;http://evil.example\x1b\\Clicky\x1b]8;;\x1b\\ \u202eTAC\u202c \x1b[2J\u009b31m\u200b" + strings.Repeat("Ω", 130)
	if c := utf8.RuneCountInString(n); c > 200 {
		panic(fmt.Sprint("victim name too long: ", c))
	}
	return n
}

func seedHostile(t *testing.T) hostileWorld {
	t.Helper()
	st := newStore(t)
	f := fixture{t, st}
	ctx := context.Background()
	w := hostileWorld{st: st}
	w.op = registered(t, st, "sue", model.RoleSupport)
	w.acme = f.org("acme", "Acme Corp")
	w.evil = f.org("evil", "Evil \x1b]0;org\x07Org \u202egro\u202c \u009d2;t\u009c Z"+strings.Repeat("\u0301", 60))
	f.exec(`INSERT INTO rights (code, label, description) VALUES ('evil.right', $1, $2)`,
		"Evil \x1b[5mblink\x1b[0m right \u202e", strings.Repeat("desc \x1b]52;c;AAAA\x07 \u200b", 70))

	for i, h := range hostileBits {
		f.user(fmt.Sprintf("HOST-%03d", i), fmt.Sprintf("h%02d%s@example.org", i, h.s), fmt.Sprintf("Host%02d %s", i, h.s), w.acme, w.evil)
	}
	w.plainID = f.user("PLAIN-0001", plainEmail, "Plain \x1b]0;title\x07Person \u202eevil", w.acme)
	w.victim = f.user(victimLogin, "v\x1b]52;c;cm0=\x07ic\u202e@example.org", victimName(), w.acme, w.evil)
	f.exec(`INSERT INTO membership_rights (user_id, org_id, right_code) VALUES ($1, $2, 'evil.right')`, w.victim, w.evil)

	// Sessions and auth events with 1 MB user agents, inserted as a portal might.
	big := megabyte(true)
	f.exec(`INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, idle_expires_at, expires_at, ip, user_agent)
		VALUES ($1, $2, $3, $3, $4, $4, '203.0.113.7', $5)`, w.victim, model.HashToken("hostile-session"), testNow.Add(-time.Hour), testNow.Add(time.Hour), big)
	f.exec(`INSERT INTO auth_events (at, user_id, login, kind, reason, ip, user_agent)
		VALUES ($1, $2, $3, 'login_failure', 'bad_password', '203.0.113.9', $4)`, testNow.Add(-10*time.Minute), w.victim, victimLogin, big)
	f.exec(`INSERT INTO auth_events (at, user_id, login, kind, reason, ip, user_agent)
		VALUES ($1, NULL, $2, 'login_failure', 'unknown_login', '203.0.113.9', $3)`, testNow.Add(-9*time.Minute), unknownLogin(), allHostile())
	// And through the real login routine: hostile logins and user agents.
	for _, h := range hostileBits {
		_, err := st.Authenticate(ctx, store.AuthRequest{Login: "root" + h.s, Password: "x", IP: netip.MustParseAddr("198.51.100.66"), UserAgent: "curl " + h.s})
		if err != store.ErrAuthFailed {
			t.Fatalf("authenticate %s: %v", h.what, err)
		}
	}

	// Audit rows through store actions (summaries embed the reason and names) and as a
	// hostile writer could leave them (1 MB summaries, a hostile operator name).
	if _, err := st.UnlockUsers(ctx, w.op, []int64{w.victim}, "reason "+strings.Repeat("\x1b]0;x\x07\u202e", 10), false); err != nil {
		t.Fatal(err)
	}
	f.exec(`INSERT INTO audit_entries (operator_name, action, target_user_id, summary) VALUES ($1, 'user.update', $2, $3)`,
		"mallory\x1b[2J\u202e", w.victim, "one long word "+megabyte(false))
	f.exec(`INSERT INTO audit_entries (operator_name, action, target_user_id, summary) VALUES ('sue', 'user.update', $1, $2)`,
		w.victim, "payload-start "+big)

	// An invitation whose names were written by someone else.
	inv, _, err := st.CreateInvitation(ctx, w.op, store.NewInvitation{OrgID: w.evil, Name: "Ivy Invited", Email: "ivy@example.org", Rights: []string{"billing.view"}})
	if err != nil {
		t.Fatal(err)
	}
	f.exec(`UPDATE invitations SET name = $2, invited_by_name = $3 WHERE id = $1`, inv.ID, "Ivy "+strings.Repeat("\x1b[31m\u202e", 20), "sue"+big)
	w.inv = inv

	// Everyone hostile is locked now, after failures from one IP.
	f.exec(`UPDATE users SET locked_at = $1, lock_reason = 'threshold', failed_attempts = 9, last_failed_at = $1,
		last_failed_ip = '203.0.113.9' WHERE login_code LIKE 'HOST-%' OR login_code = $2`, testNow.Add(-5*time.Minute), victimLogin)
	return w
}

// frameProblem returns what is wrong with a frame of w×h cells drawn with the Ascii profile
// (no escape at all) or, when sgrOK, with colours (SGR sequences only); "" if nothing.
func frameProblem(v string, w, h int, sgrOK bool) string {
	if !utf8.ValidString(v) {
		return "invalid UTF-8"
	}
	lines := strings.Split(v, "\n")
	if len(lines) > h {
		return fmt.Sprintf("%d lines, window has %d", len(lines), h)
	}
	for i, l := range lines {
		if cw := ansi.StringWidth(l); cw > w || safe.Width(l) > w {
			return fmt.Sprintf("line %d is %d cells wide, window has %d: %q", i, cw, w, l)
		}
	}
	for i := 0; i < len(v); {
		r, size := utf8.DecodeRuneInString(v[i:])
		switch {
		case r == 0x1b:
			if !sgrOK {
				return fmt.Sprintf("ESC at byte %d: %q", i, around(v, i))
			}
			j := i + 1
			if j >= len(v) || v[j] != '[' {
				return fmt.Sprintf("non-CSI escape at byte %d: %q", i, around(v, i))
			}
			j++
			for j < len(v) && (v[j] >= '0' && v[j] <= '9' || v[j] == ';' || v[j] == ':') {
				j++
			}
			if j >= len(v) || v[j] != 'm' {
				return fmt.Sprintf("escape other than SGR at byte %d: %q", i, around(v, i))
			}
			i = j + 1
			continue
		case r < 0x20 && r != '\n', r == 0x7f, r >= 0x80 && r <= 0x9f,
			r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r >= 0x200b && r <= 0x200f, r == 0xfeff:
			return fmt.Sprintf("rune %U at byte %d: %q", r, i, around(v, i))
		}
		i += size
	}
	return ""
}

func around(v string, i int) string {
	return v[max(0, i-40):min(len(v), i+40)]
}

// tourStop is called at each screen state of the tour with the texts it should show.
type tourStop func(stop string, want ...string)

// hostileTour opens every screen and its panes, dialogs and steps on the hostile world.
func hostileTour(h *harness, w hostileWorld, stop tourStop) {
	h.t.Helper()
	command := func(name string) {
		h.keys(":")
		h.typeText(name)
		h.keys("enter")
	}

	// Users: the list, then a search that lists the hostile rows.
	stop("users", "Users", "HOST-000")
	h.keys("/")
	h.typeText("host")
	h.keys("enter")
	stop("users/search", "Host00", "HOST-001")
	h.keys("esc")

	// User detail of the victim: form, focused name field, password panel, dialogs.
	h.send(navigateMsg{Screen: "user", Arg: w.victim})
	stop("user", "Profile", victimLogin, "Victor", "Clicky", "Evil", "Organizations and rights")
	h.keys("tab")
	stop("user/name-focused", victimLogin, "Victor")
	h.keys("shift+tab")
	h.keys("p")
	stop("user/password", "New password for Victor")
	h.keys("esc")
	h.keys("d")
	stop("user/confirm-disable", "Victor")
	h.keys("n")
	h.keys("D")
	stop("user/delete-prompt", "example.org")
	h.keys("esc")
	h.keys("u")
	stop("user/unlock-prompt", victimLogin)
	h.keys("esc")
	h.keys("esc")

	// The plain user (hostile name, clean e-mail).
	h.send(navigateMsg{Screen: "user", Arg: w.plainID})
	stop("user/plain", "PLAIN-0001", "Plain", "Person")
	h.keys("esc")

	// Lockouts: locked now, failures, IPs, the failures of one IP, a timeline, the prompt.
	command("lockouts")
	stop("lockouts/locked", "Lockouts", "Locked now", "HOST-0")
	h.keys("2")
	stop("lockouts/failures", "203.0.113.9")
	h.keys("3")
	stop("lockouts/ips", "203.0.113.9", "198.51.100.66")
	h.keys("enter")
	stop("lockouts/ip-failures")
	h.keys("esc", "1", "enter")
	stop("lockouts/timeline")
	h.keys("u")
	stop("lockouts/unlock-prompt")
	h.keys("esc", "esc", "space", "u")
	stop("lockouts/unlock-prompt-selection")
	h.keys("esc", "esc")
	command("users")

	// Invitations: the list and the revoke question.
	command("invitations")
	stop("invitations", "Invitations", "ivy@example.org")
	h.keys("d")
	stop("invitations/revoke", "ivy@example.org")
	h.keys("n")
	command("users")

	// Invite wizard: the new-person path with the e-mail of an account (its name shown), then
	// the existing-user path with a hostile user picked, a hostile organization and right.
	command("invite")
	stop("invite/who", "Invite")
	h.typeText("Someone New")
	h.keys("tab")
	h.typeText(plainEmail)
	stop("invite/who-taken", "PLAIN-0001")
	h.keys("shift+tab", "shift+tab", "space", "tab")
	stop("invite/existing", "HOST-000")
	h.typeText("plain")
	h.keys("enter")
	stop("invite/picked", "Plain", "Person")
	h.typeText("evil")
	stop("invite/org", "evil")
	h.keys("enter")
	stop("invite/rights", "Evil")
	for i := 0; i < 8; i++ {
		h.keys("space") // ticks and moves on: every right
	}
	h.keys("enter")
	stop("invite/review", "PLAIN-0001", "Evil")
	h.keys("enter")
	stop("invite/done", "Invitation #", "Plain", "Person")
	h.keys("esc")
	command("users")

	// Audit: the list, each row in full.
	command("audit")
	stop("audit", "Audit", "user.update", "user.unlock", "invitation.create")
	h.keys("/")
	h.typeText("user.update")
	h.keys("enter", "enter")
	stop("audit/detail-1", "payload-start", victimLogin)
	h.keys("down")
	stop("audit/detail-2", "one long word", "mallory")
	h.keys("esc", "x", "/")
	h.typeText("user.unlock")
	h.keys("enter", "enter")
	stop("audit/detail-3", "reason", victimLogin)
	h.keys("esc", "x", "/")
	h.typeText("op:mallory")
	h.keys("enter")
	stop("audit/filtered", "mallory")
	h.keys("?")
	stop("audit/help", "Keys")
	h.keys("esc")
}

func TestHostileDataEveryScreenAscii(t *testing.T) {
	for _, size := range [][2]int{{100, 30}, {220, 70}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			w := seedHostile(t)
			h := newHarness(t, w.st, w.op, size[0], size[1])
			hostileTour(h, w, func(stop string, want ...string) {
				t.Helper()
				v := h.view()
				if p := frameProblem(v, size[0], size[1], false); p != "" {
					t.Fatalf("%s: %s\n%s", stop, p, v)
				}
				for _, s := range want {
					if !strings.Contains(v, s) {
						t.Fatalf("%s: %q not shown:\n%s", stop, s, v)
					}
				}
			})
		})
	}
}

// With a real colour profile the console's own styling is SGR only: every ESC in the frame
// starts ESC [ … m; nothing from the database adds another sequence.
func TestHostileDataEveryScreenColourIsSGROnly(t *testing.T) {
	w := seedHostile(t)
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI256)
	app := NewApp(context.Background(), w.st, w.op, Options{Lang: "en", DBLabel: "test"}, r)
	const W, H = 160, 50
	h := &harness{t: t, app: app, st: w.st, hl: newHeadless(app, W, H)}
	styled := false
	hostileTour(h, w, func(stop string, want ...string) {
		t.Helper()
		v := h.view()
		if p := frameProblem(v, W, H, true); p != "" {
			t.Fatalf("%s: %s\n%q", stop, p, v)
		}
		styled = styled || strings.Contains(v, "\x1b[")
		plain := ansi.Strip(v)
		for _, s := range want {
			if !strings.Contains(plain, s) {
				t.Fatalf("%s: %q not shown:\n%s", stop, s, plain)
			}
		}
	})
	if !styled {
		t.Fatal("no styling at all: the ANSI256 profile was not used")
	}
}

// wrapCells lays out an audit summary (database text) in the detail view: every character
// kept, in order, no line wider than asked, at any length (BenchmarkWrapCells times it).
func TestWrapCellsKeepsEverythingWithinWidth(t *testing.T) {
	cases := []string{
		strings.Repeat("a", 11),
		strings.Repeat("a", 77),
		"short words then " + strings.Repeat("x", 35) + " end",
		strings.Repeat("東", 30),
		strings.Repeat("é", 40) + "Z" + strings.Repeat("\u0301", 500),
		safe.Text(megabyte(false)),
		safe.Text(megabyte(true)),
	}
	for i, text := range cases {
		for _, w := range []int{10, 11, 76, 200} {
			lines := wrapCells(text, w)
			for _, l := range lines {
				if cw := safe.Width(l); cw > w {
					t.Fatalf("case %d, width %d: line of %d cells: %q", i, w, cw, l)
				}
			}
			strip := func(s string) string { return strings.Join(strings.Fields(s), "") }
			if got, want := strip(strings.Join(lines, " ")), strip(text); got != want {
				t.Fatalf("case %d, width %d: text changed (%d bytes, want %d)\n got %.200q\nwant %.200q", i, w, len(got), len(want), got, want)
			}
		}
	}
}

// BenchmarkWrapCells times the detail view's layout of 1 MB of sanitized hostile text, with and
// without spaces.
func BenchmarkWrapCells(b *testing.B) {
	for _, words := range []bool{false, true} {
		text := safe.Text(megabyte(words))
		b.Run(fmt.Sprintf("words=%v", words), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				_ = wrapCells(text, 76)
			}
		})
	}
}

// A summary holding one word a cell longer than the detail view's line (a long e-mail, a URL)
// opened the Audit detail into a panic (slice bounds out of range in wrapCells).
func TestAuditDetailWordJustLongerThanTheLine(t *testing.T) {
	st := newStore(t)
	op := registered(t, st, "sue", model.RoleSupport)
	for _, n := range []int{75, 76, 77, 78} {
		fixture{t, st}.exec(`INSERT INTO audit_entries (operator_name, action, summary) VALUES ('sue', 'user.update', $1)`,
			fmt.Sprintf("w%02d ", n)+strings.Repeat("x", n))
	}
	h := newHarness(t, st, op, 80, 24)
	h.keys(":")
	h.typeText("audit")
	h.keys("enter", "enter")
	for i := 0; i < 4; i++ {
		v := h.view()
		if p := frameProblem(v, 80, 24, false); p != "" {
			t.Fatalf("row %d: %s\n%s", i, p, v)
		}
		if got := strings.Count(v, "x"); got < 75 {
			t.Fatalf("row %d: %d of the word's characters shown:\n%s", i, got, v)
		}
		h.keys("down")
	}
}
