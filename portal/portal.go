// Package portal serves the account pages of the customer portal: sign in (with 2FA), sign
// out, forgotten password, lost login code, reset link, invitation, password change, forced
// change, 2FA enrolment, choice of organization. It is an http.Handler a company mounts
// under its own site (or that `gatehouse portal` serves), reading and writing only through
// store: every rule (lockout, password policy, tokens, sessions) lives there.
//
// Pages are server-rendered (html/template, embedded) and work without JavaScript; one small
// script ticks the password rules as they are typed. Every string from the database passes
// through model/safe before it is rendered; html/template escapes it for HTML.
package portal

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"gatehouse/model/i18n"
	"gatehouse/store"
)

// Config says where the pages live and whom to trust.
type Config struct {
	// PublicURL is portal_url: the scheme, host and path at which browsers reach the pages
	// (https://portal.example.com or https://example.com/account). The handler serves the
	// paths under its path (the prefix); over https the cookies are Secure and __Host-.
	// Default http://localhost.
	PublicURL string
	// TrustedProxies are the peers whose X-Forwarded-For header is believed: the client's
	// address is the last one in that header that is not itself a trusted proxy. Empty: the
	// connection's peer is the client.
	TrustedProxies []netip.Prefix
	// Issuer is the name authenticator apps show beside the account (default: the host of
	// PublicURL).
	Issuer string
	// Home is where a signed-in user lands (default: the portal's account page). A path on
	// the company's own site, for example its dashboard.
	Home string
	// Logger receives one line per request (method, path without query, status, duration,
	// client) and the errors; never a token, a password or a query string. nil: discarded.
	Logger *slog.Logger
	// Mailbox is the demo's maildir: when set, /demo/mail lists the e-mails in it. Only for
	// the demo: a real portal never shows mail.
	Mailbox string
}

// Validate reports a configuration the portal cannot run with.
func (c Config) Validate() error {
	_, err := c.resolve()
	return err
}

// settings is a Config resolved once.
type settings struct {
	Config
	base    *url.URL // PublicURL parsed
	prefix  string   // path prefix, "" or "/account"
	secure  bool     // https: Secure, __Host- cookies
	origin  string   // scheme://host[:port]
	issuer  string
	home    string
	cookies cookieNames
}

func (c Config) resolve() (*settings, error) {
	raw := c.PublicURL
	if raw == "" {
		raw = "http://localhost"
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("portal URL %q: must be http:// or https:// followed by a host", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("portal URL %q: no query, fragment or user name", raw)
	}
	s := &settings{Config: c, base: u, secure: u.Scheme == "https"}
	s.prefix = strings.TrimRight(u.Path, "/")
	s.origin = u.Scheme + "://" + u.Host
	s.issuer = c.Issuer
	if s.issuer == "" {
		s.issuer = u.Hostname()
	}
	s.home = c.Home
	if s.home == "" {
		s.home = s.prefix + "/account"
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	s.cookies = newCookieNames(s.secure)
	return s, nil
}

// Portal is the account pages' handler.
type Portal struct {
	st  *store.Store
	cfg *settings
	h   http.Handler
	tpl *templates
}

// New returns the account pages for the store. A configuration that does not validate
// makes every request answer 500 (and be logged): check it first with Config.Validate.
func New(st *store.Store, cfg Config) http.Handler {
	s, err := cfg.resolve()
	if err != nil {
		logger := cfg.Logger
		if logger == nil {
			logger = slog.New(slog.DiscardHandler)
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			logger.Error("portal misconfigured", "err", err.Error())
			http.Error(w, "portal misconfigured", http.StatusInternalServerError)
		})
	}
	p := &Portal{st: st, cfg: s, tpl: mustTemplates()}
	p.h = p.routes()
	return p
}

// ServeHTTP serves one request.
func (p *Portal) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.h.ServeHTTP(w, r) }

// maxBody bounds a form: a password of 1 MB pasted (URL-encoded, up to three times as
// long) must still get its clear refusal; more is answered 413.
const maxBody = 4 << 20

func (p *Portal) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", p.healthz)
	mux.HandleFunc("GET /static/{file}", p.static)
	mux.HandleFunc("GET /{$}", p.root)
	mux.HandleFunc("GET /lang", p.switchLang)
	mux.HandleFunc("GET /login", p.loginPage)
	mux.HandleFunc("POST /login", p.loginSubmit)
	mux.HandleFunc("GET /logout", p.logoutPage)
	mux.HandleFunc("POST /logout", p.logoutSubmit)
	mux.HandleFunc("GET /forgot", p.forgotPage)
	mux.HandleFunc("POST /forgot", p.forgotSubmit)
	mux.HandleFunc("GET /code", p.codePage)
	mux.HandleFunc("POST /code", p.codeSubmit)
	mux.HandleFunc("GET /reset", p.resetPage)
	mux.HandleFunc("POST /reset", p.resetSubmit)
	mux.HandleFunc("GET /accept", p.acceptPage)
	mux.HandleFunc("POST /accept", p.acceptSubmit)
	mux.HandleFunc("GET /password", p.passwordPage)
	mux.HandleFunc("POST /password", p.passwordSubmit)
	mux.HandleFunc("GET /totp", p.totpPage)
	mux.HandleFunc("POST /totp", p.totpSubmit)
	mux.HandleFunc("GET /organization", p.orgPage)
	mux.HandleFunc("POST /organization", p.orgSubmit)
	mux.HandleFunc("GET /account", p.accountPage)
	if p.cfg.Mailbox != "" {
		mux.HandleFunc("GET /demo/mail", p.mailboxPage)
		mux.HandleFunc("GET /demo/mail/{id}", p.mailPage)
	}
	mux.HandleFunc("/", p.notFound)

	cop := http.NewCrossOriginProtection()
	_ = cop.AddTrustedOrigin(p.cfg.origin) // behind a proxy the Host seen here is not the public one
	cop.SetDenyHandler(http.HandlerFunc(p.crossOrigin))

	var h http.Handler = mux
	if p.cfg.prefix != "" {
		h = http.StripPrefix(p.cfg.prefix, h)
	}
	h = cop.Handler(h)
	h = p.limitBody(h)
	h = p.headers(h)
	h = p.recoverer(h)
	return p.logRequests(h)
}

// headers sets the security headers of every answer: a CSP without inline script, no
// framing, no Referer (a token in a URL never leaves the page), no caching of pages that
// hold personal data.
func (p *Portal) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "+
			"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if p.cfg.secure {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

func (p *Portal) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		next.ServeHTTP(w, r)
	})
}

// recoverer turns a panic into a 500 page; the panic value is not logged (it could hold a
// form value), only where it happened.
func (p *Portal) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				p.cfg.Logger.Error("portal: panic while serving", "path", r.URL.Path)
				p.fail(w, r, errors.New("panic"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// statusWriter remembers the status of an answer for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests writes one line per request: the path only (a query can hold a token).
func (p *Portal) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		p.cfg.Logger.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"ms", float64(time.Since(start).Microseconds())/1000, "client", p.clientIP(r).String())
	})
}

// clientIP is the address of the browser: the connection's peer, or — from a trusted
// proxy — the last address of X-Forwarded-For that is not a trusted proxy.
func (p *Portal) clientIP(r *http.Request) netip.Addr {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	var ip netip.Addr
	if err == nil {
		ip = peer.Addr().Unmap()
	} else if a, err := netip.ParseAddr(r.RemoteAddr); err == nil {
		ip = a.Unmap()
	}
	if !ip.IsValid() || !p.trusted(ip) {
		return ip
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return ip // a malformed hop: trust nothing beyond the proxy that added it
		}
		a = a.Unmap()
		if !p.trusted(a) {
			return a
		}
		ip = a
	}
	return ip
}

func (p *Portal) trusted(ip netip.Addr) bool {
	for _, pr := range p.cfg.TrustedProxies {
		if pr.Contains(ip) {
			return true
		}
	}
	return false
}

// url is a path of the portal as the browser sees it (prefix included).
func (p *Portal) url(path string) string { return p.cfg.prefix + path }

// redirect answers 303 See Other to a path of the portal (or an absolute path).
func (p *Portal) redirect(w http.ResponseWriter, r *http.Request, path string) {
	if !strings.HasPrefix(path, p.cfg.prefix+"/") && !strings.HasPrefix(path, "/") {
		path = "/"
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}

func (p *Portal) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := p.st.Ping(r.Context()); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "database unreachable")
		return
	}
	fmt.Fprintln(w, "ok")
}

func (p *Portal) root(w http.ResponseWriter, r *http.Request) {
	if p.visit(r).acct != nil {
		p.redirect(w, r, p.cfg.home)
		return
	}
	p.redirect(w, r, p.url("/login"))
}

// fail answers an unexpected error: the store's unavailability as 503, anything else 500;
// the error is logged (store errors never hold secrets), the page says only what to do.
func (p *Portal) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	if store.IsUnavailable(err) || errors.Is(err, store.ErrTimeout) {
		status = http.StatusServiceUnavailable
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		p.errorPage(w, r, http.StatusRequestEntityTooLarge, "portal.error.toolarge")
		return
	}
	p.cfg.Logger.Error("portal: request failed", "path", r.URL.Path, "err", err.Error())
	p.errorPage(w, r, status, "portal.error.unavailable")
}

func (p *Portal) notFound(w http.ResponseWriter, r *http.Request) {
	p.errorPage(w, r, http.StatusNotFound, "portal.error.notfound")
}

func (p *Portal) crossOrigin(w http.ResponseWriter, r *http.Request) {
	p.errorPage(w, r, http.StatusForbidden, "portal.error.crossorigin")
}

// errorPage renders the error page with one message of the catalog.
func (p *Portal) errorPage(w http.ResponseWriter, r *http.Request, status int, key string) {
	v := p.view(r, nil, "portal.error.title", "")
	v.Error = v.T(key)
	p.render(w, r, status, "error", v)
}

// lang picks the language of a page: the switch (a cookie), else the account's, else the
// browser's Accept-Language, else English.
func (p *Portal) lang(r *http.Request, account string) i18n.Lang {
	if c, err := r.Cookie(p.cfg.cookies.lang); err == nil && (c.Value == "en" || c.Value == "fr") {
		return i18n.Lang(c.Value)
	}
	if account == "en" || account == "fr" {
		return i18n.Lang(account)
	}
	return acceptLanguage(r.Header.Get("Accept-Language"))
}

// acceptLanguage returns the first of en and fr the browser prefers (by q), English if none.
func acceptLanguage(h string) i18n.Lang {
	best, bestQ := i18n.EN, -1.0
	for _, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if _, err := fmt.Sscanf(v, "%g", &q); err != nil {
				q = 0
			}
		}
		var l i18n.Lang
		switch {
		case tag == "fr" || strings.HasPrefix(tag, "fr-"):
			l = i18n.FR
		case tag == "en" || strings.HasPrefix(tag, "en-"):
			l = i18n.EN
		default:
			continue
		}
		if q > bestQ {
			best, bestQ = l, q
		}
	}
	return best
}

// switchLang sets the language cookie and goes back to the page it came from (a path of
// the portal only: never an open redirect).
func (p *Portal) switchLang(w http.ResponseWriter, r *http.Request) {
	to := r.URL.Query().Get("to")
	if to != "en" && to != "fr" {
		to = "en"
	}
	p.setCookie(w, p.cfg.cookies.lang, to, 365*24*3600)
	back := r.URL.Query().Get("back")
	if !knownPage(back) {
		back = "/login"
	}
	p.redirect(w, r, p.url(back))
}

// knownPage reports whether path is one of the portal's pages (the language switch returns
// only there).
func knownPage(path string) bool {
	switch path {
	case "/login", "/logout", "/forgot", "/code", "/reset", "/accept", "/password", "/totp", "/organization",
		"/account", "/demo/mail":
		return true
	}
	return false
}
