package api

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/closeloop/closeloop/archive"
	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/identity"
	"github.com/closeloop/closeloop/policies"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
	"github.com/closeloop/closeloop/workflows/sla"
)

// Work-queue views (issue 18). Each role has the views that hold its work;
// the first is its default.
const (
	ViewMine       = "mine"       // what I owe now
	ViewDepartment = "department" // everything open in my department
	ViewWaiting    = "waiting"    // in my sight, owed by someone else
	ViewCallbacks  = "callbacks"  // call-backs and return visits due by tonight
	ViewReworks    = "reworks"    // unsatisfied visits sent back for rework
	ViewEscalated  = "escalated"  // escalated to my rung of the ladder or above
	ViewAll        = "all"        // every open case I may see
)

// maxQueuePage bounds a queue page; pages go on past it.
const maxQueuePage = 200

// queueView is a named view and its query.
type queueView struct {
	Name  string
	Query archive.QueueQuery
}

// viewsFor are the caller's views, the default first, each within the
// caller's read scope (P3).
func (s *Server) viewsFor(c caller, now time.Time) []queueView {
	scope := scopeFor(c)
	base := archive.QueueQuery{All: scope.All, Departments: scope.Departments, MinEscalation: scope.MinEscalation, Tiebreak: s.QueueTiebreak}
	with := func(name string, f func(*archive.QueueQuery)) queueView {
		q := base
		f(&q)
		return queueView{name, q}
	}
	cs := workflows.PartyCustomerService
	loc := s.Location
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := now.In(loc).Date()
	tonight := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	callbacks := with(ViewCallbacks, func(q *archive.QueueQuery) {
		q.OwedBy, q.Actions, q.DueBy = cs, []string{workflows.ActionCallBack, workflows.ActionReturnVisit}, &tonight
	})
	mine := func(owed string, handlers ...string) queueView {
		return with(ViewMine, func(q *archive.QueueQuery) { q.OwedBy, q.Handlers = owed, handlers })
	}
	waiting := func(owed string) queueView {
		return with(ViewWaiting, func(q *archive.QueueQuery) { q.NotOwedBy = owed })
	}
	escalated := func(rung sla.Level) queueView {
		return with(ViewEscalated, func(q *archive.QueueQuery) { q.Level = int(rung) })
	}
	all := with(ViewAll, func(*archive.QueueQuery) {})
	dept := archive.OwedBy(workflows.PartyDepartment, c.Department)
	department := with(ViewDepartment, func(q *archive.QueueQuery) { q.Department = c.Department })
	switch c.Role {
	case identity.RoleAgent:
		return []queueView{mine(cs), callbacks, waiting(cs), all}
	case identity.RoleCSHead:
		reworks := with(ViewReworks, func(q *archive.QueueQuery) { q.Status = workflows.StatusRework })
		return []queueView{reworks, mine(cs), callbacks, escalated(sla.LevelCSHead), waiting(cs), all}
	case identity.RoleDeptStaff, identity.RoleMaintenance:
		// Staff owe what is assigned to them or to nobody yet.
		return []queueView{mine(dept, "", c.Username), department, waiting(dept)}
	case identity.RoleDeptHead:
		return []queueView{mine(dept), department, escalated(sla.LevelDeptHead), waiting(dept)}
	case identity.RoleManager:
		return []queueView{escalated(sla.LevelManagement), all}
	case identity.RoleQC, identity.RoleAdmin:
		return []queueView{all}
	}
	return nil
}

// queueRow is one row of a work queue: a to-do.
type queueRow struct {
	No                   string `json:"no"`
	Type                 string `json:"type"`
	Status               string `json:"status"`
	Department           string `json:"department,omitempty"`
	RequestingDepartment string `json:"requesting_department,omitempty"`
	// Subject is what the case is about; Customer the customer's masked
	// name (P1).
	Subject  string          `json:"subject"`
	Customer string          `json:"customer,omitempty"`
	Handler  string          `json:"handler,omitempty"`
	Next     *workflows.Step `json:"next_step,omitempty"`
	Level    int             `json:"escalation_level"`
	Overdue  bool            `json:"overdue"`
	starter.Marks
	OpenedAt time.Time `json:"opened_at"`
}

type queueCount struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

type queueResponse struct {
	View     string       `json:"view"`
	Views    []queueCount `json:"views"`
	Cases    []queueRow   `json:"cases"`
	Total    int          `json:"total"`
	Page     int          `json:"page"`
	PageSize int          `json:"page_size"`
	// Load is each handler's number of open cases in the caller's
	// departments (everywhere for customer service and oversight).
	Load map[string]int `json:"load"`
	// Names are the display names of the handlers named in the page and
	// the load.
	Names map[string]string `json:"names"`
}

// queue answers one page of one of the caller's work queues, what breaches
// first on top, with the count of each of the caller's views.
func (s *Server) queue(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r.Context())
	views := s.viewsFor(c, time.Now())
	q := r.URL.Query()
	var bad forms.Errors
	name := q.Get("view")
	if name == "" && len(views) > 0 {
		name = views[0].Name
	}
	i := slices.IndexFunc(views, func(v queueView) bool { return v.Name == name })
	if i < 0 {
		var names []string
		for _, v := range views {
			names = append(names, v.Name)
		}
		bad = append(bad, forms.FieldError{Field: "view", Code: "unknown_value", Message: "view must be one of your views: " + joinOr(names)})
	}
	page, size := 1, 50
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100_000 {
			bad = append(bad, forms.FieldError{Field: "page", Code: "invalid", Message: "page must be a number from 1 to 100000"})
		}
		page = n
	}
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxQueuePage {
			bad = append(bad, forms.FieldError{Field: "page_size", Code: "invalid", Message: "page_size must be a number from 1 to 200"})
		}
		size = n
	}
	if len(bad) > 0 {
		s.fail(w, r, &starter.Error{Status: http.StatusBadRequest, Code: "invalid_filter", Message: "the queue request has errors", Fields: bad})
		return
	}
	store := s.Cases.Archive
	if store == nil {
		s.fail(w, r, &starter.Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "work queues need the archive"})
		return
	}
	ctx := r.Context()
	resp := queueResponse{View: name, Views: make([]queueCount, 0, len(views)), Cases: []queueRow{}, Page: page, PageSize: size}
	query := views[i].Query
	query.Limit, query.Offset = size, (page-1)*size
	rows, total, err := store.Queue(ctx, query)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	resp.Total = total
	// The chosen view was counted with its page; the others are counted.
	for j, v := range views {
		n := total
		if j != i {
			if n, err = store.QueueCount(ctx, v.Query); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		resp.Views = append(resp.Views, queueCount{v.Name, n})
	}
	for _, row := range rows {
		// The query holds only what the role may read; each row is checked
		// against the policies as well.
		target := policies.Case{No: row.No, Type: row.Type, Status: row.Status, Department: row.Department, RequestingDepartment: row.RequestingDepartment,
			EscalationLevel: row.EscalationLevel}
		if !s.Authz.Can(ctx, c.subject(), policies.ActionRead, target) {
			continue
		}
		resp.Cases = append(resp.Cases, rowOf(row))
	}
	var depts []string
	if !scopeFor(c).All {
		depts = scopeFor(c).Departments
	}
	if resp.Load, err = store.Load(ctx, depts); err != nil {
		s.fail(w, r, err)
		return
	}
	resp.Names = map[string]string{}
	addName := func(username string) {
		if u, ok := s.Directory.User(username); ok && u.Name != "" {
			resp.Names[username] = u.Name
		}
	}
	for h := range resp.Load {
		addName(h)
	}
	for _, row := range resp.Cases {
		addName(row.Handler)
	}
	writeJSON(w, http.StatusOK, resp)
}

func rowOf(r archive.Row) queueRow {
	out := queueRow{No: r.No, Type: r.Type, Status: r.Status, Department: r.Department, RequestingDepartment: r.RequestingDepartment,
		Subject: r.Subject, Customer: r.Customer, Handler: r.Handler, Level: r.EscalationLevel, Overdue: r.Overdue,
		Marks: starter.Marks{VIP: r.VIP, Major: r.Major, Urgent: r.Urgent}, OpenedAt: r.OpenedAt}
	if r.NextAction != "" {
		out.Next = &workflows.Step{Action: r.NextAction, Party: r.NextParty, Deadline: r.StepDeadline, Due: r.StepDue, PausedFor: r.PausedFor}
		if r.NextParty != workflows.PartyCustomerService {
			out.Next.Department = r.OwedBy[len("dept:"):]
		}
	}
	return out
}

// joinOr lists names as "a, b or c".
func joinOr(names []string) string {
	switch len(names) {
	case 0:
		return "(none)"
	case 1:
		return names[0]
	}
	out := ""
	for i, n := range names[:len(names)-1] {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out + " or " + names[len(names)-1]
}
