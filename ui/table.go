package ui

import (
	"github.com/charmbracelet/lipgloss"

	"gatehouse/ui/table"
)

// column is one column of a table of T: its title, width in cells, and the text of a row's
// cell (sanitized and fitted by the table, never by the caller).
type column[T any] struct {
	title string
	width int
	cell  func(T) string
}

// layout is the columns' layout in the console: one space between columns, every cell padded
// (the cursor's highlight spans the row). The command line lays out its tables with the same
// package (gatehouse/ui/table).
func layout[T any](cols []column[T]) table.Layout {
	widths := make([]int, len(cols))
	for i, col := range cols {
		widths[i] = col.width
	}
	return table.Layout{Widths: widths, Sep: " "}
}

// tableHeader renders the header line of a table (after a two-cell margin for the
// selection mark).
func tableHeader[T any](cols []column[T], style lipgloss.Style) string {
	titles := make([]string, len(cols))
	for i, col := range cols {
		titles[i] = col.title
	}
	return style.Render("  " + layout(cols).Line(titles, nil))
}

// tableRow renders one row: mark (two cells), then each cell sanitized and padded to its
// column; style, when not nil, colours the cell of column j.
func tableRow[T any](cols []column[T], item T, mark string, style func(j int, cell string) string) string {
	cells := make([]string, len(cols))
	for j, col := range cols {
		cells[j] = col.cell(item)
	}
	return mark + layout(cols).Line(cells, style)
}

// flexColumn is a column of a table laid out by fitColumns: its width, and the share (flex)
// of the room the line leaves that it grows by, up to maxw cells (0: no limit). A column of
// flex 0 keeps its width.
type flexColumn[T any] struct {
	column[T]
	flex, maxw int
}

// fitColumns lays columns out on a line of width cells (the selection mark included): the
// fixed columns keep their width, the flexible ones share what is left, each at least 6 cells.
// A column that must show its whole text (a login code) is given that text's width as a fixed
// column, so it is served before the others share the rest.
func fitColumns[T any](width int, cols ...flexColumn[T]) []column[T] {
	used, shares := 2, 0
	for _, c := range cols {
		used += c.width + 1
		shares += c.flex
	}
	rest := width - used
	out := make([]column[T], len(cols))
	for i, c := range cols {
		out[i] = c.column
		if c.flex > 0 {
			w := max(6, c.width+rest*c.flex/max(1, shares))
			if c.maxw > 0 {
				w = min(w, c.maxw)
			}
			out[i].width = w
		}
	}
	return out
}
