package test

// Issue 17, faults that repeat nothing: the all-in-one process runs on a
// small filesystem that fills up during a burst of registrations with
// e-mail in flight, and is killed with kill -9 under a registration.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/closeloop/closeloop/workflows"
)

// TestFullDiskRepeatsNothing fills the data directory's filesystem while
// complaints are registered and acknowledged by e-mail: /readyz answers 503
// with the reason while the disk is full and 200 once it has room, every
// registration a client retried with its Idempotency-Key answers one case,
// every case acknowledged is complete (clocks armed, acknowledgement sent),
// no e-mail goes out twice and no case number is left without a case. Then
// a registration interrupted by kill -9 and retried with its key answers
// the same case.
func TestFullDiskRepeatsNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary on a small filesystem; skipped with -short")
	}
	mnt := smallFilesystem(t, "96m")
	sink := newSendgridSink(t)
	sink.set(func(s *sendgridSink) { s.delay = time.Second }) // e-mail in flight
	t.Setenv("SENDGRID_API_KEY", "SG.cluster-test")
	t.Setenv("SENDGRID_HOST", sink.srv.URL)
	s := &system{t: t, bin: buildBinary(t), dataDir: filepath.Join(mnt, "data"), httpPort: freePort(t), tPort: freeEnginePort(t)}
	s.start()
	defer func() {
		if s.cmd.ProcessState == nil {
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	}()
	form := exampleComplaint(t)

	// The burst: four clients register complaints, each retrying a failed
	// attempt with the same key until it is answered.
	var mu sync.Mutex
	byKey := map[string]string{} // key → the case its answers named
	var failed atomic.Int64      // attempts answered with an error, then retried
	var stopped sync.WaitGroup
	done := make(chan struct{})
	var errs []error
	for c := range 4 {
		stopped.Add(1)
		go func() {
			defer stopped.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				key := fmt.Sprintf("burst-%d-%d", c, i)
				no, err := registerUntilAnswered(s, form, key, 2*time.Minute, &failed)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					byKey[key] = no
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	acked := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(byKey)
	}
	waitFor(t, time.Minute, "10 registrations before the disk fills", func() bool { return acked() >= 10 })

	// The disk fills while SendGrid holds messages whose records follow.
	waitFor(t, 30*time.Second, "e-mail in flight", func() bool {
		inflight, _, _, _ := sink.stats()
		return inflight >= 2
	})
	filler := filepath.Join(mnt, "filler")
	if err := fill(filler); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	var reason string
	waitFor(t, 20*time.Second, "/readyz 503 with the disk full", func() bool {
		code, body := readyz(s)
		reason = body
		return code == http.StatusServiceUnavailable
	})
	t.Logf("disk full: /readyz 503 after %s: %s", time.Since(began).Round(100*time.Millisecond), strings.TrimSpace(reason))
	if !strings.Contains(reason, "no space left") {
		t.Errorf("/readyz does not say the disk is full: %s", reason)
	}
	time.Sleep(8 * time.Second) // registrations and e-mail fail meanwhile
	if code, _ := readyz(s); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz %d with the disk still full, want 503", code)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	freed := time.Now()
	waitFor(t, 30*time.Second, "/readyz 200 once the disk has room", func() bool {
		code, _ := readyz(s)
		return code == http.StatusOK
	})
	t.Logf("disk freed: /readyz 200 after %s", time.Since(freed).Round(100*time.Millisecond))
	before := acked()
	waitFor(t, time.Minute, "registrations after the disk has room", func() bool { return acked() >= before+8 })
	close(done)
	stopped.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	if failed.Load() == 0 {
		t.Error("no registration failed while the disk was full: the test did not test the full disk")
	}
	_, _, _, lookups := sink.stats()
	t.Logf("%d registrations, %d failed attempts retried with their keys; %d e-mails asked after at SendGrid", len(byKey), failed.Load(), lookups)

	// Each key answered one case, and no two keys the same one.
	nos := make([]string, 0, len(byKey))
	owner := map[string]string{}
	for key, no := range byKey {
		if other, ok := owner[no]; ok {
			t.Errorf("%s answered for two registrations: %s and %s", no, other, key)
		}
		owner[no] = key
		nos = append(nos, no)
	}

	// A registration cut off by kill -9, retried with its key once the
	// process is back, answers one case; asked again, the same one.
	key := "killed-mid-registration"
	first := make(chan string, 1)
	go func() {
		code, no, _ := register(s, form, key)
		if code == http.StatusCreated || code == http.StatusOK {
			first <- no
		}
		close(first)
	}()
	time.Sleep(40 * time.Millisecond)
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-s.exited
	s.start()
	no, err := registerUntilAnswered(s, form, key, time.Minute, &failed)
	if err != nil {
		t.Fatal(err)
	}
	if answered, ok := <-first; ok && answered != no {
		t.Errorf("the killed attempt answered %s, its retry %s", answered, no)
	}
	code, again, err := register(s, form, key)
	if err != nil || code != http.StatusOK || again != no {
		t.Errorf("registration retried with its key: %d %s %v, want 200 and %s", code, again, err, no)
	}
	nos = append(nos, no)
	t.Logf("%d complaints registered through a full disk and a kill -9", len(nos))

	// Every case is complete: open, clocks armed, acknowledged once.
	tc := dialEngine(t, s)
	defer tc.Close()
	for _, no := range nos {
		c := s.get(no)
		if c.Status == workflows.StatusClosed || c.Status == "" {
			t.Errorf("%s is %q, want open", no, c.Status)
		}
		if due, _ := c.deadline("first_feedback"); due.IsZero() {
			t.Errorf("%s has no first-feedback clock: %+v", no, c.Deadlines)
		}
		checkPendingTimers(t, tc, no)
	}
	waitFor(t, 90*time.Second, "an acknowledgement e-mail for every case", func() bool {
		return sink.count(workflows.NoticeCustomerAck, nos) >= len(nos)
	})
	for k, n := range sink.messages(nos) {
		if n != 1 {
			t.Errorf("e-mail %s accepted %d times", k, n)
		}
	}
	if n := sink.count(workflows.NoticeCustomerAck, nos); n != len(nos) {
		t.Errorf("%d acknowledgements for %d cases", n, len(nos))
	}

	// Every number handed out today belongs to a case: a retry under its
	// key reused the number its cut-off attempt took.
	last := 0
	seen := map[int]bool{}
	for _, no := range nos {
		n, _ := strconv.Atoi(no[strings.LastIndex(no, "-")+1:])
		seen[n], last = true, max(last, n)
	}
	for n := 1; n <= last; n++ {
		if !seen[n] {
			t.Errorf("case number %d of %d was taken without a case", n, last)
		}
	}
}

// smallFilesystem mounts a tmpfs of size for the test. Without the right
// to mount the test is skipped, except in CI, where it must run.
func smallFilesystem(t *testing.T, size string) string {
	t.Helper()
	mnt := filepath.Join(t.TempDir(), "fs")
	if err := os.Mkdir(mnt, 0o750); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", mnt).CombinedOutput()
	if err != nil {
		why := fmt.Sprintf("cannot mount a small filesystem (needs root or CAP_SYS_ADMIN): %v %s", err, bytes.TrimSpace(out))
		if os.Getenv("CI") == "true" {
			t.Fatal(why)
		}
		t.Skip(why)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", mnt).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", mnt, err, out)
		}
	})
	return mnt
}

// fill writes path until the filesystem has no room left.
func fill(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	chunk := make([]byte, 1<<20)
	for {
		if _, err := f.Write(chunk); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return nil
			}
			return err
		}
	}
}

// register posts a complaint as the agent with an Idempotency-Key.
func register(s *system, form map[string]any, key string) (int, string, error) {
	b, _ := json.Marshal(form)
	req, err := http.NewRequest(http.MethodPost, s.base()+"/api/v1/complaints", bytes.NewReader(b))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.tokens["agent01"])
	req.Header.Set("Idempotency-Key", key)
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	var c caseJSON
	_ = json.Unmarshal(body, &c)
	if resp.StatusCode >= 300 {
		return resp.StatusCode, "", fmt.Errorf("POST complaint %s: %d %s", key, resp.StatusCode, body)
	}
	return resp.StatusCode, c.No, nil
}

// registerUntilAnswered retries a registration with its key, as a client
// would, until the server answers it.
func registerUntilAnswered(s *system, form map[string]any, key string, patience time.Duration, failed *atomic.Int64) (string, error) {
	deadline := time.Now().Add(patience)
	for {
		code, no, err := register(s, form, key)
		if err == nil && no != "" {
			return no, nil
		}
		failed.Add(1)
		if code >= 400 && code < 500 || time.Now().After(deadline) {
			return "", err
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func readyz(s *system) (int, string) {
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(s.base() + "/readyz")
	if err != nil {
		return 0, err.Error()
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func waitFor(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after %s", what, limit)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
