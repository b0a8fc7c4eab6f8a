// Package links makes and checks the signed links in customer e-mail: a
// satisfaction link names one case and one round, expires, and is only
// accepted once (the case workflow remembers its use); a status link shows
// the customer their case's progress until it expires. Each kind is signed
// for its own purpose, so one never opens the other's page.
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

// StatusTTL is how long a status link works: longer than a complaint's
// rework rounds usually run.
const StatusTTL = 90 * 24 * time.Hour

// MaxToken bounds a token before it is decoded: a signed link is a few
// hundred characters.
const MaxToken = 1024

// Rating is what a satisfaction link stands for.
type Rating struct {
	CaseNo   string    `json:"c"`
	Round    int       `json:"r"`
	Language string    `json:"l,omitempty"`
	Expires  time.Time `json:"e"`
	// Nonce tells two links for the same round apart (the notice ID).
	Nonce string `json:"n"`
}

// Status is what a status link stands for.
type Status struct {
	CaseNo   string    `json:"c"`
	Language string    `json:"l,omitempty"`
	Expires  time.Time `json:"e"`
}

// Purposes, mixed into the signature.
const (
	purposeRating = "closeloop-rating:"
	purposeStatus = "closeloop-status:"
)

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
func (s *Signer) Sign(r Rating) string { return s.sign(purposeRating, r) }

// Verify checks a satisfaction token's signature and expiry at now.
func (s *Signer) Verify(token string, now time.Time) (Rating, error) {
	var r Rating
	err := s.verify(purposeRating, token, &r)
	switch {
	case err != nil || r.CaseNo == "":
		return Rating{}, ErrTampered
	case !now.Before(r.Expires):
		return r, ErrExpired
	}
	return r, nil
}

// SignStatus makes the token for a status link.
func (s *Signer) SignStatus(st Status) string { return s.sign(purposeStatus, st) }

// VerifyStatus checks a status token's signature and expiry at now; a
// satisfaction token is not one.
func (s *Signer) VerifyStatus(token string, now time.Time) (Status, error) {
	var st Status
	err := s.verify(purposeStatus, token, &st)
	switch {
	case err != nil || st.CaseNo == "":
		return Status{}, ErrTampered
	case !now.Before(st.Expires):
		return st, ErrExpired
	}
	return st, nil
}

func (s *Signer) sign(purpose string, v any) string {
	payload, _ := json.Marshal(v)
	p := b64.EncodeToString(payload)
	return p + "." + b64.EncodeToString(s.mac(purpose, p))
}

func (s *Signer) verify(purpose, token string, v any) error {
	if len(token) > MaxToken {
		return ErrTampered
	}
	p, sig, ok := strings.Cut(token, ".")
	got, err := b64.DecodeString(sig)
	if !ok || err != nil || !hmac.Equal(got, s.mac(purpose, p)) {
		return ErrTampered
	}
	payload, err := b64.DecodeString(p)
	if err != nil || json.Unmarshal(payload, v) != nil {
		return ErrTampered
	}
	return nil
}

func (s *Signer) mac(purpose, payload string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(purpose + payload))
	return m.Sum(nil)
}
