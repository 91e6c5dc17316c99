package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"gatehouse/model/safe"
	uitable "gatehouse/ui/table"
)

// nowFunc is the clock for status badges; tests may replace it.
var nowFunc = time.Now

// sanitizeLine makes a string from the database safe to print on one terminal line.
func sanitizeLine(s string) string { return safe.Line(s) }

// table prints aligned columns, laid out like the console's tables (gatehouse/ui/table):
// every cell sanitized and measured in terminal cells (wide characters align), each column
// as wide as its widest cell up to its maximum, two spaces between columns, no trailing
// spaces.
type table struct {
	header []string
	max    []int // maximum width per column (0 = unlimited)
	rows   [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) error {
	all := append([][]string{t.header}, t.rows...)
	l := uitable.Layout{Widths: uitable.Widths(all, t.max), Sep: "  ", Ragged: true}
	for _, r := range all {
		if _, err := io.WriteString(w, l.Line(r, nil)+"\n"); err != nil {
			return err
		}
	}
	return nil
}

// writeJSON writes v as one line of JSON. Characters a terminal would act on or hide
// (DEL, C1 controls, bidi and zero-width characters) are written as \uXXXX escapes:
// the same JSON value, but harmless when a script's output lands on a terminal.
func writeJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b = append(escapeInvisible(b), '\n')
	_, err = w.Write(b)
	return err
}

// escapeInvisible rewrites dangerous runes inside JSON text as \u escapes. JSON structure is
// ASCII, so such runes can only be inside strings, where the escape means the same rune.
func escapeInvisible(b []byte) []byte {
	if bytes.IndexFunc(b, invisible) < 0 {
		return b
	}
	out := make([]byte, 0, len(b)+32)
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if invisible(r) {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}

func invisible(r rune) bool {
	switch {
	case r == 0x7f,
		r >= 0x80 && r <= 0x9f,
		r == 0x061c,
		r >= 0x200b && r <= 0x200f,
		r >= 0x2028 && r <= 0x202e,
		r >= 0x2060 && r <= 0x206f,
		r == 0xfeff,
		r >= 0xfff9 && r <= 0xfffb:
		return true
	}
	return false
}

// when formats an optional time for a table (local time, minutes).
func when(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return t.Local().Format("2006-01-02 15:04")
}

// thousands writes 1234567 as 1,234,567.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
