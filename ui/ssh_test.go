package ui

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"gatehouse/model"
	"gatehouse/model/i18n"
	"gatehouse/store"
	"gatehouse/store/storetest"
)

func storetestDSN(t testing.TB) string { return storetest.NewDSN(t) }

// syncBuffer collects the server's log lines for assertions.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitLog waits (bounded) until the log holds every substring.
func (s *syncBuffer) waitLog(t *testing.T, subs ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		l := s.String()
		missing := ""
		for _, sub := range subs {
			if !strings.Contains(l, sub) {
				missing = sub
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("log never showed %q:\n%s", missing, l)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type sshTestServer struct {
	srv     *SSHServer // nil for a server in another process
	addr    string
	hostKey gossh.PublicKey
	log     *syncBuffer
}

// startSSH serves the console on 127.0.0.1 (a free port) until the test ends.
// noLang, as startSSH's cfg.Lang, starts a server given no language (else it is English).
const noLang = "none"

func startSSH(t testing.TB, st *store.Store, cfg SSHConfig) *sshTestServer {
	t.Helper()
	if cfg.HostKeyPath == "" {
		cfg.HostKeyPath = filepath.Join(t.TempDir(), "ssh_host_ed25519")
	}
	logs := &syncBuffer{}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	switch cfg.Lang {
	case "":
		cfg.Lang = "en"
	case noLang:
		cfg.Lang = ""
	}
	cfg.DBLabel = "test"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewSSHServer(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close(); <-done })
	signer, _, err := EnsureHostKey(cfg.HostKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	return &sshTestServer{srv: srv, addr: ln.Addr().String(), hostKey: signer.PublicKey(), log: logs}
}

func newKey(t testing.TB) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func authorizedLine(s gossh.Signer) string {
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(s.PublicKey())))
}

// addOperatorWithKeys registers an operator with SSH keys.
func addOperatorWithKeys(t testing.TB, st *store.Store, name string, role model.Role, orgs []string, keys ...gossh.Signer) {
	t.Helper()
	var lines []string
	for _, k := range keys {
		lines = append(lines, authorizedLine(k))
	}
	if _, err := st.AddOperator(context.Background(), model.Operator{Name: "test"},
		store.NewOperator{Name: name, Role: role, OrgSlugs: orgs, Keys: lines}); err != nil {
		t.Fatal(err)
	}
}

func (s *sshTestServer) clientConfig(auth ...gossh.AuthMethod) *gossh.ClientConfig {
	return &gossh.ClientConfig{
		User:            "whoever",
		Auth:            auth,
		HostKeyCallback: gossh.FixedHostKey(s.hostKey),
		Timeout:         10 * time.Second,
	}
}

func (s *sshTestServer) dial(t testing.TB, auth ...gossh.AuthMethod) *gossh.Client {
	t.Helper()
	c, err := gossh.Dial("tcp", s.addr, s.clientConfig(auth...))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// terminal is the client end of one console session: it collects what the server draws and
// answers the terminal queries (background colour, device attributes) as a terminal would.
type terminal struct {
	t       testing.TB
	sess    *gossh.Session
	stdin   io.WriteCloser
	mu      sync.Mutex
	cond    *sync.Cond
	out     []byte
	from    int // text() starts here (see mark)
	closed  bool
	answer  bool
	onBytes func() // measurement hook: called (under mu) after each read
}

// openTerminal opens a console session of w×h; env ("K=V") is sent before the shell.
func openTerminal(t testing.TB, c *gossh.Client, w, h int, env ...string) *terminal {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if err := sess.Setenv(k, v); err != nil {
			t.Fatal(err)
		}
	}
	term := &terminal{t: t, sess: sess, answer: true}
	term.cond = sync.NewCond(&term.mu)
	stdout, err := sess.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	sess.Stderr = &lockedWriter{term}
	term.stdin, err = sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	go term.read(stdout)
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	return term
}

type lockedWriter struct{ term *terminal }

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.term.mu.Lock()
	defer l.term.mu.Unlock()
	l.term.out = append(l.term.out, p...)
	l.term.cond.Broadcast()
	return len(p), nil
}

func (term *terminal) read(r io.Reader) {
	buf := make([]byte, 32*1024)
	for {
		n, err := r.Read(buf)
		term.mu.Lock()
		term.out = append(term.out, buf[:n]...)
		if term.answer && bytes.Contains(term.out, []byte("\x1b[c")) {
			term.answer = false
			// A dark background and a VT220-class terminal.
			go term.stdin.Write([]byte("\x1b]11;rgb:0000/0000/0000\x1b\\\x1b[?62;22c")) //nolint:errcheck
		}
		if term.onBytes != nil {
			term.onBytes()
		}
		if err != nil {
			term.closed = true
		}
		term.cond.Broadcast()
		term.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// text is what was drawn since the last mark, without escape sequences.
func (term *terminal) text() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return ansi.Strip(string(term.out[term.from:]))
}

// raw is what was received since the last mark, escape sequences included.
func (term *terminal) raw() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return string(term.out[term.from:])
}

// mark makes text and waitFor look only at what is drawn from now on.
func (term *terminal) mark() {
	term.mu.Lock()
	defer term.mu.Unlock()
	term.from = len(term.out)
}

// waitFor waits (at most 10 s) until the drawn text contains sub.
func (term *terminal) waitFor(sub string) {
	term.t.Helper()
	if !term.waitUntil(10*time.Second, func(text string) bool { return strings.Contains(text, sub) }) {
		term.t.Fatalf("terminal never showed %q; it shows:\n%s", sub, term.text())
	}
}

// waitUntil waits until cond holds for the drawn text or the stream ends or d passes.
func (term *terminal) waitUntil(d time.Duration, cond func(string) bool) bool {
	timer := time.AfterFunc(d, func() { term.mu.Lock(); term.cond.Broadcast(); term.mu.Unlock() })
	defer timer.Stop()
	deadline := time.Now().Add(d)
	term.mu.Lock()
	defer term.mu.Unlock()
	for {
		if cond(ansi.Strip(string(term.out[term.from:]))) {
			return true
		}
		if term.closed || time.Now().After(deadline) {
			return false
		}
		term.cond.Wait()
	}
}

// waitClosed waits (at most d) for the server to end the stream.
func (term *terminal) waitClosed(d time.Duration) bool {
	return term.waitUntil(d, func(string) bool { return false }) || term.isClosed()
}

func (term *terminal) isClosed() bool {
	term.mu.Lock()
	defer term.mu.Unlock()
	return term.closed
}

func (term *terminal) send(s string) {
	term.t.Helper()
	if _, err := term.stdin.Write([]byte(s)); err != nil {
		term.t.Fatal(err)
	}
}

// exitStatus waits for the session's end and returns its exit status.
func exitStatus(t testing.TB, sess *gossh.Session) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	select {
	case err := <-done:
		var ee *gossh.ExitError
		if errors.As(err, &ee) {
			return ee.ExitStatus()
		}
		if err != nil {
			t.Fatalf("wait: %v", err)
		}
		return 0
	case <-time.After(10 * time.Second):
		t.Fatal("session did not end")
	}
	return -1
}

// sshWorld is a store with two organizations, their users, and an acme admin with a key.
func sshWorld(t *testing.T) (*store.Store, gossh.Signer) {
	st := newStore(t)
	f := fixture{t, st}
	acme := f.org("acme", "Acme Corp")
	globex := f.org("globex", "Globex")
	f.user("ACME-7K2Q9", "jean.dupont@example.org", "Jean Dupont", acme)
	f.user("ACME-3HF8M", "anna.kowalska@example.pl", "Anna Kowalska", acme)
	f.user("GLBX-55555", "hank.scorpio@globex.example", "Hank Scorpio", globex)
	key := newKey(t)
	addOperatorWithKeys(t, st, "carol", model.RoleAdmin, []string{"acme"}, key)
	return st, key
}

func TestSSHConsoleForARegisteredKey(t *testing.T) {
	st, key := sshWorld(t)
	srv := startSSH(t, st, SSHConfig{})
	c := srv.dial(t, gossh.PublicKeys(key))
	term := openTerminal(t, c, 100, 30)

	// The Users screen of carol's organization only.
	term.waitFor("Jean Dupont")
	term.waitFor("Anna Kowalska")
	if strings.Contains(term.text(), "Hank Scorpio") {
		t.Fatalf("an acme admin sees a globex user:\n%s", term.text())
	}
	srv.log.waitLog(t, "ssh session start", "operator=carol", "role=admin")

	// Typing reaches the console: a search narrows the list.
	term.mark()
	term.send("/") // one key, then its effect, as a person types (runes sent at once arrive as one message)
	term.waitFor("/ name, e-mail or login code")
	term.send("kowal")
	term.waitFor("/ kowal")
	term.waitFor("1–1 of 1")
	// Resizes are followed: a window smaller than 80×24 shows the "too small" message, and a
	// large one the table again.
	term.mark()
	if err := term.sess.WindowChange(20, 60); err != nil {
		t.Fatal(err)
	}
	term.waitFor("Terminal too small: 60×20")
	term.mark()
	if err := term.sess.WindowChange(40, 120); err != nil {
		t.Fatal(err)
	}
	term.waitFor("Anna Kowalska")
	// Leaving: the session ends and the server says so, with the operator and duration.
	term.send("\x03")
	if code := exitStatus(t, term.sess); code != 0 {
		t.Fatalf("exit status %d", code)
	}
	srv.log.waitLog(t, "ssh session end", "duration=")
}

func TestSSHRefusesUnknownKeysNoKeysAndPasswords(t *testing.T) {
	st, _ := sshWorld(t)
	srv := startSSH(t, st, SSHConfig{})
	stranger := newKey(t)
	attempts := map[string][]gossh.AuthMethod{
		"unknown key": {gossh.PublicKeys(stranger)},
		"no key":      nil,
		"password":    {gossh.Password("hunter2-secret")},
		"keyboard-interactive": {gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) {
			return []string{"hunter2-secret"}, nil
		})},
	}
	for name, auth := range attempts {
		t.Run(name, func(t *testing.T) {
			c, err := gossh.Dial("tcp", srv.addr, srv.clientConfig(auth...))
			if err == nil {
				c.Close()
				t.Fatal("connected")
			}
			if !strings.Contains(err.Error(), "unable to authenticate") {
				t.Fatalf("unexpected error: %v", err)
			}
		})
	}
	// The server offers only "publickey": clients never get to send a password.
	srv.log.waitLog(t, "ssh auth refused: unknown key", "key="+gossh.FingerprintSHA256(stranger.PublicKey()))
	if strings.Contains(srv.log.String(), "hunter2") {
		t.Fatal("a password reached the log")
	}
}

// unprovedKey offers a public key (the server's callback sees and accepts it) but cannot
// prove it: its signature has an algorithm the server does not accept, a failure after
// which the client goes on with its next key.
type unprovedKey struct{ pub gossh.PublicKey }

func (u unprovedKey) PublicKey() gossh.PublicKey { return u.pub }
func (u unprovedKey) Sign(io.Reader, []byte) (*gossh.Signature, error) {
	return &gossh.Signature{Format: "x-no-proof@gatehouse.test", Blob: []byte("not a signature")}, nil
}

func TestSSHIdentityIsTheProvedKey(t *testing.T) {
	st, carolKey := sshWorld(t)
	bobKey := newKey(t)
	addOperatorWithKeys(t, st, "bob", model.RoleSupport, nil, bobKey)
	srv := startSSH(t, st, SSHConfig{})
	// Offer bob's (support) key without being able to prove it, then prove carol's key.
	c := srv.dial(t, gossh.PublicKeysCallback(func() ([]gossh.Signer, error) {
		return []gossh.Signer{unprovedKey{bobKey.PublicKey()}, carolKey}, nil
	}))
	term := openTerminal(t, c, 100, 30)
	term.waitFor("operator carol (admin)")
	term.waitFor("Jean Dupont")
	if s := term.text(); strings.Contains(s, "bob") || strings.Contains(s, "Hank Scorpio") {
		t.Fatalf("the session acts as bob:\n%s", s)
	}
	// The server's callback did see bob's key first.
	srv.log.waitLog(t, "ssh key accepted", "operator=bob", "ssh session start", "operator=carol")
}

func TestSSHSessionCap(t *testing.T) {
	st, key := sshWorld(t)
	srv := startSSH(t, st, SSHConfig{MaxSessions: 2})
	for i := 0; i < 2; i++ {
		term := openTerminal(t, srv.dial(t, gossh.PublicKeys(key)), 100, 30)
		term.waitFor("Jean Dupont")
	}
	term := openTerminal(t, srv.dial(t, gossh.PublicKeys(key)), 100, 30)
	if code := exitStatus(t, term.sess); code != 1 {
		t.Fatalf("exit status %d, want 1", code)
	}
	term.waitFor("gatehouse: too many sessions (2), try again later")
	if strings.Contains(term.text(), "Jean Dupont") {
		t.Fatal("the refused session got a console")
	}
	srv.log.waitLog(t, "ssh session refused: too many sessions")
}

func TestSSHIdleSessionIsClosed(t *testing.T) {
	st, key := sshWorld(t)
	const idle = time.Second
	srv := startSSH(t, st, SSHConfig{IdleTimeout: idle})
	// Taken before the connection exists, so that no delay of a loaded machine can make a
	// close at the idle timeout look early: the idle clock cannot start before this.
	start := time.Now()
	term := openTerminal(t, srv.dial(t, gossh.PublicKeys(key)), 100, 30)
	term.waitFor("Jean Dupont")
	if !term.waitClosed(15 * time.Second) {
		t.Fatal("the idle session is still open")
	}
	if d := time.Since(start); d < idle {
		t.Fatalf("closed %v after dialling, before the idle timeout (%v)", d, idle)
	}
	srv.log.waitLog(t, "ssh session end", "operator=carol")
}

func TestSSHRefusesCommandsNoPtyAndForwarding(t *testing.T) {
	st, key := sshWorld(t)
	srv := startSSH(t, st, SSHConfig{})
	c := srv.dial(t, gossh.PublicKeys(key))

	t.Run("exec", func(t *testing.T) {
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		sess.Stderr = &stderr
		err = sess.Run("cat /etc/passwd")
		var ee *gossh.ExitError
		if !errors.As(err, &ee) || ee.ExitStatus() != 1 {
			t.Fatalf("exec: %v", err)
		}
		if !strings.Contains(stderr.String(), "commands are not accepted") {
			t.Fatalf("stderr: %q", stderr.String())
		}
	})
	t.Run("exec with a pty", func(t *testing.T) {
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		sess.Stderr = &stderr
		if err := sess.RequestPty("xterm", 30, 100, gossh.TerminalModes{}); err != nil {
			t.Fatal(err)
		}
		if err := sess.Start("sh"); err != nil {
			t.Fatal(err)
		}
		if code := exitStatus(t, sess); code != 1 || !strings.Contains(stderr.String(), "commands are not accepted") {
			t.Fatalf("exit %d, stderr %q", code, stderr.String())
		}
	})
	t.Run("shell without a pty", func(t *testing.T) {
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		sess.Stderr = &stderr
		if err := sess.Shell(); err != nil {
			t.Fatal(err)
		}
		if code := exitStatus(t, sess); code != 1 || !strings.Contains(stderr.String(), "needs a terminal") {
			t.Fatalf("exit %d, stderr %q", code, stderr.String())
		}
	})
	t.Run("subsystem", func(t *testing.T) {
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		if err := sess.RequestSubsystem("sftp"); err == nil {
			t.Fatal("sftp subsystem accepted")
		}
	})
	t.Run("local forwarding", func(t *testing.T) {
		target, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer target.Close()
		conn, err := c.Dial("tcp", target.Addr().String())
		if err == nil {
			conn.Close()
			t.Fatal("direct-tcpip accepted")
		}
		if !strings.Contains(err.Error(), "prohibited") {
			t.Fatalf("unexpected error: %v", err)
		}
	})
	t.Run("reverse forwarding", func(t *testing.T) {
		l, err := c.Listen("tcp", "127.0.0.1:0")
		if err == nil {
			l.Close()
			t.Fatal("tcpip-forward accepted")
		}
	})
	srv.log.waitLog(t, "ssh channel refused", "type=direct-tcpip", "ssh request refused", "type=tcpip-forward")
	// The connection is still usable for the console after all these refusals.
	term := openTerminal(t, c, 100, 30)
	term.waitFor("Jean Dupont")
}

// A refused session says why in the client's language when it is known (its environment, or
// the server's configured language), else in English and French on one line.
func TestSSHRefusalsInTheClientsLanguage(t *testing.T) {
	st, key := sshWorld(t)
	refusal := func(t *testing.T, srv *sshTestServer, env ...string) string {
		t.Helper()
		sess, err := srv.dial(t, gossh.PublicKeys(key)).NewSession()
		if err != nil {
			t.Fatal(err)
		}
		for _, kv := range env {
			k, v, _ := strings.Cut(kv, "=")
			if err := sess.Setenv(k, v); err != nil {
				t.Fatal(err)
			}
		}
		var stderr bytes.Buffer
		sess.Stderr = &stderr
		var ee *gossh.ExitError
		if err := sess.Run("ls"); !errors.As(err, &ee) || ee.ExitStatus() != 1 {
			t.Fatalf("exec: %v", err)
		}
		return stderr.String()
	}
	en := "gatehouse: commands are not accepted here; connect without one (ssh -t HOST) to open the console"
	fr := "gatehouse\u00a0: les commandes ne sont pas acceptées ici\u00a0; connectez-vous sans commande (ssh -t HÔTE) pour ouvrir la console"
	both := "gatehouse: commands are not accepted here; connect without one (ssh -t HOST) to open the console / les commandes ne sont pas acceptées ici\u00a0; connectez-vous sans commande (ssh -t HÔTE) pour ouvrir la console\n"

	unset := startSSH(t, st, SSHConfig{Lang: noLang})
	if got := refusal(t, unset, "LANG=fr_FR.UTF-8"); got != fr+"\n" {
		t.Errorf("a French client: %q", got)
	}
	if got := refusal(t, unset, "LC_ALL=en_GB.UTF-8"); got != en+"\n" {
		t.Errorf("an English client: %q", got)
	}
	if got := refusal(t, unset); got != both {
		t.Errorf("a client of no known language: %q", got)
	}
	french := startSSH(t, st, SSHConfig{Lang: "fr"})
	if got := refusal(t, french); got != fr+"\n" {
		t.Errorf("no client language, a French server: %q", got)
	}
	if got := refusal(t, french, "LANG=C"); got != fr+"\n" {
		t.Errorf("LANG=C, a French server: %q", got)
	}

	// A key removed after the handshake: the next session on that connection is told which
	// key and what to do, in the client's language.
	c := french.dial(t, gossh.PublicKeys(key))
	if err := st.RemoveOperatorKey(context.Background(), model.Operator{Name: "test"}, "carol", gossh.FingerprintSHA256(key.PublicKey())); err != nil {
		t.Fatal(err)
	}
	term := openTerminal(t, c, 100, 30, "LANG=fr_FR.UTF-8")
	if code := exitStatus(t, term.sess); code != 1 {
		t.Fatalf("exit status %d, want 1", code)
	}
	term.waitFor("gatehouse\u00a0: cette clé (" + gossh.FingerprintSHA256(key.PublicKey()) + ") n'appartient plus à aucun opérateur\u00a0: demandez au support de l'enregistrer")

	// Port forwarding, refused before any session: both languages.
	target, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	other := newKey(t)
	addOperatorWithKeys(t, st, "dora", model.RoleSupport, nil, other)
	if _, err := french.dial(t, gossh.PublicKeys(other)).Dial("tcp", target.Addr().String()); err == nil ||
		!strings.Contains(err.Error(), "port forwarding and other channels are disabled / la redirection de ports et les autres canaux sont désactivés") {
		t.Fatalf("forwarding: %v", err)
	}
}

func TestSSHHostKeyIsKept(t *testing.T) {
	st, key := sshWorld(t)
	path := filepath.Join(t.TempDir(), "keys", "ssh_host_ed25519")
	var seen []string
	for i := 0; i < 2; i++ {
		srv := startSSH(t, st, SSHConfig{HostKeyPath: path})
		cfg := srv.clientConfig(gossh.PublicKeys(key))
		cfg.HostKeyCallback = func(_ string, _ net.Addr, k gossh.PublicKey) error {
			seen = append(seen, gossh.FingerprintSHA256(k))
			return nil
		}
		c, err := gossh.Dial("tcp", srv.addr, cfg)
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	if len(seen) != 2 || seen[0] != seen[1] {
		t.Fatalf("host key fingerprints across restarts: %v", seen)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key mode %04o, want 0600", fi.Mode().Perm())
	}
	// A key file others can read is refused, as sshd does.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := EnsureHostKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a world-readable host key: %v", err)
	}
}

// A client that closes one session but keeps its connection (multiplexing) ends that console:
// it does not run on, nor spin on the closed window-change channel.
func TestSSHSessionClosedOnAnOpenConnection(t *testing.T) {
	st, key := sshWorld(t)
	srv := startSSH(t, st, SSHConfig{})
	c := srv.dial(t, gossh.PublicKeys(key))
	term := openTerminal(t, c, 100, 30)
	term.waitFor("Jean Dupont")
	term.sess.Close()
	srv.log.waitLog(t, "ssh session end", "operator=carol")
	// The connection still works: a second console on it.
	term2 := openTerminal(t, c, 100, 30)
	term2.waitFor("Jean Dupont")
}

func TestSSHRemovedKeyIsRefusedAtOnce(t *testing.T) {
	st, key := sshWorld(t)
	srv := startSSH(t, st, SSHConfig{})
	term := openTerminal(t, srv.dial(t, gossh.PublicKeys(key)), 100, 30)
	term.waitFor("Jean Dupont")
	if err := st.RemoveOperatorKey(context.Background(), model.Operator{Name: "test"}, "carol", gossh.FingerprintSHA256(key.PublicKey())); err != nil {
		t.Fatal(err)
	}
	if _, err := gossh.Dial("tcp", srv.addr, srv.clientConfig(gossh.PublicKeys(key))); err == nil {
		t.Fatal("a removed key still connects")
	}
}

// sshChildEnv names the database of a measured server process (see init).
const sshChildEnv = "GATEHOUSE_SSH_CHILD_DSN"

// The SSH benchmarks run the server in a child process, this test binary started again with
// sshChildEnv set, so that its memory and CPU are measured alone. It serves until its stdin
// closes; "profile PATH" on stdin starts a CPU profile, "stop" ends it.
func init() {
	if dsn := os.Getenv(sshChildEnv); dsn != "" {
		os.Exit(serveSSHChild(dsn))
	}
}

func serveSSHChild(dsn string) int {
	st, err := store.Open(context.Background(), store.Config{DatabaseURL: dsn, SkipMigrate: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer st.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fps, _ := strconv.Atoi(os.Getenv("GATEHOUSE_SSH_FPS"))
	srv, err := NewSSHServer(st, SSHConfig{HostKeyPath: os.Getenv("GATEHOUSE_SSH_CHILD_KEY"), MaxSessions: 100, FPS: fps,
		Lang: "en", DBLabel: "measure", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	go srv.Serve(ln) //nolint:errcheck
	fmt.Printf("ADDR %s\n", ln.Addr())
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		switch f := strings.Fields(sc.Text()); {
		case len(f) == 2 && f[0] == "profile":
			out, err := os.Create(f[1])
			if err == nil {
				defer out.Close()
				err = pprof.StartCPUProfile(out)
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
			}
		case len(f) == 1 && f[0] == "stop":
			pprof.StopCPUProfile()
		}
	}
	srv.Close()
	return 0
}

// sshChild is a measured server process, with an operator (sue, support) whose key it knows,
// over a database of 2,000 users.
type sshChild struct {
	*sshTestServer
	key   gossh.Signer
	pid   int
	stdin io.WriteCloser
}

func startSSHChild(b *testing.B) *sshChild {
	b.Helper()
	dsn := storetestDSN(b)
	st, err := store.Open(context.Background(), store.Config{DatabaseURL: dsn, StatementTimeout: 5 * time.Minute}) // the seeding, on a busy machine
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	org := storetest.Org(b, st, "acme", "Acme Corp")
	if _, err := st.DB().Exec(`INSERT INTO users (login_code, email, name, status, password_hash)
		SELECT 'ACME-' || lpad(g::text, 5, '0'), 'person' || g || '@example.org', 'Person ' || lpad(g::text, 4, '0'), 'active', 'x'
		FROM generate_series(1, 2000) g`); err != nil {
		b.Fatal(err)
	}
	if _, err := st.DB().Exec(`INSERT INTO memberships (user_id, org_id) SELECT id, $1 FROM users`, org); err != nil {
		b.Fatal(err)
	}
	key := newKey(b)
	addOperatorWithKeys(b, st, "sue", model.RoleSupport, nil, key)

	hostKey := filepath.Join(b.TempDir(), "host_key")
	signer, _, err := EnsureHostKey(hostKey)
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), sshChildEnv+"="+dsn, "GATEHOUSE_SSH_CHILD_KEY="+hostKey)
	cmd.Stderr = os.Stderr
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); cmd.Wait() }) //nolint:errcheck
	var addr string
	if _, err := fmt.Fscanf(stdout, "ADDR %s\n", &addr); err != nil {
		b.Fatal(err)
	}
	go io.Copy(io.Discard, stdout) //nolint:errcheck
	return &sshChild{sshTestServer: &sshTestServer{addr: addr, hostKey: signer.PublicKey()}, key: key, pid: cmd.Process.Pid, stdin: stdin}
}

// console opens a console session as sue and waits for its first page.
func (c *sshChild) console(b *testing.B) *terminal {
	term := openTerminal(b, c.dial(b, gossh.PublicKeys(c.key)), 100, 30)
	term.waitFor("Person 0001")
	return term
}

// procStat reads a process's resident memory (kB) and CPU time (user+system, in clock ticks).
func procStat(b *testing.B, pid int) (rssKB int64, ticks int64) {
	b.Helper()
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(st), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(l, "VmRSS:")), "%d", &rssKB)
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+2:]))
	var ut, stt int64
	fmt.Sscanf(f[11], "%d", &ut) // field 14 of stat: utime
	fmt.Sscanf(f[12], "%d", &stt)
	return rssKB, ut + stt
}

// BenchmarkSSHIdleSessions opens 50 consoles on a server process and reports what each costs
// it: resident memory (kB/session, target ≤ 1 MB) and CPU while they sit idle for 10 s
// (%core/session, target ≤ 0.1). One operation is one such measurement.
// GATEHOUSE_MEASURE_CPUPROFILE=PATH writes a CPU profile of the server's idle phase.
func BenchmarkSSHIdleSessions(b *testing.B) {
	const sessions = 50
	const idle = 10 * time.Second
	const clk = 100.0 // USER_HZ on Linux
	for range b.N {
		b.StopTimer()
		srv := startSSHChild(b)
		warm := srv.console(b) // code paths and pools warmed by a first session
		warm.sess.Close()
		time.Sleep(2 * time.Second)
		b.StartTimer()
		rss0, base0 := procStat(b, srv.pid)
		time.Sleep(idle)
		_, base1 := procStat(b, srv.pid)
		baseCore := float64(base1-base0) / clk / idle.Seconds()
		terms := make([]*terminal, sessions)
		for i := range terms {
			terms[i] = openTerminal(b, srv.dial(b, gossh.PublicKeys(srv.key)), 100, 30)
		}
		for _, term := range terms {
			term.waitFor("Person 0001")
		}
		time.Sleep(3 * time.Second)
		prof := os.Getenv("GATEHOUSE_MEASURE_CPUPROFILE")
		if prof != "" {
			fmt.Fprintf(srv.stdin, "profile %s\n", prof)
		}
		rss1, ticks0 := procStat(b, srv.pid)
		time.Sleep(idle)
		rss2, ticks1 := procStat(b, srv.pid)
		if prof != "" {
			fmt.Fprintln(srv.stdin, "stop")
		}
		cpuCore := float64(ticks1-ticks0) / clk / idle.Seconds()
		b.ReportMetric(float64(rss1-rss0)/sessions, "kB/session")
		b.ReportMetric(float64(rss2-rss0)/sessions, "kB/session-after-idle")
		b.ReportMetric((cpuCore-baseCore)*100/sessions, "%core/session")
		b.Logf("%d sessions: RSS %d kB before, %d kB with them open, %d kB after %v idle; CPU %.2f%% of a core without them, %.2f%% with them",
			sessions, rss0, rss1, rss2, idle, baseCore*100, cpuCore*100)
		for _, term := range terms {
			term.sess.Close()
		}
	}
}

// BenchmarkSSHKeystroke measures keystroke → frame over SSH on loopback: from writing a key
// (j / k move the cursor, two lines redrawn) to the first byte of the new frame on the
// client, with 49 other consoles open on the server process. Keys come at a typing pace, not
// in step with any clock; the pauses are not timed. Reports p50-ms and p95-ms (targets 5
// and 10 ms).
func BenchmarkSSHKeystroke(b *testing.B) {
	srv := startSSHChild(b)
	for range 49 {
		srv.console(b)
	}
	term := srv.console(b)
	arrived := make(chan struct{}, 1)
	term.mu.Lock()
	term.onBytes = func() {
		select {
		case arrived <- struct{}{}:
		default:
		}
	}
	term.mu.Unlock()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		time.Sleep(time.Duration(10+mrand.IntN(50)) * time.Millisecond) // typing pace
		select {                                                        // drain
		case <-arrived:
		default:
		}
		k := "j"
		if i%2 == 1 {
			k = "k"
		}
		b.StartTimer()
		start := time.Now()
		term.send(k)
		select {
		case <-arrived:
			lat = append(lat, time.Since(start))
		case <-time.After(5 * time.Second):
			b.Fatalf("no frame after key %d", i)
		}
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) time.Duration { return lat[int(q*float64(len(lat)-1))] }
	b.ReportMetric(float64(p(0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p(0.95).Microseconds())/1000, "p95-ms")
}

// kexInit is what a server offers in its SSH_MSG_KEXINIT (RFC 4253 §7.1), by name-list.
type kexInit map[string][]string

// The name-lists of a KEXINIT, in their order on the wire.
var kexInitLists = []string{"kex", "hostkey", "cipher c2s", "cipher s2c", "mac c2s", "mac s2c",
	"compression c2s", "compression s2c", "language c2s", "language s2c"}

// readKexInit opens a raw TCP connection, exchanges version lines and reads the server's
// first packet, its KEXINIT, as ssh-audit does.
func readKexInit(t *testing.T, addr string) kexInit {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, "SSH-2.0-gatehouse-probe\r\n"); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	for { // a server may send lines before its version (RFC 4253 §4.2)
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("version line: %v", err)
		}
		if strings.HasPrefix(line, "SSH-") {
			if !strings.HasPrefix(line, "SSH-2.0-") {
				t.Fatalf("server version %q", line)
			}
			break
		}
	}
	var hdr [5]byte // uint32 packet_length, byte padding_length
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		t.Fatal(err)
	}
	n := binary.BigEndian.Uint32(hdr[:4])
	if n < 1+16+4*10 || n > 35000 {
		t.Fatalf("packet length %d", n)
	}
	body := make([]byte, n-1)
	if _, err := io.ReadFull(r, body); err != nil {
		t.Fatal(err)
	}
	if int(hdr[4]) >= len(body) {
		t.Fatalf("padding %d of %d", hdr[4], len(body))
	}
	payload := body[:len(body)-int(hdr[4])]
	const msgKexInit = 20
	if payload[0] != msgKexInit {
		t.Fatalf("first packet is message %d, not KEXINIT", payload[0])
	}
	p := payload[1+16:] // message number, cookie
	lists := kexInit{}
	for _, name := range kexInitLists {
		if len(p) < 4 || uint32(len(p)-4) < binary.BigEndian.Uint32(p) {
			t.Fatalf("KEXINIT cut in %s", name)
		}
		l := binary.BigEndian.Uint32(p)
		if l > 0 {
			lists[name] = strings.Split(string(p[4:4+l]), ",")
		}
		p = p[4+l:]
	}
	return lists
}

// Each list of what the server may offer: nothing else passes. (kex-strict-s-v00 is not an
// algorithm but the server's promise of strict key exchange, against Terrapin, CVE-2023-48795.)
var modernSSHAlgorithms = map[string][]string{
	"kex":         {"mlkem768x25519-sha256", "curve25519-sha256", "curve25519-sha256@libssh.org", "kex-strict-s-v00@openssh.com"},
	"hostkey":     {"ssh-ed25519", "rsa-sha2-256", "rsa-sha2-512"},
	"cipher":      {"chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com", "aes128-gcm@openssh.com"},
	"mac":         {"hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com"},
	"compression": {"none"},
}

// weakOffers lists, by name-list, every algorithm offered outside modernSSHAlgorithms.
func weakOffers(k kexInit) []string {
	var weak []string
	for _, name := range kexInitLists {
		kind, _, _ := strings.Cut(name, " ")
		if kind == "language" {
			continue
		}
		for _, a := range k[name] {
			if !slices.Contains(modernSSHAlgorithms[kind], a) {
				weak = append(weak, name+": "+a)
			}
		}
	}
	return weak
}

func TestSSHOffersOnlyModernAlgorithms(t *testing.T) {
	st, _ := sshWorld(t)
	srv := startSSH(t, st, SSHConfig{})
	k := readKexInit(t, srv.addr)
	if weak := weakOffers(k); len(weak) > 0 {
		t.Errorf("the server offers weak algorithms:\n%s\nall it offers: %v", strings.Join(weak, "\n"), k)
	}
	for _, want := range []struct{ list, algo string }{
		{"kex", "mlkem768x25519-sha256"}, {"kex", "curve25519-sha256"}, {"kex", "kex-strict-s-v00@openssh.com"},
		{"hostkey", "ssh-ed25519"},
		{"cipher c2s", "chacha20-poly1305@openssh.com"}, {"cipher s2c", "aes256-gcm@openssh.com"},
	} {
		if !slices.Contains(k[want.list], want.algo) {
			t.Errorf("%s lacks %s: %v", want.list, want.algo, k[want.list])
		}
	}

	// An RSA host key signs with SHA-2 only; an ECDSA (NIST curve) host key is refused.
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaPath := writeHostKey(t, rsaKey)
	rsaSrv := startSSH(t, st, SSHConfig{HostKeyPath: rsaPath})
	k = readKexInit(t, rsaSrv.addr)
	if got := k["hostkey"]; len(got) != 2 || !slices.Contains(got, "rsa-sha2-256") || !slices.Contains(got, "rsa-sha2-512") {
		t.Errorf("host key algorithms of an RSA key: %v, want rsa-sha2-256 and rsa-sha2-512", got)
	}
	if weak := weakOffers(k); len(weak) > 0 {
		t.Errorf("with an RSA host key the server offers weak algorithms: %v", weak)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewSSHServer(st, SSHConfig{HostKeyPath: writeHostKey(t, ecKey), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}); err == nil || !strings.Contains(err.Error(), "not offered") {
		t.Errorf("an ECDSA host key: %v", err)
	}
}

// writeHostKey writes a private key as an OpenSSH PEM file of mode 0600.
func writeHostKey(t *testing.T, key any) string {
	t.Helper()
	block, err := gossh.MarshalPrivateKey(key, "test host key")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "host_key")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSSHRefusesWeakClientsAndAcceptsModernOnes(t *testing.T) {
	st, key := sshWorld(t)
	rsaPriv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := gossh.NewSignerFromKey(rsaPriv)
	if err != nil {
		t.Fatal(err)
	}
	ecPriv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := gossh.NewSignerFromKey(ecPriv)
	if err != nil {
		t.Fatal(err)
	}
	addOperatorWithKeys(t, st, "rita", model.RoleSupport, nil, rsaKey)
	// The store refuses to register an ECDSA key; one registered before it did is still
	// refused at login.
	if _, err := st.DB().Exec(`INSERT INTO operator_keys (operator_id, public_key, fingerprint, comment)
		SELECT id, $2, $3, '' FROM operators WHERE name = $1`, "rita", authorizedLine(ecKey), gossh.FingerprintSHA256(ecKey.PublicKey())); err != nil {
		t.Fatal(err)
	}
	srv := startSSH(t, st, SSHConfig{})
	sha1Only, err := gossh.NewSignerWithAlgorithms(rsaKey.(gossh.AlgorithmSigner), []string{gossh.KeyAlgoRSA})
	if err != nil {
		t.Fatal(err)
	}
	sha2Only, err := gossh.NewSignerWithAlgorithms(rsaKey.(gossh.AlgorithmSigner), []string{gossh.KeyAlgoRSASHA256})
	if err != nil {
		t.Fatal(err)
	}

	weak := map[string]struct {
		edit func(*gossh.ClientConfig)
		want string // in the client's error
	}{
		"NIST-curve and finite-field key exchange": {func(c *gossh.ClientConfig) {
			c.KeyExchanges = []string{gossh.KeyExchangeECDHP256, gossh.KeyExchangeECDHP384, gossh.KeyExchangeECDHP521,
				gossh.InsecureKeyExchangeDH14SHA1, gossh.KeyExchangeDH14SHA256, gossh.KeyExchangeDH16SHA512}
		}, "no common algorithm for key exchange"},
		"CTR and CBC ciphers with SHA-1 MACs": {func(c *gossh.ClientConfig) {
			c.Ciphers = []string{gossh.CipherAES128CTR, gossh.CipherAES256CTR, gossh.InsecureCipherAES128CBC}
			c.MACs = []string{gossh.HMACSHA1, gossh.InsecureHMACSHA196}
		}, "no common algorithm for client to server cipher"},
		"ssh-rsa and NIST-curve host keys": {func(c *gossh.ClientConfig) {
			c.HostKeyAlgorithms = []string{gossh.KeyAlgoRSA, gossh.KeyAlgoECDSA256, gossh.KeyAlgoECDSA384, gossh.KeyAlgoECDSA521}
		}, "no common algorithm for host key"},
		"an ssh-rsa (SHA-1) signature of a registered key": {func(c *gossh.ClientConfig) {
			c.Auth = []gossh.AuthMethod{gossh.PublicKeys(sha1Only)}
		}, "unable to authenticate"},
		"a registered NIST-curve key": {func(c *gossh.ClientConfig) {
			c.Auth = []gossh.AuthMethod{gossh.PublicKeys(ecKey)}
		}, "unable to authenticate"},
	}
	for name, tc := range weak {
		t.Run("refused: "+name, func(t *testing.T) {
			cfg := srv.clientConfig(gossh.PublicKeys(key))
			cfg.HostKeyCallback = gossh.InsecureIgnoreHostKey() // the RSA/ECDSA cases never see the host key
			tc.edit(cfg)
			c, err := gossh.Dial("tcp", srv.addr, cfg)
			if err == nil {
				c.Close()
				t.Fatal("connected")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want %q", err, tc.want)
			}
		})
	}

	modern := map[string]struct {
		edit    func(*gossh.ClientConfig)
		wantKex string
	}{
		"x/crypto defaults":   {func(*gossh.ClientConfig) {}, gossh.KeyExchangeMLKEM768X25519},
		"curve25519 only":     {func(c *gossh.ClientConfig) { c.KeyExchanges = []string{gossh.KeyExchangeCurve25519} }, gossh.KeyExchangeCurve25519},
		"AES-GCM only":        {func(c *gossh.ClientConfig) { c.Ciphers = []string{gossh.CipherAES128GCM} }, gossh.KeyExchangeMLKEM768X25519},
		"an rsa-sha2-256 key": {func(c *gossh.ClientConfig) { c.Auth = []gossh.AuthMethod{gossh.PublicKeys(sha2Only)} }, gossh.KeyExchangeMLKEM768X25519},
	}
	for name, tc := range modern {
		t.Run("accepted: "+name, func(t *testing.T) {
			cfg := srv.clientConfig(gossh.PublicKeys(key))
			tc.edit(cfg)
			c, err := gossh.Dial("tcp", srv.addr, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			algs := c.Conn.(gossh.AlgorithmsConnMetadata).Algorithms()
			if algs.KeyExchange != tc.wantKex {
				t.Errorf("key exchange %s, want %s", algs.KeyExchange, tc.wantKex)
			}
			for _, d := range []gossh.DirectionAlgorithms{algs.Read, algs.Write} {
				if !slices.Contains(modernSSHAlgorithms["cipher"], d.Cipher) {
					t.Errorf("cipher %s", d.Cipher)
				}
			}
			if !slices.Contains(modernSSHAlgorithms["hostkey"], algs.HostKey) {
				t.Errorf("host key algorithm %s", algs.HostKey)
			}
		})
	}
	// The NIST-curve key was refused for its algorithm, before any operator lookup.
	if l := srv.log.String(); strings.Contains(l, "key="+gossh.FingerprintSHA256(ecKey.PublicKey())+" operator=rita") {
		t.Errorf("the ECDSA key was looked up:\n%s", l)
	}
}

// TestSSHShutdownRestoresTerminals: Shutdown tells each console to quit. Each client gets its
// terminal back (alternate screen left, cursor shown), then the shutdown line in its own
// language, and its session ends with status 0; the server logs each session's end.
func TestSSHShutdownRestoresTerminals(t *testing.T) {
	st, key := sshWorld(t)
	srv := startSSH(t, st, SSHConfig{})
	en := openTerminal(t, srv.dial(t, gossh.PublicKeys(key)), 100, 30)
	fr := openTerminal(t, srv.dial(t, gossh.PublicKeys(key)), 100, 30, "LANG=fr_FR.UTF-8")
	for _, term := range []*terminal{en, fr} {
		term.waitFor("Jean Dupont") // the first frame is drawn
		term.mark()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := srv.srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	for lang, term := range map[string]*terminal{"en": en, "fr": fr} {
		line := i18n.T(i18n.Lang(lang), "ssh.shutdown")
		if code := exitStatus(t, term.sess); code != 0 {
			t.Errorf("%s: exit status %d", lang, code)
		}
		term.waitFor(line)
		raw := term.raw()
		leave, show, at := strings.Index(raw, "\x1b[?1049l"), strings.Index(raw, "\x1b[?25h"), strings.Index(raw, line)
		if leave < 0 || show < 0 || leave > at || show > at {
			t.Errorf("%s: after shutdown the client got %q: want the alternate screen left (at %d) and the cursor shown (at %d) before the shutdown line (at %d)",
				lang, raw, leave, show, at)
		}
		if strings.Contains(raw[at:], "\x1b[?1049h") || strings.Contains(raw[at:], "\x1b[?25l") {
			t.Errorf("%s: the console drew again after the shutdown line: %q", lang, raw[at:])
		}
	}
	if l := srv.log.String(); strings.Count(l, `msg="ssh session end" operator=carol`) != 2 || strings.Count(l, "reason=\"server shutdown\"") != 2 {
		t.Errorf("the log lacks the two sessions' end:\n%s", l)
	}
	if fr := i18n.T(i18n.FR, "ssh.shutdown"); fr == i18n.T(i18n.EN, "ssh.shutdown") {
		t.Errorf("the French line is the English one: %q", fr)
	}
	// No new connection once shut down.
	if c, err := gossh.Dial("tcp", srv.addr, srv.clientConfig(gossh.PublicKeys(key))); err == nil {
		c.Close()
		t.Fatal("a connection after shutdown")
	}
}

// TestSSHShutdownIsBounded: when the grace period is over, Shutdown closes what is left and
// returns; every client's connection ends.
func TestSSHShutdownIsBounded(t *testing.T) {
	st, key := sshWorld(t)
	srv := startSSH(t, st, SSHConfig{})
	c := srv.dial(t, gossh.PublicKeys(key))
	term := openTerminal(t, c, 100, 30)
	term.waitFor("Jean Dupont")
	idle := srv.dial(t, gossh.PublicKeys(key)) // a connection without a session
	over, cancel := context.WithCancel(context.Background())
	cancel()
	_ = srv.srv.Shutdown(over) // returns: what did not end in time is closed
	for name, conn := range map[string]*gossh.Client{"console": c, "idle": idle} {
		ended := make(chan error, 1)
		go func() { ended <- conn.Wait() }()
		select {
		case <-ended:
		case <-time.After(10 * time.Second):
			t.Errorf("the %s connection is still open after shutdown", name)
		}
	}
	if !term.waitClosed(10 * time.Second) {
		t.Fatal("the console's stream is still open")
	}
}

// TestSSHScreenDrawsOnlyWhatChanged: the SSH screen enters the alternate screen once, then
// writes only the lines that changed; a resize repaints every line; a shorter frame clears
// what is left below; within the frame interval the latest view waits (nothing written);
// restoring leaves the alternate screen, shows the cursor, and nothing is drawn afterwards.
func TestSSHScreenDrawsOnlyWhatChanged(t *testing.T) {
	var out bytes.Buffer
	take := func() string { s := out.String(); out.Reset(); return s }
	s := newSSHScreen(&out, 0)
	s.resize(20, 5)
	s.draw("alpha\nbravo\ncharlie")
	first := take()
	if !strings.HasPrefix(first, "\x1b[?1049h") || !strings.Contains(first, "\x1b[?25l") ||
		!strings.Contains(first, "alpha") || !strings.Contains(first, "charlie") {
		t.Fatalf("first frame %q", first)
	}
	s.draw("alpha\nBRAVO\ncharlie")
	second := take()
	if !strings.Contains(second, "BRAVO") || strings.Contains(second, "alpha") || strings.Contains(second, "charlie") ||
		strings.Contains(second, "\x1b[?1049h") {
		t.Fatalf("one line changed, the screen wrote %q", second)
	}
	s.draw("alpha\nBRAVO\ncharlie")
	if got := take(); got != "" {
		t.Fatalf("the same view again wrote %q", got)
	}
	s.resize(30, 5)
	s.draw("alpha\nBRAVO\ncharlie")
	if got := take(); !strings.Contains(got, "alpha") || !strings.Contains(got, "charlie") {
		t.Fatalf("after a resize the screen wrote %q", got)
	}
	s.draw("alpha")
	if got := take(); !strings.Contains(got, "\x1b[J") {
		t.Fatalf("a shorter frame left the lines below: %q", got)
	}
	s.draw(strings.Repeat("x", 50)) // wider than the terminal: cut, never wrapped
	if got := ansi.Strip(take()); strings.Contains(got, strings.Repeat("x", 31)) {
		t.Fatalf("a line wider than the terminal was written whole: %q", got)
	}

	slow := newSSHScreen(&out, time.Hour)
	slow.draw("one")
	take()
	slow.draw("two") // within the interval: waits for its end
	if got := take(); got != "" {
		t.Fatalf("a frame within the interval was written at once: %q", got)
	}
	slow.restore()
	if got := take(); !strings.Contains(got, "\x1b[?1049l") || !strings.Contains(got, "\x1b[?25h") || !strings.Contains(got, "\x1b[?2004l") {
		t.Fatalf("restore wrote %q", got)
	}
	slow.draw("three")
	slow.drawPending() // as the timer would
	slow.restore()
	if got := take(); got != "" {
		t.Fatalf("after restore the screen wrote %q", got)
	}
}
