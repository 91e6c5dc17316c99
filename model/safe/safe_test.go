package safe

import (
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"

	"github.com/charmbracelet/lipgloss"
)

func TestAttacks(t *testing.T) {
	tests := []struct {
		name, in, text, line string
	}{
		{"plain", "hello", "hello", "hello"},
		{"OSC 52 clipboard write BEL", "a\x1b]52;c;ZWNobyBwd25lZA==\x07b", "ab", "ab"},
		{"OSC 52 clipboard write ST", "a\x1b]52;c;ZWNobyBwd25lZA==\x1b\\b", "ab", "ab"},
		{"OSC 8 hyperlink", "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\", "click", "click"},
		{"title set", "x\x1b]0;evil\x07y", "xy", "xy"},
		{"title set unicode payload", "x\x1b]2;évil 東京\x07y", "xy", "xy"},
		{"CSI clear screen", "\x1b[2Jcleared", "cleared", "cleared"},
		{"CSI colour", "\x1b[1;31mred\x1b[0m", "red", "red"},
		{"CSI private mode", "\x1b[?1049hx", "x", "x"},
		{"CSI cursor up and erase", "ok\x1b[1A\x1b[2Kfake", "okfake", "okfake"},
		{"DCS", "a\x1bP1$r0m\x1b\\b", "ab", "ab"},
		{"DCS with BEL inside (not a terminator)", "a\x1bPq\x07hidden\x1b\\b", "ab", "ab"},
		{"APC", "a\x1b_Gf=100;AAAA\x1b\\b", "ab", "ab"},
		{"PM and SOS", "a\x1b^pm\x1b\\b\x1bXsos\x1b\\c", "abc", "abc"},
		{"unterminated OSC swallows the rest", "safe\x1b]0;evil title and more", "safe", "safe"},
		{"raw 8-bit CSI", "a\x9b31mb", "ab", "ab"},
		{"UTF-8 C1 CSI", "a\u009b2Jb", "ab", "ab"},
		{"UTF-8 C1 OSC with C1 ST", "a\u009d0;t\u009cb", "ab", "ab"},
		{"raw 8-bit OSC with raw ST", "a\x9d0;t\x9cb", "ab", "ab"},
		{"UTF-8 C1 DCS", "a\u0090q#0\u009cb", "ab", "ab"},
		{"other C1 removed", "a\u0085b\u008dc", "abc", "abc"},
		{"charset designation", "a\x1b(0lqk\x1b(Bb", "alqkb", "alqkb"},
		{"two-byte ESC", "a\x1b7b\x1bcc\x1bMd", "abcd", "abcd"},
		{"lone ESC at end", "abc\x1b", "abc", "abc"},
		{"ESC ESC [", "a\x1b\x1b[31mb", "ab", "ab"},
		{"CSI aborted by newline", "a\x1b[3\nb", "a\nb", "a b"},
		{"CAN cancels OSC", "a\x1b]0;x\x18b", "ab", "ab"},
		{"bell, backspace, CR", "a\x07b\x08c\rd", "abcd", "abcd"},
		{"CRLF", "one\r\ntwo", "one\ntwo", "one two"},
		{"tab", "a\tb", "a\tb", "a b"},
		{"DEL", "a\x7fb", "ab", "ab"},
		{"NUL", "a\x00b", "ab", "ab"},
		{"bidi override", "invoice\u202Efdp.exe", "invoicefdp.exe", "invoicefdp.exe"},
		{"bidi isolates", "a\u2066b\u2067c\u2068d\u2069e", "abcde", "abcde"},
		{"bidi marks", "a\u200eb\u200fc\u061cd", "abcd", "abcd"},
		{"zero-width", "ad\u200bmin\ufeff", "admin", "admin"},
		{"ZWJ emoji split (documented)", "👩\u200d💻", "👩💻", "👩💻"},
		{"other format characters", "a\u00adb\u0600c\U000E0041d\u2061e", "abcde", "abcde"},
		{"line separators", "a\u2028b\u2029c", "a\nb\nc", "a b c"},
		{"invalid UTF-8", "a\xffb\xc3", "a\ufffdb\ufffd", "a\ufffdb\ufffd"},
		{"stray lead byte then raw CSI", "a\xc0\x9b[2Jb", "a\ufffd2Jb", "a\ufffd2Jb"},
		{"unicode kept", "Zoë 東京 مرحبا 🎉", "Zoë 東京 مرحبا 🎉", "Zoë 東京 مرحبا 🎉"},
		{"combining marks kept", "e\u0301", "e\u0301", "e\u0301"},
		{"brackets without ESC kept", "[31m ]0; text", "[31m ]0; text", "[31m ]0; text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Text(tt.in); got != tt.text {
				t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.text)
			}
			if got := Line(tt.in); got != tt.line {
				t.Errorf("Line(%q) = %q, want %q", tt.in, got, tt.line)
			}
		})
	}
}

func TestSafeInputNotCopied(t *testing.T) {
	s := "already safe\nmulti-line\ttext 東京"
	if got := Text(s); got != s {
		t.Error("Text changed a safe string")
	}
	allocs := testing.AllocsPerRun(100, func() { _ = Text(s) })
	if allocs != 0 {
		t.Errorf("Text allocates %v times on safe input", allocs)
	}
}

func TestWidth(t *testing.T) {
	tests := map[string]int{
		"":              0,
		"abc":           3,
		"東京":            4,
		"🎉":             2,
		"e\u0301":       1,
		"Zoë":           3,
		"\x1b[31mab":    2,
		"a\tb":          3,
		"ｆｕｌｌ":          8,
		"مرحبا":         5,
		"한국어":           6,
		"\u202eabc":     3,
		"1\ufe0f\u20e3": lipgloss.Width("1\ufe0f\u20e3"),
	}
	for in, want := range tests {
		if got := Width(in); got != want {
			t.Errorf("Width(%q) = %d, want %d", in, got, want)
		}
		if l := Line(in); Width(l) != lipgloss.Width(l) {
			t.Errorf("Width(%q) = %d, lipgloss.Width = %d", l, Width(l), lipgloss.Width(l))
		}
	}
}

func TestTruncateAndPad(t *testing.T) {
	tests := []struct {
		in   string
		w    int
		want string
	}{
		{"hello", 10, "hello"},
		{"hello", 5, "hello"},
		{"hello world", 5, "hell…"},
		{"hello", 1, "…"},
		{"hello", 0, ""},
		{"hello", -3, ""},
		{"東京都庁", 5, "東京…"},
		{"東京都庁", 4, "東…"}, // "東京…" would be 5 cells
		{"東京都庁", 8, "東京都庁"},
		{"東京都庁", 7, "東京都…"},
		{"e\u0301e\u0301e\u0301e\u0301", 3, "e\u0301e\u0301…"}, // combining mark not split
		{"🎉🎉🎉", 4, "🎉…"},
		{"a\x1b[31mbcdef", 3, "ab…"},
		{"line\nbreak", 20, "line break"},
	}
	for _, tt := range tests {
		got := Truncate(tt.in, tt.w)
		if got != tt.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.w, got, tt.want)
		}
		if tt.w > 0 && Width(got) > tt.w {
			t.Errorf("Truncate(%q, %d) is %d cells wide", tt.in, tt.w, Width(got))
		}
		if tt.w > 0 {
			p := Pad(tt.in, tt.w)
			if Width(p) != tt.w || lipgloss.Width(p) != tt.w {
				t.Errorf("Pad(%q, %d) = %q: %d cells (lipgloss %d)", tt.in, tt.w, p, Width(p), lipgloss.Width(p))
			}
			if !strings.HasPrefix(p, got) {
				t.Errorf("Pad(%q, %d) = %q, not Truncate + spaces", tt.in, tt.w, p)
			}
		}
	}
	// Columns align whatever the script.
	rows := []string{"東京", "Paris", "🎉 party", "Zoë", "\x1b[31mred"}
	for _, r := range rows {
		if w := lipgloss.Width(Pad(r, 6) + "|"); w != 7 {
			t.Errorf("row %q: %d cells", r, w)
		}
	}
	for _, prepend := range []string{"\u0d4e", "x\u0d4e", "\u0d4e\u0d4e"} {
		for w := 1; w <= 4; w++ {
			if got := lipgloss.Width(Pad(prepend, w)); got != w {
				t.Errorf("Pad(%q, %d) is %d cells", prepend, w, got)
			}
		}
	}
	if Pad("東京", 6) != "東京  " {
		t.Errorf("Pad(東京, 6) = %q", Pad("東京", 6))
	}
}

func TestCap(t *testing.T) {
	if Cap("héllo", 2) != "hé" || Cap("héllo", 10) != "héllo" || Cap("abc", 0) != "" || Cap("abc", -1) != "" {
		t.Error("Cap")
	}
	if got := Cap("東京都", 2); got != "東京" {
		t.Errorf("Cap(東京都, 2) = %q", got)
	}
	if got := Cap("a\xffb", 2); got != "a\xff" {
		t.Errorf("Cap with invalid byte = %q", got)
	}
	// Cheap on a huge string: the answer is a prefix of the input itself, never a copy
	// (BenchmarkCap times it).
	big := strings.Repeat("東", 1<<20)
	if got := Cap(big, 100); utf8.RuneCountInString(got) != 100 || unsafe.StringData(got) != unsafe.StringData(big) {
		t.Fatal("Cap(big, 100) is not the first 100 characters of big itself")
	}
	if n := testing.AllocsPerRun(100, func() { _ = Cap(big, 100) }); n != 0 {
		t.Errorf("Cap allocates %v times a call", n)
	}
}

func BenchmarkCap(b *testing.B) {
	big := strings.Repeat("東", 1<<20)
	for b.Loop() {
		_ = Cap(big, 100)
	}
}

// largeInputs are 1 MB-scale hostile inputs made of one repeated unit: many sequences with an
// unterminated OSC and invalid bytes, combining marks, prepended concatenation marks, flags,
// Hangul jamo, escape introducers.
var largeInputs = []string{"ab\x1b[31mc\x1b]0;t\x07\u202e東\xff\u200b\n", "e\u0301", "\u0301", "\u0d4e", "🇫🇷", "\u1100\u1161", "\x1b]", "\x9b"}

// sanitizeAll runs every function of the package that reads a whole string.
func sanitizeAll(s string) {
	_ = Text(s)
	_ = Line(s)
	_ = Truncate(s, 80)
	_ = Width(s)
	_ = Pad(s, 40)
}

// allocated is the number of bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestLargeInputLinear(t *testing.T) {
	chunk := largeInputs[0]
	big := strings.Repeat(chunk, (1<<20)/len(chunk))
	out := Text(big)
	if Text(out) != out {
		t.Error("not idempotent on large input")
	}
	unterminated := "x\x1b]0;" + strings.Repeat("a", 1<<20)
	if Text(unterminated) != "x" {
		t.Error("unterminated OSC")
	}
	// Held by the work done, not by the clock (BenchmarkLargeInput times it): twice the input
	// allocates at most about twice the memory.
	for _, unit := range largeInputs {
		one := strings.Repeat(unit, (1<<20)/len(unit))
		two := strings.Repeat(unit, (2<<20)/len(unit))
		a1 := allocated(func() { sanitizeAll(one) })
		a2 := allocated(func() { sanitizeAll(two) })
		if a2 > a1*5/2+64<<10 {
			t.Errorf("%q: 1 MB allocates %d bytes, 2 MB %d: not linear", unit, a1, a2)
		}
	}
	csis := strings.Repeat("\x1b[", 1<<19)
	if Text(csis) != "" {
		t.Errorf("CSI flood left %q", Cap(Text(csis), 20))
	}
}

func BenchmarkLargeInput(b *testing.B) {
	for _, unit := range largeInputs {
		big := strings.Repeat(unit, (1<<20)/len(unit))
		b.Run(strconv.QuoteToASCII(unit), func(b *testing.B) {
			b.SetBytes(int64(len(big)))
			for b.Loop() {
				sanitizeAll(big)
			}
		})
	}
}

func checkSafe(t *testing.T, in, out string, multiline bool) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("invalid UTF-8 output %q for %q", out, in)
	}
	for _, r := range out {
		bad := false
		switch {
		case r == '\n' || r == '\t':
			bad = !multiline
		case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f,
			r >= 0x200b && r <= 0x200f, r >= 0x202a && r <= 0x202e,
			r >= 0x2066 && r <= 0x2069, r == 0xfeff, r == 0x2028, r == 0x2029:
			bad = true
		}
		if bad {
			t.Fatalf("forbidden rune %U in output %q for input %q", r, out, in)
		}
	}
}

func FuzzText(f *testing.F) {
	for _, s := range []string{
		"", "hello", "\x1b]52;c;ZXZpbA==\x07", "\x1b]8;;http://x\x1b\\y\x1b]8;;\x1b\\",
		"\x1b[2J", "\x1bP1$r\x1b\\", "\x9b31m", "\u009b31m", "\u202eabc", "👩\u200d💻",
		"東京", "a\xffb", "\x1b\x1b[[", "\x1b(B", "\u2028", "\r\n\t", "\x1b]0;\x9c",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		text := Text(in)
		checkSafe(t, in, text, true)
		if Text(text) != text {
			t.Fatalf("Text not idempotent: %q -> %q -> %q", in, text, Text(text))
		}
		line := Line(in)
		checkSafe(t, in, line, false)
		if Line(line) != line {
			t.Fatalf("Line not idempotent: %q -> %q -> %q", in, line, Line(line))
		}
		if Line(text) != line {
			t.Fatalf("Line(Text(x)) = %q, Line(x) = %q", Line(text), line)
		}
		if strings.ContainsRune(line, '\x1b') || strings.Contains(text, "\x1b") {
			t.Fatal("ESC survived")
		}
		if w, lw := Width(in), lipgloss.Width(line); w != lw {
			t.Fatalf("Width(%q) = %d, lipgloss.Width = %d", in, w, lw)
		}
		for _, w := range []int{1, 3, 10} {
			tr := Truncate(in, w)
			checkSafe(t, in, tr, false)
			if Width(tr) > w {
				t.Fatalf("Truncate(%q, %d) = %q is %d cells", in, w, tr, Width(tr))
			}
			if p := Pad(in, w); Width(p) != w {
				t.Fatalf("Pad(%q, %d) = %q is %d cells", in, w, p, Width(p))
			}
		}
	})
}
