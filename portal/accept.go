package portal

import (
	"errors"
	"net/http"

	"gatehouse/model"
	"gatehouse/model/safe"
	"gatehouse/store"
)

// Accepting an invitation. The link's token moves into a cookie on arrival, like a reset
// link's. A new person chooses the password of the account (twice, the rules shown) and is
// then signed in; an existing account proves who it is (its current password, and its 2FA
// code when enrolled: the sign-in's rules, failures counted in the same lockout) and then
// joins the organization by the same button: nothing is granted by the link alone.

// acceptRefusal maps a refused invitation to its message.
func acceptRefusal(err error) (string, bool) {
	var ir *store.InvitationRefusal
	if !errors.As(err, &ir) {
		return "", false
	}
	switch ir.Reason {
	case store.RefusedUsed:
		return "portal.accept.refused.used", true
	case store.RefusedRevoked:
		return "portal.accept.refused.revoked", true
	case store.RefusedExpired:
		return "portal.accept.refused.expired", true
	case store.RefusedDisabled:
		return "portal.accept.refused.disabled", true
	}
	return "portal.accept.refused.unknown", true
}

// openInvitation reads the invitation the page's link cookie names. When there is none, or
// the link is refused, it answers the page itself and reports false.
func (p *Portal) openInvitation(w http.ResponseWriter, r *http.Request, vs *visit) (string, store.InvitationPreview, bool) {
	tok := cookieValue(r, p.cfg.cookies.accept)
	if tok == "" {
		v := p.view(r, vs, "portal.accept.title", "")
		v.Error = v.T("portal.accept.nolink")
		p.render(w, r, http.StatusOK, "accept", v)
		return "", store.InvitationPreview{}, false
	}
	prev, err := p.st.InspectInvitation(r.Context(), tok)
	if p.acceptRefused(w, r, vs, err) {
		return "", store.InvitationPreview{}, false
	}
	if err != nil {
		p.fail(w, r, err)
		return "", store.InvitationPreview{}, false
	}
	return tok, prev, true
}

func (p *Portal) acceptPage(w http.ResponseWriter, r *http.Request) {
	if p.landToken(w, r, p.cfg.cookies.accept, "/accept") {
		return
	}
	vs := p.visit(r)
	_, prev, ok := p.openInvitation(w, r, vs)
	if !ok {
		return
	}
	v, err := p.acceptForm(r, vs, prev, nil, nil)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "accept", v)
}

// acceptRefused answers a refused invitation link (true when it did).
func (p *Portal) acceptRefused(w http.ResponseWriter, r *http.Request, vs *visit, err error) bool {
	key, refused := acceptRefusal(err)
	if !refused {
		return false
	}
	p.clearCookie(w, p.cfg.cookies.accept)
	v := p.view(r, vs, "portal.accept.title", "")
	v.Error = v.T(key)
	p.render(w, r, http.StatusOK, "accept", v)
	return true
}

// acceptForm is the invitation page: what the invitation gives, and the form that accepts it.
func (p *Portal) acceptForm(r *http.Request, vs *visit, prev store.InvitationPreview, tried *string, failed []model.RuleResult) (*view, error) {
	v := p.view(r, vs, "portal.accept.title", "")
	v.Org = safe.Line(prev.OrgName)
	v.Login = safe.Line(prev.Login)
	v.Expires = prev.ExpiresAt.UTC().Format("2006-01-02 15:04")
	labels := map[string]string{}
	if rs, err := p.st.ListRights(r.Context()); err == nil {
		for _, x := range rs {
			labels[x.Code] = x.LabelIn(v.Lang)
		}
	}
	for _, code := range prev.Rights {
		label := code
		if l, ok := labels[code]; ok {
			label = l + " (" + code + ")"
		}
		v.Rights = append(v.Rights, safe.Line(label))
	}
	if prev.ExistingAccount {
		v.Step = "existing"
		return v, nil
	}
	v.Step = "new"
	pol := model.DefaultPasswordPolicy()
	pol.HistoryDepth = 0 // a new account has no previous password
	facts := model.PasswordContext{Login: prev.Login, Email: prev.Email, Name: prev.Name, OrgNames: []string{prev.OrgName}}
	v.Rules, v.RulesMin = rules(v.Lang, pol, facts, tried, failed)
	v.RulesMax = pol.MaxLength
	if tried != nil {
		v.Error = v.T("portal.pw.refused")
		v.Reasons = reasons(v.Lang, failed)
	}
	return v, nil
}

func (p *Portal) acceptSubmit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.fail(w, r, err)
		return
	}
	vs := p.visit(r)
	tok, prev, ok := p.openInvitation(w, r, vs)
	if !ok {
		return
	}
	a := store.Acceptance{IP: p.clientIP(r), UserAgent: r.UserAgent()}
	if prev.ExistingAccount {
		a.Password, a.TOTP = r.PostForm.Get("current"), r.PostForm.Get("code")
	} else {
		a.Password, a.Confirm = r.PostForm.Get("password"), r.PostForm.Get("confirm")
	}
	acc, err := p.st.AcceptInvitation(r.Context(), tok, a)
	var pe *model.PolicyError
	switch {
	case errors.As(err, &pe):
		v, ferr := p.acceptForm(r, vs, prev, &a.Password, pe.Failed)
		if ferr != nil {
			p.fail(w, r, ferr)
			return
		}
		p.render(w, r, http.StatusOK, "accept", v)
		return
	case prev.ExistingAccount && errors.Is(err, store.ErrAuthFailed):
		// The owner's proof failed (counted like a sign-in): one message, the code asked for
		// when the password was right and the account has 2FA, or when it was asked before.
		v, ferr := p.acceptForm(r, vs, prev, nil, nil)
		if ferr != nil {
			p.fail(w, r, ferr)
			return
		}
		v.NeedCode = errors.Is(err, store.ErrTOTPRequired) || r.PostForm.Has("code")
		if errors.Is(err, store.ErrTOTPRequired) {
			v.Notice = v.T("portal.accept.needcode")
		} else {
			v.Error = v.T("portal.accept.badlogin")
		}
		p.render(w, r, http.StatusOK, "accept", v)
		return
	}
	if p.acceptRefused(w, r, vs, err) {
		return
	}
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.clearCookie(w, p.cfg.cookies.accept)
	if !acc.NewAccount {
		p.redirect(w, r, p.url("/login?done=joined"))
		return
	}
	// The new account signs in with the password just chosen, through the sign-in rules.
	res, err := p.st.Authenticate(r.Context(), store.AuthRequest{Login: acc.Login, Password: a.Password,
		IP: p.clientIP(r), UserAgent: r.UserAgent()})
	if err != nil {
		p.redirect(w, r, p.url("/login?done=accepted"))
		return
	}
	p.signInDone(w, r, res, "accepted")
}
