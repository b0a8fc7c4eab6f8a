package codec

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// A keyring is written "id:base64key", newest first: one per line in the
// key file, comma-separated in CLOSELOOP_PAYLOAD_KEYS. The newest key
// encrypts; every key listed decrypts. Rotating is adding a new key in
// front and keeping the old ones, which still read what they wrote.

// ParseKeys reads a keyring, newest key first; lines or items that are
// blank or start with # are skipped.
func ParseKeys(s string, sep string) ([]Key, error) {
	var keys []Key
	for n, item := range strings.Split(s, sep) {
		item = strings.TrimSpace(item)
		if item == "" || strings.HasPrefix(item, "#") {
			continue
		}
		id, b64, ok := strings.Cut(item, ":")
		if !ok {
			return nil, fmt.Errorf("payload key item %d: want id:base64key", n+1) // not quoted: it may be a secret
		}
		if err := checkID(id); err != nil {
			return nil, err
		}
		secret, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
		if err != nil {
			return nil, fmt.Errorf("payload key %q: not base64: %w", id, err)
		}
		if len(secret) != KeySize {
			return nil, fmt.Errorf("payload key %q: %d bytes, want %d (AES-256)", id, len(secret), KeySize)
		}
		keys = append(keys, Key{ID: id, Secret: secret})
	}
	if len(keys) == 0 {
		return nil, errors.New("payload keys: none given")
	}
	return keys, nil
}

func checkID(id string) error {
	if id == "" || len(id) > 64 || strings.IndexFunc(id, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
	}) >= 0 {
		return fmt.Errorf("payload key id %q: want 1-64 letters, digits, '-', '_' or '.'", id)
	}
	return nil
}

// FormatKeys writes a keyring as the key file holds it.
func FormatKeys(keys []Key) string {
	var b strings.Builder
	b.WriteString("# Closeloop payload keys, newest first: the first encrypts, all decrypt. Keep every old key.\n")
	for _, k := range keys {
		b.WriteString(k.ID + ":" + base64.StdEncoding.EncodeToString(k.Secret) + "\n")
	}
	return b.String()
}

// NewKey makes a random key whose id is the day and a random suffix.
func NewKey(now time.Time) (Key, error) {
	secret := make([]byte, KeySize)
	suffix := make([]byte, 3)
	if _, err := rand.Read(secret); err != nil {
		return Key{}, err
	}
	if _, err := rand.Read(suffix); err != nil {
		return Key{}, err
	}
	return Key{ID: now.UTC().Format("20060102") + "-" + hex.EncodeToString(suffix), Secret: secret}, nil
}

// Load is the keyring from env (CLOSELOOP_PAYLOAD_KEYS) when set, else
// from file, which is made with one new key (mode 0600) when missing.
func Load(env, file string) ([]Key, error) {
	if strings.TrimSpace(env) != "" {
		keys, err := ParseKeys(env, ",")
		if err != nil {
			return nil, fmt.Errorf("CLOSELOOP_PAYLOAD_KEYS: %w", err)
		}
		return keys, nil
	}
	b, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		k, err := NewKey(time.Now())
		if err != nil {
			return nil, err
		}
		if err := writeFile(file, []Key{k}, true); err != nil {
			if errors.Is(err, fs.ErrExist) { // another process made it first
				return Load("", file)
			}
			return nil, err
		}
		return []Key{k}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("payload key file: %w", err)
	}
	keys, err := ParseKeys(string(b), "\n")
	if err != nil {
		return nil, fmt.Errorf("payload key file %s: %w", file, err)
	}
	return keys, nil
}

// Rotate puts a new key in front of the key file's keys and returns it;
// the old keys stay, to read what they encrypted. Every process of the
// installation must be restarted to encrypt with it.
func Rotate(file string, now time.Time) (Key, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return Key{}, fmt.Errorf("payload key file: %w", err)
	}
	keys, err := ParseKeys(string(b), "\n")
	if err != nil {
		return Key{}, fmt.Errorf("payload key file %s: %w", file, err)
	}
	k, err := NewKey(now)
	if err != nil {
		return Key{}, err
	}
	if err := writeFile(file, append([]Key{k}, keys...), false); err != nil {
		return Key{}, err
	}
	return k, nil
}

// writeFile writes the keyring 0600 through a temporary file, so a
// reader never sees half of it: create links it in only where no file is
// (two processes starting together agree on one key), otherwise it
// replaces the file.
func writeFile(file string, keys []Key, create bool) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return fmt.Errorf("payload key file: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".payload-keys-*") // 0600
	if err != nil {
		return fmt.Errorf("payload key file: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if _, err := tmp.WriteString(FormatKeys(keys)); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("payload key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("payload key file: %w", err)
	}
	if create {
		return os.Link(tmp.Name(), file)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return fmt.Errorf("payload key file: %w", err)
	}
	return nil
}

// Open is the codec of the installation's keyring: env
// (CLOSELOOP_PAYLOAD_KEYS) when set, else the key file, made on first use.
func Open(env, file string) (*Codec, error) {
	keys, err := Load(env, file)
	if err != nil {
		return nil, err
	}
	return New(keys)
}
