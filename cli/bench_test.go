package cli

import (
	"testing"
	"unicode/utf8"
)

// The bench's common term is cut from a real name: on characters, so that a name with
// accents or in another script still gives a valid search term.
func TestBenchCommonTermIsValidText(t *testing.T) {
	for name, want := range map[string]string{
		"lefèvre":   "lefè", // cut on bytes, this was "lef\xc3"
		"nguyen":    "nguy",
		"smith":     "smith",
		"müller":    "müll",
		"żółw":      "żółw", // 4 characters in 7 bytes: not cut
		"dąbrowski": "dąbr",
		"東京都庁舎前":    "東京都庁",
		"ğ":         "ğ",
		"":          "",
	} {
		got := commonTerm(name)
		if got != want || !utf8.ValidString(got) {
			t.Errorf("commonTerm(%q) = %q, want %q", name, got, want)
		}
	}
}
