package portal_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"gatehouse/model"
	"gatehouse/portal"
	"gatehouse/store"
	"gatehouse/store/smtptest"
	"gatehouse/store/storetest"
)

func TestMain(m *testing.M) {
	code := storetest.Main(m)
	if browserCancel != nil {
		browserCancel()
	}
	os.Exit(code)
}

// world is a portal on a fresh database, served on 127.0.0.1, with a real SMTP server that
// the outbox is delivered to.
type world struct {
	t    testing.TB
	st   *store.Store
	srv  *httptest.Server
	base string // http://127.0.0.1:PORT (+ prefix)
	sink *smtptest.Server
	logs *syncBuffer
	ctx  context.Context
	org  int64
	op   model.Operator
	clk  *clock
}

// clock is the store's clock: real time plus an offset tests move forward (no sleeps).
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return time.Now().Add(c.off) }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.off += d; c.mu.Unlock() }

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

type worldOpt func(*portal.Config)

// newWorld starts the portal; prefix "" serves it at the root.
func newWorld(t testing.TB, prefix string, opts ...worldOpt) *world {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String() + prefix
	clk := &clock{}
	st := storetest.New(t, func(c *store.Config) { c.PortalURL = base; c.Now = clk.Now })
	logs := &syncBuffer{}
	cfg := portal.Config{PublicURL: base, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Issuer: "Gatehouse test"}
	for _, o := range opts {
		o(&cfg)
	}
	var h http.Handler = portal.New(st, cfg)
	if prefix != "" {
		mux := http.NewServeMux()
		mux.Handle(prefix+"/", h)
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "the company's own site", http.StatusTeapot)
		})
		h = mux
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	w := &world{t: t, st: st, srv: srv, base: base, sink: smtptest.Start(t, smtptest.Options{}), logs: logs, ctx: context.Background(), clk: clk}
	w.org = storetest.Org(t, st, "acme", "Acme Industries")
	var opID int64
	if err := st.DB().Get(&opID, `INSERT INTO operators (name, role) VALUES ('desk', 'support') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	w.op = model.Operator{ID: opID, Name: "desk", Role: model.RoleSupport}
	return w
}

// in is the world seen from a subtest (its failures are the subtest's).
func (w *world) in(t *testing.T) *world {
	c := *w
	c.t = t
	return &c
}

// user makes an active account with a password, member of the world's organization.
func (w *world) user(login, email, name, password string, orgs ...int64) int64 {
	w.t.Helper()
	h, err := store.HashPassword(w.ctx, model.NormalizePassword(password))
	if err != nil {
		w.t.Fatal(err)
	}
	if len(orgs) == 0 {
		orgs = []int64{w.org}
	}
	id := storetest.User(w.t, w.st, login, email, name, time.Time{}, orgs...)
	w.exec(`UPDATE users SET password_hash = $2, lang = 'en' WHERE id = $1`, id, h)
	return id
}

func (w *world) exec(q string, args ...any) {
	w.t.Helper()
	if _, err := w.st.DB().Exec(q, args...); err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
}

func (w *world) int(q string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.st.DB().Get(&n, q, args...); err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
	return n
}

func (w *world) version(id int64) int { return w.int(`SELECT version FROM users WHERE id = $1`, id) }

// ---- the HTTP side ----

// browser is an HTTP client with its own cookies; it does not follow redirects by itself.
type browser struct {
	w      *world
	c      *http.Client
	lang   string // Accept-Language
	header http.Header
}

func (w *world) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{w: w, lang: "en", header: http.Header{},
		c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is one answer, its body read.
type page struct {
	status   int
	header   http.Header
	body     string
	location string // redirect target
	url      string // the address that answered (after redirects)
}

func (b *browser) do(method, path string, form url.Values) page {
	b.w.t.Helper()
	target := path
	if !strings.HasPrefix(path, "http") {
		target = b.w.base + path
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		b.w.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept-Language", b.lang)
	req.Header.Set("User-Agent", "portal-test/1")
	for k, v := range b.header {
		req.Header[k] = v
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.w.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, header: resp.Header, body: string(raw), location: resp.Header.Get("Location"), url: target}
}

// follow repeats GET on redirects (at most 10), as a browser does after a form.
func (b *browser) follow(p page) page {
	b.w.t.Helper()
	for i := 0; i < 10 && p.status >= 300 && p.status < 400; i++ {
		loc := p.location
		if strings.HasPrefix(loc, "/") {
			u, _ := url.Parse(b.w.base)
			loc = u.Scheme + "://" + u.Host + loc
		}
		p = b.do("GET", loc, nil)
	}
	return p
}

func (b *browser) get(path string) page { b.w.t.Helper(); return b.follow(b.do("GET", path, nil)) }

func (b *browser) post(path string, kv ...string) page {
	b.w.t.Helper()
	form := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		form.Add(kv[i], kv[i+1])
	}
	return b.follow(b.do("POST", path, form))
}

// signIn signs in with the identifier and password and returns the page reached.
func (b *browser) signIn(ident, password string) page {
	b.w.t.Helper()
	return b.post("/login", "username", ident, "password", password)
}

// text is the visible text of an HTML body (tags dropped, entities decoded, spaces folded).
func text(body string) string {
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		return body
	}
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.Data == "script" || n.Data == "style" || n.Data == "head") {
			return
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	// Fold ASCII white space only: the non-breaking spaces of French typography stay.
	return strings.Join(strings.FieldsFunc(b.String(), func(r rune) bool {
		return r == ' ' || r == '\n' || r == '\t' || r == '\r'
	}), " ")
}

func (p page) has(s string) bool { return strings.Contains(text(p.body), s) }

func (w *world) mustSee(p page, what ...string) {
	w.t.Helper()
	for _, s := range what {
		if !p.has(s) {
			w.t.Fatalf("%s (%d): %q not on the page:\n%s", p.url, p.status, s, text(p.body))
		}
	}
}

// ---- mail through a real SMTP server ----

// deliver sends what the outbox holds to the SMTP server and returns every message received
// so far.
func (w *world) deliver() []smtptest.Message {
	w.t.Helper()
	if _, err := w.st.DeliverDue(w.ctx, store.MailerConfig{SMTPURL: w.sink.URL(), From: "portal@example.com"}); err != nil {
		w.t.Fatal(err)
	}
	return w.sink.Messages()
}

var linkRE = regexp.MustCompile(`https?://\S+[?&]token=[A-Za-z0-9_-]+`)

// lastLink delivers the outbox and returns the last link with a token e-mailed to addr.
func (w *world) lastLink(addr string) string {
	w.t.Helper()
	msgs := w.deliver()
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].To == addr {
			if l := linkRE.FindString(msgs[i].Body); l != "" {
				return l
			}
		}
	}
	w.t.Fatalf("no e-mail with a link to %s (%d messages)", addr, len(msgs))
	return ""
}

// lastMail delivers the outbox and returns the last message to addr.
func (w *world) lastMail(addr string) smtptest.Message {
	w.t.Helper()
	msgs := w.deliver()
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].To == addr {
			return msgs[i]
		}
	}
	w.t.Fatalf("no e-mail to %s", addr)
	return smtptest.Message{}
}

func tokenOf(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	return u.Query().Get("token")
}

var errNoCookie = errors.New("no such cookie")

// cookie reads a cookie the browser holds for the portal.
func (b *browser) cookie(name string) (string, error) {
	u, _ := url.Parse(b.w.base + "/")
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value, nil
		}
	}
	return "", errNoCookie
}

var _ = netip.Addr{}
