// Package links makes and checks the signed links in customer e-mail: a
// satisfaction link names one case and one round, expires, and is only
// accepted once (the case workflow remembers its use).
package links

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// RatingTTL is how long a satisfaction link works (the e-mail says so).
const RatingTTL = 7 * 24 * time.Hour

// Rating is what a satisfaction link stands for.
type Rating struct {
	CaseNo   string    `json:"c"`
	Round    int       `json:"r"`
	Language string    `json:"l,omitempty"`
	Expires  time.Time `json:"e"`
	// Nonce tells two links for the same round apart (the notice ID).
	Nonce string `json:"n"`
}

// Errors of a link that cannot be used.
var (
	ErrTampered = errors.New("this link is not valid")
	ErrExpired  = errors.New("this link has expired")
)

// Signer signs links with a secret key (HMAC-SHA256).
type Signer struct {
	key []byte
}

// NewSigner uses key, which must be at least 32 bytes.
func NewSigner(key []byte) (*Signer, error) {
	if len(key) < 32 {
		return nil, errors.New("links: the signing key must be at least 32 bytes")
	}
	return &Signer{key: key}, nil
}

// KeyFile reads the signing key from path, creating a random one (mode
// 0600) on first use, so links stay valid across restarts.
func KeyFile(path string) ([]byte, error) {
	if b, err := os.ReadFile(path); err == nil {
		return b, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("link key: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, key, 0o600); err != nil {
		return nil, fmt.Errorf("link key: %w", err)
	}
	return key, nil
}

var b64 = base64.RawURLEncoding

// Sign makes the token for r.
func (s *Signer) Sign(r Rating) string {
	payload, _ := json.Marshal(r)
	p := b64.EncodeToString(payload)
	return p + "." + b64.EncodeToString(s.mac(p))
}

// Verify checks a token's signature and expiry at now.
func (s *Signer) Verify(token string, now time.Time) (Rating, error) {
	p, sig, ok := strings.Cut(token, ".")
	got, err := b64.DecodeString(sig)
	if !ok || err != nil || !hmac.Equal(got, s.mac(p)) {
		return Rating{}, ErrTampered
	}
	payload, err := b64.DecodeString(p)
	var r Rating
	if err != nil || json.Unmarshal(payload, &r) != nil || r.CaseNo == "" {
		return Rating{}, ErrTampered
	}
	if !now.Before(r.Expires) {
		return r, ErrExpired
	}
	return r, nil
}

func (s *Signer) mac(payload string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("closeloop-rating:" + payload))
	return m.Sum(nil)
}
