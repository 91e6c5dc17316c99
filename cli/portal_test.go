package cli

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/store/smtptest"
)

// gatehouse portal, the portal URL and sender of every command, and the demo's portal.

func TestPortalRefusesAURLOfAnotherHost(t *testing.T) {
	isolate(t)
	for what, c := range map[string]struct{ url, want string }{
		"another host": {"http://192.0.2.1:%PORT%", "names host 192.0.2.1"},
		"another port": {"http://127.0.0.1:1", "names port 1"},
		"https":        {"https://127.0.0.1:%PORT%", "serves plain HTTP"},
	} {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		_, port, _ := net.SplitHostPort(addr)
		code, _, errOut := run(t, "portal", "--listen", addr, "--portal-url", strings.ReplaceAll(c.url, "%PORT%", port),
			"--database-url", "postgres://nowhere.invalid/x")
		if code == exitOK || !strings.Contains(errOut, c.want) || !strings.Contains(errOut, "--behind-proxy") {
			t.Errorf("%s: exit %d, %q", what, code, errOut)
		}
	}
	if code, _, errOut := run(t, "portal", "--trusted-proxy", "10.0.0.1"); code != exitUsage || !strings.Contains(errOut, "needs --behind-proxy") {
		t.Errorf("a trusted proxy without --behind-proxy: exit %d %q", code, errOut)
	}
	if code, _, errOut := run(t, "portal", "--behind-proxy", "--trusted-proxy", "not-an-address"); code != exitUsage || !strings.Contains(errOut, "not an address or CIDR") {
		t.Errorf("a bad proxy: exit %d %q", code, errOut)
	}
	if code, _, errOut := run(t, "users", "list", "--portal-url", "ftp://x"); code == exitOK || !strings.Contains(errOut, "portal URL") {
		t.Errorf("a bad portal URL: exit %d %q", code, errOut)
	}
}

func TestPortalServesBehindAProxy(t *testing.T) {
	h := newHarness(t)
	addrs := make(chan string, 1)
	prev := portalReady
	portalReady = func(a string) { addrs <- a }
	t.Cleanup(func() { portalReady = prev })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	var stderr syncBuf
	go func() {
		done <- Main(ctx, []string{"portal", "--listen", "127.0.0.1:0", "--portal-url", "https://portal.example.com/account",
			"--behind-proxy", "--trusted-proxy", "127.0.0.1/32", "--database-url", h.dsn}, strings.NewReader(""), io.Discard, &stderr)
	}()
	var addr string
	select {
	case addr = <-addrs:
	case code := <-done:
		t.Fatalf("portal exited %d: %s", code, stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatal("the portal did not start")
	}
	resp, err := http.Get("http://" + addr + "/account/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "ok" {
		t.Fatalf("healthz under the URL's path: %d %q", resp.StatusCode, body)
	}
	req, _ := http.NewRequest("GET", "http://"+addr+"/account/login?token=secret-looking-value", nil)
	req.Header.Set("X-Forwarded-For", "198.51.100.23")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login page: %d", resp.StatusCode)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the portal did not stop")
	}
	logs := stderr.String()
	if !strings.Contains(logs, "client=198.51.100.23") || !strings.Contains(logs, "path=/account/login") {
		t.Fatalf("the request log must name the client behind the proxy and the path:\n%s", logs)
	}
	if strings.Contains(logs, "secret-looking-value") {
		t.Fatal("a query string reached the log")
	}
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestPortalURLAndSenderReachTheEmails(t *testing.T) {
	h := newHarness(t)
	h.org("acme", "Acme Corp")
	asOSUser(t, "root")
	h.mustRun("operator", "add", "alice", "--role", "support")
	asOSUser(t, "alice")
	t.Setenv("GATEHOUSE_PORTAL_URL", "https://accounts.acme.example/portal/")
	out := h.mustRun("invite", "--org", "acme", "--name", "Mia Roy", "--email", "mia@example.org", "--right", "billing.view")
	if !strings.Contains(out, "https://accounts.acme.example/portal/accept?token=") {
		t.Fatalf("the printed link must start with the portal URL:\n%s", out)
	}
	sink := smtptest.Start(t, smtptest.Options{})
	t.Setenv("GATEHOUSE_MAIL_FROM", "accounts@acme.example")
	if code, out, errOut := h.run("mail", "--once", "--smtp-url", sink.URL()); code != exitOK {
		t.Fatalf("mail: exit %d\n%s\n%s", code, out, errOut)
	}
	got := sink.Messages()
	if len(got) != 1 || !strings.Contains(string(got[0].Raw), "From: <accounts@acme.example>") && !strings.Contains(string(got[0].Raw), "From: accounts@acme.example") ||
		!strings.Contains(string(got[0].Raw), "https://accounts.acme.example/portal/accept?token=3D") {
		t.Fatalf("received %v", got)
	}
}

// TestDemoServesThePortalAndItsMailbox runs the demo without its console: its portal answers
// on localhost, and an e-mail it sends is read on its mailbox page, with a link to itself.
func TestDemoServesThePortalAndItsMailbox(t *testing.T) {
	isolate(t)
	asOSUser(t, "demo-tester")
	t.Cleanup(func() { run(t, "db", "stop") }) // the demo's embedded cluster
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuf
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"demo", "--portal-only", "--portal-listen", "127.0.0.1:0"}, strings.NewReader(""), &stdout, &stderr)
	}()
	portalRE := regexp.MustCompile(`portal:\s+(http://127\.0\.0\.1:\d+)/login`)
	var base string
	deadline := time.Now().Add(3 * time.Minute)
	for base == "" {
		if m := portalRE.FindStringSubmatch(stdout.String()); m != nil && strings.Contains(stdout.String(), "until interrupted") {
			base = m[1]
			break
		}
		select {
		case code := <-done:
			t.Fatalf("demo exited %d:\n%s\n%s", code, stdout.String(), stderr.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo did not print its portal:\n%s", stdout.String())
		}
	}
	if !strings.Contains(stdout.String(), "maildir ") || !strings.Contains(stdout.String(), "/demo/mail") {
		t.Fatalf("the demo must print its mailbox and maildir:\n%s", stdout.String())
	}
	sample := regexp.MustCompile(`(?m)^\s+([A-Z]+-[0-9A-Z]+)\s+\S+@\S+\s+\S+$`).FindStringSubmatch(stdout.String())
	if sample == nil {
		t.Fatalf("no sample account printed:\n%s", stdout.String())
	}
	resp, err := http.PostForm(base+"/forgot", url.Values{"username": {sample[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// The demo's mailer delivers within a second or two: poll the mailbox page.
	var page string
	for end := time.Now().Add(60 * time.Second); time.Now().Before(end); {
		resp, err := http.Get(base + "/demo/mail")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if page = string(b); strings.Contains(page, "/demo/mail/") {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	m := regexp.MustCompile(`href="(/demo/mail/[^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the reset e-mail never reached the mailbox:\n%s", page)
	}
	resp, err = http.Get(base + m[1])
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `href="`+base+`/reset?token=`) {
		t.Fatalf("the e-mail must link to the demo's own portal:\n%s", b)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the demo did not stop")
	}
}
