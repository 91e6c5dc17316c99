package cli

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
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

// TestServe runs `gatehouse serve` and opens a console over SSH with a key registered by
// `gatehouse operator add --key`.
func TestServe(t *testing.T) {
	h := newHarness(t)
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
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--database-url", h.dsn, "--max-sessions", "3"},
			strings.NewReader(""), &stdout, &stderr)
	}()
	var addr string
	select {
	case addr = <-addrs:
	case code := <-done:
		t.Fatalf("serve exited %d: %s", code, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}

	hostKey := filepath.Join(os.Getenv("GATEHOUSE_DATA_DIR"), "ssh_host_ed25519")
	fi, err := os.Stat(hostKey)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key %s: %v %v", hostKey, fi, err)
	}
	client, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{User: "carol", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	in, _ := sess.StdinPipe()
	out, _ := sess.StdoutPipe()
	if err := sess.RequestPty("xterm-256color", 30, 100, ssh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	// Read like a terminal, answering the colour and device-attribute queries, until the
	// Users screen of carol's organization is drawn.
	screen := make(chan string, 1)
	go func() {
		var all []byte
		buf := make([]byte, 8192)
		answered := false
		for {
			n, err := out.Read(buf)
			all = append(all, buf[:n]...)
			if !answered && bytes.Contains(all, []byte("\x1b[c")) {
				answered = true
				in.Write([]byte("\x1b]11;rgb:0000/0000/0000\x1b\\\x1b[?62;22c")) //nolint:errcheck
			}
			if bytes.Contains(all, []byte("Jean Dupont")) || err != nil {
				screen <- string(all)
				return
			}
		}
	}()
	select {
	case s := <-screen:
		if !strings.Contains(s, "Jean Dupont") || strings.Contains(s, "Hank Scorpio") || !strings.Contains(s, "carol") {
			t.Fatalf("console over SSH:\n%q", s)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no console")
	}
	client.Close()

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exit %d: %s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	for _, want := range []string{"ssh host key", "created=true", "serving the console over SSH", "outbox delivery off",
		"ssh session start", "operator=carol", "ssh session end"} {
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(stderr.String(), want) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, stderr.String())
		}
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
