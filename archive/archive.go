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

	"github.com/closeloop/closeloop/workflows"
)

// Store is the archive.
type Store struct {
	db       *sql.DB
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
		s.db, err = sql.Open("sqlite", "file:"+sqlitePath+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=synchronous(NORMAL)")
		if err == nil {
			s.db.SetMaxOpenConns(1)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	if err := s.db.PingContext(ctx); err != nil {
		_ = s.db.Close()
		return nil, fmt.Errorf("archive: %w", err)
	}
	if err := s.migrate(ctx); err != nil {
		_ = s.db.Close()
		return nil, err
	}
	return &s, nil
}

// Close closes the connection.
func (s *Store) Close() error { return s.db.Close() }

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
}

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMP NOT NULL)`); err != nil {
		return fmt.Errorf("archive migrations: %w", err)
	}
	var done int
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&done); err != nil {
		return fmt.Errorf("archive migrations: %w", err)
	}
	for i := done; i < len(migrations); i++ {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("archive migration %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
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
// case (the length of its timeline): an older or repeated write — a retried
// activity, a replay — changes nothing.
func (s *Store) Put(ctx context.Context, v workflows.CaseView) error {
	record, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("archive %s: %w", v.No, err)
	}
	channel, region := origin(v)
	opened := time.Time{}
	if len(v.Timeline) > 0 {
		opened = v.Timeline[0].At
	}
	var closed any
	if v.ClosedAt != nil {
		closed = v.ClosedAt.UTC()
	}
	_, err = s.db.ExecContext(ctx, s.bind(`
		INSERT INTO cases (no, type, status, department, channel, region, escalation_level, overdue, rounds, extensions,
			opened_at, closed_at, version, record)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (no) DO UPDATE SET type = excluded.type, status = excluded.status, department = excluded.department,
			channel = excluded.channel, region = excluded.region, escalation_level = excluded.escalation_level,
			overdue = excluded.overdue, rounds = excluded.rounds, extensions = excluded.extensions,
			opened_at = excluded.opened_at, closed_at = excluded.closed_at, version = excluded.version, record = excluded.record
		WHERE excluded.version > cases.version`),
		v.No, v.Type, v.Status, v.Department, channel, region, int(v.EscalationLevel), v.Overdue, v.Rounds, v.Extensions,
		opened.UTC(), closed, len(v.Timeline), string(record))
	if err != nil {
		return fmt.Errorf("archive %s: %w", v.No, err)
	}
	return nil
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

// RecordImport notes that the row with key became case no.
func (s *Store) RecordImport(ctx context.Context, key, no string) error {
	_, err := s.db.ExecContext(ctx, s.bind(`INSERT INTO imports (key, case_no, imported_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING`),
		key, no, time.Now().UTC())
	if err != nil {
		return fmt.Errorf("archive imports: %w", err)
	}
	return nil
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
