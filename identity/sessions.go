package identity

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"sync"
	"time"
)

// Session is one signed-in browser. Its ID is the cookie value: random and
// unguessable, so a tampered cookie names no session.
type Session struct {
	ID       string
	Username string
	CSRF     string // sent back with every cookie-authenticated write
	Created  time.Time
	Seen     time.Time
}

// StoredSession is a session as a store keeps it: under the hash of its
// ID, never the ID itself, so whoever reads the table cannot sign in.
type StoredSession struct {
	Key      string // SessionKey of the ID
	Username string
	Created  time.Time
	Seen     time.Time // updated at most once per Sessions.TouchEvery
	Expires  time.Time // Created + lifetime: the latest it can end
}

// SessionStore keeps sessions where every API process sees them (the
// archive's database); MemorySessions is one process's.
type SessionStore interface {
	CreateSession(ctx context.Context, s StoredSession) error
	Session(ctx context.Context, key string) (StoredSession, bool, error)
	TouchSession(ctx context.Context, key string, seen time.Time) error
	DeleteSession(ctx context.Context, key string) error
	// DeleteUserSessions ends every session of username and says how many.
	DeleteUserSessions(ctx context.Context, username string) (int, error)
	// SweepSessions drops the sessions unused since idleBefore or past
	// their expiry at now.
	SweepSessions(ctx context.Context, idleBefore, now time.Time) error
}

// SessionKey is how a session ID is stored: IDs are long and random, so a
// fast hash is enough.
func SessionKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// csrfOf derives a session's CSRF token from its ID, so the store keeps
// neither: a page that can send the cookie cannot compute it.
func csrfOf(id string) string {
	sum := sha256.Sum256([]byte("closeloop-csrf:" + id))
	return base64.RawURLEncoding.EncodeToString(sum[:24])
}

// TouchEvery is how often a busy session's last use is written: not a
// write per request; the idle limit is kept to within this.
const TouchEvery = time.Minute

// sweepEvery is how often a process drops expired sessions.
const sweepEvery = time.Minute

// Sessions opens, finds and ends sessions in a store, with the idle and
// lifetime limits (P1: sessions end after use).
type Sessions struct {
	Idle     time.Duration // ends after this long without a request
	Lifetime time.Duration // ends this long after sign-in, however busy
	Now      func() time.Time
	Store    SessionStore

	mu    sync.Mutex
	swept time.Time
}

// NewSessions makes sessions kept in this process's memory: a restart
// signs everyone out. NewSessionsIn keeps them in a shared store.
func NewSessions(idle, lifetime time.Duration) *Sessions {
	return NewSessionsIn(NewMemorySessions(), idle, lifetime)
}

// NewSessionsIn makes sessions kept in store.
func NewSessionsIn(store SessionStore, idle, lifetime time.Duration) *Sessions {
	return &Sessions{Idle: idle, Lifetime: lifetime, Store: store}
}

func (s *Sessions) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Create opens a session for username.
func (s *Sessions) Create(ctx context.Context, username string) (Session, error) {
	now := s.now()
	s.sweep(ctx, now)
	id := randomString(32)
	ss := Session{ID: id, Username: username, CSRF: csrfOf(id), Created: now, Seen: now}
	err := s.Store.CreateSession(ctx, StoredSession{Key: SessionKey(id), Username: username, Created: now, Seen: now, Expires: now.Add(s.Lifetime)})
	if err != nil {
		return Session{}, err
	}
	return ss, nil
}

// Get returns the live session with this ID and marks it used; an expired
// one is removed.
func (s *Sessions) Get(ctx context.Context, id string) (Session, bool, error) {
	if id == "" {
		return Session{}, false, nil
	}
	now := s.now()
	key := SessionKey(id)
	st, ok, err := s.Store.Session(ctx, key)
	if err != nil || !ok {
		return Session{}, false, err
	}
	if now.Sub(st.Seen) > s.Idle || now.Sub(st.Created) > s.Lifetime || !now.Before(st.Expires) {
		return Session{}, false, s.Store.DeleteSession(ctx, key)
	}
	if now.Sub(st.Seen) >= TouchEvery {
		if err := s.Store.TouchSession(ctx, key, now); err != nil {
			return Session{}, false, err
		}
		st.Seen = now
	}
	return Session{ID: id, Username: st.Username, CSRF: csrfOf(id), Created: st.Created, Seen: st.Seen}, true, nil
}

// Delete ends a session (sign-out).
func (s *Sessions) Delete(ctx context.Context, id string) error {
	return s.Store.DeleteSession(ctx, SessionKey(id))
}

// EndAll ends every session of username (an administrator's revocation)
// and says how many there were.
func (s *Sessions) EndAll(ctx context.Context, username string) (int, error) {
	return s.Store.DeleteUserSessions(ctx, username)
}

// sweep drops expired sessions, at most once a minute per process; a
// failed sweep is tried again at the next sign-in.
func (s *Sessions) sweep(ctx context.Context, now time.Time) {
	s.mu.Lock()
	due := now.Sub(s.swept) >= sweepEvery
	if due {
		s.swept = now
	}
	s.mu.Unlock()
	if due {
		if err := s.Store.SweepSessions(ctx, now.Add(-s.Idle), now); err != nil {
			s.mu.Lock()
			s.swept = time.Time{}
			s.mu.Unlock()
		}
	}
}

// MemorySessions is a SessionStore in this process's memory.
type MemorySessions struct {
	mu sync.Mutex
	m  map[string]StoredSession
}

// NewMemorySessions makes an empty in-memory store.
func NewMemorySessions() *MemorySessions { return &MemorySessions{m: map[string]StoredSession{}} }

// CreateSession implements SessionStore.
func (m *MemorySessions) CreateSession(_ context.Context, s StoredSession) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[s.Key] = s
	return nil
}

// Session implements SessionStore.
func (m *MemorySessions) Session(_ context.Context, key string) (StoredSession, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.m[key]
	return s, ok, nil
}

// TouchSession implements SessionStore.
func (m *MemorySessions) TouchSession(_ context.Context, key string, seen time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.m[key]; ok {
		s.Seen = seen
		m.m[key] = s
	}
	return nil
}

// DeleteSession implements SessionStore.
func (m *MemorySessions) DeleteSession(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, key)
	return nil
}

// DeleteUserSessions implements SessionStore.
func (m *MemorySessions) DeleteUserSessions(_ context.Context, username string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for k, s := range m.m {
		if s.Username == username {
			delete(m.m, k)
			n++
		}
	}
	return n, nil
}

// SweepSessions implements SessionStore.
func (m *MemorySessions) SweepSessions(_ context.Context, idleBefore, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, s := range m.m {
		if s.Seen.Before(idleBefore) || !now.Before(s.Expires) {
			delete(m.m, k)
		}
	}
	return nil
}
