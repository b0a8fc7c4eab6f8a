package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/closeloop/closeloop/starter"
)

// IdempotencyHeader names a registration or staff action a client may send
// again after a lost answer: every attempt with the same key (from the same
// user) answers the same case, and an action is applied once (issue 17).
const IdempotencyHeader = "Idempotency-Key"

// maxIdempotencyKey bounds the header; a UUID is 36 characters.
const maxIdempotencyKey = 100

// withIdempotency reads the request's Idempotency-Key into ctx, scoped to
// the caller so two users' keys never meet. No header is a plain request.
func withIdempotency(ctx context.Context, r *http.Request, c caller) (context.Context, *starter.Idempotency, error) {
	key := r.Header.Get(IdempotencyHeader)
	if key == "" {
		return ctx, nil, nil
	}
	if len(key) > maxIdempotencyKey || !keyChars(key) {
		return ctx, nil, &starter.Error{Status: http.StatusBadRequest, Code: "bad_idempotency_key",
			Message: fmt.Sprintf("%s must be 1 to %d characters of A–Z, a–z, 0–9, '-', '_', '.' or ':' (a UUID will do)", IdempotencyHeader, maxIdempotencyKey)}
	}
	idem := &starter.Idempotency{Key: c.Username + ":" + key}
	return starter.WithIdempotency(ctx, idem), idem, nil
}

func keyChars(key string) bool {
	for _, r := range key {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == ':'
		if !ok {
			return false
		}
	}
	return true
}
