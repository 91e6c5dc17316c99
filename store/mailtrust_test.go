package store_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"gatehouse/model"
	"gatehouse/model/i18n"
	"gatehouse/store"
	"gatehouse/store/smtptest"
	"gatehouse/store/storetest"
)

// Mail that must leave: one outbox key per installation, headers encoded and folded whatever
// the names, and no escape sequence or bidi control from the database in a message.

// keyedStore opens another store (another process) on dsn with the given outbox key.
func keyedStore(t *testing.T, dsn string, key byte, source string, clk *invClock) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), store.Config{DatabaseURL: dsn, OutboxKey: bytes.Repeat([]byte{key}, 32),
		OutboxKeySource: source, Now: clk.now, PortalURL: "https://portal.test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func rows(t *testing.T, s *store.Store, q string, args ...any) int {
	t.Helper()
	var n int
	if err := s.DB().Get(&n, q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// wantKeyRefusal checks err is the typed refusal of a key that is not the installation's, and
// that it says how to set the key.
func wantKeyRefusal(t *testing.T, what string, err error, source string) {
	t.Helper()
	if !errors.Is(err, store.ErrOutboxKey) {
		t.Fatalf("%s with another outbox key: %v, want ErrOutboxKey", what, err)
	}
	for _, want := range []string{"GATEHOUSE_OUTBOX_KEY", "outbox_key_file", source} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: the refusal does not say %q: %v", what, want, err)
		}
	}
}

func TestOutboxKeyOneKeyPerInstallation(t *testing.T) {
	dsn := storetest.NewDSN(t)
	clk := newClock(time.Now().UTC().Truncate(time.Second))
	ctx := context.Background()
	a := keyedStore(t, dsn, 0xA1, "alice's outbox.key", clk)
	b := keyedStore(t, dsn, 0xB2, "bob's outbox.key", clk)
	org := storetest.Org(t, a, "acme", "Acme Corp")
	var users []int64
	for i := 0; i < 4; i++ {
		users = append(users, storetest.User(t, a, fmt.Sprintf("ACME-KEY0%d", i), fmt.Sprintf("key%d@example.org", i), fmt.Sprintf("Key %d", i), time.Time{}, org))
	}
	op := model.Operator{Name: "alice", Role: model.RoleSupport}

	// The first key used is the installation's; only its fingerprint is stored.
	if err := a.SendResetLink(ctx, op, users[0]); err != nil {
		t.Fatal(err)
	}
	var recorded string
	if err := a.DB().Get(&recorded, `SELECT value::text FROM settings WHERE key = 'outbox_key'`); err != nil {
		t.Fatalf("no key recorded: %v", err)
	}
	keyA := bytes.Repeat([]byte{0xA1}, 32)
	for _, enc := range []string{hex.EncodeToString(keyA), base64.StdEncoding.EncodeToString(keyA), base64.RawURLEncoding.EncodeToString(keyA)} {
		if strings.Contains(recorded, enc) {
			t.Fatalf("the settings row holds the key itself: %s", recorded)
		}
	}

	// Another key queues nothing: the whole change that wanted to queue is refused.
	before := rows(t, b, `SELECT count(*) FROM audit_entries`)
	wantKeyRefusal(t, "a reset link", b.SendResetLink(ctx, op, users[1]), "bob's outbox.key")
	if n := rows(t, b, `SELECT count(*) FROM reset_tokens WHERE user_id = $1`, users[1]); n != 0 {
		t.Fatalf("the refused reset left %d token(s)", n)
	}
	b.DB().MustExec(`UPDATE users SET locked_at = now(), lock_reason = 'threshold', failed_attempts = 9 WHERE id = $1`, users[2])
	_, err := b.UnlockUsers(ctx, op, []int64{users[2]}, "ticket 1", true)
	wantKeyRefusal(t, "an unlock (its notice)", err, "bob's outbox.key")
	if n := rows(t, b, `SELECT count(*) FROM users WHERE id = $1 AND locked_at IS NOT NULL AND failed_attempts = 9`, users[2]); n != 1 {
		t.Fatal("the refused unlock was applied without its e-mail")
	}
	_, _, err = b.CreateInvitation(ctx, op, store.NewInvitation{OrgID: org, Name: "Nora New", Email: "nora@example.org", Rights: []string{"billing.view"}})
	wantKeyRefusal(t, "an invitation", err, "bob's outbox.key")
	if n := rows(t, b, `SELECT count(*) FROM users WHERE email = 'nora@example.org'`) + rows(t, b, `SELECT count(*) FROM invitations`); n != 0 {
		t.Fatal("the refused invitation left a user or an invitation")
	}
	if n := rows(t, b, `SELECT count(*) FROM audit_entries`); n != before {
		t.Fatalf("the refused changes wrote %d audit row(s)", n-before)
	}
	if n := rows(t, b, `SELECT count(*) FROM outbox`); n != 1 {
		t.Fatalf("%d outbox rows, want only alice's", n)
	}

	// Both processes at once, on a fresh installation: one key wins, every e-mail queued
	// opens with it.
	dsn2 := storetest.NewDSN(t)
	a2, b2 := keyedStore(t, dsn2, 0xA1, "", clk), keyedStore(t, dsn2, 0xB2, "", clk)
	org2 := storetest.Org(t, a2, "acme", "Acme Corp")
	var ids []int64
	for i := 0; i < 8; i++ {
		ids = append(ids, storetest.User(t, a2, fmt.Sprintf("ACME-RACE%d", i), fmt.Sprintf("race%d@example.org", i), "Race", time.Time{}, org2))
	}
	var wg sync.WaitGroup
	okBy := make([]string, len(ids))
	for i, id := range ids {
		wg.Add(1)
		go func(i int, id int64) {
			defer wg.Done()
			s, who := a2, "a"
			if i%2 == 1 {
				s, who = b2, "b"
			}
			switch err := s.SendResetLink(ctx, op, id); {
			case err == nil:
				okBy[i] = who
			case !errors.Is(err, store.ErrOutboxKey):
				t.Errorf("reset %d: %v", i, err)
			}
		}(i, id)
	}
	wg.Wait()
	winners := map[string]int{}
	for _, w := range okBy {
		if w != "" {
			winners[w]++
		}
	}
	if len(winners) != 1 || (winners["a"] != 4 && winners["b"] != 4) {
		t.Fatalf("concurrent first uses: %v succeeded, want all of one key and none of the other", okBy)
	}
	winner := a2
	if winners["b"] == 4 {
		winner = b2
	}
	sink2 := smtptest.Start(t, smtptest.Options{})
	rep, err := winner.DeliverDue(ctx, store.MailerConfig{SMTPURL: sink2.URL(), Timeout: 5 * time.Second})
	if err != nil || rep.Sent != 4 || rep.Claimed != 4 {
		t.Fatalf("the winning key's mailer: %+v %v", rep, err)
	}

	// The mailer with the other key claims nothing (no attempt counted, no backoff)...
	sink := smtptest.Start(t, smtptest.Options{})
	cfg := store.MailerConfig{SMTPURL: sink.URL(), Timeout: 5 * time.Second}
	if err := a.SendResetLink(ctx, op, users[3]); err != nil {
		t.Fatal(err)
	}
	_, err = b.DeliverDue(ctx, cfg)
	wantKeyRefusal(t, "the other key's mailer", err, "bob's outbox.key")
	if err := b.RunMailer(ctx, cfg); !errors.Is(err, store.ErrOutboxKey) {
		t.Fatalf("RunMailer with another key: %v, want it to stop with ErrOutboxKey", err)
	}
	if n := rows(t, a, `SELECT count(*) FROM outbox WHERE status = 'pending' AND attempts = 0 AND last_error IS NULL`); n != 2 {
		t.Fatalf("the other key's mailer touched the queue (%d of 2 untouched)", n)
	}
	// ...and the installation's mailer delivers everything to the real SMTP server.
	rep, err = a.DeliverDue(ctx, cfg)
	if err != nil || rep.Sent != 2 || rep.Retry+rep.Failed != 0 {
		t.Fatalf("the installation's mailer: %+v %v", rep, err)
	}
	got := sink.Messages()
	if len(got) != 2 {
		t.Fatalf("%d messages received, want 2", len(got))
	}
	for _, m := range got {
		if !strings.Contains(m.Body, "https://portal.test/reset?token=") {
			t.Fatalf("received without its link:\n%s", m.Body)
		}
	}
	if n := rows(t, a, `SELECT count(*) FROM outbox WHERE status <> 'sent'`); n != 0 {
		t.Fatalf("%d message(s) not sent", n)
	}
}

func TestOutboxKeyRecordedAfterUpgradeFollowsTheQueue(t *testing.T) {
	dsn := storetest.NewDSN(t)
	clk := newClock(time.Now().UTC().Truncate(time.Second))
	ctx := context.Background()
	a := keyedStore(t, dsn, 0xA1, "", clk)
	b := keyedStore(t, dsn, 0xB2, "", clk)
	org := storetest.Org(t, a, "acme", "Acme Corp")
	var u []int64
	for i := 0; i < 5; i++ {
		u = append(u, storetest.User(t, a, fmt.Sprintf("ACME-UPG0%d", i), fmt.Sprintf("upg%d@example.org", i), "Upgrade", time.Time{}, org))
	}
	op := model.Operator{Name: "alice", Role: model.RoleSupport}
	forget := func() { a.DB().MustExec(`DELETE FROM settings WHERE key = 'outbox_key'`) } // as before keys were recorded

	// Queued before keys were recorded: r1 with key A, r2 with key B.
	if err := a.SendResetLink(ctx, op, u[1]); err != nil {
		t.Fatal(err)
	}
	var r1 int64
	if err := a.DB().Get(&r1, `SELECT id FROM outbox WHERE user_id = $1`, u[1]); err != nil {
		t.Fatal(err)
	}
	forget()
	a.DB().MustExec(`UPDATE outbox SET status = 'cancelled' WHERE id = $1`, r1) // for a moment: B queues as if alone
	if err := b.SendResetLink(ctx, op, u[2]); err != nil {
		t.Fatal(err)
	}
	forget()

	// No key recorded, and the queued link opens with B only: A is refused, to queue and to deliver.
	err := a.SendResetLink(ctx, op, u[3])
	wantKeyRefusal(t, "a key that opens nothing queued", err, "GATEHOUSE_OUTBOX_KEY")
	if !strings.Contains(err.Error(), "already queued") {
		t.Fatalf("the refusal does not say why: %v", err)
	}
	sink := smtptest.Start(t, smtptest.Options{})
	cfg := store.MailerConfig{SMTPURL: sink.URL(), Timeout: 5 * time.Second}
	_, err = a.DeliverDue(ctx, cfg)
	wantKeyRefusal(t, "a mailer whose key opens nothing queued", err, "GATEHOUSE_OUTBOX_KEY")

	// Both links pending: the first key that opens one becomes the installation's (B here);
	// the link sealed with A can then never be sent: it fails at once, saying why, and is
	// not retried.
	a.DB().MustExec(`UPDATE outbox SET status = 'pending' WHERE id = $1`, r1)
	if err := b.SendResetLink(ctx, op, u[4]); err != nil {
		t.Fatal(err)
	}
	_, err = a.DeliverDue(ctx, cfg)
	wantKeyRefusal(t, "key A once B is the installation's", err, "GATEHOUSE_OUTBOX_KEY")
	rep, err := b.DeliverDue(ctx, cfg)
	if err != nil || rep.Sent != 2 || rep.Failed != 1 || rep.Retry != 0 {
		t.Fatalf("the installation's mailer: %+v %v", rep, err)
	}
	var st struct {
		Status    string  `db:"status"`
		Attempts  int     `db:"attempts"`
		LastError *string `db:"last_error"`
		Sealed    []byte  `db:"sealed_secret"`
	}
	if err := b.DB().Get(&st, `SELECT status, attempts, last_error, sealed_secret FROM outbox WHERE id = $1`, r1); err != nil {
		t.Fatal(err)
	}
	if st.Status != "failed" || st.Attempts != 1 || st.Sealed != nil || st.LastError == nil || !strings.Contains(*st.LastError, "another outbox key") {
		t.Fatalf("the unopenable link: %+v", st)
	}
	clk.add(48 * time.Hour)
	if rep, _ := b.DeliverDue(ctx, cfg); rep.Claimed != 0 {
		t.Fatalf("retried: %+v", rep)
	}
	if len(sink.Messages()) != 2 {
		t.Fatalf("%d messages received, want 2", len(sink.Messages()))
	}
}

// name200 repeats unit to a name of exactly 200 characters that does not end in a space.
func name200(unit string) string {
	r := []rune(strings.Repeat(unit, 200))[:200]
	if r[199] == ' ' {
		r[199] = 'Z'
	}
	return string(r)
}

// rawLines splits a message's DATA into its lines (without CRLF).
func rawLines(raw []byte) []string {
	return strings.Split(strings.TrimSuffix(string(raw), "\r\n"), "\r\n")
}

var encodedWord = regexp.MustCompile(`=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=`)

func TestMailHeadersFoldedForLongNamesInAnyScript(t *testing.T) {
	e := newInvEnv(t)
	names := map[string]string{
		"cjk":        name200("株式会社東京海上日動火災保険"),
		"arabic":     name200("شركة الاتصالات السعودية "),
		"latin":      name200("Établissement Hospitalier Régional "),
		"ascii":      name200("Acme Hospital Group "),
		"ascii-word": name200("x"),
		"ascii-ew":   name200(`Acme "Ltd" (=?utf-8?q?x?=) `),
		"mixed":      name200("Acme 東京 مستشفى Établissement "),
	}
	from := "Portail client de l'établissement 株式会社東京海上日動火災保険株式会社東京海上日動火災保険 <portal@example.com>"
	want := map[string]string{} // recipient → subject
	i := 0
	for kind, name := range names {
		if utf8.RuneCountInString(name) != 200 {
			t.Fatalf("%s: %d characters", kind, utf8.RuneCountInString(name))
		}
		org := e.org(fmt.Sprintf("org-%d", i), name)
		to := fmt.Sprintf("%s@example.org", kind)
		lang := []string{"en", "fr"}[i%2]
		e.invite(supportOp, store.NewInvitation{OrgID: org, Name: name, Email: to, Rights: []string{"billing.view"}, Lang: lang})
		want[to] = i18n.T(i18n.Parse(lang), "mail.invite.subject", name)
		i++
	}
	sink := smtptest.Start(t, smtptest.Options{})
	rep, err := e.s.DeliverDue(e.ctx, store.MailerConfig{SMTPURL: sink.URL(), From: from, Timeout: 5 * time.Second})
	if err != nil || rep.Sent != len(names) || rep.Retry+rep.Failed != 0 {
		t.Fatalf("delivery: %+v %v", rep, err)
	}
	if n := e.count(`SELECT count(*) FROM outbox WHERE status <> 'sent'`); n != 0 {
		t.Fatalf("%d invitation(s) not sent", n)
	}
	got := sink.Messages()
	if len(got) != len(names) {
		t.Fatalf("%d messages received", len(got))
	}
	dec := new(mime.WordDecoder)
	for _, m := range got {
		inHeader := true
		for _, line := range rawLines(m.Raw) {
			if len(line) > 998 {
				t.Fatalf("%s: a line of %d octets", m.To, len(line))
			}
			if line == "" {
				inHeader = false
			}
			if !inHeader {
				continue
			}
			if len(line) > 78 {
				t.Errorf("%s: a header line of %d characters: %q", m.To, len(line), line)
			}
			for _, w := range encodedWord.FindAllString(line, -1) {
				if len(w) > 75 {
					t.Errorf("%s: an encoded-word of %d characters", m.To, len(w))
				}
				if d, err := dec.Decode(w); err != nil || !utf8.ValidString(d) {
					t.Errorf("%s: encoded-word %q does not decode alone to whole characters: %q %v", m.To, w, d, err)
				}
			}
		}
		subject, err := dec.DecodeHeader(m.Header.Get("Subject"))
		if err != nil || subject != want[m.To] {
			t.Errorf("%s: subject\n%q\nwant\n%q (%v)", m.To, subject, want[m.To], err)
		}
		sender, err := mail.ParseAddress(m.Header.Get("From"))
		if err != nil || sender.Address != "portal@example.com" || sender.Name != strings.TrimSpace(strings.Split(from, "<")[0]) {
			t.Errorf("%s: From %q → %+v %v", m.To, m.Header.Get("From"), sender, err)
		}
		if rcpt, err := mail.ParseAddress(m.Header.Get("To")); err != nil || rcpt.Address != m.To {
			t.Errorf("To %q: %+v %v", m.Header.Get("To"), rcpt, err)
		}
	}
}

func TestMailCarriesNoEscapeSequenceOrBidiControl(t *testing.T) {
	e := newInvEnv(t)
	hostile := "\x1b]0;pwned by mail\x07Eve \u202Egnp.exe\u202C \x1b[2J\x1b[31mRed\x1b[0m\u200B\u2066x\u2069 \u009b31m\x1bP+q\x1b\\ \x07\x08\x7f"
	org := e.org("evil", "Evil "+hostile+" Org")
	user := e.user("EVIL-00001", "eve@example.org", "Eve "+hostile, org)
	e.invite(supportOp, store.NewInvitation{OrgID: org, Name: "Nina New", Email: "nina@example.org", Rights: []string{"billing.view"}})
	if err := e.s.SendResetLink(e.ctx, supportOp, user); err != nil {
		t.Fatal(err)
	}
	e.exec(`UPDATE users SET locked_at = now(), lock_reason = 'threshold', failed_attempts = 5 WHERE id = $1`, user)
	if _, err := e.s.UnlockUsers(e.ctx, supportOp, []int64{user}, "ticket 7", false); err != nil {
		t.Fatal(err)
	}
	// A row queued by another program sharing the schema, with the raw strings.
	e.exec(`INSERT INTO outbox (kind, user_id, recipient, lang, subject, body, message_id, created_at, next_attempt_at)
		VALUES ('notice', $1, 'eve@example.org', 'en', $2, $3, '<raw@gatehouse>', $4, $4)`, user, "Notice "+hostile, "Hello "+hostile+"\nbye", e.clk.now())
	if n := e.count(`SELECT count(*) FROM outbox WHERE status = 'pending'`); n < 4 {
		t.Fatalf("%d e-mails queued, want at least 4", n)
	}
	sink := smtptest.Start(t, smtptest.Options{})
	rep, err := e.s.DeliverDue(e.ctx, store.MailerConfig{SMTPURL: sink.URL(), From: "portal@example.com", Timeout: 5 * time.Second})
	if err != nil || rep.Retry+rep.Failed != 0 || rep.Sent < 4 {
		t.Fatalf("delivery %+v %v", rep, err)
	}
	forbidden := regexp.MustCompile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u0080-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
	dec := new(mime.WordDecoder)
	for _, m := range sink.Messages() {
		if bytes.IndexByte(m.Raw, 0x1b) >= 0 || bytes.IndexByte(m.Raw, 0x07) >= 0 {
			t.Fatalf("raw DATA holds an ESC or BEL:\n%q", m.Raw)
		}
		subject, err := dec.DecodeHeader(m.Header.Get("Subject"))
		if err != nil {
			t.Fatal(err)
		}
		// The whole body, decoded (quoted-printable) again from the raw DATA.
		msg, err := mail.ReadMessage(bytes.NewReader(m.Raw))
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
		if err != nil {
			t.Fatal(err)
		}
		for where, text := range map[string]string{"subject": subject, "body": string(body)} {
			if loc := forbidden.FindStringIndex(text); loc != nil {
				t.Errorf("%s of the e-mail to %s holds %q:\n%q", where, m.To, text[loc[0]:loc[1]], text)
			}
			if strings.Contains(text, "pwned") || strings.Contains(text, "[2J") || strings.Contains(text, "31m") {
				t.Errorf("%s of the e-mail to %s holds an escape sequence's text:\n%q", where, m.To, text)
			}
		}
		if !strings.Contains(string(body), "Eve") && !strings.Contains(subject, "Evil") && !strings.Contains(string(body), "Evil") {
			t.Errorf("the e-mail to %s lost the names themselves:\n%s\n%s", m.To, subject, body)
		}
	}
}
