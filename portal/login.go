package portal

import (
	"errors"
	"net/http"

	"gatehouse/model/safe"
	"gatehouse/store"
)

// Sign in, the 2FA code step, sign out.
//
// One message answers every refused sign-in (a wrong password, an unknown login, a locked,
// disabled or not yet activated account): the store decides and records the reason, the
// page never tells. A right password on an account with 2FA hands the browser a ticket
// (a cookie) and asks for the code alone; an account that must change its password or set
// up 2FA is sent to that page with its ticket, and gets no session before it is done.

// doneNotices are the results a page may announce after a redirect (?done=…).
var doneNotices = map[string]string{
	"password":  "portal.done.password",
	"reset":     "portal.done.reset",
	"accepted":  "portal.done.accepted",
	"joined":    "portal.done.joined",
	"totp":      "portal.done.totp",
	"signedout": "portal.done.signedout",
	"expired":   "portal.login.expired",
}

func (p *Portal) notice(v *view, r *http.Request) {
	if key, ok := doneNotices[r.URL.Query().Get("done")]; ok {
		v.Notice = v.T(key)
	}
}

// identView is what the login form shows back of a typed identifier: one line, bounded.
func identView(s string) string { return safe.Line(safe.Cap(s, 256)) }

func (p *Portal) loginPage(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("restart") != "" {
		p.clearCookie(w, p.cfg.cookies.pending)
		p.redirect(w, r, p.url("/login"))
		return
	}
	vs := p.visit(r)
	if ticket := cookieValue(r, p.cfg.cookies.pending); ticket != "" {
		pend, err := p.st.PendingSignIn(r.Context(), ticket)
		switch {
		case err == nil:
			switch pend.Step {
			case store.StepPassword:
				p.redirect(w, r, p.url("/password"))
			case store.StepEnrol:
				p.redirect(w, r, p.url("/totp"))
			default:
				v := p.view(r, vs, "portal.login.code.title", pend.Lang)
				v.Step = "code"
				p.notice(v, r)
				p.render(w, r, http.StatusOK, "login", v)
			}
			return
		case errors.Is(err, store.ErrSignInExpired):
			p.clearCookie(w, p.cfg.cookies.pending)
		default:
			p.fail(w, r, err)
			return
		}
	}
	if vs.acct != nil {
		p.redirect(w, r, p.cfg.home)
		return
	}
	v := p.view(r, vs, "portal.login.title", "")
	p.notice(v, r)
	p.render(w, r, http.StatusOK, "login", v)
}

func (p *Portal) loginSubmit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.fail(w, r, err)
		return
	}
	if r.PostForm.Get("step") == "code" {
		p.codeStep(w, r)
		return
	}
	ident := r.PostForm.Get("username")
	res, err := p.st.Authenticate(r.Context(), store.AuthRequest{Login: ident, Password: r.PostForm.Get("password"),
		IP: p.clientIP(r), UserAgent: r.UserAgent()})
	switch {
	case errors.Is(err, store.ErrTOTPRequired) && res.Ticket != "":
		p.pend(w, res)
		p.redirect(w, r, p.url("/login"))
	case errors.Is(err, store.ErrAuthFailed):
		p.loginRefused(w, r, ident, "portal.login.failed")
	case err != nil:
		p.fail(w, r, err)
	default:
		p.signInDone(w, r, res, "")
	}
}

// loginRefused shows the sign-in form again with one message, the identifier kept.
func (p *Portal) loginRefused(w http.ResponseWriter, r *http.Request, ident, key string) {
	v := p.view(r, nil, "portal.login.title", "")
	v.Ident = identView(ident)
	v.Error = v.T(key)
	p.render(w, r, http.StatusOK, "login", v)
}

// codeStep is the 2FA code of a sign-in whose password was right.
func (p *Portal) codeStep(w http.ResponseWriter, r *http.Request) {
	ticket := cookieValue(r, p.cfg.cookies.pending)
	res, err := p.st.ContinueSignIn(r.Context(), ticket, store.StepInput{TOTP: r.PostForm.Get("code"),
		IP: p.clientIP(r), UserAgent: r.UserAgent()})
	switch {
	case err == nil:
		p.signInDone(w, r, res, "")
	case errors.Is(err, store.ErrSignInExpired):
		p.clearCookie(w, p.cfg.cookies.pending)
		p.loginRefused(w, r, "", "portal.login.expired")
	case errors.Is(err, store.ErrAuthFailed):
		pend, perr := p.st.PendingSignIn(r.Context(), ticket)
		if perr != nil || pend.Step != store.StepTOTP {
			// The account changed or locked meanwhile: back to the start, one message.
			p.clearCookie(w, p.cfg.cookies.pending)
			p.loginRefused(w, r, "", "portal.login.failed")
			return
		}
		v := p.view(r, nil, "portal.login.code.title", pend.Lang)
		v.Step = "code"
		v.Error = v.T("portal.login.code.failed")
		p.render(w, r, http.StatusOK, "login", v)
	default:
		p.fail(w, r, err)
	}
}

// signInDone hands the browser what a sign-in step produced: the ticket of the next step,
// or the session (a new token; the browser's previous session, if any, ends).
func (p *Portal) signInDone(w http.ResponseWriter, r *http.Request, res store.AuthResult, done string) {
	switch res.Pending {
	case store.StepTOTP:
		p.pend(w, res)
		p.redirect(w, r, p.url("/login"))
		return
	case store.StepPassword:
		p.pend(w, res)
		p.redirect(w, r, p.url("/password"))
		return
	case store.StepEnrol:
		p.pend(w, res)
		p.redirect(w, r, p.url("/totp"))
		return
	}
	if old := cookieValue(r, p.cfg.cookies.session); old != "" && old != res.SessionToken {
		if err := p.st.EndPortalSession(r.Context(), old, p.clientIP(r), r.UserAgent()); err != nil {
			p.cfg.Logger.Warn("portal: ending the previous session", "err", err.Error())
		}
	}
	p.startSession(w, res)
	if res.OrgID == nil {
		if acct, err := p.st.PortalSession(r.Context(), res.SessionToken); err == nil && len(acct.Organizations) > 1 {
			p.redirect(w, r, p.url("/organization"))
			return
		}
	}
	p.goHome(w, r, done)
}

// goHome sends a signed-in browser to its home page, with the result of the last action
// when home is the portal's own account page.
func (p *Portal) goHome(w http.ResponseWriter, r *http.Request, done string) {
	if done != "" && p.cfg.home == p.url("/account") {
		p.redirect(w, r, p.cfg.home+"?done="+done)
		return
	}
	p.redirect(w, r, p.cfg.home)
}

func (p *Portal) logoutPage(w http.ResponseWriter, r *http.Request) {
	vs := p.visit(r)
	v := p.view(r, vs, "portal.logout.title", "")
	p.render(w, r, http.StatusOK, "logout", v)
}

func (p *Portal) logoutSubmit(w http.ResponseWriter, r *http.Request) {
	if tok := cookieValue(r, p.cfg.cookies.session); tok != "" {
		if err := p.st.EndPortalSession(r.Context(), tok, p.clientIP(r), r.UserAgent()); err != nil {
			p.fail(w, r, err)
			return
		}
	}
	p.clearCookie(w, p.cfg.cookies.session)
	p.clearCookie(w, p.cfg.cookies.pending)
	p.redirect(w, r, p.url("/login?done=signedout"))
}

// requireSession answers a page that needs a session: the visit, or a redirect to sign in.
func (p *Portal) requireSession(w http.ResponseWriter, r *http.Request) (*visit, bool) {
	vs := p.visit(r)
	if vs.acct == nil {
		p.redirect(w, r, p.url("/login"))
		return nil, false
	}
	return vs, true
}

func (p *Portal) accountPage(w http.ResponseWriter, r *http.Request) {
	vs, ok := p.requireSession(w, r)
	if !ok {
		return
	}
	v := p.view(r, vs, "portal.account.title", "")
	p.notice(v, r)
	p.render(w, r, http.StatusOK, "account", v)
}

func (p *Portal) orgPage(w http.ResponseWriter, r *http.Request) {
	vs, ok := p.requireSession(w, r)
	if !ok {
		return
	}
	v := p.view(r, vs, "portal.org.title", "")
	for _, o := range vs.acct.Organizations {
		v.Orgs = append(v.Orgs, orgView{ID: o.ID, Name: safe.Line(o.Name), Slug: safe.Line(o.Slug),
			Current: vs.acct.Org != nil && vs.acct.Org.ID == o.ID})
	}
	p.render(w, r, http.StatusOK, "organization", v)
}

func (p *Portal) orgSubmit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.fail(w, r, err)
		return
	}
	vs, ok := p.requireSession(w, r)
	if !ok {
		return
	}
	var orgID int64
	for _, o := range vs.acct.Organizations {
		if r.PostForm.Get("org") == itoa(o.ID) {
			orgID = o.ID
		}
	}
	if orgID == 0 {
		p.orgPage(w, r)
		return
	}
	res, err := p.st.ChooseOrganization(r.Context(), vs.token, orgID, p.clientIP(r), r.UserAgent())
	if errors.Is(err, store.ErrNotFound) {
		p.redirect(w, r, p.url("/login"))
		return
	}
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.startSession(w, res)
	p.goHome(w, r, "")
}
