package config

import (
	"errors"
	"io/fs"
	"os"
	"testing"
)

func TestDialURL(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080",
		"0.0.0.0:8080":   "http://127.0.0.1:8080",
		"[::]:9000":      "http://127.0.0.1:9000",
		":7000":          "http://127.0.0.1:7000",
		"[::1]:8081":     "http://[::1]:8081",
		"example.com:80": "http://example.com:80",
	} {
		if got := DialURL(addr); got != want {
			t.Errorf("DialURL(%q) = %q, want %q", addr, got, want)
		}
	}
}

// The server publishes its address for the command line and takes it back
// when it stops, unless another server has published its own meanwhile.
func TestAddressFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadAddress(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("no file: %v, want not exist", err)
	}
	a := Address{URL: "http://127.0.0.1:18480", TimeZone: "Asia/Shanghai"}
	remove, err := WriteAddress(dir, a)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ReadAddress(dir); err != nil || got != a {
		t.Fatalf("read %+v, %v; want %+v", got, err, a)
	}
	remove()
	if _, err := os.Stat(AddressPath(dir)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("after remove: %v", err)
	}

	removeFirst, _ := WriteAddress(dir, a)
	b := Address{URL: "http://127.0.0.1:18490", TimeZone: "Asia/Shanghai"}
	if _, err := WriteAddress(dir, b); err != nil {
		t.Fatal(err)
	}
	removeFirst()
	if got, err := ReadAddress(dir); err != nil || got != b {
		t.Fatalf("the first server's stop removed the second's address: %+v, %v", got, err)
	}
	if err := os.WriteFile(AddressPath(dir), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadAddress(dir); err == nil {
		t.Error("an address without url was accepted")
	}
}
