package portal_test

import (
	"strings"
	"testing"

	"golang.org/x/net/html"

	"gatehouse/model"
	"gatehouse/portal"
	"gatehouse/store"
)

// Every page, in every state a person meets it, parsed: each input has a label and the
// autocomplete value password managers rely on; nothing the CSP would block (inline script,
// style attributes, event handlers); one h1, a title, the page's language.

// autocompleteOf is the autocomplete each field name must carry.
var autocompleteOf = map[string]map[string]string{
	"username": {"": "username"},
	"email":    {"": "email"},
	"password": {"login": "current-password", "": "new-password"},
	"confirm":  {"": "new-password"},
	"current":  {"": "current-password"},
	"code":     {"": "one-time-code"},
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func nodeText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

// checkPage parses one page and reports every rule it breaks.
func checkPage(t *testing.T, name, pageKind, body string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	labels := map[string]string{}
	var inputs, elems []*html.Node
	h1 := 0
	title := ""
	lang := ""
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			elems = append(elems, n)
			switch n.Data {
			case "label":
				if f, ok := attr(n, "for"); ok {
					labels[f] = nodeText(n)
				}
			case "input", "select", "textarea":
				inputs = append(inputs, n)
			case "h1":
				h1++
			case "title":
				title = nodeText(n)
			case "html":
				lang, _ = attr(n, "lang")
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if lang != "en" && lang != "fr" {
		t.Errorf("%s: <html lang=%q>", name, lang)
	}
	if h1 != 1 || title == "" {
		t.Errorf("%s: %d h1, title %q", name, h1, title)
	}
	for _, n := range elems {
		for _, a := range n.Attr {
			if a.Key == "style" || strings.HasPrefix(a.Key, "on") {
				t.Errorf("%s: <%s %s=…> (the CSP blocks inline style and handlers)", name, n.Data, a.Key)
			}
		}
		if n.Data == "style" {
			t.Errorf("%s: a <style> element", name)
		}
		if n.Data == "script" {
			if _, ok := attr(n, "src"); !ok {
				t.Errorf("%s: an inline <script>", name)
			}
		}
		if n.Data == "button" && nodeText(n) == "" {
			t.Errorf("%s: a button without text", name)
		}
		if n.Data == "a" {
			if href, _ := attr(n, "href"); href == "" || nodeText(n) == "" {
				t.Errorf("%s: a link without href or text", name)
			}
		}
	}
	for _, in := range inputs {
		typ, _ := attr(in, "type")
		if typ == "hidden" || typ == "submit" {
			continue
		}
		id, _ := attr(in, "id")
		fieldName, _ := attr(in, "name")
		if id == "" || labels[id] == "" {
			t.Errorf("%s: input %q has no label", name, fieldName)
		}
		want, known := autocompleteOf[fieldName]
		if !known {
			t.Errorf("%s: input %q: no autocomplete rule for it", name, fieldName)
			continue
		}
		w, ok := want[pageKind]
		if !ok {
			w = want[""]
		}
		if got, _ := attr(in, "autocomplete"); got != w {
			t.Errorf("%s: input %q autocomplete=%q, want %q", name, fieldName, got, w)
		}
		if strings.Contains(fieldName, "password") || fieldName == "confirm" || fieldName == "current" {
			if typ != "password" {
				t.Errorf("%s: %q is type %q", name, fieldName, typ)
			}
		}
	}
}

func TestEveryPageIsLabelledForPasswordManagers(t *testing.T) {
	w := newWorld(t, "", func(c *portal.Config) { c.Mailbox = t.TempDir() })
	other := w.org + 0
	beta := int64(0)
	if err := w.st.DB().Get(&beta, `INSERT INTO organizations (slug, name) VALUES ('beta', 'Beta') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	multi := w.user("ACME-A11Y01", "a11y@example.com", "Ada Lovelace", goodPassword, other, beta)
	totpUser := w.user("ACME-A11Y02", "a11y2@example.com", "Grace Hopper", goodPassword)
	secret := model.NewTOTPSecret()
	w.exec(`UPDATE users SET totp_enabled = true, totp_secret = $2 WHERE id = $1`, totpUser, secret)
	temp := w.user("ACME-A11Y03", "a11y3@example.com", "Temp Orary", goodPassword)
	tempPw, _, err := w.st.SetTemporaryPassword(w.ctx, w.op, temp, w.version(temp))
	if err != nil {
		t.Fatal(err)
	}
	enrol := w.user("ACME-A11Y04", "a11y4@example.com", "En Rol", goodPassword)
	w.exec(`UPDATE users SET must_enrol_totp = true WHERE id = $1`, enrol)

	type visit struct {
		name, kind string
		page       func() page
	}
	for _, lang := range []string{"en", "fr"} {
		anon := w.browser()
		anon.lang = lang
		signed := w.browser()
		signed.lang = lang
		code := w.browser()
		code.lang = lang
		forced := w.browser()
		forced.lang = lang
		enroller := w.browser()
		enroller.lang = lang
		visits := []visit{
			{"sign-in", "login", func() page { return anon.get("/login") }},
			{"sign-in refused", "login", func() page { return anon.signIn("nobody", "x") }},
			{"forgot", "", func() page { return anon.get("/forgot") }},
			{"forgot sent", "", func() page { return anon.post("/forgot", "username", "nobody") }},
			{"lost code", "", func() page { return anon.get("/code") }},
			{"lost code sent", "", func() page { return anon.post("/code", "email", "nobody@example.com") }},
			{"reset without a link", "", func() page { return anon.get("/reset") }},
			{"accept without a link", "", func() page { return anon.get("/accept") }},
			{"not found", "", func() page { return anon.get("/nowhere") }},
			{"sign out (signed out)", "", func() page { return anon.get("/logout") }},
			{"mailbox", "", func() page { return anon.get("/demo/mail") }},
			{"code step", "login", func() page { return code.signIn("ACME-A11Y02", goodPassword) }},
			{"code step refused", "login", func() page { return code.post("/login", "step", "code", "code", "000000") }},
			{"forced change", "", func() page { return forced.signIn("ACME-A11Y03", tempPw) }},
			{"forced change refused", "", func() page { return forced.post("/password", "password", "x", "confirm", "y") }},
			{"enrolment", "", func() page { return enroller.signIn("ACME-A11Y04", goodPassword) }},
			{"enrolment refused", "", func() page { return enroller.post("/totp", "step", "confirm", "code", "000000") }},
			{"organization choice", "", func() page { return signed.signIn("ACME-A11Y01", goodPassword) }},
			{"account", "", func() page { return signed.get("/account") }},
			{"password", "", func() page { return signed.get("/password") }},
			{"password refused", "", func() page {
				return signed.post("/password", "current", goodPassword, "password", "short", "confirm", "short")
			}},
			{"2FA off", "", func() page { return signed.get("/totp") }},
			{"2FA enrolment (signed in)", "", func() page { return signed.post("/totp", "step", "start") }},
			{"sign out", "", func() page { return signed.get("/logout") }},
		}
		for _, v := range visits {
			p := v.page()
			if p.status >= 500 {
				t.Fatalf("%s (%s): %d", v.name, lang, p.status)
			}
			checkPage(t, v.name+" ("+lang+")", v.kind, p.body)
		}
		// Reset and invitation pages, with fresh links.
		w.exec(`DELETE FROM portal_rate_limits`)
		rb := w.browser()
		rb.lang = lang
		rb.post("/forgot", "username", "ACME-A11Y01")
		checkPage(t, "reset form ("+lang+")", "", rb.get(w.lastLink("a11y@example.com")).body)
		checkPage(t, "reset refused ("+lang+")", "", rb.post("/reset", "password", "x", "confirm", "x").body)
		email := "new." + lang + "@example.com"
		_, link, err := w.st.CreateInvitation(w.ctx, w.op, store.NewInvitation{OrgID: w.org, Name: "New Person",
			Email: email, Rights: []string{"reports.view"}, Lang: lang})
		if err != nil {
			t.Fatal(err)
		}
		ab := w.browser()
		ab.lang = lang
		checkPage(t, "accept, new person ("+lang+")", "", ab.get(link).body)
		checkPage(t, "accept refused ("+lang+")", "", ab.post("/accept", "password", "x", "confirm", "y").body)
		if _, _, err = w.st.CreateInvitation(w.ctx, w.op, store.NewInvitation{OrgID: beta, ExistingUserID: totpUser,
			Rights: []string{"reports.view"}}); err != nil {
			t.Fatal(err)
		}
		link = w.lastLink("a11y2@example.com") // an existing account's link goes only to its own address
		eb := w.browser()
		eb.lang = lang
		checkPage(t, "accept, existing account ("+lang+")", "", eb.get(link).body)
		p := eb.post("/accept", "current", goodPassword)
		if !p.has(map[string]string{"en": "type the code", "fr": "saisissez le code"}[lang]) {
			t.Fatalf("an existing account with 2FA is asked for the code: %s", text(p.body))
		}
		checkPage(t, "accept, existing account, code ("+lang+")", "", p.body)
		w.exec(`UPDATE invitations SET revoked_at = now() WHERE accepted_at IS NULL AND revoked_at IS NULL`)
	}
	_ = multi
}
