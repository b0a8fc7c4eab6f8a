package archive

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows"
)

// Search (issue 18) reads the case_search table: one narrow row per case
// with what a search matches on and the scope columns, so a search sorts
// small rows and reads the wide cases rows only for the page it returns.
// Content is matched by substring through a trigram index (SQLite FTS5
// with the trigram tokenizer, PostgreSQL pg_trgm), as Chinese has no
// spaces between words; a trigram index needs at least MinContentRunes.

// MinContentRunes is the shortest text matched in the content: a trigram
// index finds nothing shorter.
const MinContentRunes = 3

// denseMatches is how many cases a text must be in before a search walks
// the list in order rather than sorting its matches (SQLite).
var denseMatches = 1000

// indexed is a case's case_search row.
type indexed struct {
	text, customerKey, phone, last4  string
	subject, maskedName, maskedPhone string
	rating                           any // int or nil
	satisfied                        any // bool or nil
}

func indexedOf(v workflows.CaseView) indexed {
	name, phone, email := customerOf(v)
	x := indexed{customerKey: NameKey(name), phone: PhoneKey(phone), subject: v.Subject(),
		maskedName: forms.MaskName(strings.TrimSpace(name)), maskedPhone: forms.MaskPhone(strings.TrimSpace(phone))}
	if len(x.phone) >= 4 {
		x.last4 = x.phone[len(x.phone)-4:]
	}
	// The content is indexed with the customer's own data hidden, the
	// phone without a digit of it in any common writing: a content search
	// must not find a case by the customer's phone or name (P1). The
	// subject is shown, so masked as the case shows it.
	var pairs, shown []string
	hide := func(s, as string) {
		if s = strings.TrimSpace(s); s != "" {
			pairs = append(pairs, s, as)
		}
	}
	hide(phone, "***")
	if x.phone != "" {
		hide(x.phone, "***")
	}
	hide(name, forms.MaskName(strings.TrimSpace(name)))
	hide(email, forms.MaskEmail(strings.TrimSpace(email)))
	for _, p := range [][2]string{{name, forms.MaskName(name)}, {phone, forms.MaskPhone(phone)}, {email, forms.MaskEmail(email)}} {
		if s := strings.TrimSpace(p[0]); s != "" {
			shown = append(shown, s, strings.TrimSpace(p[1]))
		}
	}
	x.text = strings.NewReplacer(pairs...).Replace(strings.Join(contentOf(v), "\n"))
	x.subject = strings.NewReplacer(shown...).Replace(x.subject)
	if n := len(v.Ratings); n > 0 {
		x.rating = v.Ratings[n-1].Score
	}
	switch {
	case v.Record != nil && v.Record.ReturnVisitAt != nil:
		x.satisfied = v.Record.Satisfied
	case v.Repair != nil && len(v.Repair.Visits) > 0:
		x.satisfied = v.Repair.Visits[len(v.Repair.Visits)-1].Passed
	}
	return x
}

// customerOf is the customer's name, phone and e-mail on a case.
func customerOf(v workflows.CaseView) (name, phone, email string) {
	switch {
	case v.Form != nil:
		return v.Form.ComplainantName, v.Form.Phone, v.Form.Email
	case v.Repair != nil:
		return v.Repair.Form.ReporterName, v.Repair.Form.Phone, v.Repair.Form.Email
	case v.Consultation != nil:
		return v.Consultation.Form.CallerName, v.Consultation.Form.Phone, v.Consultation.Form.Email
	case v.Media != nil:
		return v.Media.Form.ReporterName, v.Media.Form.ReporterPhone, v.Media.Form.ReporterEmail
	}
	return "", "", ""
}

// contentOf is what the case is about, in the words it was registered with.
func contentOf(v workflows.CaseView) []string {
	switch {
	case v.Form != nil:
		return []string{v.Form.Content}
	case v.Repair != nil:
		return []string{v.Repair.Form.Location, v.Repair.Form.Fault}
	case v.Consultation != nil:
		return []string{v.Consultation.Form.Question}
	case v.Media != nil:
		return []string{v.Media.Form.Outlet, v.Media.Form.Topic}
	case v.Collaboration != nil:
		return []string{v.Collaboration.Form.Need}
	}
	return nil
}

// PhoneKey is a phone number as search compares it: its digits, without
// China's country code.
func PhoneKey(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	switch {
	case strings.HasPrefix(d, "0086") && len(d) > 11:
		d = d[4:]
	case strings.HasPrefix(d, "86") && len(d) == 13:
		d = d[2:]
	}
	return d
}

// NameKey is a name as search compares it: lower case, runs of space as
// one space.
func NameKey(s string) string {
	return strings.ToLower(strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " "))
}

func (s *Store) putIndexed(ctx context.Context, db execer, v workflows.CaseView, l listed) error {
	x := indexedOf(v)
	requesting := l.requesting
	_, err := db.ExecContext(ctx, s.bind(`
		INSERT INTO case_search (no, version, list_key, department, requesting_department, escalation_level, search_text,
			customer_key, customer_phone, phone_last4, subject, masked_name, masked_phone, rating, satisfied)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (no) DO UPDATE SET version = excluded.version, list_key = excluded.list_key, department = excluded.department,
			requesting_department = excluded.requesting_department, escalation_level = excluded.escalation_level,
			search_text = excluded.search_text, customer_key = excluded.customer_key, customer_phone = excluded.customer_phone,
			phone_last4 = excluded.phone_last4, subject = excluded.subject, masked_name = excluded.masked_name,
			masked_phone = excluded.masked_phone, rating = excluded.rating, satisfied = excluded.satisfied
		WHERE excluded.version > case_search.version`),
		v.No, v.TimelineTotal(), l.key, v.Department, requesting, int(v.EscalationLevel), x.text,
		x.customerKey, x.phone, x.last4, x.subject, x.maskedName, x.maskedPhone, x.rating, x.satisfied)
	if err != nil {
		return fmt.Errorf("archive search index %s: %w", v.No, err)
	}
	return nil
}

// backfillSearch indexes the cases archived before case_search existed,
// from their records, a batch at a time.
func (s *Store) backfillSearch(ctx context.Context) error {
	const batch = 500
	for {
		views, err := s.records(ctx, fmt.Sprintf(`SELECT c.record FROM cases c LEFT JOIN case_search x ON x.no = c.no
			WHERE x.no IS NULL ORDER BY c.no LIMIT %d`, batch))
		if err != nil {
			return fmt.Errorf("archive search backfill: %w", err)
		}
		if len(views) == 0 {
			return nil
		}
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("archive search backfill: %w", err)
		}
		for _, v := range views {
			if err := s.putIndexed(ctx, tx, v, listedOf(v, openedAt(v))); err != nil {
				_ = tx.Rollback()
				return err
			}
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("archive search backfill: %w", err)
		}
		if len(views) < batch {
			return nil
		}
	}
}

// SearchQuery is a search within a scope (as ListQuery's: deny by
// default). The caller has checked Text's length.
type SearchQuery struct {
	Text string
	// Customer matches the customer's phone (full, or its last four
	// digits) and name too: only for who may reveal them (P1).
	Customer      bool
	All           bool
	Departments   []string
	MinEscalation int
	Limit         int
	After         string
}

// Hit is a case a search found: its list line, its subject and the
// customer as staff see them (masked).
type Hit struct {
	Line
	Subject     string
	MaskedName  string
	MaskedPhone string
}

// scopeWhere is the scope as one condition on case_search x, or false
// when it is empty.
func scopeWhere(all bool, departments []string, minEscalation int) (string, []any, bool) {
	if all {
		return "", nil, true
	}
	var or []string
	var args []any
	for _, d := range departments {
		or = append(or, "x.department = ?", "x.requesting_department = ?")
		args = append(args, d, d)
	}
	if minEscalation > 0 {
		or, args = append(or, "x.escalation_level >= ?"), append(args, minEscalation)
	}
	if len(or) == 0 {
		return "", nil, false
	}
	return "(" + strings.Join(or, " OR ") + ")", args, true
}

// CaseNoPrefix reports whether q may be (the start of) a case number:
// two letters, a dash, then digits and dashes.
func CaseNoPrefix(q string) bool {
	if len(q) < 3 || q[2] != '-' {
		return false
	}
	for i, r := range q {
		switch {
		case i < 2 && r >= 'A' && r <= 'Z':
		case i >= 2 && (r == '-' || r >= '0' && r <= '9'):
		default:
			return false
		}
	}
	return true
}

// PhoneLike reports whether q is written as a phone number is: digits,
// with spaces, dashes, brackets or a leading +.
func PhoneLike(q string) bool {
	digits := 0
	for _, r := range strings.TrimPrefix(q, "+") {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '-' || r == '(' || r == ')':
		default:
			return false
		}
	}
	return digits > 0
}

// Search returns up to q.Limit cases whose number starts with q.Text, whose
// content holds it (MinContentRunes or more) or, with q.Customer, whose
// customer has that phone, phone ending or name; in list order, with the
// key of the next page ("" on the last).
func (s *Store) Search(ctx context.Context, q SearchQuery) ([]Hit, string, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	scope, args, ok := scopeWhere(q.All, q.Departments, q.MinEscalation)
	text := strings.TrimSpace(q.Text)
	if !ok || text == "" {
		return nil, "", nil
	}
	var or []string
	var orArgs []any
	if no := strings.ToUpper(text); CaseNoPrefix(no) {
		or, orArgs = append(or, "(x.no >= ? AND x.no < ?)"), append(orArgs, no, no+"\U0010FFFF")
	}
	if utf8.RuneCountInString(text) >= MinContentRunes {
		if s.postgres {
			or, orArgs = append(or, `x.search_text ILIKE ? ESCAPE '\'`), append(orArgs, "%"+likeEscape(text)+"%")
		} else {
			match := `search_text : "` + strings.ReplaceAll(text, `"`, `""`) + `"`
			// A rare text: fetch its cases by rowid and sort them. A common
			// one: walk the list in order, testing each case's text, until
			// the page is full — sooner than sorting thousands of matches.
			var n int
			if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM case_search_fts WHERE case_search_fts MATCH ? LIMIT ?)`,
				match, denseMatches).Scan(&n); err != nil {
				return nil, "", fmt.Errorf("archive search: %w", err)
			}
			if n >= denseMatches {
				or, orArgs = append(or, `x.search_text LIKE ? ESCAPE '\'`), append(orArgs, "%"+likeEscape(text)+"%")
			} else {
				or, orArgs = append(or, "x.rowid IN (SELECT rowid FROM case_search_fts WHERE case_search_fts MATCH ?)"), append(orArgs, match)
			}
		}
	}
	if q.Customer {
		if PhoneLike(text) {
			switch d := PhoneKey(text); {
			case len(d) == 4:
				or, orArgs = append(or, "x.phone_last4 = ?"), append(orArgs, d)
			case len(d) >= 5:
				or, orArgs = append(or, "x.customer_phone = ?"), append(orArgs, d)
			}
		} else {
			or, orArgs = append(or, "x.customer_key = ?"), append(orArgs, NameKey(text))
		}
	}
	if len(or) == 0 {
		return nil, "", nil
	}
	where := []string{"(" + strings.Join(or, " OR ") + ")"}
	args = append(orArgs, args...)
	if scope != "" {
		where = append(where, scope)
	}
	if q.After != "" {
		where, args = append(where, "x.list_key < ?"), append(args, q.After)
	}
	// PostgreSQL would walk the list index in order for any text, which
	// reads every case for a rare one: ordering by an expression makes it
	// collect the matches through their indexes and sort them.
	order := "x.list_key"
	if s.postgres {
		order = "x.list_key || ''"
	}
	// The page's numbers from the narrow table, then their lines.
	query := fmt.Sprintf(`SELECT `+hitColumns+` FROM (SELECT x.no, x.subject, x.masked_name, x.masked_phone FROM case_search x
		WHERE %s ORDER BY %s DESC LIMIT %d) AS p JOIN cases c ON c.no = p.no ORDER BY c.list_key DESC`,
		strings.Join(where, " AND "), order, limit+1)
	rows, err := s.read.QueryContext(ctx, s.bind(query), args...)
	if err != nil {
		return nil, "", fmt.Errorf("archive search: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var hits []Hit
	for rows.Next() {
		var h Hit
		if err := scanHit(rows, &h); err != nil {
			return nil, "", fmt.Errorf("archive search: %w", err)
		}
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("archive search: %w", err)
	}
	if len(hits) <= limit {
		return hits, "", nil
	}
	hits = hits[:limit]
	return hits, hits[limit-1].Key, nil
}

const hitColumns = `c.no, c.type, c.status, c.department, c.requesting_department, c.parent, c.escalation_level, c.overdue,
	c.next_deadline, c.opened_at, c.vip, c.major, c.urgent, c.list_key, p.subject, p.masked_name, p.masked_phone`

func scanHit(rows *sql.Rows, h *Hit, extra ...any) error {
	var next sql.NullTime
	l := &h.Line
	err := rows.Scan(append([]any{&l.No, &l.Type, &l.Status, &l.Department, &l.RequestingDepartment, &l.Parent, &l.EscalationLevel,
		&l.Overdue, &next, &l.OpenedAt, &l.VIP, &l.Major, &l.Urgent, &l.Key, &h.Subject, &h.MaskedName, &h.MaskedPhone}, extra...)...)
	if next.Valid {
		t := next.Time
		l.NextDeadline = &t
	}
	return err
}

// likeEscape escapes LIKE's wildcards with \.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Earlier is one of the customer's earlier cases: its line and outcome.
type Earlier struct {
	Hit
	ClosedAt *time.Time
	// Rating is the customer's latest online score (1–5); Satisfied the
	// latest return visit's verdict; nil when there is none.
	Rating    *int
	Satisfied *bool
}

// HistoryQuery asks for the cases of the customer of case No (same
// phone) within a scope, the case itself left out.
type HistoryQuery struct {
	No            string
	All           bool
	Departments   []string
	MinEscalation int
	Limit         int
}

// History returns the other cases of case q.No's customer, newest first,
// at most q.Limit, and whether there are more.
func (s *Store) History(ctx context.Context, q HistoryQuery) ([]Earlier, bool, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	scope, sargs, ok := scopeWhere(q.All, q.Departments, q.MinEscalation)
	if !ok {
		return nil, false, nil
	}
	where := "x.customer_phone = (SELECT customer_phone FROM case_search WHERE no = ?) AND x.customer_phone <> '' AND x.no <> ?"
	args := []any{q.No, q.No}
	if scope != "" {
		where += " AND " + scope
		args = append(args, sargs...)
	}
	query := fmt.Sprintf(`SELECT `+hitColumns+`, c.closed_at, p.rating, p.satisfied FROM (SELECT x.no, x.subject, x.masked_name, x.masked_phone,
		x.rating, x.satisfied FROM case_search x WHERE %s) AS p JOIN cases c ON c.no = p.no ORDER BY c.opened_at DESC, c.no DESC LIMIT %d`,
		where, limit+1)
	rows, err := s.read.QueryContext(ctx, s.bind(query), args...)
	if err != nil {
		return nil, false, fmt.Errorf("archive history: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var out []Earlier
	for rows.Next() {
		var e Earlier
		var closed sql.NullTime
		var rating sql.NullInt64
		var satisfied sql.NullBool
		if err := scanHit(rows, &e.Hit, &closed, &rating, &satisfied); err != nil {
			return nil, false, fmt.Errorf("archive history: %w", err)
		}
		if closed.Valid {
			t := closed.Time
			e.ClosedAt = &t
		}
		if rating.Valid {
			n := int(rating.Int64)
			e.Rating = &n
		}
		if satisfied.Valid {
			b := satisfied.Bool
			e.Satisfied = &b
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("archive history: %w", err)
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

// Line reads case no's list line.
func (s *Store) Line(ctx context.Context, no string) (Line, error) {
	var l Line
	var next sql.NullTime
	err := s.read.QueryRowContext(ctx, s.bind(`SELECT `+lineColumns+` FROM cases WHERE no = ?`), no).Scan(&l.No, &l.Type, &l.Status,
		&l.Department, &l.RequestingDepartment, &l.Parent, &l.EscalationLevel, &l.Overdue, &next, &l.OpenedAt, &l.VIP, &l.Major, &l.Urgent, &l.Key)
	if errors.Is(err, sql.ErrNoRows) {
		return Line{}, ErrNotFound
	}
	if err != nil {
		return Line{}, fmt.Errorf("archive %s: %w", no, err)
	}
	if next.Valid {
		t := next.Time
		l.NextDeadline = &t
	}
	return l, nil
}

// Analyze refreshes PostgreSQL's planner statistics after a bulk load, as
// autovacuum would in time: without them it plans a search as if every
// text were common. SQLite's plans need none.
func (s *Store) Analyze(ctx context.Context) error {
	if !s.postgres {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, `ANALYZE cases, case_search`); err != nil {
		return fmt.Errorf("archive analyze: %w", err)
	}
	return nil
}
