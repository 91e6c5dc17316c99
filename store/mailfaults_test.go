package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"gatehouse/model"
	"gatehouse/store"
)

// Mail faults against a real SMTP server
// (github.com/emersion/go-smtp) that misbehaves on purpose: a temporary refusal at RCPT or at
// the end of DATA, no answer to DATA within the mailer's timeout, the connection dropped after
// the message was sent. Each time the outbox keeps the message (pending, sealed link kept),
// counts the attempt and records an error that does not hold the link; the retry after the
// backoff delivers it, and exactly once (messages received under its Message-ID).
// (Connection refused and a permanent 5xx refusal are covered in mailer_test.go.)

type faultMode int

const (
	faultNone     faultMode = iota
	faultRcpt4xx            // 451 at RCPT TO
	faultData4xx            // the message is read, then 452 instead of 250
	faultDataHang           // the message is read, then no answer at all
	faultDataDrop           // the message is read, then the connection is closed without an answer
)

// faultSink is a go-smtp server whose behaviour the test switches between attempts.
type faultSink struct {
	mu      sync.Mutex
	mode    faultMode
	msgs    []*mail.Message // accepted messages only
	bodies  []string
	addr    string
	release chan struct{} // ends hung DATA handlers when the test ends
}

type faultSession struct {
	sink *faultSink
	conn *smtp.Conn
}

func (s *faultSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *faultSession) Rcpt(string, *smtp.RcptOptions) error {
	if s.sink.currentMode() == faultRcpt4xx {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	return nil
}
func (s *faultSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	switch s.sink.currentMode() {
	case faultData4xx:
		return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1}, Message: "insufficient storage"}
	case faultDataHang:
		<-s.sink.release // never answers while the mailer waits
		return errors.New("gave up")
	case faultDataDrop:
		_ = s.conn.Conn().Close()
		return errors.New("dropped")
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(quotedprintable.NewReader(m.Body))
	s.sink.mu.Lock()
	s.sink.msgs = append(s.sink.msgs, m)
	s.sink.bodies = append(s.sink.bodies, string(body))
	s.sink.mu.Unlock()
	return nil
}
func (s *faultSession) Reset()        {}
func (s *faultSession) Logout() error { return nil }

func (f *faultSink) currentMode() faultMode {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.mode
}

func (f *faultSink) setMode(m faultMode) {
	f.mu.Lock()
	f.mode = m
	f.mu.Unlock()
}

// received counts the accepted messages carrying the Message-ID.
func (f *faultSink) received(messageID string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, m := range f.msgs {
		if m.Header.Get("Message-Id") == messageID {
			n++
		}
	}
	return n
}

func (f *faultSink) bodyOf(messageID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, m := range f.msgs {
		if m.Header.Get("Message-Id") == messageID {
			return f.bodies[i]
		}
	}
	return ""
}

func startFaultSink(t *testing.T) *faultSink {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sink := &faultSink{addr: l.Addr().String(), release: make(chan struct{})}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &faultSession{sink: sink, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	go srv.Serve(l) //nolint:errcheck // ends with Close
	t.Cleanup(func() {
		close(sink.release)
		srv.Close()
	})
	return sink
}

type mailRow struct {
	ID        int64   `db:"id"`
	Status    string  `db:"status"`
	Attempts  int     `db:"attempts"`
	LastError *string `db:"last_error"`
	Sealed    []byte  `db:"sealed_secret"`
	MessageID string  `db:"message_id"`
}

func (a *acct) mailRow(id int64) mailRow {
	a.t.Helper()
	var r mailRow
	if err := a.s.DB().Get(&r, `SELECT id, status, attempts, last_error, sealed_secret, message_id FROM outbox WHERE id = $1`, id); err != nil {
		a.t.Fatal(err)
	}
	return r
}

// queuedResetLink sends a reset link to the user and returns its outbox row id and token.
func (a *acct) queuedResetLink(userID int64) (int64, string) {
	a.t.Helper()
	if err := a.s.SendResetLink(a.ctx, model.Operator{Name: "mail-faults", Role: model.RoleSupport}, userID); err != nil {
		a.t.Fatal(err)
	}
	var r struct {
		ID     int64  `db:"id"`
		Sealed []byte `db:"sealed_secret"`
	}
	if err := a.s.DB().Get(&r, `SELECT id, sealed_secret FROM outbox WHERE user_id = $1 AND kind = 'reset_link' ORDER BY id DESC LIMIT 1`, userID); err != nil {
		a.t.Fatal(err)
	}
	link, err := a.s.OpenSealed(r.Sealed)
	if err != nil {
		a.t.Fatal(err)
	}
	u, err := url.Parse(link)
	if err != nil || u.Query().Get("token") == "" {
		a.t.Fatalf("link %q: %v", link, err)
	}
	return r.ID, u.Query().Get("token")
}

func TestMailFaultsKeepTheMessageThenDeliverOnce(t *testing.T) {
	for _, c := range []struct {
		name  string
		mode  faultMode
		error string // what last_error must mention
	}{
		{"refused 4xx at RCPT", faultRcpt4xx, "451"},
		{"refused 4xx after DATA", faultData4xx, "452"},
		{"no answer to DATA", faultDataHang, "DATA"},
		{"connection dropped after DATA", faultDataDrop, "DATA"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := newAcct(t)
			org := a.org("acme", "Acme")
			user := a.user("ACME-MF001", "mail.fault@example.org", "Mail Fault", org)
			sink := startFaultSink(t)
			sink.setMode(c.mode)
			var logs bytes.Buffer
			cfg := store.MailerConfig{SMTPURL: "smtp://" + sink.addr, From: "portal@example.com", Hostname: "test",
				Timeout: 2 * time.Second, BaseBackoff: time.Minute,
				Logf: func(f string, args ...any) { logs.WriteString(strings.TrimSpace(fmt.Sprintf(f, args...)) + "\n") }}
			id, token := a.queuedResetLink(user)
			a.exec(`UPDATE outbox SET status = 'sent', sealed_secret = NULL WHERE id <> $1`, id) // only the link is due

			rep, err := a.s.DeliverDue(a.ctx, cfg)
			if err != nil || rep.Claimed != 1 || rep.Retry != 1 || rep.Sent != 0 || rep.Failed != 0 {
				t.Fatalf("faulty round: %+v %v", rep, err)
			}
			r := a.mailRow(id)
			if r.Status != "pending" || r.Attempts != 1 || r.Sealed == nil || r.LastError == nil {
				t.Fatalf("after the fault the outbox row is %+v", r)
			}
			if !strings.Contains(*r.LastError, c.error) {
				t.Errorf("last_error %q does not say what happened (%s)", *r.LastError, c.error)
			}
			for where, text := range map[string]string{"last_error": *r.LastError, "mailer log": logs.String()} {
				if strings.Contains(text, token) || strings.Contains(text, "token=") && !strings.Contains(text, "token=[secret]") {
					t.Errorf("%s holds the link: %q", where, text)
				}
			}
			if n := sink.received(r.MessageID); n != 0 {
				t.Fatalf("the faulty server accepted the message %d time(s)", n)
			}
			// Not due before the backoff.
			if rep, _ := a.s.DeliverDue(a.ctx, cfg); rep.Claimed != 0 {
				t.Fatalf("retried before the backoff: %+v", rep)
			}
			// The server behaves again; after the backoff the message goes, once.
			sink.setMode(faultNone)
			a.advance(time.Minute)
			rep, err = a.s.DeliverDue(a.ctx, cfg)
			if err != nil || rep.Sent != 1 || rep.Retry != 0 {
				t.Fatalf("retry round: %+v %v", rep, err)
			}
			a.advance(48 * time.Hour)
			if rep, err := a.s.DeliverDue(a.ctx, cfg); err != nil || rep.Claimed != 0 {
				t.Fatalf("a later round claimed %+v %v", rep, err)
			}
			r = a.mailRow(id)
			if r.Status != "sent" || r.Attempts != 2 || r.Sealed != nil || r.LastError != nil {
				t.Fatalf("after delivery the outbox row is %+v", r)
			}
			if n := sink.received(r.MessageID); n != 1 {
				t.Fatalf("message %s received %d times, want 1", r.MessageID, n)
			}
			// The delivered message carries the link (the token sealed is the one sent).
			if body := sink.bodyOf(r.MessageID); !strings.Contains(body, "/reset?token="+token) {
				t.Fatalf("the delivered body does not hold the link:\n%s", body)
			}
		})
	}
}
