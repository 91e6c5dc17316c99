package portal

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"gatehouse/model"
	"gatehouse/model/safe"
	"gatehouse/store"
)

// Forgotten password, lost login code, and the reset link.
//
// The two request pages answer the same page whether or not the identifier names an account;
// the store limits them per account and per client address. The reset link's token is moved
// from the address bar into a short-lived cookie on arrival (the browser is redirected to
// /reset without it), so that it never reaches a Referer, a log line or the history.

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func (p *Portal) forgotPage(w http.ResponseWriter, r *http.Request) {
	v := p.view(r, p.visit(r), "portal.forgot.title", "")
	p.render(w, r, http.StatusOK, "forgot", v)
}

func (p *Portal) forgotSubmit(w http.ResponseWriter, r *http.Request) {
	p.recovery(w, r, "forgot", "username", "portal.forgot.title", "portal.forgot.sent", p.st.RequestPasswordReset)
}

func (p *Portal) codePage(w http.ResponseWriter, r *http.Request) {
	v := p.view(r, p.visit(r), "portal.code.title", "")
	p.render(w, r, http.StatusOK, "code", v)
}

func (p *Portal) codeSubmit(w http.ResponseWriter, r *http.Request) {
	p.recovery(w, r, "code", "email", "portal.code.title", "portal.code.sent", p.st.RequestLoginCode)
}

// recovery answers a request page: the same "sent" page for any identifier, or the same
// "too many requests" page for an address that asked too often.
func (p *Portal) recovery(w http.ResponseWriter, r *http.Request, page, field, title, sent string,
	request func(ctx context.Context, req store.RecoveryRequest) error) {
	if err := r.ParseForm(); err != nil {
		p.fail(w, r, err)
		return
	}
	err := request(r.Context(), store.RecoveryRequest{Identifier: r.PostForm.Get(field), IP: p.clientIP(r), UserAgent: r.UserAgent()})
	v := p.view(r, nil, title, "")
	switch {
	case errors.Is(err, store.ErrRateLimited):
		v.Error = v.T("portal.ratelimited")
		p.render(w, r, http.StatusTooManyRequests, page, v)
	case err != nil:
		p.fail(w, r, err)
	default:
		v.Step = "sent"
		v.Notice = v.T(sent)
		p.render(w, r, http.StatusOK, page, v)
	}
}

// landToken moves a link's token from the address into a cookie: it answers true (after
// redirecting to the same page without the query) when the request carried one.
func (p *Portal) landToken(w http.ResponseWriter, r *http.Request, cookie, page string) bool {
	if !r.URL.Query().Has("token") {
		return false
	}
	tok := r.URL.Query().Get("token")
	if len(tok) > 0 && len(tok) <= 256 {
		p.setCookie(w, cookie, tok, linkCookieAge)
	} else {
		p.clearCookie(w, cookie)
	}
	p.redirect(w, r, p.url(page))
	return true
}

// resetRefusal maps a refused reset token to its message.
func resetRefusal(err error) (string, bool) {
	switch {
	case errors.Is(err, store.ErrTokenUsed):
		return "portal.reset.refused.used", true
	case errors.Is(err, store.ErrTokenExpired):
		return "portal.reset.refused.expired", true
	case errors.Is(err, store.ErrTokenReplaced):
		return "portal.reset.refused.replaced", true
	case errors.Is(err, store.ErrAccountClosed):
		return "portal.reset.refused.closed", true
	case errors.Is(err, store.ErrTokenUnknown):
		return "portal.reset.refused.unknown", true
	}
	return "", false
}

// resetRefused answers the reset page with the message that says why there is no form.
func (p *Portal) resetRefused(w http.ResponseWriter, r *http.Request, vs *visit, key string) {
	v := p.view(r, vs, "portal.reset.title", "")
	v.Error = v.T(key)
	p.render(w, r, http.StatusOK, "reset", v)
}

// resetLinkRefused answers the reset page when err refuses the link (its cookie is cleared)
// or is a failure, and says whether it answered.
func (p *Portal) resetLinkRefused(w http.ResponseWriter, r *http.Request, vs *visit, err error) bool {
	if key, refused := resetRefusal(err); refused {
		p.clearCookie(w, p.cfg.cookies.reset)
		p.resetRefused(w, r, vs, key)
		return true
	}
	if err != nil {
		p.fail(w, r, err)
		return true
	}
	return false
}

func (p *Portal) resetPage(w http.ResponseWriter, r *http.Request) {
	if p.landToken(w, r, p.cfg.cookies.reset, "/reset") {
		return
	}
	tok := cookieValue(r, p.cfg.cookies.reset)
	vs := p.visit(r)
	if tok == "" {
		p.resetRefused(w, r, vs, "portal.reset.refused.nolink")
		return
	}
	prev, err := p.st.InspectResetToken(r.Context(), tok)
	if p.resetLinkRefused(w, r, vs, err) {
		return
	}
	v := p.resetForm(r, vs, prev, nil, nil)
	p.render(w, r, http.StatusOK, "reset", v)
}

// resetForm is the reset page's form for the link's account; after a refused password,
// tried is what was typed and failed the rules it broke.
func (p *Portal) resetForm(r *http.Request, vs *visit, prev store.ResetPreview, tried *string, failed []model.RuleResult) *view {
	v := p.view(r, vs, "portal.reset.title", prev.Lang)
	v.Step = "form"
	v.Login = safe.Line(prev.Login)
	v.Text = v.T("portal.reset.intro", safe.Line(prev.Name), safe.Line(prev.Login))
	v.Rules, v.RulesMin = rules(v.Lang, prev.Policy, prev.PolicyFacts, tried, failed)
	v.RulesMax = prev.Policy.MaxLength
	if tried != nil {
		v.Error = v.T("portal.pw.refused")
		v.Reasons = reasons(v.Lang, failed)
	}
	return v
}

func (p *Portal) resetSubmit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.fail(w, r, err)
		return
	}
	tok := cookieValue(r, p.cfg.cookies.reset)
	vs := p.visit(r)
	if tok == "" {
		p.resetRefused(w, r, vs, "portal.reset.refused.nolink")
		return
	}
	password, confirm := r.PostForm.Get("password"), r.PostForm.Get("confirm")
	login, err := p.st.RedeemResetToken(r.Context(), tok, password, confirm)
	var pe *model.PolicyError
	if errors.As(err, &pe) {
		prev, perr := p.st.InspectResetToken(r.Context(), tok)
		if perr == nil {
			v := p.resetForm(r, vs, prev, &password, pe.Failed)
			p.render(w, r, http.StatusOK, "reset", v)
			return
		}
		err = perr
	}
	if p.resetLinkRefused(w, r, vs, err) {
		return
	}
	p.clearCookie(w, p.cfg.cookies.reset)
	// The new password signs the user in, through the same rules as the sign-in page (2FA
	// asked when enrolled, the organization chosen when there are several).
	res, err := p.st.Authenticate(r.Context(), store.AuthRequest{Login: login, Password: password,
		IP: p.clientIP(r), UserAgent: r.UserAgent()})
	switch {
	case errors.Is(err, store.ErrTOTPRequired) && res.Ticket != "":
		p.pend(w, res)
		p.redirect(w, r, p.url("/login?done=reset"))
	case err != nil:
		p.redirect(w, r, p.url("/login?done=reset"))
	default:
		p.signInDone(w, r, res, "reset")
	}
}
