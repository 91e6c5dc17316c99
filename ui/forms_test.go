package ui

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"

	"gatehouse/model"
	"gatehouse/store"
)

// Form input: every text field of every form with empty,
// blank, 1 MB pasted, NUL, invalid UTF-8, SQL metacharacters, % and _, RTL text, emoji,
// escapes, and wrong and unusual e-mail addresses. Each answer is a clear message or a correct
// save (the row checked); never a panic; a refused save writes nothing at all (every table
// compared before and after).

// formInput is one value typed (rune by rune) or pasted (one message) into a field.
type formInput struct {
	what  string
	text  string
	paste bool
}

// bigPaste is 1 MB of mixed text pasted at once.
var bigPaste = func() string {
	var b strings.Builder
	for b.Len() < 1<<20 {
		b.WriteString("paste é東😀 ")
	}
	return b.String()
}()

// junkInputs are the inputs every field gets.
func junkInputs() []formInput {
	return []formInput{
		{"empty", "", false},
		{"blank", "   \t  ", false},
		{"1 MB paste", bigPaste, true},
		{"NUL", "a\x00b\x00", false},
		{"U+FFFD", "\uFFFD\uFFFD", false},
		{"invalid UTF-8", string([]byte{0xff, 0xfe, 'o', 'k', 0xc3}), false},
		{"SQL", "'; DROP TABLE users; --", false},
		{"percent", "%", false},
		{"underscore", "_", false},
		{"Arabic", "مرحبا بالعالم", false},
		{"Hebrew", "שלום עולם", false},
		{"emoji", "😀👩🏽‍💻🇫🇷", false},
		{"escapes", "\x1b[2J\x1b]0;t\x07x", false},
		{"bidi", "\u202eevil\u202c", false},
	}
}

// enter types or pastes the input.
func (h *harness) enter(in formInput) {
	h.t.Helper()
	if in.paste {
		h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(in.text), Paste: true})
		return
	}
	h.typeText(in.text)
}

// clearField empties the focused text input (ctrl+u deletes before the cursor, at the end).
func (h *harness) clearField() {
	h.t.Helper()
	h.send(tea.KeyMsg{Type: tea.KeyEnd})
	h.send(tea.KeyMsg{Type: tea.KeyCtrlU})
}

// safely runs f and turns a panic into a failure naming the case.
func safely(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s: panic: %v\n%s", what, r, debug.Stack())
		}
	}()
	f()
}

// dbSnapshot is a digest of every table: equal snapshots, nothing written.
func dbSnapshot(t *testing.T, st *store.Store) map[string]string {
	t.Helper()
	var tables []string
	if err := st.DB().Select(&tables, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, tb := range tables {
		var d string
		if err := st.DB().Get(&d, `SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM "`+tb+`" x`); err != nil {
			t.Fatal(err)
		}
		out[tb] = d
	}
	return out
}

func sameSnapshot(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	for tb, d := range before {
		if after[tb] != d {
			t.Errorf("%s: refused, but table %s changed", what, tb)
		}
	}
}

// cleanStored checks text the console wrote: valid UTF-8, no NUL, no control character.
func cleanStored(t *testing.T, what, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("%s: stored invalid UTF-8 %q", what, s)
	}
	for _, r := range s {
		if r == 0 || (unicode.IsControl(r) && r != '\n') || unicode.Is(unicode.Cf, r) {
			t.Errorf("%s: stored control %U in %.80q", what, r, s)
			return
		}
	}
}

// clearFlash drops the flash line (the harness never waits for its expiry): a message seen
// after an action is then that action's.
func (h *harness) clearFlash() {
	h.t.Helper()
	h.send(flashClearMsg{seq: h.app.flashSeq})
}

func (h *harness) frameOK(what string) {
	h.t.Helper()
	w, ht := h.app.c.width, h.app.c.height
	v := h.view()
	if p := frameProblem(v, w, ht, false); p != "" {
		h.t.Fatalf("%s: %s\n%s", what, p, v)
	}
}

func TestFormsUsersSearchAndPrompts(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	acme := f.org("acme", "Acme Corp")
	names := map[string]string{
		"ALICE-001": "Alice Plain",
		"PERC-0001": "Percent 100% Sure",
		"UNDR-0001": "Under_score Name",
		"ROBT-0001": "O'; DROP TABLE users; -- Robert",
		"ARAB-0001": "مرحبا بالعالم",
		"HEBR-0001": "שלום עולם",
		"EMOJ-0001": "Emoji 😀 Fan",
	}
	i := 0
	for login, name := range names {
		f.user(login, fmt.Sprintf("u%d@example.org", i), name, acme)
		i++
	}
	op := registered(t, st, "sue", model.RoleSupport)
	h := newHarness(t, st, op, 200, 40)
	before := dbSnapshot(t, st)

	// Search: a literal substring, whatever it holds.
	only := map[string]string{"percent": "PERC-0001", "underscore": "UNDR-0001", "SQL": "ROBT-0001",
		"Arabic": "ARAB-0001", "Hebrew": "HEBR-0001"}
	for _, in := range append(junkInputs(), formInput{"emoji user", "😀 Fan", false}) {
		safely(t, "search "+in.what, func() {
			h.keys("/")
			h.enter(in)
			h.keys("enter")
			h.frameOK("search " + in.what)
			v := h.view()
			if login, ok := only[in.what]; ok {
				if !strings.Contains(v, login) || strings.Contains(v, "ALICE-001") {
					t.Fatalf("search %s: want only %s:\n%s", in.what, login, v)
				}
			}
			if in.what == "emoji user" && (!strings.Contains(v, "EMOJ-0001") || strings.Contains(v, "ALICE-001")) {
				t.Fatalf("search emoji:\n%s", v)
			}
			if !strings.Contains(v, "No user matches.") && !strings.Contains(v, "-0001") {
				t.Fatalf("search %s: neither rows nor a message:\n%s", in.what, v)
			}
			h.keys("/", "esc") // clears the search
		})
	}

	// Organization prompt: an unknown slug is named; nothing matches by pattern.
	for _, in := range junkInputs() {
		safely(t, "org "+in.what, func() {
			h.keys("o")
			h.clearField()
			h.enter(in)
			h.keys("enter")
			h.frameOK("org " + in.what)
			v := h.view()
			blank := strings.TrimSpace(strings.Map(func(r rune) rune {
				if unicode.IsControl(r) || r == utf8.RuneError {
					return -1
				}
				return r
			}, in.text)) == ""
			if !blank && !strings.Contains(v, "No organization") {
				t.Fatalf("org %s: no message:\n%s", in.what, v)
			}
			if strings.Contains(v, "org:acme") {
				t.Fatalf("org %s matched acme:\n%s", in.what, v)
			}
		})
	}
	h.keys("o")
	h.clearField()
	h.typeText(" acme ")
	h.keys("enter")
	h.mustShow("org:acme", "ALICE-001")
	h.keys("x")

	// Inactive-days prompt: anything but a number of days is refused with a message.
	for _, in := range append(junkInputs(), formInput{"negative", "-1", false}, formInput{"huge", "99999999999999999999", false},
		formInput{"float", "1.5", false}, formInput{"arabic digits", "٣٠", false}) {
		safely(t, "inactive "+in.what, func() {
			h.keys("n")
			h.clearField()
			h.enter(in)
			h.keys("enter")
			h.frameOK("inactive " + in.what)
			if in.what != "empty" && in.what != "blank" {
				h.mustShow("Type a number of days.")
			}
			h.mustNotShow("inactive ≥")
		})
	}
	sameSnapshot(t, "searches and filters", before, dbSnapshot(t, st))
	h.keys("n")
	h.clearField()
	h.typeText("30")
	h.keys("enter")
	h.frameOK("inactive 30")

	// Bulk unlock reason: required; any other text is recorded as typed (cleaned), once.
	for _, in := range junkInputs() {
		safely(t, "bulk reason "+in.what, func() {
			h.keys("x", "g")
			snap := dbSnapshot(t, st)
			var audits int
			if err := st.DB().Get(&audits, `SELECT count(*) FROM audit_entries`); err != nil {
				t.Fatal(err)
			}
			h.keys("u")
			h.enter(in)
			h.keys("enter")
			h.frameOK("bulk reason " + in.what)
			var now int
			if err := st.DB().Get(&now, `SELECT count(*) FROM audit_entries`); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(h.view(), "A reason is required") {
				sameSnapshot(t, "bulk reason "+in.what, snap, dbSnapshot(t, st))
				h.keys("esc") // the question stays open until answered or cancelled
				return
			}
			if now != audits+1 {
				t.Fatalf("bulk reason %s: %d audit rows written, want 1:\n%s", in.what, now-audits, h.view())
			}
			var sum string
			if err := st.DB().Get(&sum, `SELECT summary FROM audit_entries ORDER BY id DESC LIMIT 1`); err != nil {
				t.Fatal(err)
			}
			cleanStored(t, "bulk reason "+in.what, sum)
		})
	}
}

// userFormWorld: Jean (locked, one session) and an account holding taken@example.org.
func userFormWorld(t *testing.T) (userFixture, model.Operator) {
	t.Helper()
	f := newUserFixture(t)
	f.user("ACME-TAKEN", "taken@example.org", "Taken Account", f.acme)
	return f, registered(t, f.st, "sue", model.RoleSupport)
}

func TestFormsUserEditNameAndEmail(t *testing.T) {
	f, op := userFormWorld(t)
	h, uv := f.open(op, 200, 50)
	stored := func(col string) string {
		var s string
		if err := f.st.DB().Get(&s, `SELECT `+col+` FROM users WHERE id = $1`, f.id); err != nil {
			t.Fatal(err)
		}
		return s
	}
	// try types into the focused field (item index) and saves: a refusal shows its reason and
	// writes nothing; a save stores the field's value (trimmed / normalized).
	try := func(field string, item int, in formInput, want *bool) {
		t.Helper()
		what := field + " " + in.what
		safely(t, what, func() {
			for i := 0; uv.form.focus != item; i++ {
				if i > 100 || h.app.active() != Screen(uv) {
					t.Fatalf("%s: cannot reach field %d:\n%s", what, item, h.view())
				}
				h.keys("tab")
			}
			h.clearField()
			h.enter(in)
			value := uv.form.name.Value()
			if field == "email" {
				value = uv.form.email.Value()
			}
			snap := dbSnapshot(t, f.st)
			h.clearFlash()
			h.keys("ctrl+s")
			h.frameOK(what)
			v := h.view()
			refused := strings.Contains(v, "Invalid name") || strings.Contains(v, "Invalid e-mail") ||
				strings.Contains(v, "Another account already uses") || strings.Contains(v, "Nothing to save")
			saved := strings.Contains(v, "Saved.")
			switch {
			case refused == saved:
				t.Fatalf("%s: neither a clear refusal nor a save:\n%s", what, v)
			case want != nil && *want != saved:
				t.Fatalf("%s: saved=%v, want %v (value %.60q):\n%s", what, saved, *want, value, v)
			case refused:
				sameSnapshot(t, what, snap, dbSnapshot(t, f.st))
			case field == "name":
				if got := stored("name"); got != strings.TrimSpace(value) {
					t.Fatalf("%s: stored %q, typed %q", what, got, value)
				}
				cleanStored(t, what, stored("name"))
			default:
				if got := stored("email"); got != model.NormalizeEmail(value) {
					t.Fatalf("%s: stored %q, typed %q", what, got, value)
				}
			}
		})
	}
	yes, no := true, false
	nameWant := map[string]*bool{"empty": &no, "blank": &no, "1 MB paste": &no, "NUL": &yes, "SQL": &yes, "percent": &yes,
		"underscore": &yes, "Arabic": &yes, "Hebrew": &yes, "emoji": &yes, "escapes": &yes, "bidi": &yes} // bidi: the marks are dropped as typed
	for _, in := range junkInputs() {
		try("name", 0, in, nameWant[in.what])
	}
	try("name", 0, formInput{"plain", "Jean Dupont", false}, &yes)

	for _, c := range []struct {
		in   formInput
		want *bool
	}{
		{formInput{"empty", "", false}, &no},
		{formInput{"blank", "   ", false}, &no},
		{formInput{"1 MB paste", bigPaste, true}, &no},
		{formInput{"no at", "jean.example.org", false}, &no},
		{formInput{"two ats", "jean@@example.org", false}, &no},
		{formInput{"nothing before", "@example.org", false}, &no},
		{formInput{"no dot", "jean@example", false}, &no},
		{formInput{"space", "jean dupont@example.org", false}, &no},
		{formInput{"local too long", strings.Repeat("j", 65) + "@example.org", false}, &no},
		{formInput{"bad hyphens", "jean@-example-.org", false}, &no},
		{formInput{"IP literal", "jean@[192.0.2.1]", false}, &no},
		{formInput{"SQL", "'; DROP TABLE users; --@example.org", false}, &no},
		{formInput{"bidi", "jean\u202e@example.org", false}, nil},
		{formInput{"taken", "Taken@Example.org", false}, &no},
		{formInput{"NUL", "je\x00an@example.org", false}, nil},
		{formInput{"percent underscore", "%_@example.org", false}, nil},
		{formInput{"emoji", "😀@example.org", false}, nil},
		{formInput{"Arabic", "مرحبا@مثال.org", false}, nil},
		{formInput{"plus", "a+b@example.org", false}, &yes},
		{formInput{"IDN", "jose@exämple.de", false}, &yes},
		{formInput{"quoted", `"john doe"@example.org`, false}, &yes},
		{formInput{"upper case", "Jean.Dupont@Example.ORG", false}, &yes},
	} {
		try("email", 1, c.in, c.want)
	}
}

func TestFormsUserPasswordPanel(t *testing.T) {
	f, op := userFormWorld(t)
	h, uv := f.open(op, 200, 50)
	hash := func() string {
		var s string
		if err := f.st.DB().Get(&s, `SELECT password_hash FROM users WHERE id = $1`, f.id); err != nil {
			t.Fatal(err)
		}
		return s
	}
	yes, no := true, false
	big := formInput{"1 MB paste", bigPaste, true}
	for _, c := range []struct {
		what      string
		pw, again formInput
		want      *bool
	}{
		{"empty", formInput{"", "", false}, formInput{"", "", false}, &no},
		{"blank", formInput{"", strings.Repeat(" ", 20), false}, formInput{"", strings.Repeat(" ", 20), false}, nil}, // the policy's call
		{"1 MB paste", big, big, &no},
		{"mismatch", formInput{"", "velvet tractor umbrella 1987!", false}, formInput{"", "velvet tractor umbrella 1988!", false}, &no},
		{"paste only in one", big, formInput{"", "x", false}, &no},
		{"SQL", formInput{"", "'; DROP TABLE users; -- quartz 1987", false}, formInput{"", "'; DROP TABLE users; -- quartz 1987", false}, &yes},
		{"percent underscore", formInput{"", "%_%_ hollow lantern %_ 2031", false}, formInput{"", "%_%_ hollow lantern %_ 2031", false}, &yes},
		{"NUL", formInput{"", "ember\x00 harbor violin 4417", false}, formInput{"", "ember\x00 harbor violin 4417", false}, nil},
		{"invalid UTF-8", formInput{"", string([]byte{0xff}) + "cobalt meadow trumpet 55", false}, formInput{"", string([]byte{0xff}) + "cobalt meadow trumpet 55", false}, nil},
		{"Arabic", formInput{"", "كلمة مرور طويلة جدا للاختبار", false}, formInput{"", "كلمة مرور طويلة جدا للاختبار", false}, nil},
		{"emoji", formInput{"", "😀😀 saffron glacier piano 88", false}, formInput{"", "😀😀 saffron glacier piano 88", false}, nil},
	} {
		safely(t, "password "+c.what, func() {
			if uv.mode() == modePassword {
				h.keys("esc")
			}
			h.keys("p")
			if uv.mode() != modePassword {
				t.Fatalf("p did not open the password panel:\n%s", h.view())
			}
			h.enter(c.pw)
			h.keys("tab")
			h.enter(c.again)
			snap, oldHash := dbSnapshot(t, f.st), hash()
			h.clearFlash()
			h.keys("enter")
			h.frameOK("password " + c.what)
			v := h.view()
			refused := strings.Contains(v, "Refused, nothing was saved")
			saved := strings.Contains(v, "Password set for")
			switch {
			case refused == saved:
				t.Fatalf("password %s: neither refused nor saved:\n%s", c.what, v)
			case c.want != nil && *c.want != saved:
				t.Fatalf("password %s: saved=%v, want %v:\n%s", c.what, saved, *c.want, v)
			case refused:
				sameSnapshot(t, "password "+c.what, snap, dbSnapshot(t, f.st))
			case hash() == oldHash:
				t.Fatalf("password %s: shown as set, hash unchanged", c.what)
			}
			if saved && (uv.pw.inputs[0].Value() != "" || uv.pw.inputs[1].Value() != "") {
				t.Fatalf("password %s: the fields still hold the password", c.what)
			}
		})
	}
}

// The password panel takes keys raw (text fields elsewhere drop invisible characters as they
// are typed): a password with a zero-width space and a bidi mark reaches the rules as typed,
// never silently stripped into another one, and they refuse it with the reason shown.
func TestFormsPasswordKeepsWhatWasTyped(t *testing.T) {
	f, op := userFormWorld(t)
	h, uv := f.open(op, 200, 50)
	pw := "zero\u200bwidth \u202ecastle\u202c lantern 77"
	h.keys("p")
	h.typeText(pw)
	h.keys("tab")
	h.typeText(pw)
	if got := uv.pw.inputs[0].Value(); got != pw {
		t.Fatalf("the field holds %q, typed %q", got, pw)
	}
	h.keys("enter")
	h.mustShow("Refused, nothing was saved", "contains an invisible or text-direction character")
	h.frameOK("password refused")
	_, err := f.st.Authenticate(context.Background(), store.AuthRequest{Login: "ACME-7K2Q9", Password: pw})
	if !errors.Is(err, store.ErrAuthFailed) {
		t.Fatalf("the refused password logs in: %v", err)
	}
}

func TestFormsUserUnlockAndDeletePrompts(t *testing.T) {
	f, op := userFormWorld(t)
	lock := func() {
		f.exec(`UPDATE users SET locked_at = $2, lock_reason = 'threshold', failed_attempts = 5 WHERE id = $1`, f.id, testNow.Add(-time.Minute))
	}
	lock()
	h, uv := f.open(op, 200, 50)
	for _, in := range append(junkInputs(), formInput{"mixed widths paste", "a" + strings.Repeat("é", 1<<19), true}) {
		safely(t, "unlock "+in.what, func() {
			lock()
			h.keys("ctrl+r")
			snap := dbSnapshot(t, f.st)
			h.clearFlash()
			h.keys("u")
			if !uv.prompt.Active() {
				t.Fatalf("u did not open the reason prompt:\n%s", h.view())
			}
			h.enter(in)
			h.keys("enter")
			h.frameOK("unlock " + in.what)
			v := h.view()
			if strings.Contains(v, "A reason is required") {
				sameSnapshot(t, "unlock "+in.what, snap, dbSnapshot(t, f.st))
				h.keys("esc")
				return
			}
			if !strings.Contains(v, "unlocked.") {
				t.Fatalf("unlock %s: neither a refusal nor done:\n%s", in.what, v)
			}
			if f.count(`SELECT count(*) FROM users WHERE id = $1 AND locked_at IS NULL`, f.id) != 1 {
				t.Fatalf("unlock %s: shown as done, still locked", in.what)
			}
			var sum string
			if err := f.st.DB().Get(&sum, `SELECT summary FROM audit_entries WHERE action = 'user.unlock' ORDER BY id DESC LIMIT 1`); err != nil {
				t.Fatal(err)
			}
			cleanStored(t, "unlock "+in.what, sum)
		})
	}

	// Delete: only the account's e-mail (any case, spaces around) confirms.
	for _, in := range append(junkInputs(), formInput{"other e-mail", "taken@example.org", false},
		formInput{"pattern", "%@example.org", false}) {
		safely(t, "delete "+in.what, func() {
			snap := dbSnapshot(t, f.st)
			h.keys("D")
			if !uv.prompt.Active() {
				t.Fatalf("D did not open the confirmation:\n%s", h.view())
			}
			h.enter(in)
			h.keys("enter")
			h.frameOK("delete " + in.what)
			h.mustShow("That is not the expected text; nothing changed.")
			sameSnapshot(t, "delete "+in.what, snap, dbSnapshot(t, f.st))
			h.keys("esc")
		})
	}
	h.keys("D")
	h.typeText("  JEAN.DUPONT@Example.org ")
	h.keys("enter")
	if f.count(`SELECT count(*) FROM users WHERE id = $1 AND status = 'deleted'`, f.id) != 1 {
		t.Fatalf("the right e-mail did not delete:\n%s", h.view())
	}
}

func TestFormsInviteWizardNameEmail(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	f.org("acme", "Acme Corp")
	op := registered(t, st, "sue", model.RoleSupport)
	h := newHarness(t, st, op, 200, 50)
	yes, no := true, false
	n := 0
	for _, c := range []struct {
		what        string
		name, email formInput
		want        *bool
	}{
		{"empty name", formInput{"", "", false}, formInput{"", "new1@example.org", false}, &no},
		{"blank name", formInput{"", "    ", false}, formInput{"", "new1@example.org", false}, &no},
		{"bidi name", formInput{"", "\u202eevil\u200b", false}, formInput{"", "new1@example.org", false}, &yes}, // marks dropped as typed
		{"empty e-mail", formInput{"", "Nina", false}, formInput{"", "", false}, &no},
		{"no at", formInput{"", "Nina", false}, formInput{"", "nina.example.org", false}, &no},
		{"no dot", formInput{"", "Nina", false}, formInput{"", "nina@example", false}, &no},
		{"SQL e-mail", formInput{"", "Nina", false}, formInput{"", "'; DROP TABLE users; --@example.org", false}, &no},
		{"1 MB e-mail", formInput{"", "Nina", false}, formInput{"1 MB paste", bigPaste, true}, &no},
		{"1 MB name", formInput{"1 MB paste", bigPaste, true}, formInput{"", "big.paste@example.org", false}, nil},
		{"NUL name", formInput{"", "Nu\x00ll", false}, formInput{"", "null@example.org", false}, &yes},
		{"SQL name", formInput{"", "Robert'); DROP TABLE users; --", false}, formInput{"", "bobby@example.org", false}, &yes},
		{"percent name", formInput{"", "100% _sure_", false}, formInput{"", "pct@example.org", false}, &yes},
		{"Arabic + IDN", formInput{"", "مرحبا بالعالم", false}, formInput{"", "jose@exämple.de", false}, &yes},
		{"Hebrew + plus", formInput{"", "שלום עולם", false}, formInput{"", "a+b@example.org", false}, &yes},
		{"emoji + quoted", formInput{"", "Emoji 😀 Fan", false}, formInput{"", `"john doe"@example.org`, false}, &yes},
	} {
		safely(t, "invite "+c.what, func() {
			h.keys(":")
			h.typeText("invite")
			h.keys("enter")
			h.enter(c.name)
			h.keys("tab")
			h.enter(c.email)
			h.keys("tab", "enter") // the only organization, then on
			h.frameOK("invite " + c.what)
			snap := dbSnapshot(t, st)
			v := h.view()
			on := strings.Contains(v, "● 2 Access rights")
			if !on {
				if !strings.Contains(v, "✗ ") {
					t.Fatalf("invite %s: stuck on step 1 without a message:\n%s", c.what, v)
				}
				if c.want != nil && *c.want {
					t.Fatalf("invite %s: refused:\n%s", c.what, v)
				}
				h.keys("esc", "y") // discard what was typed
				sameSnapshot(t, "invite "+c.what, snap, dbSnapshot(t, st))
				return
			}
			if c.want != nil && !*c.want {
				t.Fatalf("invite %s: accepted:\n%s", c.what, v)
			}
			who := h.app.active().(*inviteScreen).who
			name, email := who.name.Value(), who.email.Value()
			h.keys("space", "enter", "enter")
			h.frameOK("invite " + c.what + " sent")
			h.mustShow("Invitation #")
			n++
			var got struct {
				Name  string `db:"name"`
				Email string `db:"email"`
			}
			if err := st.DB().Get(&got, `SELECT name, email FROM invitations ORDER BY id DESC LIMIT 1`); err != nil {
				t.Fatal(err)
			}
			if got.Name != strings.TrimSpace(name) || got.Email != model.NormalizeEmail(email) {
				t.Fatalf("invite %s: stored %q <%s>, typed %q <%s>", c.what, got.Name, got.Email, name, email)
			}
			cleanStored(t, "invite "+c.what, got.Name)
			h.keys("esc")
		})
	}
	if got := h.count(`SELECT count(*) FROM invitations`); got != n {
		t.Fatalf("%d invitations, %d sent", got, n)
	}
}

// The existing-user search of the wizard with junk, and keys on an empty result list.
func TestFormsInviteWizardUserSearch(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	acme := f.org("acme", "Acme Corp")
	f.user("ACME-00001", "jean@example.org", "Jean Martin", acme)
	f.user("PERC-00001", "pct@example.org", "Percent 100% Sure", acme)
	op := registered(t, st, "sue", model.RoleSupport)
	for _, in := range append(junkInputs(), formInput{"no match", "zzzz", false}) {
		safely(t, "invite search "+in.what, func() {
			h := newHarness(t, st, op, 160, 40)
			h.keys(":")
			h.typeText("invite")
			h.keys("enter", "shift+tab", "space", "tab")
			h.enter(in)
			h.frameOK("invite search " + in.what)
			v := h.view()
			if in.what == "percent" && (!strings.Contains(v, "PERC-00001") || strings.Contains(v, "ACME-00001")) {
				t.Fatalf("search %%:\n%s", v)
			}
			// Moving and picking on whatever the list holds (maybe nothing).
			h.keys("down", "down", "up", "down", "enter")
			h.frameOK("invite search " + in.what + " pick")
		})
	}
}

func TestFormsLockoutsUnlockReason(t *testing.T) {
	f, op := userFormWorld(t)
	lock := func() {
		f.exec(`UPDATE users SET locked_at = $2, lock_reason = 'threshold', failed_attempts = 5 WHERE id = $1`, f.id, testNow.Add(-time.Minute))
	}
	h := newHarness(t, f.st, op, 200, 40)
	h.keys(":")
	h.typeText("lockouts")
	h.keys("enter")
	for _, in := range append(junkInputs(), formInput{"mixed widths paste", "a" + strings.Repeat("é", 1<<19), true}) {
		safely(t, "lockouts reason "+in.what, func() {
			lock()
			h.keys("ctrl+r")
			h.mustShow("Locked now (1)")
			snap := dbSnapshot(t, f.st)
			h.clearFlash()
			h.keys("u")
			h.enter(in)
			h.keys("enter")
			h.frameOK("lockouts reason " + in.what)
			v := h.view()
			if strings.Contains(v, "A reason is required") {
				sameSnapshot(t, "lockouts reason "+in.what, snap, dbSnapshot(t, f.st))
				h.keys("esc")
				return
			}
			if !strings.Contains(v, "Unlocked 1 account.") {
				t.Fatalf("lockouts reason %s: neither refused nor unlocked:\n%s", in.what, v)
			}
			var sum string
			if err := f.st.DB().Get(&sum, `SELECT summary FROM audit_entries WHERE action = 'user.unlock' ORDER BY id DESC LIMIT 1`); err != nil {
				t.Fatal(err)
			}
			cleanStored(t, "lockouts reason "+in.what, sum)
		})
	}
}

func TestFormsAuditFilter(t *testing.T) {
	st, sue, _ := auditWorld(t, 5)
	h := newHarness(t, st, sue, 200, 40)
	openAudit(h)
	h.mustShow("user.unlock")
	for _, in := range append(junkInputs(),
		formInput{"action underscore", "action:_", false}, formInput{"action percent", "action:%", false},
		formInput{"op percent", "op:%", false}, formInput{"user percent", "user:%", false},
		formInput{"user SQL", "user:'--", false}, formInput{"bad time", "since:yesterday", false},
		formInput{"unknown key", "who:me", false}, formInput{"empty value", "op:", false},
		formInput{"huge duration", "since:999999999999h", false}, formInput{"reversed", "since:1h until:2d", false}) {
		safely(t, "audit filter "+in.what, func() {
			h.keys("/")
			h.clearField()
			h.enter(in)
			h.keys("enter")
			h.frameOK("audit filter " + in.what)
			v := h.view()
			switch in.what {
			case "action underscore", "action percent", "op percent", "percent", "underscore":
				if !strings.Contains(v, "No audit entry matches.") {
					t.Fatalf("audit filter %s: a pattern matched:\n%s", in.what, v)
				}
			case "user percent", "user SQL":
				h.mustShow("No user")
			case "bad time", "huge duration":
				h.mustShow("is not a time")
			case "unknown key":
				h.mustShow("Unknown filter")
			case "empty value":
				h.mustShow("needs a value")
			case "reversed":
				h.mustShow("since must be before until")
			}
			if h.app.active().InputFocused() {
				h.keys("esc")
			}
			h.keys("x")
		})
	}
}

func TestFormsCommandLine(t *testing.T) {
	st := newStore(t)
	f := fixture{t, st}
	acme := f.org("acme", "Acme Corp")
	f.user("ACME-00001", "jean@example.org", "Jean Martin", acme)
	op := registered(t, st, "sue", model.RoleSupport)
	before := dbSnapshot(t, st)
	for _, in := range append(junkInputs(),
		formInput{"user huge id", "user 99999999999999999999", false}, formInput{"user negative", "user -1", false},
		formInput{"user SQL", "user 1; DROP TABLE users", false}, formInput{"org pattern", "org %", false},
		formInput{"org SQL", "org '; DROP TABLE users; --", false}, formInput{"audit pattern", "audit %", false},
		formInput{"audit junk", "audit since:" + strings.Repeat("9", 150), false}) {
		safely(t, "command "+in.what, func() {
			h := newHarness(t, st, op, 200, 40)
			h.keys(":")
			h.enter(in)
			h.keys("enter")
			h.frameOK("command " + in.what)
			v := h.view()
			switch {
			case strings.HasPrefix(in.what, "org "):
				h.mustShow("No organization")
			case strings.HasPrefix(in.what, "user "):
				h.mustShow("No user in your scope has the login code, e-mail or id")
			case in.what == "audit pattern":
				h.mustShow("No audit entry matches.")
			case in.what == "audit junk":
				h.mustShow("is not a time")
			case in.what == "empty" || in.what == "blank" || in.what == "U+FFFD": // nothing typed
				h.mustShow("ACME-00001")
			default:
				if !strings.Contains(v, "Unknown screen") {
					t.Fatalf("command %s: no message:\n%s", in.what, v)
				}
			}
		})
	}
	sameSnapshot(t, "command line", before, dbSnapshot(t, st))
}
