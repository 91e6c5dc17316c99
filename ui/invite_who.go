package ui

import (
	"context"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"gatehouse/model"
	"gatehouse/model/safe"
	"gatehouse/store"
)

// The wizard's first step: who is invited — a new person (name and e-mail) or an existing
// user (its login code and its e-mail, both; one of the operator's users can be picked from a
// search instead) — and to which of the operator's organizations. Empty fields are errors only
// once an attempt to go on was made; the rest is checked as it is typed. The wizard's actions
// table moves between the fields; a key no action takes goes to the focused field.

// inviteField is a field of the first step, in focus order.
type inviteField int

const (
	fieldMode inviteField = iota
	fieldName
	fieldEmail
	fieldUser      // the existing user's login code (typing searches the operator's users)
	fieldUserEmail // the existing user's e-mail
	fieldOrg
)

// userSearchRows is how many of the operator's users the existing-user search lists.
const userSearchRows = 8

type inviteWho struct {
	c             *common
	width, height int

	existing bool // the existing-user path
	focus    inviteField
	showErrs bool // an attempt to go on was made: empty fields are errors now

	name, email textinput.Model // the new person
	users       *picker[model.User]
	userEmail   textinput.Model // the existing user's e-mail
	picked      *model.User     // a user of the operator's organizations picked from the search

	// what the typed e-mail already is, among the accounts the operator can see
	account    store.EmailAccount
	accountFor string // the e-mail account describes
	lookup     request

	orgs       *picker[model.Organization]
	inScope    []model.Organization // every organization in scope, filtered by the picker
	org        *model.Organization  // the one chosen
	orgByHand  bool                 // the operator chose it (it was not the only one, or the scope's)
	seekChosen bool                 // the organizations' list opens on the one chosen
}

type (
	inviteEmailTickMsg struct{ seq int }
	inviteEmailMsg     struct {
		seq     int
		email   string
		account store.EmailAccount
		err     error
	}
)

func newInviteWho(c *common) *inviteWho {
	in := func(ph string, limit int) textinput.Model {
		t := newInput()
		t.Prompt = ""
		t.Placeholder = c.t(ph)
		t.CharLimit = limit
		return t
	}
	w := &inviteWho{c: c, name: in("invite.name.ph", 200), email: in("invite.email.ph", 254), userEmail: in("invite.email.ph", 254)}
	st := c.styles
	w.users = newPicker(c, c.t("invite.user.ph"), 256, w.searchUsers, func(u model.User, current bool) string {
		// The row is read whole: the e-mail goes on under the name where the line cannot hold it.
		style := lipgloss.NewStyle()
		if current {
			style = st.RowCursor
		}
		lines := wrapCells(safe.Line(u.Name)+" · "+safe.Line(u.Login)+" · "+safe.Line(u.Email), w.width-indentW-2)
		for i, l := range lines {
			lines[i] = style.Render(l)
		}
		return strings.Join(lines, "\n")
	}, c.t("invite.user.nomatch")).debounced()
	w.orgs = newPicker(c, c.t("invite.org.ph"), 200, w.filterOrgs, func(o model.Organization, current bool) string {
		mark := "  "
		if w.org != nil && w.org.ID == o.ID {
			mark = "✓ "
		}
		line := mark + safe.Truncate(safe.Line(o.Name)+" ("+safe.Line(o.Slug)+")", max(10, w.width-22))
		if current {
			line = st.RowCursor.Render(line)
		}
		return line
	}, c.t("invite.org.nomatch"))
	w.setFocus(fieldName)
	return w
}

// searchUsers lists the operator's active users matching the typed login code (or name).
func (w *inviteWho) searchUsers(pageRequest) func(context.Context) (listPage[model.User], error) {
	q := store.UserQuery{Search: w.users.Value(), Status: model.StatusActive, Sort: store.SortName, Limit: userSearchRows, Brief: true}
	st, op := w.c.st, w.c.op
	return func(ctx context.Context) (listPage[model.User], error) {
		page, err := st.ListUsers(ctx, op, q)
		return listPage[model.User]{Rows: page.Users}, err
	}
}

// filterOrgs lists the organizations in scope whose name or slug holds every word of the
// filter, folded as every search folds (accents and case aside, in any order: "cote boul"
// finds Boulangerie Côté).
func (w *inviteWho) filterOrgs(pageRequest) func(context.Context) (listPage[model.Organization], error) {
	words := model.SearchWords(w.orgs.Value())
	rows := w.inScope
	if len(words) > 0 {
		rows = nil
		for _, o := range w.inScope {
			name, slug := model.FoldSearch(o.Name), model.FoldSearch(o.Slug)
			all := true
			for _, word := range words {
				if !strings.Contains(name, word) && !strings.Contains(slug, word) {
					all = false
					break
				}
			}
			if all {
				rows = append(rows, o)
			}
		}
	}
	return func(context.Context) (listPage[model.Organization], error) {
		return listPage[model.Organization]{Rows: rows}, nil
	}
}

// setOrgs takes the organizations in scope; the only one, or the session's scope, is chosen.
func (w *inviteWho) setOrgs(orgs []model.Organization) tea.Cmd {
	w.inScope = orgs
	if !w.orgByHand {
		w.org = nil
		for i, o := range orgs {
			if len(orgs) == 1 || o.ID == w.c.scopeOrg {
				w.org = &orgs[i]
			}
		}
		w.seekChosen = w.org != nil
	}
	return w.orgs.First()
}

func (w *inviteWho) SetSize(width, height int) {
	w.width, w.height = width, height
	fw := max(10, min(60, width-20))
	w.name.Width, w.email.Width, w.userEmail.Width = fw, fw, fw
	rows := 4
	if height >= 30 {
		rows = 8
	}
	w.users.SetSize(fw, rows)
	w.orgs.SetSize(fw, rows)
}

func (w *inviteWho) Stop() {
	w.lookup.stop()
	w.users.Stop()
	w.orgs.Stop()
}

// Update takes the pickers' pages and searches and the e-mail's lookup.
func (w *inviteWho) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case inviteEmailTickMsg:
		if msg.seq != w.lookup.seq {
			return nil
		}
		ctx, seq := w.lookup.start(w.c.ctx)
		email := model.NormalizeEmail(w.email.Value())
		st, op := w.c.st, w.c.op
		return func() tea.Msg {
			a, err := st.LookupEmail(ctx, op, email)
			return inviteEmailMsg{seq: seq, email: email, account: a, err: err}
		}
	case inviteEmailMsg:
		if !w.lookup.done(msg.seq) {
			return nil
		}
		if msg.err != nil {
			return errCmd(msg.err)
		}
		w.account, w.accountFor = msg.account, msg.email
		return nil
	case listPageMsg[model.Organization]:
		cmd := w.orgs.Update(msg)
		if w.seekChosen && w.org != nil {
			id := w.org.ID
			w.seekChosen = !w.orgs.list.Seek(func(o model.Organization) bool { return o.ID == id })
		}
		return cmd
	}
	return tea.Batch(w.users.Update(msg), w.orgs.Update(msg))
}

// --- focus ---

// fields lists the step's fields for the current path.
func (w *inviteWho) fields() []inviteField {
	if w.existing {
		return []inviteField{fieldMode, fieldUser, fieldUserEmail, fieldOrg}
	}
	return []inviteField{fieldMode, fieldName, fieldEmail, fieldOrg}
}

func (w *inviteWho) setFocus(f inviteField) {
	w.name.Blur()
	w.email.Blur()
	w.userEmail.Blur()
	w.users.Blur()
	w.orgs.Blur()
	w.focus = f
	switch f {
	case fieldName:
		w.name.Focus()
	case fieldEmail:
		w.email.Focus()
	case fieldUser:
		w.users.Focus()
	case fieldUserEmail:
		w.userEmail.Focus()
	case fieldOrg:
		w.orgs.Focus()
	}
}

// moveFocus goes to the next (delta 1) or previous (-1) field, round the form.
func (w *inviteWho) moveFocus(delta int) {
	fs := w.fields()
	i := 0
	for j, f := range fs {
		if f == w.focus {
			i = j
		}
	}
	w.setFocus(fs[(i+delta+len(fs))%len(fs)])
}

// typing reports whether a text field has focus.
func (w *inviteWho) typing() bool { return w.focus != fieldMode }

// onList reports whether the focused field has a list under it (the arrows move in it).
func (w *inviteWho) onList() bool { return w.focus == fieldUser || w.focus == fieldOrg }

// typeKey gives a key no action took to the focused field.
func (w *inviteWho) typeKey(msg tea.KeyMsg) tea.Cmd {
	var cmd tea.Cmd
	switch w.focus {
	case fieldName:
		w.name, cmd = w.name.Update(msg)
	case fieldEmail:
		return w.typeEmail(msg)
	case fieldUser:
		return w.users.HandleKey(msg)
	case fieldUserEmail:
		w.userEmail, cmd = w.userEmail.Update(msg)
	case fieldOrg:
		return w.orgs.HandleKey(msg)
	}
	return cmd
}

// typeEmail edits the new person's e-mail; a valid one is looked up once typing pauses.
func (w *inviteWho) typeEmail(msg tea.KeyMsg) tea.Cmd {
	before := w.email.Value()
	var cmd tea.Cmd
	w.email, cmd = w.email.Update(msg)
	if w.email.Value() == before {
		return cmd
	}
	seq := w.lookup.invalidate() // the answer for the old text is stale now
	if model.ValidateEmail(w.email.Value()) != nil {
		return cmd
	}
	return tea.Batch(cmd, w.c.tick(searchDebounce, func(time.Time) tea.Msg { return inviteEmailTickMsg{seq} }))
}

// --- what enter and the other keys do ---

// flipMode switches between the new-person and the existing-user paths (what was typed in
// either is kept).
func (w *inviteWho) flipMode() { w.existing = !w.existing }

// enter chooses on the focused field: the user or the organization under the cursor, else it
// goes on to the next field. On the organization it tries to complete the step, and reports
// whether it is complete.
func (w *inviteWho) enter() (complete bool) {
	switch w.focus {
	case fieldUser:
		if u, ok := w.users.Current(); ok && strings.TrimSpace(w.users.Value()) != "" && !w.pickedMatches() {
			w.pick(u)
			return false
		}
	case fieldOrg:
		if o, ok := w.orgs.Current(); ok {
			w.org, w.orgByHand = &o, true
		}
		return w.advance()
	}
	w.moveFocus(1)
	return false
}

// pick fills the existing user's login code and e-mail from a user of the operator's
// organizations.
func (w *inviteWho) pick(u model.User) {
	w.picked = &u
	w.users.SetValue(u.Login)
	w.userEmail.SetValue(u.Email)
	w.setFocus(fieldOrg)
}

// switchOffered reports whether the new person's e-mail has an account of the operator's
// organizations, which can be invited instead.
func (w *inviteWho) switchOffered() bool { return !w.existing && w.emailTaken() }

// switchToAccount takes the existing-user path with the account the e-mail has.
func (w *inviteWho) switchToAccount() {
	w.existing = true
	w.pick(model.User{ID: w.account.UserID, Login: w.account.Login, Name: w.account.Name, Email: w.accountFor})
}

// accountExists: someone registered the new person's e-mail meanwhile (the store refused the
// invitation): the step shows it, and offers the switch.
func (w *inviteWho) accountExists(ae *store.AccountExistsError) {
	w.account = store.EmailAccount{Exists: true, Status: model.StatusActive, UserID: ae.UserID, Login: ae.Login, Name: ae.Name}
	w.accountFor = model.NormalizeEmail(w.email.Value())
	w.setFocus(fieldEmail)
}

// typed reports whether anything was typed or chosen (leaving would throw it away).
func (w *inviteWho) typed() bool {
	for _, v := range []string{w.name.Value(), w.email.Value(), w.users.Value(), w.userEmail.Value(), w.orgs.Value()} {
		if v != "" {
			return true
		}
	}
	return w.orgByHand
}

// --- validation ---

// advance completes the step if it can, or shows what is missing and goes to it.
func (w *inviteWho) advance() bool {
	w.showErrs = true
	switch {
	case w.whoErr() != "":
		switch {
		case w.existing && w.userLoginErr() != "":
			w.setFocus(fieldUser)
		case w.existing:
			w.setFocus(fieldUserEmail)
		case w.nameErr() != "":
			w.setFocus(fieldName)
		default:
			w.setFocus(fieldEmail)
		}
		return false
	case w.org == nil:
		w.setFocus(fieldOrg)
		return false
	}
	return true
}

// required checks a field with check, an empty one only once an attempt to go on was made.
func (w *inviteWho) required(v string, check func(string) error) string {
	if strings.TrimSpace(v) == "" && !w.showErrs {
		return ""
	}
	if err := check(v); err != nil {
		return err.Error()
	}
	return ""
}

func (w *inviteWho) nameErr() string  { return w.required(w.name.Value(), model.ValidateName) }
func (w *inviteWho) emailErr() string { return w.required(w.email.Value(), model.ValidateEmail) }
func (w *inviteWho) userEmailErr() string {
	return w.required(w.userEmail.Value(), model.ValidateEmail)
}

// userLoginErr validates the existing user's login code.
func (w *inviteWho) userLoginErr() string {
	if strings.TrimSpace(w.users.Value()) == "" {
		if w.showErrs {
			return w.c.t("invite.user.none")
		}
		return ""
	}
	if _, listed := w.users.Current(); listed && !w.showErrs {
		return "" // a name typed to search the users, and they are listed: not a login code yet
	}
	if !loginCodeForm(model.NormalizeLogin(w.users.Value())) {
		return w.c.t("invite.user.badlogin")
	}
	return ""
}

// loginCodeForm reports whether a normalized text has the form of a login code.
func loginCodeForm(v string) bool {
	if len(v) < 3 || len(v) > 40 || v[0] == '-' {
		return false
	}
	for _, r := range v {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// pickedMatches reports whether the picked user is still the one the two fields name.
func (w *inviteWho) pickedMatches() bool {
	return w.picked != nil && model.NormalizeLogin(w.users.Value()) == strings.ToUpper(w.picked.Login) &&
		model.NormalizeEmail(w.userEmail.Value()) == strings.ToLower(w.picked.Email)
}

// emailTaken reports whether the typed e-mail belongs to an account the operator can see
// (not merely invited).
func (w *inviteWho) emailTaken() bool {
	return w.accountFor == model.NormalizeEmail(w.email.Value()) && w.account.Exists && w.account.Status != model.StatusInvited
}

func (w *inviteWho) whoErr() string {
	switch {
	case !w.existing && (w.nameErr() != "" || w.emailErr() != ""):
		return "invalid"
	case !w.existing && w.emailTaken():
		return w.c.t("invite.email.taken.short")
	case w.existing && (w.userLoginErr() != "" || w.userEmailErr() != ""):
		return "invalid"
	}
	return ""
}

func (w *inviteWho) orgErr() string {
	if w.org == nil && w.showErrs {
		return w.c.t("invite.org.none")
	}
	return ""
}

// invitee is what the review shows of the person: their name (if known), e-mail, and the
// kind of invitation.
func (w *inviteWho) invitee() (name, email, kind string) {
	if w.existing {
		if w.pickedMatches() {
			name = w.picked.Name
		}
		return name, model.NormalizeEmail(w.userEmail.Value()), w.c.t("invite.kind.existing", safe.Line(model.NormalizeLogin(w.users.Value())))
	}
	return strings.TrimSpace(w.name.Value()), model.NormalizeEmail(w.email.Value()), w.c.t("invite.kind.new")
}

// invitation fills in who is invited, as typed (the store normalizes and checks it again).
func (w *inviteWho) invitation(n *store.NewInvitation) {
	if w.existing {
		n.ExistingLogin, n.Email = w.users.Value(), w.userEmail.Value()
	} else {
		n.Name, n.Email = w.name.Value(), w.email.Value()
	}
}

// FullHelp adds the keys of the focused list to the wizard's.
func (w *inviteWho) FullHelp() [][]key.Binding {
	switch w.focus {
	case fieldUser:
		return w.users.FullHelp()
	case fieldOrg:
		return w.orgs.FullHelp()
	}
	return nil
}

// --- drawing ---

// indentW is the width of the labels' column: lists and notes are drawn under the fields.
const indentW = 16

func (w *inviteWho) label(text string, focused bool) string {
	st := w.c.styles
	l := safe.Pad(text, indentW-2)
	if focused {
		return st.Key.Render("› " + l)
	}
	return st.Label.Render("  " + l)
}

// wrapStyled is text (sanitized) wrapped to w cells, each line in style: the wizard's notes
// and the account picked are read whole, at 80 columns too.
func wrapStyled(style lipgloss.Style, text string, w int) string {
	lines := strings.Split(ansi.Wrap(text, max(10, w), ""), "\n")
	for i, l := range lines {
		lines[i] = style.Render(l)
	}
	return strings.Join(lines, "\n")
}

// under draws text (one line or several) in the fields' column.
func under(b *strings.Builder, text string) {
	if text == "" {
		return
	}
	for _, line := range strings.Split(text, "\n") {
		b.WriteString(strings.Repeat(" ", indentW) + line + "\n")
	}
}

func (w *inviteWho) errLine(b *strings.Builder, msg string) {
	if msg != "" {
		under(b, w.c.styles.Fail.Render("✗ "+safe.Truncate(msg, max(10, w.width-20))))
	}
}

// View is the form; the wizard draws its hint (or its question) under it.
func (w *inviteWho) View() string {
	c, st := w.c, w.c.styles
	var b strings.Builder
	radio := func(on bool, text string) string {
		if on {
			return "(•) " + text
		}
		return "( ) " + text
	}
	b.WriteString(w.label(c.t("invite.mode"), w.focus == fieldMode) + radio(!w.existing, c.t("invite.mode.new")) + "   " +
		radio(w.existing, c.t("invite.mode.existing")) + "\n\n")
	if !w.existing {
		b.WriteString(w.label(c.t("invite.name"), w.focus == fieldName) + w.name.View() + "\n")
		w.errLine(&b, w.nameErr())
		b.WriteString(w.label(c.t("invite.email"), w.focus == fieldEmail) + w.email.View() + "\n")
		w.errLine(&b, w.emailErr())
		if w.emailErr() == "" && w.accountFor == model.NormalizeEmail(w.email.Value()) && w.account.Exists {
			if w.account.Status == model.StatusInvited {
				under(&b, st.Dim.Render(c.t("invite.email.invited")))
			} else {
				under(&b, st.FlashWarn.Render(c.t("invite.email.taken", safe.Line(w.account.Name), safe.Line(w.account.Login))))
			}
		}
	} else {
		b.WriteString(w.label(c.t("invite.user"), w.focus == fieldUser) + w.users.FieldView() + "\n")
		under(&b, w.users.View())
		w.errLine(&b, w.userLoginErr())
		b.WriteString(w.label(c.t("invite.email"), w.focus == fieldUserEmail) + w.userEmail.View() + "\n")
		w.errLine(&b, w.userEmailErr())
		if w.pickedMatches() {
			who := safe.Line(w.picked.Name) + " · " + safe.Line(w.picked.Login)
			under(&b, wrapStyled(st.OK, "✓ "+who+" · "+safe.Line(w.picked.Email), w.width-indentW-2))
		} else {
			under(&b, wrapStyled(st.Dim, c.t("invite.user.both"), w.width-indentW-2))
		}
	}
	b.WriteString("\n" + w.label(c.t("invite.org"), w.focus == fieldOrg) + w.orgs.FieldView() + "\n")
	under(&b, w.orgs.View())
	w.errLine(&b, w.orgErr())
	b.WriteString("\n")
	return b.String()
}

func (w *inviteWho) hint() string { return w.c.styles.Dim.Render(w.c.t("invite.hint.who")) }
