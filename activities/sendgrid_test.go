package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/closeloop/closeloop/identity"
	"github.com/closeloop/closeloop/mail"
	"github.com/closeloop/closeloop/workflows"
)

// fakeSendGrid checks the v3 mail/send contract and answers with the
// faults queued in script (429, 500, "timeout"), then 202.
type fakeSendGrid struct {
	t        *testing.T
	mu       sync.Mutex
	script   []string
	accepted map[string]int // notice ID + recipient → messages accepted
	// noActivity answers the Email Activity API with 403, as SendGrid
	// does for an account without the add-on.
	noActivity bool
	lookups    int
}

func (f *fakeSendGrid) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.Path == "/v3/messages" {
		f.activity(w, r)
		return
	}
	f.mu.Lock()
	var next string
	if len(f.script) > 0 {
		next, f.script = f.script[0], f.script[1:]
	}
	f.mu.Unlock()
	if r.Method != http.MethodPost || r.URL.Path != "/v3/mail/send" || r.Header.Get("Authorization") != "Bearer SG.test-key" {
		f.t.Errorf("request %s %s auth %q", r.Method, r.URL.Path, r.Header.Get("Authorization"))
	}
	b, _ := io.ReadAll(r.Body)
	var body struct {
		From             struct{ Email, Name string } `json:"from"`
		Subject          string                       `json:"subject"`
		Personalizations []struct {
			To []struct{ Email string } `json:"to"`
		} `json:"personalizations"`
		Content []struct {
			Type, Value string
		} `json:"content"`
		CustomArgs map[string]string `json:"custom_args"`
	}
	if err := json.Unmarshal(b, &body); err != nil {
		f.t.Errorf("body: %v", err)
	}
	if body.From.Email != "noreply@closeloop.example.com" || body.Subject == "" || len(body.Personalizations) != 1 ||
		len(body.Personalizations[0].To) != 1 || len(body.Content) != 2 || body.Content[0].Type != "text/plain" ||
		body.Content[1].Type != "text/html" || body.CustomArgs["notice_id"] == "" || body.CustomArgs["case_no"] == "" {
		f.t.Errorf("v3 mail/send body does not follow the contract: %s", b)
	}
	switch next {
	case "429":
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(3*time.Second).Unix(), 10))
		w.WriteHeader(http.StatusTooManyRequests)
		return
	case "500":
		w.WriteHeader(http.StatusInternalServerError)
		return
	case "timeout":
		time.Sleep(300 * time.Millisecond)
		w.WriteHeader(http.StatusAccepted) // too late: the client gave up
		return
	case "400":
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"errors":[{"message":"The from address does not match a verified Sender Identity","field":"from"}]}`))
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.accepted == nil {
		f.accepted = map[string]int{}
	}
	f.accepted[body.CustomArgs["notice_id"]+"|"+body.Personalizations[0].To[0].Email]++
	w.Header().Set("X-Message-Id", "msg-"+strconv.Itoa(len(f.accepted)))
	w.WriteHeader(http.StatusAccepted)
}

// activity answers unique_args['notice_id']="…" AND to_email="…".
func (f *fakeSendGrid) activity(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	if f.noActivity {
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"errors":[{"message":"access forbidden"}]}`))
		return
	}
	var id, to string
	if _, err := fmt.Sscanf(r.URL.Query().Get("query"), "unique_args['notice_id']=%q AND to_email=%q", &id, &to); err != nil {
		f.t.Errorf("activity query %q: %v", r.URL.Query().Get("query"), err)
	}
	var msgs []map[string]string
	if f.accepted[id+"|"+to] > 0 {
		msgs = append(msgs, map[string]string{"msg_id": "found-" + id, "to_email": to, "status": "delivered"})
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"messages": msgs})
}

func newSendGrid(t *testing.T, srv *httptest.Server) *SendGrid {
	r, err := mail.NewRenderer("https://closeloop.example.com", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	hash, _ := identity.HashPassword("correct horse battery")
	dir, err := identity.New(identity.File{Departments: []identity.Department{{Code: "property"}},
		Users: []identity.User{
			{Username: "head.p", Role: identity.RoleDeptHead, Department: "property", Email: "head@example.com", Language: "en", PasswordHash: hash},
			{Username: "head.q", Role: identity.RoleDeptHead, Department: "property", Email: "head2@example.com", Language: "zh-CN", PasswordHash: hash},
		}})
	if err != nil {
		t.Fatal(err)
	}
	return &SendGrid{APIKey: "SG.test-key", Host: srv.URL, FromEmail: "noreply@closeloop.example.com", FromName: "Closeloop",
		Timeout: 100 * time.Millisecond, Renderer: r, Directory: dir, Ledger: &Ledger{Dir: t.TempDir()}, Failed: &Outbox{Dir: t.TempDir()}}
}

func escalationNotice() workflows.Notice {
	return workflows.Notice{ID: "TS-20261123-0001:escalation:dept_head:r0:e7", CaseNo: "TS-20261123-0001", CaseType: "complaint",
		Kind: workflows.NoticeEscalation, To: workflows.Recipient{Role: "dept_head", Department: "property"}, Language: "zh-CN",
		Reason: "first feedback missed", Customer: "张伟", Fields: map[string]string{"level": "dept_head", "from": "handler"}}
}

// Rules C10, E3: 429 (honouring X-RateLimit-Reset), 500 and timeouts are
// retried; once the faults clear every recipient gets the notice once, in
// their own language, and a retry after success sends nothing.
func TestSendGridRetriesUntilDeliveredOnce(t *testing.T) {
	fake := &fakeSendGrid{t: t, script: []string{"429", "500", "timeout"}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	sg := newSendGrid(t, srv)
	n := escalationNotice()
	var errs []error
	for range 10 {
		_, err := sg.Send(context.Background(), n)
		if err == nil {
			break
		}
		errs = append(errs, err)
	}
	if len(errs) != 3 {
		t.Fatalf("faults seen %v, want 429, 500 and a timeout", errs)
	}
	var app *temporal.ApplicationError
	if !errors.As(errs[0], &app) || app.NonRetryable() || app.NextRetryDelay() < 2*time.Second || app.NextRetryDelay() > 4*time.Second {
		t.Errorf("429: %v, want a retryable error waiting until X-RateLimit-Reset", errs[0])
	}
	for _, err := range errs[1:] {
		if errors.As(err, &app) && app.NonRetryable() {
			t.Errorf("%v is not retried", err)
		}
	}
	// The fake does not count the 202 it sends after the client gave up; a
	// real SendGrid may have taken that message, which no client can know
	// (there is no idempotency key). The ledger guards every 202 seen.
	time.Sleep(400 * time.Millisecond)
	for _, to := range []string{"head@example.com", "head2@example.com"} {
		if got := fake.accepted[n.ID+"|"+to]; got != 1 {
			t.Errorf("%s got the notice %d times, want once", to, got)
		}
	}
	before := len(fake.accepted)
	if res, err := sg.Send(context.Background(), n); err != nil || res.Channel != "sendgrid" || len(fake.accepted) != before {
		t.Fatalf("resend after delivery: %+v %v", res, err)
	}
	// A 429 or 500 is a definite no; only the timeout left the message in
	// doubt, so only the attempt after it asked SendGrid.
	if fake.lookups != 1 {
		t.Errorf("%d Email Activity look-ups, want 1 (after the timeout)", fake.lookups)
	}
}

// The worker dies after SendGrid accepted a message and before it could
// report back: the retry finds the message in the ledger and sends nothing.
func TestSendGridNoDuplicateAfterCrash(t *testing.T) {
	for _, tc := range []struct {
		name       string
		noActivity bool
		want       int // messages per head SendGrid ends up with
	}{
		{"SendGrid tells", false, 1},
		// Without the Email Activity API nobody can tell: at least once.
		{"SendGrid cannot tell", true, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := &fakeSendGrid{t: t, noActivity: tc.noActivity}
			srv := httptest.NewServer(fake)
			defer srv.Close()
			sg := newSendGrid(t, srv)
			// The worker dies after SendGrid accepted the first head's
			// message and before the ledger has it.
			sg.posted = func(string) error { return errors.New("worker killed") }
			n := escalationNotice()
			if _, err := sg.Send(context.Background(), n); err == nil {
				t.Fatal("the simulated crash did not fail the attempt")
			}
			// Another worker: a fresh notifier over the same ledger.
			again := newSendGrid(t, srv)
			again.Ledger = sg.Ledger
			if _, err := again.Send(context.Background(), n); err != nil {
				t.Fatal(err)
			}
			// And a third attempt finds both in the ledger.
			if _, err := again.Send(context.Background(), n); err != nil {
				t.Fatal(err)
			}
			if len(fake.accepted) != 2 || fake.accepted[n.ID+"|head@example.com"] != tc.want || fake.accepted[n.ID+"|head2@example.com"] != 1 {
				t.Errorf("accepted %v, want %d for the in-doubt head and 1 for the other", fake.accepted, tc.want)
			}
			if fake.lookups != 1 {
				t.Errorf("%d activity look-ups, want 1 (only the in-doubt message)", fake.lookups)
			}
		})
	}
}

// A refused message (400) is not retried; SendGrid's reason is in the
// error the case timeline shows and in the outbox.
func TestSendGridRefusalIsFinal(t *testing.T) {
	fake := &fakeSendGrid{t: t, script: []string{"400"}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	sg := newSendGrid(t, srv)
	_, err := sg.Send(context.Background(), escalationNotice())
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || !app.NonRetryable() || app.Type() != ErrMailRejected || !strings.Contains(app.Error(), "verified Sender Identity") {
		t.Fatalf("400: %v", err)
	}
	entries, _ := sg.Failed.List("TS-20261123-0001")
	if len(entries) != 1 || entries[0].Status != "failed" || !strings.Contains(entries[0].Error, "verified Sender Identity") {
		t.Fatalf("outbox %+v", entries)
	}
}

// Staff are found in the directory by role and department; a customer
// without an e-mail address gets nothing, quietly; a role nobody holds is
// a clear failure.
func TestAddresses(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	sg := newSendGrid(t, srv)
	got, err := Addresses(escalationNotice(), sg.Directory)
	if err != nil || len(got) != 2 || !got[0].Staff || got[0].Language != "en" {
		t.Fatalf("heads %+v %v", got, err)
	}
	if got, err := Addresses(workflows.Notice{To: workflows.Recipient{Role: "customer"}}, sg.Directory); err != nil || len(got) != 0 {
		t.Fatalf("customer without e-mail: %+v %v", got, err)
	}
	_, err = Addresses(workflows.Notice{To: workflows.Recipient{Role: "management"}}, sg.Directory)
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || app.Type() != ErrNoAddress {
		t.Fatalf("nobody in management: %v", err)
	}
}

// Issue 17, a full disk: a ledger that cannot write its claim sends
// nothing and fails the attempt (retryable); once it can, each recipient
// gets the notice exactly once.
func TestSendGridSendsNothingWithoutClaim(t *testing.T) {
	fake := &fakeSendGrid{t: t}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	sg := newSendGrid(t, srv)
	// A file where the ledger's directory should be: every write fails.
	dir := filepath.Join(t.TempDir(), "ledger")
	if err := os.WriteFile(dir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	sg.Ledger = &Ledger{Dir: dir}
	n := escalationNotice()
	for range 3 {
		_, err := sg.Send(context.Background(), n)
		var app *temporal.ApplicationError
		if err == nil || (errors.As(err, &app) && app.NonRetryable()) {
			t.Fatalf("send over an unwritable ledger: %v, want a retryable error", err)
		}
	}
	if len(fake.accepted) != 0 {
		t.Fatalf("sent %v without a recorded claim", fake.accepted)
	}
	// The disk has room again.
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := sg.Send(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
	if len(fake.accepted) != 2 || fake.accepted[n.ID+"|head@example.com"] != 1 || fake.accepted[n.ID+"|head2@example.com"] != 1 {
		t.Fatalf("accepted %v, want each head once", fake.accepted)
	}
}

// recordFails is a ledger whose claims are written but whose records fail
// (the disk filled between the two).
type recordFails struct{ MailLedger }

func (recordFails) Record(context.Context, string, string) error {
	return errors.New("no space left on device")
}

// Issue 17: SendGrid accepted, the record failed, the activity's end was
// lost: the retry finds the claim, asks SendGrid, and sends nothing again.
func TestSendGridRecordFailureDoesNotResend(t *testing.T) {
	fake := &fakeSendGrid{t: t}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	sg := newSendGrid(t, srv)
	ledger := sg.Ledger
	sg.Ledger = recordFails{ledger}
	n := escalationNotice()
	if _, err := sg.Send(context.Background(), n); err != nil {
		t.Fatalf("send with records failing: %v", err)
	}
	sg.Ledger = ledger
	if _, err := sg.Send(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	if len(fake.accepted) != 2 || fake.accepted[n.ID+"|head@example.com"] != 1 || fake.accepted[n.ID+"|head2@example.com"] != 1 {
		t.Fatalf("accepted %v, want each head once", fake.accepted)
	}
	if fake.lookups != 2 {
		t.Errorf("%d look-ups, want 2 (both claims in doubt)", fake.lookups)
	}
}
