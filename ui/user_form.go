package ui

import (
	"errors"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"gatehouse/model"
	"gatehouse/model/safe"
	"gatehouse/store"
)

// The User screen's form: the profile (name; e-mail, support only; status) and the rights
// held in each organization (only those the operator may grant can be ticked). It owns the
// edited values over a base (the user as last read), the focus among its lines and the inline
// errors; the screen saves what Edit returns and hands every new read to Load, which keeps
// what the operator typed.

type itemKind int

const (
	itemName itemKind = iota
	itemEmail
	itemStatus
	itemRight
)

// formItem is one focusable line of the form.
type formItem struct {
	kind  itemKind
	org   int64
	right string
}

type userForm struct {
	c       *common
	base    model.User // as last read: the base of the edits and of the version check
	catalog []model.Right

	name, email textinput.Model
	status      model.Status
	rights      map[int64]map[string]bool
	fieldErr    map[string]string
	focus       int // index in items(); -1: the focus is not in the form
	width       int // the screen's width: a longer value wraps under itself
}

func newUserForm(c *common) *userForm {
	f := &userForm{c: c, focus: -1, fieldErr: map[string]string{}, rights: map[int64]map[string]bool{}}
	for _, in := range []*textinput.Model{&f.name, &f.email} {
		*in = newInput()
		in.Prompt = ""
		in.CharLimit = 400
	}
	return f
}

// formLabels are the keys of the form's field labels: their column is as wide as the longest
// in the session's language (14 cells at least).
var formLabels = []string{"user.field.name", "user.field.email", "user.field.login", "user.field.status",
	"user.field.password", "user.field.totp", "user.field.locked", "user.field.lastlogin", "user.field.created"}

func (f *userForm) labelWidth() int { return max(14, f.c.widestOf(formLabels...)) }

func (f *userForm) SetSize(w int) {
	f.width = w
	iw := max(20, min(60, w-f.labelWidth()-8))
	f.name.Width, f.email.Width = iw, iw
}

// Load takes a fresh read. The first one (or reset) fills the form; later ones move the base
// to the new version and keep the operator's edits, and the focus on the same line.
func (f *userForm) Load(u model.User, catalog []model.Right, reset bool) {
	old := f.base
	keep, hadFocus := f.focused()
	f.base, f.catalog = u, catalog
	if reset {
		f.Reset()
	} else {
		f.rebase(old)
	}
	f.focus = -1
	if hadFocus {
		f.focus = slices.Index(f.items(), keep)
	}
	f.applyFocus()
}

// Reset fills the form from the base (the edits are dropped). Text from the database is
// shown sanitized; formName/formEmail send the stored value back unchanged when the field was
// not touched.
func (f *userForm) Reset() {
	u := f.base
	f.name.SetValue(safe.Line(u.Name))
	f.email.SetValue(safe.Line(u.Email))
	f.status = u.Status
	f.rights = rightsOf(u)
	f.fieldErr = map[string]string{}
}

func rightsOf(u model.User) map[int64]map[string]bool {
	r := map[int64]map[string]bool{}
	for _, m := range u.Memberships {
		r[m.OrgID] = map[string]bool{}
		for _, code := range m.Rights {
			r[m.OrgID][code] = true
		}
	}
	return r
}

// rebase moves the form onto a newer read of the user: each field the operator left alone
// takes the new value; each field they edited keeps their value.
func (f *userForm) rebase(old model.User) {
	u := f.base
	if f.name.Value() == safe.Line(old.Name) {
		f.name.SetValue(safe.Line(u.Name))
	}
	if f.email.Value() == safe.Line(old.Email) {
		f.email.SetValue(safe.Line(u.Email))
	}
	if f.status == old.Status {
		f.status = u.Status
	}
	was, now := rightsOf(old), rightsOf(u)
	next := map[int64]map[string]bool{}
	for org, rights := range now {
		next[org] = map[string]bool{}
		codes := map[string]bool{}
		for c := range rights {
			codes[c] = true
		}
		for c := range f.rights[org] {
			codes[c] = true
		}
		for c := range was[org] {
			codes[c] = true
		}
		for c := range codes {
			if _, member := was[org]; member && f.rights[org][c] != was[org][c] {
				next[org][c] = f.rights[org][c] // edited: kept
			} else {
				next[org][c] = rights[c]
			}
		}
	}
	f.rights = next
}

func (f *userForm) formName() string {
	if f.name.Value() == safe.Line(f.base.Name) {
		return f.base.Name
	}
	return f.name.Value()
}

func (f *userForm) formEmail() string {
	if f.email.Value() == safe.Line(f.base.Email) {
		return f.base.Email
	}
	return f.email.Value()
}

func (f *userForm) rightsDirty() bool {
	base := rightsOf(f.base)
	for org, rights := range f.rights {
		for c, on := range rights {
			if on != base[org][c] {
				return true
			}
		}
	}
	return false
}

// Dirty reports whether the form holds edits not saved.
func (f *userForm) Dirty() bool {
	return f.formName() != f.base.Name || f.formEmail() != f.base.Email || f.status != f.base.Status || f.rightsDirty()
}

// editable: the session may change the profile and the account lives.
func (f *userForm) editable() bool {
	return f.c.may(model.ActionEditProfile) && f.base.ID != 0 && f.base.Status != model.StatusDeleted
}

func (f *userForm) emailEditable() bool { return f.editable() && f.c.may(model.ActionEditEmail) }

// items lists the focusable lines: what this operator may change.
func (f *userForm) items() []formItem {
	if !f.editable() {
		return nil
	}
	it := []formItem{{kind: itemName}}
	if f.emailEditable() {
		it = append(it, formItem{kind: itemEmail})
	}
	if f.c.may(model.ActionDisable) && f.c.may(model.ActionEnable) {
		it = append(it, formItem{kind: itemStatus})
	}
	if f.c.may(model.ActionEditMemberships) {
		for _, m := range f.base.Memberships {
			for _, r := range f.catalog {
				if f.c.op.CanGrant(r.Code) {
					it = append(it, formItem{kind: itemRight, org: m.OrgID, right: r.Code})
				}
			}
		}
	}
	return it
}

func (f *userForm) focused() (formItem, bool) {
	it := f.items()
	if f.focus < 0 || f.focus >= len(it) {
		return formItem{}, false
	}
	return it[f.focus], true
}

// SetFocus puts the focus on the i-th line (-1: out of the form).
func (f *userForm) SetFocus(i int) {
	f.focus = i
	f.applyFocus()
}

func (f *userForm) applyFocus() {
	f.name.Blur()
	f.email.Blur()
	if it, ok := f.focused(); ok {
		switch it.kind {
		case itemName:
			f.name.Focus()
			f.name.CursorEnd()
		case itemEmail:
			f.email.Focus()
			f.email.CursorEnd()
		}
	}
}

// Typing reports whether a text field has the focus (keys are then typed into it).
func (f *userForm) Typing() bool {
	it, ok := f.focused()
	return ok && (it.kind == itemName || it.kind == itemEmail)
}

// Type gives a key to the focused text field.
func (f *userForm) Type(msg tea.KeyMsg) tea.Cmd {
	it, _ := f.focused()
	var cmd tea.Cmd
	if it.kind == itemName {
		f.name, cmd = f.name.Update(msg)
		delete(f.fieldErr, store.FieldName)
	} else {
		f.email, cmd = f.email.Update(msg)
		delete(f.fieldErr, store.FieldEmail)
	}
	return cmd
}

// Tickable reports whether the focused line is a box (the status, a right).
func (f *userForm) Tickable() bool {
	it, ok := f.focused()
	return ok && (it.kind == itemStatus || it.kind == itemRight)
}

// Disabling reports whether ticking the focused line would disable the account.
func (f *userForm) Disabling() bool {
	it, ok := f.focused()
	return ok && it.kind == itemStatus && f.status != model.StatusDisabled
}

// Toggle ticks or unticks the focused box.
func (f *userForm) Toggle() {
	it, ok := f.focused()
	if !ok {
		return
	}
	switch it.kind {
	case itemStatus:
		if f.status == model.StatusDisabled {
			f.status = model.StatusActive
			if f.base.Status != model.StatusDisabled {
				f.status = f.base.Status
			} else if !f.base.HasPassword {
				f.status = model.StatusInvited
			}
		} else {
			f.status = model.StatusDisabled
		}
	case itemRight:
		if f.rights[it.org] == nil {
			f.rights[it.org] = map[string]bool{}
		}
		f.rights[it.org][it.right] = !f.rights[it.org][it.right]
	}
}

// Edit validates what can be checked here (inline errors, nothing sent) and returns the edit
// to save; false when a field is refused.
func (f *userForm) Edit() (store.UserEdit, bool) {
	f.fieldErr = map[string]string{}
	name, email := f.formName(), f.formEmail()
	if err := model.ValidateName(name); err != nil {
		f.fieldErr[store.FieldName] = f.validationText(store.FieldName, err)
	}
	if email != f.base.Email {
		if err := model.ValidateEmail(email); err != nil {
			f.fieldErr[store.FieldEmail] = f.validationText(store.FieldEmail, err)
		}
	}
	if len(f.fieldErr) > 0 {
		return store.UserEdit{}, false
	}
	base := f.base
	edit := store.UserEdit{Name: name, Email: email, Base: &base}
	if f.status != f.base.Status {
		st := model.StatusActive
		if f.status == model.StatusDisabled {
			st = model.StatusDisabled
		}
		edit.Status = &st
	}
	if f.rightsDirty() {
		edit.Memberships = map[int64][]string{}
		for _, m := range f.base.Memberships {
			var list []string
			for code, on := range f.rights[m.OrgID] {
				if on {
					list = append(list, code)
				}
			}
			slices.Sort(list)
			edit.Memberships[m.OrgID] = list
		}
	}
	return edit, true
}

// Refused shows the store's refusal of one field under it.
func (f *userForm) Refused(fe *store.FieldError) {
	f.fieldErr[fe.Field] = f.validationText(fe.Field, fe)
}

// validationText is the inline message under a field.
func (f *userForm) validationText(field string, err error) string {
	switch {
	case errors.Is(err, store.ErrEmailTaken):
		return f.c.t("user.err.emailtaken")
	case f.c.lang == "en":
		var fe *store.FieldError
		if errors.As(err, &fe) {
			err = fe.Err
		}
		return upperFirst(err.Error()) + "."
	case field == store.FieldName:
		return f.c.t("user.err.name")
	}
	return f.c.t("user.err.email")
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

// Lines draws the form; focusLine is the index of the focused line (-1: none).
func (f *userForm) Lines() (lines []string, focusLine int) {
	c, st, u := f.c, f.c.styles, f.base
	focusLine = -1
	cur, hasFocus := f.focused()
	isFocus := func(it formItem) bool { return hasFocus && cur == it }
	marker := func(it formItem) string {
		if isFocus(it) {
			focusLine = len(lines)
			return "›"
		}
		return " "
	}
	lw := f.labelWidth()
	// A value longer than the line (a lock's dates and failures, a password's state in French
	// at 80 columns) goes on under itself, wrapped at its spaces: nothing of it is cut.
	room := f.width - lw - 3
	field := func(m, label, value string) {
		lead := m + " " + st.Label.Render(safe.Pad(label, lw)) + " "
		if f.width <= 0 || room < 10 || ansi.StringWidth(value) <= room {
			lines = append(lines, lead+value)
			return
		}
		for i, l := range strings.Split(ansi.Wrap(value, room, ""), "\n") {
			if i > 0 {
				lead = strings.Repeat(" ", lw+3)
			}
			lines = append(lines, lead+l)
		}
	}
	inlineErr := func(name string) {
		if e, ok := f.fieldErr[name]; ok {
			lines = append(lines, strings.Repeat(" ", lw+3)+st.Fail.Render(safe.Line(e)))
		}
	}
	text := func(it formItem, in *textinput.Model) (string, string) {
		if isFocus(it) {
			return marker(it), in.View()
		}
		return " ", safe.Line(in.Value())
	}

	lines = append(lines, st.Section.Render(c.t("user.profile")))
	if f.editable() {
		m, v := text(formItem{kind: itemName}, &f.name)
		field(m, c.t("user.field.name"), v)
	} else {
		field(" ", c.t("user.field.name"), safe.Line(u.Name))
	}
	inlineErr(store.FieldName)
	if f.emailEditable() {
		m, v := text(formItem{kind: itemEmail}, &f.email)
		field(m, c.t("user.field.email"), v)
	} else {
		field(" ", c.t("user.field.email"), safe.Line(u.Email)+"  "+st.Dim.Render(c.t("user.email.supportonly")))
	}
	inlineErr(store.FieldEmail)
	field(" ", c.t("user.field.login"), safe.Line(u.Login))
	badge := u.Badge(c.now())
	if f.status != u.Status {
		badge = string(f.status)
	}
	status := st.Badge(badge).Render(c.t("status." + badge))
	if f.editable() {
		field(marker(formItem{kind: itemStatus}), c.t("user.field.status"), "["+status+"]  "+st.Dim.Render(c.t("user.status.hint")))
	} else {
		field(" ", c.t("user.field.status"), status)
	}
	inlineErr(store.FieldStatus)
	pw := c.t("user.password.none")
	if u.HasPassword {
		pw = c.t("user.password.setnodate")
		if u.PasswordChangedAt != nil {
			pw = c.t("user.password.set", fmtTime(u.PasswordChangedAt, true))
		}
		if u.MustChangePassword {
			pw += c.t("user.password.mustchange")
		}
	}
	field(" ", c.t("user.field.password"), pw)
	totp := c.t("users.no")
	if u.TOTPEnabled {
		totp = c.t("users.yes")
	}
	field(" ", c.t("user.field.totp"), totp)
	locked := c.t("user.no")
	if u.Locked {
		if u.LockedUntil != nil {
			locked = c.t("user.locked.until", fmtTime(u.LockedAt, true), fmtTime(u.LockedUntil, true))
		} else {
			locked = c.t("user.locked.reset", fmtTime(u.LockedAt, true))
		}
		locked = st.BadgeLocked.Render(locked)
	}
	field(" ", c.t("user.field.locked"), locked+"  "+c.t("user.failures.count", u.FailedAttempts))
	last := c.t("users.never")
	if u.LastLoginAt != nil {
		last = fmtTime(u.LastLoginAt, true) + "  " + safe.Line(u.LastLoginIP)
	}
	field(" ", c.t("user.field.lastlogin"), last)
	field(" ", c.t("user.field.created"), fmtTime(&u.CreatedAt, true))

	lines = append(lines, "", st.Section.Render(c.t("user.memberships")))
	if len(u.Memberships) == 0 {
		lines = append(lines, "  "+st.Dim.Render(c.t("user.no.memberships")))
	}
	if f.editable() && c.op.Role != model.RoleSupport && len(u.Memberships) > 0 {
		lines = append(lines, "  "+st.Dim.Render(c.t("user.rights.readonly")))
	}
	for _, m := range u.Memberships {
		lines = append(lines, "  "+safe.Line(m.OrgName)+" "+st.Dim.Render("("+safe.Line(m.OrgSlug)+")"))
		for _, r := range f.catalog {
			box := "[ ]"
			if f.rights[m.OrgID][r.Code] {
				box = "[x]"
			}
			text := box + " " + safe.Pad(safe.Line(r.Code), 17) + " " + safe.Line(r.LabelIn(c.lang))
			if f.editable() && c.op.CanGrant(r.Code) && c.may(model.ActionEditMemberships) {
				lines = append(lines, marker(formItem{kind: itemRight, org: m.OrgID, right: r.Code})+"   "+text)
			} else {
				lines = append(lines, "    "+st.Dim.Render(text))
			}
		}
	}
	return lines, focusLine
}
