package archive

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/closeloop/closeloop/workflows"
)

// ListQuery selects case list lines. Empty fields match everything; the
// scope (All, Departments, MinEscalation) matches nothing when empty:
// deny by default. The caller checks the values; they are bound, never
// spliced into the SQL.
type ListQuery struct {
	Type, Status, Department, Parent string
	Overdue                          *bool
	Escalated                        bool
	// All, or the cases routed to or requested by one of Departments, or
	// escalated at least MinEscalation levels.
	All           bool
	Departments   []string
	MinEscalation int
	Limit         int
	// After is the key of the last line of the page before.
	After string
}

// Line is one case in a list.
type Line struct {
	No, Type, Status, Department string
	RequestingDepartment, Parent string
	EscalationLevel              int
	Overdue                      bool
	NextDeadline                 *time.Time
	OpenedAt                     time.Time
	VIP, Major, Urgent           bool
	// Key orders the list: open cases first, newest first, then closed
	// ones, last closed first.
	Key string
}

// listKey is a case's place in lists, as text that sorts descending: "1"
// and the instant it opened while open, "0" and the instant it closed
// once closed, then its number to break ties.
func listKey(v workflows.CaseView, opened time.Time) string {
	const layout = "2006-01-02T15:04:05.000000000Z"
	if v.ClosedAt != nil {
		return "0" + v.ClosedAt.UTC().Format(layout) + " " + v.No
	}
	return "1" + opened.UTC().Format(layout) + " " + v.No
}

// listed is what a case's list line is made of, beyond the columns the
// archive had from the start.
type listed struct {
	key, parent, requesting string
	next                    any // time.Time or nil
	vip, major, urgent      bool
	queued
}

// listVersion is the version of the list columns Put writes; rows
// written by an older release are filled in again at start (backfill).
const listVersion = 2

func listedOf(v workflows.CaseView, opened time.Time) listed {
	l := listedMarks(v)
	l.key, l.parent, l.queued = listKey(v, opened), v.Parent, queuedOf(v)
	if v.Collaboration != nil {
		l.requesting = v.Collaboration.Form.RequestingDepartment
	}
	var next time.Time
	for _, d := range v.Deadlines {
		if d.State == workflows.DeadlinePending && (next.IsZero() || d.Due.Before(next)) {
			next = d.Due
		}
	}
	if !next.IsZero() {
		l.next = next.UTC()
	}
	return l
}

const lineColumns = `no, type, status, department, requesting_department, parent, escalation_level, overdue,
	next_deadline, opened_at, vip, major, urgent, list_key`

// List returns up to q.Limit lines in list order and the key to pass as
// After for the next page ("" on the last page). Each scope alternative
// is its own index-ordered branch, so a page reads about Limit rows per
// branch however many cases there are.
func (s *Store) List(ctx context.Context, q ListQuery) ([]Line, string, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	var branches []string
	var branchArgs [][]any
	if q.All {
		branches, branchArgs = append(branches, ""), append(branchArgs, nil)
	}
	for _, d := range q.Departments {
		branches = append(branches, "department = ?", "requesting_department = ?")
		branchArgs = append(branchArgs, []any{d}, []any{d})
	}
	if q.MinEscalation > 0 {
		branches, branchArgs = append(branches, "escalation_level >= ?"), append(branchArgs, []any{q.MinEscalation})
	}
	if len(branches) == 0 {
		return nil, "", nil
	}
	var common []string
	var args []any
	for _, f := range []struct {
		column, value string
	}{{"type", q.Type}, {"status", q.Status}, {"department", q.Department}, {"parent", q.Parent}} {
		if f.value != "" {
			common, args = append(common, f.column+" = ?"), append(args, f.value)
		}
	}
	if q.Overdue != nil {
		common, args = append(common, "overdue = ?"), append(args, *q.Overdue)
	}
	if q.Escalated {
		common = append(common, "escalation_level >= 1")
	}
	if q.After != "" {
		common, args = append(common, "list_key < ?"), append(args, q.After)
	}
	var subs []string
	var all []any
	for i, b := range branches {
		where := common
		if b != "" {
			where = append([]string{b}, common...)
		}
		sub := "SELECT " + lineColumns + " FROM cases"
		if len(where) > 0 {
			sub += " WHERE " + strings.Join(where, " AND ")
		}
		sub += fmt.Sprintf(" ORDER BY list_key DESC LIMIT %d", limit+1)
		subs = append(subs, fmt.Sprintf("SELECT * FROM (%s) AS b%d", sub, i))
		all = append(append(all, branchArgs[i]...), args...)
	}
	query := strings.Join(subs, " UNION ") + fmt.Sprintf(" ORDER BY list_key DESC LIMIT %d", limit+1)
	rows, err := s.read.QueryContext(ctx, s.bind(query), all...)
	if err != nil {
		return nil, "", fmt.Errorf("archive list: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var lines []Line
	for rows.Next() {
		var l Line
		var next sql.NullTime
		if err := rows.Scan(&l.No, &l.Type, &l.Status, &l.Department, &l.RequestingDepartment, &l.Parent, &l.EscalationLevel,
			&l.Overdue, &next, &l.OpenedAt, &l.VIP, &l.Major, &l.Urgent, &l.Key); err != nil {
			return nil, "", fmt.Errorf("archive list: %w", err)
		}
		if next.Valid {
			t := next.Time
			l.NextDeadline = &t
		}
		lines = append(lines, l)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("archive list: %w", err)
	}
	if len(lines) <= limit {
		return lines, "", nil
	}
	lines = lines[:limit]
	return lines, lines[limit-1].Key, nil
}

// backfill fills the list columns of cases archived before they existed.
func (s *Store) backfill(ctx context.Context) error {
	views, err := s.records(ctx, s.bind(`SELECT record FROM cases WHERE list_version < ?`), listVersion)
	if err != nil {
		return fmt.Errorf("archive backfill: %w", err)
	}
	if len(views) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("archive backfill: %w", err)
	}
	for _, v := range views {
		l := listedOf(v, openedAt(v))
		q := l.queued
		if _, err := tx.ExecContext(ctx, s.bind(`UPDATE cases SET list_key = ?, parent = ?, requesting_department = ?, next_deadline = ?,
			vip = ?, major = ?, urgent = ?, subject = ?, customer = ?, handler = ?, next_action = ?, next_party = ?, owed_by = ?,
			step_deadline = ?, step_due = ?, paused_for = ?, urgency = ?, list_version = ? WHERE no = ?`),
			l.key, l.parent, l.requesting, l.next, l.vip, l.major, l.urgent, q.subject, q.customer, q.handler, q.action, q.party, q.owedBy,
			q.deadline, q.due, q.pausedFor, q.urgency, listVersion, v.No); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("archive backfill %s: %w", v.No, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("archive backfill: %w", err)
	}
	return nil
}

// records reads the cases a query selects by their record column.
func (s *Store) records(ctx context.Context, query string, args ...any) ([]workflows.CaseView, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	var views []workflows.CaseView
	for rows.Next() {
		var record string
		var v workflows.CaseView
		if err := rows.Scan(&record); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(record), &v); err != nil {
			return nil, err
		}
		views = append(views, v)
	}
	return views, rows.Err()
}

// openedAt is when a case was opened: its first timeline entry, which
// the summary of the archived entries remembers once it has left the state.
func openedAt(v workflows.CaseView) time.Time {
	if v.Earlier != nil {
		return v.Earlier.From
	}
	if len(v.Timeline) > 0 {
		return v.Timeline[0].At
	}
	return time.Time{}
}
