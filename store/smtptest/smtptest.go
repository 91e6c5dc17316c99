// Package smtptest is a real SMTP server (github.com/emersion/go-smtp) on 127.0.0.1 for the
// tests of every package: it keeps each message it accepts, and refuses what the test asks it
// to refuse (a recipient, a domain, a fault at a given step), so that a test asserts what a
// mail server received, never what a fake was called with.
package smtptest

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one message the server accepted.
type Message struct {
	From, To string
	Raw      []byte      // the DATA as the server read it (dot-unstuffed, CRLF line ends)
	Header   mail.Header // its header
	Subject  string      // the Subject header, decoded (RFC 2047)
	Body     string      // the body, quoted-printable decoded
	AuthUser string      // who authenticated with AUTH PLAIN ("" nobody)
	TLS      bool        // the session had started TLS
}

// String is the message as a failing test prints it: recipient, subject and body.
func (m Message) String() string { return fmt.Sprintf("to %s, %q:\n%s", m.To, m.Subject, m.Body) }

// Options says how the server behaves; the zero value accepts every message.
type Options struct {
	// Addr is where to listen: "" any free port of 127.0.0.1.
	Addr string
	// TLS, when set, offers STARTTLS with it.
	TLS *tls.Config
	// User, when set, requires AUTH PLAIN as User with Password before MAIL FROM (over TLS
	// only, the server refusing AUTH in clear).
	User, Password string
	// Refuse lists recipients refused for good at RCPT TO (550 5.1.1 no such mailbox).
	Refuse []string
	// RefuseDomain refuses for good every recipient of this domain (550 5.1.2).
	RefuseDomain string
}

// Fault is a misbehaviour the test switches on between deliveries (SetFault).
type Fault int

const (
	NoFault  Fault = iota
	Rcpt4xx        // 451 4.3.0 at RCPT TO
	Data4xx        // the message is read, then 452 4.3.1 instead of 250
	DataHang       // the message is read, then no answer at all (until the test ends)
	DataDrop       // the message is read, then the connection is closed without an answer
)

// Server is a running SMTP server; it stops when the test ends.
type Server struct {
	addr string
	opts Options
	done chan struct{} // closed when the test ends: releases hung DATA answers

	mu     sync.Mutex
	refuse []string
	fault  Fault
	msgs   []Message
}

// Start serves SMTP until the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	addr := o.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("smtptest: listen on %s: %v", addr, err)
	}
	s := &Server{addr: l.Addr().String(), opts: o, done: make(chan struct{}), refuse: append([]string(nil), o.Refuse...)}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.TLSConfig = o.TLS
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	// RFC 5321 §4.5.3.1.6: a line is at most 1000 octets with its CRLF; longer ones are refused.
	srv.MaxLineLength = 1000
	go srv.Serve(l) //nolint:errcheck // ends with Close
	t.Cleanup(func() {
		close(s.done)
		srv.Close()
	})
	return s
}

// FreeAddr returns a 127.0.0.1 address nothing listens on (yet): where a server is started
// later, after the mailer found none.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// Addr is the host:port the server listens on.
func (s *Server) Addr() string { return s.addr }

// URL is the smtp:// URL of the server, without credentials.
func (s *Server) URL() string { return "smtp://" + s.addr }

// Refuse replaces the recipients refused for good (none: accept them all again).
func (s *Server) Refuse(recipients ...string) {
	s.mu.Lock()
	s.refuse = append([]string(nil), recipients...)
	s.mu.Unlock()
}

// SetFault switches the server's misbehaviour (NoFault: behave).
func (s *Server) SetFault(f Fault) {
	s.mu.Lock()
	s.fault = f
	s.mu.Unlock()
}

// Messages is every message accepted so far, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// To is the messages accepted for one recipient, in order.
func (s *Server) To(recipient string) []Message {
	var out []Message
	for _, m := range s.Messages() {
		if m.To == recipient {
			out = append(out, m)
		}
	}
	return out
}

// Recipients is the recipient of each message accepted so far, in order.
func (s *Server) Recipients() []string {
	var out []string
	for _, m := range s.Messages() {
		out = append(out, m.To)
	}
	return out
}

func (s *Server) currentFault() Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fault
}

func (s *Server) refuses(to string) *smtp.SMTPError {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.refuse {
		if to == r {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
		}
	}
	if d := s.opts.RefuseDomain; d != "" && strings.HasSuffix(to, "@"+d) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 2}, Message: "domain " + d + " not found"}
	}
	return nil
}

type session struct {
	s        *Server
	conn     *smtp.Conn
	from, to string
	authUser string
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.opts.User == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if ss.s.opts.User == "" || user != ss.s.opts.User || pass != ss.s.opts.Password {
			return errors.New("bad credentials")
		}
		ss.authUser = user
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.opts.User != "" && ss.authUser == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if ss.s.currentFault() == Rcpt4xx {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	if err := ss.s.refuses(to); err != nil {
		return err
	}
	ss.to = to
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	switch ss.s.currentFault() {
	case Data4xx:
		return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1}, Message: "insufficient storage"}
	case DataHang:
		<-ss.s.done // never answers while the mailer waits
		return errors.New("gave up")
	case DataDrop:
		_ = ss.conn.Conn().Close()
		return errors.New("dropped")
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	body, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	if err != nil {
		return err
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		return err
	}
	_, isTLS := ss.conn.TLSConnectionState()
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, Message{From: ss.from, To: ss.to, Raw: raw, Header: m.Header, Subject: subject,
		Body: string(body), AuthUser: ss.authUser, TLS: isTLS})
	ss.s.mu.Unlock()
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", "" }
func (ss *session) Logout() error { return nil }
