package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"gatehouse/portal"
	"gatehouse/store"
)

func init() {
	register(&command{
		name:    "portal",
		args:    "[--listen ADDR] [--portal-url URL] [--behind-proxy --trusted-proxy CIDR...] [flags]",
		summary: "serve the portal's account pages over HTTP (sign in, reset, invitation, 2FA...)",
		help: `Serves the account pages of the customer portal: /login (login code or e-mail, password, then
the 2FA code when enrolled), /logout, /forgot (e-mails a reset link), /code (e-mails the login
code), /reset?token=, /accept?token=, /password, /totp, /organization, /account, /healthz.
A company may also mount the same pages in its own Go server (portal.New).

The portal URL (--portal-url, GATEHOUSE_PORTAL_URL or portal_url) is where browsers reach the
pages, and the base of every link in every e-mail: set the same one for every gatehouse command
(the console queues invitations and reset links too). Its path is the prefix the pages are
served under. gatehouse portal serves plain HTTP and refuses to start when the portal URL names
another host or port than the one it listens on, or https: unless --behind-proxy says that a
reverse proxy (which terminates TLS) forwards the requests. The client's address is then read
from X-Forwarded-For, believed only from the --trusted-proxy addresses (default: loopback).

The outbox is delivered from the same process when an SMTP server is configured (--smtp-url,
GATEHOUSE_SMTP_URL or smtp_url; sender --from, GATEHOUSE_MAIL_FROM or mail_from).

Logs (log/slog, to stderr): one line per request with the path but never the query (a link's
token), the status and the client's address.`,
		examples: []string{
			"gatehouse portal",
			"gatehouse portal --listen 127.0.0.1:8080 --portal-url http://127.0.0.1:8080",
			"gatehouse portal --listen 10.0.0.5:8080 --portal-url https://portal.example.com --behind-proxy --trusted-proxy 10.0.0.2",
		},
		run: runPortal,
	})
	register(&command{
		name:    "org require-2fa",
		args:    "SLUG on|off",
		summary: "make 2FA required (or not) for every member of an organization",
		help: `With on, a member without 2FA sets up an authenticator app at the next sign-in on the
portal, before any session opens. Audited.`,
		examples: []string{"gatehouse org require-2fa acme on"},
		run:      runOrgRequire2FA,
	})
}

// portalReady is called with the address the portal listens on (tests use it).
var portalReady = func(addr string) {}

// portalURL checks a configured portal URL and drops its trailing slash ("" stays "").
func portalURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("portal URL %q: write it as https://host[:port][/path]", sanitizeLine(safeCap(raw)))
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("portal URL %q: no query, fragment or user name", sanitizeLine(safeCap(raw)))
	}
	return strings.TrimRight(raw, "/"), nil
}

// parseProxies reads trusted proxies: CIDRs or single addresses, comma- or space-separated.
func parseProxies(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range list {
		for _, f := range strings.FieldsFunc(item, func(r rune) bool { return r == ',' || r == ' ' }) {
			if p, err := netip.ParsePrefix(f); err == nil {
				out = append(out, p.Masked())
				continue
			}
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: not an address or CIDR", sanitizeLine(safeCap(f)))
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		}
	}
	return out, nil
}

// loopbackProxies is the default trust behind a proxy: one on the same machine.
var loopbackProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// checkServesHost refuses a portal URL that does not name the address the server listens on
// (a browser following the e-mails' links would reach another server, or nothing).
func checkServesHost(ctx context.Context, portalURL, listen string) error {
	u, err := url.Parse(portalURL)
	if err != nil {
		return err
	}
	if u.Scheme == "https" {
		return fmt.Errorf("the portal URL is https but gatehouse portal serves plain HTTP: put it behind a reverse proxy that terminates TLS, and say so with --behind-proxy")
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("--listen %q: %v", listen, err)
	}
	urlPort := u.Port()
	if urlPort == "" {
		urlPort = "80"
	}
	if urlPort != port {
		return fmt.Errorf("the portal URL %s names port %s but the portal listens on %s: the e-mails' links would not reach it (or use --behind-proxy)", portalURL, urlPort, listen)
	}
	listenIP, _ := netip.ParseAddr(host)
	lctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(lctx, "ip", u.Hostname())
	if err != nil {
		return fmt.Errorf("the portal URL's host %s does not resolve here: %v (or use --behind-proxy)", u.Hostname(), err)
	}
	local := map[netip.Addr]bool{}
	if ifs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range ifs {
			if p, err := netip.ParsePrefix(a.String()); err == nil {
				local[p.Addr().Unmap()] = true
			}
		}
	}
	for _, a := range addrs {
		a = a.Unmap()
		switch {
		case host == "" || listenIP.IsUnspecified():
			if local[a] || a.IsLoopback() {
				return nil
			}
		case a == listenIP.Unmap():
			return nil
		}
	}
	return fmt.Errorf("the portal URL %s names host %s, which is not the address %s the portal listens on: the e-mails' links would reach another server (or use --behind-proxy)", portalURL, u.Hostname(), listen)
}

// portalServer is a running portal: its HTTP server and where it listens.
type portalServer struct {
	srv  *http.Server
	ln   net.Listener
	done chan error
}

// startPortal serves the handler on ln until stop.
func startPortal(h http.Handler, ln net.Listener, logger *slog.Logger) *portalServer {
	ps := &portalServer{ln: ln, done: make(chan error, 1),
		srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
			WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
			ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}}
	go func() { ps.done <- ps.srv.Serve(ln) }()
	return ps
}

func (ps *portalServer) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = ps.srv.Shutdown(ctx)
}

func runPortal(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	listen := f.String("listen", "", "listen `ADDR` (default: GATEHOUSE_PORTAL_LISTEN or portal_listen, else 127.0.0.1:8080)")
	behind := f.Bool("behind-proxy", false, "a reverse proxy forwards the requests: the portal URL may name its host")
	var proxies stringList
	f.Var(&proxies, "trusted-proxy", "`CIDR` or address of a proxy whose X-Forwarded-For is believed (default with --behind-proxy: loopback)")
	smtpURL := f.String("smtp-url", "", "deliver the outbox to the SMTP server `URL` (default: GATEHOUSE_SMTP_URL or smtp_url)")
	from := f.String("from", "", "sender `ADDR` of the e-mails (default: GATEHOUSE_MAIL_FROM or mail_from)")
	logFormat := f.String("log-format", "text", "log `FORMAT`: text or json")
	if code, ok := f.parseNone(e, args); !ok {
		return code
	}
	var logger *slog.Logger
	switch *logFormat {
	case "text":
		logger = slog.New(slog.NewTextHandler(e.stderr, nil))
	case "json":
		logger = slog.New(slog.NewJSONHandler(e.stderr, nil))
	default:
		return f.usageError(e, "--log-format must be text or json")
	}
	cfg, err := loadConfig(f.global)
	if err != nil {
		return fail(e, err)
	}
	if *listen == "" {
		*listen = cfg.Get("portal_listen")
	}
	if *listen == "" {
		*listen = "127.0.0.1:8080"
	}
	if len(proxies) == 0 && cfg.Get("portal_trusted_proxies") != "" {
		proxies = stringList{cfg.Get("portal_trusted_proxies")}
		*behind = true
	}
	trusted, err := parseProxies(proxies)
	if err != nil {
		return f.usageError(e, "%v", err)
	}
	if len(trusted) > 0 && !*behind {
		return f.usageError(e, "--trusted-proxy needs --behind-proxy")
	}
	if *behind && len(trusted) == 0 {
		trusted = loopbackProxies
	}
	if *smtpURL == "" {
		*smtpURL = cfg.SMTPURL
	}
	if *from == "" {
		*from = cfg.MailFrom
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fail(e, fmt.Errorf("listen %s: %w", *listen, err))
	}
	defer ln.Close()
	if cfg.PortalURL == "" {
		cfg.PortalURL = "http://" + localURLHost(ln.Addr().String())
	}
	if !*behind {
		if err := checkServesHost(e.ctx, cfg.PortalURL, ln.Addr().String()); err != nil {
			return fail(e, err)
		}
	}
	pcfg := portal.Config{PublicURL: cfg.PortalURL, TrustedProxies: trusted, Logger: logger}
	if err := pcfg.Validate(); err != nil {
		return fail(e, err)
	}
	st, label, cleanup, err := openStore(e.ctx, cfg)
	if err != nil {
		return fail(e, err)
	}
	defer cleanup()
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	ps := startPortal(portal.New(st, pcfg), ln, logger)
	mailerDone := make(chan struct{})
	mailErr := make(chan error, 1)
	if *smtpURL != "" {
		mc := store.MailerConfig{SMTPURL: *smtpURL, From: *from, Logf: func(format string, a ...any) {
			logger.Info("mail", "msg", oneLine(fmt.Sprintf(format, a...)))
		}}
		go func() {
			defer close(mailerDone)
			if err := st.RunMailer(ctx, mc); err != nil {
				mailErr <- fmt.Errorf("outbox delivery: %w", err)
			}
		}()
	} else {
		close(mailerDone)
		logger.Warn("outbox delivery off: no SMTP server (--smtp-url, GATEHOUSE_SMTP_URL or smtp_url); run `gatehouse mail` elsewhere")
	}
	logger.Info("serving the portal", "addr", ln.Addr().String(), "url", cfg.PortalURL, "behind_proxy", *behind, "db", label)
	portalReady(ln.Addr().String())
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-ps.done:
	case runErr = <-mailErr:
	}
	cancel()
	ps.stop()
	<-mailerDone
	if runErr != nil && !errors.Is(runErr, http.ErrServerClosed) {
		return fail(e, runErr)
	}
	return exitOK
}

// localURLHost is the host:port of a listen address for a URL ("[::]:8080" → "localhost:8080").
func localURLHost(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.IsUnspecified() || host == "" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

func runOrgRequire2FA(e *env, c *command, args []string) int {
	f := newFlags(e, c, true)
	pos, code, ok := f.parse(e, args)
	if !ok {
		return code
	}
	if code, ok := f.wantArgs(e, pos, 2, "the organization's slug and on or off"); !ok {
		return code
	}
	var on bool
	switch strings.ToLower(pos[1]) {
	case "on", "yes", "true":
		on = true
	case "off", "no", "false":
	default:
		return f.usageError(e, "say on or off, not %q", sanitizeLine(safeCap(pos[1])))
	}
	st, op, cleanup, err := openAsOperator(e, f)
	if err != nil {
		return fail(e, err)
	}
	defer cleanup()
	org, err := st.OrganizationBySlug(e.ctx, op, pos[0])
	if err != nil {
		return fail(e, fmt.Errorf("organization %s: %w", sanitizeLine(safeCap(pos[0])), err))
	}
	if err := st.SetOrganizationTOTPRequired(e.ctx, op, org.ID, on); err != nil {
		return fail(e, err)
	}
	state := "no longer requires"
	if on {
		state = "now requires"
	}
	fmt.Fprintf(e.stdout, "%s %s 2FA of its members\n", sanitizeLine(org.Slug), state)
	return exitOK
}
