package archive

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/closeloop/closeloop/workflows"
)

// AppendEvents adds a case's timeline entries, the first being entry
// number from of its whole timeline. Entries the archive has already are
// left as they are, so a retried append adds nothing twice.
func (s *Store) AppendEvents(ctx context.Context, no string, from int, events []workflows.Event) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("archive events %s: %w", no, err)
	}
	q := s.bind(`INSERT INTO case_events (case_no, seq, at, actor, kind, message, fields) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (case_no, seq) DO NOTHING`)
	for i, e := range events {
		fields := ""
		if len(e.Fields) > 0 {
			b, err := json.Marshal(e.Fields)
			if err != nil {
				_ = tx.Rollback()
				return fmt.Errorf("archive events %s: %w", no, err)
			}
			fields = string(b)
		}
		if _, err := tx.ExecContext(ctx, q, no, from+i, e.At.UTC(), e.Actor, e.Kind, e.Message, fields); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("archive events %s: %w", no, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("archive events %s: %w", no, err)
	}
	return nil
}

// Events reads at most limit of a case's archived timeline entries from
// entry number offset on, in order.
func (s *Store) Events(ctx context.Context, no string, offset, limit int) ([]workflows.Event, error) {
	rows, err := s.read.QueryContext(ctx, s.bind(`SELECT seq, at, actor, kind, message, fields FROM case_events
		WHERE case_no = ? AND seq >= ? ORDER BY seq LIMIT ?`), no, offset, limit)
	if err != nil {
		return nil, fmt.Errorf("archive events %s: %w", no, err)
	}
	defer func() { _ = rows.Close() }()
	out := []workflows.Event{}
	for rows.Next() {
		var seq int
		var e workflows.Event
		var fields string
		if err := rows.Scan(&seq, &e.At, &e.Actor, &e.Kind, &e.Message, &fields); err != nil {
			return nil, fmt.Errorf("archive events %s: %w", no, err)
		}
		if seq != offset+len(out) {
			return nil, fmt.Errorf("archive events %s: entry %d is missing", no, offset+len(out))
		}
		if fields != "" {
			if err := json.Unmarshal([]byte(fields), &e.Fields); err != nil {
				return nil, fmt.Errorf("archive events %s: entry %d: %w", no, seq, err)
			}
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
