package identity

import (
	"context"
	"testing"
	"time"
)

// After the grace failures each failure makes the account wait twice as
// long as the one before, up to the lock, which refuses even the right
// password's attempt until it ends; a long quiet forgives old failures.
func TestThrottleWaitsGrowThenLocks(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	th := &Throttle{Store: NewMemoryAttempts(), LockAfter: 6, LockFor: 15 * time.Minute, Delay: time.Second,
		Now: func() time.Time { return now }}
	var waits []time.Duration
	for i := 1; i <= 6; i++ {
		a, err := th.Begin(ctx, "li.na", "10.0.0.1")
		if ref, refused := IsRefusal(err); refused {
			if i <= graceFailures+1 {
				t.Fatalf("attempt %d waits %v after only grace failures", i, ref.RetryAfter)
			}
			waits = append(waits, ref.RetryAfter)
			now = now.Add(ref.RetryAfter)
			a, err = th.Begin(ctx, "li.na", "10.0.0.1")
		} else if i > graceFailures+1 {
			t.Fatalf("attempt %d let through at once after %d failures", i, i-1)
		}
		if err != nil {
			t.Fatalf("attempt %d refused: %v", i, err)
		}
		until, err := a.Failed(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if (i == 6) != !until.IsZero() {
			t.Fatalf("failure %d: locked until %v", i, until)
		}
	}
	for i, w := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		if waits[i] != w {
			t.Fatalf("waits %v, want 1s, 2s, 4s", waits)
		}
	}
	_, err := th.Begin(ctx, "LI.NA ", "10.0.0.2")
	if ref, ok := IsRefusal(err); !ok || ref.Reason != "account" || ref.RetryAfter != 15*time.Minute {
		t.Fatalf("locked account from another address: %v", err)
	}
	now = now.Add(15*time.Minute + time.Second)
	a, err := th.Begin(ctx, "li.na", "10.0.0.1")
	if err != nil || a.Failures() != 1 {
		t.Fatalf("after the lock: %v %+v", err, a)
	}
	if err := a.Succeeded(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := th.Store.LoginAttempts(ctx, "li.na"); got.Failures != 0 || !got.Last.IsZero() {
		t.Fatalf("a success left %+v", got)
	}
}

// One address is held to PerAddress failures a minute whatever the names
// it tries; other addresses are not.
func TestThrottleLimitsFailuresPerAddress(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	th := &Throttle{Store: NewMemoryAttempts(), LockAfter: 10, LockFor: 15 * time.Minute, PerAddress: 5,
		Now: func() time.Time { return now }}
	for i := range 5 {
		a, err := th.Begin(ctx, "user"+string(rune('a'+i)), "10.0.0.1")
		if err != nil {
			t.Fatalf("failure %d refused: %v", i+1, err)
		}
		if _, err := a.Failed(ctx); err != nil {
			t.Fatal(err)
		}
	}
	_, err := th.Begin(ctx, "someone", "10.0.0.1")
	if ref, ok := IsRefusal(err); !ok || ref.Reason != "address" || ref.RetryAfter <= 0 || ref.RetryAfter > 12*time.Second {
		t.Fatalf("sixth failure in a minute from one address: %v", err)
	}
	if _, err := th.Begin(ctx, "someone", "10.0.0.2"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	now = now.Add(12 * time.Second)
	if _, err := th.Begin(ctx, "someone", "10.0.0.1"); err != nil {
		t.Fatalf("after the refill: %v", err)
	}
}

// Two attempts on one account at once: the second is refused rather than
// checked, so parallel guesses are not a way around the waits.
func TestThrottleLetsOneConcurrentAttemptThrough(t *testing.T) {
	ctx := context.Background()
	store := NewMemoryAttempts()
	th := &Throttle{Store: store, LockAfter: 10, LockFor: 15 * time.Minute}
	prev, _ := store.LoginAttempts(ctx, "li.na")
	if ok, _ := store.ClaimLoginAttempt(ctx, "li.na", prev, Attempts{Failures: 1, Last: time.Now()}); !ok {
		t.Fatal("first claim failed")
	}
	if ok, _ := store.ClaimLoginAttempt(ctx, "li.na", prev, Attempts{Failures: 1, Last: time.Now()}); ok {
		t.Fatal("a second claim on the same state succeeded")
	}
	if _, err := th.Begin(ctx, "li.na", "10.0.0.1"); err != nil {
		t.Fatalf("next attempt: %v", err)
	}
}
