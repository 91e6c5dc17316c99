package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"gatehouse/model"
)

// The outbox as the console reads it: the e-mails still pending and those that failed, with
// the server's last answer; one account's recent e-mails; the look for new delivery failures
// a console session makes every few seconds; and support's retry and cancel. Nothing here
// ever reads a body or a link: an e-mail is shown by its kind, recipient, subject and state.
//
// An operator reads the outbox as they read accounts: support and oncall read all of it; an
// admin reads the e-mails of an invitation of one of their organizations, and the other
// e-mails of an account that is a member of one of them. Retry and cancel are support's.

// Outbox statuses.
const (
	MailPending   = "pending"
	MailSent      = "sent"
	MailFailed    = "failed"
	MailCancelled = "cancelled"
)

// OutboxMail is one e-mail of the outbox as the console shows it: never its body, never its
// link.
type OutboxMail struct {
	ID           int64  `json:"id"`
	Kind         string `json:"kind"` // invitation, reset_link, login_code, notice
	Recipient    string `json:"recipient"`
	Subject      string `json:"subject"`
	UserID       *int64 `json:"user_id"`
	UserLogin    string `json:"user_login,omitempty"`
	UserName     string `json:"user_name,omitempty"`
	InvitationID *int64 `json:"invitation_id"`
	// Orgs are the organizations the e-mail concerns, within the operator's scope: the
	// invitation's, else the account's.
	Orgs          []string   `json:"orgs"`
	Status        string     `json:"status"`
	Attempts      int        `json:"attempts"`
	LastError     string     `json:"last_error,omitempty"` // the server's last answer (secrets redacted)
	CreatedAt     time.Time  `json:"created_at"`
	NextAttemptAt time.Time  `json:"next_attempt_at"`
	SentAt        *time.Time `json:"sent_at"`
	// LinkDropped: the e-mail carries a link whose secret is gone (dropped when it failed or
	// was cancelled): it can never be sent again as it is.
	LinkDropped bool `json:"link_dropped"`
	// ReplacedBy is a later e-mail with a new link for the same purpose (a newer reset link
	// to the account, the invitation sent again): this one's link no longer works.
	ReplacedBy *int64 `json:"replaced_by"`
}

type outboxMailRow struct {
	ID            int64          `db:"id"`
	Kind          string         `db:"kind"`
	Recipient     string         `db:"recipient"`
	Subject       string         `db:"subject"`
	UserID        *int64         `db:"user_id"`
	UserLogin     string         `db:"user_login"`
	UserName      string         `db:"user_name"`
	InvitationID  *int64         `db:"invitation_id"`
	Orgs          pq.StringArray `db:"orgs"`
	Status        string         `db:"status"`
	Attempts      int            `db:"attempts"`
	LastError     string         `db:"last_error"`
	CreatedAt     time.Time      `db:"created_at"`
	NextAttemptAt time.Time      `db:"next_attempt_at"`
	SentAt        *time.Time     `db:"sent_at"`
	LinkDropped   bool           `db:"link_dropped"`
	ReplacedBy    *int64         `db:"replaced_by"`
	Visible       bool           `db:"visible"`
}

func (r outboxMailRow) mail() OutboxMail {
	orgs := []string(r.Orgs)
	if orgs == nil {
		orgs = []string{}
	}
	return OutboxMail{ID: r.ID, Kind: r.Kind, Recipient: r.Recipient, Subject: r.Subject, UserID: r.UserID,
		UserLogin: r.UserLogin, UserName: r.UserName, InvitationID: r.InvitationID, Orgs: orgs, Status: r.Status,
		Attempts: r.Attempts, LastError: r.LastError, CreatedAt: r.CreatedAt, NextAttemptAt: r.NextAttemptAt,
		SentAt: r.SentAt, LinkDropped: r.LinkDropped, ReplacedBy: r.ReplacedBy}
}

// outboxVisible is the condition "the operator may read the e-mail of alias o" (TRUE for
// support and oncall).
func outboxVisible(b *queryBuilder, op model.Operator) string {
	if op.AllOrgs() {
		return "TRUE"
	}
	orgs := b.arg(int64Array(op.OrgIDs))
	return `(CASE WHEN o.invitation_id IS NOT NULL
		THEN EXISTS (SELECT 1 FROM invitations si WHERE si.id = o.invitation_id AND si.org_id = ANY(` + orgs + `))
		ELSE EXISTS (SELECT 1 FROM memberships sm WHERE sm.user_id = o.user_id AND sm.org_id = ANY(` + orgs + `)) END)`
}

// outboxSelect is the select list of outboxMailRow (alias o), visible being the condition
// outboxVisible wrote. A later e-mail replaces a reset link (the account's older links are
// revoked when a new one is sent) or an invitation's e-mail (sending it again rotates its
// link); both are found through the outbox_user index.
func outboxSelect(b *queryBuilder, op model.Operator, visible string) string {
	scope := ""
	if !op.AllOrgs() {
		scope = " AND m.org_id = ANY(" + b.arg(int64Array(op.OrgIDs)) + ")"
	}
	return `SELECT o.id, o.kind, o.recipient, o.subject, o.user_id, coalesce(u.login_code, '') AS user_login,
		coalesce(u.name, '') AS user_name, o.invitation_id,
		CASE WHEN o.invitation_id IS NOT NULL
			THEN array(SELECT io.slug FROM invitations i JOIN organizations io ON io.id = i.org_id WHERE i.id = o.invitation_id)
			ELSE array(SELECT (SELECT so.slug FROM organizations so WHERE so.id = m.org_id) FROM memberships m
				WHERE m.user_id = o.user_id` + scope + ` ORDER BY 1) END AS orgs,
		o.status, o.attempts, coalesce(o.last_error, '') AS last_error, o.created_at, o.next_attempt_at, o.sent_at,
		(o.sealed_secret IS NULL AND strpos(o.body, '` + SecretPlaceholder + `') > 0) AS link_dropped,
		CASE WHEN o.kind IN ('reset_link', 'invitation') THEN (SELECT n.id FROM outbox n
			WHERE n.user_id = o.user_id AND n.id > o.id AND n.kind = o.kind
			  AND n.invitation_id IS NOT DISTINCT FROM o.invitation_id
			ORDER BY n.id LIMIT 1) END AS replaced_by,
		` + visible + ` AS visible
		FROM outbox o LEFT JOIN users u ON u.id = o.user_id`
}

// OutboxQuery selects a page of the outbox's open e-mails, newest first.
type OutboxQuery struct {
	Status string // MailPending or MailFailed; "" for both
	Before int64  // keyset: e-mails older than this id (0: the newest)
	Limit  int
}

// OutboxPage is one page of the outbox.
type OutboxPage struct {
	Mails   []OutboxMail
	HasNext bool
	Last    int64 // pass as Before for the next page
}

// ListOutbox returns a keyset page of the pending and failed e-mails the operator may read,
// newest first. It walks the outbox_open index, which holds only those e-mails.
func (s *Store) ListOutbox(ctx context.Context, op model.Operator, q OutboxQuery) (OutboxPage, error) {
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 50
	}
	b := &queryBuilder{}
	visible := outboxVisible(b, op)
	sel := outboxSelect(b, op, "TRUE")
	switch q.Status {
	case "":
		b.and("o.status IN ('pending', 'failed')")
	case MailPending, MailFailed:
		b.and("o.status IN ('pending', 'failed') AND o.status = " + b.arg(q.Status))
	default:
		return OutboxPage{}, &DBError{Kind: ErrInvalid, Detail: "the outbox lists pending or failed e-mails"}
	}
	b.and(visible)
	if q.Before > 0 {
		b.and("o.id < " + b.arg(q.Before))
	}
	var rows []outboxMailRow
	if err := s.read.SelectContext(ctx, &rows, sel+b.whereSQL()+" ORDER BY o.id DESC LIMIT "+b.arg(q.Limit+1), b.args...); err != nil {
		return OutboxPage{}, mapErr(err)
	}
	page := OutboxPage{HasNext: len(rows) > q.Limit, Mails: []OutboxMail{}}
	if page.HasNext {
		rows = rows[:q.Limit]
	}
	for _, r := range rows {
		page.Mails = append(page.Mails, r.mail())
	}
	if n := len(rows); n > 0 {
		page.Last = rows[n-1].ID
	}
	return page, nil
}

// GetMail returns one e-mail the operator may read (ErrNotFound otherwise).
func (s *Store) GetMail(ctx context.Context, op model.Operator, id int64) (OutboxMail, error) {
	return s.getMail(ctx, s.read, op, id)
}

func (s *Store) getMail(ctx context.Context, q sqlx.QueryerContext, op model.Operator, id int64) (OutboxMail, error) {
	b := &queryBuilder{}
	sel := outboxSelect(b, op, "TRUE")
	b.and("o.id = " + b.arg(id))
	b.and(outboxVisible(b, op))
	var r outboxMailRow
	if err := sqlx.GetContext(ctx, q, &r, sel+b.whereSQL(), b.args...); err != nil {
		return OutboxMail{}, mapErr(err)
	}
	return r.mail(), nil
}

// UserMail returns the account's most recent e-mails the operator may read, newest first
// (the outbox_user index): sent, pending, failed and cancelled alike. An account outside the
// operator's scope has none.
func (s *Store) UserMail(ctx context.Context, op model.Operator, userID int64, limit int) ([]OutboxMail, error) {
	if limit <= 0 || limit > 200 {
		limit = 20
	}
	b := &queryBuilder{}
	sel := outboxSelect(b, op, "TRUE")
	b.and("o.user_id = " + b.arg(userID))
	b.and(outboxVisible(b, op))
	var rows []outboxMailRow
	if err := s.read.SelectContext(ctx, &rows, sel+b.whereSQL()+" ORDER BY o.id DESC LIMIT "+b.arg(limit), b.args...); err != nil {
		return nil, mapErr(err)
	}
	out := make([]OutboxMail, len(rows))
	for i, r := range rows {
		out[i] = r.mail()
	}
	return out, nil
}

// MailWatch is where a console session's look for delivery failures stands: every e-mail up
// to an id has been looked at, and those of them still pending are looked at again. The
// zero value has not looked yet. The console keeps it between looks and reads nothing in it.
type MailWatch struct {
	started bool
	after   int64
	pending []int64
}

// mailWatchPending bounds the pending e-mails a session keeps looking at (the newest ones):
// during a mail outage the whole queue is pending, and each look stays a few index probes.
const mailWatchPending = 200

// MailFailures returns the e-mails the operator may read that failed for good since the
// previous look, oldest first, and where the look stands now. The first look (a zero w) only
// notes where the outbox stands: the newest e-mail and the pending ones, which are looked at
// again until they are sent, cancelled or fail. Each look is one statement on the
// outbox_open index (pending and failed e-mails only). An e-mail whose transaction commits
// after a later one's was looked at can be missed here; it is on the Outbox screen and the
// account's row all the same.
func (s *Store) MailFailures(ctx context.Context, op model.Operator, w MailWatch) ([]OutboxMail, MailWatch, error) {
	if !w.started {
		b := &queryBuilder{}
		visible := outboxVisible(b, op)
		var start struct {
			After   int64         `db:"after"`
			Pending pq.Int64Array `db:"pending"`
		}
		err := s.read.GetContext(ctx, &start, `SELECT (SELECT coalesce(max(id), 0) FROM outbox) AS after,
			array(SELECT o.id FROM outbox o WHERE o.status = 'pending' AND `+visible+`
			      ORDER BY o.id DESC LIMIT `+b.arg(mailWatchPending)+`) AS pending`, b.args...)
		if err != nil {
			return nil, w, mapErr(err)
		}
		return nil, MailWatch{started: true, after: start.After, pending: start.Pending}, nil
	}
	b := &queryBuilder{}
	visible := outboxVisible(b, op)
	sel := outboxSelect(b, op, visible)
	b.and("o.status IN ('pending', 'failed')")
	b.and("(o.id > " + b.arg(w.after) + " OR o.id = ANY(" + b.arg(int64Array(w.pending)) + "))")
	var rows []outboxMailRow
	if err := s.read.SelectContext(ctx, &rows, sel+b.whereSQL()+" ORDER BY o.id LIMIT 500", b.args...); err != nil {
		return nil, w, mapErr(err)
	}
	next := MailWatch{started: true, after: w.after}
	var failed []OutboxMail
	for _, r := range rows {
		next.after = max(next.after, r.ID)
		switch {
		case !r.Visible:
		case r.Status == MailFailed:
			failed = append(failed, r.mail())
		case r.Status == MailPending:
			next.pending = append(next.pending, r.ID)
		}
	}
	if n := len(next.pending); n > mailWatchPending {
		next.pending = next.pending[n-mailWatchPending:]
	}
	return failed, next, nil
}

// Why an e-mail cannot be sent again as it is.
const (
	MailLinkDropped      = "link_dropped"      // its link was dropped when it failed or was cancelled
	MailLinkReplaced     = "link_replaced"     // a later e-mail carries a new link; this one's no longer works
	MailLinkExpired      = "link_expired"      // the link it carries has expired
	MailInvitationClosed = "invitation_closed" // the invitation was accepted or revoked: nothing to send
	MailNotOpen          = "not_open"          // sent or cancelled already
	MailNotPending       = "not_pending"       // only a pending e-mail can be cancelled
)

// What makes a new e-mail in place of one that cannot be sent again.
const (
	MailRemedyNewResetLink     = "send_reset"        // send the account a new reset link
	MailRemedyResendInvitation = "resend_invitation" // send the invitation again (a new link)
)

// MailRefusal says why an e-mail cannot be sent again as it is (or cancelled), and which
// action makes a new one in its place (Remedy, "" when nothing is to be sent).
type MailRefusal struct {
	MailID int64
	Reason string
	Remedy string
	Status string // the e-mail's status, for MailNotOpen
}

func (e *MailRefusal) Error() string {
	var why string
	switch e.Reason {
	case MailLinkDropped:
		why = "its link was dropped when it failed (a link is never kept after a failure), so it cannot be sent again as it is"
	case MailLinkReplaced:
		why = "a later e-mail carries a new link and this one's no longer works"
	case MailLinkExpired:
		why = "the link it carries has expired"
	case MailInvitationClosed:
		why = "its invitation was accepted or revoked: there is nothing to send"
	case MailNotPending:
		why = "only a pending e-mail can be cancelled, and this one is " + e.Status
	default:
		why = "it is " + e.Status + " already"
	}
	switch e.Remedy {
	case MailRemedyNewResetLink:
		why += "; send a new reset link instead"
	case MailRemedyResendInvitation:
		why += "; resend the invitation instead (a new link)"
	}
	return fmt.Sprintf("e-mail #%d: %s", e.MailID, why)
}

func (e *MailRefusal) Unwrap() error { return ErrInvalid }

// IsMailRefusal returns the refusal in err, if any.
func IsMailRefusal(err error) (*MailRefusal, bool) {
	var r *MailRefusal
	ok := errors.As(err, &r)
	return r, ok
}

// Remedy is the action that makes a new e-mail in place of m when its link is gone
// (MailRemedyNewResetLink, MailRemedyResendInvitation), "" when it carries no link to make
// anew.
func (m OutboxMail) Remedy() string {
	switch {
	case m.Kind == "reset_link" && m.UserID != nil:
		return MailRemedyNewResetLink
	case m.Kind == "invitation" && m.InvitationID != nil:
		return MailRemedyResendInvitation
	}
	return ""
}

// mailForUpdate locks an e-mail the operator may read and returns it.
func (s *Store) mailForUpdate(ctx context.Context, tx *sqlx.Tx, op model.Operator, id int64) (OutboxMail, error) {
	b := &queryBuilder{}
	b.and("o.id = " + b.arg(id))
	b.and(outboxVisible(b, op))
	var locked int64
	if err := tx.GetContext(ctx, &locked, `SELECT o.id FROM outbox o`+b.whereSQL()+` FOR UPDATE OF o`, b.args...); err != nil {
		return OutboxMail{}, mapErr(err)
	}
	return s.getMail(ctx, tx, op, id)
}

// sendable says why m cannot be sent again as it is (nil when it can).
func (s *Store) sendable(ctx context.Context, tx *sqlx.Tx, m OutboxMail) error {
	if m.Status != MailPending && m.Status != MailFailed {
		return &MailRefusal{MailID: m.ID, Reason: MailNotOpen, Status: m.Status}
	}
	var invExpires time.Time
	if m.Kind == "invitation" && m.InvitationID != nil {
		var inv struct {
			Closed  bool      `db:"closed"`
			Expires time.Time `db:"expires_at"`
		}
		if err := tx.GetContext(ctx, &inv, `SELECT accepted_at IS NOT NULL OR revoked_at IS NOT NULL AS closed, expires_at
			FROM invitations WHERE id = $1`, *m.InvitationID); err != nil {
			return err
		}
		if inv.Closed {
			return &MailRefusal{MailID: m.ID, Reason: MailInvitationClosed, Status: m.Status}
		}
		invExpires = inv.Expires
	}
	refuse := func(reason string) error {
		return &MailRefusal{MailID: m.ID, Reason: reason, Remedy: m.Remedy(), Status: m.Status}
	}
	now := s.now()
	switch {
	case m.ReplacedBy != nil:
		return refuse(MailLinkReplaced)
	case m.LinkDropped:
		return refuse(MailLinkDropped)
	case m.Kind == "reset_link" && !m.CreatedAt.Add(ResetLinkTTL).After(now),
		m.Kind == "invitation" && !invExpires.IsZero() && !invExpires.After(now):
		return refuse(MailLinkExpired)
	}
	return nil
}

// mailAuditTarget is whom an e-mail's audit row is about: its account, and the invitation's
// organization.
func mailAuditTarget(ctx context.Context, tx *sqlx.Tx, m OutboxMail) (*int64, *int64, error) {
	if m.InvitationID == nil {
		return m.UserID, nil, nil
	}
	var org int64
	if err := tx.GetContext(ctx, &org, `SELECT org_id FROM invitations WHERE id = $1`, *m.InvitationID); err != nil {
		return nil, nil, err
	}
	return m.UserID, &org, nil
}

// mailWho names an e-mail's account in an audit summary: its login code, else the recipient.
func mailWho(m OutboxMail) string {
	if m.UserLogin != "" {
		return m.UserLogin
	}
	return m.Recipient
}

// mailChange changes the locked e-mail m inside the transaction and says what to audit
// (the audit row is about the e-mail's account and invitation). When it returns an error,
// the entry is ignored and the transaction rolls back.
type mailChange func(tx *sqlx.Tx, m OutboxMail) (auditEntry, error)

// changeMail runs one support action on one e-mail: refuse a read-only session or an
// operator without the action's right, then in one transaction lock the e-mail (in the
// operator's scope), change it, write the audit row, and read the e-mail again as now stored.
func (s *Store) changeMail(ctx context.Context, op model.Operator, id int64, action model.Action, change mailChange) (OutboxMail, error) {
	if err := writable(op); err != nil {
		return OutboxMail{}, err
	}
	if !op.Allows(action) {
		return OutboxMail{}, ErrForbidden
	}
	var out OutboxMail
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		m, err := s.mailForUpdate(ctx, tx, op, id)
		if err != nil {
			return err
		}
		e, err := change(tx, m)
		if err != nil {
			return err
		}
		userID, orgID, err := mailAuditTarget(ctx, tx, m)
		if err != nil {
			return err
		}
		if err := audit(ctx, tx, op, e.action, userID, orgID, e.detail); err != nil {
			return err
		}
		out, err = s.getMail(ctx, tx, op, id)
		return err
	})
	return out, err
}

// RetryMail makes a pending or failed e-mail due now (support only): the mailer's next round
// sends it. One that cannot be sent again as it is (its link dropped, replaced or expired) is
// refused with a MailRefusal naming the action that makes a new one. Audited.
func (s *Store) RetryMail(ctx context.Context, op model.Operator, id int64) (OutboxMail, error) {
	return s.changeMail(ctx, op, id, model.ActionRetryMail, func(tx *sqlx.Tx, m OutboxMail) (auditEntry, error) {
		if err := s.sendable(ctx, tx, m); err != nil {
			return auditEntry{}, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'pending', next_attempt_at = $2 WHERE id = $1`, m.ID, s.now()); err != nil {
			return auditEntry{}, err
		}
		return auditEntry{"mail.retry", model.AuditDetail{"mail": m.ID, "kind": m.Kind,
			"who": mailWho(m), "was": string(m.Status), "attempts": m.Attempts}}, nil
	})
}

// CancelMail cancels a pending e-mail (support only): it is never sent, and its link is
// dropped. Audited.
func (s *Store) CancelMail(ctx context.Context, op model.Operator, id int64) (OutboxMail, error) {
	return s.changeMail(ctx, op, id, model.ActionCancelMail, func(tx *sqlx.Tx, m OutboxMail) (auditEntry, error) {
		if m.Status != MailPending {
			return auditEntry{}, &MailRefusal{MailID: m.ID, Reason: MailNotPending, Status: m.Status}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'cancelled', sealed_secret = NULL WHERE id = $1`, m.ID); err != nil {
			return auditEntry{}, err
		}
		return auditEntry{"mail.cancel", model.AuditDetail{"mail": m.ID, "kind": m.Kind,
			"who": mailWho(m), "attempts": m.Attempts}}, nil
	})
}
