package model

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The shapes a guesser tries first, found in a password: repeated characters and blocks
// (aaaa, abab, passwordpassword), sequences (abcd, 4321, 7890123), walks on a keyboard
// (qwerty, azerty and qwertz rows, 1qaz2wsx) and look-alike characters (p@ssw0rd).

// patternMaxRunes bounds the pattern analysis: longer passwords are refused by the maximum
// length anyway, and the block search is quadratic.
const patternMaxRunes = 256

// Pattern kinds, in the order that breaks a tie (the first one names the reason).
const (
	patternRepeat = iota
	patternSequence
	patternKeyboard
	patternKinds
)

// keyboardLayouts are the keyboards whose walks are recognized: four rows of keys from the
// digit row down, each row as its unshifted and its shifted characters (same length). Each
// row starts one key to the right of the row above, as on a real keyboard, so a key's
// neighbours are the keys beside it, the two above (same and next column) and the two below
// (previous and same column). The keys left of 1, q, a and z (`, tab, caps, the ISO < key)
// are left out, so the columns line up.
var keyboardLayouts = [][4][2]string{
	{ // qwerty (US)
		{"1234567890-=", "!@#$%^&*()_+"},
		{"qwertyuiop[]", "QWERTYUIOP{}"},
		{"asdfghjkl;'\\", "ASDFGHJKL:\"|"},
		{"zxcvbnm,./", "ZXCVBNM<>?"},
	},
	{ // azerty (French)
		{"&é\"'(-è_çà)=", "1234567890°+"},
		{"azertyuiop^$", "AZERTYUIOP¨£"},
		{"qsdfghjklmù*", "QSDFGHJKLM%µ"},
		{"wxcvbn,;:!", "WXCVBN?./§"},
	},
	{ // qwertz (German, Swiss)
		{"1234567890ß´", "!\"§$%&/()=?`"},
		{"qwertzuiopü+", "QWERTZUIOPÜ*"},
		{"asdfghjklöä#", "ASDFGHJKLÖÄ'"},
		{"yxcvbnm,.-", "YXCVBNM;:_"},
	},
}

// keyPos is a key's row and column on one layout.
type keyPos struct{ row, col int }

// keyboardMaps maps, for each layout, a (lower-case) character to its key.
var keyboardMaps = func() []map[rune]keyPos {
	maps := make([]map[rune]keyPos, len(keyboardLayouts))
	for i, layout := range keyboardLayouts {
		m := map[rune]keyPos{}
		for r, row := range layout {
			for _, chars := range row {
				for c, ch := range []rune(chars) {
					ch = unicode.ToLower(ch)
					if _, dup := m[ch]; !dup {
						m[ch] = keyPos{r, c}
					}
				}
			}
		}
		maps[i] = m
	}
	return maps
}()

// adjacentKeys reports whether a and b are neighbouring keys (not the same key).
func adjacentKeys(a, b keyPos) bool {
	switch b.row - a.row {
	case 0:
		return b.col == a.col-1 || b.col == a.col+1
	case -1:
		return b.col == a.col || b.col == a.col+1
	case 1:
		return b.col == a.col || b.col == a.col-1
	}
	return false
}

// patternCoverage marks, for each rune of low (lower-case, NFKC), whether it is part of a
// pattern, and counts the runes each kind of pattern covers:
//   - a repeat: the same character 3 times or more in a row, or a block of 3 or more
//     characters repeated at least once right after itself (abcabc, passwordpassword), or
//     of 2 repeated twice (ababab);
//   - a sequence: 3 or more characters whose code points go up or down by one (abc, 987,
//     and 7890123 on the digits);
//   - a keyboard walk: 4 or more characters each a neighbour of the one before on one
//     layout, never straight back to the key before (qwer, 1qaz, poiuy; not gbgt); the
//     walks of one layout count, the one that covers the most.
func patternCoverage(low []rune) (covered []bool, byKind [patternKinds]int) {
	n := len(low)
	covered = make([]bool, n)
	var kind [patternKinds][]bool
	for k := range kind {
		kind[k] = make([]bool, n)
	}
	mark := func(k, from, to int) {
		for i := from; i < to; i++ {
			kind[k][i] = true
		}
	}

	// Runs of one character.
	for i := 0; i < n; {
		j := i + 1
		for j < n && low[j] == low[i] {
			j++
		}
		if j-i >= 3 {
			mark(patternRepeat, i, j)
		}
		i = j
	}
	// Blocks repeated right after themselves: positions where low[j] == low[j+l] for l
	// consecutive j or more make a stretch of period l at least two blocks long.
	for l := 2; l <= n/2; l++ {
		need := l // two blocks; three of two characters
		if l == 2 {
			need = 4
		}
		run := 0
		for j := 0; j+l < n; j++ {
			if low[j] == low[j+l] {
				run++
			} else {
				run = 0
			}
			if run >= need && (j+l+1 == n || low[j+1] != low[j+1+l]) {
				mark(patternRepeat, j-run+1, j+l+1)
			}
		}
	}
	// Sequences: a step of +1 or -1, the digits wrapping around (…8901…).
	step := func(a, b rune) int {
		switch {
		case b == a+1, a == '9' && b == '0':
			return 1
		case b == a-1, a == '0' && b == '9':
			return -1
		}
		return 0
	}
	for i := 0; i+1 < n; {
		d := step(low[i], low[i+1])
		if d == 0 {
			i++
			continue
		}
		j := i + 1
		for j+1 < n && step(low[j], low[j+1]) == d {
			j++
		}
		if j-i+1 >= 3 {
			mark(patternSequence, i, j+1)
		}
		i = j
	}
	// Keyboard walks, layout by layout: a person types on one keyboard, so the walks of
	// the layout that covers the most count.
	var bestWalks []bool
	bestTotal := -1
	for _, keys := range keyboardMaps {
		walks := make([]bool, n)
		for i := 0; i < n; {
			p, ok := keys[low[i]]
			if !ok {
				i++
				continue
			}
			j := i
			for j+1 < n {
				q, ok := keys[low[j+1]]
				if !ok || !adjacentKeys(p, q) || (j > i && low[j+1] == low[j-1]) {
					break
				}
				p = q
				j++
			}
			if j-i+1 >= 4 {
				for k := i; k <= j; k++ {
					walks[k] = true
				}
			}
			i = j + 1
		}
		total := 0
		for i := range walks {
			if walks[i] || kind[patternRepeat][i] || kind[patternSequence][i] {
				total++
			}
		}
		if total > bestTotal {
			bestTotal, bestWalks = total, walks
		}
	}
	kind[patternKeyboard] = bestWalks
	for k := range kind {
		for i, c := range kind[k] {
			if c {
				byKind[k]++
				covered[i] = true
			}
		}
	}
	return covered, byKind
}

// leetLetters maps the look-alike characters of leetspeak to the letter they stand for.
// The skeleton of a word (see skeleton) also maps 'l' to 'i', so that 1 (for i or l), ! and
// | land on one letter whichever was meant.
var leetLetters = map[rune]rune{
	'4': 'a', '@': 'a',
	'8': 'b',
	'(': 'c', '[': 'c', '{': 'c', '<': 'c', '©': 'c',
	'3': 'e', '€': 'e', '&': 'e',
	'6': 'g', '9': 'g',
	'#': 'h',
	'1': 'i', '!': 'i', '|': 'i', 'l': 'i',
	'0': 'o',
	'5': 's', '$': 's', '§': 's',
	'7': 't', '+': 't',
	'2': 'z',
	'%': 'x',
}

// isLeet reports whether r may stand for a letter in leetspeak.
func isLeet(r rune) bool {
	_, ok := leetLetters[r]
	return ok && r != 'l'
}

// skeleton returns the form of s in which disguises no longer show: NFKC, lower case,
// accents removed (é → e), look-alike characters replaced by their letter (P@ssw0rd →
// password; H3ll0 → heiio, as l and i are merged). Words are compared by their skeletons.
func skeleton(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(strings.ToLower(norm.NFKC.String(s))) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if m, ok := leetLetters[r]; ok {
			r = m
		}
		b.WriteRune(r)
	}
	return b.String()
}

// skeletonRune is the skeleton of one lower-case character, as skeleton spells it: its
// letter without accents (the first character of its canonical decomposition), or the
// letter it looks like.
func skeletonRune(r rune) rune {
	if r >= 0x80 {
		if d := norm.NFD.String(string(r)); d != "" {
			base, _ := utf8.DecodeRuneInString(d)
			if !unicode.Is(unicode.Mn, base) {
				r = base
			}
		}
	}
	if m, ok := leetLetters[r]; ok {
		return m
	}
	return r
}

// repeatedUnit returns the shortest block u such that s is u repeated twice or more, or "".
func repeatedUnit(s []rune) []rune {
	n := len(s)
	for l := 1; l <= n/2; l++ {
		if n%l != 0 {
			continue
		}
		ok := true
		for i := l; i < n && ok; i++ {
			ok = s[i] == s[i-l]
		}
		if ok {
			return s[:l]
		}
	}
	return nil
}
