package ui

import (
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"gatehouse/model/safe"
)

// helpPage is the full help of the active screen: every key its actions table and panes list
// (an action the session may not take dimmed, with the reason), then the keys that work
// everywhere. The groups flow in as many columns as the window takes; a description too long
// for its column wraps under itself rather than being cut; and when the whole does not fit
// the body, it scrolls (the console's own move keys), the footer saying where the reader is
// and how to go on. Nothing of it is ever cut off: every key is reachable at 80×24.
type helpPage struct {
	c     *common
	title string
	vp    viewport.Model
}

// helpKeyWidth is the cells of the key column (the key padded, then one space).
const helpKeyWidth = 10

// keyColumn is the cells of the key column for these entries: helpKeyWidth, or the longest
// key name (in the session's language: "entrée/échap") and a space.
func keyColumn(entries []helpEntry) int {
	w := helpKeyWidth
	for _, e := range entries {
		w = max(w, safe.Width(e.key)+1)
	}
	return w
}

// helpGap is the blank cells between two columns of the help.
const helpGap = 3

func newHelpPage(c *common) helpPage {
	return helpPage{c: c, vp: viewport.New(0, 0)}
}

// refresh lays out the screen's groups (and the global keys) for a body of w×h cells,
// keeping the scroll position where it still can be.
func (p *helpPage) refresh(title string, groups [][]key.Binding, w, h int) {
	groups = append(slices.Clip(groups), globalHelp(p.c.keys))
	p.title = title
	p.vp.Width, p.vp.Height = max(1, w), max(1, h-1) // the title line above
	p.vp.SetContent(p.layout(groups, max(1, w)))
	p.vp.SetYOffset(p.vp.YOffset) // a shorter content or a taller window: clamp
}

// globalHelp is the help's last group: the keys the console answers on every screen.
func globalHelp(k *KeyMap) []key.Binding {
	return []key.Binding{k.Search, k.Command, k.Back, k.Help, k.Quit, k.ForceQuit}
}

// helpEntry is one line of the help before layout.
type helpEntry struct {
	key, desc string
	disabled  bool
}

// layout draws the groups in columns of the window's width.
func (p *helpPage) layout(groups [][]key.Binding, width int) string {
	var blocks [][]helpEntry
	var shown []helpEntry
	for _, g := range groups {
		var block []helpEntry
		for _, b := range g {
			hk := b.Help()
			e := helpEntry{key: keyName(p.c.lang, hk.Key), desc: hk.Desc, disabled: !b.Enabled()}
			// An action table lists a disabled action with the reason it is not offered
			// (actions.full); a binding disabled without a reason is left out.
			if e.disabled && !strings.Contains(e.desc, reasonSep) {
				continue
			}
			block = append(block, e)
			shown = append(shown, e)
		}
		if len(block) > 0 {
			blocks = append(blocks, block)
		}
	}
	keyW, natural := keyColumn(shown), 0
	for _, e := range shown {
		natural = max(natural, keyW+safe.Width(e.desc))
	}
	inner := min(natural, max(keyW+1, width-helpGap))
	colW := inner + helpGap
	perRow := max(1, width/colW)
	st := p.c.styles
	var rows []string
	for i := 0; i < len(blocks); i += perRow {
		var cols []string
		for _, block := range blocks[i:min(len(blocks), i+perRow)] {
			var lines []string
			for _, e := range block {
				for j, l := range wrapHelp(e.desc, max(1, inner-keyW)) {
					k := ""
					if j == 0 {
						k = e.key
					}
					line := safe.Pad(k, keyW-1) + " " + l
					switch {
					case e.disabled:
						line = st.Dim.Render(line)
					case j == 0:
						line = st.Key.Render(safe.Pad(k, keyW-1)) + " " + l
					}
					lines = append(lines, line)
				}
			}
			cols = append(cols, lipgloss.NewStyle().Width(colW).Render(strings.Join(lines, "\n")))
		}
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, cols...))
	}
	return strings.Join(rows, "\n\n")
}

// wrapHelp breaks a description into lines of at most width cells, at spaces (a no-break
// space, as French puts before a colon, holds); the dash before a disabled action's reason
// stays on the description's line, so that the line always says it is not offered.
func wrapHelp(desc string, width int) []string {
	if safe.Width(desc) <= width {
		return []string{desc}
	}
	own, reason, hasReason := strings.Cut(desc, reasonSep)
	words, line := strings.Split(own, " "), ""
	if hasReason {
		words, line = strings.Split(reason, " "), own+strings.TrimRight(reasonSep, " ")
	}
	var lines []string
	for _, w := range words {
		if w == "" {
			continue
		}
		switch {
		case line == "":
			line = w
		case safe.Width(line)+1+safe.Width(w) <= width:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	lines = append(lines, line)
	// A word wider than the column (a long code) is cut into pieces that fit.
	var out []string
	for _, l := range lines {
		out = append(out, strings.Split(ansi.Hardwrap(l, width, true), "\n")...)
	}
	return out
}

// scroll moves through the help with the console's move keys; other keys do nothing.
func (p *helpPage) scroll(msg tea.KeyMsg) {
	k := p.c.keys
	switch {
	case key.Matches(msg, k.Down):
		p.vp.ScrollDown(1)
	case key.Matches(msg, k.Up):
		p.vp.ScrollUp(1)
	case key.Matches(msg, k.NextPage):
		p.vp.PageDown()
	case key.Matches(msg, k.PrevPage):
		p.vp.PageUp()
	case key.Matches(msg, k.Top):
		p.vp.GotoTop()
	case key.Matches(msg, k.Bottom):
		p.vp.GotoBottom()
	}
}

// top puts the help back at its beginning (it opens there).
func (p *helpPage) top() { p.vp.GotoTop() }

// View is the title over the visible part of the help.
func (p *helpPage) View() string {
	return p.c.styles.Section.Render(p.title) + "\n" + p.vp.View()
}

// pages is where the reader is: the page on screen and how many there are.
func (p *helpPage) pages() (page, of int) {
	h := max(1, p.vp.Height)
	of = max(1, (p.vp.TotalLineCount()+h-1)/h)
	page = min(of, p.vp.YOffset/h+1)
	if p.vp.AtBottom() {
		page = of
	}
	return page, of
}

// Footer is the key line while the help is open: the page, whether more follows, and the
// keys that scroll and close it.
func (p *helpPage) Footer(view func([]key.Binding) string) string {
	c := p.c
	h := func(bs []key.Binding) string { return view(localKeys(c.lang, bs)) }
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, c.t(desc)))
	}
	closeKey := b("esc/?", "help.key.close", "esc", "?")
	page, of := p.pages()
	if of == 1 {
		return h([]key.Binding{closeKey})
	}
	where := c.t("help.page", page, of) + " · " + c.t("help.more")
	if p.vp.AtBottom() {
		where = c.t("help.page", page, of) + " · " + c.t("help.end")
	}
	return where + " · " + h([]key.Binding{closeKey, b("↑↓/jk", "help.key.scroll", "up", "down"),
		b("pgup/pgdn", "help.key.page", "pgup", "pgdown"), b("g/G", "help.key.ends", "g", "G")})
}
