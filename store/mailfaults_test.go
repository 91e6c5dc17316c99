package store_test

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"gatehouse/model"
	"gatehouse/store"
	"gatehouse/store/smtptest"
)

// Mail faults against a real SMTP server
// (github.com/emersion/go-smtp) that misbehaves on purpose: a temporary refusal at RCPT or at
// the end of DATA, no answer to DATA within the mailer's timeout, the connection dropped after
// the message was sent. Each time the outbox keeps the message (pending, sealed link kept),
// counts the attempt and records an error that does not hold the link; the retry after the
// backoff delivers it, and exactly once (messages received under its Message-ID).
// (Connection refused and a permanent 5xx refusal are covered in mailer_test.go.)

// received is the accepted messages carrying the Message-ID.
func received(sink *smtptest.Server, messageID string) []smtptest.Message {
	var out []smtptest.Message
	for _, m := range sink.Messages() {
		if m.Header.Get("Message-Id") == messageID {
			out = append(out, m)
		}
	}
	return out
}

// mailRow is one e-mail's outbox row (outboxRow).
func (a *acct) mailRow(id int64) outboxRow {
	a.t.Helper()
	var r outboxRow
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
		fault smtptest.Fault
		error string // what last_error must mention
	}{
		{"refused 4xx at RCPT", smtptest.Rcpt4xx, "451"},
		{"refused 4xx after DATA", smtptest.Data4xx, "452"},
		{"no answer to DATA", smtptest.DataHang, "DATA"},
		{"connection dropped after DATA", smtptest.DataDrop, "DATA"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := newAcct(t)
			org := a.org("acme", "Acme")
			user := a.user("ACME-MF001", "mail.fault@example.org", "Mail Fault", org)
			sink := smtptest.Start(t, smtptest.Options{})
			sink.SetFault(c.fault)
			var logs bytes.Buffer
			cfg := store.MailerConfig{SMTPURL: sink.URL(), From: "portal@example.com", Hostname: "test",
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
			if n := len(received(sink, r.MessageID)); n != 0 {
				t.Fatalf("the faulty server accepted the message %d time(s)", n)
			}
			// Not due before the backoff.
			if rep, _ := a.s.DeliverDue(a.ctx, cfg); rep.Claimed != 0 {
				t.Fatalf("retried before the backoff: %+v", rep)
			}
			// The server behaves again; after the backoff the message goes, once.
			sink.SetFault(smtptest.NoFault)
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
			if n := len(received(sink, r.MessageID)); n != 1 {
				t.Fatalf("message %s received %d times, want 1", r.MessageID, n)
			}
			// The delivered message carries the link (the token sealed is the one sent).
			if got := received(sink, r.MessageID); !strings.Contains(got[0].Body, "/reset?token="+token) {
				t.Fatalf("the delivered body does not hold the link:\n%s", got[0].Body)
			}
		})
	}
}
