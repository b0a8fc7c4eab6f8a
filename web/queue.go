package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/closeloop/closeloop/workflows"
)

// queuePage is the API's work-queue page.
type queuePage struct {
	View  string `json:"view"`
	Views []struct {
		Name  string `json:"name"`
		Count int    `json:"count"`
	} `json:"views"`
	Cases    []queueRow        `json:"cases"`
	Total    int               `json:"total"`
	Page     int               `json:"page"`
	PageSize int               `json:"page_size"`
	Load     map[string]int    `json:"load"`
	Names    map[string]string `json:"names"`
}

// queueRow is one to-do: the case, what it waits for and its clock.
type queueRow struct {
	No                   string          `json:"no"`
	Type                 string          `json:"type"`
	Status               string          `json:"status"`
	Department           string          `json:"department"`
	RequestingDepartment string          `json:"requesting_department"`
	Subject              string          `json:"subject"`
	Customer             string          `json:"customer"`
	Handler              string          `json:"handler"`
	Next                 *workflows.Step `json:"next_step"`
	EscalationLevel      int             `json:"escalation_level"`
	Overdue              bool            `json:"overdue"`
	VIP                  bool            `json:"vip"`
	Major                bool            `json:"major"`
	Urgent               bool            `json:"urgent"`
}

// queuePageSize is how many rows the inbox shows a page.
const queuePageSize = 50

// inbox is the user's work queues: one view at a time, one click to each
// of the others with its count, each row a to-do with its clock. The
// list refreshes itself (app.js asks for the page again and swaps the
// queue in when it changed).
func (s *Server) inbox(rq *request) {
	q := rq.r.URL.Query()
	params := url.Values{"page_size": {strconv.Itoa(queuePageSize)}}
	if v := q.Get("view"); v != "" {
		params.Set("view", v)
	}
	page := 1
	if p, err := strconv.Atoi(q.Get("page")); err == nil && p > 1 {
		page = p
		params.Set("page", strconv.Itoa(p))
	}
	var qp queuePage
	if !s.getJSON(rq, "/api/v1/queue?"+params.Encode(), &qp) {
		return
	}
	pages := (qp.Total + queuePageSize - 1) / queuePageSize
	nav := func(p int) string {
		return "/inbox?" + url.Values{"view": {qp.View}, "page": {strconv.Itoa(p)}}.Encode()
	}
	staff := s.staffOptions(rq, rq.me.Department, "", qp.Load) // the page has the load
	data := map[string]any{"Queue": qp, "Page": page, "Pages": pages, "Bulk": bulkActions(staff != nil), "Staff": staff,
		"First": (page-1)*queuePageSize + 1, "Last": (page-1)*queuePageSize + len(qp.Cases)}
	if page > 1 {
		data["Prev"] = nav(page - 1)
	}
	if page < pages {
		data["Next"] = nav(page + 1)
	}
	if n := q.Get("done"); n != "" {
		data["Done"], data["Failed"] = n, q.Get("failed")
	}
	if p := q.Get("problem"); strings.HasPrefix(p, "bulk.") && s.i18n.has(rq.lang, p) {
		data["Problem"] = p
	}
	s.render(rq, http.StatusOK, "inbox", data)
}

// bulkActions are the actions the inbox offers on many cases at once:
// a note, and for heads (who may list their department's staff) an
// assignment to a person.
func bulkActions(assign bool) []string {
	if assign {
		return []string{workflows.ActionComment, workflows.ActionAssign}
	}
	return []string{workflows.ActionComment}
}

// maxBulk bounds the cases one bulk action touches: one queue page.
const maxBulk = 200

// bulk applies one action to the chosen cases, each through the API as
// if done on its page (its own checks, refusals and timeline entry), and
// goes back to the queue saying how many succeeded and which failed.
func (s *Server) bulk(rq *request) {
	_ = rq.r.ParseForm()
	nos := rq.r.PostForm["no"]
	action := rq.r.PostFormValue("action")
	text := strings.TrimSpace(rq.r.PostFormValue("text"))
	back := localPath(rq.r.PostFormValue("back"), "/inbox")
	handler := strings.TrimSpace(rq.r.PostFormValue("handler"))
	// Whether the user may assign is the API's to decide, case by case.
	var problem string
	switch {
	case action != workflows.ActionComment && action != workflows.ActionAssign:
		problem = "bulk.unknown"
	case len(nos) == 0:
		problem = "bulk.none"
	case len(nos) > maxBulk:
		problem = "bulk.tooMany"
	case action == workflows.ActionComment && text == "":
		problem = "bulk.noText"
	case action == workflows.ActionAssign && handler == "":
		problem = "bulk.noHandler"
	}
	u, _ := url.Parse(back)
	q := u.Query()
	for _, k := range []string{"done", "failed", "problem"} {
		q.Del(k)
	}
	if problem != "" {
		q.Set("problem", problem)
	} else {
		in := map[string]string{"text": text}
		if action == workflows.ActionAssign {
			in = map[string]string{"handler": handler, "note": text}
		}
		body, _ := json.Marshal(in)
		var failed []string
		for _, no := range nos {
			res := s.call(rq, http.MethodPost, "/api/v1/cases/"+url.PathEscape(no)+"/actions/"+url.PathEscape(action), body, "application/json")
			if res.problem() != nil {
				failed = append(failed, no)
			}
		}
		q.Set("done", strconv.Itoa(len(nos)-len(failed)))
		if len(failed) > 0 {
			q.Set("failed", strings.Join(failed, " "))
		}
	}
	u.RawQuery = q.Encode()
	http.Redirect(rq.w, rq.r, u.String(), http.StatusSeeOther)
}

// Step says what a queue row waits for and from whom, in the page's
// language: "物业部：首次反馈" / "Property: first feedback".
func (v view) Step(s *workflows.Step) string {
	if s == nil {
		return ""
	}
	who := v.T("party.customer_service")
	if s.Party != workflows.PartyCustomerService {
		who = v.Dept(s.Department)
		if s.Department == "" {
			who = v.T("party.department")
		}
	}
	return v.T("step.line", "Who", who, "What", v.T("step."+s.Action))
}

// HandlerName is a handler's display name from the queue's names, or
// their username.
func (v view) HandlerName(names map[string]string, username string) string {
	if n := names[username]; n != "" {
		return n
	}
	return username
}
