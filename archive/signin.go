package archive

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/closeloop/closeloop/identity"
)

// The archive keeps web sessions and failed sign-ins (issue 19), so every
// API process sees the same ones and a restart signs nobody out: Store is
// an identity.SessionStore and an identity.AttemptStore.
var (
	_ identity.SessionStore = (*Store)(nil)
	_ identity.AttemptStore = (*Store)(nil)
)

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// CreateSession implements identity.SessionStore.
func (s *Store) CreateSession(ctx context.Context, ss identity.StoredSession) error {
	_, err := s.db.ExecContext(ctx, s.bind(`INSERT INTO web_sessions (token_hash, username, created_ms, seen_ms, expires_ms) VALUES (?, ?, ?, ?, ?)`),
		ss.Key, ss.Username, ms(ss.Created), ms(ss.Seen), ms(ss.Expires))
	if err != nil {
		return fmt.Errorf("sessions: %w", err)
	}
	return nil
}

// Session implements identity.SessionStore. Every signed-in request asks,
// so it reads from the readers' pool, not queued behind the one SQLite
// writer; a session is committed before its cookie is sent.
func (s *Store) Session(ctx context.Context, key string) (identity.StoredSession, bool, error) {
	ss := identity.StoredSession{Key: key}
	var created, seen, expires int64
	err := s.read.QueryRowContext(ctx, s.bind(`SELECT username, created_ms, seen_ms, expires_ms FROM web_sessions WHERE token_hash = ?`), key).
		Scan(&ss.Username, &created, &seen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return ss, false, nil
	}
	if err != nil {
		return ss, false, fmt.Errorf("sessions: %w", err)
	}
	ss.Created, ss.Seen, ss.Expires = fromMS(created), fromMS(seen), fromMS(expires)
	return ss, true, nil
}

// TouchSession implements identity.SessionStore.
func (s *Store) TouchSession(ctx context.Context, key string, seen time.Time) error {
	if _, err := s.db.ExecContext(ctx, s.bind(`UPDATE web_sessions SET seen_ms = ? WHERE token_hash = ? AND seen_ms < ?`), ms(seen), key, ms(seen)); err != nil {
		return fmt.Errorf("sessions: %w", err)
	}
	return nil
}

// DeleteSession implements identity.SessionStore.
func (s *Store) DeleteSession(ctx context.Context, key string) error {
	if _, err := s.db.ExecContext(ctx, s.bind(`DELETE FROM web_sessions WHERE token_hash = ?`), key); err != nil {
		return fmt.Errorf("sessions: %w", err)
	}
	return nil
}

// DeleteUserSessions implements identity.SessionStore.
func (s *Store) DeleteUserSessions(ctx context.Context, username string) (int, error) {
	res, err := s.db.ExecContext(ctx, s.bind(`DELETE FROM web_sessions WHERE username = ?`), username)
	if err != nil {
		return 0, fmt.Errorf("sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// SweepSessions implements identity.SessionStore.
func (s *Store) SweepSessions(ctx context.Context, idleBefore, now time.Time) error {
	if _, err := s.db.ExecContext(ctx, s.bind(`DELETE FROM web_sessions WHERE seen_ms < ? OR expires_ms <= ?`), ms(idleBefore), ms(now)); err != nil {
		return fmt.Errorf("sessions: %w", err)
	}
	return nil
}

// LoginAttempts implements identity.AttemptStore.
func (s *Store) LoginAttempts(ctx context.Context, account string) (identity.Attempts, error) {
	var a identity.Attempts
	var last, locked int64
	err := s.db.QueryRowContext(ctx, s.bind(`SELECT failures, last_ms, locked_until_ms FROM login_attempts WHERE account = ?`), account).
		Scan(&a.Failures, &last, &locked)
	if errors.Is(err, sql.ErrNoRows) {
		return a, nil
	}
	if err != nil {
		return a, fmt.Errorf("sign-in attempts: %w", err)
	}
	a.Last, a.LockedUntil = fromMS(last), fromMS(locked)
	return a, nil
}

// ClaimLoginAttempt implements identity.AttemptStore: a compare-and-set
// on the row as read, so concurrent guesses on one account, in one process
// or several, are let through one at a time.
func (s *Store) ClaimLoginAttempt(ctx context.Context, account string, prev, next identity.Attempts) (bool, error) {
	var res sql.Result
	var err error
	if prev.Last.IsZero() {
		res, err = s.db.ExecContext(ctx, s.bind(`INSERT INTO login_attempts (account, failures, last_ms, locked_until_ms) VALUES (?, ?, ?, 0)
			ON CONFLICT (account) DO NOTHING`), account, next.Failures, ms(next.Last))
	} else {
		res, err = s.db.ExecContext(ctx, s.bind(`UPDATE login_attempts SET failures = ?, last_ms = ? WHERE account = ? AND failures = ? AND last_ms = ?`),
			next.Failures, ms(next.Last), account, prev.Failures, ms(prev.Last))
	}
	if err != nil {
		return false, fmt.Errorf("sign-in attempts: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sign-in attempts: %w", err)
	}
	return n == 1, nil
}

// LockLogin implements identity.AttemptStore.
func (s *Store) LockLogin(ctx context.Context, account string, until time.Time) error {
	if _, err := s.db.ExecContext(ctx, s.bind(`UPDATE login_attempts SET failures = 0, locked_until_ms = ? WHERE account = ?`), ms(until), account); err != nil {
		return fmt.Errorf("sign-in attempts: %w", err)
	}
	return nil
}

// ClearLoginAttempts implements identity.AttemptStore.
func (s *Store) ClearLoginAttempts(ctx context.Context, account string) error {
	if _, err := s.db.ExecContext(ctx, s.bind(`DELETE FROM login_attempts WHERE account = ?`), account); err != nil {
		return fmt.Errorf("sign-in attempts: %w", err)
	}
	return nil
}

// SweepLoginAttempts implements identity.AttemptStore.
func (s *Store) SweepLoginAttempts(ctx context.Context, t time.Time) error {
	if _, err := s.db.ExecContext(ctx, s.bind(`DELETE FROM login_attempts WHERE last_ms < ? AND locked_until_ms < ?`), ms(t), ms(t)); err != nil {
		return fmt.Errorf("sign-in attempts: %w", err)
	}
	return nil
}
