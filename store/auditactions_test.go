package store_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"gatehouse/model"
	"gatehouse/model/i18n"
	"gatehouse/store"
)

// storeAuditActions reads the store's source for every audit action it writes: the action
// of each call of audit and auditIn, and of each auditEntry (a change to a user). "settings."
// + key stands for every key writeSetting is called with (a constant). Any other way of
// naming an action is reported in odd: the test cannot know what it writes.
func storeAuditActions(t *testing.T) (actions map[string][]string, odd []string) {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var parsed []*ast.File
	consts := map[string]string{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		af, err := parser.ParseFile(fset, f, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, af)
		for _, d := range af.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, sp := range g.Specs {
				vs := sp.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							consts[n.Name], _ = strconv.Unquote(lit.Value)
						}
					}
				}
			}
		}
	}
	var settings []string
	for _, af := range parsed {
		ast.Inspect(af, func(n ast.Node) bool {
			if c, ok := n.(*ast.CallExpr); ok {
				if sel, ok := c.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "writeSetting" && len(c.Args) > 2 {
					if id, ok := c.Args[2].(*ast.Ident); ok && consts[id.Name] != "" {
						settings = append(settings, consts[id.Name])
					} else {
						odd = append(odd, fset.Position(c.Pos()).String())
					}
				}
			}
			return true
		})
	}
	actions = map[string][]string{}
	name := func(e ast.Expr, where token.Pos) {
		at := fset.Position(where).String()
		switch x := e.(type) {
		case *ast.BasicLit:
			if v, err := strconv.Unquote(x.Value); err == nil {
				actions[v] = append(actions[v], at)
				return
			}
		case *ast.BinaryExpr:
			if lit, ok := x.X.(*ast.BasicLit); ok && x.Op == token.ADD && lit.Value == `"settings."` && len(settings) > 0 {
				for _, k := range settings {
					actions["settings."+k] = append(actions["settings."+k], at)
				}
				return
			}
		case *ast.Ident:
			if x.Name == "action" { // audit handing its own argument on
				return
			}
		case *ast.SelectorExpr:
			if id, ok := x.X.(*ast.Ident); ok && id.Name == "e" && x.Sel.Name == "action" { // an auditEntry's, read below
				return
			}
		}
		odd = append(odd, at)
	}
	for _, af := range parsed {
		ast.Inspect(af, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CallExpr:
				if id, ok := x.Fun.(*ast.Ident); ok && (id.Name == "audit" || id.Name == "auditIn") && len(x.Args) > 3 {
					name(x.Args[3], x.Pos())
				}
			case *ast.CompositeLit:
				if id, ok := x.Type.(*ast.Ident); ok && id.Name == "auditEntry" && len(x.Elts) > 0 {
					name(x.Elts[0], x.Pos())
				}
			}
			return true
		})
	}
	return actions, odd
}

// Every audit action the store writes (found in its source) has a text in both languages and
// a French name, and the catalog holds no text for an action the store no longer writes.
func TestEveryAuditActionTheStoreWritesHasItsTexts(t *testing.T) {
	actions, odd := storeAuditActions(t)
	for _, at := range odd {
		t.Errorf("%s: an audit action named otherwise than by a literal: this test cannot know it", at)
	}
	if len(actions) < 40 {
		t.Fatalf("only %d audit actions found in the store's source: %v", len(actions), actions)
	}
	for action, at := range actions {
		if !model.HasAuditText(action) {
			t.Errorf("%s (%s): no text in model's auditTexts: its rows would not read in French", action, at[0])
		}
		if model.ActionIn(i18n.FR, action) == action {
			t.Errorf("%s (%s): no French name (audit.action.%s)", action, at[0], action)
		}
	}
	for _, action := range model.AuditActions() {
		if _, ok := actions[action]; !ok {
			t.Errorf("%s: a text for an action the store does not write", action)
		}
	}
}

// The rows the store writes read in French from their structured part: each action done
// through the store, then every row of the log read back. The English summary is the row's
// English text; the French one is not the English one and holds none of its words.
func TestAuditRowsOfEveryActionReadInFrench(t *testing.T) {
	a := newAcct(t)
	ctx := a.ctx
	acme := a.org("acme", "Acme Industries")
	globex := a.org("globex", "Globex")
	sue := model.Operator{Name: "sue", Role: model.RoleSupport}
	id := a.user("ACME-7K2Q9", "jean.dupont@example.org", "Jean Dupont", acme)
	a.exec(`INSERT INTO membership_rights (user_id, org_id, right_code) VALUES ($1, $2, 'users.manage')`, id, acme)
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	// user.update: every kind of change at once.
	u := a.get(sue, id)
	disabled := model.StatusDisabled
	_, err := a.s.UpdateUser(ctx, sue, id, u.Version, store.UserEdit{Name: "Jean-Paul Dupont", Email: "jp.dupont@example.org",
		Status: &disabled, Memberships: map[int64][]string{acme: {"billing.view"}, globex: {"reports.view"}}})
	must("update", err)
	u = a.get(sue, id)
	_, err = a.s.UpdateUser(ctx, sue, id, u.Version, store.UserEdit{Name: u.Name, Email: u.Email, Memberships: map[int64][]string{acme: {"billing.view"}}})
	must("update (leaves globex)", err)

	// Operators and their keys.
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	must("key", err)
	pk, err := ssh.NewPublicKey(pub)
	must("key", err)
	_, err = a.s.AddOperator(ctx, sue, store.NewOperator{Name: "ana", Role: model.RoleAdmin, OrgSlugs: []string{"acme", "globex"}})
	must("operator add", err)
	fp, err := a.s.AddOperatorKey(ctx, sue, "ana", string(ssh.MarshalAuthorizedKey(pk)))
	must("key add", err)
	must("key remove", a.s.RemoveOperatorKey(ctx, sue, "ana", fp))
	must("operator remove", a.s.RemoveOperator(ctx, sue, "ana"))

	// Organizations.
	_, err = a.s.AddOrganization(ctx, sue, "initech", "Initech")
	must("org add", err)
	must("time zone", a.s.SetOrganizationTimeZone(ctx, sue, "initech", "Europe/Paris"))
	must("time zone default", a.s.SetOrganizationTimeZone(ctx, sue, "initech", ""))
	must("2FA", a.s.SetOrganizationTOTPRequired(ctx, sue, acme, true))
	must("2FA", a.s.SetOrganizationTOTPRequired(ctx, sue, acme, false))

	// The rights catalog.
	must("right add", a.s.AddRight(ctx, sue, model.Right{Code: "rooms.book", Label: "Book rooms", Description: "Books the meeting rooms"}))
	label, desc, none := "Réserver des salles", "Réserve les salles de réunion", ""
	must("right set", a.s.SetRightText(ctx, sue, "rooms.book", i18n.FR, store.RightText{Label: &label, Description: &desc}))
	must("right set", a.s.SetRightText(ctx, sue, "rooms.book", i18n.FR, store.RightText{Description: &none}))
	_, err = a.s.RemoveRight(ctx, sue, "rooms.book", false)
	must("right remove", err)

	// Settings.
	p := model.DefaultLockoutPolicy()
	must("lockout", a.s.SetLockoutPolicy(ctx, sue, p))
	p.Mode, p.BaseDuration, p.MaxDuration = model.LockTemporary, 15*time.Minute, 24*time.Hour
	must("lockout", a.s.SetLockoutPolicy(ctx, sue, p))
	must("sessions", a.s.SetSessionPolicy(ctx, sue, store.SessionPolicy{Idle: 30 * time.Minute, Absolute: 12 * time.Hour}))

	// Maintenance.
	_, err = a.s.PruneAuthEvents(ctx, sue, a.clock().Add(-90*24*time.Hour), store.PruneOptions{})
	must("prune", err)
	_, err = a.s.RebuildSearchBlocks(ctx, sue)
	must("reindex", err)

	// The outbox: a reset link made due again, then cancelled.
	other := a.user("ACME-3HF8M", "amelie@example.org", "Amélie Rousseau", acme)
	mail, _ := a.queuedResetLink(other)
	_, err = a.s.RetryMail(ctx, sue, mail)
	must("retry", err)
	_, err = a.s.CancelMail(ctx, sue, mail)
	must("cancel", err)

	// A deleted account brought back.
	gone := a.user("ACME-4ZZ01", "zoe@example.org", "Zoé Martin", acme)
	u = a.get(sue, gone)
	must("delete", a.s.DeleteUser(ctx, sue, gone, u.Version, "zoe@example.org"))
	_, err = a.s.UndeleteUser(ctx, sue, gone, "deleted by mistake")
	must("undelete", err)

	rows, err := a.s.ListAudit(ctx, sue, store.AuditQuery{Limit: 500})
	must("list", err)
	seen := map[string]int{}
	for _, e := range rows {
		if strings.HasPrefix(e.OperatorName, "setup") {
			continue
		}
		seen[e.Action]++
		if e.Detail == nil {
			t.Errorf("%s: no structured part: %q", e.Action, e.Summary)
			continue
		}
		en, fr := e.SummaryIn(i18n.EN), e.SummaryIn(i18n.FR)
		if en != e.Summary {
			t.Errorf("%s: the English record %q is not its English text %q", e.Action, e.Summary, en)
		}
		if fr == e.Summary || fr == "" {
			t.Errorf("%s: the French reader reads the English summary %q", e.Action, e.Summary)
		}
		if w := englishWordIn(en, fr, e.Detail); w != "" {
			t.Errorf("%s: the English word %q in the French text %q (English: %q)", e.Action, w, fr, en)
		}
		if strings.Contains(fr, "%!") || strings.Contains(fr, "audit.") {
			t.Errorf("%s: %q", e.Action, fr)
		}
	}
	for _, action := range []string{"user.update", "operator.add", "operator.key_add", "operator.key_remove", "operator.remove",
		"org.add", "org.time_zone", "org.require_totp", "right.add", "right.set", "right.remove", "settings.lockout",
		"settings.sessions", "auth_events.prune", "search.reindex", "mail.retry", "mail.cancel", "user.reset_link",
		"user.delete", "user.undelete"} {
		if seen[action] == 0 {
			t.Errorf("no %s row (rows: %v)", action, seen)
		}
	}

	// A few in full, as a French reader reads them.
	fr := map[string][]string{}
	for _, e := range rows {
		fr[e.Action] = append(fr[e.Action], e.SummaryIn(i18n.FR))
	}
	for action, want := range map[string]string{
		"user.update":       "ACME-7K2Q9 modifié\u00a0: nom modifié\u00a0; courriel jean.dupont@example.org → jp.dupont@example.org\u00a0; statut actif → désactivé\u00a0; droits ajoutés dans acme\u00a0: billing.view\u00a0; droits retirés dans acme\u00a0: users.manage\u00a0; ajout à l'établissement globex\u00a0; droits ajoutés dans globex\u00a0: reports.view",
		"org.time_zone":     "établissement initech\u00a0: dates des courriels selon le fuseau Europe/Paris",
		"settings.lockout":  "politique de verrouillage\u00a0: 5 échecs en 15\u00a0min, verrouillages temporaires de 15\u00a0min, doublés jusqu'à 1 jour",
		"right.set":         "droit rooms.book, texte français\u00a0: description retirée",
		"operator.add":      "opérateur ana enregistré comme admin (établissements\u00a0: acme, globex\u00a0; 0 clé)",
		"settings.sessions": "durée des sessions\u00a0: 30\u00a0min sans activité, 12\u00a0h au plus",
	} {
		if !slices.Contains(fr[action], want) {
			t.Errorf("%s in French: %q, want %q", action, fr[action], want)
		}
	}
}

// englishWordIn returns a word of the English text, other than the words the two languages
// share and those of the row's own values (names, codes, addresses), that the French text
// holds.
func englishWordIn(en, fr string, d model.AuditDetail) string {
	words := func(s string) []string {
		return strings.FieldsFunc(model.FoldSearch(s), func(r rune) bool { return r < 'a' || r > 'z' })
	}
	shared := map[string]bool{}
	for _, w := range strings.Fields("session sessions invitation invitations fa utc description min h s d mode id code dates admin support") {
		shared[w] = true
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			for _, w := range words(v) {
				shared[w] = true
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		case model.AuditDetail:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(d)
	in := map[string]bool{}
	for _, w := range words(fr) {
		in[w] = true
	}
	for _, w := range words(en) {
		if len(w) > 1 && !shared[w] && in[w] {
			return w
		}
	}
	return ""
}
