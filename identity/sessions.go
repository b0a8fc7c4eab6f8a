package identity

import (
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

// Sessions keeps the open sessions in memory; a restart signs everyone
// out, which is the safe direction (P1: sessions end after use).
type Sessions struct {
	Idle     time.Duration // ends after this long without a request
	Lifetime time.Duration // ends this long after sign-in, however busy
	Now      func() time.Time

	mu sync.Mutex
	m  map[string]*Session
}

// NewSessions makes a store with the given timeouts.
func NewSessions(idle, lifetime time.Duration) *Sessions {
	return &Sessions{Idle: idle, Lifetime: lifetime, m: map[string]*Session{}}
}

func (s *Sessions) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Create opens a session for username.
func (s *Sessions) Create(username string) Session {
	now := s.now()
	ss := &Session{ID: randomString(32), Username: username, CSRF: randomString(24), Created: now, Seen: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(now)
	s.m[ss.ID] = ss
	return *ss
}

// Get returns the live session with this ID and marks it used; an expired
// one is removed.
func (s *Sessions) Get(id string) (Session, bool) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.m[id]
	if !ok {
		return Session{}, false
	}
	if s.expired(ss, now) {
		delete(s.m, id)
		return Session{}, false
	}
	ss.Seen = now
	return *ss, true
}

// Delete ends a session (sign-out).
func (s *Sessions) Delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

func (s *Sessions) expired(ss *Session, now time.Time) bool {
	return now.Sub(ss.Seen) > s.Idle || now.Sub(ss.Created) > s.Lifetime
}

// sweep drops expired sessions; called on sign-in so the map stays small.
func (s *Sessions) sweep(now time.Time) {
	for id, ss := range s.m {
		if s.expired(ss, now) {
			delete(s.m, id)
		}
	}
}
