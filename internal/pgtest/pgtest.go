// Package pgtest connects tests to the local PostgreSQL as its
// administrator, the same way in every package: CLOSELOOP_TEST_POSTGRES or
// the machine's default; without it a test skips with a message on a
// laptop and fails under CI=true.
package pgtest

import (
	"database/sql"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx database/sql driver
)

// Admin opens the administrator connection and its URL; it is closed when
// the test ends. what names the tests that need it, for the skip message.
func Admin(t *testing.T, what string) (*sql.DB, string) {
	t.Helper()
	admin := os.Getenv("CLOSELOOP_TEST_POSTGRES")
	if admin == "" {
		admin = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	db, err := sql.Open("pgx", admin)
	if err == nil {
		err = db.Ping()
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL not reachable under CI: %v", err)
		}
		t.Skipf("SKIP %s: PostgreSQL not reachable (%v); set CLOSELOOP_TEST_POSTGRES", what, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db, admin
}
