package termsafe

import (
	"strings"
	"testing"
)

// Text written by users reaches the terminal without a byte that a
// terminal acts on: no window title, colour, cursor move, hidden or
// reordered text; newlines, tabs and every language's letters stay.
func TestStringDropsEveryControlSequence(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"plain", "电梯故障 lift broken\n\tfloor 3", "电梯故障 lift broken\n\tfloor 3"},
		{"OSC title and CSI colour", "a\x1b]0;pwned\x07\x1b[31mred\x1b[0m b", "ared b"},
		{"OSC with ST", "x\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\y", "xlinky"},
		{"clear screen and cursor", "\x1b[2J\x1b[H\x1b[10;20Hok\x1b[?25l", "ok"},
		{"DCS and APC", "a\x1bPq#0;2;0;0;0\x1b\\b\x1b_payload\x1b\\c", "abc"},
		{"two-byte ESC", "a\x1bcb\x1b(Bc\x1b7d", "abcd"},
		{"C0 except newline and tab", "a\rb\x08c\x00d\x07e\n\tf", "abcde\n\tf"},
		{"DEL", "a\x7fb", "ab"},
		{"8-bit CSI and OSC", "a\u009b31mb\u009d0;t\u009cc\u0085d", "abcd"},
		{"raw C1 byte", "a\x9b31mb", "a\uFFFD31mb"},
		{"bidi override", "invoice \u202egnp.exe\u202c \u2066x\u2069", "invoice gnp.exe x"},
		{"unterminated OSC keeps the next line", "a\x1b]0;title\nnext", "a\nnext"},
		{"ESC at the end", "a\x1b", "a"},
	} {
		if got := String(c.in); got != c.want {
			t.Errorf("%s: String(%q) = %q, want %q", c.name, c.in, got, c.want)
		}
	}
}

// The writer cleans each write, and a character cut between two writes
// still arrives whole.
func TestWriterCleansAndKeepsCutCharacters(t *testing.T) {
	var b strings.Builder
	w := &Writer{W: &b}
	s := "故障\x1b[31m"
	for _, part := range []string{s[:4], s[4:], "\x1b]0;pwned\x07ok\n"} {
		if n, err := w.Write([]byte(part)); err != nil || n != len(part) {
			t.Fatalf("write %q: %d %v", part, n, err)
		}
	}
	if got := b.String(); got != "故障ok\n" {
		t.Errorf("written %q, want %q", got, "故障ok\n")
	}
}
