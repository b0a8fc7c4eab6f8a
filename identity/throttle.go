package identity

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Attempts is an account's run of failed sign-ins, as a store keeps it.
// Accounts are the names tried, whether or not such a user exists: an
// unknown name is throttled and locked like a real one, so the answers do
// not tell which names exist.
type Attempts struct {
	Failures    int       // since the last success or lock
	Last        time.Time // the last attempt; zero when there is no row
	LockedUntil time.Time // zero when not locked
}

// AttemptStore keeps the failed sign-ins per account where every API
// process sees them (the archive's database); MemoryAttempts is one
// process's.
type AttemptStore interface {
	LoginAttempts(ctx context.Context, account string) (Attempts, error)
	// ClaimLoginAttempt records an attempt as a failure before the
	// password is checked, changing prev to next only if the row is still
	// prev; ok is false when another attempt came first.
	ClaimLoginAttempt(ctx context.Context, account string, prev, next Attempts) (ok bool, err error)
	// LockLogin locks the account until the given time, its count reset.
	LockLogin(ctx context.Context, account string, until time.Time) error
	// ClearLoginAttempts forgets the account's failures (a success).
	ClearLoginAttempts(ctx context.Context, account string) error
	// SweepLoginAttempts drops rows last tried before, and not locked at, t.
	SweepLoginAttempts(ctx context.Context, t time.Time) error
}

// graceFailures are the failures that cost no wait: typing mistakes.
const graceFailures = 2

// Throttle slows and stops password guessing: per account (in the shared
// store) a growing wait after each failure beyond the grace failures and a
// lock after LockAfter, and per client address a rate of failures
// (golang.org/x/time/rate, in this process).
type Throttle struct {
	Store     AttemptStore
	LockAfter int           // consecutive failures that lock an account
	LockFor   time.Duration // how long a lock lasts; failures older than this are forgotten
	// Delay is the wait after the first failure beyond the grace ones; it
	// doubles with each further failure. Zero waits not at all.
	Delay time.Duration
	// PerAddress is the failures one address may make per minute (burst
	// as many); zero sets no address limit.
	PerAddress int
	Now        func() time.Time

	mu      sync.Mutex
	address map[string]*rate.Limiter
	swept   time.Time
}

// Refusal says why an attempt is not even checked, and when to try again.
type Refusal struct {
	Reason     string // "account" (waiting or locked) or "address"
	RetryAfter time.Duration
}

func (r *Refusal) Error() string { return "too many sign-in attempts (" + r.Reason + ")" }

// Attempt is one sign-in let through, counted as a failure until
// Succeeded says otherwise.
type Attempt struct {
	t       *Throttle
	account string
	addr    string
	n       int
}

func (t *Throttle) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

// account is the store's key for a name tried: the name as the directory
// spells it, and anything longer than a username can be is cut.
func account(username string) string {
	a := strings.ToLower(strings.TrimSpace(username))
	if len(a) > 64 {
		a = "sha256:" + HashToken(a)[7:]
	}
	return a
}

// Wait is how long an account waits after its nth consecutive failure.
func (t *Throttle) Wait(n int) time.Duration {
	if n <= graceFailures || t.Delay <= 0 {
		return 0
	}
	exp := min(n-graceFailures-1, 30)
	d := time.Duration(float64(t.Delay) * math.Pow(2, float64(exp)))
	if d > t.LockFor || d <= 0 {
		return t.LockFor
	}
	return d
}

// Begin admits an attempt for username from addr, or refuses it with a
// *Refusal (the same for every name) or a store error.
func (t *Throttle) Begin(ctx context.Context, username, addr string) (*Attempt, error) {
	now := t.now()
	t.sweep(ctx, now)
	if lim := t.limiter(addr, false); lim != nil {
		if tokens := lim.TokensAt(now); tokens < 1 {
			wait := time.Duration((1 - tokens) / float64(lim.Limit()) * float64(time.Second))
			return nil, &Refusal{Reason: "address", RetryAfter: wait}
		}
	}
	acct := account(username)
	prev, err := t.Store.LoginAttempts(ctx, acct)
	if err != nil {
		return nil, err
	}
	if now.Before(prev.LockedUntil) {
		return nil, &Refusal{Reason: "account", RetryAfter: prev.LockedUntil.Sub(now)}
	}
	next := Attempts{Failures: prev.Failures + 1, Last: now}
	if !prev.Last.IsZero() && now.Sub(prev.Last) > t.LockFor {
		next.Failures = 1 // a long quiet forgives old mistakes
	} else if at := prev.Last.Add(t.Wait(prev.Failures)); now.Before(at) {
		return nil, &Refusal{Reason: "account", RetryAfter: at.Sub(now)}
	}
	ok, err := t.Store.ClaimLoginAttempt(ctx, acct, prev, next)
	if err != nil {
		return nil, err
	}
	if !ok {
		// Another attempt on this account is being checked right now.
		return nil, &Refusal{Reason: "account", RetryAfter: time.Second}
	}
	return &Attempt{t: t, account: acct, addr: addr, n: next.Failures}, nil
}

// Succeeded forgets the account's failures.
func (a *Attempt) Succeeded(ctx context.Context) error {
	return a.t.Store.ClearLoginAttempts(ctx, a.account)
}

// Failed counts the failure against the address and locks the account
// when it reached LockAfter; lockedUntil is then the lock's end.
func (a *Attempt) Failed(ctx context.Context) (lockedUntil time.Time, err error) {
	now := a.t.now()
	if lim := a.t.limiter(a.addr, true); lim != nil {
		lim.AllowN(now, 1)
	}
	if a.n < a.t.LockAfter {
		return time.Time{}, nil
	}
	until := now.Add(a.t.LockFor)
	return until, a.t.Store.LockLogin(ctx, a.account, until)
}

// Failures is the account's count of consecutive failures with this one.
func (a *Attempt) Failures() int { return a.n }

// limiter is addr's limiter; make says whether to create a missing one.
func (t *Throttle) limiter(addr string, make bool) *rate.Limiter {
	if t.PerAddress <= 0 {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	lim := t.address[addr]
	if lim == nil && make {
		if t.address == nil {
			t.address = map[string]*rate.Limiter{}
		}
		lim = rate.NewLimiter(rate.Limit(float64(t.PerAddress)/60), t.PerAddress)
		t.address[addr] = lim
	}
	return lim
}

// sweep forgets, once a minute, the addresses whose limit has refilled
// and the accounts quiet for LockFor, so neither grows without end.
func (t *Throttle) sweep(ctx context.Context, now time.Time) {
	t.mu.Lock()
	if now.Sub(t.swept) < time.Minute {
		t.mu.Unlock()
		return
	}
	t.swept = now
	for a, lim := range t.address {
		if lim.TokensAt(now) >= float64(lim.Burst()) {
			delete(t.address, a)
		}
	}
	t.mu.Unlock()
	_ = t.Store.SweepLoginAttempts(ctx, now.Add(-t.LockFor))
}

// IsRefusal reports whether err is a throttle's refusal, and which.
func IsRefusal(err error) (*Refusal, bool) {
	var r *Refusal
	ok := errors.As(err, &r)
	return r, ok
}

// MemoryAttempts is an AttemptStore in this process's memory.
type MemoryAttempts struct {
	mu sync.Mutex
	m  map[string]Attempts
}

// NewMemoryAttempts makes an empty in-memory store.
func NewMemoryAttempts() *MemoryAttempts { return &MemoryAttempts{m: map[string]Attempts{}} }

// LoginAttempts implements AttemptStore.
func (m *MemoryAttempts) LoginAttempts(_ context.Context, account string) (Attempts, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.m[account], nil
}

// ClaimLoginAttempt implements AttemptStore.
func (m *MemoryAttempts) ClaimLoginAttempt(_ context.Context, account string, prev, next Attempts) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur := m.m[account]
	if cur.Failures != prev.Failures || !cur.Last.Equal(prev.Last) {
		return false, nil
	}
	next.LockedUntil = cur.LockedUntil
	m.m[account] = next
	return true, nil
}

// LockLogin implements AttemptStore.
func (m *MemoryAttempts) LockLogin(_ context.Context, account string, until time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.m[account]
	a.Failures, a.LockedUntil = 0, until
	m.m[account] = a
	return nil
}

// ClearLoginAttempts implements AttemptStore.
func (m *MemoryAttempts) ClearLoginAttempts(_ context.Context, account string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, account)
	return nil
}

// SweepLoginAttempts implements AttemptStore.
func (m *MemoryAttempts) SweepLoginAttempts(_ context.Context, t time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, a := range m.m {
		if a.Last.Before(t) && !a.LockedUntil.After(t) {
			delete(m.m, k)
		}
	}
	return nil
}
