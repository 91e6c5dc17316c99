package portal

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"

	"gatehouse/model"
	"gatehouse/model/i18n"
	"gatehouse/model/safe"
	"gatehouse/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/*
var staticFS embed.FS

// templates holds one parsed set per page: the layout plus the page's own file.
type templates struct {
	pages map[string]*template.Template
}

var (
	tplOnce sync.Once
	tplSet  *templates
)

// mustTemplates parses the embedded templates once per process (a broken template is a
// programming error, caught by every test).
func mustTemplates() *templates {
	tplOnce.Do(func() {
		t := &templates{pages: map[string]*template.Template{}}
		layout := template.Must(template.New("layout.html").ParseFS(templateFS, "templates/layout.html", "templates/parts.html"))
		files, err := fs.Glob(templateFS, "templates/*.html")
		if err != nil {
			panic(err)
		}
		for _, f := range files {
			name := strings.TrimSuffix(path.Base(f), ".html")
			if name == "layout" || name == "parts" {
				continue
			}
			t.pages[name] = template.Must(template.Must(layout.Clone()).ParseFS(templateFS, f))
		}
		tplSet = t
	})
	return tplSet
}

// view is what every page template gets. Page-specific values go in the fields below it;
// every string that came from the database is already sanitized (safe.Line / safe.Text)
// when it is put here.
type view struct {
	Lang    i18n.Lang
	Title   string
	Prefix  string
	Path    string // this page's path, for the language switch
	Account *accountView
	Error   string   // one refusal, shown above the form
	Reasons []string // the rules a password failed
	Notice  string   // the result of the last action

	Ident    string // login form: the identifier as typed (sanitized)
	Login    string // the account's login code, for the username field of password forms
	Rules    []ruleView
	RulesMin int
	RulesMax int
	Step     string // sub-form of a page ("code", "forced", "enrol", "new", "existing"...)
	Org      string
	Orgs     []orgView
	Rights   []string
	Expires  string
	QR       template.HTML // enrolment: the QR code as inline SVG (generated, never from input)
	Secret   string        // enrolment: the key grouped by four, for typing by hand
	Mails    []mailView
	Mail     *mailView
	Maildir  string
	Text     string // a free paragraph (already sanitized)
	NeedCode bool   // the form asks for a 2FA code too
}

// accountView is the signed-in account in the page header.
type accountView struct {
	Name, Login, Email, Org string
	TOTP                    bool
	Orgs                    int
	Expires                 string
}

type orgView struct {
	ID      int64
	Name    string
	Slug    string
	Current bool
}

type ruleView struct {
	Rule  string // model rule id, for the script (data-rule)
	Plain string // the rule as stated before anything is typed
	Text  string // the rule as shown now (a failed one with what was found)
	State string // "", "pass", "fail"
}

// T is the catalog in the page's language.
func (v *view) T(key string, args ...any) string { return i18n.T(v.Lang, key, args...) }

// URL is a path of the portal as the browser sees it.
func (v *view) URL(p string) string { return v.Prefix + p }

// OtherLang is the language the switch offers.
func (v *view) OtherLang() string {
	if v.Lang == i18n.FR {
		return "en"
	}
	return "fr"
}

// visit is one request's view of the browser: its session, looked up once.
type visit struct {
	acct  *store.PortalAccount // nil: not signed in
	token string               // the session token of the cookie
}

// visit looks the session cookie up (a live session of an active account, or none).
func (p *Portal) visit(r *http.Request) *visit {
	vs := &visit{}
	tok := cookieValue(r, p.cfg.cookies.session)
	if tok == "" {
		return vs
	}
	acct, err := p.st.PortalSession(r.Context(), tok)
	if err != nil {
		return vs
	}
	vs.acct, vs.token = &acct, tok
	return vs
}

// view starts the view of a page in the request's language: the account's when signed in
// (or lang, the language of the account a page is about), unless the switch says otherwise.
func (p *Portal) view(r *http.Request, vs *visit, titleKey string, lang string) *view {
	v := &view{Prefix: p.cfg.prefix, Path: strings.TrimPrefix(r.URL.Path, p.cfg.prefix)}
	if vs != nil && vs.acct != nil {
		acct := vs.acct
		if lang == "" {
			lang = acct.Lang
		}
		av := &accountView{Name: safe.Line(acct.Name), Login: safe.Line(acct.Login), Email: safe.Line(acct.Email),
			TOTP: acct.TOTPEnabled, Orgs: len(acct.Organizations), Expires: acct.ExpiresAt.UTC().Format("2006-01-02 15:04")}
		if acct.Org != nil {
			av.Org = safe.Line(acct.Org.Name)
		}
		v.Account = av
	}
	v.Lang = p.lang(r, lang)
	v.Title = v.T(titleKey)
	return v
}

// render writes a page. The template runs into a buffer first: a failure is a 500, never
// half a page.
func (p *Portal) render(w http.ResponseWriter, r *http.Request, status int, page string, v *view) {
	t, ok := p.tpl.pages[page]
	if !ok {
		panic("portal: no template " + page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		p.cfg.Logger.Error("portal: template", "page", page, "err", err.Error())
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", string(v.Lang))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// static serves the stylesheet and the script (cacheable: they hold nothing personal).
func (p *Portal) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := staticFS.ReadFile("static/" + name)
	if err != nil || strings.Contains(name, "/") {
		p.notFound(w, r)
		return
	}
	switch path.Ext(name) {
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case ".js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	default:
		p.notFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(b)
}

// rules lists the password rules for a form, in the model's order; after a refusal each is
// marked pass or fail for the password that was tried (the reuse rule as the store said).
func rules(lang i18n.Lang, pol model.PasswordPolicy, facts model.PasswordContext, tried *string, failed []model.RuleResult) ([]ruleView, int) {
	min := pol.MinLength(facts.HasTOTP)
	out := []ruleView{
		{Rule: model.RuleLengthMin, Text: i18n.T(lang, "portal.rule.length.min", min)},
		{Rule: model.RuleLengthMax, Text: i18n.T(lang, "portal.rule.length.max", pol.MaxLength)},
		{Rule: model.RuleCommon, Text: i18n.T(lang, "portal.rule.common")},
		{Rule: model.RuleContext, Text: i18n.T(lang, "portal.rule.context")},
	}
	if pol.HistoryDepth > 0 {
		out = append(out, ruleView{Rule: model.RuleReuse, Text: i18n.T(lang, "portal.rule.reuse", pol.HistoryDepth)})
	}
	if pol.RequireComposition {
		out = append(out, ruleView{Rule: model.RuleComposition, Text: i18n.T(lang, "portal.rule.composition")})
	}
	out = append(out, ruleView{Rule: model.RuleConfirm, Text: i18n.T(lang, "portal.rule.confirm")})
	bad := map[string]model.RuleResult{}
	for _, f := range failed {
		bad[f.Rule] = f
	}
	for i := range out {
		out[i].Plain = out[i].Text
	}
	if tried == nil {
		return out, min
	}
	for i := range out {
		out[i].State = "pass"
		if f, ok := bad[out[i].Rule]; ok {
			// A failed rule reads as the model says it, with what was found ("12 so far").
			out[i].State = "fail"
			out[i].Text = f.Message
			if lang == i18n.FR {
				out[i].Text = f.MessageFR
			}
		}
	}
	return out, min
}

// reasons are the failed rules' messages in the page's language.
func reasons(lang i18n.Lang, failed []model.RuleResult) []string {
	out := make([]string, 0, len(failed))
	for _, f := range failed {
		if lang == i18n.FR {
			out = append(out, f.MessageFR)
		} else {
			out = append(out, f.Message)
		}
	}
	return out
}
