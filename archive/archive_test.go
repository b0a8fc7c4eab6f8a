package archive

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/internal/pgtest"
	"github.com/closeloop/closeloop/workflows"
)

// stores runs the suite against SQLite and, where it answers, PostgreSQL on
// 127.0.0.1:5432 in a fresh database; under CI PostgreSQL must be there.
func stores(t *testing.T, run func(t *testing.T, s *Store)) {
	t.Run("sqlite", func(t *testing.T) {
		s, err := Open(context.Background(), "", filepath.Join(t.TempDir(), "archive.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = s.Close() }()
		run(t, s)
	})
	t.Run("postgres", func(t *testing.T) {
		url := freshPostgres(t)
		s, err := Open(context.Background(), url, "")
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = s.Close() }()
		run(t, s)
	})
}

func freshPostgres(t *testing.T) string {
	t.Helper()
	db, _ := pgtest.Admin(t, "PostgreSQL store tests")
	name := fmt.Sprintf("closeloop_test_%d_%d", os.Getpid(), time.Now().UnixNano())
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") })
	return fmt.Sprintf("postgres://postgres@127.0.0.1:5432/%s?sslmode=disable", name)
}

func view(no string, events int, status string) workflows.CaseView {
	v := workflows.CaseView{No: no, Type: workflows.TypeComplaint, Status: status, Department: "property",
		Form:    &forms.Complaint{ComplainantName: "张伟", Channel: forms.ChannelPhone, Region: "Shanghai-Pudong"},
		Ratings: []workflows.CustomerRating{{Round: 1, Score: 4}}}
	at := time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)
	for i := range events {
		v.Timeline = append(v.Timeline, workflows.Event{At: at.Add(time.Duration(i) * time.Minute), Kind: fmt.Sprintf("e%d", i)})
	}
	if status == workflows.StatusClosed {
		c := at.Add(time.Hour)
		v.ClosedAt = &c
	}
	return v
}

// A bulk load writes as Put does, an older write of a case included.
func TestPutAll(t *testing.T) {
	stores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		err := s.PutAll(ctx, []workflows.CaseView{view("TS-20261123-0001", 3, workflows.StatusRouted),
			view("TS-20261123-0002", 9, workflows.StatusClosed), view("TS-20261123-0001", 2, workflows.StatusRegistered)})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, "TS-20261123-0001")
		if err != nil || got.Status != workflows.StatusRouted || len(got.Timeline) != 3 {
			t.Fatalf("archived %+v %v", got, err)
		}
		if open, closed, err := s.Count(ctx); err != nil || open != 1 || closed != 1 {
			t.Fatalf("count open %d closed %d %v", open, closed, err)
		}
	})
}

// Rule K1: the archive keeps the full record; writes are idempotent and a
// stale write never overwrites a newer one; migrations run once.
func TestStore(t *testing.T) {
	stores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if _, err := s.Get(ctx, "TS-20261123-0001"); err != ErrNotFound {
			t.Fatalf("empty archive: %v", err)
		}
		for _, v := range []workflows.CaseView{view("TS-20261123-0001", 3, workflows.StatusRouted), view("TS-20261123-0001", 9, workflows.StatusClosed),
			view("TS-20261123-0001", 9, workflows.StatusClosed), view("TS-20261123-0001", 5, workflows.StatusInProgress)} {
			if err := s.Put(ctx, v); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Get(ctx, "TS-20261123-0001")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != workflows.StatusClosed || len(got.Timeline) != 9 || got.Form.ComplainantName != "张伟" || len(got.Ratings) != 1 || got.ClosedAt == nil {
			t.Fatalf("archived %+v", got)
		}
		if err := s.Put(ctx, view("TS-20261123-0002", 2, workflows.StatusRouted)); err != nil {
			t.Fatal(err)
		}
		open, closed, err := s.Count(ctx)
		if err != nil || open != 1 || closed != 1 {
			t.Fatalf("count open %d closed %d %v", open, closed, err)
		}
		if err := s.migrate(ctx); err != nil {
			t.Fatalf("migrating again: %v", err)
		}
		if _, ok, err := s.Imported(ctx, "k1"); ok || err != nil {
			t.Fatalf("unknown import: %t %v", ok, err)
		}
		if ok, err := s.ReserveImport(ctx, "k1"); !ok || err != nil {
			t.Fatalf("reserve: %t %v", ok, err)
		}
		if ok, _ := s.ReserveImport(ctx, "k1"); ok {
			t.Fatal("a row was reserved twice")
		}
		if err := s.RecordImport(ctx, "k1", "TS-20261123-0001"); err != nil {
			t.Fatal(err)
		}
		if err := s.ReleaseImport(ctx, "k1"); err != nil {
			t.Fatal(err)
		}
		if no, ok, err := s.Imported(ctx, "k1"); !ok || err != nil || no != "TS-20261123-0001" {
			t.Fatalf("import: %s %t %v", no, ok, err)
		}
		// Rule K8: typical cases for the knowledge base; marking again updates.
		for _, h := range []string{"first", "calm apology, fixed in a day"} {
			if err := s.MarkTypical(ctx, Typical{CaseNo: "TS-20261123-0001", Highlights: h, Improvements: "call sooner", MarkedBy: "qc01", MarkedAt: time.Now()}); err != nil {
				t.Fatal(err)
			}
		}
		kb, err := s.TypicalCases(ctx)
		if err != nil || len(kb) != 1 || kb[0].Highlights != "calm apology, fixed in a day" {
			t.Fatalf("knowledge base %+v %v", kb, err)
		}
		// Rules K2, K3: the day's supervision samples the day's cases, is
		// evaluated once, and its grades are counted.
		from := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
		sv, err := s.OpenSupervision(ctx, "2026-11-23", from, from.Add(24*time.Hour), 10)
		if err != nil || len(sv.Sample) != 2 || sv.Evaluation != nil {
			t.Fatalf("supervision %+v %v", sv, err)
		}
		e := forms.Evaluation{Items: map[string]forms.EvaluationItem{"attitude": {Grade: "差", Problems: "rude", Measures: "training"}, "etiquette": {Grade: "优"}}}
		if ok, err := s.Evaluate(ctx, "2026-11-23", e, "qc01"); !ok || err != nil {
			t.Fatalf("evaluate: %t %v", ok, err)
		}
		if ok, _ := s.Evaluate(ctx, "2026-11-23", e, "qc01"); ok {
			t.Error("a day was evaluated twice")
		}
		grades, days, err := s.Grades(ctx, "2026-11-01", "2026-11-30")
		if err != nil || days != 1 || grades["attitude"]["差"] != 1 || grades["etiquette"]["优"] != 1 {
			t.Fatalf("grades %v %d %v", grades, days, err)
		}
		again, err := s.OpenSupervision(ctx, "2026-11-23", from, from.Add(24*time.Hour), 10)
		if err != nil || again.EvaluatedBy != "qc01" || again.Evaluation == nil || again.Evaluation.Items["attitude"].Measures != "training" {
			t.Fatalf("reopened task %+v %v", again, err)
		}
	})
}

// The mail ledger shared by every worker: a message is new when first
// claimed, in doubt when claimed again without a record, sent once
// recorded; a second record keeps the first.
func TestMailLedger(t *testing.T) {
	stores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		key := "TS-1/ack|a@example.com"
		for i, want := range []MailEntry{{}, {InDoubt: true}} {
			if e, err := s.Claim(ctx, key); err != nil || e != want {
				t.Fatalf("claim %d: %+v %v, want %+v", i+1, e, err, want)
			}
		}
		// Refused by SendGrid: released, so the next claim is a fresh one.
		if err := s.Release(ctx, key); err != nil {
			t.Fatal(err)
		}
		if e, err := s.Claim(ctx, key); err != nil || e != (MailEntry{}) {
			t.Fatalf("claim after release: %+v %v", e, err)
		}
		if err := s.Record(ctx, key, "msg-1"); err != nil {
			t.Fatal(err)
		}
		if err := s.Record(ctx, key, "msg-2"); err != nil {
			t.Fatalf("recording twice: %v", err)
		}
		if e, err := s.Claim(ctx, key); err != nil || e != (MailEntry{Sent: true, MessageID: "msg-1"}) {
			t.Fatalf("recorded key: %+v %v", e, err)
		}
		if err := s.Release(ctx, key); err != nil {
			t.Fatal(err)
		}
		if e, _ := s.Claim(ctx, key); !e.Sent {
			t.Fatalf("release dropped a recorded message: %+v", e)
		}
		// Recorded without a claim (found at SendGrid by another worker).
		if err := s.Record(ctx, "TS-1/ack|b@example.com", "msg-3"); err != nil {
			t.Fatal(err)
		}
		if e, _ := s.Claim(ctx, "TS-1/ack|b@example.com"); !e.Sent || e.MessageID != "msg-3" {
			t.Fatalf("record without claim: %+v", e)
		}
		if e, _ := s.Claim(ctx, "TS-1/ack|c@example.com"); e.Sent || e.InDoubt {
			t.Fatalf("another address of the same notice: %+v", e)
		}
	})
}

// Processes that start together (an API and several workers) migrate one
// at a time: every Open succeeds and the schema is applied once.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	url := freshPostgres(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := Open(context.Background(), url, "")
			if err == nil {
				err = s.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent open: %v", err)
		}
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	var n, versions int
	if err := db.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&n, &versions); err != nil {
		t.Fatal(err)
	}
	if n != len(migrations) || versions != len(migrations) {
		t.Fatalf("schema_migrations has %d rows (%d versions), want %d", n, versions, len(migrations))
	}
}
