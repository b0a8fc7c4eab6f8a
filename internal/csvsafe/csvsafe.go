// Package csvsafe writes CSV that a spreadsheet opens as data: a cell that
// begins with =, +, -, @, a tab or a carriage return is read by Excel,
// LibreOffice and Google Sheets as a formula (=HYPERLINK(…), -2+3+cmd|…),
// so it is written with a single quote in front, as OWASP advises (CSV
// injection). Every cell goes through it, not only user text: the numbers
// Closeloop writes are counts, rates and minutes, never negative, so they
// are unchanged, and a number that ever were negative is shown as text
// rather than risked as a formula.
package csvsafe

import (
	"encoding/csv"
	"io"
)

// Cell is s as a spreadsheet shows it without evaluating it.
func Cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// Writer is a csv.Writer whose every cell goes through Cell.
type Writer struct{ *csv.Writer }

// NewWriter writes CSV to w.
func NewWriter(w io.Writer) *Writer { return &Writer{csv.NewWriter(w)} }

// Write writes one record, each cell neutralised.
func (w *Writer) Write(record []string) error {
	safe := make([]string, len(record))
	for i, c := range record {
		safe[i] = Cell(c)
	}
	return w.Writer.Write(safe)
}

// WriteAll writes the records, each cell neutralised, and flushes.
func (w *Writer) WriteAll(records [][]string) error {
	for _, r := range records {
		if err := w.Write(r); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}
