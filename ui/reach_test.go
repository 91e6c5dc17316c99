package ui

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"gatehouse/model"
	"gatehouse/model/i18n"
	"gatehouse/model/safe"
	"gatehouse/store"
)

// Everything reachable at 80×24: on every registered screen, the full help scrolls through
// every key the screen offers (and every key it lists as not offered, with the reason), and
// the body scrolls to its last row or section, with more rows than fit. A screen that cannot
// yet is listed as a known gap: its check runs and must still fail (when it passes, the gap
// is closed and its entry must say so).

// reachWorld is a database with more of everything than 80×24 shows.
type reachWorld struct {
	st       *store.Store
	op       model.Operator // support, registered
	oncall   model.Operator
	userID   int64 // REACH-0007: sessions and recent events below its form
	sessions []string
}

const (
	reachUsers    = 42 // REACH-0000 … REACH-0041, "Reach User 00" … (name order is code order)
	reachLocked   = 25 // REACH-0000 … REACH-0024, the most recently locked first
	reachOrgs     = 12 // "Reach Org 00" … "Reach Org 11"
	reachRights   = 8  // zz.reach.01 … zz.reach.08 after the catalog's six
	reachInvites  = 30 // "Invitee 00" (the oldest) … "Invitee 29"
	reachMails    = 40 // "mail00@example.org" (the oldest, failed) … "mail39@example.org"
	reachAudit    = 40 // reach-audit-00 (the oldest row, with a long summary) … reach-audit-39
	reachLoneIP   = "203.0.113.254"
	reachOldestTL = "192.0.2.129" // the oldest event of REACH-0000's timeline
	reachOldestEv = "198.18.0.12" // the oldest of REACH-0007's recent events
	reachSumEnd   = "reach-summary-end"
	reachPresses  = 250 // more than the rows of any list here (the users, with the invited ones)
)

func seedReach(t *testing.T) reachWorld {
	t.Helper()
	st := newStore(t)
	f := fixture{t, st}
	ctx := context.Background()
	// The audit rows first: reach-audit-00 is then the oldest row of the log.
	for i := 0; i < reachAudit; i++ {
		summary := fmt.Sprintf("reach-audit-%02d", i)
		if i == 0 {
			summary += " " + strings.Repeat("lorem ipsum ", 120) + reachSumEnd
		}
		f.exec(`INSERT INTO audit_entries (operator_name, action, summary) VALUES ('seed', 'user.update', $1)`, summary)
	}
	w := reachWorld{st: st}
	w.op = registered(t, st, "sue", model.RoleSupport)
	w.oncall = registered(t, st, "olga", model.RoleOncall)
	var orgs []int64
	for i := 0; i < reachOrgs; i++ {
		orgs = append(orgs, f.org(fmt.Sprintf("reach-%02d", i), fmt.Sprintf("Reach Org %02d", i)))
	}
	for i := 0; i < reachRights; i++ {
		f.exec(`INSERT INTO rights (code, label, description) VALUES ($1, $2, 'A right of the reach test')`,
			fmt.Sprintf("zz.reach.%02d", i+1), fmt.Sprintf("Reach right %02d", i+1))
	}
	ids := make([]int64, reachUsers)
	for i := range ids {
		ids[i] = f.user(fmt.Sprintf("REACH-%04d", i), fmt.Sprintf("reach%02d@example.org", i), fmt.Sprintf("Reach User %02d", i), orgs[0])
	}
	for i := 0; i < reachLocked; i++ {
		f.exec(`UPDATE users SET locked_at = $2, lock_reason = 'threshold', failed_attempts = 5 WHERE id = $1`,
			ids[i], testNow.Add(-time.Duration(i)*time.Minute))
	}
	// Failed logins of the last hour: two from each of 30 addresses, and the oldest one alone
	// from reachLoneIP (so the last of the failures and the last of the addresses).
	event := func(at time.Time, user *int64, login, kind, reason, ip, ua string) {
		f.exec(`INSERT INTO auth_events (at, user_id, login, kind, reason, ip, user_agent) VALUES ($1, $2, $3, $4, NULLIF($5, ''), $6, $7)`,
			at, user, login, kind, reason, ip, ua)
	}
	event(testNow.Add(-50*time.Minute), nil, "nobody-lone", "login_failure", "unknown_login", reachLoneIP, "curl")
	for i := 1; i <= 30; i++ {
		for j := 0; j < 2; j++ {
			event(testNow.Add(-time.Duration(2*i+j)*10*time.Second), nil, fmt.Sprintf("nobody-%02d", i), "login_failure", "unknown_login",
				fmt.Sprintf("203.0.113.%d", i), "curl")
		}
	}
	// REACH-0000's timeline: 30 logins, older than the failures' window.
	for k := 0; k < 30; k++ {
		event(testNow.Add(-3*time.Hour-time.Duration(k)*time.Minute), &ids[0], "REACH-0000", "login_success", "",
			fmt.Sprintf("192.0.2.%d", 100+k), "Firefox")
	}
	// REACH-0007: six open sessions and twelve recent logins under its form.
	w.userID = ids[7]
	for k := 0; k < 6; k++ {
		ua := fmt.Sprintf("reach-session-%d", k)
		w.sessions = append(w.sessions, ua)
		f.exec(`INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, idle_expires_at, expires_at, ip, user_agent)
			VALUES ($1, $2, $3, $3, $4, $4, '203.0.113.77', $5)`, w.userID, model.HashToken(ua), testNow.Add(-time.Duration(k+1)*time.Hour),
			testNow.Add(time.Hour), ua)
	}
	for k := 1; k <= 12; k++ {
		event(testNow.Add(-4*time.Hour-time.Duration(k)*time.Minute), &w.userID, "REACH-0007", "login_success", "",
			fmt.Sprintf("198.18.0.%d", k), "Firefox")
	}
	for i := 0; i < reachInvites; i++ {
		inv, _, err := st.CreateInvitation(ctx, w.op, store.NewInvitation{OrgID: orgs[1], Name: fmt.Sprintf("Invitee %02d", i),
			Email: fmt.Sprintf("inv%02d@example.org", i), Rights: []string{"billing.view"}})
		if err != nil {
			t.Fatal(err)
		}
		f.exec(`UPDATE invitations SET created_at = $2 WHERE id = $1`, inv.ID, testNow.Add(-time.Duration(reachInvites-i)*time.Minute))
	}
	// Failed e-mails, more than fit, after the invitations' (pending): the first invitation's
	// is the Outbox's last row.
	for i := 0; i < reachMails; i++ {
		f.exec(`INSERT INTO outbox (kind, user_id, recipient, subject, body, message_id, status, attempts, last_error, created_at)
			VALUES ('notice', $1, $2, 'notice', 'x', $3, 'failed', 1, 'SMTP RCPT: 550 mailbox unavailable', $4)`,
			ids[1], fmt.Sprintf("mail%02d@example.org", i), fmt.Sprintf("<reach-%d@x>", i), testNow.Add(-time.Duration(reachMails-i)*time.Minute))
	}
	return w
}

// bodyCheck is one end of a screen's body to reach at 80×24: from the screen as opened, prep
// puts it where the check starts; then each key of keys is pressed again and again until
// every text of want has been shown.
type bodyCheck struct {
	what string
	prep func(h *harness)
	keys []string
	want []string
	// gap: the body cannot reach want at 80×24 yet. The check still runs and must fail; set
	// gap to false when the screen reaches it (the test says so when it does).
	gap bool
}

// reachScreen is one registered screen: how to open it from the Users screen, how to get out
// of a text field that has the focus when it opens (where ? is a character), and its body's
// ends.
type reachScreen struct {
	open    func(h *harness)
	unfocus []string
	body    []bodyCheck
}

func reachScreens(w reachWorld) map[string]reachScreen {
	lastLocked := fmt.Sprintf("REACH-%04d", reachLocked-1)
	invite := func(h *harness) {
		h.typeText("Reach Person")
		h.keys("tab")
		h.typeText("reach.person@example.org")
		h.keys("tab")
	}
	toRights := func(h *harness) {
		invite(h)
		h.keys("enter") // the first organization
	}
	return map[string]reachScreen{
		"users": {open: func(h *harness) {}, body: []bodyCheck{
			{what: "the last user", keys: []string{"pgdown", "G"}, want: []string{fmt.Sprintf("REACH-%04d", reachUsers-1)}},
			{what: "the last user, row by row", keys: []string{"j"}, want: []string{fmt.Sprintf("REACH-%04d", reachUsers-1)}},
		}},
		"user": {open: func(h *harness) { h.send(navigateMsg{Screen: "user", Arg: w.userID}) }, body: []bodyCheck{
			// tab moves the focus onto the sessions pane, then the events pane; each pages
			// within itself.
			{what: "the open sessions and the recent auth events", keys: []string{"tab", "pgdown", "G"},
				want: append([]string{reachOldestEv}, w.sessions...)},
		}},
		"lockouts": {open: func(h *harness) { h.send(navigateMsg{Screen: "lockouts"}) }, body: []bodyCheck{
			{what: "the account locked first", keys: []string{"pgdown", "G"}, want: []string{lastLocked}},
			{what: "the oldest failure", prep: func(h *harness) { h.keys("2") }, keys: []string{"pgdown", "G"}, want: []string{reachLoneIP}},
			{what: "the last address", prep: func(h *harness) { h.keys("3") }, keys: []string{"j"}, want: []string{reachLoneIP}},
			{what: "the oldest event of a timeline", prep: func(h *harness) { h.keys("enter") }, keys: []string{"pgdown", "G"},
				want: []string{reachOldestTL}},
		}},
		"outbox": {open: func(h *harness) { h.send(navigateMsg{Screen: "outbox"}) }, body: []bodyCheck{
			{what: "the oldest e-mail (the first invitation's)", keys: []string{"pgdown", "G"}, want: []string{"<inv00@example.org>"}},
		}},
		"invitations": {open: func(h *harness) { h.send(navigateMsg{Screen: "invitations"}) }, body: []bodyCheck{
			{what: "the oldest invitation", keys: []string{"pgdown", "G"}, want: []string{"Invitee 00"}},
		}},
		"audit": {open: func(h *harness) { h.send(navigateMsg{Screen: "audit"}) }, body: []bodyCheck{
			{what: "the oldest row", keys: []string{"pgdown", "G"}, want: []string{"reach-audit-00"}},
			// Known gap: a row shown in full is cut at the window's height (its long summary
			// and the hint under it).
			{what: "the end of a long summary", prep: func(h *harness) {
				reach(h, []string{"pgdown", "G"}, []string{"reach-audit-00"})
				h.keys("G", "enter")
			}, keys: []string{"pgdown", "j"}, want: []string{reachSumEnd}, gap: true},
		}},
		"invite": {open: func(h *harness) { h.send(navigateMsg{Screen: "invite"}) }, unfocus: []string{"shift+tab"}, body: []bodyCheck{
			{what: "the last organization", prep: invite, keys: []string{"down"}, want: []string{fmt.Sprintf("Reach Org %02d", reachOrgs-1)}},
			{what: "the last right", prep: toRights, keys: []string{"down"}, want: []string{fmt.Sprintf("Reach right %02d", reachRights)}},
			{what: "the review's send line with every right chosen", prep: func(h *harness) {
				toRights(h)
				for i := 0; i < 6+reachRights; i++ {
					h.keys("space", "down")
				}
				h.keys("enter")
			}, keys: []string{"pgdown", "j"}, want: []string{"enter: send the invitation"}},
		}},
	}
}

// reach presses each key again and again (at most reachPresses times) until every text of
// want has been shown; it returns what never was. Every frame must fit the window. (A frame
// that does not change is no end: in these frames, drawn without colours, the cursor row
// looks like any other.)
func reach(h *harness, keys, want []string) []string {
	h.t.Helper()
	w, ht := h.app.c.width, h.app.c.height
	seen := map[string]bool{}
	look := func() string {
		v := h.view()
		if p := frameProblem(v, w, ht, false); p != "" {
			h.t.Fatalf("%s\n%s", p, v)
		}
		for _, s := range want {
			seen[s] = seen[s] || strings.Contains(v, s)
		}
		return v
	}
	missing := func() []string {
		var out []string
		for _, s := range want {
			if !seen[s] {
				out = append(out, s)
			}
		}
		return out
	}
	look()
	for _, k := range keys {
		for i := 0; i < reachPresses && len(missing()) > 0; i++ {
			h.keys(k)
			look()
		}
	}
	return missing()
}

func TestEveryScreenBodyReachableAt80x24(t *testing.T) {
	w := seedReach(t)
	table := reachScreens(w)
	for _, name := range screenNamesSorted() {
		sc, ok := table[name]
		if !ok {
			t.Errorf("screen %q is registered but reach_test.go does not know it: add it to reachScreens (how to open it, and the last row or section of its body)", name)
			continue
		}
		for _, chk := range sc.body {
			t.Run(name+"/"+chk.what, func(t *testing.T) {
				h := newHarness(t, w.st, w.op, 80, 24)
				sc.open(h)
				if chk.prep != nil {
					chk.prep(h)
				}
				missing := reach(h, chk.keys, chk.want)
				switch {
				case chk.gap && len(missing) == 0:
					t.Errorf("%s, %s: reachable at 80×24 now: set gap to false in its reachScreens entry", name, chk.what)
				case chk.gap:
					t.Logf("known gap, %s: %s (%q) not reachable at 80×24 with %v:\n%s", name, chk.what, missing, chk.keys, h.view())
				case len(missing) > 0:
					t.Errorf("%s: pressing %v never shows %q:\n%s", chk.what, chk.keys, missing, h.view())
				}
			})
		}
	}
}

func screenNamesSorted() []string {
	var names []string
	for n := range screens {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// reachHarness is a console at w×h in a language, for op (read-only when ro).
func reachHarness(t *testing.T, st *store.Store, op model.Operator, lang string, ro bool, w, h int) *harness {
	t.Helper()
	app := NewApp(context.Background(), st, op, Options{Lang: lang, DBLabel: "test", ReadOnly: ro}, asciiRenderer())
	return &harness{t: t, app: app, st: st, hl: newHeadless(app, w, h)}
}

// helpFrames opens the help and scrolls it down line by line to its end, then closes it; it
// returns every frame shown and the bindings the help had to list.
func helpFrames(t *testing.T, h *harness) ([]string, []helpEntry) {
	t.Helper()
	groups := append(h.app.active().FullHelp(), globalHelp(h.app.c.keys))
	var offered []helpEntry
	for _, g := range groups {
		for _, b := range g {
			hk := b.Help()
			e := helpEntry{key: keyName(h.app.c.lang, hk.Key), desc: hk.Desc, disabled: !b.Enabled()}
			// A binding disabled without a reason is not the session's to know about (a
			// state, or a path not taken); one with a reason must be listed with it.
			if !e.disabled || strings.Contains(e.desc, reasonSep) {
				offered = append(offered, e)
			}
		}
	}
	h.keys("?")
	if !h.app.showHelp {
		t.Fatalf("? did not open the help:\n%s", h.view())
	}
	frames := []string{h.view()}
	for i := 0; i < 300; i++ {
		h.keys("j")
		v := h.view()
		if v == frames[len(frames)-1] {
			break
		}
		frames = append(frames, v)
	}
	for _, v := range frames {
		if p := frameProblem(v, h.app.c.width, h.app.c.height, false); p != "" {
			t.Fatalf("help: %s\n%s", p, v)
		}
	}
	h.keys("esc")
	if h.app.showHelp {
		t.Fatal("esc did not close the help")
	}
	return frames, offered
}

// shownAfter reports whether some frame shows head followed by the words of tail (a
// description wrapped under itself reads on, on the next lines).
func shownAfter(frames []string, head, tail string) bool {
	want := strings.Join(strings.Fields(tail), " ")
	for _, f := range frames {
		for rest := f; ; {
			i := strings.Index(rest, head)
			if i < 0 {
				break
			}
			rest = rest[i+len(head):]
			if strings.HasPrefix(strings.Join(strings.Fields(rest), " "), want) {
				return true
			}
		}
	}
	return false
}

func footer(v string) string { return v[strings.LastIndex(v, "\n")+1:] }

func TestEveryScreenHelpReachableAt80x24(t *testing.T) {
	w := seedReach(t)
	table := reachScreens(w)
	sessions := []struct {
		name string
		op   model.Operator
		lang string
		ro   bool
	}{
		{"support", w.op, "en", false},
		{"read-only oncall, French", w.oncall, "fr", true}, // every action disabled, with long reasons
	}
	for _, sess := range sessions {
		for _, name := range screenNamesSorted() {
			t.Run(sess.name+"/"+name, func(t *testing.T) {
				h := reachHarness(t, w.st, sess.op, sess.lang, sess.ro, 80, 24)
				if sc, ok := table[name]; ok {
					sc.open(h)
					h.keys(sc.unfocus...)
				} else {
					h.send(navigateMsg{Screen: name}) // the body test asks for an entry
				}
				frames, offered := helpFrames(t, h)
				lang := i18n.Parse(sess.lang)
				all := strings.Join(frames, "\n")
				for _, e := range offered {
					own, reason, _ := strings.Cut(e.desc, reasonSep)
					head := safe.Pad(e.key, keyColumn(offered)-1) + " " + own
					switch {
					case !strings.Contains(all, head):
						t.Errorf("%s: %q never shown in the help:\n%s", name, head, all)
					case reason != "" && !shownAfter(frames, head+strings.TrimRight(reasonSep, " "), reason):
						t.Errorf("%s: %q is not shown with its reason %q:\n%s", name, head, reason, all)
					}
				}
				if len(frames) > 1 {
					first, last := footer(frames[0]), footer(frames[len(frames)-1])
					if !strings.HasPrefix(first, "1/") || !strings.Contains(first, i18n.T(lang, "help.more")) {
						t.Errorf("%s: the help's first page does not say more follows: %q", name, first)
					}
					if !strings.Contains(last, i18n.T(lang, "help.end")) {
						t.Errorf("%s: the help's last page does not say it is the end: %q", name, last)
					}
				}
			})
		}
	}
}

// The help opens at its top again, pages with pgdn/pgup, jumps with G/g, keeps its place
// across a resize, and q closes it without leaving the screen.
func TestHelpPagesAndCloses(t *testing.T) {
	w := seedReach(t)
	h := reachHarness(t, w.st, w.oncall, "fr", true, 80, 24)
	h.keys("?")
	h.mustShow("1/3", "↓ suite", "↑/k       haut")
	h.mustNotShow("u         déverrouiller la sélection —")
	h.keys("pgdown")
	h.mustShow("2/3", "u         déverrouiller la sélection — Session en lecture seule : rien ne")
	h.keys("G")
	h.mustShow("fin", "ctrl+c    quitter")
	h.mustNotShow("↑/k       haut")
	h.send(tea.WindowSizeMsg{Width: 80, Height: 30})
	h.mustShow("ctrl+c    quitter")
	h.send(tea.WindowSizeMsg{Width: 200, Height: 60}) // everything fits: one page, no position
	h.mustShow("↑/k       haut", "ctrl+c    quitter", "échap/? fermer")
	h.mustNotShow("↓ suite", "1/")
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	h.keys("g")
	h.mustShow("↑/k       haut")
	h.keys("q")
	if h.app.showHelp || len(h.app.stack) != 1 {
		t.Fatal("q did not just close the help")
	}
	h.keys("?")
	h.mustShow("↑/k       haut", "1/") // opens at the top again
	h.keys("?")
	if h.app.showHelp {
		t.Fatal("? did not close the help")
	}
}

// At 20×5 (too small to draw) and back, with the help open on every screen: no panic, no
// frame larger than the window.
func TestEveryScreenHelpAtTinySizes(t *testing.T) {
	w := seedReach(t)
	table := reachScreens(w)
	for _, name := range screenNamesSorted() {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, w.st, w.op, 20, 5)
			if sc, ok := table[name]; ok {
				sc.open(h)
				h.keys(sc.unfocus...)
			} else {
				h.send(navigateMsg{Screen: name})
			}
			h.keys("?")
			for _, k := range []string{"j", "pgdown", "G", "k", "pgup", "g", "G"} {
				h.keys(k)
				sizeCheck(t, h, name+" help, "+k)
			}
			for _, size := range [][2]int{{80, 24}, {1, 1}, {20, 5}, {80, 24}} {
				h.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
				sizeCheck(t, h, fmt.Sprintf("%s help at %dx%d", name, size[0], size[1]))
				h.keys("G", "j", "g")
				sizeCheck(t, h, fmt.Sprintf("%s help at %dx%d, scrolled", name, size[0], size[1]))
			}
			if !h.app.showHelp {
				t.Fatal("the help closed by itself")
			}
			h.keys("esc")
			sizeCheck(t, h, name)
		})
	}
}

// A description wraps at spaces, never at a no-break space; the dash before a disabled
// action's reason stays on its line; a word wider than the column is cut, every character
// kept.
func TestHelpWrapsNeverCuts(t *testing.T) {
	for _, tc := range []struct {
		desc  string
		width int
		first string
	}{
		{"unlock selected" + reasonSep + "Session en lecture seule\u00a0: rien ne peut être modifié.", 30, "unlock selected — Session en"},
		{"unlock selected" + reasonSep + "Only support operators may do this.", 20, "unlock selected —"},
		{"short", 30, "short"},
		{strings.Repeat("x", 70), 30, strings.Repeat("x", 30)},
	} {
		lines := wrapHelp(tc.desc, tc.width)
		if lines[0] != tc.first {
			t.Errorf("%q in %d cells: first line %q, want %q", tc.desc, tc.width, lines[0], tc.first)
		}
		for _, l := range lines[1:] {
			if safe.Width(l) > tc.width || strings.HasPrefix(l, ":") {
				t.Errorf("%q in %d cells: line %q", tc.desc, tc.width, l)
			}
		}
		if got := strings.Join(lines, ""); strings.ReplaceAll(got, " ", "") != strings.ReplaceAll(tc.desc, " ", "") {
			t.Errorf("%q in %d cells lost text: %q", tc.desc, tc.width, lines)
		}
	}
}
