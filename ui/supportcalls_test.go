package ui

import (
	"bytes"
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"golang.org/x/crypto/bcrypt"

	"gatehouse/model"
	"gatehouse/model/i18n"
	"gatehouse/model/safe"
	"gatehouse/store"
	"gatehouse/store/smtptest"
)

// The help desk's eight calls, as the support pages describe them: a person phones, the agent
// finds them as they spell their name (no accents, the words in any order), opens the account
// and does what the call needs, in English and in French, at 80×24. Each call's keys are data
// (strokes), so that `go test ./ui -run SupportCalls -v` prints them; `-calls` prints the
// screen each call ends on too.

var showCalls = flag.Bool("calls", false, "TestSupportCalls: log the 80×24 frame each call ends on")

// stroke is one thing the agent does: a key, or a text typed key by key, and what it is for.
// see lists what the 80×24 screen shows whole after it; then checks more (the database, a
// secret on screen).
type stroke struct {
	key, text string
	note      string
	see       []string
	flash     string // the flash line says it (see flashShown)
	then      func(r *callRun)
}

func press(k, note string, see ...string) stroke { return stroke{key: k, note: note, see: see} }
func typed(s, note string, see ...string) stroke { return stroke{text: s, note: note, see: see} }

// saying is the stroke with what the flash line then says.
func (s stroke) saying(flash string) stroke {
	s.flash = flash
	return s
}

// supportCall is one call: who phones and what for, the support page it comes from, the
// world before it, the agent's strokes, and what must hold once they are done.
type supportCall struct {
	name    string
	page    string    // the support page (seeds) the call comes from
	wants   [2]string // what the caller wants, in English and in French
	before  func(w *callWorld)
	strokes func(r *callRun) []stroke
	after   func(r *callRun)
}

// callWorld: three organizations, the callers and the people whose names sound like theirs
// (the search has to tell them apart), a registered support agent, a real SMTP server that
// refuses one misspelt domain for good, and the mailer's configuration.
type callWorld struct {
	t    *testing.T
	st   *store.Store
	f    fixture
	op   model.Operator
	box  *smtptest.Server
	cfg  store.MailerConfig
	org  map[string]int64 // by slug
	user map[string]int64 // by login code
}

// callPassword is every seeded account's password (a cheap bcrypt hash: the calls are about
// the console, not about hashing).
const callPassword = "the real one, long enough"

var callPeople = []struct{ login, email, name, orgs string }{
	{"COTE-AMR42", "amelie.rousseau@boulangerie-cote.fr", "Amélie Rousseau", "boulangerie-cote"},
	{"COTE-AML17", "amelie.roussel@boulangerie-cote.fr", "Amélie Roussel", "boulangerie-cote"},
	{"MROY-THR31", "theo.rousseau@hotel-mont-royal.fr", "Théo Rousseau", "hotel-mont-royal"},
	{"CLIN-ELF08", "elodie.lefevre@clinique-ste-therese.fr", "Élodie Lefèvre", "clinique-ste-therese"},
	{"COTE-ELC02", "elodie.cote@boulangerie-cote.fr", "Élodie Côté", "boulangerie-cote"},
	{"MROY-FBR03", "francois.berube@hotel-mont-royal.fr", "François Bérubé", "hotel-mont-royal"},
	{"MROY-FBR04", "francoise.berube@hotel-mont-royal.fr", "Françoise Bérubé", "hotel-mont-royal"},
	{"CLIN-HGA05", "helene.gagne@exmaple.fr", "Hélène Gagné", "clinique-ste-therese"},
	{"CLIN-HGN06", "helene.gagnon@clinique-ste-therese.fr", "Hélène Gagnon", "clinique-ste-therese"},
	{"MROY-NTR07", "accueil@hotel-mont-royal.fr", "Noémie Tremblay", "hotel-mont-royal"},
	{"COTE-JLV09", "jerome.levesque@boulangerie-cote.fr", "Jérôme Lévesque", "boulangerie-cote"},
	{"CLIN-ZBL10", "zoe.belanger@clinique-ste-therese.fr", "Zoé Bélanger", "clinique-ste-therese,hotel-mont-royal"},
	{"MROY-GSP11", "gaelle.saint-pierre@hotel-mont-royal.fr", "Gaëlle Saint-Pierre", "hotel-mont-royal"},
}

func newCallWorld(t *testing.T) *callWorld {
	t.Helper()
	st := newStore(t)
	w := &callWorld{t: t, st: st, f: fixture{t, st}, org: map[string]int64{}, user: map[string]int64{}}
	for _, o := range [][2]string{{"boulangerie-cote", "Boulangerie Côté"}, {"clinique-ste-therese", "Clinique Sainte-Thérèse"},
		{"hotel-mont-royal", "Hôtel Mont-Royal"}} {
		w.org[o[0]] = w.f.org(o[0], o[1])
	}
	for _, p := range callPeople {
		var orgs []int64
		for _, slug := range strings.Split(p.orgs, ",") {
			orgs = append(orgs, w.org[slug])
		}
		w.user[p.login] = w.f.user(p.login, p.email, p.name, orgs...)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(callPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	w.f.exec(`UPDATE users SET password_hash = $1`, string(hash))
	w.op = registered(t, st, "claire", model.RoleSupport)
	w.box = smtptest.Start(t, smtptest.Options{RefuseDomain: "exmaple.fr"})
	w.cfg = store.MailerConfig{SMTPURL: w.box.URL(), From: "portail@example.com", Hostname: "test", Timeout: 5 * time.Second}
	return w
}

// fail is a wrong password typed on the portal by the user, through the real login routine.
func (w *callWorld) fail(login string) {
	w.t.Helper()
	_, err := w.st.Authenticate(context.Background(), store.AuthRequest{Login: login, Password: "Soleil2026!",
		IP: netip.MustParseAddr("198.51.100.23"), UserAgent: "Mozilla/5.0 Firefox/140"})
	if err != store.ErrAuthFailed {
		w.t.Fatalf("a wrong password for %q: %v", login, err)
	}
}

// deliver runs one round of the mailer against the SMTP server.
func (w *callWorld) deliver() store.DeliveryReport {
	w.t.Helper()
	rep, err := w.st.DeliverOutbox(context.Background(), w.cfg)
	if err != nil {
		w.t.Fatal(err)
	}
	return rep
}

func (w *callWorld) count(q string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.st.DB().Get(&n, q, args...); err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// callRun is one call being made in one language.
type callRun struct {
	t    *testing.T
	w    *callWorld
	h    *harness
	lang i18n.Lang
	term *bytes.Buffer // what the console wrote to the agent's terminal (OSC 52)
	keep map[string]string
}

// tr picks the text of the run's language.
func (r *callRun) tr(en, fr string) string {
	if r.lang == i18n.FR {
		return fr
	}
	return en
}

// yes is the key that answers yes to a question: y, or o ("oui") in French.
func (r *callRun) yes() string { return r.tr("y", "o") }

// msg is a catalog text in the run's language.
func (r *callRun) msg(key string, args ...any) string { return i18n.T(r.lang, key, args...) }

// hyphenBreak is a line broken after a hyphen ("Sainte-" then "Thérèse"), box borders and
// padding around the break.
var hyphenBreak = regexp.MustCompile(`-[ │]*\n[ │]*`)

// flat joins a text's words with single spaces, a word broken after its hyphen whole again
// and a box's borders taken away: a question wrapped on screen, or a note in a box, reads as
// one line.
func flat(s string) string {
	s = strings.ReplaceAll(hyphenBreak.ReplaceAllString(s, "-"), "│", " ")
	return strings.Join(strings.Fields(s), " ")
}

// mustSee checks that the frame shows each text whole (wrapped lines read as one).
func (r *callRun) mustSee(what string, texts ...string) {
	r.t.Helper()
	v := r.h.view()
	for _, s := range texts {
		if !strings.Contains(flat(v), flat(s)) {
			r.t.Fatalf("%s: the 80×24 screen does not show %q whole:\n%s", what, s, v)
		}
	}
}

// flashShown checks the flash: it says text whole, on its line and the body's empty bottom
// lines; where the screen has no empty line to give it, as much as its one line holds (the
// test logs each such cut).
func (r *callRun) flashShown(what, text string) {
	r.t.Helper()
	lines := strings.Split(r.h.view(), "\n")
	if n := len(lines); n >= 4 && strings.Contains(flat(strings.Join(lines[n-4:n-1], " ")), flat(text)) {
		return
	}
	line := ""
	if len(lines) >= 2 {
		line = lines[len(lines)-2]
	}
	want := text
	if w := r.h.app.c.width; safe.Width(text) > w {
		want = safe.Truncate(text, w)
		r.t.Logf("%s: the flash is wider than %d columns and is cut: %q", what, w, strings.TrimSpace(line))
	}
	if !strings.Contains(line, want) {
		r.t.Fatalf("%s: the flash line does not say %q:\n%s", what, want, r.h.view())
	}
}

// strokeKey is the key message of a named key (the harness's names, and ctrl+u).
func strokeKey(k string) tea.KeyMsg {
	if k == "ctrl+u" {
		return tea.KeyMsg{Type: tea.KeyCtrlU}
	}
	return keyMsg(k)
}

// play types the strokes, checking each frame against the window and what it must show.
func (r *callRun) play(strokes []stroke) {
	r.t.Helper()
	for i, s := range strokes {
		if s.key != "" {
			r.h.send(strokeKey(s.key))
		} else {
			r.h.typeText(s.text)
		}
		what := fmt.Sprintf("stroke %d (%s)", i+1, s.note)
		sizeCheck(r.t, r.h, what)
		r.mustSee(what, s.see...)
		if s.flash != "" {
			r.flashShown(what, s.flash)
		}
		if s.then != nil {
			s.then(r)
		}
	}
}

// strokeName is how a key is written in a sequence, in the session's language (as help names it).
func strokeName(lang i18n.Lang, k string) string {
	switch k {
	case "enter":
		return "⏎"
	case "up":
		return "↑"
	case "down":
		return "↓"
	}
	if lang == i18n.FR {
		switch k {
		case "esc":
			return "échap"
		case "space":
			return "espace"
		case "shift+tab":
			return "maj+tab"
		}
	}
	return k
}

// sequence is the strokes on one line: keys by name, typed text in quotes.
func sequence(lang i18n.Lang, strokes []stroke) string {
	parts := make([]string, len(strokes))
	for i, s := range strokes {
		if s.key != "" {
			parts[i] = strokeName(lang, s.key)
		} else {
			parts[i] = "“" + s.text + "”"
		}
	}
	return strings.Join(parts, " ")
}

// steps is the strokes one a line, each with what it is for.
func steps(lang i18n.Lang, strokes []stroke) string {
	var b strings.Builder
	for i, s := range strokes {
		k := strokeName(lang, s.key)
		if s.key == "" {
			k = "“" + s.text + "”"
		}
		fmt.Fprintf(&b, "  %2d. %s %s\n", i+1, safe.Pad(k, 32), s.note)
	}
	return b.String()
}

// searchFor is how every call starts: / and the name as the caller says it, enter to leave
// the search box, enter to open the row under the cursor. The account's screen shows its
// name, its login code and what else opened names.
func searchFor(r *callRun, spoken, name, login string, opened ...string) []stroke {
	return []stroke{
		press("/", r.tr("search the users", "rechercher les utilisateurs")),
		typed(spoken, r.tr("the name as the caller spells it", "le nom comme l'appelant l'épelle"), name, login, r.msg("users.col.login")),
		press("enter", r.tr("leave the search box", "quitter la zone de recherche")),
		press("enter", r.tr("open the account under the cursor", "ouvrir le compte sous le curseur"), append([]string{name, login}, opened...)...),
	}
}

// auditedWithReason checks the call's one audit row of action on the user: written for
// claire, its summary ending with the reason she typed.
func (r *callRun) auditedWithReason(what, action string, id int64, reasonEnd string) {
	r.t.Helper()
	if r.w.count(`SELECT count(*) FROM audit_entries WHERE action = $1 AND target_user_id = $2 AND operator_name = 'claire'
		AND summary LIKE '%' || $3`, action, id, reasonEnd) != 1 {
		r.t.Errorf("%s is not audited with its reason", what)
	}
}

// notified delivers the outbox and checks that the one e-mail sent is the notice to addr.
func (r *callRun) notified(what, addr string) {
	r.t.Helper()
	if rep := r.w.deliver(); rep.Sent != 1 || len(r.w.box.To(addr)) != 1 {
		r.t.Errorf("the notice of %s did not reach %s: %+v", what, addr, rep)
	}
}

// mailedToken is the token of the link to page (reset, accept) in the one e-mail the server
// received for addr.
func (r *callRun) mailedToken(addr, page string) string {
	r.t.Helper()
	got := r.w.box.To(addr)
	if len(got) != 1 {
		r.t.Fatalf("%d e-mails reached %s, want 1: %+v", len(got), addr, r.w.box.Messages())
	}
	token := regexp.MustCompile(`/` + page + `\?token=([A-Za-z0-9_-]{40,})`).FindStringSubmatch(got[0].Body)
	if token == nil {
		r.t.Fatalf("no %s link in the e-mail:\n%s", page, got[0].Body)
	}
	return token[1]
}

func supportCalls() []supportCall {
	return []supportCall{
		{
			name: "LockedOutAfterFiveTries",
			page: "001 (bloqué après 5 essais)",
			wants: [2]string{"I typed a wrong password five times and now my account is locked.",
				"J'ai bloqué mon compte en essayant de me connecter 5 fois sans succès."},
			before: func(w *callWorld) {
				for range 5 {
					w.fail("cote-amr42 ") // as typed on the portal: lower case, a space after
				}
				if w.count(`SELECT count(*) FROM users WHERE login_code = 'COTE-AMR42' AND locked_at IS NOT NULL`) != 1 {
					w.t.Fatal("five wrong passwords did not lock the account")
				}
			},
			strokes: func(r *callRun) []stroke {
				return append(searchFor(r, "amelie rousseau", "Amélie Rousseau", "COTE-AMR42", r.msg("user.failures.count", 5)),
					press("u", r.tr("unlock", "déverrouiller"), r.msg("user.prompt.unlock")),
					typed(r.tr("locked out after 5 tries, identity checked by call-back", "bloquée après 5 essais, identité vérifiée par rappel"),
						r.tr("the reason (required, audited)", "le motif (obligatoire, journalisé)")),
					press("enter", r.tr("unlock now", "déverrouiller"), r.msg("user.failures.count", 0)).saying(r.msg("user.done.unlock", "Amélie Rousseau")),
				)
			},
			after: func(r *callRun) {
				w, id := r.w, r.w.user["COTE-AMR42"]
				if w.count(`SELECT count(*) FROM users WHERE id = $1 AND locked_at IS NULL AND failed_attempts = 0`, id) != 1 {
					r.t.Error("the account is still locked")
				}
				r.auditedWithReason("the unlock", "user.unlock", id, r.tr("identity checked by call-back", "identité vérifiée par rappel"))
				r.notified("the unlock", "amelie.rousseau@boulangerie-cote.fr")
			},
		},
		{
			name: "LostLoginCode",
			page: "000 (j'ai perdu mon code d'usager)",
			wants: [2]string{"I lost my login code: send it to me by e-mail.",
				"J'ai perdu mon code d'usager : faites-le-moi parvenir par courriel."},
			strokes: func(r *callRun) []stroke {
				return append(searchFor(r, "lefevre elodie", "Élodie Lefèvre", "CLIN-ELF08"),
					press("c", r.tr("e-mail the login code", "envoyer le code d'usager par courriel"), r.msg("user.ask.logincode", "Élodie Lefèvre")),
					press(r.yes(), r.tr("yes", "oui")).saying(r.msg("user.done.logincode", "Élodie Lefèvre")),
				)
			},
			after: func(r *callRun) {
				w := r.w
				if rep := w.deliver(); rep.Sent != 1 {
					r.t.Fatalf("delivery: %+v", rep)
				}
				got := w.box.To("elodie.lefevre@clinique-ste-therese.fr")
				if len(got) != 1 || !strings.Contains(got[0].Body, "CLIN-ELF08") {
					r.t.Fatalf("the e-mail with her login code did not reach her: %+v", got)
				}
				if w.count(`SELECT count(*) FROM audit_entries WHERE action = 'user.login_code' AND target_user_id = $1`, w.user["CLIN-ELF08"]) != 1 {
					r.t.Error("sending the login code is not audited")
				}
			},
		},
		{
			name: "PasswordDoesNotWork",
			page: "000 (mon mot de passe ne fonctionne pas), 001 and 004 (mot de passe oublié)",
			wants: [2]string{"My password does not work; I must have forgotten it.",
				"Mon mot de passe ne fonctionne pas ; je l'ai sans doute oublié."},
			before: func(w *callWorld) {
				w.fail("MROY-FBR03")
				w.fail("francois.berube@hotel-mont-royal.fr")
			},
			strokes: func(r *callRun) []stroke {
				s := searchFor(r, "francois berube", "François Bérubé", "MROY-FBR03")
				s[1].see = append(s[1].see, "Françoise Bérubé", "MROY-FBR04") // Françoise too: the login code tells them apart
				return append(s,
					press("shift+tab", r.tr("the authentication events, at the bottom", "les événements d'authentification, en bas"),
						r.msg("user.events"), r.msg("ev.login_failure"), r.msg("why.bad_password")),
					press("r", r.tr("e-mail a reset link", "envoyer un lien de réinitialisation"), r.msg("user.ask.resetlink", "François Bérubé")),
					press(r.yes(), r.tr("yes", "oui")).saying(r.msg("user.done.resetlink", "François Bérubé")),
				)
			},
			after: func(r *callRun) {
				w := r.w
				if rep := w.deliver(); rep.Sent != 1 {
					r.t.Fatalf("delivery: %+v", rep)
				}
				token := r.mailedToken("francois.berube@hotel-mont-royal.fr", "reset")
				if _, err := w.st.RedeemResetToken(context.Background(), token, "piano lanterne automne 42", "piano lanterne automne 42"); err != nil {
					r.t.Fatalf("the link in the e-mail does not reset the password: %v", err)
				}
			},
		},
		{
			name: "ResetEmailNeverArrived",
			page: "004 (un e-mail automatique vous sera envoyé), 000 (n'oubliez pas de consulter vos courriels)",
			wants: [2]string{"I asked for a reset link and it never arrived.",
				"J'ai demandé un lien de réinitialisation et je ne l'ai jamais reçu."},
			before: func(w *callWorld) {
				if err := w.st.RequestPasswordReset(context.Background(), store.RecoveryRequest{Identifier: "CLIN-HGA05",
					IP: netip.MustParseAddr("198.51.100.40")}); err != nil {
					w.t.Fatal(err)
				}
				if rep := w.deliver(); rep.Failed != 1 {
					w.t.Fatalf("the misspelt address was not refused: %+v", rep)
				}
			},
			strokes: func(r *callRun) []stroke {
				return append(searchFor(r, "gagne helene", "Hélène Gagné", "CLIN-HGA05", "helene.gagne@exmaple.fr"),
					press("shift+tab", r.tr("the e-mails pane, at the bottom: the reset link failed, and why", "les courriels, en bas : le lien a échoué, et pourquoi"),
						r.msg("mailpane.title"), r.msg("outbox.kind.reset_link"), r.msg("outbox.status.failed"), "helene.gagne@exmaple.fr",
						"5.1.2 domain exmaple.fr not found"),
					press("tab", r.tr("leave the pane: the top of the form", "quitter le volet : le haut du formulaire")),
					press("tab", r.tr("the name field", "le champ du nom")),
					press("tab", r.tr("the e-mail field", "le champ du courriel")),
					press("ctrl+u", r.tr("clear it", "l'effacer")),
					typed("helene.gagne@example.fr", r.tr("the address she spells", "l'adresse qu'elle épelle")),
					press("ctrl+s", r.tr("save: out of the form (keys act again)", "enregistrer : hors du formulaire (les touches agissent à nouveau)"),
						"helene.gagne@example.fr").saying(r.msg("user.saved")),
					press("r", r.tr("a new reset link", "un nouveau lien"), r.msg("user.ask.resetlink", "Hélène Gagné")),
					stroke{key: r.yes(), note: r.tr("yes (the mailer sends it meanwhile)", "oui (l'envoi se fait pendant ce temps)"),
						flash: r.msg("user.done.resetlink", "Hélène Gagné"), then: func(r *callRun) {
							r.w.deliver()
							links := 0
							for _, m := range r.w.box.To("helene.gagne@example.fr") {
								if strings.Contains(m.Body, "/reset?token=") {
									links++
								}
							}
							if links != 1 {
								r.t.Fatalf("%d reset links reached the corrected address, want 1: %+v", links, r.w.box.Messages())
							}
						}},
					press("ctrl+r", r.tr("reload", "recharger")),
					press("shift+tab", r.tr("the e-mails pane: the new link sent, to the right address", "les courriels : le nouveau lien envoyé, à la bonne adresse"),
						r.msg("outbox.status.sent"), r.msg("outbox.status.failed"), "helene.gagne@example.fr"),
				)
			},
			after: func(r *callRun) {
				w, id := r.w, r.w.user["CLIN-HGA05"]
				if w.count(`SELECT count(*) FROM users WHERE id = $1 AND email = 'helene.gagne@example.fr'`, id) != 1 {
					r.t.Fatal("the address was not corrected")
				}
				if w.count(`SELECT count(*) FROM audit_entries WHERE action = 'user.update' AND target_user_id = $1`, id) != 1 {
					r.t.Error("the correction is not audited")
				}
				if m, ok := r.h.app.active().(*userView).mail.Current(); !ok || m.Status != store.MailSent || m.Recipient != "helene.gagne@example.fr" {
					r.t.Errorf("the e-mail under the cursor: %+v", m)
				}
			},
		},
		{
			name: "SharedMailboxPasswordByPhone",
			page: "000 (adresse courriel partagée : l'obtenir verbalement), 003 (un mot de passe temporaire va vous être envoyé)",
			wants: [2]string{"Our mailbox is shared: give me a password over the phone.",
				"Notre adresse courriel est partagée : donnez-moi un mot de passe de vive voix."},
			strokes: func(r *callRun) []stroke {
				return append(searchFor(r, "tremblay noemie", "Noémie Tremblay", "MROY-NTR07", "accueil@hotel-mont-royal.fr"),
					press("t", r.tr("generate a temporary password", "générer un mot de passe temporaire"), r.msg("user.temp.ask", "Noémie Tremblay")),
					stroke{key: r.yes(), note: r.tr("yes: read it out to her", "oui : le lui lire"),
						see: []string{r.msg("user.temp.title", "Noémie Tremblay"), r.msg("user.temp.note"), r.msg("user.temp.hint")},
						then: func(r *callRun) {
							uv := r.h.app.active().(*userView)
							r.keep["password"] = uv.temp.secret
							if len([]rune(uv.temp.secret)) != 16 {
								r.t.Fatalf("temporary password %q", uv.temp.secret)
							}
							r.mustSee("the temporary password", uv.temp.secret)
						}},
					press("c", r.tr("copy it to the clipboard (OSC 52)", "le copier dans le presse-papiers (OSC 52)")).saying(r.msg("user.temp.copied")),
					press("esc", r.tr("close: it is not shown again", "fermer : il n'est plus affiché")),
				)
			},
			after: func(r *callRun) {
				w, pw := r.w, r.keep["password"]
				if want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(pw)) + "\x07"; r.term.String() != want {
					r.t.Errorf("OSC 52 written %q", r.term.String())
				}
				if strings.Contains(r.h.view(), pw) {
					r.t.Error("the temporary password is still on screen")
				}
				var hash string
				var must bool
				var expires time.Time
				if err := w.st.DB().QueryRow(`SELECT password_hash, must_change_password, password_expires_at FROM users WHERE login_code = 'MROY-NTR07'`).
					Scan(&hash, &must, &expires); err != nil {
					r.t.Fatal(err)
				}
				if ok, _, err := store.VerifyPassword(context.Background(), hash, pw); !ok || err != nil || !must || !expires.Equal(testNow.Add(72*time.Hour)) {
					r.t.Errorf("the temporary password: verifies %v (%v), must change %v, expires %v", ok, err, must, expires)
				}
				r.mustSee("after closing", r.msg("user.password.mustchange"))
			},
		},
		{
			name: "LostAuthenticatorPhone",
			page: "002 (pas d'accès à l'application : il désactivera l'authentification à deux facteurs)",
			wants: [2]string{"I lost the phone with my authenticator app and cannot sign in.",
				"J'ai perdu le téléphone où est mon application d'authentification."},
			before: func(w *callWorld) {
				w.f.exec(`UPDATE users SET totp_enabled = true, totp_secret = 'JBSWY3DPEHPK3PXP' WHERE login_code = 'COTE-JLV09'`)
			},
			strokes: func(r *callRun) []stroke {
				return append(searchFor(r, "jerome levesque", "Jérôme Lévesque", "COTE-JLV09"),
					press("2", r.tr("reset 2FA", "réinitialiser la 2FA"), r.msg("user.prompt.totp", "Jérôme Lévesque")),
					typed(r.tr("lost his phone, identity checked by call-back", "téléphone perdu, identité vérifiée par rappel"),
						r.tr("the reason (required, audited)", "le motif (obligatoire, journalisé)"),
						r.tr("lost his phone, identity checked by call-back", "téléphone perdu, identité vérifiée par rappel")),
					press("enter", r.tr("reset it", "réinitialiser"), r.tr("2FA            off", "2FA                non")).saying(r.msg("user.done.totp", "Jérôme Lévesque")),
				)
			},
			after: func(r *callRun) {
				w, id := r.w, r.w.user["COTE-JLV09"]
				if w.count(`SELECT count(*) FROM users WHERE id = $1 AND NOT totp_enabled AND totp_secret IS NULL`, id) != 1 {
					r.t.Error("2FA is still on")
				}
				r.auditedWithReason("the 2FA reset", "user.totp_reset", id, r.tr("identity checked by call-back", "identité vérifiée par rappel"))
				r.notified("the 2FA reset", "jerome.levesque@boulangerie-cote.fr")
			},
		},
		{
			name: "NewIdentifierReplacesTheOld",
			page: "001 (créer un nouvel identifiant avec une adresse e-mail différente et supprimer l'ancien)",
			wants: [2]string{"I have a new e-mail address: make it my identifier, with my access, and delete the old one.",
				"J'ai une nouvelle adresse : faites-en mon identifiant, avec mes accès, et supprimez l'ancien."},
			before: func(w *callWorld) {
				w.f.exec(`INSERT INTO membership_rights (user_id, org_id, right_code) VALUES ($1, $2, 'reports.view'), ($1, $3, 'bookings.manage')`,
					w.user["CLIN-ZBL10"], w.org["clinique-ste-therese"], w.org["hotel-mont-royal"])
			},
			strokes: func(r *callRun) []stroke {
				ask := r.msg("user.replace.ask", "Zoé Bélanger", "z.belanger@groupe-sante.fr",
					r.msg("user.replace.org", "Clinique Sainte-Thérèse", "reports.view")+"; "+r.msg("user.replace.org", "Hôtel Mont-Royal", "bookings.manage"),
					r.msg("user.replace.nothingout"), "CLIN-ZBL10")
				return append(searchFor(r, "belanger zoe", "Zoé Bélanger", "CLIN-ZBL10"),
					press("R", r.tr("replace the identifier", "remplacer le compte"), r.msg("user.prompt.replace", "Zoé Bélanger")),
					typed("z.belanger@groupe-sante.fr", r.tr("her new address", "sa nouvelle adresse"), "z.belanger@groupe-sante.fr"),
					press("enter", r.tr("next: the name", "suivant : le nom"), r.msg("user.prompt.replace.to"), "Zoé Bélanger"),
					press("enter", r.tr("keep the name: what is carried, what is left out", "garder le nom : ce qui est repris, ce qui est laissé"), ask),
					stroke{key: r.yes(), note: r.tr("send the replacement", "envoyer le remplacement"), then: func(r *callRun) {
						var login string
						if err := r.w.st.DB().Get(&login, `SELECT u.login_code FROM invitations i JOIN users u ON u.id = i.user_id
							WHERE i.replaces_user_id = $1`, r.w.user["CLIN-ZBL10"]); err != nil {
							r.t.Fatalf("no replacement invitation: %v", err)
						}
						r.flashShown("the replacement sent", r.msg("user.replace.link", "z.belanger@groupe-sante.fr", login, "CLIN-ZBL10"))
						r.mustSee("the replacement sent", r.msg("user.replace.link", "z.belanger@groupe-sante.fr", login, "CLIN-ZBL10"))
					}},
				)
			},
			after: func(r *callRun) {
				w, old := r.w, r.w.user["CLIN-ZBL10"]
				if w.count(`SELECT count(*) FROM invitations i JOIN invitation_membership_rights m ON m.invitation_id = i.id
					WHERE i.replaces_user_id = $1 AND i.email = 'z.belanger@groupe-sante.fr'`, old) != 2 {
					r.t.Fatal("the replacement does not carry her two memberships' rights")
				}
				w.deliver()
				token := r.mailedToken("z.belanger@groupe-sante.fr", "accept")
				const pw = "verger tranquille horizon 2026"
				res, err := w.st.AcceptInvitation(context.Background(), token, store.Acceptance{Password: pw, Confirm: pw})
				if err != nil {
					r.t.Fatalf("accepting the replacement: %v", err)
				}
				if w.count(`SELECT count(*) FROM users WHERE id = $1 AND status = 'deleted'`, old) != 1 {
					r.t.Error("the old identifier was not deleted on acceptance")
				}
				if w.count(`SELECT count(*) FROM membership_rights WHERE user_id = $1`, res.UserID) != 2 ||
					w.count(`SELECT count(*) FROM users WHERE id = $1 AND status = 'active' AND email = 'z.belanger@groupe-sante.fr'`, res.UserID) != 1 {
					r.t.Error("the new identifier is not active with her rights")
				}
			},
		},
		{
			name: "AddAnotherEstablishment",
			page: "001 (ajouter un autre établissement à un compte : utilisateur existant)",
			wants: [2]string{"I work at the bakery too now: add it to my account, to manage bookings.",
				"Je travaille aussi à la boulangerie : ajoutez-la à mon compte, pour gérer les réservations."},
			strokes: func(r *callRun) []stroke {
				return []stroke{
					press("i", r.tr("the invite wizard", "l'assistant d'invitation"), r.msg("invite.step.who")),
					press("shift+tab", r.tr("up to the choice: new person or existing user", "jusqu'au choix : nouvel utilisateur ou utilisateur existant")),
					press("space", r.tr("an existing user", "un utilisateur existant"), "(•) "+r.msg("invite.mode.existing")),
					press("tab", r.tr("the login code field (it searches)", "le champ du code d'usager (il cherche)")),
					typed("saint pierre gaelle", r.tr("her name as she spells it", "son nom comme elle l'épelle"),
						"Gaëlle Saint-Pierre · MROY-GSP11"),
					press("enter", r.tr("pick her: login code and e-mail filled", "la choisir : code d'usager et courriel remplis"),
						r.msg("invite.email")+"      gaelle.saint-pierre@hotel-mont-royal.fr",
						"✓ Gaëlle Saint-Pierre · MROY-GSP11 · gaelle.saint-pierre@hotel-mont-royal.fr"),
					typed("boul", r.tr("the establishment", "l'établissement"), "Boulangerie Côté (boulangerie-cote)"),
					press("enter", r.tr("next: the rights", "suivant : les droits"), r.msg("invite.rights.title", "Boulangerie Côté")),
					press("down", r.tr("down to…", "descendre jusqu'à…")),
					press("down", r.tr("…manage bookings", "…gérer les réservations")),
					press("space", r.tr("tick it", "le cocher"), "[x] "+rightLabel(r, "bookings.manage")),
					press("enter", r.tr("review", "vérifier"), "Gaëlle Saint-Pierre <gaelle.saint-pierre@hotel-mont-royal.fr>", "MROY-GSP11",
						"Boulangerie Côté (boulangerie-cote)", rightLabel(r, "bookings.manage")+" (bookings.manage)"),
					press("enter", r.tr("send", "envoyer"), r.msg("invite.done.mail.existing")),
				}
			},
			after: func(r *callRun) {
				w, id := r.w, r.w.user["MROY-GSP11"]
				if w.count(`SELECT count(*) FROM invitations WHERE user_id = $1 AND org_id = $2`, id, w.org["boulangerie-cote"]) != 1 {
					r.t.Fatal("no invitation of her account to the bakery")
				}
				w.deliver()
				token := r.mailedToken("gaelle.saint-pierre@hotel-mont-royal.fr", "accept")
				if _, err := w.st.AcceptInvitation(context.Background(), token, store.Acceptance{Password: callPassword}); err != nil {
					r.t.Fatalf("accepting with her password: %v", err)
				}
				if w.count(`SELECT count(*) FROM membership_rights WHERE user_id = $1 AND org_id = $2 AND right_code = 'bookings.manage'`,
					id, w.org["boulangerie-cote"]) != 1 || w.count(`SELECT count(*) FROM users`) != len(callPeople) {
					r.t.Error("her account did not get the bakery with its right (or a second account was made)")
				}
			},
		},
	}
}

// rightLabel is a right's label in the run's language, from the catalog the store seeded.
func rightLabel(r *callRun, code string) string {
	rights, err := r.w.st.ListRights(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	for _, x := range rights {
		if x.Code == code {
			return x.LabelIn(r.lang)
		}
	}
	r.t.Fatalf("no right %s", code)
	return ""
}

// TestSupportCalls makes each call in English and in French at 80×24, from a console just
// opened on the Users screen, and checks what it changed, what it sent and what it showed.
func TestSupportCalls(t *testing.T) {
	for _, call := range supportCalls() {
		t.Run(call.name, func(t *testing.T) {
			t.Parallel() // each call has its own database, console and SMTP server
			for _, lang := range []i18n.Lang{i18n.EN, i18n.FR} {
				t.Run(string(lang), func(t *testing.T) {
					w := newCallWorld(t)
					if call.before != nil {
						call.before(w)
					}
					app := NewApp(context.Background(), w.st, w.op, Options{Lang: string(lang), DBLabel: "test"}, asciiRenderer())
					h := &harness{t: t, app: app, st: w.st, hl: newHeadless(app, 80, 24)}
					r := &callRun{t: t, w: w, h: h, lang: lang, term: &bytes.Buffer{}, keep: map[string]string{}}
					h.app.c.out = r.term
					strokes := call.strokes(r)
					want := call.wants[0]
					if lang == i18n.FR {
						want = call.wants[1]
					}
					t.Logf("%s — %s (support page %s)\n  %s\n%s", call.name, want, call.page, sequence(lang, strokes), steps(lang, strokes))
					r.play(strokes)
					if *showCalls {
						t.Logf("the screen at the end (80×24):\n%s", h.view())
					}
					call.after(r)
				})
			}
		})
	}
}
