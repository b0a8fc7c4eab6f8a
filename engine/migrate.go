package engine

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"go.temporal.io/server/common/persistence"
	serverschema "go.temporal.io/server/schema"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	_ "modernc.org/sqlite" // the same pure-Go SQLite as the engine's plugin
)

// The server's SQLite plugin creates its schema on an empty file ("setup")
// and leaves an existing file as it is: it records no schema version and
// runs none of the versioned updates. A data directory written by an older
// engine therefore lacks what a newer server added (from server v1.30 to
// v1.32: the table current_chasm_executions, schema 0.11, and two
// generated columns of the search index). upgradeSchema compares each
// file with the schema built into this server and adds what is missing:
// tables, virtual tables, indexes and triggers by name, and columns of
// existing tables. Before it changes a file it saves a copy of it in a
// backup folder of the data directory. A file that is up to date is not
// touched, so the upgrade happens once.

const (
	temporalSchemaFile   = "sqlite/v3/temporal/schema.sql"
	visibilitySchemaFile = "sqlite/v3/visibility/schema.sql"
)

// SchemaBackupDir is the folder, under the data directory, of the copies
// taken before an upgrade of the engine's schema.
func SchemaBackupDir(dataDir string, at time.Time) string {
	return filepath.Join(dataDir, "backup-before-schema-"+sqliteschema.Version+"-"+at.UTC().Format("20060102T150405Z"))
}

// upgradeSchema brings existing database files to this server's schema,
// after a backup; it returns the backup folder, or "" when nothing needed
// changing.
func (e *Engine) upgradeSchema(now time.Time) (string, error) {
	if _, err := os.Stat(e.DatabaseFile()); err != nil {
		return "", nil // a new data directory: setup makes the whole schema
	}
	files := map[string][]string{e.DatabaseFile(): {temporalSchemaFile}}
	if e.visibility {
		files[e.VisibilityFile()] = []string{visibilitySchemaFile}
	} else {
		files[e.DatabaseFile()] = append(files[e.DatabaseFile()], visibilitySchemaFile)
	}
	plans := map[string][]string{}
	for file, schemas := range files {
		if _, err := os.Stat(file); err != nil {
			continue
		}
		var stmts []string
		for _, s := range schemas {
			b, err := fs.ReadFile(serverschema.Assets(), s)
			if err != nil {
				return "", fmt.Errorf("engine schema %s: %w", s, err)
			}
			p, err := missingSchema(file, b)
			if err != nil {
				return "", err
			}
			stmts = append(stmts, p...)
		}
		if len(stmts) > 0 {
			plans[file] = stmts
		}
	}
	if len(plans) == 0 {
		return "", nil
	}
	backup := SchemaBackupDir(e.opts.DataDir, now)
	if err := os.MkdirAll(backup, 0o750); err != nil {
		return "", fmt.Errorf("engine schema backup: %w", err)
	}
	// Back up every file first, then change them.
	for file := range files {
		if _, err := os.Stat(file); err != nil {
			continue
		}
		if err := vacuumInto(file, filepath.Join(backup, filepath.Base(file))); err != nil {
			return "", err
		}
	}
	for file, stmts := range plans {
		if err := apply(file, stmts); err != nil {
			return "", fmt.Errorf("engine schema upgrade of %s (backup in %s): %w", file, backup, err)
		}
		e.opts.Logger.Info("engine schema upgraded", "file", file, "statements", len(stmts), "backup", backup, "schema", sqliteschema.Version)
	}
	return backup, nil
}

func open(file string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", file, err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// vacuumInto writes a consistent copy of file (its WAL included) to dst.
func vacuumInto(file, dst string) error {
	db, err := open(file)
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	if _, err := db.Exec(`VACUUM INTO ?`, dst); err != nil {
		return fmt.Errorf("back up %s: %w", file, err)
	}
	return nil
}

func apply(file string, stmts []string) error {
	db, err := open(file)
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	tx, err := db.BeginTx(context.Background(), nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	for _, s := range stmts {
		if _, err := tx.Exec(s); err != nil {
			return fmt.Errorf("%q: %w", s, err)
		}
	}
	return tx.Commit()
}

var (
	createTable  = regexp.MustCompile(`(?is)^CREATE\s+(VIRTUAL\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\s*(.*)$`)
	createNamed  = regexp.MustCompile(`(?is)^CREATE\s+(?:UNIQUE\s+)?(INDEX|TRIGGER)\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)`)
	lineComment  = regexp.MustCompile(`--[^\n]*`)
	storedSuffix = regexp.MustCompile(`(?i)\s+STORED\s*$`)
	notColumn    = regexp.MustCompile(`(?i)^(PRIMARY\s+KEY|UNIQUE|CONSTRAINT|CHECK|FOREIGN\s+KEY)\b`)
)

// missingSchema lists the statements that add to file what schema has and
// file lacks.
func missingSchema(file string, schema []byte) ([]string, error) {
	stmts, err := persistence.LoadAndSplitQueryFromReaders([]io.Reader{bytes.NewReader(schema)})
	if err != nil {
		return nil, err
	}
	db, err := open(file)
	if err != nil {
		return nil, err
	}
	defer func() { _ = db.Close() }()
	have := map[string]bool{}
	rows, err := db.Query(`SELECT type, name FROM sqlite_master`)
	if err != nil {
		return nil, fmt.Errorf("read schema of %s: %w", file, err)
	}
	for rows.Next() {
		var typ, name string
		if err := rows.Scan(&typ, &name); err != nil {
			_ = rows.Close()
			return nil, err
		}
		have[strings.ToLower(typ+" "+name)] = true
	}
	_ = rows.Close()
	var out []string
	for _, s := range stmts {
		s = strings.TrimSpace(lineComment.ReplaceAllString(s, ""))
		if m := createTable.FindStringSubmatch(s); m != nil {
			name := m[2]
			if !have["table "+strings.ToLower(name)] {
				out = append(out, s)
				continue
			}
			if m[1] != "" {
				continue // a virtual table's columns are its module's
			}
			cols, err := columns(db, name)
			if err != nil {
				return nil, err
			}
			for _, def := range columnDefs(m[3]) {
				col := strings.Trim(strings.Fields(def)[0], "`\"")
				if cols[strings.ToLower(col)] {
					continue
				}
				// SQLite adds generated columns only as VIRTUAL; they read
				// the same values as the STORED ones a new file has.
				out = append(out, "ALTER TABLE "+name+" ADD COLUMN "+storedSuffix.ReplaceAllString(def, ""))
			}
			continue
		}
		if m := createNamed.FindStringSubmatch(s); m != nil && !have[strings.ToLower(m[1]+" "+m[2])] {
			out = append(out, s)
		}
	}
	return out, nil
}

func columns(db *sql.DB, table string) (map[string]bool, error) {
	rows, err := db.Query(`SELECT name FROM pragma_table_xinfo(?)`, table)
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	defer func() { _ = rows.Close() }()
	cols := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		cols[strings.ToLower(name)] = true
	}
	return cols, rows.Err()
}

// columnDefs splits the body of a CREATE TABLE, "(…) [options]", into its
// column definitions, leaving out table constraints.
func columnDefs(body string) []string {
	start, end := strings.Index(body, "("), strings.LastIndex(body, ")")
	if start < 0 || end <= start {
		return nil
	}
	body = body[start+1 : end]
	var defs []string
	depth, from := 0, 0
	flush := func(to int) {
		def := strings.TrimSpace(body[from:to])
		if def != "" && !notColumn.MatchString(def) {
			defs = append(defs, def)
		}
	}
	for i, r := range body {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				flush(i)
				from = i + 1
			}
		}
	}
	flush(len(body))
	return defs
}
