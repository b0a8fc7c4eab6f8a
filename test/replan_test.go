package test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/closeloop/closeloop/activities"
	"github.com/closeloop/closeloop/workflows"
	"github.com/closeloop/closeloop/workflows/sla"
)

// Issue 16, rule T2: a data directory written by the last release (commit
// 62e5059, lunar-go v1.4.6, no 2027 holidays) holds a complaint registered
// on 2026-12-06 whose result delivery, set to 60 working days by the SLA
// file, was computed as Fri 2027-02-26 18:00: New Year's Day and the
// Spring Festival counted as working days. Opened by this release,
// `closeloop calendar replan --dry-run` lists it with both times and
// changes nothing; the real run moves it to Fri 2027-03-05 18:00, records
// both times on the timeline and tells the customer (C4); a second run
// finds nothing. Staff other than the administrator are refused.
func TestCalendarReplanAfterUpgrade(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the product: skipped with -short")
	}
	s := &system{t: t, bin: buildBinary(t), dataDir: unpackData(t, "testdata/upgrade/replan-62e5059.tar.gz"),
		httpPort: freePort(t), tPort: freeEnginePort(t)}
	s.start()
	defer s.stop()
	const no = "TS-20261206-0001"
	oldDue := time.Date(2027, 2, 26, 10, 0, 0, 0, time.UTC)
	newDue := time.Date(2027, 3, 5, 10, 0, 0, 0, time.UTC)
	// The fixture's clocks run in real time: once they have fired there is
	// nothing left to re-plan (the workflow suite covers the logic at any
	// date, TestComplaint_ReplanAfterCalendarUpdate).
	nodeDue := time.Date(2027, 1, 1, 10, 0, 0, 0, time.UTC)
	if time.Now().After(oldDue.Add(-time.Hour)) {
		t.Skipf("the fixture's result delivery (%v) has passed; record a data directory whose clocks lie ahead", oldDue)
	}
	if due, state := s.get(no).deadline(sla.ResultDelivery); !due.Equal(oldDue) || state != workflows.DeadlinePending {
		t.Fatalf("before: result delivery %v %s, want %v pending (as the last release computed it)", due, state, oldDue)
	}

	replan := func(as string, args ...string) (string, error) {
		cmd := exec.Command(s.bin, append([]string{"calendar", "replan", "--server", s.base(), "--as", as}, args...)...)
		cmd.Env = append(os.Environ(), "CLOSELOOP_DATA_DIR="+s.dataDir, "CLOSELOOP_TIMEZONE=Asia/Shanghai")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := replan("admin01", "--dry-run")
	if err != nil {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	row := tableRow(no, sla.ResultDelivery, "2027-02-26 18:00", "2027-03-05 18:00", "later", "would move")
	if !strings.Contains(out, "calendar known through 2027") || !row(out) {
		t.Fatalf("dry run output lacks the case's row:\n%s", out)
	}
	// The request booked for "20 working days" got New Year's Day as its
	// time node, an agreed instant: named, not moved.
	if time.Now().Before(nodeDue) && !strings.Contains(out, "check by hand: XZ-20261206-0001 time_node due 2027-01-01 18:00 falls on a day off (元旦节)") {
		t.Errorf("dry run does not name the time node on New Year's Day:\n%s", out)
	}
	if due, _ := s.get(no).deadline(sla.ResultDelivery); !due.Equal(oldDue) {
		t.Fatalf("the dry run moved the clock to %v", due)
	}
	if out, err := replan("agent01"); err == nil || !strings.Contains(out, "HTTP 403") {
		t.Fatalf("an agent re-planned: %v\n%s", err, out)
	}

	out, err = replan("admin01")
	if err != nil {
		t.Fatalf("replan: %v\n%s", err, out)
	}
	if !tableRow(no, sla.ResultDelivery, "2027-02-26 18:00", "2027-03-05 18:00", "later", "moved")(out) {
		t.Fatalf("replan output lacks the moved row:\n%s", out)
	}
	c := s.get(no)
	if due, state := c.deadline(sla.ResultDelivery); !due.Equal(newDue) || state != workflows.DeadlinePending {
		t.Errorf("after: result delivery %v %s, want %v pending", due, state, newDue)
	}
	replanned := 0
	for _, e := range c.Timeline {
		if e.Kind == "deadline_replanned" {
			replanned++
		}
	}
	if replanned != 1 {
		t.Errorf("%d deadline_replanned events, want 1", replanned)
	}
	waitNotice(t, s.dataDir, no, workflows.NoticeCustomerReplan)

	out, err = replan("admin01")
	if err != nil || !strings.Contains(out, "open cases checked; 0 clocks moved") {
		t.Errorf("second run: %v\n%s", err, out)
	}
	if dir := os.Getenv("CLOSELOOP_RECORD_HISTORY"); dir != "" {
		// Started by the last release, re-planned by this one.
		writeHistory(t, dialEngine(t, s), no, filepath.Join(dir, "complaint_replanned_after_upgrade.json"))
	}
}

// unpackData unpacks a committed archive of a data/ folder into a new
// temporary folder and returns the data directory.
func unpackData(t *testing.T, archive string) string {
	t.Helper()
	dir := t.TempDir()
	untar(t, archive, dir)
	return filepath.Join(dir, "data")
}

// tableRow matches a row of the CLI table holding the clock and the cells
// after it, in order.
func tableRow(cells ...string) func(string) bool {
	return func(out string) bool {
		for _, line := range strings.Split(out, "\n") {
			f := strings.Join(strings.Fields(line), " ")
			if strings.Contains(f, strings.Join(cells[:2], " ")) && strings.Contains(f, strings.Join(cells[2:], " ")) {
				return true
			}
		}
		return false
	}
}

// waitNotice waits for a notice of kind on case no in the local outbox.
func waitNotice(t *testing.T, dataDir, no, kind string) {
	t.Helper()
	box := &activities.Outbox{Dir: filepath.Join(dataDir, "outbox")}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		entries, err := box.List(no)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Notice.Kind == kind {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Errorf("no %s notice for %s in the outbox after 30s", kind, no)
}
