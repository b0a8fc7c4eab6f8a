package codec

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

func key(t *testing.T, id string) Key {
	t.Helper()
	k, err := NewKey(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	k.ID = id
	return k
}

func mustCodec(t *testing.T, keys ...Key) *Codec {
	t.Helper()
	c, err := New(keys)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type customer struct{ Name, Phone, Email string }

var alice = customer{Name: "王小明", Phone: "13800138000", Email: "xiaoming@example.com"}

func TestRoundTripHidesTheValueAndReadsItBack(t *testing.T) {
	dc := mustCodec(t, key(t, "k1")).DataConverter()
	p, err := dc.ToPayload(alice)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(p.Metadata[MetadataEncoding]); got != Encoding {
		t.Errorf("encoding = %q, want %q", got, Encoding)
	}
	if got := string(p.Metadata[MetadataKeyID]); got != "k1" {
		t.Errorf("key id = %q, want k1", got)
	}
	for _, s := range []string{alice.Name, alice.Phone, alice.Email, "json/plain"} {
		if bytes.Contains(p.Data, []byte(s)) {
			t.Errorf("encrypted payload holds %q in clear", s)
		}
	}
	var back customer
	if err := dc.FromPayload(p, &back); err != nil {
		t.Fatal(err)
	}
	if back != alice {
		t.Errorf("read back %+v, want %+v", back, alice)
	}
	// A fresh nonce each time: the same value never encrypts the same.
	p2, _ := dc.ToPayload(alice)
	if bytes.Equal(p.Data, p2.Data) {
		t.Error("two encryptions of one value are equal")
	}
}

func TestUnknownKeyIDIsAClearError(t *testing.T) {
	p, err := mustCodec(t, key(t, "gone")).Encode([]*commonpb.Payload{{Data: []byte("x")}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = mustCodec(t, key(t, "other")).Decode(p)
	if err == nil || !strings.Contains(err.Error(), `"gone"`) || !strings.Contains(err.Error(), "not in the keyring") {
		t.Errorf("err = %v, want one naming the missing key gone", err)
	}
}

func TestWrongKeyUnderTheSameIDFailsToDecrypt(t *testing.T) {
	p, _ := mustCodec(t, key(t, "k1")).Encode([]*commonpb.Payload{{Data: []byte("x")}})
	if _, err := mustCodec(t, key(t, "k1")).Decode(p); err == nil {
		t.Error("a payload decrypted under another key of the same id")
	}
}

func TestRelabelledKeyIDIsRefused(t *testing.T) {
	a, b := key(t, "a"), key(t, "b")
	b.Secret = a.Secret
	p, _ := mustCodec(t, a).Encode([]*commonpb.Payload{{Data: []byte("x")}})
	p[0].Metadata[MetadataKeyID] = []byte("b")
	if _, err := mustCodec(t, b, a).Decode(p); err == nil {
		t.Error("a payload decrypted after its key id was changed")
	}
}

func TestRotationWritesWithNewestAndReadsWithOld(t *testing.T) {
	old, newer := key(t, "2026a"), key(t, "2026b")
	before := mustCodec(t, old).DataConverter()
	written, _ := before.ToPayload(alice)

	after := mustCodec(t, newer, old).DataConverter()
	var back customer
	if err := after.FromPayload(written, &back); err != nil || back != alice {
		t.Fatalf("old payload after rotation: %+v, %v", back, err)
	}
	p, _ := after.ToPayload(alice)
	if got := string(p.Metadata[MetadataKeyID]); got != "2026b" {
		t.Errorf("after rotation writes with %q, want 2026b", got)
	}
	if err := before.FromPayload(p, &back); err == nil {
		t.Error("a codec without the new key read a payload written with it")
	}
}

func TestPlaintextPayloadsPassThrough(t *testing.T) {
	plain, _ := converter.GetDefaultDataConverter().ToPayload(alice)
	out, err := mustCodec(t, key(t, "k1")).Decode([]*commonpb.Payload{plain})
	if err != nil {
		t.Fatal(err)
	}
	if out[0] != plain {
		t.Error("a payload written before the codec was changed on decode")
	}
	var back customer
	if err := mustCodec(t, key(t, "k1")).DataConverter().FromPayload(plain, &back); err != nil || back != alice {
		t.Errorf("plaintext read as %+v, %v", back, err)
	}
}

func TestKeyringSettingsAreChecked(t *testing.T) {
	good := FormatKeys([]Key{key(t, "a")})
	line := strings.Split(good, "\n")[1]
	for name, in := range map[string]string{
		"no separator": "abc",
		"short key":    "a:AAAA",
		"bad base64":   "a:!!!",
		"bad id":       "a b:" + strings.SplitN(line, ":", 2)[1],
		"empty":        " , ",
	} {
		if _, err := ParseKeys(in, ","); err == nil {
			t.Errorf("%s: %q accepted", name, in)
		}
	}
	if _, err := New([]Key{key(t, "a"), key(t, "a")}); err == nil {
		t.Error("a duplicated key id accepted")
	}
	keys, err := ParseKeys(line+","+itemOf(key(t, "b")), ",")
	if err != nil || len(keys) != 2 || keys[0].ID != "a" {
		t.Errorf("keys = %v, %v; want a then b", keys, err)
	}
}

// itemOf is one key as a keyring item.
func itemOf(k Key) string { return strings.TrimSpace(strings.Split(FormatKeys([]Key{k}), "\n")[1]) }

func TestKeyFileIsMadePrivateOnceAndRotated(t *testing.T) {
	file := filepath.Join(t.TempDir(), "data", "payload-keys")
	first, err := Load("", file)
	if err != nil || len(first) != 1 {
		t.Fatalf("first start: %v, %v", first, err)
	}
	st, err := os.Stat(file)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, %v; want 0600", st.Mode().Perm(), err)
	}
	again, _ := Load("", file)
	if again[0].ID != first[0].ID || !bytes.Equal(again[0].Secret, first[0].Secret) {
		t.Fatal("second start made another key")
	}
	k, err := Rotate(file, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	after, _ := Load("", file)
	if len(after) != 2 || after[0].ID != k.ID || after[1].ID != first[0].ID {
		t.Fatalf("after rotate: %v; want the new key in front of the old", after)
	}
	if st, _ := os.Stat(file); st.Mode().Perm() != 0o600 {
		t.Errorf("rotated key file mode = %v, want 0600", st.Mode().Perm())
	}
	// The environment, when set, wins over the file.
	env, err := Load("e1:"+strings.SplitN(itemOf(k), ":", 2)[1], file)
	if err != nil || len(env) != 1 || env[0].ID != "e1" {
		t.Errorf("env keys = %v, %v", env, err)
	}
}

// BenchmarkRoundTrip4KiB is the codec's cost on a case-sized payload.
func BenchmarkRoundTrip4KiB(b *testing.B) {
	k, _ := NewKey(time.Now())
	c, _ := New([]Key{k})
	p := []*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: bytes.Repeat([]byte("x"), 4096)}}
	b.SetBytes(4096)
	for b.Loop() {
		enc, _ := c.Encode(p)
		if _, err := c.Decode(enc); err != nil {
			b.Fatal(err)
		}
	}
}
