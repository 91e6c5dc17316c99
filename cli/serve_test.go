package cli

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"gatehouse/model/i18n"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor waits (at most 10 s) until the buffer holds sub.
func (l *lockedBuffer) waitFor(sub string) bool {
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(l.String(), sub) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// runningServe is `gatehouse serve` run in-process with the context given, and carol, an
// acme admin whose key is registered with `gatehouse operator add --key`.
type runningServe struct {
	addr   string
	carol  ssh.Signer
	stderr *lockedBuffer
	done   chan int // serve's exit code
}

func startServe(t *testing.T, h *harness, ctx context.Context) *runningServe {
	t.Helper()
	acme := h.org("acme", "Acme")
	globex := h.org("globex", "Globex")
	h.user("ACME-7K2Q9", "jean@example.org", "Jean Dupont", "active", acme)
	h.user("GLBX-55555", "hank@example.org", "Hank Scorpio", "active", globex)
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "carol.pub")
	if err := os.WriteFile(keyFile, ssh.MarshalAuthorizedKey(signer.PublicKey()), 0o644); err != nil {
		t.Fatal(err)
	}
	asOSUser(t, "root")
	h.mustRun("operator", "add", "carol", "--role", "admin", "--org", "acme", "--key", keyFile)

	addrs := make(chan string, 1)
	prev := serveReady
	serveReady = func(a string) { addrs <- a }
	t.Cleanup(func() { serveReady = prev })
	rs := &runningServe{carol: signer, stderr: &lockedBuffer{}, done: make(chan int, 1)}
	go func() {
		rs.done <- Main(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--database-url", h.dsn, "--max-sessions", "3"},
			strings.NewReader(""), io.Discard, rs.stderr)
	}()
	select {
	case rs.addr = <-addrs:
	case code := <-rs.done:
		t.Fatalf("serve exited %d: %s", code, rs.stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	return rs
}

// console opens a session with a terminal, as ssh -t does, and reads it as a terminal would
// (answering the colour and device-attribute queries) into out, until the stream ends.
func (rs *runningServe) console(t *testing.T, env ...string) (sess *ssh.Session, out *lockedBuffer, closed chan struct{}) {
	t.Helper()
	client, err := ssh.Dial("tcp", rs.addr, &ssh.ClientConfig{User: "carol", Auth: []ssh.AuthMethod{ssh.PublicKeys(rs.carol)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	sess, err = client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if err := sess.Setenv(k, v); err != nil {
			t.Fatal(err)
		}
	}
	in, _ := sess.StdinPipe()
	stdout, _ := sess.StdoutPipe()
	if err := sess.RequestPty("xterm-256color", 30, 100, ssh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	out, closed = &lockedBuffer{}, make(chan struct{})
	go func() {
		defer close(closed)
		buf := make([]byte, 8192)
		answered := false
		for {
			n, err := stdout.Read(buf)
			out.Write(buf[:n]) //nolint:errcheck
			if !answered && strings.Contains(out.String(), "\x1b[c") {
				answered = true
				in.Write([]byte("\x1b]11;rgb:0000/0000/0000\x1b\\\x1b[?62;22c")) //nolint:errcheck
			}
			if err != nil {
				return
			}
		}
	}()
	return sess, out, closed
}

// TestServe runs `gatehouse serve` and opens a console over SSH with a key registered by
// `gatehouse operator add --key`.
func TestServe(t *testing.T) {
	h := newHarness(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rs := startServe(t, h, ctx)

	hostKey := filepath.Join(os.Getenv("GATEHOUSE_DATA_DIR"), "ssh_host_ed25519")
	fi, err := os.Stat(hostKey)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key %s: %v %v", hostKey, fi, err)
	}
	sess, out, _ := rs.console(t)
	if !out.waitFor("Jean Dupont") {
		t.Fatalf("no console:\n%q", out.String())
	}
	if s := out.String(); strings.Contains(s, "Hank Scorpio") || !strings.Contains(s, "carol") {
		t.Fatalf("console over SSH:\n%q", s)
	}
	sess.Close()

	cancel()
	select {
	case code := <-rs.done:
		if code != 0 {
			t.Fatalf("serve exit %d: %s", code, rs.stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	for _, want := range []string{"ssh host key", "created=true", "serving the console over SSH", "outbox delivery off",
		"ssh session start", "operator=carol", "ssh session end"} {
		if !rs.stderr.waitFor(want) {
			t.Errorf("log lacks %q:\n%s", want, rs.stderr.String())
		}
	}
}

// TestServeSIGTERMRestoresTerminals sends SIGTERM to the process while consoles are open:
// serve runs under the context main.go uses (SignalContext), so it takes the path a real
// SIGTERM takes. Each client gets its terminal back and the shutdown line in its language,
// its session ends with status 0, the log has each session's end, and serve exits 0.
func TestServeSIGTERMRestoresTerminals(t *testing.T) {
	h := newHarness(t)
	ctx, stop := SignalContext()
	defer stop()
	rs := startServe(t, h, ctx)
	type console struct {
		sess   *ssh.Session
		out    *lockedBuffer
		closed chan struct{}
		from   int // where the output after the first frame starts
	}
	consoles := map[i18n.Lang]*console{}
	for lang, env := range map[i18n.Lang][]string{i18n.EN: nil, i18n.FR: {"LC_ALL=fr_FR.UTF-8"}} {
		sess, out, closed := rs.console(t, env...)
		consoles[lang] = &console{sess: sess, out: out, closed: closed}
	}
	for lang, c := range consoles {
		if !c.out.waitFor("Jean Dupont") {
			t.Fatalf("%s: no first frame:\n%q", lang, c.out.String())
		}
		c.from = len(c.out.String())
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-rs.done:
		if code != 0 {
			t.Fatalf("serve exit %d: %s", code, rs.stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	for lang, c := range consoles {
		select {
		case <-c.closed:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the stream did not end", lang)
		}
		if err := c.sess.Wait(); err != nil {
			t.Errorf("%s: session end: %v (want exit status 0)", lang, err)
		}
		after := c.out.String()[c.from:]
		line := i18n.T(lang, "ssh.shutdown")
		leave, show, at := strings.Index(after, "\x1b[?1049l"), strings.Index(after, "\x1b[?25h"), strings.Index(after, line)
		if leave < 0 || show < 0 || at < 0 || leave > at || show > at {
			t.Errorf("%s: after SIGTERM the client got %q: want the alternate screen left and the cursor shown, then %q", lang, after, line)
		}
	}
	log := rs.stderr.String()
	if strings.Count(log, `msg="ssh session end" operator=carol`) != 2 || strings.Count(log, `reason="server shutdown"`) != 2 {
		t.Errorf("the log lacks the two sessions' end:\n%s", log)
	}
	if strings.Contains(log, "after the grace period") {
		t.Errorf("the consoles did not quit by themselves:\n%s", log)
	}
}

func TestServeRefusesABadSMTPURL(t *testing.T) {
	h := newHarness(t)
	code, _, errOut := h.run("serve", "--listen", "127.0.0.1:0", "--smtp-url", "ftp://mail.example.com")
	if code == 0 || !strings.Contains(errOut, "outbox delivery") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if code, _, errOut := h.run("serve", "--max-sessions", "0"); code != 2 || !strings.Contains(errOut, "must be positive") {
		t.Fatalf("--max-sessions 0: exit %d %s", code, errOut)
	}
}
