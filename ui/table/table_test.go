package table

import (
	"strings"
	"testing"

	"gatehouse/model/safe"
)

func TestWidthsFitTheCellsUpToTheirCaps(t *testing.T) {
	rows := [][]string{{"LOGIN", "NAME", "E-MAIL"}, {"ACME-1", "東京太郎", "a@example.org"}, {"X", "Zoé", strings.Repeat("m", 80)}}
	got := Widths(rows, []int{0, 6, 20})
	if want := []int{6, 6, 20}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("widths %v, want %v", got, want)
	}
	if got := Widths(rows, nil); got[1] != 8 || got[2] != 80 {
		t.Fatalf("uncapped widths %v", got)
	}
}

func TestLineAlignsSanitizesAndCuts(t *testing.T) {
	l := Layout{Widths: []int{6, 6, 8}, Sep: "  ", Ragged: true}
	lines := []string{
		l.Line([]string{"LOGIN", "NAME", "E-MAIL"}, nil),
		l.Line([]string{"ACME-1", "東京太郎", "a@b.c"}, nil),
		l.Line([]string{"X\x1b[2J", "Zoé\u202e", "averylongaddress@example.org"}, nil),
	}
	for _, line := range lines {
		if strings.ContainsAny(line, "\x1b\u202e") {
			t.Fatalf("a control reached the line: %q", line)
		}
	}
	// The first two columns start at the same cell on every line; wide characters count two.
	for _, line := range lines {
		if w := safe.Width(line[:strings.LastIndex(line, "  ")]); w != 6+2+6 {
			t.Fatalf("columns misaligned (%d cells before the last): %q", w, line)
		}
	}
	if !strings.HasSuffix(lines[1], "a@b.c") || !strings.HasSuffix(lines[2], "…") || safe.Width(lines[2]) > 6+2+6+2+8 {
		t.Fatalf("the ragged last cell is cut, never padded:\n%s", strings.Join(lines, "\n"))
	}
	padded := Layout{Widths: []int{4, 4}, Sep: " "}.Line([]string{"a", "b"}, func(j int, c string) string { return "[" + c + "]" })
	if padded != "[a   ] [b   ]" {
		t.Fatalf("style sees the fitted cell: %q", padded)
	}
}
