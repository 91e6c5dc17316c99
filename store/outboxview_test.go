package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatehouse/model"
	"gatehouse/store"
	"gatehouse/store/demodata"
	"gatehouse/store/smtptest"
	"gatehouse/store/storetest"
)

// outboxWorld: acme (Ada, whose mailbox the server refuses, and Abe) and globex (Gus); a
// support, an admin of acme, an oncall; a real SMTP server on 127.0.0.1.
type outboxWorld struct {
	*acct
	acme, globex           int64
	ada, abe, gus          int64
	support, admin, oncall model.Operator
	sink                   *smtptest.Server
	cfg                    store.MailerConfig
}

const refusedMailbox = "ada.nobody@example.org"

func newOutboxWorld(t *testing.T) *outboxWorld {
	t.Helper()
	w := &outboxWorld{acct: newAcct(t)}
	w.acme, w.globex = w.org("acme", "Acme"), w.org("globex", "Globex")
	w.ada = w.user("ACME-ADA01", refusedMailbox, "Ada Nobody", w.acme)
	w.abe = w.user("ACME-ABE02", "abe@example.org", "Abe Acme", w.acme)
	w.gus = w.user("GLOB-GUS01", "gus@example.org", "Gus Globex", w.globex)
	w.support = w.operator("sue", model.RoleSupport, nil)
	w.admin = w.operator("adam", model.RoleAdmin, []string{"acme"})
	w.oncall = w.operator("otto", model.RoleOncall, nil)
	w.sink = smtptest.Start(t, smtptest.Options{Refuse: []string{refusedMailbox}})
	w.cfg = store.MailerConfig{SMTPURL: w.sink.URL(), From: "portal@example.com", Hostname: "test",
		Timeout: 5 * time.Second, BaseBackoff: time.Minute}
	return w
}

// deliver runs the mailer's rounds until nothing more is due.
func (w *outboxWorld) deliver() store.DeliveryReport {
	w.t.Helper()
	rep, err := w.s.DeliverDue(w.ctx, w.cfg)
	if err != nil {
		w.t.Fatal(err)
	}
	return rep
}

// lastMail is the id of the user's newest e-mail of the kind.
func (w *outboxWorld) lastMail(userID int64, kind string) int64 {
	w.t.Helper()
	var id int64
	if err := w.s.DB().Get(&id, `SELECT id FROM outbox WHERE user_id = $1 AND kind = $2 ORDER BY id DESC LIMIT 1`, userID, kind); err != nil {
		w.t.Fatal(err)
	}
	return id
}

func (w *outboxWorld) list(op model.Operator, q store.OutboxQuery) []store.OutboxMail {
	w.t.Helper()
	page, err := w.s.ListOutbox(w.ctx, op, q)
	if err != nil {
		w.t.Fatalf("%s lists the outbox: %v", op.Name, err)
	}
	return page.Mails
}

func mailIDs(ms []store.OutboxMail) []int64 {
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

func find(ms []store.OutboxMail, id int64) (store.OutboxMail, bool) {
	for _, m := range ms {
		if m.ID == id {
			return m, true
		}
	}
	return store.OutboxMail{}, false
}

// A reset link the server refuses (550) is failed with the server's answer and its link
// dropped; the Outbox lists it (and the pending ones) scoped as accounts are: support and
// oncall read everything, an admin only the e-mails of their organizations' accounts and
// invitations. Pages follow the keyset.
func TestOutboxListScopedPerRole(t *testing.T) {
	w := newOutboxWorld(t)
	w.exec(`UPDATE outbox SET status = 'sent'`) // nothing from the setup
	for _, id := range []int64{w.ada, w.gus} {
		if err := w.s.SendResetLink(w.ctx, w.support, id); err != nil {
			t.Fatal(err)
		}
	}
	adaLink, gusLink := w.lastMail(w.ada, "reset_link"), w.lastMail(w.gus, "reset_link")
	w.exec(`UPDATE outbox SET status = 'sent', sealed_secret = NULL WHERE id <> $1`, adaLink) // Gus's waits below
	if rep := w.deliver(); rep.Failed != 1 || rep.Sent != 0 {
		t.Fatalf("delivery round: %+v", rep)
	}
	w.exec(`UPDATE outbox SET status = 'pending' WHERE id = $1`, gusLink)
	inv, _, err := w.s.CreateInvitation(w.ctx, w.admin, store.NewInvitation{OrgID: w.acme, Name: "Ivy New",
		Email: "ivy@example.org", Rights: []string{"billing.view"}})
	if err != nil {
		t.Fatal(err)
	}
	var invMail int64
	if err := w.s.DB().Get(&invMail, `SELECT id FROM outbox WHERE invitation_id = $1`, inv.ID); err != nil {
		t.Fatal(err)
	}

	all := w.list(w.support, store.OutboxQuery{})
	if got, want := mailIDs(all), []int64{invMail, gusLink, adaLink}; !slices.Equal(got, want) {
		t.Fatalf("support's outbox: %v, want %v (newest first)", got, want)
	}
	failed, _ := find(all, adaLink)
	if failed.Status != store.MailFailed || !strings.Contains(failed.LastError, "550") || !strings.Contains(failed.LastError, "no such mailbox") ||
		!failed.LinkDropped || failed.Kind != "reset_link" || failed.UserLogin != "ACME-ADA01" || failed.Recipient != refusedMailbox ||
		!slices.Equal(failed.Orgs, []string{"acme"}) || failed.Attempts != 1 {
		t.Fatalf("the refused reset link reads %+v", failed)
	}
	if m, _ := find(all, invMail); m.Kind != "invitation" || !slices.Equal(m.Orgs, []string{"acme"}) || m.LinkDropped || m.Status != store.MailPending {
		t.Fatalf("the invitation's e-mail reads %+v", m)
	}
	if got := mailIDs(w.list(w.oncall, store.OutboxQuery{})); !slices.Equal(got, mailIDs(all)) {
		t.Fatalf("oncall reads %v, support %v", got, mailIDs(all))
	}
	if got, want := mailIDs(w.list(w.admin, store.OutboxQuery{})), []int64{invMail, adaLink}; !slices.Equal(got, want) {
		t.Fatalf("acme's admin reads %v, want %v (not Gus's e-mail)", got, want)
	}
	if got, want := mailIDs(w.list(w.support, store.OutboxQuery{Status: store.MailFailed})), []int64{adaLink}; !slices.Equal(got, want) {
		t.Fatalf("failed only: %v, want %v", got, want)
	}
	if got, want := mailIDs(w.list(w.support, store.OutboxQuery{Status: store.MailPending})), []int64{invMail, gusLink}; !slices.Equal(got, want) {
		t.Fatalf("pending only: %v, want %v", got, want)
	}
	if _, err := w.s.ListOutbox(w.ctx, w.support, store.OutboxQuery{Status: "sent"}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("a sent filter: %v", err)
	}
	// Keyset pages of one.
	var paged []int64
	q := store.OutboxQuery{Limit: 1}
	for {
		page, err := w.s.ListOutbox(w.ctx, w.support, q)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, mailIDs(page.Mails)...)
		if !page.HasNext {
			break
		}
		q.Before = page.Last
	}
	if !slices.Equal(paged, mailIDs(all)) {
		t.Fatalf("paged %v, want %v", paged, mailIDs(all))
	}

	// One e-mail, and an account's recent e-mails, scoped the same way.
	if _, err := w.s.GetMail(w.ctx, w.admin, gusLink); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("acme's admin reads Gus's e-mail: %v", err)
	}
	if m, err := w.s.GetMail(w.ctx, w.admin, adaLink); err != nil || m.ID != adaLink {
		t.Fatalf("acme's admin reads Ada's e-mail: %+v %v", m, err)
	}
	if ms, err := w.s.UserMail(w.ctx, w.admin, w.gus, 10); err != nil || len(ms) != 0 {
		t.Fatalf("acme's admin reads %d of Gus's e-mails (%v)", len(ms), err)
	}
	ms, err := w.s.UserMail(w.ctx, w.admin, w.ada, 10)
	if err != nil || len(ms) == 0 || ms[0].ID != adaLink || ms[0].Status != store.MailFailed || !strings.Contains(ms[0].LastError, "550") {
		t.Fatalf("Ada's recent e-mails: %+v %v", ms, err)
	}
	for i := 1; i < len(ms); i++ {
		if ms[i].ID > ms[i-1].ID {
			t.Fatalf("Ada's e-mails are not newest first: %v", mailIDs(ms))
		}
	}
	if ms, _ := w.s.UserMail(w.ctx, w.support, w.ada, 1); len(ms) != 1 {
		t.Fatalf("a limit of 1 gave %d e-mails", len(ms))
	}
}

// Retry and cancel are support's, audited in their transaction, refused to a read-only
// session (nothing written), and follow the rules of an e-mail's link.
func TestOutboxRetryAndCancelAudited(t *testing.T) {
	w := newOutboxWorld(t)
	// A notice (no link) to Ada is refused for good; a reset link to Abe waits for its retry.
	if _, err := w.s.UnlockUsers(w.ctx, w.support, []int64{w.ada}, "called", false); err != nil {
		t.Fatal(err)
	}
	notice := w.lastMail(w.ada, "notice")
	if err := w.s.SendResetLink(w.ctx, w.support, w.abe); err != nil {
		t.Fatal(err)
	}
	link := w.lastMail(w.abe, "reset_link")
	w.exec(`UPDATE outbox SET status = 'sent', sealed_secret = NULL WHERE id NOT IN ($1, $2)`, notice, link)
	w.exec(`UPDATE outbox SET next_attempt_at = $2 WHERE id = $1`, link, w.clock().Add(30*time.Minute))
	if rep := w.deliver(); rep.Failed != 1 {
		t.Fatalf("delivery round: %+v", rep)
	}
	audits := func(action string) int {
		return w.count(`SELECT count(*) FROM audit_entries WHERE action = $1`, action)
	}

	// Refused: admin and oncall (support's actions), a read-only support session.
	before := dbChecksums(t, w.s)
	roSupport := w.support
	roSupport.ReadOnly = true
	for _, c := range []struct {
		op   model.Operator
		want error
	}{{w.admin, store.ErrForbidden}, {w.oncall, store.ErrForbidden}, {roSupport, store.ErrReadOnly}} {
		if _, err := w.s.RetryMail(w.ctx, c.op, notice); !errors.Is(err, c.want) {
			t.Errorf("%s (read-only %v) retries: %v, want %v", c.op.Name, c.op.ReadOnly, err, c.want)
		}
		if _, err := w.s.CancelMail(w.ctx, c.op, link); !errors.Is(err, c.want) {
			t.Errorf("%s (read-only %v) cancels: %v, want %v", c.op.Name, c.op.ReadOnly, err, c.want)
		}
	}
	if ch := changedTables(before, dbChecksums(t, w.s)); len(ch) > 0 {
		t.Fatalf("refused retries and cancels changed %v", ch)
	}

	// Retry the failed notice: due now, audited; once the mailbox exists it is sent.
	m, err := w.s.RetryMail(w.ctx, w.support, notice)
	if err != nil || m.Status != store.MailPending || !m.NextAttemptAt.Equal(w.clock()) {
		t.Fatalf("retry: %+v %v", m, err)
	}
	if n := audits("mail.retry"); n != 1 {
		t.Fatalf("%d mail.retry audit rows", n)
	}
	var summary string
	var target *int64
	if err := w.s.DB().QueryRow(`SELECT summary, target_user_id FROM audit_entries WHERE action = 'mail.retry'`).Scan(&summary, &target); err != nil {
		t.Fatal(err)
	}
	if target == nil || *target != w.ada || !strings.Contains(summary, "ACME-ADA01") || !strings.Contains(summary, "failed") {
		t.Fatalf("the retry's audit row: %q about %v", summary, target)
	}
	w.sink.Refuse()
	if rep := w.deliver(); rep.Sent != 1 || rep.Claimed != 1 {
		t.Fatalf("after the retry: %+v (only the notice is due)", rep)
	}
	if r := w.mailRow(notice); r.Status != store.MailSent || r.Attempts != 2 {
		t.Fatalf("the notice after its retry: %+v", r)
	}

	// Retry the pending reset link (its backoff not over): due now, and delivered.
	if _, err := w.s.RetryMail(w.ctx, w.support, link); err != nil {
		t.Fatal(err)
	}
	if rep := w.deliver(); rep.Sent != 1 {
		t.Fatalf("the retried link: %+v", rep)
	}
	if _, err := w.s.RetryMail(w.ctx, w.support, link); !isRefusal(err, store.MailNotOpen, "") {
		t.Fatalf("retrying a sent e-mail: %v", err)
	}

	// Cancel a pending reset link: cancelled, its link dropped, never sent, audited.
	if err := w.s.SendResetLink(w.ctx, w.support, w.abe); err != nil {
		t.Fatal(err)
	}
	link2 := w.lastMail(w.abe, "reset_link")
	if m, err := w.s.CancelMail(w.ctx, w.support, link2); err != nil || m.Status != store.MailCancelled {
		t.Fatalf("cancel: %+v %v", m, err)
	}
	if r := w.mailRow(link2); r.Status != store.MailCancelled || r.Sealed != nil {
		t.Fatalf("the cancelled link: %+v", r)
	}
	if n := audits("mail.cancel"); n != 1 {
		t.Fatalf("%d mail.cancel audit rows", n)
	}
	if rep := w.deliver(); rep.Claimed != 0 {
		t.Fatalf("the mailer took a cancelled e-mail: %+v", rep)
	}
	if _, err := w.s.CancelMail(w.ctx, w.support, link2); !isRefusal(err, store.MailNotPending, "") {
		t.Fatalf("cancelling twice: %v", err)
	}
	if _, err := w.s.CancelMail(w.ctx, w.support, 999999); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("cancelling no e-mail: %v", err)
	}
	if n := audits("mail.cancel") + audits("mail.retry"); n != 3 {
		t.Fatalf("%d audit rows after the refusals, want 3", n)
	}
}

func isRefusal(err error, reason, remedy string) bool {
	r, ok := store.IsMailRefusal(err)
	return ok && r.Reason == reason && r.Remedy == remedy && errors.Is(err, store.ErrInvalid)
}

// An e-mail whose link is gone cannot be sent again as it is: the refusal says why and which
// action makes a new one; nothing is written.
func TestOutboxRetryRefusesALinkThatNoLongerWorks(t *testing.T) {
	w := newOutboxWorld(t)
	w.exec(`UPDATE outbox SET status = 'sent'`)
	// Ada's reset link is refused (550): its link was dropped.
	if err := w.s.SendResetLink(w.ctx, w.support, w.ada); err != nil {
		t.Fatal(err)
	}
	dropped := w.lastMail(w.ada, "reset_link")
	// An invitation to a refused mailbox, refused too.
	inv, _, err := w.s.CreateInvitation(w.ctx, w.support, store.NewInvitation{OrgID: w.acme, Name: "Nobody Else",
		Email: "nobody.else@example.org", Rights: []string{"billing.view"}})
	if err != nil {
		t.Fatal(err)
	}
	var invMail int64
	if err := w.s.DB().Get(&invMail, `SELECT id FROM outbox WHERE invitation_id = $1`, inv.ID); err != nil {
		t.Fatal(err)
	}
	w.sink.Refuse(refusedMailbox)
	w.exec(`UPDATE outbox SET recipient = $2 WHERE id = $1`, invMail, refusedMailbox)
	if rep := w.deliver(); rep.Failed != 2 {
		t.Fatalf("delivery round: %+v", rep)
	}
	// Abe gets two reset links: the first, still pending, no longer works.
	for i := 0; i < 2; i++ {
		if err := w.s.SendResetLink(w.ctx, w.support, w.abe); err != nil {
			t.Fatal(err)
		}
	}
	var abeLinks []int64
	if err := w.s.DB().Select(&abeLinks, `SELECT id FROM outbox WHERE user_id = $1 AND kind = 'reset_link' ORDER BY id`, w.abe); err != nil {
		t.Fatal(err)
	}
	// Gus's reset link is pending past its lifetime.
	if err := w.s.SendResetLink(w.ctx, w.support, w.gus); err != nil {
		t.Fatal(err)
	}
	expired := w.lastMail(w.gus, "reset_link")
	w.exec(`UPDATE outbox SET created_at = $2 WHERE id = $1`, expired, w.clock().Add(-store.ResetLinkTTL-time.Minute))

	before := dbChecksums(t, w.s)
	for _, c := range []struct {
		what           string
		id             int64
		reason, remedy string
		says           string
	}{
		{"a refused reset link", dropped, store.MailLinkDropped, store.MailRemedyNewResetLink, "send a new reset link"},
		{"a refused invitation", invMail, store.MailLinkDropped, store.MailRemedyResendInvitation, "resend the invitation"},
		{"a replaced reset link", abeLinks[0], store.MailLinkReplaced, store.MailRemedyNewResetLink, "new link"},
		{"an expired reset link", expired, store.MailLinkExpired, store.MailRemedyNewResetLink, "expired"},
	} {
		_, err := w.s.RetryMail(w.ctx, w.support, c.id)
		if !isRefusal(err, c.reason, c.remedy) {
			t.Errorf("%s: %v, want the refusal %s/%s", c.what, err, c.reason, c.remedy)
			continue
		}
		if !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %q does not say %q", c.what, err, c.says)
		}
	}
	if ch := changedTables(before, dbChecksums(t, w.s)); len(ch) > 0 {
		t.Fatalf("refused retries changed %v", ch)
	}
	list := w.list(w.support, store.OutboxQuery{})
	if m, _ := find(list, abeLinks[0]); m.ReplacedBy == nil || *m.ReplacedBy != abeLinks[1] {
		t.Fatalf("Abe's first link reads %+v, want replaced by #%d", m, abeLinks[1])
	}
	if m, _ := find(list, abeLinks[1]); m.ReplacedBy != nil {
		t.Fatalf("Abe's newest link reads replaced by %d", *m.ReplacedBy)
	}
	// The remedy works: a new reset link for Ada, a new invitation e-mail.
	if err := w.s.SendResetLink(w.ctx, w.support, w.ada); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.s.ResendInvitation(w.ctx, w.support, inv.ID); err != nil {
		t.Fatal(err)
	}
	// The newest link to Abe can be retried.
	if _, err := w.s.RetryMail(w.ctx, w.support, abeLinks[1]); err != nil {
		t.Fatalf("retrying the newest link: %v", err)
	}
	// A revoked invitation's e-mail has nothing to send, and nothing makes a new one.
	if _, err := w.s.RevokeInvitation(w.ctx, w.support, inv.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.RetryMail(w.ctx, w.support, invMail); !isRefusal(err, store.MailInvitationClosed, "") {
		t.Fatalf("retrying a revoked invitation's e-mail: %v", err)
	}
}

// The console's look for failures: nothing on the first look; then each e-mail that fails
// for good is reported once, in the operator's scope, including one that was pending before
// the first look.
func TestOutboxMailFailuresReportedOnce(t *testing.T) {
	w := newOutboxWorld(t)
	w.exec(`UPDATE outbox SET status = 'sent'`)
	// Pending before the session looks: Ada's reset link (refused later) and Gus's.
	for _, id := range []int64{w.ada, w.gus} {
		if err := w.s.SendResetLink(w.ctx, w.support, id); err != nil {
			t.Fatal(err)
		}
	}
	w.exec(`UPDATE outbox SET next_attempt_at = $1`, w.clock().Add(time.Hour)) // not due yet
	look := func(op model.Operator, mw store.MailWatch) ([]store.OutboxMail, store.MailWatch) {
		t.Helper()
		f, next, err := w.s.MailFailures(w.ctx, op, mw)
		if err != nil {
			t.Fatal(err)
		}
		return f, next
	}
	sup, supW := look(w.support, store.MailWatch{})
	adm, admW := look(w.admin, store.MailWatch{})
	if len(sup)+len(adm) != 0 {
		t.Fatal("the first look reported failures")
	}
	// New e-mails: Gus's mailbox is refused now too (a new reset link), and Abe's notice works.
	w.sink.Refuse("gus@example.org")
	if err := w.s.SendResetLink(w.ctx, w.support, w.gus); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.UnlockUsers(w.ctx, w.support, []int64{w.abe}, "called", false); err != nil {
		t.Fatal(err)
	}
	if rep := w.deliver(); rep.Failed != 1 || rep.Sent != 1 {
		t.Fatalf("first round: %+v", rep)
	}
	sup, supW = look(w.support, supW)
	adm, admW = look(w.admin, admW)
	if len(sup) != 1 || sup[0].UserLogin != "GLOB-GUS01" || !strings.Contains(sup[0].LastError, "550") {
		t.Fatalf("support's look: %+v", sup)
	}
	if len(adm) != 0 {
		t.Fatalf("acme's admin was told of Gus's failure: %+v", adm)
	}
	if again, _ := look(w.support, supW); len(again) != 0 {
		t.Fatalf("a failure reported twice: %+v", again)
	}
	// The e-mails pending before the first look fall due: Ada's is refused.
	w.sink.Refuse(refusedMailbox)
	w.advance(2 * time.Hour)
	if rep := w.deliver(); rep.Failed != 1 || rep.Sent != 1 {
		t.Fatalf("second round: %+v", rep)
	}
	sup, _ = look(w.support, supW)
	adm, _ = look(w.admin, admW)
	for who, got := range map[string][]store.OutboxMail{"support": sup, "admin": adm} {
		if len(got) != 1 || got[0].UserLogin != "ACME-ADA01" || got[0].Kind != "reset_link" {
			t.Errorf("%s's look after Ada's refusal: %+v", who, got)
		}
	}
}

// The Users list marks an account whose latest e-mail failed; a later e-mail clears it.
func TestUsersListMarksAFailedLatestMail(t *testing.T) {
	w := newOutboxWorld(t)
	w.exec(`UPDATE outbox SET status = 'sent'`)
	if err := w.s.SendResetLink(w.ctx, w.support, w.ada); err != nil {
		t.Fatal(err)
	}
	if rep := w.deliver(); rep.Failed != 1 {
		t.Fatalf("delivery: %+v", rep)
	}
	marked := func(op model.Operator) map[string]bool {
		t.Helper()
		page, err := w.s.ListUsers(w.ctx, op, store.UserQuery{})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, u := range page.Users {
			out[u.Login] = u.MailFailed
		}
		return out
	}
	for _, op := range []model.Operator{w.support, w.admin} {
		if m := marked(op); !m["ACME-ADA01"] || m["ACME-ABE02"] || m["GLOB-GUS01"] {
			t.Fatalf("%s's Users list marks %v", op.Name, m)
		}
	}
	if err := w.s.SendResetLink(w.ctx, w.support, w.ada); err != nil { // queued: not failed (yet)
		t.Fatal(err)
	}
	if m := marked(w.support); m["ACME-ADA01"] {
		t.Fatalf("after a new e-mail: %v", m)
	}
}

// seedOutbox gives every account of a seeded database sent e-mails (perUser of them) and a
// few open ones: every tenth account's latest e-mail failed, every hundredth has one pending.
func seedOutbox(t testing.TB, s *store.Store, perUser int) {
	t.Helper()
	if _, err := s.DB().Exec(`INSERT INTO outbox (kind, user_id, recipient, subject, body, message_id, status, attempts, created_at, next_attempt_at, sent_at)
		SELECT 'notice', u.id, u.email, 'Notice', 'Hello', '<seed-' || u.id || '-' || g || '@gatehouse>', 'sent', 1, now(), now(), now()
		FROM users u CROSS JOIN generate_series(1, $1) g`, perUser); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(`INSERT INTO outbox (kind, user_id, recipient, subject, body, message_id, status, attempts, last_error, created_at, next_attempt_at)
		SELECT 'reset_link', u.id, u.email, 'Reset', 'Link: {{secret}}', '<seed-open-' || u.id || '@gatehouse>',
		       CASE WHEN u.id % 10 = 0 THEN 'failed' ELSE 'pending' END, 1, 'SMTP RCPT: 550 5.1.1 no such mailbox', now(), now()
		FROM users u WHERE u.id % 10 = 0 OR u.id % 100 = 1`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(`VACUUM ANALYZE outbox`); err != nil {
		t.Fatal(err)
	}
}

// The outbox's reads walk their indexes, never the whole outbox (nearly all of it sent): the
// Outbox list and the failure look use outbox_open, an account's e-mails and the Users list's
// mark use outbox_user.
func TestOutboxQueriesUseTheirIndexes(t *testing.T) {
	tr := &store.Tracer{}
	s := storetest.New(t, func(c *store.Config) { c.Tracer = tr })
	ctx := context.Background()
	if _, err := demodata.Load(ctx, s.DB(), demodata.Options{Users: 3000, Events: 3000, Orgs: 20, Seed: 3}, nil); err != nil {
		t.Fatal(err)
	}
	seedOutbox(t, s, 5)
	if _, err := s.DB().Exec(`VACUUM ANALYZE`); err != nil {
		t.Fatal(err)
	}
	var userID, orgID, mailID int64
	if err := s.DB().Get(&userID, `SELECT user_id FROM outbox WHERE status = 'failed' LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	if err := s.DB().Get(&orgID, `SELECT org_id FROM memberships WHERE user_id = $1 LIMIT 1`, userID); err != nil {
		t.Fatal(err)
	}
	if err := s.DB().Get(&mailID, `SELECT id FROM outbox WHERE status = 'failed' LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	op := model.Operator{Name: "plans", Role: model.RoleSupport}
	admin := model.Operator{Name: "plans-admin", Role: model.RoleAdmin, OrgIDs: []int64{orgID}}
	_, watch, err := s.MailFailures(ctx, op, store.MailWatch{})
	if err != nil {
		t.Fatal(err)
	}
	_, adminWatch, err := s.MailFailures(ctx, admin, store.MailWatch{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, index string
		run         func() error
	}{
		{"outbox list", "outbox_open", func() error { _, err := s.ListOutbox(ctx, op, store.OutboxQuery{}); return err }},
		{"outbox list, failed", "outbox_open", func() error {
			_, err := s.ListOutbox(ctx, op, store.OutboxQuery{Status: store.MailFailed})
			return err
		}},
		{"outbox list, next page", "outbox_open", func() error {
			_, err := s.ListOutbox(ctx, op, store.OutboxQuery{Before: mailID})
			return err
		}},
		{"outbox list, an admin", "outbox_open", func() error { _, err := s.ListOutbox(ctx, admin, store.OutboxQuery{}); return err }},
		{"failure look, first", "", func() error { _, _, err := s.MailFailures(ctx, op, store.MailWatch{}); return err }},
		{"failure look", "outbox_open", func() error { _, _, err := s.MailFailures(ctx, op, watch); return err }},
		{"failure look, an admin", "outbox_open", func() error { _, _, err := s.MailFailures(ctx, admin, adminWatch); return err }},
		{"an account's e-mails", "outbox_user", func() error { _, err := s.UserMail(ctx, op, userID, 20); return err }},
		{"one e-mail", "", func() error { _, err := s.GetMail(ctx, op, mailID); return err }},
		{"users first page", "outbox_failed_user", func() error { _, err := s.ListUsers(ctx, op, store.UserQuery{}); return err }},
		{"users, an admin", "outbox_failed_user", func() error { _, err := s.ListUsers(ctx, admin, store.UserQuery{}); return err }},
	}
	for _, c := range cases {
		tr.Start()
		err := c.run()
		stmts := tr.Stop()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		used := false
		for _, q := range stmts {
			sqlText := strings.TrimSpace(q.SQL)
			if up := strings.ToUpper(sqlText); !strings.HasPrefix(up, "SELECT") && !strings.HasPrefix(up, "WITH") {
				continue
			}
			var plan string
			if err := s.DB().Get(&plan, `EXPLAIN (FORMAT JSON) `+sqlText, q.Args...); err != nil {
				t.Fatalf("%s: explain: %v", c.name, err)
			}
			var root []struct {
				Plan map[string]any `json:"Plan"`
			}
			if err := json.Unmarshal([]byte(plan), &root); err != nil {
				t.Fatal(err)
			}
			if rel := seqScanOf(root[0].Plan, "outbox"); rel != "" {
				t.Errorf("%s: sequential scan on the outbox:\n%s", c.name, sqlText)
			}
			used = used || c.index == "" || usesIndex(root[0].Plan, c.index)
		}
		if !used {
			t.Errorf("%s: %s is not used", c.name, c.index)
		}
	}
}

// usesIndex reports whether a plan reads the index.
func usesIndex(node map[string]any, index string) bool {
	if node["Index Name"] == index {
		return true
	}
	kids, _ := node["Plans"].([]any)
	for _, k := range kids {
		if m, ok := k.(map[string]any); ok && usesIndex(m, index) {
			return true
		}
	}
	return false
}

// BenchmarkUsersPageMailMark: the Users list's first page (and a page at depth) with the
// mark of a failed latest e-mail, beside the same SQL without it, at 100,000 accounts with
// 300,000 e-mails. GATEHOUSE_BENCH_USERS sets another size.
func BenchmarkUsersPageMailMark(b *testing.B) {
	users := 100000
	if n, err := strconv.Atoi(os.Getenv("GATEHOUSE_BENCH_USERS")); err == nil && n > 0 {
		users = n
	}
	tr := &store.Tracer{}
	s := storetest.New(b, func(c *store.Config) { c.Tracer, c.StatementTimeout = tr, 10*time.Minute })
	ctx := context.Background()
	if _, err := demodata.Load(ctx, s.DB(), demodata.Options{Users: users, Events: users, Seed: 5}, nil); err != nil {
		b.Fatal(err)
	}
	seedOutbox(b, s, 3)
	if _, err := s.DB().Exec(`VACUUM ANALYZE`); err != nil {
		b.Fatal(err)
	}
	op := model.Operator{Name: "bench", Role: model.RoleSupport}
	deep := &store.Cursor{}
	if err := s.DB().QueryRowx(`SELECT name, id FROM users WHERE status <> 'deleted' ORDER BY name, id OFFSET $1 LIMIT 1`,
		users*9/10).Scan(&deep.Name, &deep.ID); err != nil {
		b.Fatal(err)
	}
	mark := regexp.MustCompile(`EXISTS \(SELECT 1 FROM outbox f WHERE f\.user_id = u\.id AND f\.status = 'failed'\s+AND NOT EXISTS \(SELECT 1 FROM outbox n WHERE n\.user_id = u\.id AND n\.id > f\.id\)\)`)
	for _, c := range []struct {
		name string
		q    store.UserQuery
	}{{"first page", store.UserQuery{}}, {"page at depth", store.UserQuery{After: deep}}} {
		tr.Start()
		page, err := s.ListUsers(ctx, op, c.q)
		stmts := tr.Stop()
		if err != nil {
			b.Fatal(err)
		}
		marked := 0
		for _, u := range page.Users {
			if u.MailFailed {
				marked++
			}
		}
		var pageSQL store.TracedQuery
		for _, q := range stmts {
			if mark.MatchString(q.SQL) {
				pageSQL = q
			}
		}
		if pageSQL.SQL == "" {
			b.Fatalf("%s: no statement holds the mark", c.name)
		}
		without := mark.ReplaceAllString(pageSQL.SQL, "false")
		// The two statements alternate, so that a noisy machine weighs on both alike; the
		// shared buffers each reads are the measure noise does not move.
		b.Run(c.name, func(b *testing.B) {
			var with, bare []time.Duration
			for b.Loop() {
				for i, sqlText := range []string{pageSQL.SQL, without} {
					t0 := time.Now()
					rows, err := s.DB().Query(sqlText, pageSQL.Args...)
					if err != nil {
						b.Fatal(err)
					}
					for rows.Next() {
					}
					rows.Close()
					if i == 0 {
						with = append(with, time.Since(t0))
					} else {
						bare = append(bare, time.Since(t0))
					}
				}
			}
			b.ReportMetric(median(with), "marked-ms")
			b.ReportMetric(median(bare), "unmarked-ms")
			b.ReportMetric(float64(sharedHits(b, s, pageSQL.SQL, pageSQL.Args)), "marked-buffers")
			b.ReportMetric(float64(sharedHits(b, s, without, pageSQL.Args)), "unmarked-buffers")
			b.ReportMetric(float64(marked), "marked-rows")
		})
	}
}

func median(ds []time.Duration) float64 {
	slices.Sort(ds)
	return float64(ds[len(ds)/2]) / float64(time.Millisecond)
}

// sharedHits is the number of shared buffers a statement reads (EXPLAIN ANALYZE, BUFFERS).
func sharedHits(b *testing.B, s *store.Store, sqlText string, args []any) int64 {
	b.Helper()
	var plan string
	if err := s.DB().Get(&plan, `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) `+sqlText, args...); err != nil {
		b.Fatal(err)
	}
	var root []struct {
		Plan struct {
			Hit  int64 `json:"Shared Hit Blocks"`
			Read int64 `json:"Shared Read Blocks"`
		} `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(plan), &root); err != nil {
		b.Fatal(err)
	}
	return root[0].Plan.Hit + root[0].Plan.Read
}
