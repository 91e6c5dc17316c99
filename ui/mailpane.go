package ui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"gatehouse/model/safe"
	"gatehouse/store"
)

// The parts of the console that show outbox e-mails: their kind and status in the session's
// language, the status's colour, the pane of an account's recent e-mails (kind,
// queued / sent / failed, the server's answer, when) that the User screen mounts, and the
// app's look for e-mails that failed (a flash on whatever screen is open).

// userMailRows is how many of an account's e-mails its pane holds (all loaded at once; the
// pane scrolls within them).
const userMailRows = 50

// mailKind is an e-mail's kind in the session's language.
func mailKind(c *common, kind string) string { return c.t("outbox.kind." + kind) }

// mailStatus is an e-mail's status in the session's language.
func mailStatus(c *common, status string) string { return c.t("outbox.status." + status) }

// mailStatusStyle colours a status word: failed red, pending orange, sent green.
func mailStatusStyle(c *common, status string) lipgloss.Style {
	st := c.styles
	switch status {
	case store.MailFailed:
		return st.BadgeLocked
	case store.MailPending:
		return st.BadgeMust
	case store.MailSent:
		return st.BadgeActive
	}
	return st.BadgeDisabled
}

// widest is the width of the longest of the texts (a column fitted to the session's
// language, never cut).
func widest(texts ...string) int {
	w := 0
	for _, s := range texts {
		w = max(w, safe.Width(s))
	}
	return w
}

// mailKindWidth and mailStatusWidth fit their columns to the longest word of the language.
func mailKindWidth(c *common) int {
	return widest(c.t("outbox.col.kind"), mailKind(c, "invitation"), mailKind(c, "reset_link"),
		mailKind(c, "login_code"), mailKind(c, "notice"))
}

func mailStatusWidth(c *common) int {
	return widest(c.t("outbox.col.status"), mailStatus(c, store.MailPending), mailStatus(c, store.MailFailed),
		mailStatus(c, store.MailSent), mailStatus(c, store.MailCancelled))
}

// mailAnswer is what the answer column says of an e-mail: the server's last answer, else
// nothing.
func mailAnswer(m store.OutboxMail) string { return m.LastError }

// userMailColumns lays out an account's e-mails: when it was queued, its kind, its status,
// the server's answer (the rest of the width).
func userMailColumns(c *common) func(width int) []column[store.OutboxMail] {
	return func(width int) []column[store.OutboxMail] {
		cols := []column[store.OutboxMail]{
			{c.t("outbox.col.when"), 16, func(m store.OutboxMail) string { return fmtTime(&m.CreatedAt, true) }},
			{c.t("outbox.col.kind"), mailKindWidth(c), func(m store.OutboxMail) string { return mailKind(c, m.Kind) }},
			{c.t("outbox.col.status"), mailStatusWidth(c), func(m store.OutboxMail) string { return mailStatus(c, m.Status) }},
		}
		used := 2
		for _, col := range cols {
			used += col.width + 1
		}
		return append(cols, column[store.OutboxMail]{c.t("outbox.col.answer"), max(10, width-used), mailAnswer})
	}
}

// userMailLoader loads the account's most recent e-mails the operator may read, all at once.
func userMailLoader(c *common, userID int64) listLoader[store.OutboxMail] {
	return func(pageRequest) func(context.Context) (listPage[store.OutboxMail], error) {
		st, op := c.st, c.op
		return func(ctx context.Context) (listPage[store.OutboxMail], error) {
			rows, err := st.UserMail(ctx, op, userID, userMailRows)
			return listPage[store.OutboxMail]{Rows: rows}, err
		}
	}
}

// newUserMailPane is the pane of an account's recent e-mails, its status column coloured.
// The screen that mounts it gives it a size, calls First (and Reload after an action that
// queues an e-mail) and routes listPageMsg[store.OutboxMail] to its Update.
func newUserMailPane(c *common, userID int64) *listPane[store.OutboxMail] {
	p := newListPane(c, userMailLoader(c, userID), userMailColumns(c))
	p.empty = c.t("mailpane.empty")
	p.whole = func(m store.OutboxMail) [][2]string { // the recipient too: it has no column
		return [][2]string{{c.t("outbox.col.when"), fmtTime(&m.CreatedAt, true)}, {c.t("outbox.col.kind"), mailKind(c, m.Kind)},
			{c.t("outbox.col.status"), mailStatus(c, m.Status)}, {c.t("outbox.col.to"), m.Recipient}, {c.t("outbox.col.answer"), mailAnswer(m)}}
	}
	p.styled = func(m store.OutboxMail, j int, cell string) string {
		if j == 2 {
			return mailStatusStyle(c, m.Status).Render(cell)
		}
		return cell
	}
	return p
}

// mailPollEvery is how often a session looks for e-mails that failed: one statement on a
// small index, then the next look is scheduled (only while the session is open).
const mailPollEvery = 5 * time.Second

type (
	mailPollTickMsg struct{}
	mailPolledMsg   struct {
		failed []store.OutboxMail
		watch  store.MailWatch
		err    error
	}
	// mailFailedMsg tells the active screen that e-mails failed (the Outbox screen reloads).
	mailFailedMsg struct{}
)

// pollMail looks for the e-mails within the operator's scope that failed since the last look.
func (a *App) pollMail() tea.Cmd {
	st, ctx, op, w := a.c.st, a.c.ctx, a.c.op, a.mailWatch
	return func() tea.Msg {
		pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		failed, next, err := st.MailFailures(pctx, op, w)
		return mailPolledMsg{failed: failed, watch: next, err: err}
	}
}

// mailPolled flashes the failures found, on whatever screen is open, and schedules the next
// look. A look that failed is dropped: the screens' own calls show an outage.
func (a *App) mailPolled(msg mailPolledMsg) tea.Cmd {
	next := a.c.tick(mailPollEvery, func(time.Time) tea.Msg { return mailPollTickMsg{} })
	if msg.err != nil {
		return next
	}
	a.mailWatch = msg.watch
	n := len(msg.failed)
	if n == 0 {
		return next
	}
	c, m := a.c, msg.failed[n-1]
	who := m.Recipient
	if m.UserLogin != "" {
		who = m.UserLogin + " <" + m.Recipient + ">"
	}
	text := c.t("outbox.flash.one", mailKind(c, m.Kind), who, m.LastError)
	if n > 1 {
		text = c.t("outbox.flash.many", n, mailKind(c, m.Kind), who, m.LastError)
	}
	s, cmd := a.active().Update(mailFailedMsg{})
	a.stack[len(a.stack)-1] = s
	return tea.Batch(next, cmd, flashCmd(flashError, text))
}
