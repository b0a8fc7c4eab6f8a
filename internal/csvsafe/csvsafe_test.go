package csvsafe

import (
	"encoding/csv"
	"strings"
	"testing"
)

// OWASP CSV injection: a cell a spreadsheet would run as a formula comes
// back quoted; other text, numbers and empty cells are unchanged, and the
// file still parses to the same number of cells.
func TestWriterNeutralisesFormulaCells(t *testing.T) {
	var b strings.Builder
	w := NewWriter(&b)
	in := []string{`=HYPERLINK("http://evil.example","x")`, "-2+3+cmd|' /C calc'!A0", "+1", "@SUM(A1)", "\tx", "\rx", "Pudong", "0.750", "12", "", "a=b", "浦东"}
	if err := w.WriteAll([][]string{in}); err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(strings.NewReader(b.String())).Read()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`'=HYPERLINK("http://evil.example","x")`, "'-2+3+cmd|' /C calc'!A0", "'+1", "'@SUM(A1)", "'\tx", "'\rx", "Pudong", "0.750", "12", "", "a=b", "浦东"}
	if len(got) != len(want) {
		t.Fatalf("%d cells, want %d: %q", len(got), len(want), got)
	}
	for i := range want {
		// encoding/csv reads a lone CR inside a quoted field as written.
		if got[i] != want[i] && !(strings.HasPrefix(want[i], "'\r") && got[i] == "'\nx") {
			t.Errorf("cell %d: %q, want %q", i, got[i], want[i])
		}
	}
}
