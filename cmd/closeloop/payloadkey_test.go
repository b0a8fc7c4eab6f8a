package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/closeloop/closeloop/codec"
)

func TestPayloadKeyRotatePutsANewKeyInFront(t *testing.T) {
	file := filepath.Join(t.TempDir(), "payload-keys")
	t.Setenv("CLOSELOOP_PAYLOAD_KEY_FILE", file)
	t.Setenv("CLOSELOOP_PAYLOAD_KEYS", "")
	first, err := codec.Load("", file)
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"payload-key", "rotate"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	keys, err := codec.Load("", file)
	if err != nil || len(keys) != 2 || keys[1].ID != first[0].ID || !strings.Contains(out.String(), keys[0].ID) {
		t.Fatalf("after rotate: %v %v, said %q", keys, err, out.String())
	}
	// With the keys in the environment there is no file to rotate.
	t.Setenv("CLOSELOOP_PAYLOAD_KEYS", "k1:"+strings.Repeat("A", 43)+"=")
	if code := run(context.Background(), []string{"payload-key", "rotate"}, &out, &errOut); code == 0 || !strings.Contains(errOut.String(), "CLOSELOOP_PAYLOAD_KEYS") {
		t.Errorf("rotate with env keys: exit %d, %s", code, errOut.String())
	}
}
