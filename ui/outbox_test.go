package ui

import (
	"context"
	"io"
	"math/rand"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"gatehouse/model"
	"gatehouse/model/i18n"
	"gatehouse/store"
	"gatehouse/store/smtptest"
)

// outboxWorld: acme with Ada (whose mailbox the server refuses) and globex with Gus; a
// registered support operator; the real SMTP server and the mailer's configuration.
type outboxWorld struct {
	t            *testing.T
	st           *store.Store
	acme, globex int64
	ada, gus     int64
	op           model.Operator
	sink         *smtptest.Server
	cfg          store.MailerConfig
}

const adaMailbox = "ada.nobody@example.org"

func newOutboxWorld(t *testing.T) *outboxWorld {
	t.Helper()
	st := newStore(t)
	f := fixture{t, st}
	w := &outboxWorld{t: t, st: st, acme: f.org("acme", "Acme Corp"), globex: f.org("globex", "Globex")}
	w.ada = f.user("ACME-ADA01", adaMailbox, "Ada Nobody", w.acme)
	w.gus = f.user("GLOB-GUS01", "gus@example.org", "Gus Globex", w.globex)
	w.op = registered(t, st, "sue", model.RoleSupport)
	w.sink = smtptest.Start(t, smtptest.Options{Refuse: []string{adaMailbox}})
	w.cfg = store.MailerConfig{SMTPURL: w.sink.URL(), From: "portal@example.com", Hostname: "test", Timeout: 5 * time.Second}
	return w
}

// deliver runs one round of the mailer.
func (w *outboxWorld) deliver() store.DeliveryReport {
	w.t.Helper()
	rep, err := w.st.DeliverOutbox(context.Background(), w.cfg)
	if err != nil {
		w.t.Fatal(err)
	}
	return rep
}

func (w *outboxWorld) count(q string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.st.DB().Get(&n, q, args...); err != nil {
		w.t.Fatal(err)
	}
	return n
}

func (w *outboxWorld) status(id int64) string {
	w.t.Helper()
	var s string
	if err := w.st.DB().Get(&s, `SELECT status FROM outbox WHERE id = $1`, id); err != nil {
		w.t.Fatal(err)
	}
	return s
}

func (w *outboxWorld) lastMail(userID int64, kind string) int64 {
	w.t.Helper()
	var id int64
	if err := w.st.DB().Get(&id, `SELECT id FROM outbox WHERE user_id = $1 AND kind = $2 ORDER BY id DESC LIMIT 1`, userID, kind); err != nil {
		w.t.Fatal(err)
	}
	return id
}

func (h *harness) command(name string) {
	h.t.Helper()
	h.keys(":")
	h.typeText(name)
	h.keys("enter")
}

func outboxOf(h *harness) *outboxScreen {
	h.t.Helper()
	s, ok := h.app.active().(*outboxScreen)
	if !ok {
		h.t.Fatalf("the screen on top is %T:\n%s", h.app.active(), h.view())
	}
	return s
}

// After the operator sends a reset link from the Users screen and the server refuses it for
// good (550), the flash says so, the account's row carries the mark, and the Outbox screen
// lists the failure with the server's answer; enter shows it whole. Its link is gone: r says
// why and n sends a new one (confirmed); c cancels a pending one (confirmed, audited).
func TestOutboxScreenAfterARealRefusal(t *testing.T) {
	w := newOutboxWorld(t)
	h := newHarness(t, w.st, w.op, 140, 32)
	h.mustShow("Ada Nobody", "Gus Globex")
	h.keys("r", "y") // a reset link to the cursor row, Ada, confirmed
	if n := w.count(`SELECT count(*) FROM outbox WHERE user_id = $1 AND kind = 'reset_link'`, w.ada); n != 1 {
		t.Fatalf("%d reset links queued from the Users screen", n)
	}
	if rep := w.deliver(); rep.Failed != 1 || rep.Sent != 0 {
		t.Fatalf("delivery: %+v", rep)
	}
	link := w.lastMail(w.ada, "reset_link")

	// The look for failures finds it: a flash on the Users screen, then the row's mark.
	h.send(mailPollTickMsg{})
	h.mustShow("E-mail not delivered: reset link to ACME-ADA01 <"+adaMailbox+">: SMTP RCPT: 550", "no such mailbox", "(see :outbox)")
	h.keys("ctrl+r")
	h.mustShow("✉✗ Ada Nobody", "latest e-mail not delivered (:outbox)")
	h.mustNotShow("✉✗ Gus")

	// The Outbox screen lists it with the server's answer.
	h.command("outbox")
	h.mustShow("Outbox", "failed", "reset link", "ACME-ADA01 <"+adaMailbox+">", "SMTP RCPT: 550", "no such mailbox")
	if rows := outboxOf(h).list.Rows(); len(rows) != 1 || rows[0].ID != link {
		t.Fatalf("the outbox lists %+v, want the refused link #%d", rows, link)
	}
	// enter: the whole e-mail, the whole answer, why it cannot go again as it is.
	h.keys("enter")
	h.mustShow("The server's last answer", "SMTP RCPT: 550", "5.1.1 no such mailbox", "Its link was dropped", "n sends a new reset link",
		"Réinitialisez votre mot de passe", "acme")
	before := tableSums(t, w.st)
	h.keys("r")
	h.mustShow("Its link was dropped when it failed")
	if ch := changedSums(before, tableSums(t, w.st)); len(ch) > 0 {
		t.Fatalf("r on a dropped link changed %v", ch)
	}
	h.keys("esc")
	h.mustShow("Server's answer") // the list again

	// n: a new reset link, confirmed.
	h.keys("n")
	h.mustShow("Send Ada Nobody a new reset link (to " + adaMailbox + ")?")
	h.keys("y")
	h.mustShow("A new reset link for ACME-ADA01")
	if n := w.count(`SELECT count(*) FROM outbox WHERE user_id = $1 AND kind = 'reset_link'`, w.ada); n != 2 {
		t.Fatalf("%d reset links after n, want 2", n)
	}
	fresh := w.lastMail(w.ada, "reset_link")
	rows := outboxOf(h).list.Rows()
	if len(rows) != 2 || rows[0].ID != fresh || rows[0].Status != store.MailPending || rows[1].ReplacedBy == nil {
		t.Fatalf("after n the outbox lists %+v", rows)
	}
	h.mustShow("pending")

	// c on the new, pending one: confirmed, cancelled, audited; it leaves the list.
	h.keys("c")
	h.mustShow("Cancel this e-mail (reset link) to ACME-ADA01")
	h.keys("n")
	if st := w.status(fresh); st != store.MailPending {
		t.Fatalf("answering no cancelled it (%s)", st)
	}
	h.keys("c", "y")
	h.mustShow("cancelled: it will never be sent")
	if st := w.status(fresh); st != store.MailCancelled {
		t.Fatalf("after c, y the e-mail is %s", st)
	}
	if n := w.count(`SELECT count(*) FROM audit_entries WHERE action = 'mail.cancel' AND target_user_id = $1 AND operator_name = 'sue'`, w.ada); n != 1 {
		t.Fatalf("%d audit rows of the cancel", n)
	}
	if rows := outboxOf(h).list.Rows(); len(rows) != 1 || rows[0].ID != link {
		t.Fatalf("after the cancel the outbox lists %+v", rows)
	}
	// c on a failed e-mail says why not.
	h.keys("c")
	h.mustShow("Only a pending e-mail can be cancelled; this one is failed.")
}

// r on a failed e-mail without a link makes it due again (audited); the mailer's next round
// sends it and it leaves the list; the state filter (s) shows failed, then pending ones.
func TestOutboxRetryThroughKeys(t *testing.T) {
	w := newOutboxWorld(t)
	ctx := context.Background()
	if _, err := w.st.UnlockUsers(ctx, w.op, []int64{w.ada}, "called the help desk", false); err != nil {
		t.Fatal(err)
	}
	if err := w.st.SendResetLink(ctx, w.op, w.gus); err != nil { // pending, not delivered yet
		t.Fatal(err)
	}
	gusLink := w.lastMail(w.gus, "reset_link")
	fixture{t, w.st}.exec(`UPDATE outbox SET next_attempt_at = $2 WHERE id = $1`, gusLink, testNow.Add(time.Hour))
	if rep := w.deliver(); rep.Failed != 1 {
		t.Fatalf("delivery: %+v", rep)
	}
	notice := w.lastMail(w.ada, "notice")
	h := newHarness(t, w.st, w.op, 140, 32)
	h.command("outbox")
	h.mustShow("notice", "550", "no such mailbox")
	s := outboxOf(h)
	if rows := s.list.Rows(); len(rows) != 2 || rows[0].ID != gusLink || rows[1].ID != notice {
		t.Fatalf("the outbox lists %+v", rows)
	}
	h.keys("s")
	if rows := s.list.Rows(); len(rows) != 1 || rows[0].ID != notice {
		t.Fatalf("failed only: %+v", rows)
	}
	h.mustShow("Status: failed")
	h.keys("r")
	h.mustShow("is due now")
	if st := w.status(notice); st != store.MailPending {
		t.Fatalf("after r the notice is %s", st)
	}
	if n := w.count(`SELECT count(*) FROM audit_entries WHERE action = 'mail.retry' AND target_user_id = $1`, w.ada); n != 1 {
		t.Fatalf("%d audit rows of the retry", n)
	}
	h.keys("s") // pending only: the notice and Gus's link
	if rows := s.list.Rows(); len(rows) != 2 || rows[1].ID != notice || rows[1].Status != store.MailPending {
		t.Fatalf("pending only: %+v", rows)
	}
	w.sink.Refuse()
	if rep := w.deliver(); rep.Sent != 1 {
		t.Fatalf("the retried notice: %+v", rep)
	}
	h.keys("ctrl+r")
	if rows := s.list.Rows(); len(rows) != 1 || rows[0].ID != gusLink {
		t.Fatalf("after delivery: %+v", rows)
	}
	h.keys("r")
	h.mustShow("is due now")
	if rep := w.deliver(); rep.Sent != 1 {
		t.Fatalf("Gus's link made due: %+v", rep)
	}
	h.keys("ctrl+r")
	h.mustShow("No e-mail is waiting or failed.")
}

// A delivery that fails while the operator is on another screen shows as a flash there, once,
// for the operators whose scope holds the account.
func TestMailFailureFlashesOnTheScreenOpen(t *testing.T) {
	w := newOutboxWorld(t)
	acmeAdmin := registered(t, w.st, "adam", model.RoleAdmin, "acme")
	globexAdmin := registered(t, w.st, "gina", model.RoleAdmin, "globex")
	sessions := map[string]*harness{}
	for name, op := range map[string]model.Operator{"support": w.op, "acme": acmeAdmin, "globex": globexAdmin} {
		h := newHarness(t, w.st, op, 120, 30)
		h.command("audit")
		sessions[name] = h
	}
	sessions["support"].command("users")
	sessions["support"].command("lockouts")

	// Another session sends Ada a reset link; the server refuses it.
	if err := w.st.SendResetLink(context.Background(), w.op, w.ada); err != nil {
		t.Fatal(err)
	}
	if rep := w.deliver(); rep.Failed != 1 {
		t.Fatalf("delivery: %+v", rep)
	}
	for name, h := range sessions {
		h.send(mailPollTickMsg{})
		shown := strings.Contains(h.view(), "E-mail not delivered: reset link to ACME-ADA01")
		if shown != (name != "globex") {
			t.Errorf("%s's session: flash shown %v:\n%s", name, shown, h.view())
		}
	}
	sessions["support"].mustShow("Lockouts", "550", "no such mailbox")
	sessions["acme"].mustShow("Audit")
	// Reported once: the next look finds nothing new.
	h := sessions["support"]
	h.app.flash = flashMsg{}
	h.send(mailPollTickMsg{})
	h.mustNotShow("E-mail not delivered")
	// Two more failures at once: one flash counts them.
	ctx := context.Background()
	if _, err := w.st.UnlockUsers(ctx, w.op, []int64{w.ada}, "again", true); err != nil {
		t.Fatal(err)
	}
	if rep := w.deliver(); rep.Failed != 2 {
		t.Fatalf("delivery: %+v", rep)
	}
	h.send(mailPollTickMsg{})
	h.mustShow("2 e-mails not delivered, the latest:")
}

// At 80×24 the Outbox screen shows each failure's status, kind and answer, the whole of a
// long answer in the detail, and every action in the help; in French too, no word cut.
func TestOutboxAt80x24(t *testing.T) {
	w := newOutboxWorld(t)
	if err := w.st.SendResetLink(context.Background(), w.op, w.ada); err != nil {
		t.Fatal(err)
	}
	if rep := w.deliver(); rep.Failed != 1 {
		t.Fatalf("delivery: %+v", rep)
	}
	link := w.lastMail(w.ada, "reset_link")
	var words []string
	for i := 0; len(strings.Join(words, " ")) < 480; i++ {
		words = append(words, "word"+string(rune('a'+i%26))+strings.Repeat("x", i%7))
	}
	answer := "SMTP RCPT: 550 5.1.1 " + strings.Join(words, " ")
	fixture{t, w.st}.exec(`UPDATE outbox SET last_error = $2 WHERE id = $1`, link, answer)

	h := newHarness(t, w.st, w.op, 80, 24)
	h.command("outbox")
	sizeCheck(t, h, "outbox")
	h.mustShow("failed", "reset link", "ACME-ADA01", "SMTP RCPT: 550")
	h.keys("enter")
	sizeCheck(t, h, "outbox detail")
	v := h.view()
	for _, wd := range words {
		if !strings.Contains(v, wd) {
			t.Fatalf("the detail at 80×24 does not show %q of the answer:\n%s", wd, v)
		}
	}
	h.mustShow("Its link was dropped", "n sends a new reset link", "back to the list")
	h.keys("esc", "?")
	sizeCheck(t, h, "outbox help")
	h.mustShow("send again now", "cancel the e-mail", "send a new link", "open the account", "the whole e-mail")
	h.keys("?", "n")
	sizeCheck(t, h, "outbox new link question")
	h.mustShow("Send Ada Nobody a new reset link")
	h.keys("n", "o")
	if _, ok := h.app.active().(*userView); !ok {
		t.Fatalf("o opened %T", h.app.active())
	}

	fr := NewApp(context.Background(), w.st, w.op, Options{Lang: "fr", DBLabel: "test"}, asciiRenderer())
	hf := &harness{t: t, app: fr, st: w.st, hl: newHeadless(fr, 80, 24)}
	hf.command("outbox")
	sizeCheck(t, hf, "outbox in French")
	hf.mustShow("Boîte d'envoi", "en échec", "réinitialisation", "Réponse du serveur")
	hf.keys("enter")
	hf.mustShow("Dernière réponse du serveur", "Son lien a été effacé", "n envoie un nouveau lien")
	hf.mustNotShow("\n  \u00a0:", "\n  :") // a line never starts with the colon of "échec\u00a0:"
	sizeCheck(t, hf, "outbox detail in French")
}

// Hostile text from the database (names, addresses, subjects, the server's answer, 1 MB of
// it) reaches no terminal unsanitized: the Outbox list, the detail, the questions, the flash
// of a failure, the Users row's mark, an account's e-mail pane.
func TestOutboxHostileStrings(t *testing.T) {
	w := seedHostile(t)
	f := fixture{t, w.st}
	big := megabyte(true)
	for _, size := range []struct {
		w, h int
		r    *lipgloss.Renderer
	}{{100, 30, asciiRenderer()}, {220, 70, asciiRenderer()}, {160, 50, ansiRenderer()}} {
		sgr := size.r != nil && size.r.ColorProfile() != termenv.Ascii
		app := NewApp(context.Background(), w.st, w.op, Options{Lang: "en", DBLabel: "test"}, size.r)
		h := &harness{t: t, app: app, st: w.st, hl: newHeadless(app, size.w, size.h)}
		check := func(stop string, want ...string) {
			t.Helper()
			v := h.view()
			if p := frameProblem(v, size.w, size.h, sgr); p != "" {
				t.Fatalf("%dx%d %s: %s\n%s", size.w, size.h, stop, p, v)
			}
			plain := ansi.Strip(v)
			for _, s := range want {
				if !strings.Contains(plain, s) {
					t.Fatalf("%dx%d %s: %q not shown:\n%s", size.w, size.h, stop, s, plain)
				}
			}
		}
		// E-mails as a hostile writer could leave them, after the session's first look: a
		// pending one, failed ones, the newest with 1 MB in its subject and answer.
		f.exec(`DELETE FROM outbox`)
		f.exec(`INSERT INTO outbox (kind, user_id, recipient, subject, body, message_id, status)
			VALUES ('login_code', $1, $2, 'pending one', 'x', '<hostile-pending@x>', 'pending')`, w.victim, "pend\x1b[2J\u202eing@example.org")
		for _, hb := range hostileBits {
			f.exec(`INSERT INTO outbox (kind, user_id, recipient, subject, body, message_id, status, attempts, last_error)
				VALUES ('notice', $1, $2, $3, 'x', $4, 'failed', 1, $5)`, w.victim, "to"+hb.s+"@example.org", "Subject "+hb.s,
				"<hostile-"+hb.what+"@x>", "SMTP RCPT: 550 "+hb.s+" refused")
		}
		f.exec(`INSERT INTO outbox (kind, user_id, recipient, subject, body, message_id, status, attempts, last_error)
			VALUES ('reset_link', $1, $2, $3, 'Link {{secret}}', '<hostile-big@x>', 'failed', 3, $4)`, w.victim, "big"+allHostile(), big, "payload-start "+big)
		h.send(mailPollTickMsg{})
		check("flash of the hostile failures", "e-mails not delivered")
		h.keys("/")
		h.typeText(victimLogin)
		h.keys("enter")
		check("users row mark", "✉✗", victimLogin)
		h.keys("esc")
		h.command("outbox")
		check("outbox list", "Outbox", "failed", "reset link", victimLogin)
		h.keys("enter")
		check("outbox detail, 1 MB answer", "payload-start", "Its link was dropped")
		h.keys("down")
		check("outbox detail, hostile answer", "550", "refused")
		h.keys("esc", "s", "s")
		check("outbox list, pending only", "Status: pending", "login code")
		h.keys("c")
		check("outbox cancel question", "Cancel this e-mail (login code) to "+victimLogin)
		h.keys("n", "enter")
		check("outbox detail, pending", "No answer recorded")
		h.keys("esc", "s", "g", "n")
		check("outbox new link question", "a new reset link", "Victor")
		h.keys("n", "down", "n")
		check("outbox n on a notice", "Only a reset link or an invitation")
		h.keys("?")
		check("outbox help", "send again now")
		h.keys("?")
		// An account's e-mail pane, as the User screen mounts it.
		p := newUserMailPane(h.app.c, w.victim)
		p.SetSize(size.w, 12)
		p.Update(p.First()())
		if v := p.View(); frameProblem(v, size.w, 12, sgr) != "" || !strings.Contains(ansi.Strip(v), "payload-start") {
			t.Fatalf("%dx%d the mail pane: %s\n%s", size.w, size.h, frameProblem(v, size.w, 12, sgr), v)
		}
	}
}

func ansiRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI256)
	return r
}

// The actions the session lacks say why and change nothing (a read-only support session,
// oncall, an admin); an admin reads only the e-mails of their organizations' accounts.
func TestOutboxRefusedActionsChangeNothing(t *testing.T) {
	w := newOutboxWorld(t)
	ctx := context.Background()
	if err := w.st.SendResetLink(ctx, w.op, w.ada); err != nil {
		t.Fatal(err)
	}
	if err := w.st.SendResetLink(ctx, w.op, w.gus); err != nil {
		t.Fatal(err)
	}
	gusLink := w.lastMail(w.gus, "reset_link")
	fixture{t, w.st}.exec(`UPDATE outbox SET next_attempt_at = $2 WHERE id = $1`, gusLink, testNow.Add(time.Hour))
	if rep := w.deliver(); rep.Failed != 1 {
		t.Fatalf("delivery: %+v", rep)
	}
	if _, err := w.st.UnlockUsers(ctx, w.op, []int64{w.ada}, "called", false); err != nil { // a pending notice
		t.Fatal(err)
	}
	roSupport := registered(t, w.st, "rosa", model.RoleSupport)
	roSupport.ReadOnly = true
	for _, c := range []struct {
		name   string
		op     model.Operator
		refuse map[string]string // key → the reason it says
	}{
		{"support --read-only", roSupport, map[string]string{"r": model.ReasonReadOnly, "c": model.ReasonReadOnly, "n": model.ReasonReadOnly}},
		{"oncall", registered(t, w.st, "otto", model.RoleOncall), map[string]string{"r": model.ReasonOncall, "c": model.ReasonOncall, "n": model.ReasonOncall}},
		{"admin", registered(t, w.st, "adam", model.RoleAdmin, "acme"), map[string]string{"r": model.ReasonSupportOnly, "c": model.ReasonSupportOnly}},
	} {
		h := newROHarness(t, w.st, c.op, Options{})
		h.command("outbox")
		rows := outboxOf(h).list.Rows()
		want := 3
		if c.op.Role == model.RoleAdmin {
			want = 2 // not Gus's
		}
		if len(rows) != want {
			t.Fatalf("%s reads %d e-mails, want %d", c.name, len(rows), want)
		}
		before := tableSums(t, w.st)
		for _, k := range []string{"r", "c", "n"} {
			if _, refused := c.refuse[k]; !refused {
				continue // the admin's n: a new reset link for their account (TestOutboxScreenAfterARealRefusal)
			}
			for i := range rows {
				h.keys("g")
				for j := 0; j < i; j++ {
					h.keys("down")
				}
				h.keys(k)
				if why, ok := c.refuse[k]; ok && !strings.Contains(h.view(), i18n.T(i18n.EN, why)) {
					t.Errorf("%s: %s on row %d does not say %q:\n%s", c.name, k, i, i18n.T(i18n.EN, why), h.view())
				}
				h.keys("y", "enter", "esc")
			}
		}
		if ch := changedSums(before, tableSums(t, w.st)); len(ch) > 0 {
			t.Errorf("%s: refused actions changed %v", c.name, ch)
		}
		h.keys("?")
		help := h.view()
		for k, why := range c.refuse {
			if !strings.Contains(help, i18n.T(i18n.EN, why)) {
				t.Errorf("%s: the help does not say why %s is not offered:\n%s", c.name, k, help)
			}
		}
	}
}

// Every key of the keyboard on the Outbox screen (list and detail), each followed by y and
// enter, changes nothing in a read-only session.
func TestOutboxEveryKeyReadOnlyChangesNothing(t *testing.T) {
	w := newOutboxWorld(t)
	ctx := context.Background()
	if err := w.st.SendResetLink(ctx, w.op, w.ada); err != nil {
		t.Fatal(err)
	}
	if rep := w.deliver(); rep.Failed != 1 {
		t.Fatalf("delivery: %+v", rep)
	}
	if _, err := w.st.UnlockUsers(ctx, w.op, []int64{w.gus}, "called", false); err != nil { // pending
		t.Fatal(err)
	}
	h := newROHarness(t, w.st, registered(t, w.st, "rosa", model.RoleSupport), Options{ReadOnly: true})
	before := tableSums(t, w.st)
	for _, detail := range []bool{false, true} {
		for _, k := range everyKey() {
			h.app.showHelp, h.app.cmdActive = false, false
			h.command("outbox")
			if detail {
				h.keys("enter")
			}
			h.keys(k, "y", "enter")
		}
	}
	if ch := changedSums(before, tableSums(t, w.st)); len(ch) > 0 {
		t.Fatalf("a read-only session changed %v from the Outbox screen", ch)
	}
}

// Resizes interleaved with keys on the Outbox screen (list, detail, help): never a line wider
// than the window nor more lines than its height, and the title from 80×24.
func TestOutboxResizeStorm(t *testing.T) {
	w := newOutboxWorld(t)
	ctx := context.Background()
	for i := 0; i < 30; i++ {
		if err := w.st.SendResetLink(ctx, w.op, w.ada); err != nil {
			t.Fatal(err)
		}
	}
	if rep, err := w.st.DeliverDue(ctx, w.cfg); err != nil || rep.Failed != 30 {
		t.Fatalf("delivery: %+v %v", rep, err)
	}
	rng := rand.New(rand.NewSource(17))
	for _, open := range []string{"list", "detail"} {
		h := newHarness(t, w.st, w.op, 100, 30)
		h.command("outbox")
		if open == "detail" {
			h.keys("enter")
		}
		sizeCheck(t, h, open)
		for i := 0; i < 150; i++ {
			h.send(tea.WindowSizeMsg{Width: 1 + rng.Intn(300), Height: 1 + rng.Intn(100)})
			sizeCheck(t, h, open)
			if i%2 == 1 {
				h.keys(stormKeys[rng.Intn(len(stormKeys))])
				sizeCheck(t, h, open)
			}
		}
	}
}

// TestUserScreenListsTheAccountsEmails: the User screen shows the account's recent e-mails
// with their delivery status and the server's answer, and tab reaches them.
func TestUserScreenListsTheAccountsEmails(t *testing.T) {
	f := newUserFixture(t)
	f.exec(`INSERT INTO outbox (kind, user_id, recipient, subject, body, message_id, status, attempts, last_error)
		VALUES ('reset_link', $1, 'jean@example.org', 'reset', 'x', '<user-screen-mail@x>', 'failed', 1, 'SMTP RCPT: 550 mailbox unavailable')`, f.id)
	h, _ := f.open(support, 80, 24)
	if missing := reach(h, []string{"tab"}, []string{"Recent e-mails", "550 mailbox unavailable"}); len(missing) > 0 {
		t.Fatalf("tab never shows %q:\n%s", missing, h.view())
	}
}
