package ui

import (
	"strings"

	"github.com/charmbracelet/lipgloss"

	"gatehouse/model/safe"
)

// column is one column of a table of T: its title, width in cells, and the text of a row's
// cell (sanitized and fitted by the table, never by the caller).
type column[T any] struct {
	title string
	width int
	cell  func(T) string
}

// tableHeader renders the header line of a table (after a two-cell margin for the
// selection mark).
func tableHeader[T any](cols []column[T], style lipgloss.Style) string {
	var b strings.Builder
	b.WriteString("  ")
	for i, col := range cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(safe.Pad(col.title, col.width))
	}
	return style.Render(b.String())
}

// tableRow renders one row: mark (two cells), then each cell sanitized and padded to its
// column; style, when not nil, colours the cell of column j.
func tableRow[T any](cols []column[T], item T, mark string, style func(j int, cell string) string) string {
	var b strings.Builder
	b.WriteString(mark)
	for j, col := range cols {
		if j > 0 {
			b.WriteByte(' ')
		}
		cell := safe.Pad(safe.Line(col.cell(item)), col.width)
		if style != nil {
			cell = style(j, cell)
		}
		b.WriteString(cell)
	}
	return b.String()
}
