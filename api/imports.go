package api

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/policies"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
)

// maxImport bounds an emergency form upload; the CLI sends large files in
// batches.
const maxImport = 10 << 20

// importEmergency enters an emergency registration form (text/csv) as
// complaints with their original times (E1) and answers row by row.
func (s *Server) importEmergency(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r.Context())
	if s.Authz.Allowed(r.Context(), c.subject(), policies.ActionImport, policies.Case{Type: workflows.TypeComplaint}) != nil {
		s.fail(w, r, errForbidden("entering the emergency form"))
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		s.fail(w, r, &starter.Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Message: "send the emergency form as text/csv"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxImport))
	if err != nil {
		e := bodyError(err)
		if e.Status == http.StatusRequestEntityTooLarge {
			e.Message = "upload at most 10 MiB at a time"
		}
		s.fail(w, r, e)
		return
	}
	if !utf8.Valid(body) {
		// Likely a spreadsheet saved in GBK: stored as is it would turn
		// into U+FFFD, the customer's name lost.
		line := 1 + bytes.Count(body[:invalidAt(body)], []byte("\n"))
		s.fail(w, r, &starter.Error{Status: http.StatusBadRequest, Code: CodeInvalidUTF8,
			Message: fmt.Sprintf("line %d of the file is not UTF-8 text: save the form as CSV UTF-8", line)})
		return
	}
	loc := s.Cases.Zone()
	rows, err := forms.ParseEmergency(bytes.NewReader(body), loc, time.Now(), c.Username)
	if err != nil {
		s.fail(w, r, &starter.Error{Status: http.StatusBadRequest, Code: "bad_file", Message: err.Error()})
		return
	}
	res, err := s.Cases.ImportEmergency(r.Context(), rows)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// invalidAt is the offset of the first byte of b that is not UTF-8.
func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}
