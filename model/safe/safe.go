// Package safe is the one terminal sanitizer: every string that comes from the database or
// the network passes through Text or Line before it is drawn, and is
// measured, truncated and padded here, in terminal cells.
//
// Sanitizing happens in one linear pass:
//
//  1. Whole escape sequences are removed, not just their ESC: CSI (ESC [ … final byte),
//     OSC (ESC ] … BEL or ST), DCS, SOS, PM and APC (ESC P, X, ^, _ … ST), the two-byte
//     ESC sequences (ESC 7, ESC ( B…), and the same introducers written as 8-bit C1
//     characters (U+009B CSI, U+009D OSC, U+0090 DCS, U+0098 SOS, U+009E PM, U+009F APC,
//     whether encoded as UTF-8 or as a raw byte). An unterminated string sequence (OSC,
//     DCS…) swallows the rest of the input, as a terminal would.
//  2. Then these characters are removed: C0 controls except tab and newline (Line turns
//     those into spaces), DEL, C1 controls (U+0080–U+009F), and every Unicode format
//     character (category Cf): bidi marks, embeddings, overrides and isolates (U+061C,
//     U+200E–U+200F, U+202A–U+202E, U+2066–U+2069), zero-width and invisible characters
//     (U+200B–U+200D, U+2060–U+2064, U+FEFF, U+00AD), tag characters (U+E0000–U+E007F)…
//     U+2028 and U+2029 (line and paragraph separators) become a newline (Text) or a
//     space (Line).
//  3. Invalid UTF-8 becomes U+FFFD.
//
// Removing U+200D (zero-width joiner) splits emoji sequences such as 👩‍💻 into their parts
// (👩💻), and removing tag characters turns subdivision flags (🏴 England) into 🏴: a
// deliberate trade-off, the spec lists U+200B–U+200F as zero-width characters to remove,
// and it keeps widths predictable across terminals.
//
// Widths agree with lipgloss.Width (both measure grapheme clusters with the same tables).
package safe

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Ellipsis is appended by Truncate when it cuts a string.
const Ellipsis = "…"

// Text returns s made safe to draw as multi-line text: escape sequences and control,
// bidi and zero-width characters removed, tabs and newlines kept, invalid UTF-8 replaced
// by U+FFFD. It is idempotent and linear in len(s); a string that is already safe is
// returned as is, without allocating.
func Text(s string) string { return sanitize(s, true) }

// Line returns s made safe to draw on one line (a table cell, a header): like Text, but
// tabs, newlines and line separators become spaces.
func Line(s string) string { return sanitize(s, false) }

// Cap returns at most the first n runes of s (n <= 0 gives ""), in time proportional to
// n, not to len(s): apply it to untrusted input of any size (a 1 MB paste) before other
// work. Invalid bytes count as one rune each.
func Cap(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n { // a rune takes at least one byte
		return s
	}
	i := 0
	for k := 0; k < n && i < len(s); k++ {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}

// Width returns the number of terminal cells Line(s) occupies: wide characters (CJK,
// most emoji) count 2, combining marks 0. It agrees with lipgloss.Width for single-line
// text.
func Width(s string) int {
	return ansi.StringWidth(Line(s))
}

// Truncate returns Line(s) cut to at most w cells, ending with "…" when it was cut. It
// never splits a grapheme cluster or a wide character (the result may then be one cell
// narrower than w).
func Truncate(s string, w int) string {
	t, _ := truncate(Line(s), w)
	return t
}

// Pad returns Line(s) truncated to w cells and padded with spaces to exactly w cells
// (w <= 0 gives ""), for aligned columns.
func Pad(s string, w int) string {
	if w <= 0 {
		return ""
	}
	t, tw := truncate(Line(s), w)
	if tw >= w {
		return t
	}
	p := t + strings.Repeat(" ", w-tw)
	// A last cluster ending in a Prepend letter (e.g. U+0D4E) absorbs the first space of
	// the padding: measure again and add what is missing (at most a few spaces).
	for pw := ansi.StringWidth(p); pw < w; pw = ansi.StringWidth(p) {
		p += strings.Repeat(" ", w-pw)
	}
	return p
}

// truncate cuts a sanitized single-line string to at most w cells and returns it with its
// width.
func truncate(s string, w int) (string, int) {
	if w <= 0 {
		return "", 0
	}
	ellW := ansi.StringWidth(Ellipsis)
	width := 0
	cut, cutW := -1, 0 // longest prefix that leaves room for the ellipsis
	for i := 0; i < len(s); {
		var cluster string
		var cw int
		if c := s[i]; c < utf8.RuneSelf && (i+1 == len(s) || s[i+1] < utf8.RuneSelf) {
			cluster, cw = s[i:i+1], 1 // printable ASCII not followed by a combining mark
		} else {
			cluster, _ = ansi.FirstGraphemeCluster(s[i:], ansi.GraphemeWidth)
			cw = ansi.StringWidth(cluster)
		}
		if width+cw <= w-ellW {
			cut, cutW = i+len(cluster), width+cw
		}
		width += cw
		if width > w {
			if cut < 0 {
				if ellW <= w {
					return Ellipsis, ellW
				}
				return "", 0
			}
			return s[:cut] + Ellipsis, cutW + ellW
		}
		i += len(cluster)
	}
	return s, width
}

// C1 introducers of string and control sequences.
const (
	c1DCS = 0x90
	c1SOS = 0x98
	c1CSI = 0x9b
	c1ST  = 0x9c
	c1OSC = 0x9d
	c1PM  = 0x9e
	c1APC = 0x9f
)

// removed reports whether a non-ASCII rune is dropped: C1 controls and every format
// character (category Cf), which holds the bidi marks, embeddings, overrides and isolates
// (U+061C, U+200E–U+200F, U+202A–U+202E, U+2066–U+2069), the zero-width and invisible
// characters (U+200B–U+200D, U+2060–U+2064, U+FEFF, soft hyphen U+00AD), the Arabic
// prepended format signs (U+0600–U+0605) that would merge with the next cell, the
// interlinear annotations (U+FFF9–U+FFFB) and the tag characters (U+E0000–U+E007F).
func removed(r rune) bool {
	if r <= 0x9f {
		return r >= 0x80
	}
	return unicode.Is(unicode.Cf, r)
}

// safeFrom returns the index of the first byte of s that sanitizing would change, or
// len(s).
func safeFrom(s string, multiline bool) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && !(multiline && (c == '\n' || c == '\t'))) || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || removed(r) || r == 0x2028 || r == 0x2029 {
			return i
		}
		i += size
	}
	return len(s)
}

// decode returns the rune at s[i] and its size. A raw (invalid UTF-8) byte that is an
// 8-bit sequence introducer or ST is returned as that C1 rune, so that it is handled like
// its UTF-8 form; other invalid bytes give U+FFFD.
func decode(s string, i int) (rune, int) {
	c := s[i]
	if c < utf8.RuneSelf {
		return rune(c), 1
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError && size == 1 {
		switch c {
		case c1DCS, c1SOS, c1CSI, c1ST, c1OSC, c1PM, c1APC:
			return rune(c), 1
		}
	}
	return r, size
}

func sanitize(s string, multiline bool) string {
	i := safeFrom(s, multiline)
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := decode(s, i)
		switch r {
		case 0x1b:
			i = skipEscape(s, i+1)
			continue
		case c1CSI:
			i = skipCSI(s, i+size)
			continue
		case c1OSC:
			i = skipString(s, i+size, true)
			continue
		case c1DCS, c1SOS, c1PM, c1APC:
			i = skipString(s, i+size, false)
			continue
		}
		i += size
		switch {
		case r == '\n' || r == '\t' || r == 0x2028 || r == 0x2029:
			switch {
			case !multiline:
				b.WriteByte(' ')
			case r == '\t':
				b.WriteByte('\t')
			default:
				b.WriteByte('\n')
			}
		case r < 0x20 || r == 0x7f || removed(r):
			// dropped
		default:
			b.WriteRune(r) // U+FFFD for invalid UTF-8
		}
	}
	return b.String()
}

// skipEscape returns the index after the escape sequence whose ESC precedes s[j].
func skipEscape(s string, j int) int {
	if j >= len(s) {
		return j
	}
	switch c := s[j]; {
	case c == '[':
		return skipCSI(s, j+1)
	case c == ']':
		return skipString(s, j+1, true)
	case c == 'P' || c == 'X' || c == '^' || c == '_':
		return skipString(s, j+1, false)
	case c >= 0x20 && c <= 0x2f: // intermediates, then a final byte: ESC ( B, ESC # 8…
		k := j
		for k < len(s) && s[k] >= 0x20 && s[k] <= 0x2f {
			k++
		}
		if k < len(s) && s[k] >= 0x30 && s[k] <= 0x7e {
			return k + 1
		}
		return k
	case c >= 0x30 && c <= 0x7e: // two-byte sequence: ESC 7, ESC c, ESC M, stray ESC \…
		return j + 1
	}
	return j // lone ESC: dropped, what follows is processed normally
}

// skipCSI returns the index after the control sequence whose parameters start at s[j]:
// parameter and intermediate bytes (0x20–0x3F) up to a final byte (0x40–0x7E). Any other
// byte (a control, ESC, non-ASCII) aborts the sequence and is processed normally.
func skipCSI(s string, j int) int {
	for k := j; k < len(s); k++ {
		c := s[k]
		switch {
		case c >= 0x40 && c <= 0x7e:
			return k + 1
		case c >= 0x20 && c <= 0x3f:
		default:
			return k
		}
	}
	return len(s)
}

// skipString returns the index after the string sequence (OSC, DCS, SOS, PM, APC) whose
// payload starts at s[j]. It ends at ST (ESC \ or U+009C), at BEL when bel is set (OSC),
// or is cancelled by CAN or SUB. Another ESC ends it and starts a new sequence.
// Unterminated, it runs to the end of s.
func skipString(s string, j int, bel bool) int {
	for k := j; k < len(s); {
		r, size := decode(s, k)
		switch {
		case r == 0x07 && bel:
			return k + 1
		case r == 0x18 || r == 0x1a: // CAN, SUB
			return k + 1
		case r == c1ST:
			return k + size
		case r == 0x1b:
			if k+1 < len(s) && s[k+1] == '\\' {
				return k + 2
			}
			return k
		}
		k += size
	}
	return len(s)
}
