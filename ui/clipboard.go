package ui

import (
	"encoding/base64"
	"io"

	tea "github.com/charmbracelet/bubbletea"
)

// OSC 52 puts text on the clipboard of the terminal the operator sits at — also over SSH,
// since the sequence travels with the session's output. Terminals may refuse it (it is a
// setting in several of them); nothing comes back to tell, so the flash says "if allowed".

// osc52 returns the escape sequence that sets the clipboard to text.
func osc52(text string) string {
	return "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(text)) + "\x07"
}

// clipboardCopiedMsg reports a copy: ok when the sequence was written.
type clipboardCopiedMsg struct{ ok bool }

// copyCmd writes the OSC 52 sequence to the session's terminal w in a command (never from
// Update, never through tea.Printf, which alt-screen mode drops). The text is captured now.
func copyCmd(w io.Writer, text string) tea.Cmd {
	seq := osc52(text)
	return func() tea.Msg {
		if w == nil {
			return clipboardCopiedMsg{ok: false}
		}
		_, err := io.WriteString(w, seq)
		return clipboardCopiedMsg{ok: err == nil}
	}
}
