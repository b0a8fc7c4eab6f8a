package forms

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The emergency registration form (应急登记表, rule E1): during an outage
// complaints are written down with their times, and entered afterwards
// from a CSV file, one complaint per row, keeping the original time.

// EmergencyColumns are the CSV columns; the first row names them (any
// order). The required ones are starred in EmergencyRequired.
var EmergencyColumns = []string{"intake_at", "complainant_name", "complainant_unit", "phone", "email", "content", "demand",
	"channel", "region", "department", "priority", "vip", "major", "recording_ref", "nature", "language"}

// EmergencyRequired are the columns every file must have.
var EmergencyRequired = []string{"intake_at", "complainant_name", "content", "demand", "channel", "region"}

// EmergencyRow is one parsed row: the complaint, or what is wrong with it.
type EmergencyRow struct {
	Line      int // line in the file, the header being line 1
	Complaint Complaint
	// Key identifies the row's content, so entering the same file twice
	// creates nothing twice.
	Key    string
	Errors Errors
}

// ParseEmergency reads an emergency CSV. Times are RFC 3339 or "2006-01-02
// 15:04" in loc. A file whose header is wrong is an error; a wrong row is
// reported in its EmergencyRow and the other rows are still read.
func ParseEmergency(r io.Reader, loc *time.Location, now time.Time, recorder string) ([]EmergencyRow, error) {
	cr := csv.NewReader(r)
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("the file is empty: the first row names the columns")
	}
	if err != nil {
		return nil, fmt.Errorf("line 1: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if !slices.Contains(EmergencyColumns, h) {
			return nil, fmt.Errorf("line 1: unknown column %q (columns: %s)", h, strings.Join(EmergencyColumns, ", "))
		}
		col[h] = i
	}
	for _, req := range EmergencyRequired {
		if _, ok := col[req]; !ok {
			return nil, fmt.Errorf("line 1: column %q is missing (required: %s)", req, strings.Join(EmergencyRequired, ", "))
		}
	}
	cr.FieldsPerRecord = len(header)
	var rows []EmergencyRow
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			rows = append(rows, EmergencyRow{Line: line, Errors: Errors{{Field: "row", Code: CodeInvalid, Message: err.Error()}}})
			continue
		}
		rows = append(rows, emergencyRow(line, rec, col, loc, now, recorder))
	}
}

func emergencyRow(line int, rec []string, col map[string]int, loc *time.Location, now time.Time, recorder string) EmergencyRow {
	get := func(name string) string {
		if i, ok := col[name]; ok {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	row := EmergencyRow{Line: line}
	c := Complaint{ComplainantName: get("complainant_name"), ComplainantUnit: get("complainant_unit"), Phone: get("phone"),
		Email: get("email"), Content: get("content"), Demand: get("demand"), Channel: Channel(get("channel")), Region: get("region"),
		Department: get("department"), Priority: Priority(get("priority")), RecordingRef: get("recording_ref"), Nature: get("nature"),
		Language: Language(get("language")), Recorder: recorder, ContentConfirmed: true}
	for _, b := range []struct {
		name string
		dst  *bool
	}{{"vip", &c.VIP}, {"major", &c.Major}} {
		if v := get(b.name); v != "" {
			x, err := strconv.ParseBool(v)
			if err != nil {
				row.Errors.add(b.name, CodeInvalid, "%s must be true or false", b.name)
			}
			*b.dst = x
		}
	}
	// E1: the row keeps its original time; one without it would count
	// from the moment of entry, so it is refused rather than defaulted.
	if v := get("intake_at"); v == "" {
		row.Errors.add("intake_at", CodeRequired, "intake_at, the original time of the complaint, is required")
	} else {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			t, err = time.ParseInLocation("2006-01-02 15:04", v, loc)
		}
		if err != nil {
			row.Errors.add("intake_at", CodeInvalid, "intake_at %q must be a time such as 2026-11-23 08:15", v)
		}
		// E1: deadlines run from the original time, so it is the
		// registration time too.
		c.IntakeAt, c.RegisteredAt = t, t
	}
	c.Normalize(now)
	row.Errors = append(row.Errors, c.Validate(now)...)
	row.Complaint = c
	if len(row.Errors) == 0 {
		// Who, when and what: filling in a missing department or priority
		// and entering the file again must not make a second case.
		b, _ := json.Marshal([]string{c.IntakeAt.UTC().Format(time.RFC3339), c.ComplainantName, c.Phone, c.Email, c.Content})
		sum := sha256.Sum256(b)
		row.Key = hex.EncodeToString(sum[:])
	}
	return row
}
