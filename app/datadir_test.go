//go:build unix

package app

import (
	"bytes"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Issue 19: a data directory made before (an older release, an operator's
// mkdir) at 0755 with 0644 databases is 0700 with 0600 files after start,
// subdirectories included, each change logged; a link out of it is not
// followed; and files the run creates afterwards are 0600 whatever mode
// their code asks for.
func TestDataDirectoryIsPrivateWhateverExistedBefore(t *testing.T) {
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })

	dir := filepath.Join(t.TempDir(), "data")
	outside := filepath.Join(t.TempDir(), "elsewhere.txt")
	for _, d := range []string{dir, filepath.Join(dir, "outbox"), filepath.Join(dir, "ledger")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := []string{"temporal.db", "temporal.db-wal", "temporal.db-shm", "visibility.db", "archive.db", "link-key", "demo-credentials.json",
		"api-address.json", "outbox/n1.json", "ledger/n1.json"}
	for _, f := range append(files, outside) {
		p := f
		if !filepath.IsAbs(f) {
			p = filepath.Join(dir, f)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "script.sh"), []byte("x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}

	var logged bytes.Buffer
	if err := privateDataDir(dir, slog.New(slog.NewTextHandler(&logged, nil))); err != nil {
		t.Fatal(err)
	}
	mode := func(p string) fs.FileMode {
		t.Helper()
		info, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		return info.Mode().Perm()
	}
	for _, d := range []string{dir, filepath.Join(dir, "outbox"), filepath.Join(dir, "ledger")} {
		if m := mode(d); m != 0o700 {
			t.Errorf("%s: %04o, want 0700", d, m)
		}
	}
	for _, f := range append(files, "script.sh") {
		if m := mode(filepath.Join(dir, f)); m != 0o600 {
			t.Errorf("%s: %04o, want 0600", f, m)
		}
	}
	if m := mode(outside); m != 0o644 {
		t.Errorf("the file a link points to out of the directory was changed: %04o", m)
	}
	if log := logged.String(); !strings.Contains(log, "temporal.db") || !strings.Contains(log, "was=0644 now=0600") || !strings.Contains(log, "was=0755 now=0700") {
		t.Errorf("the changes are not logged:\n%s", log)
	}

	// Created during the run, as code and libraries ask: 0666 files, 0777
	// directories.
	f, err := os.OpenFile(filepath.Join(dir, "archive.db-wal2"), os.O_CREATE|os.O_WRONLY, 0o666)
	if err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	if err := os.Mkdir(filepath.Join(dir, "tls"), 0o777); err != nil {
		t.Fatal(err)
	}
	if m := mode(filepath.Join(dir, "archive.db-wal2")); m != 0o600 {
		t.Errorf("a file created during the run: %04o, want 0600", m)
	}
	if m := mode(filepath.Join(dir, "tls")); m != 0o700 {
		t.Errorf("a directory created during the run: %04o, want 0700", m)
	}

	// A second start finds nothing to change and says nothing.
	logged.Reset()
	if err := lockDown(dir, slog.New(slog.NewTextHandler(&logged, nil))); err != nil || logged.Len() != 0 {
		t.Errorf("second start: %v\n%s", err, logged.String())
	}
}
