package ui

import (
	"context"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"gatehouse/model"
	"gatehouse/model/safe"
	"gatehouse/store"
)

func init() {
	registerScreen("outbox", func(c *common, _ any) Screen { return newOutbox(c) })
}

// The Outbox screen: the e-mails still pending and those that failed, newest first, with the
// server's last answer, in a keyset-paged list pane. enter shows one e-mail in full (the
// whole answer); r makes it due again, c cancels it (confirmed), n sends a new reset link or
// the invitation again when its link is gone, o opens its account. Every action is in the
// actions table; the store decides (support retries and cancels; an admin reads their
// organizations' e-mails).

// outboxKeys are the screen's own bindings (the others are the console's).
type outboxKeys struct {
	State, Detail, Retry, Cancel, NewLink, Account key.Binding
}

// outboxOp is what an action does to one e-mail.
type outboxOp int

const (
	outboxRetry outboxOp = iota
	outboxCancel
	outboxNewReset
	outboxNewInvitation
)

type outboxDoneMsg struct {
	op   outboxOp
	mail store.OutboxMail
	err  error
}

type outboxScreen struct {
	c             *common
	keys          outboxKeys
	width, height int
	status        string // store.MailPending, store.MailFailed, or "" for both

	list   *listPane[store.OutboxMail]
	rows   *listDetail[store.OutboxMail] // the list, or the e-mail under the cursor in full
	prompt *prompt
	short  []*action
	busy   bool // an action is running
}

func newOutbox(c *common) *outboxScreen {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, c.t(desc)))
	}
	s := &outboxScreen{c: c, prompt: newPrompt(c), keys: outboxKeys{
		State:   b("s", "outbox.key.state", "s"),
		Detail:  b("enter", "outbox.key.detail", "enter"),
		Retry:   b("r", "outbox.key.retry", "r"),
		Cancel:  b("c", "outbox.key.cancel", "c"),
		NewLink: b("n", "outbox.key.newlink", "n"),
		Account: b("o", "outbox.key.account", "o"),
	}}
	s.list = newListPane(c, s.loader, s.columns)
	s.list.empty = c.t("outbox.empty")
	s.list.styled = func(m store.OutboxMail, j int, cell string) string {
		if j == 1 {
			return mailStatusStyle(c, m.Status).Render(cell)
		}
		return cell
	}
	s.rows = newListDetail(c, s.list, s.keys.Detail, s.noRow)
	s.buildActions()
	return s
}

// loader captures the status filter for one page request.
func (s *outboxScreen) loader(r pageRequest) func(context.Context) (listPage[store.OutboxMail], error) {
	at := forwardFrom[int64](r)
	q := store.OutboxQuery{Status: s.status, Before: at.at, Limit: r.Limit}
	st, op := s.c.st, s.c.op
	return func(ctx context.Context) (listPage[store.OutboxMail], error) {
		page, err := st.ListOutbox(ctx, op, q)
		return forwardPage(at, page.Mails, page.HasNext, page.Last), err
	}
}

func (s *outboxScreen) buildActions() {
	ck, k := s.c.keys, s.keys
	detail := s.rows.open
	state := &action{binding: k.State, group: 1, run: func() tea.Cmd {
		switch s.status {
		case "":
			s.status = store.MailFailed
		case store.MailFailed:
			s.status = store.MailPending
		default:
			s.status = ""
		}
		return s.list.First()
	}}
	account := &action{binding: k.Account, group: 1, unavailable: s.noAccount, run: func() tea.Cmd {
		m, _ := s.list.Current()
		return navigate("user", *m.UserID)
	}}
	retry := &action{binding: k.Retry, needs: model.ActionRetryMail, group: 2, unavailable: s.notRetryable,
		run: func() tea.Cmd {
			m, _ := s.list.Current()
			return s.run(outboxRetry, m)
		}}
	cancel := &action{binding: k.Cancel, needs: model.ActionCancelMail, dangerous: true, group: 2, unavailable: s.notPending,
		run: s.askCancel}
	newLink := &action{binding: k.NewLink, needs: model.ActionSendReset, group: 2, unavailable: s.noNewLink,
		run: s.askNewLink}
	leave := &action{binding: ck.Back, group: 1, run: func() tea.Cmd { return back }}
	s.rows.setActions([]*action{detail, state, account,
		{binding: ck.Refresh, group: 1, run: func() tea.Cmd { return s.list.Reload() }},
		leave, retry, cancel, newLink},
		retry, cancel, newLink, account)
	s.short = []*action{detail, state, retry, cancel, newLink, account}
}

func (s *outboxScreen) noRow() string {
	if _, ok := s.list.Current(); !ok {
		return s.c.t("outbox.empty")
	}
	return ""
}

func (s *outboxScreen) noAccount() string {
	m, ok := s.list.Current()
	switch {
	case !ok:
		return s.c.t("outbox.empty")
	case m.UserID == nil:
		return s.c.t("outbox.noaccount")
	}
	return ""
}

// notRetryable says why the e-mail under the cursor cannot be sent again as it is: the
// store's own rules (it decides again), said before asking it.
func (s *outboxScreen) notRetryable() string {
	m, ok := s.list.Current()
	switch {
	case !ok:
		return s.c.t("outbox.empty")
	case m.ReplacedBy != nil:
		return s.refusalText(store.MailLinkReplaced, m.Remedy(), "")
	case m.LinkDropped:
		return s.refusalText(store.MailLinkDropped, m.Remedy(), "")
	}
	return ""
}

func (s *outboxScreen) notPending() string {
	m, ok := s.list.Current()
	switch {
	case !ok:
		return s.c.t("outbox.empty")
	case m.Status != store.MailPending:
		return s.refusalText(store.MailNotPending, "", m.Status)
	}
	return ""
}

// noNewLink says why no new link can be made from the e-mail under the cursor: only a reset
// link (to an account) and an invitation carry one, and the invitation's needs its own right.
func (s *outboxScreen) noNewLink() string {
	m, ok := s.list.Current()
	switch {
	case !ok:
		return s.c.t("outbox.empty")
	case m.Remedy() == "":
		return s.c.t("outbox.nolink")
	case m.Kind == "invitation":
		if ok, reason := s.c.op.May(model.ActionResendInvitation); !ok {
			return s.c.t(reason)
		}
	}
	return ""
}

// refusalText is a refusal of the store in the session's language, with the action that
// makes a new e-mail when there is one.
func (s *outboxScreen) refusalText(reason, remedy, status string) string {
	c := s.c
	var text string
	switch reason {
	case store.MailNotOpen, store.MailNotPending:
		text = c.t("outbox.refused."+reason, mailStatus(c, status))
	default:
		text = c.t("outbox.refused." + reason)
	}
	if remedy != "" {
		text += " " + c.t("outbox.remedy."+remedy)
	}
	return text
}

// who names an e-mail's recipient: the account's login code and the address.
func (s *outboxScreen) who(m store.OutboxMail) string {
	if m.UserLogin != "" {
		return m.UserLogin + " <" + m.Recipient + ">"
	}
	return m.Recipient
}

// questionPart is a database text fitted into a question line: the question itself (its
// keys, its question mark) must stay on the line whatever the name or address.
func (s *outboxScreen) questionPart(text string) string {
	return safe.Truncate(text, max(16, s.width/4))
}

func (s *outboxScreen) askCancel() tea.Cmd {
	m, _ := s.list.Current()
	label := s.c.t("outbox.confirm.cancel", mailKind(s.c, m.Kind), s.questionPart(s.who(m)))
	return s.prompt.Confirm(label, func() tea.Cmd { return s.run(outboxCancel, m) })
}

func (s *outboxScreen) askNewLink() tea.Cmd {
	m, _ := s.list.Current()
	if m.Kind == "invitation" {
		label := s.c.t("outbox.confirm.invitation", s.questionPart(s.who(m)))
		return s.prompt.Confirm(label, func() tea.Cmd { return s.run(outboxNewInvitation, m) })
	}
	name := m.UserName
	if name == "" {
		name = m.UserLogin
	}
	label := s.c.t("outbox.confirm.reset", s.questionPart(name), s.questionPart(m.Recipient))
	return s.prompt.Confirm(label, func() tea.Cmd { return s.run(outboxNewReset, m) })
}

// run retries, cancels, or makes a new link for one e-mail. Every check (role, scope, the
// e-mail's state and link) is the store's.
func (s *outboxScreen) run(op outboxOp, m store.OutboxMail) tea.Cmd {
	s.busy = true
	st, who, ctx := s.c.st, s.c.op, s.c.ctx
	return func() tea.Msg {
		msg := outboxDoneMsg{op: op, mail: m}
		switch op {
		case outboxRetry:
			msg.mail, msg.err = st.RetryMail(ctx, who, m.ID)
		case outboxCancel:
			msg.mail, msg.err = st.CancelMail(ctx, who, m.ID)
		case outboxNewReset:
			msg.err = st.SendResetLink(ctx, who, *m.UserID)
		case outboxNewInvitation:
			_, _, msg.err = st.ResendInvitation(ctx, who, *m.InvitationID)
		}
		return msg
	}
}

func (s *outboxScreen) done(msg outboxDoneMsg) tea.Cmd {
	s.busy = false
	c := s.c
	if msg.err != nil {
		if r, ok := store.IsMailRefusal(msg.err); ok {
			return tea.Batch(flashCmd(flashWarn, s.refusalText(r.Reason, r.Remedy, r.Status)), s.list.Reload())
		}
		return tea.Batch(errCmd(msg.err), s.list.Reload())
	}
	var text string
	switch msg.op {
	case outboxRetry:
		text = c.t("outbox.retried", msg.mail.ID)
	case outboxCancel:
		text = c.t("outbox.cancelled", msg.mail.ID)
	case outboxNewReset:
		text = c.t("outbox.reset.sent", safe.Line(s.who(msg.mail)))
	case outboxNewInvitation:
		text = c.t("outbox.invitation.sent", safe.Line(s.who(msg.mail)))
	}
	return tea.Batch(flashCmd(flashInfo, text), s.list.Reload())
}

func (s *outboxScreen) Title() string { return s.c.t("outbox.title") }
func (s *outboxScreen) Init() tea.Cmd { return s.list.First() }
func (s *outboxScreen) Busy() bool    { return s.busy || s.list.Busy() }
func (s *outboxScreen) Close()        { s.list.Stop() }

func (s *outboxScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.prompt.SetWidth(w)
	s.list.SetSize(w, max(2, h-3)) // the filter bar above; the answer under the cursor and the page line below
}

func (s *outboxScreen) InputFocused() bool { return s.prompt.Typing() }

func (s *outboxScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case listPageMsg[store.OutboxMail]:
		return s, s.rows.Update(msg)
	case outboxDoneMsg:
		return s, s.done(msg)
	case mailFailedMsg, reconnectedMsg, scopeChangedMsg:
		return s, s.list.Reload()
	case tea.WindowSizeMsg:
		if s.list.NeedsReload() {
			return s, s.list.Reload()
		}
	case tea.KeyMsg:
		return s, s.updateKeys(msg)
	}
	return s, nil
}

// updateKeys: the open question first; in the detail, esc and enter go back to the list and
// ↑/↓ move to the previous or next e-mail, the actions work as in the list.
func (s *outboxScreen) updateKeys(msg tea.KeyMsg) tea.Cmd {
	if s.prompt.Active() {
		return s.prompt.Update(msg)
	}
	return s.rows.HandleKey(msg)
}

func (s *outboxScreen) ShortHelp() []key.Binding {
	switch {
	case s.prompt.Active():
		return s.prompt.ShortHelp()
	case s.rows.Shown():
		return s.rows.DetailShortHelp(s.short[2:]...)
	}
	return s.rows.actions.short(s.short...)
}

func (s *outboxScreen) FullHelp() [][]key.Binding {
	if s.rows.Shown() {
		return append([][]key.Binding{{s.c.keys.Up, s.c.keys.Down}}, s.rows.detail.full()...)
	}
	return append(s.list.FullHelp(), s.rows.actions.full()...)
}

func (s *outboxScreen) columns(width int) []column[store.OutboxMail] {
	c := s.c
	withTime, wide := width >= 110, width >= 160
	queuedW := max(10, widest(c.t("outbox.col.queued")))
	if withTime {
		queuedW = 16
	}
	cols := []column[store.OutboxMail]{
		{c.t("outbox.col.queued"), queuedW, func(m store.OutboxMail) string { return fmtTime(&m.CreatedAt, withTime) }},
		{c.t("outbox.col.status"), mailStatusWidth(c), func(m store.OutboxMail) string { return mailStatus(c, m.Status) }},
		{c.t("outbox.col.kind"), mailKindWidth(c), func(m store.OutboxMail) string { return mailKind(c, m.Kind) }},
	}
	var extra []column[store.OutboxMail]
	if wide {
		extra = []column[store.OutboxMail]{
			{c.t("outbox.col.orgs"), widest(c.t("outbox.col.orgs")), func(m store.OutboxMail) string { return strings.Join(m.Orgs, ",") }},
			{c.t("outbox.col.tries"), widest(c.t("outbox.col.tries")), func(m store.OutboxMail) string { return strconv.Itoa(m.Attempts) }},
			{c.t("outbox.col.next"), 16, func(m store.OutboxMail) string {
				if m.Status != store.MailPending {
					return ""
				}
				return fmtTime(&m.NextAttemptAt, true)
			}},
		}
	}
	used := 2
	for _, col := range append(cols, extra...) {
		used += col.width + 1
	}
	rest := max(20, width-used)
	toW := max(10, rest*2/5)
	to := column[store.OutboxMail]{c.t("outbox.col.to"), toW, s.who}
	answer := column[store.OutboxMail]{c.t("outbox.col.answer"), max(10, rest-toW-1), s.answerCell}
	out := append(cols, to)
	out = append(out, extra...)
	return append(out, answer)
}

// answerCell is the server's last answer, else what stops the e-mail from going as it is.
func (s *outboxScreen) answerCell(m store.OutboxMail) string {
	switch {
	case m.LastError != "":
		return m.LastError
	case m.ReplacedBy != nil:
		return s.c.t("outbox.replaced", *m.ReplacedBy)
	case m.LinkDropped:
		return s.c.t("outbox.link.dropped")
	}
	return ""
}

func (s *outboxScreen) View() string {
	if m, ok := s.list.Current(); ok && s.rows.Shown() {
		return s.detailView(m)
	}
	c, st := s.c, s.c.styles
	var b strings.Builder
	b.WriteString(s.filterBar())
	b.WriteByte('\n')
	b.WriteString(s.list.View())
	b.WriteByte('\n')
	b.WriteString(s.underCursor())
	page := s.list.Page()
	if page.HasNext || page.HasPrev {
		line := c.t("outbox.page", forwardNumber[store.OutboxMail, int64](page))
		if page.HasNext {
			line += "  ·  " + c.t("outbox.more")
		}
		b.WriteString("\n" + st.Dim.Render(line))
	}
	return b.String()
}

func (s *outboxScreen) filterBar() string {
	c, st := s.c, s.c.styles
	state := c.t("outbox.filter.open")
	if s.status != "" {
		state = mailStatus(c, s.status)
	}
	bar := st.Label.Render(c.t("outbox.label", c.t("outbox.col.status"))) + " " + state
	if hint := c.t("outbox.filter.hint"); safe.Width(bar)+2+safe.Width(hint) <= s.width {
		bar += "  " + st.Dim.Render(hint) // the footer has the keys when there is no room
	}
	return bar
}

// underCursor is the open question, else the e-mail under the cursor in one line: what it
// is, to whom, and the server's answer (enter shows it whole).
func (s *outboxScreen) underCursor() string {
	c, st := s.c, s.c.styles
	if s.prompt.Active() {
		return s.prompt.View()
	}
	m, ok := s.list.Current()
	if !ok {
		return ""
	}
	line := "#" + strconv.FormatInt(m.ID, 10) + " " + mailKind(c, m.Kind) + " · " + s.who(m)
	if a := s.answerCell(m); a != "" {
		line += " · " + a
	}
	return st.Dim.Render(safe.Truncate(line, s.width))
}

// detailView shows one e-mail in full: what it is and to whom, its subject, its tries, the
// server's whole answer wrapped to the window, and why it cannot be sent again as it is. It
// is laid out to fit 80×24 with the longest answer the mailer keeps (500 characters); the
// hint goes first when room is short (the footer has the keys too).
func (s *outboxScreen) detailView(m store.OutboxMail) string {
	c, st := s.c, s.c.styles
	var lines []string
	pair := func(label, value string) string { return st.Label.Render(c.t("outbox.label", label)) + " " + value }
	line := func(parts ...string) { // parts sanitized, labels styled
		lines = append(lines, "  "+ansi.Truncate(strings.Join(parts, "  ·  "), s.width-2, safe.Ellipsis))
	}
	line("#"+strconv.FormatInt(m.ID, 10), mailKind(c, m.Kind), mailStatusStyle(c, m.Status).Render(mailStatus(c, m.Status)))
	line(pair(c.t("outbox.f.to"), safe.Line(m.Recipient)))
	if m.UserID != nil {
		account := []string{pair(c.t("outbox.f.account"), safe.Line(m.UserLogin)), safe.Line(m.UserName)}
		if len(m.Orgs) > 0 {
			account = append(account, pair(c.t("outbox.f.orgs"), safe.Line(strings.Join(m.Orgs, ", "))))
		}
		line(account...)
	} else if len(m.Orgs) > 0 {
		line(pair(c.t("outbox.f.orgs"), safe.Line(strings.Join(m.Orgs, ", "))))
	}
	line(pair(c.t("outbox.f.subject"), safe.Line(m.Subject)))
	tries := []string{pair(c.t("outbox.f.queued"), fmtTime(&m.CreatedAt, true)), pair(c.t("outbox.f.tries"), strconv.Itoa(m.Attempts))}
	if m.Status == store.MailPending {
		tries = append(tries, pair(c.t("outbox.f.next"), fmtTime(&m.NextAttemptAt, true)))
	}
	if m.SentAt != nil {
		tries = append(tries, pair(c.t("outbox.f.sent"), fmtTime(m.SentAt, true)))
	}
	line(tries...)
	if why := s.notRetryable(); why != "" {
		for _, l := range wrapWords(why, s.width-4) {
			lines = append(lines, "  "+st.FlashWarn.Render(l))
		}
	}
	lines = append(lines, "", "  "+st.Section.Render(c.t("outbox.f.answer")))
	if m.LastError == "" {
		lines = append(lines, "  "+st.Dim.Render(c.t("outbox.f.noanswer")))
	}
	for _, l := range wrapCells(safe.Text(m.LastError), s.width-4) {
		lines = append(lines, "  "+l)
	}
	switch {
	case s.prompt.Active():
		lines = append(lines, "", s.prompt.View())
	case len(lines)+2 <= s.height:
		lines = append(lines, "", "  "+st.Dim.Render(c.t("outbox.detail.hint")))
	}
	return strings.Join(lines, "\n")
}

// wrapWords breaks a catalog sentence into lines of at most w cells at its spaces; a
// non-breaking space (French typography, before : ; ? !) never starts a line.
func wrapWords(text string, w int) []string {
	var out []string
	line := ""
	for _, word := range strings.Split(text, " ") {
		switch {
		case line == "":
			line = word
		case safe.Width(line)+1+safe.Width(word) <= w:
			line += " " + word
		default:
			out = append(out, line)
			line = word
		}
	}
	if line != "" {
		out = append(out, line)
	}
	return out
}
