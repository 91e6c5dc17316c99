package ui

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"gatehouse/model"
	"gatehouse/model/i18n"
	"gatehouse/store"
)

// common is what every screen of one session shares: the session's context (cancelled when
// the session ends), the store, the acting operator (with the session's read-only flag:
// op.May is the one answer to "does this action exist here"), styles, keys, language and size.
type common struct {
	ctx     context.Context
	st      *store.Store
	op      model.Operator
	styles  *Styles
	keys    *KeyMap
	lang    i18n.Lang
	dbLabel string
	width   int
	height  int
	now     func() time.Time
	// scopeOrg narrows the screens to one organization (":org SLUG"); 0 = all in scope.
	scopeOrg     int64
	scopeOrgSlug string
	// tick schedules a timed message (tea.Tick; tests make it immediate or silent).
	tick func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd
	// out is the session's terminal, for escape sequences sent beside the frames (OSC 52
	// clipboard); nil when there is none (tests, headless).
	out io.Writer
	// paneIDs numbers the session's list panes, so that each page answer finds its pane.
	paneIDs int
}

// t returns a catalog message in the session's language.
func (c *common) t(key string, args ...any) string { return i18n.T(c.lang, key, args...) }

// may reports whether the action exists in this session (the action policy).
func (c *common) may(a model.Action) bool { return c.op.Allows(a) }

// Screen is one screen of the console.
type Screen interface {
	Init() tea.Cmd
	Update(tea.Msg) (Screen, tea.Cmd)
	View() string
	SetSize(w, h int)
	// InputFocused reports whether a text field has focus: global keys are then ignored.
	InputFocused() bool
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
	Title() string
}

// screenFactory builds a screen; arg carries what to open (a user id...).
type screenFactory func(c *common, arg any) Screen

var screens = map[string]screenFactory{}

// registerScreen makes a screen reachable by name (":name" and navigateMsg).
func registerScreen(name string, f screenFactory) { screens[name] = f }

// Navigation and result messages.
type (
	navigateMsg struct {
		Screen string
		Arg    any
	}
	backMsg  struct{}
	flashMsg struct {
		Level flashLevel
		Text  string
	}
	// errMsg reports a failed store call; the app turns it into a flash or the outage banner.
	errMsg struct{ Err error }
	// reconnectedMsg is sent to the active screen when the database answers again.
	reconnectedMsg struct{}
	// scopeChangedMsg tells screens the organization scope changed.
	scopeChangedMsg struct{}
)

type flashLevel int

const (
	flashInfo flashLevel = iota
	flashWarn
	flashError
)

func flashCmd(level flashLevel, text string) tea.Cmd {
	return func() tea.Msg { return flashMsg{Level: level, Text: text} }
}

func navigate(screen string, arg any) tea.Cmd {
	return func() tea.Msg { return navigateMsg{Screen: screen, Arg: arg} }
}

func back() tea.Msg { return backMsg{} }

// errText turns a store error into a readable sentence (never a secret: store errors hold none).
func (c *common) errText(err error) string {
	var ce *store.ConflictError
	var de *store.DBError
	var pe *model.PolicyError
	switch {
	case errors.As(err, &ce):
		return c.t("err.conflict", strings.Join(ce.Changed, ", "))
	case errors.As(err, &pe):
		if c.lang == i18n.FR {
			return pe.ErrorFR()
		}
		return pe.Error()
	case errors.Is(err, store.ErrReadOnly):
		return c.t(model.ReasonReadOnly)
	case errors.Is(err, store.ErrNotFound):
		return c.t("err.notfound")
	case errors.Is(err, store.ErrSharedAccount):
		return c.t("err.shared")
	case errors.Is(err, store.ErrForbidden):
		return c.t("err.forbidden")
	case errors.Is(err, store.ErrTimeout):
		return c.t("err.timeout")
	case store.IsUnavailable(err):
		return c.t("err.unavailable")
	case errors.As(err, &de) && errors.Is(err, store.ErrDuplicate):
		return c.t("err.duplicate")
	case errors.As(err, &de) && errors.Is(err, store.ErrInvalid):
		return c.t("err.invalid", de.Detail+de.Constraint)
	case errors.Is(err, context.Canceled):
		return ""
	}
	return c.t("err.generic", err.Error())
}

// fmtTime renders a time for tables: date only when narrow.
func fmtTime(t *time.Time, withTime bool) string {
	if t == nil || t.IsZero() {
		return ""
	}
	if withTime {
		return t.UTC().Format("2006-01-02 15:04")
	}
	return t.UTC().Format("2006-01-02")
}

// Styles is built per session from the session's renderer (over SSH: the client's profile).
type Styles struct {
	Header, HeaderDim, Title, Footer, Flash, FlashWarn, FlashError, Banner lipgloss.Style
	TableHeader, Row, RowCursor, RowSelected, Dim, Label, Value, Box       lipgloss.Style
	BadgeActive, BadgeInvited, BadgeLocked, BadgeDisabled, BadgeDeleted    lipgloss.Style
	BadgeMust, OK, Fail, Key, Input, Section                               lipgloss.Style
}

// NewStyles builds the styles of one session.
func NewStyles(r *lipgloss.Renderer) *Styles {
	s := &Styles{}
	s.Header = r.NewStyle().Bold(true).Foreground(lipgloss.Color("15")).Background(lipgloss.Color("24"))
	s.HeaderDim = r.NewStyle().Foreground(lipgloss.Color("252")).Background(lipgloss.Color("24"))
	s.Title = r.NewStyle().Bold(true).Foreground(lipgloss.Color("39"))
	s.Footer = r.NewStyle().Foreground(lipgloss.Color("245"))
	s.Flash = r.NewStyle().Foreground(lipgloss.Color("42"))
	s.FlashWarn = r.NewStyle().Foreground(lipgloss.Color("214"))
	s.FlashError = r.NewStyle().Foreground(lipgloss.Color("196")).Bold(true)
	s.Banner = r.NewStyle().Bold(true).Foreground(lipgloss.Color("15")).Background(lipgloss.Color("124"))
	s.TableHeader = r.NewStyle().Bold(true).Foreground(lipgloss.Color("252")).Underline(true)
	s.Row = r.NewStyle()
	s.RowCursor = r.NewStyle().Reverse(true)
	s.RowSelected = r.NewStyle().Foreground(lipgloss.Color("214"))
	s.Dim = r.NewStyle().Foreground(lipgloss.Color("244"))
	s.Label = r.NewStyle().Foreground(lipgloss.Color("244"))
	s.Value = r.NewStyle()
	s.Box = r.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(lipgloss.Color("39")).Padding(0, 1)
	s.BadgeActive = r.NewStyle().Foreground(lipgloss.Color("42"))
	s.BadgeInvited = r.NewStyle().Foreground(lipgloss.Color("75"))
	s.BadgeLocked = r.NewStyle().Foreground(lipgloss.Color("196")).Bold(true)
	s.BadgeDisabled = r.NewStyle().Foreground(lipgloss.Color("244"))
	s.BadgeDeleted = r.NewStyle().Foreground(lipgloss.Color("240")).Strikethrough(true)
	s.BadgeMust = r.NewStyle().Foreground(lipgloss.Color("214"))
	s.OK = r.NewStyle().Foreground(lipgloss.Color("42"))
	s.Fail = r.NewStyle().Foreground(lipgloss.Color("196"))
	s.Key = r.NewStyle().Bold(true).Foreground(lipgloss.Color("252"))
	s.Input = r.NewStyle().Foreground(lipgloss.Color("15"))
	s.Section = r.NewStyle().Bold(true).Foreground(lipgloss.Color("39"))
	return s
}

// Badge styles a status badge word.
func (s *Styles) Badge(badge string) lipgloss.Style {
	switch badge {
	case "active":
		return s.BadgeActive
	case "invited":
		return s.BadgeInvited
	case "locked":
		return s.BadgeLocked
	case "disabled":
		return s.BadgeDisabled
	case "deleted":
		return s.BadgeDeleted
	case "must-change":
		return s.BadgeMust
	}
	return s.Value
}

// newInput returns a text input with a steady cursor: a blinking one would redraw every half
// second in every idle SSH session.
func newInput() textinput.Model {
	in := textinput.New()
	in.Cursor.SetMode(cursor.CursorStatic)
	return in
}
