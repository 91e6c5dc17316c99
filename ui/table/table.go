// Package table is the one column layout of gatehouse's text tables, the console's and the
// command line's: every cell is sanitized (a string from the database never reaches a
// terminal raw), measured in terminal cells (wide characters and grapheme clusters align),
// cut with "…" when it is longer than its column and padded to it.
package table

import (
	"strings"

	"gatehouse/model/safe"
)

// Layout is a table's columns: their widths in cells and what separates them.
type Layout struct {
	Widths []int
	Sep    string
	// Ragged cuts the last cell to its width without padding it: plain-text output ends its
	// lines without trailing spaces.
	Ragged bool
}

// Widths fits columns to their cells: each column as wide as its widest cell, at most its
// cap (a cap <= 0, or none given, leaves the column as wide as its cells).
func Widths(rows [][]string, caps []int) []int {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], safe.Width(c))
		}
	}
	for i := range widths {
		if i < len(caps) && caps[i] > 0 {
			widths[i] = min(widths[i], caps[i])
		}
	}
	return widths
}

// Line lays out one line of cells. style, when not nil, is given each fitted cell with its
// column's index (colour goes on after fitting: fitting sanitizes, so it would strip it).
func (l Layout) Line(cells []string, style func(j int, cell string) string) string {
	var b strings.Builder
	for j, c := range cells {
		if j > 0 {
			b.WriteString(l.Sep)
		}
		w := 0
		if j < len(l.Widths) {
			w = l.Widths[j]
		}
		if l.Ragged && j == len(cells)-1 {
			c = safe.Truncate(c, w)
		} else {
			c = safe.Pad(c, w)
		}
		if style != nil {
			c = style(j, c)
		}
		b.WriteString(c)
	}
	return b.String()
}
