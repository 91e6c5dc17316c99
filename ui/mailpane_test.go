package ui

import (
	"context"
	"strings"
	"testing"

	"gatehouse/model"
	"gatehouse/store"
)

// paneView loads the pane (its First, its answer) and draws it.
func paneView(t *testing.T, p *listPane[store.OutboxMail], w, h int) string {
	t.Helper()
	p.SetSize(w, h)
	if cmd := p.First(); cmd != nil {
		if cmd2 := p.Update(cmd()); cmd2 != nil {
			if m, ok := cmd2().(errMsg); ok {
				t.Fatal(m.Err)
			}
		}
	}
	v := p.View()
	if prob := frameProblem(v, w, h, false); prob != "" {
		t.Fatalf("the mail pane at %d×%d: %s\n%s", w, h, prob, v)
	}
	return v
}

// An account's recent e-mails, as the User screen mounts them: kind, status (sent, pending,
// failed), the server's answer after a real refusal, when; newest first; in the operator's
// scope; in French too; within 80 columns.
func TestUserMailPaneListsTheAccountsEmails(t *testing.T) {
	w := newOutboxWorld(t)
	ctx := context.Background()
	w.sink.Refuse()
	if _, err := w.st.UnlockUsers(ctx, w.op, []int64{w.ada}, "called", false); err != nil { // a notice, sent
		t.Fatal(err)
	}
	if rep := w.deliver(); rep.Sent != 1 {
		t.Fatalf("delivery: %+v", rep)
	}
	w.sink.Refuse(adaMailbox)
	if err := w.st.SendResetLink(ctx, w.op, w.ada); err != nil { // refused: failed
		t.Fatal(err)
	}
	if rep := w.deliver(); rep.Failed != 1 {
		t.Fatalf("delivery: %+v", rep)
	}
	if err := w.st.SendLoginCode(ctx, w.op, w.ada); err != nil { // pending
		t.Fatal(err)
	}

	h := newHarness(t, w.st, w.op, 80, 24)
	p := newUserMailPane(h.app.c, w.ada)
	v := paneView(t, p, 80, 8)
	rows := p.Rows()
	if len(rows) != 3 || rows[0].Kind != "login_code" || rows[1].Kind != "reset_link" || rows[2].Kind != "notice" {
		t.Fatalf("the pane holds %+v", rows)
	}
	lines := strings.Split(v, "\n")
	for i, want := range [][]string{
		{"When", "E-mail", "Status", "Server's answer"},
		{"2026-11-20 09:30", "login code", "pending"},
		{"reset link", "failed", "SMTP RCPT: 550", "no such mailbox"},
		{"notice", "sent"},
	} {
		for _, s := range want {
			if !strings.Contains(lines[i], s) {
				t.Fatalf("line %d of the pane lacks %q:\n%s", i, s, v)
			}
		}
	}

	// A new e-mail shows after a reload.
	if err := w.st.SendResetLink(ctx, w.op, w.ada); err != nil {
		t.Fatal(err)
	}
	p.Update(p.Reload()())
	if n := len(p.Rows()); n != 4 {
		t.Fatalf("after a reload the pane holds %d e-mails", n)
	}

	// An admin of another organization reads none of them.
	gina := registered(t, w.st, "gina", model.RoleAdmin, "globex")
	hg := newHarness(t, w.st, gina, 80, 24)
	if v := paneView(t, newUserMailPane(hg.app.c, w.ada), 80, 8); !strings.Contains(v, "No e-mail to this account yet.") {
		t.Fatalf("another organization's admin sees:\n%s", v)
	}

	// In French, no word cut.
	fr := NewApp(ctx, w.st, w.op, Options{Lang: "fr", DBLabel: "test"}, asciiRenderer())
	hf := &harness{t: t, app: fr, st: w.st, hl: newHeadless(fr, 80, 24)}
	v = paneView(t, newUserMailPane(hf.app.c, w.ada), 80, 8)
	for _, s := range []string{"Quand", "Courriel", "État", "Réponse du serveur", "code d'usager", "réinitialisation", "en échec", "envoyé", "en attente"} {
		if !strings.Contains(v, s) {
			t.Fatalf("the French pane lacks %q:\n%s", s, v)
		}
	}
}
