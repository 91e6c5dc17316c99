package portal

import (
	"net/http"
	"time"

	"gatehouse/store"
)

// Cookies. Every cookie is HttpOnly and SameSite=Lax; over https it is Secure and named
// __Host- (so no other host of the domain can set it, and it is bound to the whole origin).
// The session cookie holds a portal session's token; the pending cookie a sign-in ticket (a
// step left before the session); the reset and accept cookies the token of the link the
// browser arrived with, so that it leaves the address bar at once and never reaches a
// Referer, a log or the browser's history.
type cookieNames struct {
	session, pending, reset, accept, lang string
}

func newCookieNames(secure bool) cookieNames {
	pre := "gh_"
	if secure {
		pre = "__Host-gh_"
	}
	return cookieNames{session: pre + "session", pending: pre + "pending", reset: pre + "reset",
		accept: pre + "accept", lang: pre + "lang"}
}

// Lifetimes of the cookies that carry a link's token (the token's own expiry still rules).
const (
	linkCookieAge = 3600
	langCookieAge = 365 * 24 * 3600
)

// setCookie sets a cookie for maxAge seconds (0: for the browser session).
func (p *Portal) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	path := "/"
	if !p.cfg.secure && p.cfg.prefix != "" {
		path = p.cfg.prefix + "/"
	}
	c := &http.Cookie{Name: name, Value: value, Path: path, HttpOnly: true, Secure: p.cfg.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: maxAge}
	http.SetCookie(w, c)
}

func (p *Portal) clearCookie(w http.ResponseWriter, name string) { p.setCookie(w, name, "", -1) }

func cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil || len(c.Value) > 256 {
		return ""
	}
	return c.Value
}

// startSession hands the browser a new session (the cookie replaced: a new token at every
// sign-in and privilege change) and forgets any pending step.
func (p *Portal) startSession(w http.ResponseWriter, res store.AuthResult) {
	age := int(time.Until(res.ExpiresAt).Seconds())
	if age < 1 {
		age = 1
	}
	p.setCookie(w, p.cfg.cookies.session, res.SessionToken, age)
	p.clearCookie(w, p.cfg.cookies.pending)
}

// pend hands the browser the ticket of a pending sign-in step.
func (p *Portal) pend(w http.ResponseWriter, res store.AuthResult) {
	age := int(time.Until(res.TicketExpiresAt).Seconds())
	if age < 1 {
		age = int(store.TicketTTL.Seconds())
	}
	p.setCookie(w, p.cfg.cookies.pending, res.Ticket, age)
}
