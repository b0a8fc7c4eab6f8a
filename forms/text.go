package forms

// CodeControlCharacter is the code of a text holding a character that
// only steers how text is shown: a control character or a bidirectional
// override (issue 19).
const CodeControlCharacter = "control_character"

// Text fields take what a person types: newline, carriage return and tab
// are the only control characters kept. Refused are the other C0 controls
// (U+0000–U+001F: an escape sequence reaches a terminal through the
// command line's output, a NUL breaks PostgreSQL's text), DEL (U+007F),
// the C1 controls (U+0080–U+009F, another way to an escape sequence), and
// the bidirectional embeddings, overrides and isolates (U+202A–U+202E,
// U+2066–U+2069), which make a line read differently from what it holds
// ("Trojan Source"): no Chinese or English text needs them. The implicit
// marks (U+200E, U+200F, U+061C) stay allowed, as they cannot reorder
// what follows them beyond their own run.

// controlCharacter reports the first refused character of s.
func controlCharacter(s string) (rune, bool) {
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
		case r < 0x20, r >= 0x7f && r <= 0x9f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return r, true
		}
	}
	return 0, false
}

// checkControl reports a text of field name holding a refused character.
func checkControl(errs *Errors, field, name, value string) {
	if r, ok := controlCharacter(value); ok {
		errs.add(field, CodeControlCharacter, "%s must not contain the control character %U", name, r)
	}
}
