package archive

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows"
)

// queued is what a case's work-queue row is made of: what it is about,
// for whom, what it waits for and how urgent it is.
type queued struct {
	subject, customer, handler      string
	action, party, owedBy, deadline string
	due                             any // unix seconds, or nil
	pausedFor                       string
	urgency                         int
}

// OwedBy names who owes a case's next step in the owed_by column:
// PartyCustomerService, or "dept:" and a department's code.
func OwedBy(party, department string) string {
	if party == workflows.PartyCustomerService {
		return party
	}
	return "dept:" + department
}

func queuedOf(v workflows.CaseView) queued {
	q := queued{subject: v.Subject(), customer: forms.MaskName(v.Contact().Name), handler: v.Handler,
		urgency: int(v.EscalationLevel)}
	m := listedMarks(v)
	for _, mark := range []bool{m.vip, m.major} {
		if mark {
			q.urgency++
		}
	}
	step, ok := v.NextStep()
	if !ok {
		return q
	}
	q.action, q.party, q.owedBy = step.Action, step.Party, OwedBy(step.Party, step.Department)
	q.deadline, q.pausedFor = step.Deadline, step.PausedFor
	if step.Due != nil {
		q.due = step.Due.Unix()
	}
	return q
}

// listedMarks are the case's VIP, major and urgent marks.
func listedMarks(v workflows.CaseView) (l listed) {
	switch {
	case v.Form != nil:
		l.vip, l.major, l.urgent = v.Form.VIP, v.Form.Major, v.Form.Priority == forms.PriorityUrgent
	case v.Repair != nil:
		l.urgent = v.Repair.Form.Urgency == forms.UrgencyUrgent
	case v.Collaboration != nil:
		l.urgent = v.Collaboration.Form.Urgency == forms.UrgencyUrgent
	}
	return l
}

// MaxUrgency is the highest urgency a case can have: the top of the
// escalation ladder, a VIP customer and a major complaint.
const MaxUrgency = 5

// QueueQuery selects the open cases of one work queue. The scope (All,
// Departments, MinEscalation) is as in ListQuery and matches nothing when
// empty. The other fields narrow it; the caller checks their values.
type QueueQuery struct {
	All           bool
	Departments   []string
	MinEscalation int
	// OwedBy keeps cases whose next step this party owes (see OwedBy);
	// NotOwedBy those it does not. Handlers, when set, keeps cases with one
	// of these handlers ("" for none) — or owed as the requester.
	OwedBy, NotOwedBy string
	Handlers          []string
	Department        string
	Status            string
	Actions           []string
	// Level keeps cases at least this far up the ladder.
	Level int
	// DueBy keeps cases whose step is due by then (overdue included).
	DueBy *time.Time
	// Tiebreak is how far the ladder and the VIP and major marks may move
	// a case ahead of one due earlier.
	Tiebreak      time.Duration
	Limit, Offset int
}

// Row is one line of a work queue.
type Row struct {
	No, Type, Status, Department, RequestingDepartment string
	Subject, Customer, Handler                         string
	// The next step: its action, who owes it, the clock it is on and when
	// that clock ends, and the request it waits for while paused.
	NextAction, NextParty, OwedBy, StepDeadline string
	StepDue                                     *time.Time
	PausedFor                                   string
	EscalationLevel                             int
	Overdue, VIP, Major, Urgent                 bool
	OpenedAt                                    time.Time
}

// openStatus is the condition for a case that still takes actions.
const openStatus = "status NOT IN ('closed', 'declined', 'failed')"

// where is the query's condition and its arguments.
func (q QueueQuery) where() (string, []any, bool) {
	var scope []string
	var args []any
	if !q.All {
		for _, d := range q.Departments {
			scope, args = append(scope, "department = ?", "requesting_department = ?"), append(args, d, d)
		}
		if q.MinEscalation > 0 {
			scope, args = append(scope, "escalation_level >= ?"), append(args, q.MinEscalation)
		}
		if len(scope) == 0 {
			return "", nil, false
		}
	}
	conds := []string{openStatus}
	if len(scope) > 0 {
		conds = append(conds, "("+strings.Join(scope, " OR ")+")")
	}
	add := func(c string, a ...any) { conds, args = append(conds, c), append(args, a...) }
	if q.OwedBy != "" {
		add("owed_by = ?", q.OwedBy)
	}
	if q.NotOwedBy != "" {
		add("owed_by <> ?", q.NotOwedBy)
	}
	if len(q.Handlers) > 0 {
		in, vals := inList("handler", q.Handlers)
		add("("+in+" OR next_party = ?)", append(vals, workflows.PartyRequester)...)
	}
	if q.Department != "" {
		add("department = ?", q.Department)
	}
	if q.Status != "" {
		add("status = ?", q.Status)
	}
	if len(q.Actions) > 0 {
		in, vals := inList("next_action", q.Actions)
		add(in, vals...)
	}
	if q.Level > 0 {
		add("escalation_level >= ?", q.Level)
	}
	if q.DueBy != nil {
		add("step_due <= ?", q.DueBy.Unix())
	}
	return strings.Join(conds, " AND "), args, true
}

const rowColumns = `no, type, status, department, requesting_department, subject, customer, handler,
	next_action, next_party, owed_by, step_deadline, step_due, paused_for, escalation_level, overdue, vip, major, urgent, opened_at`

// Queue returns one page of the queue, what breaches first on top, and
// how many cases the whole queue holds. The ladder and the VIP and major
// marks move a case ahead by at most q.Tiebreak: never above a case due
// earlier by more than that. Cases with no running clock come last.
func (s *Store) Queue(ctx context.Context, q QueueQuery) ([]Row, int, error) {
	where, args, ok := q.where()
	if !ok {
		return nil, 0, nil
	}
	total, err := s.QueueCount(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	step := int64(q.Tiebreak/time.Second) / MaxUrgency
	query := fmt.Sprintf(`SELECT %s FROM cases WHERE %s
		ORDER BY CASE WHEN step_due IS NULL THEN 1 ELSE 0 END, step_due - urgency * ?, opened_at, no LIMIT %d OFFSET %d`,
		rowColumns, where, limit, max(q.Offset, 0))
	rows, err := s.read.QueryContext(ctx, s.bind(query), append(args, step)...)
	if err != nil {
		return nil, 0, fmt.Errorf("archive queue: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var out []Row
	for rows.Next() {
		var r Row
		var due sql.NullInt64
		if err := rows.Scan(&r.No, &r.Type, &r.Status, &r.Department, &r.RequestingDepartment, &r.Subject, &r.Customer, &r.Handler,
			&r.NextAction, &r.NextParty, &r.OwedBy, &r.StepDeadline, &due, &r.PausedFor, &r.EscalationLevel, &r.Overdue,
			&r.VIP, &r.Major, &r.Urgent, &r.OpenedAt); err != nil {
			return nil, 0, fmt.Errorf("archive queue: %w", err)
		}
		if due.Valid {
			t := time.Unix(due.Int64, 0).UTC()
			r.StepDue = &t
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("archive queue: %w", err)
	}
	return out, total, nil
}

// QueueCount is how many cases the queue holds.
func (s *Store) QueueCount(ctx context.Context, q QueueQuery) (int, error) {
	where, args, ok := q.where()
	if !ok {
		return 0, nil
	}
	var n int
	if err := s.read.QueryRowContext(ctx, s.bind("SELECT COUNT(*) FROM cases WHERE "+where), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("archive queue count: %w", err)
	}
	return n, nil
}

// Load is each handler's number of open cases in the departments (every
// department when none is named).
func (s *Store) Load(ctx context.Context, departments []string) (map[string]int, error) {
	query := "SELECT handler, COUNT(*) FROM cases WHERE " + openStatus + " AND handler <> ''"
	var args []any
	if len(departments) > 0 {
		var in string
		in, args = inList("department", departments)
		query += " AND " + in
	}
	rows, err := s.read.QueryContext(ctx, s.bind(query+" GROUP BY handler"), args...)
	if err != nil {
		return nil, fmt.Errorf("archive load: %w", err)
	}
	defer func() { _ = rows.Close() }()
	load := map[string]int{}
	for rows.Next() {
		var h string
		var n int
		if err := rows.Scan(&h, &n); err != nil {
			return nil, fmt.Errorf("archive load: %w", err)
		}
		load[h] = n
	}
	return load, rows.Err()
}

// inList is "column IN (?, …)" for values, and the values as arguments.
func inList(column string, values []string) (string, []any) {
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	return column + " IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(values)), ", ") + ")", args
}
