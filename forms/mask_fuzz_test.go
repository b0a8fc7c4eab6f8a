package forms

import (
	"strings"
	"testing"
	"unicode"
)

// FuzzMask checks the P1 maskers on any string: they never show what they
// must hide.
//
//   - MaskPhone keeps every non-digit in place and shows at most the first
//     three and last four digits of a long number (ten digits or more) and
//     the last two of a short one; every other digit is a '*'. A number the
//     forms accept (5 to 20 digits) always has digits hidden.
//   - MaskName shows the first character only, then stars.
//   - MaskEmail shows the first character of the local part and the domain;
//     nothing else of the local part.
func FuzzMask(f *testing.F) {
	for _, s := range []string{"张伟", "13812345678", "+86 138-1234-5678", "021-5888", "zhang.wei@example.com", "A", "",
		"12", "12345", "١٢٣٤٥٦٧٨٩٠١", "１３８１２３４５６７８", "@example.com", "a@b@c", "\xff13812345678", "Zhang Wei"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkMaskPhone(t, s)
		checkMaskName(t, s)
		checkMaskEmail(t, s)
	})
}

func checkMaskPhone(t *testing.T, s string) {
	in, out := []rune(s), []rune(MaskPhone(s))
	if len(out) != len(in) {
		t.Fatalf("MaskPhone(%q) = %q: %d runes for %d", s, string(out), len(out), len(in))
	}
	digits := 0
	for _, r := range in {
		if unicode.IsDigit(r) {
			digits++
		}
	}
	head, tail := 3, 4
	if digits < 10 {
		head, tail = 0, 2
	}
	shown, k := 0, 0
	for i, r := range in {
		if !unicode.IsDigit(r) {
			if out[i] != r {
				t.Fatalf("MaskPhone(%q) = %q changed the non-digit %q", s, string(out), r)
			}
			continue
		}
		keep := k < head || k >= digits-tail
		switch {
		case out[i] == r && keep:
			shown++
		case out[i] != '*' || keep:
			t.Fatalf("MaskPhone(%q) = %q: digit %d of %d is %q", s, string(out), k+1, digits, out[i])
		}
		k++
	}
	if shown > head+tail {
		t.Fatalf("MaskPhone(%q) = %q shows %d digits", s, string(out), shown)
	}
	if validPhone(s) && shown >= digits {
		t.Fatalf("MaskPhone(%q) = %q hides nothing of a valid number", s, string(out))
	}
}

func checkMaskName(t *testing.T, s string) {
	in, out := []rune(s), []rune(MaskName(s))
	if len(in) == 0 {
		if len(out) != 0 {
			t.Fatalf("MaskName(%q) = %q", s, string(out))
		}
		return
	}
	if out[0] != in[0] || len(out) != max(len(in), 2) || strings.Trim(string(out[1:]), "*") != "" {
		t.Fatalf("MaskName(%q) = %q shows more than the first character", s, string(out))
	}
}

func checkMaskEmail(t *testing.T, s string) {
	out := MaskEmail(s)
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" {
		if out != MaskName(s) {
			t.Fatalf("MaskEmail(%q) = %q, not masked as a name", s, out)
		}
		return
	}
	first := []rune(local)[0]
	shown, rest, ok := strings.Cut(out, "@")
	if !ok || rest != domain || []rune(shown)[0] != first || strings.Trim(string([]rune(shown)[1:]), "*") != "" {
		t.Fatalf("MaskEmail(%q) = %q shows more of the local part than its first character", s, out)
	}
}
