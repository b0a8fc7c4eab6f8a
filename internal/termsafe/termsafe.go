// Package termsafe makes user-written text safe to print to a terminal:
// a complaint's text or an e-mail must not retitle the window, recolour or
// clear the screen, move the cursor, hide what follows, or reorder it.
package termsafe

import (
	"io"
	"strings"
	"unicode/utf8"
)

// String is s without escape sequences (CSI, OSC, DCS and the like, 7- and
// 8-bit), C0 controls other than newline and tab, C1 controls, DEL and
// the bidirectional embeddings, overrides and isolates; bytes that are not
// UTF-8 become U+FFFD (a lone 0x9B is a CSI to some terminals).
func String(s string) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
			i++
		case r == 0x1b: // ESC
			i += size + escape(s[i+size:])
		case r == 0x9b: // 8-bit CSI
			i += size + csi(s[i+size:])
		case r == 0x90 || r == 0x98 || r == 0x9d || r == 0x9e || r == 0x9f: // 8-bit DCS, SOS, OSC, PM, APC
			i += size + str(s[i+size:])
		case dropped(r):
			i += size
		default:
			b.WriteRune(r)
			i += size
		}
	}
	return b.String()
}

// clean reports whether s needs no change, the common case.
func clean(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if dropped(r) {
			return false
		}
	}
	return true
}

// dropped are the single characters left out.
func dropped(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0: // C0, DEL, C1
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi embeddings, overrides, isolates
		return true
	}
	return false
}

// escape is the length of the escape sequence after an ESC.
func escape(s string) int {
	if s == "" {
		return 0
	}
	switch s[0] {
	case '[':
		return 1 + csi(s[1:])
	case ']', 'P', 'X', '^', '_': // OSC, DCS, SOS, PM, APC: a string up to its terminator
		return 1 + str(s[1:])
	}
	// ESC, intermediates (0x20–0x2F), then a final byte.
	n := 0
	for n < len(s) && s[n] >= 0x20 && s[n] <= 0x2f {
		n++
	}
	if n < len(s) && s[n] >= 0x30 && s[n] <= 0x7e {
		n++
	}
	return n
}

// csi is the length of a control sequence's parameters, intermediates and
// final byte.
func csi(s string) int {
	for n := 0; n < len(s); n++ {
		if c := s[n]; c >= 0x40 && c <= 0x7e {
			return n + 1
		} else if c < 0x20 || c > 0x3f {
			return n // not a control sequence byte: stop, and let it be judged alone
		}
	}
	return len(s)
}

// str is the length of a control string up to and with its terminator
// (BEL, ESC \ or the 8-bit ST); an unterminated one ends before the end
// of its line, so the text after it stays.
func str(s string) int {
	for n := 0; n < len(s); n++ {
		switch {
		case s[n] == '\n':
			return n
		case s[n] == 0x07:
			return n + 1
		case s[n] == 0x1b && n+1 < len(s) && s[n+1] == '\\':
			return n + 2
		case strings.HasPrefix(s[n:], "\u009c"):
			return n + len("\u009c")
		}
	}
	return len(s)
}

// Writer passes what is written through String on its way to W: every
// line a command prints, user-written or not. A character cut between two
// writes is kept back for the next; an escape sequence cut between two
// loses its ESC, so the rest prints as plain text.
type Writer struct {
	W    io.Writer
	tail []byte
}

// Write writes p cleaned; it reports len(p) when W took everything.
func (w *Writer) Write(p []byte) (int, error) {
	b := append(w.tail, p...)
	w.tail = nil
	// Keep an incomplete last character (at most 3 bytes) for the next write.
	for k := 1; k <= 3 && k <= len(b); k++ {
		if utf8.RuneStart(b[len(b)-k]) {
			if !utf8.FullRune(b[len(b)-k:]) {
				w.tail = append([]byte(nil), b[len(b)-k:]...)
				b = b[:len(b)-k]
			}
			break
		}
	}
	if _, err := io.WriteString(w.W, String(string(b))); err != nil {
		return 0, err
	}
	return len(p), nil
}
