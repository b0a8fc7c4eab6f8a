package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
)

// --- Sign-in

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	rq := &request{w: w, r: r, lang: s.language(r)}
	s.render(rq, http.StatusOK, "login", map[string]any{"Next": localPath(r.URL.Query().Get("next"), "/inbox")})
}

// login signs in through the API and hands its session cookie to the
// browser.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	rq := &request{w: w, r: r, lang: s.language(r)}
	next := localPath(r.PostFormValue("next"), "/inbox")
	body, _ := json.Marshal(map[string]string{"username": strings.TrimSpace(r.PostFormValue("username")), "password": r.PostFormValue("password")})
	res := s.call(rq, http.MethodPost, "/api/v1/login", body, "application/json")
	if res.status == http.StatusTooManyRequests {
		// Waiting or locked, the same for every name (docs/access.md).
		w.Header().Set("Retry-After", res.header.Get("Retry-After"))
		s.render(rq, http.StatusTooManyRequests, "login", map[string]any{"Next": next, "TooMany": true, "Username": r.PostFormValue("username")})
		return
	}
	if res.status != http.StatusOK {
		s.render(rq, http.StatusUnauthorized, "login", map[string]any{"Next": next, "Failed": true, "Username": r.PostFormValue("username")})
		return
	}
	for _, c := range res.header.Values("Set-Cookie") {
		w.Header().Add("Set-Cookie", c)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(rq *request) {
	res := s.call(rq, http.MethodPost, "/api/v1/logout", nil, "")
	if p := res.problem(); p != nil {
		s.fail(rq, p)
		return
	}
	s.reveals.forget(sessionOf(rq), "")
	for _, c := range res.header.Values("Set-Cookie") {
		rq.w.Header().Add("Set-Cookie", c)
	}
	http.Redirect(rq.w, rq.r, "/login", http.StatusSeeOther)
}

// --- Inbox

type caseList struct {
	Cases []starter.Summary `json:"cases"`
	Next  string            `json:"next_page_token"`
}

// caseList is every case the user may see, filtered by type, status and
// lateness, most urgent first — overdue, then highest on the ladder, then
// the nearest deadline. Lists come newest first, so the overdue and
// escalated cases are asked for on their own as well: an old overdue case
// is never off the page. The work queues are the inbox (queue.go).
func (s *Server) caseList(rq *request) {
	q := rq.r.URL.Query()
	filter := url.Values{"page_size": {"200"}}
	for _, k := range []string{"type", "status", "overdue", "escalated"} {
		if v := q.Get(k); v != "" {
			filter.Set(k, v)
		}
	}
	queries := []url.Values{filter}
	if q.Get("overdue") == "" && q.Get("escalated") == "" {
		for _, k := range []string{"overdue", "escalated"} {
			urgent := url.Values{k: {"true"}}
			for key, v := range filter {
				urgent[key] = v
			}
			queries = append(queries, urgent)
		}
	}
	search := strings.ToUpper(strings.TrimSpace(q.Get("q")))
	showClosed := q.Get("status") == workflows.StatusClosed || q.Get("status") == workflows.StatusDeclined
	cases, more, ok := s.lists(rq, queries, func(c starter.Summary) bool {
		return (showClosed || !closed(c)) && (search == "" || strings.Contains(c.No, search))
	})
	if !ok {
		return
	}
	s.render(rq, http.StatusOK, "cases", map[string]any{"Cases": cases, "More": more, "Query": q, "Types": caseTypes, "Statuses": statuses})
}

// lists merges the API's lists for queries, each case once, keeping those
// keep accepts, most urgent first; more says a list had further pages. On
// failure it has shown the error.
func (s *Server) lists(rq *request, queries []url.Values, keep func(starter.Summary) bool) (cases []starter.Summary, more, ok bool) {
	seen := map[string]bool{}
	for _, q := range queries {
		var list caseList
		if !s.getJSON(rq, "/api/v1/cases?"+q.Encode(), &list) {
			return nil, false, false
		}
		more = more || list.Next != ""
		for _, c := range list.Cases {
			if !seen[c.No] && keep(c) {
				seen[c.No] = true
				cases = append(cases, c)
			}
		}
	}
	sortByUrgency(cases)
	return cases, more, true
}

func closed(c starter.Summary) bool {
	return c.Status == workflows.StatusClosed || c.Status == workflows.StatusDeclined
}

var (
	caseTypes = []string{workflows.TypeComplaint, workflows.TypeRepair, workflows.TypeConsultation, workflows.TypeMediaInquiry, workflows.TypeCollaboration}
	statuses  = []string{workflows.StatusRegistered, workflows.StatusRouted, workflows.StatusInProgress, workflows.StatusResolved,
		workflows.StatusRework, workflows.StatusSatisfied, workflows.StatusTransferred, workflows.StatusClosed, workflows.StatusDeclined,
		workflows.StatusFailed}
)

func sortByUrgency(cases []starter.Summary) {
	slices.SortStableFunc(cases, func(a, b starter.Summary) int {
		if a.Overdue != b.Overdue {
			if a.Overdue {
				return -1
			}
			return 1
		}
		if a.EscalationLevel != b.EscalationLevel {
			return int(b.EscalationLevel - a.EscalationLevel)
		}
		if (a.VIP || a.Major) != (b.VIP || b.Major) {
			if a.VIP || a.Major {
				return -1
			}
			return 1
		}
		switch {
		case a.NextDeadline == nil && b.NextDeadline == nil:
			return 0
		case a.NextDeadline == nil:
			return 1
		case b.NextDeadline == nil:
			return -1
		}
		return a.NextDeadline.Compare(*b.NextDeadline)
	})
}

// --- Case page

// caseData is the API's case with what the page needs of it.
type caseData struct {
	No              string            `json:"no"`
	Type            string            `json:"type"`
	Status          string            `json:"status"`
	Department      string            `json:"department"`
	Handler         string            `json:"handler"`
	EscalationLevel int               `json:"escalation_level"`
	Overdue         bool              `json:"overdue"`
	Late            bool              `json:"late_registration"`
	Rounds          int               `json:"rounds"`
	Parent          string            `json:"parent"`
	Children        []json.RawMessage `json:"children"`
	Deadlines       []struct {
		Name     string     `json:"name"`
		Round    int        `json:"round"`
		Due      time.Time  `json:"due"`
		State    string     `json:"state"`
		DueLocal string     `json:"due_local"`
		Text     string     `json:"explanation_text"`
		MetAt    *time.Time `json:"met_at"`
		// Provisional: due reaches a year whose holidays are not known.
		Provisional bool `json:"provisional"`
	} `json:"deadlines"`
	Timeline []workflows.Event `json:"timeline"`
	// TimelineOffset entries of the TimelineTotal are only in the archive.
	TimelineOffset int                        `json:"timeline_offset"`
	TimelineTotal  int                        `json:"timeline_total"`
	Escalations    []workflows.Escalation     `json:"escalations"`
	Ratings        []workflows.CustomerRating `json:"ratings"`
	// Failure says how a failed case's workflow ended (issue 17).
	Failure     *workflows.Failure `json:"failure"`
	Permissions struct {
		Actions     []string `json:"actions"`
		Reveal      bool     `json:"reveal"`
		Reopen      bool     `json:"reopen"`
		Restore     bool     `json:"restore"`
		MarkTypical bool     `json:"mark_typical"`
	} `json:"permissions"`
}

// actionForm is one action the user may take, as a form.
type actionForm struct {
	Name   string
	Fields []field
	Open   bool
	Error  *starter.Error
}

func (s *Server) casePage(rq *request) { s.showCase(rq, http.StatusOK, "", nil, nil) }

// showCase renders the case; failed is the action whose form comes back
// with its errors, revealed the customer's data just revealed.
func (s *Server) showCase(rq *request, status int, failed string, failure *starter.Error, revealed map[string]string) {
	no := rq.r.PathValue("no")
	res := s.call(rq, http.MethodGet, "/api/v1/cases/"+url.PathEscape(no), nil, "")
	if p := res.problem(); p != nil {
		s.fail(rq, p)
		return
	}
	var c caseData
	if err := json.Unmarshal(res.body, &c); err != nil {
		s.fail(rq, s.internal(rq, err))
		return
	}
	pager, p := s.timelinePage(rq, &c)
	if p != nil {
		s.fail(rq, p)
		return
	}
	var all map[string]json.RawMessage
	_ = json.Unmarshal(res.body, &all)
	var sections []section
	for _, part := range []string{"form", "record", "media", "consultation", "repair", "collaboration"} {
		if raw, ok := all[part]; ok && string(raw) != "null" {
			sections = append(sections, section{Name: part, Pairs: s.pairs(raw, rq.lang, c.Type)})
		}
	}
	var children []pair
	for _, ch := range c.Children {
		children = append(children, pair{Children: s.pairs(ch, rq.lang, "")})
	}
	var pending []string
	for _, d := range c.Deadlines {
		if d.State == "pending" && !slices.Contains(pending, d.Name) {
			pending = append(pending, d.Name)
		}
	}
	var actions []actionForm
	for _, a := range c.Permissions.Actions {
		in, ok := actionInput(c.Type, a)
		if !ok {
			continue
		}
		af := actionForm{Name: a, Fields: markAudience(a, s.fieldsOf(in, rq.lang, pending))}
		if a == failed {
			af.Open, af.Error = true, failure
			af.Fields = fill(af.Fields, rq.r.PostForm, fieldErrors(failure))
		}
		actions = append(actions, af)
	}
	s.withStaff(rq, actions, c.Department, c.Handler)
	// The restore form is built as the actions' are, so it has their
	// length limit and shows a refusal beside its field (issue 17).
	var restore []field
	if c.Permissions.Restore {
		restore = s.fieldsOf(restoreInput{}, rq.lang, nil)
		if failed == "restore" {
			restore = fill(restore, rq.r.PostForm, fieldErrors(failure))
		}
	}
	// A reveal stays shown in this session while it lasts and the user
	// still has the right (P1); it is recorded once, when made.
	sum := summaryOf(res.body, c)
	switch {
	case !c.Permissions.Reveal:
		s.reveals.forget(sessionOf(rq), c.No)
		revealed = nil
	case revealed != nil:
		s.reveals.keep(sessionOf(rq), c.No, revealed, s.now())
	default:
		revealed = s.reveals.get(sessionOf(rq), c.No, s.now())
	}
	sum.Revealed = revealed
	next := ""
	if sum.Step != nil {
		next = sum.Step.Action
	}
	first, more := orderActions(actions, next)
	moreOpen := slices.ContainsFunc(more, func(a actionForm) bool { return a.Open })
	s.render(rq, status, "case", map[string]any{"Case": c, "Sections": sections, "Children": children, "Actions": actions,
		"NextAction": first, "MoreActions": more, "MoreOpen": moreOpen, "Summary": sum,
		"Restore": restore, "Failed": failed, "Failure": failure, "Revealed": revealed, "Pager": pager,
		"History": s.customerHistory(rq, no)})
}

// restoreInput is the restore form: the API's (POST .../restore) body.
type restoreInput struct {
	Reason string `json:"reason" bound:"text"`
}

// timelineStep is how many entries one page of an earlier timeline shows.
const timelineStep = 100

// timelinePager links the stretches of a case's whole timeline: the case
// carries its latest entries, ?timeline_from=N shows the stretch from
// entry N, read from the API's timeline pages.
type timelinePager struct {
	Earlier   int // entries before those shown
	Later     int // entries after those shown
	Prev      int // where the previous stretch starts
	Next      int // where the next one starts; Latest when it is the window
	Latest    bool
	Paging    bool // showing an earlier stretch
	FirstShow int  // the first shown entry's number, from 1
}

// timelinePage replaces the case's window with the stretch the page asks
// for and says how to reach the others.
func (s *Server) timelinePage(rq *request, c *caseData) (timelinePager, *starter.Error) {
	pg := timelinePager{Earlier: c.TimelineOffset, Prev: max(0, c.TimelineOffset-timelineStep), FirstShow: c.TimelineOffset + 1}
	from, err := strconv.Atoi(rq.r.URL.Query().Get("timeline_from"))
	if err != nil || from < 0 || from >= c.TimelineOffset {
		return pg, nil
	}
	q := url.Values{"offset": {strconv.Itoa(from)}, "limit": {strconv.Itoa(timelineStep)}}
	res := s.call(rq, http.MethodGet, "/api/v1/cases/"+url.PathEscape(c.No)+"/timeline?"+q.Encode(), nil, "")
	if p := res.problem(); p != nil {
		return pg, p
	}
	var page struct {
		Events []workflows.Event `json:"events"`
	}
	if err := json.Unmarshal(res.body, &page); err != nil {
		return pg, s.internal(rq, err)
	}
	end := from + len(page.Events)
	c.Timeline = page.Events
	pg = timelinePager{Earlier: from, Later: c.TimelineTotal - end, Prev: max(0, from-timelineStep), Next: end,
		Latest: end >= c.TimelineOffset, Paging: true, FirstShow: from + 1}
	return pg, nil
}

// act posts an action form to the API: back to the case on success, or
// the case again with the form as typed and its errors beside the fields.
func (s *Server) act(rq *request) {
	no, action := rq.r.PathValue("no"), rq.r.PathValue("action")
	caseType := typeOfNo(no)
	in, ok := actionInput(caseType, action)
	if !ok {
		s.fail(rq, &starter.Error{Status: http.StatusNotFound, Code: "unknown_action", Message: action})
		return
	}
	_ = rq.r.ParseForm()
	body, bad := encode(s.fieldsOf(in, rq.lang, nil), rq.r.PostForm, s.Location)
	if len(bad) > 0 {
		s.showCase(rq, http.StatusUnprocessableEntity, action, &starter.Error{Status: http.StatusUnprocessableEntity, Code: "invalid_input",
			Message: s.i18n.text(rq.lang, "error.form"), Fields: bad}, nil)
		return
	}
	res := s.call(rq, http.MethodPost, "/api/v1/cases/"+url.PathEscape(no)+"/actions/"+url.PathEscape(action), body, "application/json")
	if p := res.problem(); p != nil {
		if p.Status == http.StatusNotFound || p.Status == http.StatusUnauthorized {
			s.fail(rq, p)
			return
		}
		s.showCase(rq, p.Status, action, p, nil)
		return
	}
	http.Redirect(rq.w, rq.r, "/cases/"+url.PathEscape(no)+"#timeline", http.StatusSeeOther)
}

// typeByPrefix is the case type each case-number prefix stands for.
var typeByPrefix = map[string]string{workflows.PrefixComplaint: workflows.TypeComplaint, workflows.PrefixRepair: workflows.TypeRepair,
	workflows.PrefixConsultation: workflows.TypeConsultation, workflows.PrefixMediaInquiry: workflows.TypeMediaInquiry,
	workflows.PrefixCollaboration: workflows.TypeCollaboration}

// typeOfNo is the case type of a case number, or "".
func typeOfNo(no string) string {
	prefix, _, _ := strings.Cut(no, "-")
	return typeByPrefix[prefix]
}

// reveal shows the customer's data once, on this response only; the API
// records who saw it.
func (s *Server) reveal(rq *request) {
	no := rq.r.PathValue("no")
	body, _ := json.Marshal(map[string]string{"reason": strings.TrimSpace(rq.r.PostFormValue("reason"))})
	res := s.call(rq, http.MethodPost, "/api/v1/cases/"+url.PathEscape(no)+"/reveal", body, "application/json")
	if p := res.problem(); p != nil {
		s.showCase(rq, p.Status, "reveal", p, nil)
		return
	}
	var out struct {
		Customer map[string]string `json:"customer"`
	}
	_ = json.Unmarshal(res.body, &out)
	rq.w.Header().Set("Cache-Control", "no-store")
	s.showCase(rq, http.StatusOK, "", nil, out.Customer)
}

func (s *Server) reopen(rq *request) {
	s.postCase(rq, "reopen", map[string]string{"reason": strings.TrimSpace(rq.r.PostFormValue("reason"))})
}

func (s *Server) restore(rq *request) {
	s.postCase(rq, "restore", map[string]string{"reason": strings.TrimSpace(rq.r.PostFormValue("reason"))})
}

func (s *Server) markTypical(rq *request) {
	s.postCase(rq, "typical", map[string]string{"highlights": strings.TrimSpace(rq.r.PostFormValue("highlights")),
		"improvements": strings.TrimSpace(rq.r.PostFormValue("improvements"))})
}

// postCase sends one of the case's own forms (reopen, restore, typical) to
// the API.
func (s *Server) postCase(rq *request, what string, in map[string]string) {
	no := rq.r.PathValue("no")
	body, _ := json.Marshal(in)
	res := s.call(rq, http.MethodPost, "/api/v1/cases/"+url.PathEscape(no)+"/"+what, body, "application/json")
	if p := res.problem(); p != nil {
		s.showCase(rq, p.Status, what, p, nil)
		return
	}
	http.Redirect(rq.w, rq.r, "/cases/"+url.PathEscape(no), http.StatusSeeOther)
}

// --- New cases

func (s *Server) newMenu(rq *request) {
	s.render(rq, http.StatusOK, "new", map[string]any{"Types": rq.me.Can.Create})
}

func (s *Server) newForm(rq *request) {
	t := rq.r.PathValue("type")
	ft, ok := formTypes[t]
	if !ok || !slices.Contains(rq.me.Can.Create, t) {
		s.fail(rq, &starter.Error{Status: http.StatusNotFound, Code: "not_found", Message: t})
		return
	}
	fields := s.fieldsOf(ft.form, rq.lang, nil)
	// The intake time defaults to now, as the agent usually types it in
	// while the customer is on the line.
	now := s.now().In(s.Location).Format("2006-01-02T15:04")
	posted := map[string][]string{"intake_at": {now}, "received_at": {now}}
	s.render(rq, http.StatusOK, "form", map[string]any{"Type": t, "Fields": fill(fields, posted, nil)})
}

func (s *Server) create(rq *request) {
	t := rq.r.PathValue("type")
	ft, ok := formTypes[t]
	if !ok {
		s.fail(rq, &starter.Error{Status: http.StatusNotFound, Code: "not_found", Message: t})
		return
	}
	_ = rq.r.ParseForm()
	fields := s.fieldsOf(ft.form, rq.lang, nil)
	body, bad := encode(fields, rq.r.PostForm, s.Location)
	var failure *starter.Error
	if len(bad) > 0 {
		failure = &starter.Error{Status: http.StatusUnprocessableEntity, Code: "invalid_form", Message: s.i18n.text(rq.lang, "error.form"), Fields: bad}
	} else {
		res := s.call(rq, http.MethodPost, "/api/v1/"+ft.collection, body, "application/json")
		failure = res.problem()
		if failure != nil && failure.Status == http.StatusUnauthorized {
			s.fail(rq, failure)
			return
		}
		if failure == nil {
			var created struct {
				No string `json:"no"`
			}
			_ = json.Unmarshal(res.body, &created)
			http.Redirect(rq.w, rq.r, "/cases/"+url.PathEscape(created.No), http.StatusSeeOther)
			return
		}
	}
	s.render(rq, failure.Status, "form", map[string]any{"Type": t, "Fields": fill(fields, rq.r.PostForm, fieldErrors(failure)), "Failure": failure})
}

// --- Escalation board

// boardRow is one department's escalated and overdue cases by rung.
type boardRow struct {
	Department string
	Levels     [4][]starter.Summary
}

// board shows escalated and overdue cases by department and ladder level.
func (s *Server) board(rq *request) {
	queries := []url.Values{{"escalated": {"true"}, "page_size": {"200"}}, {"overdue": {"true"}, "page_size": {"200"}}}
	cases, more, ok := s.lists(rq, queries, func(c starter.Summary) bool { return !closed(c) })
	if !ok {
		return
	}
	var rows []*boardRow
	byDept := map[string]*boardRow{}
	for _, c := range cases {
		row, ok := byDept[c.Department]
		if !ok {
			row = &boardRow{Department: c.Department}
			byDept[c.Department] = row
			rows = append(rows, row)
		}
		level := min(max(int(c.EscalationLevel), 0), 3)
		row.Levels[level] = append(row.Levels[level], c)
	}
	slices.SortFunc(rows, func(a, b *boardRow) int { return strings.Compare(a.Department, b.Department) })
	s.render(rq, http.StatusOK, "board", map[string]any{"Rows": rows, "Total": len(cases), "More": more, "Levels": []int{0, 1, 2, 3}})
}

// --- Quality control

// quality shows a day's supervision sample and its evaluation table; by
// default yesterday's, which the morning's supervision task covers (K2).
func (s *Server) quality(rq *request) {
	day := rq.r.URL.Query().Get("day")
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		day = s.now().In(s.Location).AddDate(0, 0, -1).Format(time.DateOnly)
	}
	s.showQuality(rq, http.StatusOK, day, nil)
}

func (s *Server) showQuality(rq *request, status int, day string, failure *starter.Error) {
	res := s.call(rq, http.MethodGet, "/api/v1/supervision/"+url.PathEscape(day), nil, "")
	var sv map[string]any
	p := res.problem()
	switch {
	case p == nil:
		_ = json.Unmarshal(res.body, &sv)
	case p.Status != http.StatusNotFound:
		s.fail(rq, p)
		return
	}
	var grades map[string]any
	gres := s.call(rq, http.MethodGet, "/api/v1/reports/evaluations", nil, "")
	if gres.problem() == nil {
		_ = json.Unmarshal(gres.body, &grades)
	}
	errs := fieldErrors(failure)
	type item struct {
		Field, Label, Grade, Problems, Measures string
		Error                                   *forms.FieldError
	}
	var items []item
	for _, f := range forms.EvaluationFields(forms.Language(rq.lang)) {
		it := item{Field: f[0], Label: f[1]}
		if failure != nil {
			it.Grade, it.Problems, it.Measures = rq.r.PostFormValue("grade."+f[0]), rq.r.PostFormValue("problems."+f[0]), rq.r.PostFormValue("measures."+f[0])
		}
		for _, k := range []string{"items." + f[0], "items." + f[0] + ".problems", "items." + f[0] + ".measures"} {
			if e, ok := errs[k]; ok && it.Error == nil {
				it.Error = &e
			}
		}
		items = append(items, it)
	}
	s.render(rq, status, "quality", map[string]any{"Day": day, "Supervision": sv, "Items": items, "Grades": forms.Grades,
		"GradeReport": grades, "Failure": failure})
}

func (s *Server) evaluate(rq *request) {
	day := rq.r.PathValue("day")
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		s.fail(rq, &starter.Error{Status: http.StatusNotFound, Code: "not_found", Message: day})
		return
	}
	_ = rq.r.ParseForm()
	items := map[string]forms.EvaluationItem{}
	for _, f := range forms.EvaluationFields(forms.LanguageEN) {
		items[f[0]] = forms.EvaluationItem{Grade: rq.r.PostFormValue("grade." + f[0]), Problems: rq.r.PostFormValue("problems." + f[0]),
			Measures: rq.r.PostFormValue("measures." + f[0])}
	}
	body, _ := json.Marshal(forms.Evaluation{Items: items, Summary: rq.r.PostFormValue("summary")})
	res := s.call(rq, http.MethodPost, "/api/v1/supervision/"+url.PathEscape(day)+"/evaluation", body, "application/json")
	if p := res.problem(); p != nil {
		if p.Status == http.StatusUnauthorized {
			s.fail(rq, p)
			return
		}
		s.showQuality(rq, p.Status, day, p)
		return
	}
	http.Redirect(rq.w, rq.r, "/quality?day="+url.QueryEscape(day), http.StatusSeeOther)
}

// --- Outbox

func (s *Server) outbox(rq *request) {
	path := "/api/v1/outbox"
	if no := rq.r.URL.Query().Get("case"); no != "" {
		path += "?case=" + url.QueryEscape(no)
	}
	var out struct {
		Entries []struct {
			Notice   workflows.Notice `json:"notice"`
			StoredAt time.Time        `json:"stored_at"`
			Status   string           `json:"status"`
			Error    string           `json:"error"`
			Messages []struct {
				To struct {
					Email string `json:"email"`
				} `json:"to"`
				Subject string `json:"subject"`
				Text    string `json:"text"`
			} `json:"messages"`
		} `json:"entries"`
		Local    bool `json:"local"`
		Links    bool `json:"links"`
		Revealed bool `json:"revealed"`
	}
	if !s.getJSON(rq, path, &out) {
		return
	}
	s.render(rq, http.StatusOK, "outbox", map[string]any{"Entries": out.Entries, "Case": rq.r.URL.Query().Get("case"),
		"Local": out.Local, "Links": out.Links, "Revealed": out.Revealed})
}

// --- Emergency import

// maxImport is the largest emergency form the API takes.
const maxImport = 10 << 20

func (s *Server) importPage(rq *request) { s.render(rq, http.StatusOK, "import", nil) }

// importUpload sends the uploaded emergency form to the API and shows its
// answer row by row.
func (s *Server) importUpload(rq *request) {
	if !rq.me.Can.Import {
		s.fail(rq, &starter.Error{Status: http.StatusForbidden, Code: "forbidden", Message: "import"})
		return
	}
	// The API takes at most 10 MiB; the form's own fields need little more.
	rq.r.Body = http.MaxBytesReader(rq.w, rq.r.Body, maxImport+64<<10)
	if err := rq.r.ParseMultipartForm(maxImport); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			s.render(rq, http.StatusRequestEntityTooLarge, "import", map[string]any{"Failure": &starter.Error{Code: "too_large", Message: s.i18n.text(rq.lang, "import.tooLarge")}})
			return
		}
		s.render(rq, http.StatusBadRequest, "import", map[string]any{"Failure": &starter.Error{Code: "bad_file", Message: s.i18n.text(rq.lang, "import.nofile")}})
		return
	}
	f, _, err := rq.r.FormFile("file")
	if err != nil {
		s.render(rq, http.StatusBadRequest, "import", map[string]any{"Failure": &starter.Error{Code: "bad_file", Message: s.i18n.text(rq.lang, "import.nofile")}})
		return
	}
	defer func() { _ = f.Close() }()
	data, err := io.ReadAll(io.LimitReader(f, maxImport+1))
	if err != nil {
		s.fail(rq, &starter.Error{Status: http.StatusBadRequest, Code: "bad_file", Message: err.Error()})
		return
	}
	res := s.call(rq, http.MethodPost, "/api/v1/imports/emergency", data, "text/csv")
	if p := res.problem(); p != nil {
		s.render(rq, p.Status, "import", map[string]any{"Failure": p})
		return
	}
	var out starter.ImportResult
	_ = json.Unmarshal(res.body, &out)
	s.render(rq, http.StatusOK, "import", map[string]any{"Result": out})
}
