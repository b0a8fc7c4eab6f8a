package api

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/closeloop/closeloop/archive"
	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/identity"
	"github.com/closeloop/closeloop/internal/csvsafe"
	"github.com/closeloop/closeloop/starter"
)

type kpiResponse struct {
	From    string        `json:"from"`
	To      string        `json:"to"`
	GroupBy string        `json:"group_by"`
	Targets kpiTargets    `json:"targets"`
	Groups  []archive.KPI `json:"groups"`
	Total   archive.KPI   `json:"total"`
}

type kpiTargets struct {
	ResolutionRate float64 `json:"resolution_rate"`
	Satisfaction   float64 `json:"satisfaction"`
}

// kpi answers GET /api/v1/reports/kpi (K4, K5): from and to are dates in
// the business time zone (default the last 30 days), group_by one of
// department, type, channel, region; format=csv for a spreadsheet. A
// department head sees the own department only.
func (s *Server) kpi(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r.Context())
	q := r.URL.Query()
	loc := s.Cases.Zone()
	var bad forms.Errors
	today := time.Now().In(loc)
	kq := archive.KPIQuery{
		From:       time.Date(today.Year(), today.Month(), today.Day()-30, 0, 0, 0, 0, loc),
		To:         time.Date(today.Year(), today.Month(), today.Day()+1, 0, 0, 0, 0, loc),
		Type:       q.Get("type"),
		Department: q.Get("department"),
		GroupBy:    q.Get("group_by"),
	}
	for _, p := range []struct {
		name string
		t    *time.Time
		add  int
	}{{"from", &kq.From, 0}, {"to", &kq.To, 1}} {
		if v := q.Get(p.name); v != "" {
			d, err := time.ParseInLocation(time.DateOnly, v, loc)
			if err != nil {
				bad = append(bad, forms.FieldError{Field: p.name, Code: forms.CodeInvalid, Message: p.name + " must be a date such as 2026-11-01"})
				continue
			}
			*p.t = d.AddDate(0, 0, p.add) // "to" includes its day
		}
	}
	if kq.GroupBy == "" {
		kq.GroupBy = "department"
	}
	if !slices.Contains(archive.GroupBys, kq.GroupBy) {
		bad = append(bad, forms.FieldError{Field: "group_by", Code: forms.CodeUnknownValue, Message: "group_by must be one of " + strings.Join(archive.GroupBys, ", ")})
	}
	if kq.Department != "" && !forms.ValidDepartment(kq.Department) {
		bad = append(bad, forms.FieldError{Field: "department", Code: forms.CodeInvalid, Message: "department must be a department code"})
	}
	if !kq.To.After(kq.From) {
		bad = append(bad, forms.FieldError{Field: "to", Code: forms.CodeOrder, Message: "to must not be before from"})
	}
	if len(bad) > 0 {
		s.fail(w, r, &starter.Error{Status: http.StatusBadRequest, Code: "invalid_filter", Message: "the report filter has errors", Fields: bad})
		return
	}
	if c.Role == identity.RoleDeptHead && kq.Department == "" {
		kq.Department = c.Department
	}
	if s.Authz.AllowedReport(r.Context(), c.subject(), kq.Department) != nil {
		s.fail(w, r, errForbidden("this report"))
		return
	}
	if s.Cases.Archive == nil {
		s.fail(w, r, &starter.Error{Status: http.StatusServiceUnavailable, Code: "no_archive", Message: "the archive is not configured"})
		return
	}
	groups, total, err := s.Cases.Archive.KPIs(r.Context(), kq)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	resp := kpiResponse{From: kq.From.In(loc).Format(time.DateOnly), To: kq.To.AddDate(0, 0, -1).In(loc).Format(time.DateOnly),
		GroupBy: kq.GroupBy, Targets: kpiTargets{archive.TargetResolutionRate, archive.TargetSatisfaction}, Groups: groups, Total: total}
	if q.Get("format") == "csv" {
		writeKPICSV(w, resp)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func writeKPICSV(w http.ResponseWriter, r kpiResponse) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="kpi-%s-%s.csv"`, r.From, r.To))
	// Group names are user data (regions, handlers): written neutralised.
	cw := csvsafe.NewWriter(w)
	_ = cw.Write([]string{r.GroupBy, "cases", "closed", "first_feedback_on_time", "resolution_on_time", "resolution_rate",
		"satisfaction", "ratings", "return_visit_rounds", "extensions", "sign_for_minutes", "escalations", "meets_resolution_rate", "meets_satisfaction"})
	for _, k := range append(r.Groups, r.Total) {
		var esc []string
		for _, l := range slices.Sorted(maps.Keys(k.EscalationsByLevel)) {
			esc = append(esc, l+":"+strconv.Itoa(k.EscalationsByLevel[l]))
		}
		_ = cw.Write([]string{k.Group, strconv.Itoa(k.Cases), strconv.Itoa(k.Closed), num(k.FirstFeedbackOnTime), num(k.ResolutionOnTime),
			num(k.ResolutionRate), num(k.Satisfaction), strconv.Itoa(k.Ratings), num(k.ReturnVisitRounds), strconv.Itoa(k.Extensions),
			num(k.SignForMinutes), strings.Join(esc, " "), strconv.FormatBool(k.MeetsResolutionRate), strconv.FormatBool(k.MeetsSatisfaction)})
	}
	cw.Flush()
}

func num(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', 3, 64)
}
