package engine

import (
	"bytes"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/server/common/persistence"
	serverschema "go.temporal.io/server/schema"
)

// makeFile writes a SQLite file with one of the server's schemas.
func makeFile(t *testing.T, file, schema string) {
	t.Helper()
	b, err := fs.ReadFile(serverschema.Assets(), schema)
	if err != nil {
		t.Fatal(err)
	}
	stmts, err := persistence.LoadAndSplitQueryFromReaders([]io.Reader{bytes.NewReader(b)})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := apply(file, stmts); err != nil {
		t.Fatal(err)
	}
}

func execSQL(t *testing.T, file string, stmts ...string) {
	t.Helper()
	if err := apply(file, stmts); err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, file, query string, args ...any) int {
	t.Helper()
	db, err := open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A data directory from server v1.30 lacks the table and the two index
// columns that v1.32 added: the upgrade adds them after a backup, keeps
// the data, and finds nothing to do the second time.
func TestUpgradeSchemaAddsWhatAnOlderEngineLacks(t *testing.T) {
	e := &Engine{opts: Options{DataDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)}, visibility: true}
	makeFile(t, e.DatabaseFile(), temporalSchemaFile)
	makeFile(t, e.VisibilityFile(), visibilitySchemaFile)
	if got, err := e.upgradeSchema(time.Now()); err != nil || got != "" {
		t.Fatalf("current schema: backup %q, %v; want nothing done", got, err)
	}
	// What server v1.30.8's schema did not have.
	execSQL(t, e.DatabaseFile(), `DROP TABLE current_chasm_executions`)
	execSQL(t, e.VisibilityFile(),
		`ALTER TABLE executions_visibility DROP COLUMN TemporalExternalPayloadSizeBytes`,
		`ALTER TABLE executions_visibility DROP COLUMN TemporalExternalPayloadCount`)
	execSQL(t, e.DatabaseFile(), `INSERT INTO shards (shard_id, range_id, data, data_encoding) VALUES (1, 7, x'00', 'proto3')`)
	execSQL(t, e.VisibilityFile(), `INSERT INTO executions_visibility (namespace_id, run_id, start_time, execution_time, workflow_id,
		workflow_type_name, status, encoding, search_attributes) VALUES ('ns', 'run', '2026-12-01 00:00:00+00:00',
		'2026-12-01 00:00:00+00:00', 'TS-1', 'complaint', 1, 'proto3', '{"TemporalExternalPayloadCount": 2}')`)

	at := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	backup, err := e.upgradeSchema(at)
	if err != nil {
		t.Fatal(err)
	}
	if backup != SchemaBackupDir(e.opts.DataDir, at) {
		t.Fatalf("backup in %q, want %q", backup, SchemaBackupDir(e.opts.DataDir, at))
	}
	// The backup is the files as they were.
	if n := count(t, filepath.Join(backup, "temporal.db"), `SELECT count(*) FROM sqlite_master WHERE name = 'current_chasm_executions'`); n != 0 {
		t.Errorf("backup has the new table")
	}
	if n := count(t, filepath.Join(backup, "temporal.db"), `SELECT count(*) FROM shards`); n != 1 {
		t.Errorf("backup has %d shards, want 1", n)
	}
	// The files have the new schema and their data.
	if n := count(t, e.DatabaseFile(), `SELECT count(*) FROM current_chasm_executions`); n != 0 {
		t.Errorf("current_chasm_executions has %d rows", n)
	}
	if n := count(t, e.DatabaseFile(), `SELECT range_id FROM shards WHERE shard_id = 1`); n != 7 {
		t.Errorf("shard range %d after the upgrade, want 7", n)
	}
	if n := count(t, e.VisibilityFile(), `SELECT TemporalExternalPayloadCount FROM executions_visibility WHERE workflow_id = 'TS-1'`); n != 2 {
		t.Errorf("generated column reads %d, want 2", n)
	}
	for _, f := range []struct{ file, schema string }{{e.DatabaseFile(), temporalSchemaFile}, {e.VisibilityFile(), visibilitySchemaFile}} {
		b, _ := fs.ReadFile(serverschema.Assets(), f.schema)
		if left, err := missingSchema(f.file, b); err != nil || len(left) != 0 {
			t.Errorf("%s still lacks %q (%v)", f.file, left, err)
		}
	}
	// Once.
	if again, err := e.upgradeSchema(at.Add(time.Hour)); err != nil || again != "" {
		t.Errorf("second upgrade: backup %q, %v; want nothing done", again, err)
	}
}
