package app

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// The data directory holds the engine's and the archive's databases (every
// customer's name and phone), the link key, the demo credentials and the
// outbox: nobody but the service's own user may read any of it, whatever
// the directory looked like before (an older release, an operator's
// mkdir, a restored backup).

// privateDataDir makes dir, and everything this process creates from now
// on, private to its user: it sets the process umask to 077 (files 0600,
// directories 0700 whatever mode the code or a library asks for — SQLite
// opens its -wal and -shm files 0644) and takes group and other access
// off what is there already, logging each change.
func privateDataDir(dir string, log *slog.Logger) error {
	restrictUmask()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return lockDown(dir, log)
}

// lockDown takes group and other access (and execute, on files) off
// everything under root, root included: 0755 becomes 0700, 0644 0600; a
// file kept read-only (0400) stays so. Each change is logged, the first
// few by name, then counted. Symbolic links are neither followed nor changed: what they point
// to may not be the service's to change. Sockets, pipes and devices are
// left as they are.
func lockDown(root string, log *slog.Logger) error {
	const namedChanges = 20
	var changed, failed int
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			// An unreadable subdirectory: say so and go on with the rest.
			log.Warn("data directory: cannot read", "path", path, "error", err)
			failed++
			return nil
		}
		var want fs.FileMode
		switch {
		case d.IsDir():
			want = 0o700
		case d.Type().IsRegular():
			want = 0o600
		default:
			return nil
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) { // removed meanwhile (a -shm file)
				return nil
			}
			return err
		}
		have := info.Mode().Perm()
		if have&^want == 0 {
			return nil
		}
		want &= have
		if err := os.Chmod(path, want); err != nil {
			log.Warn("data directory: cannot make private", "path", path, "mode", fmt.Sprintf("%04o", have), "error", err)
			failed++
			return nil
		}
		if changed++; changed <= namedChanges {
			log.Info("data directory: made private", "path", path, "was", fmt.Sprintf("%04o", have), "now", fmt.Sprintf("%04o", want))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("data directory %s: %w", root, err)
	}
	if changed > 0 || failed > 0 {
		log.Info("data directory: permissions checked", "dir", root, "changed", changed, "failed", failed)
	}
	return nil
}
