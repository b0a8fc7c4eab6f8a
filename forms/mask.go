package forms

import (
	"strings"
	"unicode"
)

// Customer data is shown masked to staff (rule P1).

// MaskName keeps the first character: 张伟 → 张*, Zhang Wei → Z********.
func MaskName(s string) string {
	r := []rune(s)
	if len(r) == 0 {
		return s
	}
	return string(r[0]) + strings.Repeat("*", max(len(r)-1, 1))
}

// MaskPhone keeps the first three and last four digits of a long number
// (13812345678 → 138****5678) and the last two of a short one.
func MaskPhone(s string) string {
	digits := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			digits++
		}
	}
	if digits == 0 {
		return s
	}
	head, tail := 3, 4
	if digits < 10 {
		head, tail = 0, 2
	}
	var b strings.Builder
	i := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			if i >= head && i < digits-tail {
				r = '*'
			}
			i++
		}
		b.WriteRune(r)
	}
	return b.String()
}

// MaskEmail keeps the first character and the domain: z***@example.com.
func MaskEmail(s string) string {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" {
		return MaskName(s)
	}
	return string([]rune(local)[0]) + "***@" + domain
}
