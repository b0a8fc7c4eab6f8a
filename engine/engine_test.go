package engine

import (
	"os"
	"path/filepath"
	"testing"
)

// A new data directory indexes workflows in a file of its own; one made
// before the split keeps its index where its workflows are.
func TestSeparateVisibilityOnlyForNewDataDirectories(t *testing.T) {
	touch := func(t *testing.T, path string) {
		t.Helper()
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name  string
		files []string
		want  bool
	}{
		{"new directory", nil, true},
		{"state only: made before the split", []string{"temporal.db"}, false},
		{"state and index", []string{"temporal.db", "visibility.db"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &Engine{opts: Options{DataDir: t.TempDir()}}
			for _, f := range tc.files {
				touch(t, filepath.Join(e.opts.DataDir, f))
			}
			if got := e.separateVisibility(); got != tc.want {
				t.Errorf("separateVisibility() = %v, want %v", got, tc.want)
			}
		})
	}
}
