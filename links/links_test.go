package links

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSignAndVerify(t *testing.T) {
	s, err := NewSigner(bytes.Repeat([]byte("k"), 32))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	r := Rating{CaseNo: "TS-20261123-0001", Round: 1, Language: "en", Expires: now.Add(7 * 24 * time.Hour), Nonce: "n1"}
	tok := s.Sign(r)
	got, err := s.Verify(tok, now)
	if err != nil || got.CaseNo != r.CaseNo || got.Round != 1 || got.Nonce != "n1" {
		t.Fatalf("verify: %+v %v", got, err)
	}
	if _, err := s.Verify(tok, now.Add(8*24*time.Hour)); err != ErrExpired {
		t.Errorf("after expiry: %v", err)
	}
	p, sig, _ := strings.Cut(tok, ".")
	other := s.Sign(Rating{CaseNo: "TS-20261123-0002", Round: 1, Expires: r.Expires})
	op, _, _ := strings.Cut(other, ".")
	for _, bad := range []string{op + "." + sig, p + "." + sig[1:], p, "", "a.b", p + "x." + sig} {
		if _, err := s.Verify(bad, now); err != ErrTampered {
			t.Errorf("tampered %q: %v", bad, err)
		}
	}
	s2, _ := NewSigner(bytes.Repeat([]byte("x"), 32))
	if _, err := s2.Verify(tok, now); err != ErrTampered {
		t.Errorf("another key: %v", err)
	}
	if _, err := NewSigner([]byte("short")); err == nil {
		t.Error("short key accepted")
	}
}

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "link-key")
	a, err := KeyFile(path)
	if err != nil || len(a) != 32 {
		t.Fatal(err)
	}
	b, _ := KeyFile(path)
	if !bytes.Equal(a, b) {
		t.Error("key changed across restarts")
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v", info.Mode())
	}
}

// A satisfaction token does not open the status page and a status token
// does not rate: each is signed for its own purpose.
func TestStatusLinkPurpose(t *testing.T) {
	s, _ := NewSigner(bytes.Repeat([]byte("k"), 32))
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	st := s.SignStatus(Status{CaseNo: "TS-20261123-0001", Language: "en", Expires: now.Add(StatusTTL)})
	got, err := s.VerifyStatus(st, now)
	if err != nil || got.CaseNo != "TS-20261123-0001" || got.Language != "en" {
		t.Fatalf("status link: %+v %v", got, err)
	}
	if _, err := s.Verify(st, now); err != ErrTampered {
		t.Errorf("a status token rated: %v", err)
	}
	rt := s.Sign(Rating{CaseNo: "TS-20261123-0001", Round: 1, Expires: now.Add(RatingTTL), Nonce: "n"})
	if _, err := s.VerifyStatus(rt, now); err != ErrTampered {
		t.Errorf("a rating token opened the status page: %v", err)
	}
	if _, err := s.VerifyStatus(st, now.Add(StatusTTL)); err != ErrExpired {
		t.Errorf("expired status link: %v", err)
	}
	if _, err := s.VerifyStatus(strings.Repeat("a", MaxToken+1), now); err != ErrTampered {
		t.Errorf("overlong token: %v", err)
	}
}
