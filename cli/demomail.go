package cli

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"gatehouse/store"
)

// The demo's mailbox: an SMTP server on 127.0.0.1 that writes every message it accepts to a
// maildir (tmp/, then new/), so that a newcomer reads the demo's e-mails without a mail
// server — on the portal's /demo/mail page, or with any maildir reader (mutt -f DIR).

// demoMailbox is the running server.
type demoMailbox struct {
	dir  string
	addr string
	srv  *smtp.Server
}

// demoMailFrom is the sender of the demo's e-mails.
const demoMailFrom = "portal@gatehouse-demo.localhost"

// demoMaildir is the demo's maildir in the data directory.
func demoMaildir(cfg *Config) string { return filepath.Join(cfg.dataDir(), "demo-mail") }

// mailerConfig delivers the outbox to this mailbox: the demo's mailer and `mail --demo`
// (without an SMTP server of its own) send the same way.
func (mb *demoMailbox) mailerConfig() store.MailerConfig {
	return store.MailerConfig{SMTPURL: "smtp://" + mb.addr, From: demoMailFrom}
}

// maxDemoMessage bounds one message (the demo's are a few kilobytes).
const maxDemoMessage = 10 << 20

var demoMailSeq atomic.Int64

// startDemoMailbox serves SMTP on a free loopback port, delivering into dir.
func startDemoMailbox(dir string) (*demoMailbox, error) {
	for _, sub := range []string{"tmp", "new", "cur"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, fmt.Errorf("demo mailbox: %w", err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo mailbox: %w", err)
	}
	mb := &demoMailbox{dir: dir, addr: ln.Addr().String()}
	mb.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &demoSession{mb: mb}, nil }))
	mb.srv.Domain = "localhost"
	mb.srv.ReadTimeout, mb.srv.WriteTimeout = 30*time.Second, 30*time.Second
	mb.srv.MaxMessageBytes = maxDemoMessage
	go mb.srv.Serve(ln) //nolint:errcheck // ends with close
	return mb, nil
}

func (mb *demoMailbox) close() { _ = mb.srv.Close() }

// deliver writes one message into the maildir: complete in tmp/, then renamed into new/.
func (mb *demoMailbox) deliver(to string, msg []byte) error {
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	name := fmt.Sprintf("%d.M%dP%dQ%d.%s", time.Now().Unix(), time.Now().Nanosecond()/1000, os.Getpid(), demoMailSeq.Add(1), host)
	tmp := filepath.Join(mb.dir, "tmp", name)
	var b bytes.Buffer
	fmt.Fprintf(&b, "Delivered-To: %s\r\n", to)
	b.Write(msg)
	if err := os.WriteFile(tmp, b.Bytes(), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(mb.dir, "new", name))
}

type demoSession struct {
	mb *demoMailbox
	to []string
}

func (s *demoSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *demoSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *demoSession) Data(r io.Reader) error {
	msg, err := io.ReadAll(io.LimitReader(r, maxDemoMessage))
	if err != nil {
		return err
	}
	for _, to := range s.to {
		if err := s.mb.deliver(to, msg); err != nil {
			return err
		}
	}
	return nil
}
func (s *demoSession) Reset()        { s.to = nil }
func (s *demoSession) Logout() error { return nil }
