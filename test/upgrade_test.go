package test

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/closeloop/closeloop/workflows"
)

// releaseData is a data directory written by the last release (commit
// 62e5059, Temporal server v1.30.8 and SDK v1.40) with
// testdata/upgrade/makedata.go: three complaints (registered; first
// feedback given; resolution paused for a child collaboration request),
// that request, a repair order and a consultation, all open with their
// clocks running, and cases.json, the cases as the API showed them.
const releaseData = "testdata/upgrade/release-62e5059.tar.gz"

// TestUpgradeFromLastRelease opens the last release's data directory with
// today's product: the engine's schema is upgraded once, after a backup;
// every case is there with the same status and deadlines; the timers the
// release armed are still pending under the new engine and then fire —
// the passed deadlines breach and escalate.
func TestUpgradeFromLastRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	untar(t, releaseData, data)
	var before []caseJSON
	b, err := os.ReadFile(filepath.Join(data, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &before); err != nil || len(before) < 6 {
		t.Fatalf("cases.json: %v (%d cases)", err, len(before))
	}
	started := time.Now()
	s := &system{t: t, bin: buildBinary(t), dataDir: data, httpPort: freePort(t), tPort: freeEnginePort(t)}
	s.start()
	defer func() {
		if s.cmd.ProcessState == nil {
			s.stop()
		}
	}()

	// The schema upgrade ran once, after copying both engine files.
	backups, _ := filepath.Glob(filepath.Join(data, "backup-before-schema-*"))
	if len(backups) != 1 {
		t.Fatalf("schema backups %v, want one", backups)
	}
	for _, f := range []string{"temporal.db", "visibility.db"} {
		if st, err := os.Stat(filepath.Join(backups[0], f)); err != nil || st.Size() == 0 {
			t.Errorf("backup of %s: %v", f, err)
		}
	}

	// Every case is listed, with its status and deadlines.
	code, list := s.callAs("qc01", http.MethodGet, "/api/v1/cases?page_size=100", nil)
	if code != http.StatusOK {
		t.Fatalf("list: %d %s", code, list)
	}
	for _, c := range before {
		if !strings.Contains(string(list), `"`+c.No+`"`) {
			t.Errorf("%s is not listed after the upgrade: %s", c.No, list)
		}
	}
	tc := dialEngine(t, s)
	defer tc.Close()
	var due []caseJSON // cases with a clock that has passed since
	for _, c := range before {
		after := getAs(t, s, "qc01", c.No)
		if after.Status != c.Status {
			t.Errorf("%s status %s after the upgrade, want %s", c.No, after.Status, c.Status)
		}
		passed := false
		for _, d := range c.Deadlines {
			got, st := after.deadline(d.Name)
			if !got.Equal(d.Due) {
				t.Errorf("%s %s due %v after the upgrade, want %v", c.No, d.Name, got, d.Due)
			}
			// A clock that passed while the data lay unopened may already
			// have breached; every other keeps its state.
			if st != d.State && (d.State != workflows.DeadlinePending || d.Due.After(started) || st != workflows.DeadlineBreached) {
				t.Errorf("%s %s %s after the upgrade, want %s", c.No, d.Name, st, d.State)
			}
			if d.State == workflows.DeadlinePending && d.Due.Before(started) {
				passed = true
			}
		}
		if passed {
			due = append(due, c)
		}
		// The timers the release armed are in the engine: pending when it
		// opened the data, fired since or still pending.
		armed, fired := releaseTimers(t, tc, c.No, started)
		if armed == 0 {
			t.Errorf("%s has no timer pending from the release", c.No)
		}
		t.Logf("%s: %s, %d timers pending from the release, %d fired since", c.No, c.Status, armed, fired)
	}
	// At least the first complaint's 3-minute first-feedback clock has
	// passed; run a day after the data was made, every clock has.
	if len(due) == 0 {
		t.Fatal("no case has a passed deadline")
	}

	// The clocks fire: every deadline that passed breaches, and its
	// breach is on the case's timeline, a complaint's with its escalation.
	deadline := time.Now().Add(2 * time.Minute)
	for _, c := range due {
		for _, d := range c.Deadlines {
			if d.State != workflows.DeadlinePending || d.Due.After(started) {
				continue
			}
			var after caseJSON
			for {
				after = getAs(t, s, "qc01", c.No)
				if _, st := after.deadline(d.Name); st == workflows.DeadlineBreached || time.Now().After(deadline) {
					break
				}
				time.Sleep(500 * time.Millisecond)
			}
			if _, st := after.deadline(d.Name); st != workflows.DeadlineBreached {
				t.Errorf("%s %s is %s two minutes after the upgrade, want breached", c.No, d.Name, st)
				continue
			}
			kinds := map[string]int{}
			for _, e := range after.Timeline {
				kinds[e.Kind]++
			}
			if kinds["deadline_breached"] == 0 {
				t.Errorf("%s timeline after the breach of %s has no deadline_breached: %v", c.No, d.Name, kinds)
			}
			// A complaint's breach climbs the escalation ladder (E3); a
			// collaboration request's is reported in its own way.
			if strings.HasPrefix(c.No, "TS-") && kinds["escalated"] == 0 {
				t.Errorf("%s timeline after the breach of %s has no escalation: %v", c.No, d.Name, kinds)
			}
		}
		armed, fired := releaseTimers(t, tc, c.No, started)
		if fired == 0 {
			t.Errorf("%s: none of its %d timers from the release fired", c.No, armed)
		}
	}
	// The paused clock stays paused: its child request is still open.
	for _, c := range before {
		if _, st := c.deadline("resolution"); st == workflows.DeadlinePaused {
			if _, st := getAs(t, s, "qc01", c.No).deadline("resolution"); st != workflows.DeadlinePaused {
				t.Errorf("%s resolution %s after the upgrade, want paused", c.No, st)
			}
		}
	}

	// A second start finds the schema current: no second backup.
	s.stop()
	s.start()
	if again, _ := filepath.Glob(filepath.Join(data, "backup-before-schema-*")); len(again) != 1 {
		t.Errorf("schema backups after a second start: %v, want still one", again)
	}
	getAs(t, s, "qc01", before[0].No)
}

// releaseTimers counts the timers of a case that the release had armed
// and not yet seen fire or cancelled (pending when the new engine opened
// the data, which happened at started), and how many of them fired since.
func releaseTimers(t *testing.T, c client.Client, no string, started time.Time) (armed, fired int) {
	t.Helper()
	startedTimers, resolved := map[int64]bool{}, map[int64]bool{}
	firedAfter := map[int64]bool{}
	it := c.GetWorkflowHistory(context.Background(), no, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		old := e.GetEventTime().AsTime().Before(started)
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_TIMER_STARTED:
			if old {
				startedTimers[e.GetEventId()] = true
			}
		case enumspb.EVENT_TYPE_TIMER_FIRED:
			id := e.GetTimerFiredEventAttributes().GetStartedEventId()
			if old {
				resolved[id] = true
			} else {
				firedAfter[id] = true
			}
		case enumspb.EVENT_TYPE_TIMER_CANCELED:
			if old {
				resolved[e.GetTimerCanceledEventAttributes().GetStartedEventId()] = true
			}
		}
	}
	for id := range startedTimers {
		if !resolved[id] {
			armed++
			if firedAfter[id] {
				fired++
			}
		}
	}
	return armed, fired
}

func getAs(t *testing.T, s *system, user, no string) caseJSON {
	t.Helper()
	code, b := s.callAs(user, http.MethodGet, "/api/v1/cases/"+no, nil)
	if code != http.StatusOK {
		t.Fatalf("get %s: %d %s", no, code, b)
	}
	var c caseJSON
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// untar unpacks a .tar.gz of regular files and folders into dst.
func untar(t *testing.T, archive, dst string) {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dst, filepath.Clean("/"+h.Name))
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(p, 0o750)
		case tar.TypeReg:
			if err = os.MkdirAll(filepath.Dir(p), 0o750); err == nil {
				var out *os.File
				if out, err = os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600); err == nil {
					_, err = io.Copy(out, tr)
					if cerr := out.Close(); err == nil {
						err = cerr
					}
				}
			}
		}
		if err != nil {
			t.Fatalf("unpack %s: %v", h.Name, err)
		}
	}
}
