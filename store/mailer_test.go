package store_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"mime"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/store"
	"gatehouse/store/smtptest"
)

type outboxRow struct {
	ID        int64   `db:"id"`
	Status    string  `db:"status"`
	Attempts  int     `db:"attempts"`
	LastError *string `db:"last_error"`
	Sealed    []byte  `db:"sealed_secret"`
	MessageID string  `db:"message_id"`
}

func outboxRows(t *testing.T, e *invEnv) []outboxRow {
	t.Helper()
	var rows []outboxRow
	if err := e.s.DB().Select(&rows, `SELECT id, status, attempts, last_error, sealed_secret, message_id FROM outbox ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestMailerOutageThenEachDeliveredOnce(t *testing.T) {
	e := newInvEnv(t)
	var links []string
	for i, org := range []int64{e.acme, e.glob} {
		_, link := e.invite(supportOp, store.NewInvitation{OrgID: org, Name: fmt.Sprintf("Invitee %d", i),
			Email: fmt.Sprintf("invitee%d@example.org", i), Rights: []string{"billing.view"}, Lang: []string{"en", "fr"}[i]})
		links = append(links, link)
	}
	addr := smtptest.FreeAddr(t)
	var logs []string
	cfg := store.MailerConfig{SMTPURL: "smtp://" + addr, From: "portal@example.com", Hostname: "test",
		Timeout: 5 * time.Second, Logf: func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }}

	// The server is down: every message stays queued with the error and a backoff.
	rep, err := e.s.DeliverDue(e.ctx, cfg)
	if err != nil || rep.Claimed != 2 || rep.Retry != 2 || rep.Sent != 0 {
		t.Fatalf("outage round: %+v %v", rep, err)
	}
	for _, r := range outboxRows(t, e) {
		if r.Status != "pending" || r.Attempts != 1 || r.LastError == nil || !strings.Contains(*r.LastError, "connect") || r.Sealed == nil {
			t.Fatalf("after the outage: %+v", r)
		}
	}
	for _, l := range links {
		tok := tokenOf(t, l)
		if hits := secretHits(t, e.s.DB(), tok); len(hits) != 0 {
			t.Fatalf("token stored in %v", hits)
		}
		for _, line := range logs {
			if strings.Contains(line, tok) {
				t.Fatalf("log holds the token: %s", line)
			}
		}
	}
	// Not due yet: nothing is tried.
	if rep, _ := e.s.DeliverDue(e.ctx, cfg); rep.Claimed != 0 {
		t.Fatalf("retried before the backoff: %+v", rep)
	}
	// Still down after the backoff: the second wait is longer.
	e.clk.add(31 * time.Second)
	if rep, _ := e.s.DeliverDue(e.ctx, cfg); rep.Retry != 2 {
		t.Fatalf("second outage round %+v", rep)
	}
	var wait time.Duration
	var next time.Time
	if err := e.s.DB().Get(&next, `SELECT min(next_attempt_at) FROM outbox`); err != nil {
		t.Fatal(err)
	}
	if wait = next.Sub(e.clk.now()); wait != time.Minute {
		t.Fatalf("second backoff %v, want 1m", wait)
	}

	// The server is back: each message is delivered once, the secret dropped.
	sink := smtptest.Start(t, smtptest.Options{Addr: addr})
	e.clk.add(wait)
	rep, err = e.s.DeliverDue(e.ctx, cfg)
	if err != nil || rep.Sent != 2 || rep.Retry != 0 {
		t.Fatalf("delivery round %+v %v", rep, err)
	}
	rows := outboxRows(t, e)
	for _, r := range rows {
		if r.Status != "sent" || r.Sealed != nil || r.LastError != nil || r.Attempts != 3 {
			t.Fatalf("after delivery: %+v", r)
		}
	}
	e.clk.add(24 * time.Hour)
	if rep, _ := e.s.DeliverDue(e.ctx, cfg); rep.Claimed != 0 {
		t.Fatalf("delivered twice: %+v", rep)
	}
	got := sink.Messages()
	if len(got) != 2 {
		t.Fatalf("%d messages received", len(got))
	}
	orgNames := []string{"Acme Corp", "Globex Établissement"}
	for i, m := range got {
		if m.To != fmt.Sprintf("invitee%d@example.org", i) || m.From != "portal@example.com" {
			t.Fatalf("envelope %s → %s", m.From, m.To)
		}
		if !strings.Contains(m.Body, links[i]) || !strings.Contains(m.Body, orgNames[i]) || strings.Contains(m.Body, store.SecretPlaceholder) {
			t.Fatalf("message %d body:\n%s", i, m.Body)
		}
		if id := m.Header.Get("Message-Id"); id != rows[i].MessageID {
			t.Fatalf("Message-ID %q, want the outbox's %q", id, rows[i].MessageID)
		}
		subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		if err != nil || !strings.Contains(subject, orgNames[i]) {
			t.Fatalf("subject %q %v", subject, err)
		}
	}
	if !strings.Contains(got[1].Body, "Bonjour Invitee 1") || !strings.Contains(got[0].Body, "Hello Invitee 0") {
		t.Fatal("e-mails are not in the invitee's language")
	}
}

func TestMailerRecipientRefusedForGoodAndConcurrentMailersSendOnce(t *testing.T) {
	e := newInvEnv(t)
	sink := smtptest.Start(t, smtptest.Options{Refuse: []string{"bounce@example.org"}})
	e.invite(supportOp, store.NewInvitation{OrgID: e.acme, Name: "Bounce", Email: "bounce@example.org", Rights: []string{"billing.view"}})
	for i := 0; i < 30; i++ {
		e.invite(supportOp, store.NewInvitation{OrgID: e.glob, Name: fmt.Sprintf("P %d", i), Email: fmt.Sprintf("p%d@example.org", i), Rights: []string{"reports.view"}})
	}
	cfg := store.MailerConfig{SMTPURL: sink.URL(), Batch: 4, Timeout: 5 * time.Second}
	var wg sync.WaitGroup
	reports := make([]store.DeliveryReport, 3)
	for i := range reports {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			reports[i], _ = e.s.DeliverDue(e.ctx, cfg)
		}(i)
	}
	wg.Wait()
	var total store.DeliveryReport
	for _, r := range reports {
		total.Sent += r.Sent
		total.Failed += r.Failed
		total.Claimed += r.Claimed
	}
	if total.Sent != 30 || total.Failed != 1 || total.Claimed != 31 {
		t.Fatalf("three mailers together: %+v", total)
	}
	seen := map[string]int{}
	for _, m := range sink.Messages() {
		seen[m.Header.Get("Message-Id")]++
	}
	if len(seen) != 30 {
		t.Fatalf("%d distinct messages received, want 30", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("%s received %d times", id, n)
		}
	}
	var st struct {
		Status    string `db:"status"`
		LastError string `db:"last_error"`
		Sealed    []byte `db:"sealed_secret"`
	}
	if err := e.s.DB().Get(&st, `SELECT status, last_error, sealed_secret FROM outbox WHERE recipient = 'bounce@example.org'`); err != nil {
		t.Fatal(err)
	}
	if st.Status != "failed" || !strings.Contains(st.LastError, "550") || st.Sealed != nil {
		t.Fatalf("refused recipient: %+v", st)
	}
}

func TestMailerStartTLSAndAuth(t *testing.T) {
	e := newInvEnv(t)
	cert, pool := selfSigned(t)
	sink := smtptest.Start(t, smtptest.Options{TLS: &tls.Config{Certificates: []tls.Certificate{cert}}, User: "mailer", Password: "pw-mailer"})
	_, link := e.invite(supportOp, store.NewInvitation{OrgID: e.acme, Name: "Tess", Email: "tess@example.org", Rights: []string{"billing.view"}})
	cfg := store.MailerConfig{SMTPURL: "smtp://mailer:pw-mailer@" + sink.Addr(), TLSConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}, Timeout: 5 * time.Second}
	rep, err := e.s.DeliverDue(e.ctx, cfg)
	if err != nil || rep.Sent != 1 {
		t.Fatalf("%+v %v", rep, err)
	}
	m := sink.Messages()
	if len(m) != 1 || !m[0].TLS || m[0].AuthUser != "mailer" || !strings.Contains(m[0].Body, link) {
		t.Fatalf("received %+v", m)
	}

	// Wrong password: queued with an error that does not repeat it.
	e.invite(supportOp, store.NewInvitation{OrgID: e.acme, Name: "Ulla", Email: "ulla@example.org", Rights: []string{"billing.view"}})
	cfg.SMTPURL = "smtp://mailer:wrong-secret-pw@" + sink.Addr()
	rep, _ = e.s.DeliverDue(e.ctx, cfg)
	var lastErr string
	if err := e.s.DB().Get(&lastErr, `SELECT last_error FROM outbox WHERE status = 'pending'`); err != nil || rep.Retry != 1 {
		t.Fatalf("%+v %v", rep, err)
	}
	if !strings.Contains(lastErr, "AUTH") || strings.Contains(lastErr, "wrong-secret-pw") {
		t.Fatalf("last error %q", lastErr)
	}
}

func TestMailerConfigErrors(t *testing.T) {
	e := newInvEnv(t)
	for _, u := range []string{"", "http://x", "smtp://"} {
		if _, err := e.s.DeliverOutbox(e.ctx, store.MailerConfig{SMTPURL: u}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%q: %v", u, err)
		}
	}
	if _, err := e.s.DeliverOutbox(e.ctx, store.MailerConfig{SMTPURL: "smtp://127.0.0.1:1", From: "not an address"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("bad From: %v", err)
	}
}

// selfSigned makes a certificate for localhost and a pool trusting it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}
