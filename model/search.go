package model

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// People spell a name the way they hear it: without its accents, in either order, in any
// case. Search compares folded texts: FoldSearch of what was typed against the same folding
// of each user's name, e-mail and login code, which the database computes and indexes
// (search_fold in the migrations). The two must agree character for character; a test holds
// them together.

// foldLetters spell the letters that have no decomposition as they are typed without their
// stroke or ligature, final sigma as sigma, and typographic apostrophes as the typewriter's.
var foldLetters = map[rune]string{
	'ß': "ss", 'æ': "ae", 'œ': "oe", 'þ': "th",
	'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d", 'ħ': "h", 'ı': "i", 'ŧ': "t",
	'ς': "σ",
	'’': "'", '‘': "'", 'ʼ': "'",
}

// FoldSearch returns s as search compares it: in compatibility decomposition (NFKD: "ﬁ" is
// "fi", a full-width "Ａ" is "A", "é" is "e" and an acute accent), without the combining
// diacritical marks (U+0300–U+036F), in lower case, with the letters of foldLetters spelled
// out. Scripts whose marks lie outside that block (Japanese voicing marks, Arabic vowels)
// keep them.
func FoldSearch(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFKD.String(s) {
		if r >= 0x300 && r <= 0x36f {
			continue
		}
		b.WriteRune(r)
	}
	lower := strings.ToLower(b.String())
	if isASCII(lower) {
		return lower
	}
	b.Reset()
	for _, r := range lower {
		if f, ok := foldLetters[r]; ok {
			b.WriteString(f)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// SearchWords returns the words a search must all find (in any order), folded: the term
// split at spaces, without repeats and without a word that lies inside another one (its
// match is implied). Nil for a blank term.
func SearchWords(term string) []string {
	var words []string
	for _, w := range strings.Fields(FoldSearch(term)) {
		implied := false
		for i, o := range words {
			if strings.Contains(o, w) {
				implied = true
				break
			}
			if strings.Contains(w, o) {
				words[i] = ""
			}
		}
		if !implied {
			words = append(words, w)
		}
	}
	out := words[:0]
	for _, w := range words {
		if w != "" {
			out = append(out, w)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
