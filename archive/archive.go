// Package archive keeps every case in SQL, so the records outlive the
// engine's retention (rule K1): a summary kept current while the case is
// open, and the full record — form, deadlines, timeline, ratings — once it
// closes. A SQLite file by default, PostgreSQL when DATABASE_URL is set.
package archive

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	_ "modernc.org/sqlite"             // pure-Go SQLite driver "sqlite"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows"
)

// Store is the archive.
type Store struct {
	db *sql.DB
	// read serves lists: on SQLite a pool of its own, so readers do not
	// queue behind the one writer connection (WAL lets them read while it
	// writes); on PostgreSQL the same pool as db.
	read     *sql.DB
	postgres bool
}

// ErrNotFound is returned for a case the archive does not hold.
var ErrNotFound = errors.New("archive: no such case")

// Open connects to PostgreSQL when databaseURL is set, else to the SQLite
// file at sqlitePath, and applies the migrations not yet applied.
func Open(ctx context.Context, databaseURL, sqlitePath string) (*Store, error) {
	var s Store
	var err error
	if databaseURL != "" {
		s.postgres = true
		s.db, err = sql.Open("pgx", databaseURL)
	} else {
		// WAL lets readers (the API) work while the worker writes; one
		// writer at a time is what SQLite allows anyway.
		dsn := "file:" + sqlitePath + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=synchronous(NORMAL)"
		s.db, err = sql.Open("sqlite", dsn)
		if err == nil {
			s.db.SetMaxOpenConns(1)
			s.read, err = sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
		}
		if err == nil {
			s.read.SetMaxOpenConns(4)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	if s.read == nil {
		s.read = s.db
	}
	if err := s.db.PingContext(ctx); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("archive: %w", err)
	}
	if err := s.migrate(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	if err := s.backfill(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	if err := s.backfillSearch(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return &s, nil
}

// Close closes the connections.
func (s *Store) Close() error {
	err := s.db.Close()
	if s.read != nil && s.read != s.db {
		err = errors.Join(err, s.read.Close())
	}
	return err
}

// migrations are applied in order, each once; never edit one that has
// shipped, add the next.
var migrations = []string{
	`CREATE TABLE cases (
		no               TEXT PRIMARY KEY,
		type             TEXT NOT NULL,
		status           TEXT NOT NULL,
		department       TEXT NOT NULL DEFAULT '',
		channel          TEXT NOT NULL DEFAULT '',
		region           TEXT NOT NULL DEFAULT '',
		escalation_level INTEGER NOT NULL DEFAULT 0,
		overdue          BOOLEAN NOT NULL DEFAULT FALSE,
		rounds           INTEGER NOT NULL DEFAULT 0,
		extensions       INTEGER NOT NULL DEFAULT 0,
		opened_at        TIMESTAMP NOT NULL,
		closed_at        TIMESTAMP,
		version          INTEGER NOT NULL,
		record           TEXT NOT NULL
	)`,
	`CREATE INDEX cases_department_status ON cases (department, status)`,
	`CREATE INDEX cases_closed_at ON cases (closed_at)`,
	`CREATE TABLE imports (
		key         TEXT PRIMARY KEY,
		case_no     TEXT NOT NULL,
		imported_at TIMESTAMP NOT NULL
	)`,
	`CREATE TABLE typical_cases (
		case_no      TEXT PRIMARY KEY,
		highlights   TEXT NOT NULL,
		improvements TEXT NOT NULL,
		marked_by    TEXT NOT NULL,
		marked_at    TIMESTAMP NOT NULL
	)`,
	`CREATE TABLE supervision (
		day          TEXT PRIMARY KEY,
		sample       TEXT NOT NULL,
		opened_at    TIMESTAMP NOT NULL,
		evaluation   TEXT,
		evaluated_by TEXT,
		evaluated_at TIMESTAMP
	)`,
	`CREATE TABLE mail_ledger (
		key        TEXT PRIMARY KEY,
		claimed_at TIMESTAMP NOT NULL,
		message_id TEXT,
		sent_at    TIMESTAMP
	)`,
	// Case lists (the inbox) are read from here: the columns of a list
	// line, and an index per scope alternative in list order.
	`ALTER TABLE cases ADD COLUMN list_key TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE cases ADD COLUMN parent TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE cases ADD COLUMN requesting_department TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE cases ADD COLUMN next_deadline TIMESTAMP`,
	`ALTER TABLE cases ADD COLUMN vip BOOLEAN NOT NULL DEFAULT FALSE`,
	`ALTER TABLE cases ADD COLUMN major BOOLEAN NOT NULL DEFAULT FALSE`,
	`ALTER TABLE cases ADD COLUMN urgent BOOLEAN NOT NULL DEFAULT FALSE`,
	`CREATE INDEX cases_list ON cases (list_key)`,
	`CREATE INDEX cases_department_list ON cases (department, list_key)`,
	`CREATE INDEX cases_requesting_list ON cases (requesting_department, list_key)`,
	`CREATE INDEX cases_escalation_list ON cases (escalation_level, list_key)`,
	`CREATE INDEX cases_parent_list ON cases (parent, list_key)`,
	// One row /readyz rewrites to know the archive takes writes.
	`CREATE TABLE write_probe (id INTEGER PRIMARY KEY, at TIMESTAMP NOT NULL)`,
	// The timeline entries a case no longer keeps in its state, by their
	// number in the case's whole timeline; appended, never changed.
	`CREATE TABLE case_events (
		case_no TEXT NOT NULL,
		seq     INTEGER NOT NULL,
		at      TIMESTAMP NOT NULL,
		actor   TEXT NOT NULL,
		kind    TEXT NOT NULL,
		message TEXT NOT NULL,
		fields  TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (case_no, seq)
	)`,
	// Work-queue columns (issue 18): what a row shows and how queues
	// select and order it; list_version says which backfill a row has had.
	`ALTER TABLE cases ADD COLUMN subject TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE cases ADD COLUMN customer TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE cases ADD COLUMN handler TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE cases ADD COLUMN next_action TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE cases ADD COLUMN next_party TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE cases ADD COLUMN owed_by TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE cases ADD COLUMN step_deadline TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE cases ADD COLUMN step_due BIGINT`,
	`ALTER TABLE cases ADD COLUMN paused_for TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE cases ADD COLUMN urgency INTEGER NOT NULL DEFAULT 0`,
	`ALTER TABLE cases ADD COLUMN list_version INTEGER NOT NULL DEFAULT 0`,
	`CREATE INDEX cases_owed_by ON cases (owed_by, step_due)`,
	`CREATE INDEX cases_handler ON cases (handler, status)`,
	// Search (issue 18, see search.go): case_search, one narrow row per
	// case. An entry starting "sqlite: " or "postgres: " runs on that
	// database only; the other records it as applied.
	`CREATE TABLE case_search (
		no                    TEXT PRIMARY KEY,
		version               INTEGER NOT NULL,
		list_key              TEXT NOT NULL,
		department            TEXT NOT NULL DEFAULT '',
		requesting_department TEXT NOT NULL DEFAULT '',
		escalation_level      INTEGER NOT NULL DEFAULT 0,
		search_text           TEXT NOT NULL DEFAULT '',
		customer_key          TEXT NOT NULL DEFAULT '',
		customer_phone        TEXT NOT NULL DEFAULT '',
		phone_last4           TEXT NOT NULL DEFAULT '',
		subject               TEXT NOT NULL DEFAULT '',
		masked_name           TEXT NOT NULL DEFAULT '',
		masked_phone          TEXT NOT NULL DEFAULT '',
		rating                INTEGER,
		satisfied             BOOLEAN
	)`,
	`CREATE INDEX case_search_list ON case_search (list_key)`,
	`CREATE INDEX case_search_phone ON case_search (customer_phone, list_key)`,
	`CREATE INDEX case_search_last4 ON case_search (phone_last4, list_key)`,
	`CREATE INDEX case_search_customer ON case_search (customer_key, list_key)`,
	// SQLite: an FTS5 index over search_text, kept in step by triggers.
	`sqlite: CREATE VIRTUAL TABLE case_search_fts USING fts5(search_text, content='case_search', content_rowid='rowid', tokenize='trigram')`,
	`sqlite: CREATE TRIGGER case_search_ai AFTER INSERT ON case_search BEGIN
		INSERT INTO case_search_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
	END`,
	`sqlite: CREATE TRIGGER case_search_ad AFTER DELETE ON case_search BEGIN
		INSERT INTO case_search_fts (case_search_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
	END`,
	`sqlite: CREATE TRIGGER case_search_au AFTER UPDATE OF search_text ON case_search BEGIN
		INSERT INTO case_search_fts (case_search_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
		INSERT INTO case_search_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
	END`,
	// PostgreSQL: pg_trgm (a trusted extension: the database's owner may
	// create it) and a GIN trigram index for ILIKE '%…%'.
	`postgres: CREATE EXTENSION IF NOT EXISTS pg_trgm`,
	`postgres: CREATE INDEX case_search_trgm ON case_search USING gin (search_text gin_trgm_ops)`,
	// Sign-in (issue 19, see signin.go): web sessions under the hash of
	// their ID, and failed sign-ins per account name; times are Unix
	// milliseconds, compared as numbers on both databases.
	`CREATE TABLE web_sessions (
		token_hash TEXT PRIMARY KEY,
		username   TEXT NOT NULL,
		created_ms BIGINT NOT NULL,
		seen_ms    BIGINT NOT NULL,
		expires_ms BIGINT NOT NULL
	)`,
	`CREATE INDEX web_sessions_username ON web_sessions (username)`,
	`CREATE INDEX web_sessions_seen ON web_sessions (seen_ms)`,
	`CREATE TABLE login_attempts (
		account         TEXT PRIMARY KEY,
		failures        INTEGER NOT NULL,
		last_ms         BIGINT NOT NULL,
		locked_until_ms BIGINT NOT NULL DEFAULT 0
	)`,
}

// migrationLock is the PostgreSQL advisory lock that lets one process at
// a time migrate: an API and several workers start together.
const migrationLock = 7_200_631

func (s *Store) migrate(ctx context.Context) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("archive migrations: %w", err)
	}
	defer func() { _ = conn.Close() }()
	if s.postgres {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
			return fmt.Errorf("archive migrations: lock: %w", err)
		}
		defer func() {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock)
		}()
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMP NOT NULL)`); err != nil {
		return fmt.Errorf("archive migrations: %w", err)
	}
	var done int
	if err := conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&done); err != nil {
		return fmt.Errorf("archive migrations: %w", err)
	}
	for i := done; i < len(migrations); i++ {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("archive migration %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, s.dialect(migrations[i])); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("archive migration %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, s.bind(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`), i+1, time.Now().UTC()); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("archive migration %d: %w", i+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("archive migration %d: %w", i+1, err)
		}
	}
	return nil
}

// dialect is migration m as this database runs it: an entry for the
// other database becomes a statement that does nothing.
func (s *Store) dialect(m string) string {
	if rest, ok := strings.CutPrefix(m, "sqlite: "); ok {
		if s.postgres {
			return "SELECT 1"
		}
		return rest
	}
	if rest, ok := strings.CutPrefix(m, "postgres: "); ok {
		if !s.postgres {
			return "SELECT 1"
		}
		return rest
	}
	return m
}

// bind turns ? placeholders into PostgreSQL's $n.
func (s *Store) bind(q string) string {
	if !s.postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Put writes the case as it stands. version orders the writes of one
// case (the length of its whole timeline): an older or repeated write — a
// retried activity, a replay — changes nothing.
func (s *Store) Put(ctx context.Context, v workflows.CaseView) error {
	return s.put(ctx, s.db, v)
}

// PutAll writes many cases as Put does, in one transaction: a bulk load
// commits once instead of once a case.
func (s *Store) PutAll(ctx context.Context, vs []workflows.CaseView) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	for _, v := range vs {
		if err := s.put(ctx, tx, v); err != nil {
			_ = tx.Rollback()
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	return nil
}

// execer is the database or a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (s *Store) put(ctx context.Context, db execer, v workflows.CaseView) error {
	record, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("archive %s: %w", v.No, err)
	}
	channel, region := origin(v)
	opened := openedAt(v)
	var closed any
	if v.ClosedAt != nil {
		closed = v.ClosedAt.UTC()
	}
	l := listedOf(v, opened)
	q := l.queued
	_, err = db.ExecContext(ctx, s.bind(`
		INSERT INTO cases (no, type, status, department, channel, region, escalation_level, overdue, rounds, extensions,
			opened_at, closed_at, version, record, list_key, parent, requesting_department, next_deadline, vip, major, urgent,
			subject, customer, handler, next_action, next_party, owed_by, step_deadline, step_due, paused_for, urgency, list_version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (no) DO UPDATE SET type = excluded.type, status = excluded.status, department = excluded.department,
			channel = excluded.channel, region = excluded.region, escalation_level = excluded.escalation_level,
			overdue = excluded.overdue, rounds = excluded.rounds, extensions = excluded.extensions,
			opened_at = excluded.opened_at, closed_at = excluded.closed_at, version = excluded.version, record = excluded.record,
			list_key = excluded.list_key, parent = excluded.parent, requesting_department = excluded.requesting_department,
			next_deadline = excluded.next_deadline, vip = excluded.vip, major = excluded.major, urgent = excluded.urgent,
			subject = excluded.subject, customer = excluded.customer, handler = excluded.handler, next_action = excluded.next_action,
			next_party = excluded.next_party, owed_by = excluded.owed_by, step_deadline = excluded.step_deadline,
			step_due = excluded.step_due, paused_for = excluded.paused_for, urgency = excluded.urgency, list_version = excluded.list_version
		WHERE excluded.version > cases.version`),
		v.No, v.Type, v.Status, v.Department, channel, region, int(v.EscalationLevel), v.Overdue, v.Rounds, v.Extensions,
		opened.UTC(), closed, v.TimelineTotal(), string(record), l.key, l.parent, l.requesting, l.next, l.vip, l.major, l.urgent,
		q.subject, q.customer, q.handler, q.action, q.party, q.owedBy, q.deadline, q.due, q.pausedFor, q.urgency, listVersion)
	if err != nil {
		return fmt.Errorf("archive %s: %w", v.No, err)
	}
	return s.putIndexed(ctx, db, v, l)
}

// Get reads a case's latest record.
func (s *Store) Get(ctx context.Context, no string) (workflows.CaseView, error) {
	var record string
	err := s.db.QueryRowContext(ctx, s.bind(`SELECT record FROM cases WHERE no = ?`), no).Scan(&record)
	if errors.Is(err, sql.ErrNoRows) {
		return workflows.CaseView{}, ErrNotFound
	}
	if err != nil {
		return workflows.CaseView{}, fmt.Errorf("archive %s: %w", no, err)
	}
	var v workflows.CaseView
	if err := json.Unmarshal([]byte(record), &v); err != nil {
		return workflows.CaseView{}, fmt.Errorf("archive %s: %w", no, err)
	}
	return v, nil
}

// Imported returns the case an emergency-form row was entered as (E1).
func (s *Store) Imported(ctx context.Context, key string) (string, bool, error) {
	var no string
	err := s.db.QueryRowContext(ctx, s.bind(`SELECT case_no FROM imports WHERE key = ?`), key).Scan(&no)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("archive imports: %w", err)
	}
	return no, true, nil
}

// ReserveImport claims the row with key for entering: false when another
// import holds or has entered it. Two uploads of the same file at once
// therefore enter each row once.
func (s *Store) ReserveImport(ctx context.Context, key string) (bool, error) {
	res, err := s.db.ExecContext(ctx, s.bind(`INSERT INTO imports (key, case_no, imported_at) VALUES (?, '', ?) ON CONFLICT (key) DO NOTHING`),
		key, time.Now().UTC())
	if err != nil {
		return false, fmt.Errorf("archive imports: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// RecordImport notes that the reserved row became case no.
func (s *Store) RecordImport(ctx context.Context, key, no string) error {
	if _, err := s.db.ExecContext(ctx, s.bind(`UPDATE imports SET case_no = ? WHERE key = ?`), no, key); err != nil {
		return fmt.Errorf("archive imports: %w", err)
	}
	return nil
}

// ReleaseImport gives up a reservation whose case could not be started.
func (s *Store) ReleaseImport(ctx context.Context, key string) error {
	if _, err := s.db.ExecContext(ctx, s.bind(`DELETE FROM imports WHERE key = ? AND case_no = ''`), key); err != nil {
		return fmt.Errorf("archive imports: %w", err)
	}
	return nil
}

// Typical is a case marked for the knowledge base (K8).
type Typical struct {
	CaseNo       string    `json:"case_no"`
	Highlights   string    `json:"highlights"`
	Improvements string    `json:"improvements"`
	MarkedBy     string    `json:"marked_by"`
	MarkedAt     time.Time `json:"marked_at"`
}

// MarkTypical records (or updates) a typical case.
func (s *Store) MarkTypical(ctx context.Context, t Typical) error {
	_, err := s.db.ExecContext(ctx, s.bind(`INSERT INTO typical_cases (case_no, highlights, improvements, marked_by, marked_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (case_no) DO UPDATE SET highlights = excluded.highlights,
		improvements = excluded.improvements, marked_by = excluded.marked_by, marked_at = excluded.marked_at`),
		t.CaseNo, t.Highlights, t.Improvements, t.MarkedBy, t.MarkedAt.UTC())
	if err != nil {
		return fmt.Errorf("archive typical case: %w", err)
	}
	return nil
}

// TypicalCases lists the knowledge base, newest first.
func (s *Store) TypicalCases(ctx context.Context) ([]Typical, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT case_no, highlights, improvements, marked_by, marked_at FROM typical_cases ORDER BY marked_at DESC`)
	if err != nil {
		return nil, fmt.Errorf("archive typical cases: %w", err)
	}
	defer func() { _ = rows.Close() }()
	out := []Typical{}
	for rows.Next() {
		var t Typical
		if err := rows.Scan(&t.CaseNo, &t.Highlights, &t.Improvements, &t.MarkedBy, &t.MarkedAt); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Supervision is one day's quality supervision (K2): the sample of cases
// quality control looks at, and its evaluation once filled in (K3).
type Supervision struct {
	Day         string            `json:"day"` // 2026-11-24
	Sample      []string          `json:"sample"`
	OpenedAt    time.Time         `json:"opened_at"`
	Evaluation  *forms.Evaluation `json:"evaluation,omitempty"`
	EvaluatedBy string            `json:"evaluated_by,omitempty"`
	EvaluatedAt *time.Time        `json:"evaluated_at,omitempty"`
}

// OpenSupervision opens the day's task with a sample of the cases opened
// in [from, to): every k-th, at most size, so it spreads over the day. A
// task already open is kept as it is.
func (s *Store) OpenSupervision(ctx context.Context, day string, from, to time.Time, size int) (Supervision, error) {
	if sv, ok, err := s.Supervision(ctx, day); err != nil || ok {
		return sv, err
	}
	rows, err := s.db.QueryContext(ctx, s.bind(`SELECT no FROM cases WHERE opened_at >= ? AND opened_at < ? ORDER BY opened_at, no`), from.UTC(), to.UTC())
	if err != nil {
		return Supervision{}, fmt.Errorf("supervision sample: %w", err)
	}
	var all []string
	for rows.Next() {
		var no string
		if err := rows.Scan(&no); err != nil {
			_ = rows.Close()
			return Supervision{}, err
		}
		all = append(all, no)
	}
	_ = rows.Close()
	sample := []string{}
	step := max(1, (len(all)+size-1)/size)
	for i := 0; i < len(all) && len(sample) < size; i += step {
		sample = append(sample, all[i])
	}
	b, _ := json.Marshal(sample)
	now := time.Now().UTC()
	_, err = s.db.ExecContext(ctx, s.bind(`INSERT INTO supervision (day, sample, opened_at) VALUES (?, ?, ?) ON CONFLICT (day) DO NOTHING`), day, string(b), now)
	if err != nil {
		return Supervision{}, fmt.Errorf("open supervision: %w", err)
	}
	sv, _, err := s.Supervision(ctx, day)
	return sv, err
}

// Supervision reads a day's task.
func (s *Store) Supervision(ctx context.Context, day string) (Supervision, bool, error) {
	var sv Supervision
	var sample string
	var eval, by sql.NullString
	var at sql.NullTime
	err := s.db.QueryRowContext(ctx, s.bind(`SELECT day, sample, opened_at, evaluation, evaluated_by, evaluated_at FROM supervision WHERE day = ?`), day).
		Scan(&sv.Day, &sample, &sv.OpenedAt, &eval, &by, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return Supervision{}, false, nil
	}
	if err != nil {
		return Supervision{}, false, fmt.Errorf("supervision %s: %w", day, err)
	}
	_ = json.Unmarshal([]byte(sample), &sv.Sample)
	if eval.Valid {
		var e forms.Evaluation
		if err := json.Unmarshal([]byte(eval.String), &e); err == nil {
			sv.Evaluation = &e
		}
		sv.EvaluatedBy = by.String
		t := at.Time
		sv.EvaluatedAt = &t
	}
	return sv, true, nil
}

// Evaluate stores quality control's evaluation of a day; a day is
// evaluated once.
func (s *Store) Evaluate(ctx context.Context, day string, e forms.Evaluation, by string) (bool, error) {
	b, _ := json.Marshal(e)
	res, err := s.db.ExecContext(ctx, s.bind(`UPDATE supervision SET evaluation = ?, evaluated_by = ?, evaluated_at = ? WHERE day = ? AND evaluation IS NULL`),
		string(b), by, time.Now().UTC(), day)
	if err != nil {
		return false, fmt.Errorf("evaluate %s: %w", day, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// Grades counts the grades given per item over the days [from, to]
// (YYYY-MM-DD), for the reports.
func (s *Store) Grades(ctx context.Context, from, to string) (map[string]map[string]int, int, error) {
	rows, err := s.db.QueryContext(ctx, s.bind(`SELECT evaluation FROM supervision WHERE day >= ? AND day <= ? AND evaluation IS NOT NULL`), from, to)
	if err != nil {
		return nil, 0, fmt.Errorf("grades: %w", err)
	}
	defer func() { _ = rows.Close() }()
	out := map[string]map[string]int{}
	days := 0
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return nil, 0, err
		}
		var e forms.Evaluation
		if json.Unmarshal([]byte(raw), &e) != nil {
			continue
		}
		days++
		for item, it := range e.Items {
			if out[item] == nil {
				out[item] = map[string]int{}
			}
			out[item][it.Grade]++
		}
	}
	return out, days, rows.Err()
}

// Count is the number of archived cases, open and closed.
func (s *Store) Count(ctx context.Context) (open, closed int, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN closed_at IS NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN closed_at IS NULL THEN 0 ELSE 1 END), 0) FROM cases`).Scan(&open, &closed)
	return open, closed, err
}

// origin is the channel and region of the case's intake (K6).
func origin(v workflows.CaseView) (string, string) {
	switch {
	case v.Form != nil:
		return string(v.Form.Channel), v.Form.Region
	case v.Repair != nil:
		return string(v.Repair.Form.Channel), v.Repair.Form.Region
	case v.Consultation != nil:
		return string(v.Consultation.Form.Channel), v.Consultation.Form.Region
	case v.Collaboration != nil:
		return "", v.Collaboration.Form.Region
	}
	return "", ""
}

// MailEntry is what the mail ledger knows of one message.
type MailEntry struct {
	Sent      bool   // SendGrid accepted it
	MessageID string // SendGrid's X-Message-Id, when Sent
	// InDoubt: an earlier attempt claimed it and never recorded an
	// answer, so it may have gone out.
	InDoubt bool
}

// Claim is the mail ledger's first step before a message (a notice ID and
// an address) is sent: it reports whether SendGrid accepted it before, or
// whether an earlier attempt claimed it without recording an answer, and
// claims it. Every worker shares the archive, so a retry on another worker
// sees what the first one did.
func (s *Store) Claim(ctx context.Context, key string) (MailEntry, error) {
	res, err := s.db.ExecContext(ctx, s.bind(`INSERT INTO mail_ledger (key, claimed_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`),
		key, time.Now().UTC())
	if err != nil {
		return MailEntry{}, fmt.Errorf("mail ledger: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 1 {
		return MailEntry{}, nil
	}
	var id sql.NullString
	if err := s.db.QueryRowContext(ctx, s.bind(`SELECT message_id FROM mail_ledger WHERE key = ?`), key).Scan(&id); err != nil {
		return MailEntry{}, fmt.Errorf("mail ledger: %w", err)
	}
	if id.Valid {
		return MailEntry{Sent: true, MessageID: id.String}, nil
	}
	return MailEntry{InDoubt: true}, nil
}

// Probe makes one small write, so a full disk or a lost database shows
// before a case needs the archive (issue 17: /readyz).
func (s *Store) Probe(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, s.bind(`INSERT INTO write_probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at`),
		time.Now().UTC())
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	return nil
}

// Release drops the mail ledger's claim of key when SendGrid refused the
// message; a recorded message stays.
func (s *Store) Release(ctx context.Context, key string) error {
	if _, err := s.db.ExecContext(ctx, s.bind(`DELETE FROM mail_ledger WHERE key = ? AND message_id IS NULL`), key); err != nil {
		return fmt.Errorf("mail ledger: %w", err)
	}
	return nil
}

// Record notes in the mail ledger that SendGrid accepted key; the first
// record stands.
func (s *Store) Record(ctx context.Context, key, messageID string) error {
	now := time.Now().UTC()
	_, err := s.db.ExecContext(ctx, s.bind(`INSERT INTO mail_ledger (key, claimed_at, message_id, sent_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET message_id = excluded.message_id, sent_at = excluded.sent_at WHERE mail_ledger.message_id IS NULL`),
		key, now, messageID, now)
	if err != nil {
		return fmt.Errorf("mail ledger: %w", err)
	}
	return nil
}
