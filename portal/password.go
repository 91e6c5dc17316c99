package portal

import (
	"errors"
	"net/http"

	"gatehouse/model"
	"gatehouse/model/safe"
	"gatehouse/store"
)

// The password page: a signed-in user changes their password (the current one, then the new
// one twice); a sign-in that must change its password first (a temporary password, one an
// operator chose) lands here with its ticket and chooses the new one twice, before any
// session exists.

func (p *Portal) passwordPage(w http.ResponseWriter, r *http.Request) {
	vs := p.visit(r)
	if _, pend, state := p.pendingAt(w, r, store.StepPassword); state != noPending {
		if state == atStep {
			p.render(w, r, http.StatusOK, "password", p.forcedForm(r, vs, pend, nil, nil))
		}
		return
	}
	if vs.acct == nil {
		p.redirect(w, r, p.url("/login"))
		return
	}
	v, err := p.changeForm(r, vs, nil, nil)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "password", v)
}

// forcedForm is the forced change's form; after a refusal, tried is what was typed.
// pendingState is where a page stands with the browser's pending sign-in.
type pendingState int

const (
	noPending pendingState = iota // none (or expired: its cookie is cleared)
	atStep                        // pending at the page's own step
	answered                      // another step, or a failure: the response is written
)

// pendingAt reads the browser's pending sign-in for a page that serves one step of it. Another
// step pending goes to the sign-in page, which routes it.
func (p *Portal) pendingAt(w http.ResponseWriter, r *http.Request, step store.SignInStep) (string, store.PendingSignIn, pendingState) {
	ticket := cookieValue(r, p.cfg.cookies.pending)
	if ticket == "" {
		return "", store.PendingSignIn{}, noPending
	}
	pend, err := p.st.PendingSignIn(r.Context(), ticket)
	switch {
	case err == nil && pend.Step == step:
		return ticket, pend, atStep
	case err == nil:
		p.redirect(w, r, p.url("/login"))
		return "", pend, answered
	case !errors.Is(err, store.ErrSignInExpired):
		p.fail(w, r, err)
		return "", pend, answered
	}
	p.clearCookie(w, p.cfg.cookies.pending)
	return "", store.PendingSignIn{}, noPending
}

func (p *Portal) forcedForm(r *http.Request, vs *visit, pend store.PendingSignIn, tried *string, failed []model.RuleResult) *view {
	v := p.view(r, vs, "portal.forced.title", pend.Lang)
	v.Step = "forced"
	v.Login = safe.Line(pend.Login)
	v.Rules, v.RulesMin = rules(v.Lang, pend.Policy, pend.PolicyFacts, tried, failed)
	v.RulesMax = pend.Policy.MaxLength
	if tried != nil {
		v.Error = v.T("portal.pw.refused")
		v.Reasons = reasons(v.Lang, failed)
	}
	return v
}

// changeForm is a signed-in user's form.
func (p *Portal) changeForm(r *http.Request, vs *visit, tried *string, failed []model.RuleResult) (*view, error) {
	pol, facts, err := p.st.OwnPasswordRules(r.Context(), *vs.acct)
	if err != nil {
		return nil, err
	}
	v := p.view(r, vs, "portal.password.title", "")
	v.Login = vs.acct.Login
	v.Login = safe.Line(v.Login)
	v.Rules, v.RulesMin = rules(v.Lang, pol, facts, tried, failed)
	v.RulesMax = pol.MaxLength
	if tried != nil && len(failed) > 0 {
		v.Error = v.T("portal.pw.refused")
		v.Reasons = reasons(v.Lang, failed)
	}
	return v, nil
}

func (p *Portal) passwordSubmit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.fail(w, r, err)
		return
	}
	password, confirm := r.PostForm.Get("password"), r.PostForm.Get("confirm")
	vs := p.visit(r)
	if ticket := cookieValue(r, p.cfg.cookies.pending); ticket != "" {
		if pend, err := p.st.PendingSignIn(r.Context(), ticket); err == nil && pend.Step == store.StepPassword {
			p.forcedSubmit(w, r, vs, ticket, pend, password, confirm)
			return
		}
	}
	if vs.acct == nil {
		p.clearCookie(w, p.cfg.cookies.pending)
		p.redirect(w, r, p.url("/login?done=expired"))
		return
	}
	res, err := p.st.ChangeOwnPassword(r.Context(), vs.token, r.PostForm.Get("current"), password, confirm,
		p.clientIP(r), r.UserAgent())
	var pe *model.PolicyError
	switch {
	case errors.As(err, &pe):
		v, err := p.changeForm(r, vs, &password, pe.Failed)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		p.render(w, r, http.StatusOK, "password", v)
	case errors.Is(err, store.ErrAuthFailed):
		if p.visit(r).acct == nil { // the failure locked the account: its sessions ended
			p.clearCookie(w, p.cfg.cookies.session)
			p.loginRefused(w, r, "", "portal.login.failed")
			return
		}
		v, err := p.changeForm(r, vs, nil, nil)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		v.Error = v.T("portal.password.badcurrent")
		p.render(w, r, http.StatusOK, "password", v)
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrConflict):
		p.redirect(w, r, p.url("/login?done=expired"))
	case err != nil:
		p.fail(w, r, err)
	default:
		p.startSession(w, res)
		p.goHome(w, r, "password")
	}
}

func (p *Portal) forcedSubmit(w http.ResponseWriter, r *http.Request, vs *visit, ticket string, pend store.PendingSignIn, password, confirm string) {
	res, err := p.st.ContinueSignIn(r.Context(), ticket, store.StepInput{Password: password, Confirm: confirm,
		IP: p.clientIP(r), UserAgent: r.UserAgent()})
	var pe *model.PolicyError
	switch {
	case errors.As(err, &pe):
		p.render(w, r, http.StatusOK, "password", p.forcedForm(r, vs, pend, &password, pe.Failed))
	case errors.Is(err, store.ErrSignInExpired), errors.Is(err, store.ErrAuthFailed):
		p.clearCookie(w, p.cfg.cookies.pending)
		p.loginRefused(w, r, "", "portal.login.expired")
	case err != nil:
		p.fail(w, r, err)
	default:
		p.signInDone(w, r, res, "password")
	}
}
