package ui

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"gatehouse/model"
	"gatehouse/model/i18n"
	"gatehouse/model/safe"
	"gatehouse/store"
)

// Minimum terminal size the console lays out for.
const (
	minWidth  = 80
	minHeight = 24
)

// App is the root model: the screen stack, header, footer, flash line, help, command line and
// the database-outage banner.
type App struct {
	c        *common
	stack    []Screen
	help     help.Model
	spin     spinner.Model
	showHelp bool
	helpPage helpPage // the full help, while showHelp

	cmdActive bool
	cmdInput  textinput.Model

	flash      flashMsg
	flashSeq   int
	spinning   bool // a spinner tick is scheduled
	dbDown     bool
	pingActive bool
	mailWatch  store.MailWatch // where the look for e-mails that failed stands
}

// NewApp builds the console for one session.
func NewApp(ctx context.Context, st *store.Store, op model.Operator, opt Options, r *lipgloss.Renderer) *App {
	lang := i18n.Parse(opt.Lang)
	if opt.Lang == "" {
		lang = i18n.FromEnv()
	}
	// The read-only flag goes into the operator: the screens ask op.May, and every store
	// call of the session carries it (the store refuses a read-only operator's changes).
	op.ReadOnly = op.ReadOnly || opt.ReadOnly
	keys := NewKeyMap(lang)
	c := &common{
		ctx: ctx, st: st, op: op, lang: lang, dbLabel: opt.DBLabel,
		styles: NewStyles(r), keys: keys, now: st.Now,
		width: minWidth, height: minHeight, tick: tea.Tick, out: opt.Output,
	}
	if c.out == nil && r != nil {
		c.out = r.Output().Writer() // the session's terminal (over SSH: the channel)
	}
	in := newInput()
	in.Prompt = ":"
	in.CharLimit = 200
	h := help.New()
	h.ShortSeparator = " · "
	sp := spinner.New(spinner.WithSpinner(spinner.MiniDot))
	a := &App{c: c, help: h, cmdInput: in, spin: sp, helpPage: newHelpPage(c)}
	a.stack = []Screen{screens["users"](c, nil)}
	a.active().SetSize(a.bodySize())
	return a
}

func (a *App) active() Screen { return a.stack[len(a.stack)-1] }

// Init starts the home screen and the look for e-mails that failed.
func (a *App) Init() tea.Cmd {
	a.spinning = true
	return tea.Batch(a.active().Init(), a.spin.Tick, a.pollMail())
}

// busy reports whether the active screen is waiting for the database.
func (a *App) busy() bool {
	w, ok := a.active().(interface{ Busy() bool })
	return ok && w.Busy()
}

type flashClearMsg struct{ seq int }
type pingMsg struct{ err error }
type pingTickMsg struct{}

// Update routes messages: window size to every screen, keys to the active one, global keys
// (quit, help, command line) unless a text field has focus. The spinner ticks only while a
// screen is loading: each tick is an Update and a View of the whole console, and an idle
// session (50 of them over SSH) must cost next to nothing.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, tick := msg.(spinner.TickMsg); tick && !a.busy() {
		a.spinning = false // no next tick until something loads
		return a, nil
	}
	m, cmd := a.update(msg)
	if a.showHelp {
		a.refreshHelp() // the window or the screen's state may have changed what it lists
	}
	if !a.spinning && a.busy() {
		a.spinning = true
		cmd = tea.Batch(cmd, a.spin.Tick)
	}
	return m, cmd
}

func (a *App) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.c.width, a.c.height = msg.Width, msg.Height
		a.help.Width = msg.Width
		for _, s := range a.stack {
			s.SetSize(a.bodySize())
		}
		// The active screen may need more rows than it has (a taller window): let it react.
		s, cmd := a.active().Update(msg)
		a.stack[len(a.stack)-1] = s
		return a, cmd
	case spinner.TickMsg:
		var cmd tea.Cmd
		a.spin, cmd = a.spin.Update(msg)
		return a, cmd
	case flashMsg:
		a.flash = msg
		a.flashSeq++
		seq := a.flashSeq
		return a, a.c.tick(5*time.Second, func(time.Time) tea.Msg { return flashClearMsg{seq} })
	case flashClearMsg:
		if msg.seq == a.flashSeq {
			a.flash = flashMsg{}
		}
		return a, nil
	case errMsg:
		return a, a.handleErr(msg.Err)
	case mailPollTickMsg:
		return a, a.pollMail()
	case mailPolledMsg:
		return a, a.mailPolled(msg)
	case pingTickMsg:
		st, ctx := a.c.st, a.c.ctx
		return a, func() tea.Msg {
			pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			defer cancel()
			return pingMsg{err: st.Ping(pctx)}
		}
	case pingMsg:
		if msg.err != nil {
			return a, a.c.tick(2*time.Second, func(time.Time) tea.Msg { return pingTickMsg{} })
		}
		a.dbDown, a.pingActive = false, false
		s, cmd := a.active().Update(reconnectedMsg{})
		a.stack[len(a.stack)-1] = s
		return a, tea.Batch(cmd, flashCmd(flashInfo, a.c.t("db.back")))
	case navigateMsg:
		f, ok := screens[msg.Screen]
		if !ok {
			return a, flashCmd(flashError, a.c.t("cmd.unknown", msg.Screen, a.commandNames()))
		}
		s := f(a.c, msg.Arg)
		s.SetSize(a.bodySize())
		a.stack = append(a.stack, s)
		return a, s.Init()
	case backMsg:
		return a, a.pop()
	case scopeSetMsg:
		a.c.scopeOrg, a.c.scopeOrgSlug = msg.id, msg.slug
		return a, tea.Batch(flashCmd(flashInfo, a.c.t("cmd.org.set", safe.Line(msg.slug))), a.broadcastScope())
	case tea.KeyMsg:
		return a.handleKey(msg)
	}
	s, cmd := a.active().Update(msg)
	a.stack[len(a.stack)-1] = s
	return a, cmd
}

func (a *App) pop() tea.Cmd {
	if len(a.stack) == 1 {
		return nil
	}
	if cl, ok := a.active().(interface{ Close() }); ok {
		cl.Close()
	}
	a.stack = a.stack[:len(a.stack)-1]
	// The screen below may show stale data (an unlock, an edit): let it refresh.
	s, cmd := a.active().Update(reconnectedMsg{})
	a.stack[len(a.stack)-1] = s
	return cmd
}

func (a *App) handleErr(err error) tea.Cmd {
	if err == nil || errors.Is(err, context.Canceled) {
		return nil
	}
	if store.IsUnavailable(err) {
		a.dbDown = true
		if !a.pingActive {
			a.pingActive = true
			return a.c.tick(2*time.Second, func(time.Time) tea.Msg { return pingTickMsg{} })
		}
		return nil
	}
	return flashCmd(flashError, a.c.errText(err))
}

func (a *App) handleKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k := a.c.keys
	if raw, ok := a.active().(interface{ RawInput() bool }); msg.Type == tea.KeyRunes && !(ok && raw.RawInput()) {
		msg.Runes = typedRunes(msg.Runes)
	}
	if key.Matches(msg, k.ForceQuit) {
		return a, tea.Quit
	}
	if a.showHelp {
		if key.Matches(msg, k.Help, k.Back, k.Quit) {
			a.showHelp = false
		} else {
			a.helpPage.scroll(msg)
		}
		return a, nil
	}
	if a.cmdActive {
		switch msg.Type {
		case tea.KeyEsc:
			a.cmdActive = false
			a.cmdInput.Blur()
			return a, nil
		case tea.KeyEnter:
			a.cmdActive = false
			a.cmdInput.Blur()
			return a, a.runCommand(a.cmdInput.Value())
		}
		var cmd tea.Cmd
		a.cmdInput, cmd = a.cmdInput.Update(msg)
		return a, cmd
	}
	if !a.active().InputFocused() {
		switch {
		case key.Matches(msg, k.Help):
			a.showHelp = true
			a.refreshHelp()
			a.helpPage.top()
			return a, nil
		case key.Matches(msg, k.Command):
			a.cmdActive = true
			a.cmdInput.SetValue("")
			return a, a.cmdInput.Focus()
		case key.Matches(msg, k.Quit):
			if len(a.stack) > 1 {
				return a, a.pop()
			}
			return a, tea.Quit
		}
	}
	s, cmd := a.active().Update(msg)
	a.stack[len(a.stack)-1] = s
	return a, cmd
}

// command is one entry of the command line: a name it accepts (a registered screen or a
// command word; typed in either language, see resolveScreen), the argument it takes (the
// catalog's placeholder for it, "" for none) and what it does with the words after it.
type command struct {
	name string
	arg  string
	run  func(a *App, args []string) tea.Cmd
}

// commands is the command line's table, in the order its help lists them: every screen (by
// its name in the session's language), then :user LOGIN|EMAIL|ID, :org SLUG and :quit.
// runCommand dispatches from it and its help is written from it: a screen registered or a
// command added here is offered without a second list to keep. "home" (the Users list) and
// "q" are shorthands of users and quit.
func (a *App) commands() []command {
	l := a.c.lang
	var out []command
	for n := range screens {
		switch n {
		case "user":
		case "users":
			out = append(out, command{name: n, run: func(a *App, _ []string) tea.Cmd { return a.home() }})
		default:
			out = append(out, command{name: n, run: func(_ *App, args []string) tea.Cmd {
				var arg any
				if len(args) > 0 {
					arg = strings.Join(args, " ")
				}
				return navigate(n, arg)
			}})
		}
	}
	sort.Slice(out, func(i, j int) bool { return screenName(l, out[i].name) < screenName(l, out[j].name) })
	return append(out,
		command{name: "user", arg: "cmd.user.arg", run: func(a *App, args []string) tea.Cmd {
			if len(args) == 0 {
				return navigate("user", nil)
			}
			return a.findUser(strings.Join(args, " "))
		}},
		command{name: "org", arg: "cmd.org.arg", run: func(a *App, args []string) tea.Cmd { return a.setScope(args) }},
		command{name: "quit", run: func(*App, []string) tea.Cmd { return tea.Quit }},
	)
}

// commandNames lists what the command line accepts, in the session's language, each command
// with its argument ("user LOGIN|EMAIL|ID").
func (a *App) commandNames() string {
	return strings.Join(a.commandItems(), ", ")
}

func (a *App) commandItems() []string {
	var items []string
	for _, cmd := range a.commands() {
		item := screenName(a.c.lang, cmd.name)
		if cmd.arg != "" {
			item += " " + a.c.t(cmd.arg)
		}
		items = append(items, item)
	}
	return items
}

// commandHelp is the command line's help ("go to screen (…):") in lines of at most w cells,
// broken between two commands, never inside one: every command stays readable at 80 columns.
func (a *App) commandHelp(w int) []string {
	prompt := a.c.t("cmd.prompt", "\x00")
	head, tail, _ := strings.Cut(prompt, "\x00")
	items := a.commandItems()
	var lines []string
	line := head
	for i, item := range items {
		part := item
		if i < len(items)-1 {
			part += ","
		} else {
			part += tail
		}
		switch {
		case line == head:
			line += part
		case safe.Width(line)+1+safe.Width(part) <= w:
			line += " " + part
		default:
			lines = append(lines, line)
			line = part
		}
	}
	return append(lines, line)
}

// home goes back to the Users list, the console's first screen, and refreshes it.
func (a *App) home() tea.Cmd {
	a.stack = a.stack[:1]
	s, cmd := a.active().Update(reconnectedMsg{})
	a.stack[0] = s
	return cmd
}

// typedRunes drops from typed or pasted text what model/safe would not draw: controls and
// format characters (bidi overrides and isolates, zero-width characters); tabs, line
// breaks and separators become spaces. A text field then never holds, nor draws, a character
// that reorders or hides the line (the text inputs draw their value as is). Masked fields
// (passwords) take the keys raw: a password is what was typed.
func typedRunes(rs []rune) []rune {
	var out []rune // nil while nothing changed
	for i, r := range rs {
		c, keep := r, r >= 0x20 && r != 0x7f && !(r >= 0x80 && r <= 0x9f) && !unicode.Is(unicode.Cf, r)
		switch r {
		case '\t', '\n', '\r', 0x2028, 0x2029:
			c, keep = ' ', true
		}
		if out == nil {
			if keep && c == r {
				continue
			}
			out = append(make([]rune, 0, len(rs)), rs[:i]...)
		}
		if keep {
			out = append(out, c)
		}
	}
	if out == nil {
		return rs
	}
	return out
}

// runCommand handles ":name [arg]".
func (a *App) runCommand(line string) tea.Cmd {
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return nil
	}
	name := strings.ToLower(fields[0])
	if n := resolveScreen(name); n != "" {
		name = n
	}
	switch name {
	case "q":
		name = "quit"
	case "home":
		name = "users"
	}
	for _, cmd := range a.commands() {
		if cmd.name == name {
			return cmd.run(a, fields[1:])
		}
	}
	return flashCmd(flashError, a.c.t("cmd.unknown", name, a.commandNames()))
}

// findUser opens the user a login code, an e-mail or an id names (":user ACME-7K2Q9"): the
// console shows login codes and e-mails, never the internal id.
func (a *App) findUser(ident string) tea.Cmd {
	c := a.c
	st, ctx, op := c.st, c.ctx, c.op
	return func() tea.Msg {
		u, err := st.FindUser(ctx, op, ident)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return flashMsg{Level: flashError, Text: c.t("cmd.user.unknown", safe.Line(ident))}
			}
			return errMsg{err}
		}
		return navigateMsg{Screen: "user", Arg: u.ID}
	}
}

func (a *App) setScope(args []string) tea.Cmd {
	c := a.c
	if len(args) == 0 || args[0] == "*" || args[0] == "all" {
		c.scopeOrg, c.scopeOrgSlug = 0, ""
		return tea.Batch(flashCmd(flashInfo, c.t("cmd.org.none")), a.broadcastScope())
	}
	st, ctx, op, slug := c.st, c.ctx, c.op, args[0]
	return func() tea.Msg {
		o, err := st.OrganizationBySlug(ctx, op, slug)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return flashMsg{Level: flashError, Text: c.t("cmd.org.unknown", safe.Line(slug))}
			}
			return errMsg{err}
		}
		return scopeSetMsg{id: o.ID, slug: o.Slug}
	}
}

type scopeSetMsg struct {
	id   int64
	slug string
}

func (a *App) broadcastScope() tea.Cmd {
	var cmds []tea.Cmd
	for i, s := range a.stack {
		ns, cmd := s.Update(scopeChangedMsg{})
		a.stack[i] = ns
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}

// bodySize is the room left for the active screen between header and footer.
func (a *App) bodySize() (int, int) {
	h := a.c.height - 4 // header, status/flash line, key help, and the outage banner or a spacer
	if h < 1 {
		h = 1
	}
	return a.c.width, h
}

// View draws header, body, flash and footer, fitted to the window.
func (a *App) View() string {
	c := a.c
	w, h := c.width, c.height
	if w < minWidth || h < minHeight {
		return fit(c.t("too.small", w, h, minWidth, minHeight), w, h)
	}
	var b strings.Builder
	b.WriteString(a.header())
	b.WriteByte('\n')
	if a.dbDown {
		b.WriteString(c.styles.Banner.Render(safe.Pad(" "+c.t("db.down"), w)))
	} else {
		// A title can hold a long name (User · NAME): cut to the window like every other line.
		line := c.styles.Title.Render(safe.Truncate(a.active().Title(), w))
		if n := c.st.ReplicaNotice(); n != "" {
			line += "  " + c.styles.FlashWarn.Render(n)
		}
		b.WriteString(ansi.Truncate(line, w, ""))
	}
	b.WriteByte('\n')
	_, bh := a.bodySize()
	var body string
	if a.showHelp {
		body = a.helpPage.View()
	} else {
		body = a.active().View()
	}
	if a.cmdActive {
		// The command line's help, above it: its last line on the flash line.
		cmdHelp := a.commandHelp(w - 1)
		if len(cmdHelp) > bh {
			cmdHelp = cmdHelp[len(cmdHelp)-bh:]
		}
		b.WriteString(fit(body, w, bh-len(cmdHelp)+1))
		b.WriteByte('\n')
		for _, l := range cmdHelp {
			b.WriteString(c.styles.Dim.Render(safe.Pad(" "+l, w)))
			b.WriteByte('\n')
		}
	} else {
		// A flash too long for its line goes on in the body's empty bottom lines, if it has
		// some: it never hides what the screen shows (a question, the page's position). A
		// screen whose body scrolls is drawn shorter when that is not enough, so that the
		// flash is read whole.
		lines := strings.Split(fit(body, w, bh), "\n")
		room := emptyBottom(lines)
		if need := a.flashNeed(); need > 1+room && !a.showHelp {
			if sb, ok := a.active().(scrollingBody); ok {
				lines = strings.Split(fit(sb.ViewIn(max(1, bh-(need-1))), w, bh), "\n")
				room = emptyBottom(lines)
			}
		}
		flash := a.flashLines(1 + room)
		b.WriteString(strings.Join(lines[:len(lines)-len(flash)+1], "\n"))
		b.WriteByte('\n')
		b.WriteString(strings.Join(flash, "\n"))
		b.WriteByte('\n')
	}
	switch {
	case a.cmdActive:
		b.WriteString(ansi.Truncate(a.cmdInput.View(), w, ""))
	case a.showHelp:
		b.WriteString(ansi.Truncate(a.helpPage.Footer(a.help.ShortHelpView), w, ""))
	default:
		b.WriteString(ansi.Truncate(a.help.ShortHelpView(localKeys(c.lang, append([]key.Binding{a.c.keys.Help, a.c.keys.Quit}, a.active().ShortHelp()...))), w, ""))
	}
	return b.String()
}

func (a *App) header() string {
	c := a.c
	scope := c.t("hdr.scope.all")
	if c.scopeOrgSlug != "" {
		scope = c.scopeOrgSlug
	} else if !c.op.AllOrgs() {
		scope = c.tn("hdr.scope.orgs", len(c.op.OrgIDs))
	}
	parts := []string{
		" " + c.t("app.name"),
		c.t("hdr.operator") + " " + safe.Line(c.op.Name) + " (" + c.t("role."+string(c.op.Role)) + ")",
		c.t("hdr.scope.is", scope),
		c.t("hdr.db.is", safe.Line(c.dbLabel)),
	}
	if c.op.ReadOnly {
		parts = append(parts, c.t("hdr.readonly"))
	}
	// A narrow window drops the database's part (the least needed) before cutting the line.
	line := strings.Join(parts, " · ")
	if safe.Width(line) > c.width {
		line = strings.Join(slices.Delete(parts, 3, 4), " · ")
	}
	return c.styles.Header.Render(safe.Pad(line, c.width))
}

// scrollingBody is a screen whose body scrolls: it can be drawn in fewer lines than its size
// and still shows what matters (the focus, an open question).
type scrollingBody interface {
	ViewIn(height int) string
}

// emptyBottom counts the empty lines at the bottom of the body (never its first line).
func emptyBottom(lines []string) int {
	room := 0
	for room < len(lines)-1 && strings.TrimSpace(ansi.Strip(lines[len(lines)-1-room])) == "" {
		room++
	}
	return room
}

// flashNeed is how many lines the flash needs to be read whole (three at the most).
func (a *App) flashNeed() int { return len(a.flashLines(3)) }

// flashLines is the status line: the flash, on up to most lines (three at the most) when one
// cannot hold it, cut after the last; or the spinner while the screen works.
func (a *App) flashLines(most int) []string {
	c := a.c
	if a.flash.Text == "" {
		if w, ok := a.active().(interface{ Busy() bool }); ok && w.Busy() {
			return []string{a.spin.View() + " " + c.styles.Dim.Render(c.t("working"))}
		}
		return []string{""}
	}
	st := c.styles.Flash
	switch a.flash.Level {
	case flashWarn:
		st = c.styles.FlashWarn
	case flashError:
		st = c.styles.FlashError
	}
	text := safe.Line(a.flash.Text)
	if safe.Width(text) <= c.width || most <= 1 {
		return []string{st.Render(safe.Truncate(text, c.width))}
	}
	lines := wrapCells(text, c.width)
	if most = min(most, 3); len(lines) > most {
		lines = append(lines[:most-1], strings.Join(lines[most-1:], " "))
	}
	for i, l := range lines {
		lines[i] = st.Render(safe.Truncate(l, c.width))
	}
	return lines
}

// refreshHelp lays the active screen's full help out for the body.
func (a *App) refreshHelp() {
	w, h := a.bodySize()
	a.helpPage.refresh(a.c.t("help.title")+" — "+a.active().Title(), a.active().FullHelp(), w, h)
}

// fit cuts or pads s to exactly h lines of at most w cells (styles kept).
func fit(s string, w, h int) string {
	if w < 1 {
		w = 1
	}
	if h < 1 {
		h = 1
	}
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, w, "")
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// runConsole runs the console program on the terminal (or the given input/output).
func runConsole(ctx context.Context, st *store.Store, op model.Operator, opt Options) error {
	var opts []tea.ProgramOption
	r := lipgloss.DefaultRenderer()
	if opt.Input != nil {
		opts = append(opts, tea.WithInput(opt.Input))
	}
	if opt.Output != nil {
		opts = append(opts, tea.WithOutput(opt.Output))
		r = lipgloss.NewRenderer(opt.Output)
	}
	opts = append(opts, tea.WithAltScreen(), tea.WithContext(ctx))
	app := NewApp(ctx, st, op, opt, r)
	_, err := tea.NewProgram(app, opts...).Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	return err
}
