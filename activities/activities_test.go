package activities

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/closeloop/closeloop/calendar"
	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/mail"
	"github.com/closeloop/closeloop/workflows"
)

// Rule C11: a phone complaint registered after hours gets the earlier of
// 24 hours and 1 working day; the other is kept as an alternative.
func TestComputeDuePicksEarliest(t *testing.T) {
	cal := calendar.MustDefault()
	a := &Activities{Calendar: cal}
	start := time.Date(2026, 11, 23, 20, 0, 0, 0, cal.Location())
	res, err := a.ComputeDue(context.Background(), workflows.DueRequest{Start: start, Spans: []calendar.Span{
		{N: 24, Unit: calendar.Hours}, {N: 1, Unit: calendar.WorkingDays}}})
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 11, 24, 18, 0, 0, 0, cal.Location())
	if !res.At.Equal(want) || res.Explanation.Span.Unit != calendar.WorkingDays {
		t.Fatalf("due %v (%s), want %v by working days", res.At, res.Explanation.Span, want)
	}
	if len(res.Also) != 1 || res.Also[0].Span.Unit != calendar.Hours {
		t.Fatalf("alternatives %+v, want the 24-hour one", res.Also)
	}
	// Registered in the morning, 24 hours is earlier.
	morning := time.Date(2026, 11, 23, 9, 30, 0, 0, cal.Location())
	res, err = a.ComputeDue(context.Background(), workflows.DueRequest{Start: morning, Spans: []calendar.Span{
		{N: 24, Unit: calendar.Hours}, {N: 1, Unit: calendar.WorkingDays}}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.At.Equal(morning.Add(24 * time.Hour)) {
		t.Fatalf("morning due %v, want %v", res.At, morning.Add(24*time.Hour))
	}
	if _, err := a.ComputeDue(context.Background(), workflows.DueRequest{Start: start}); err == nil {
		t.Fatal("no span: want an error")
	}
}

// A retried send must not store a second notice or overwrite the first.
func TestOutboxIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	first := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	o := &Outbox{Dir: dir, Now: func() time.Time { return first }}
	n := workflows.Notice{ID: "TS-20261123-0001:customer_ack:customer:r0:e1", CaseNo: "TS-20261123-0001", Kind: workflows.NoticeCustomerAck}
	r1, err := o.Send(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	o.Now = func() time.Time { return first.Add(time.Hour) }
	r2, err := o.Send(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	if r1 != r2 {
		t.Fatalf("results differ: %+v vs %+v", r1, r2)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 1 {
		t.Fatalf("outbox holds %d files, want 1: %v", len(files), files)
	}
	entries, err := o.List("TS-20261123-0001")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || !entries[0].StoredAt.Equal(first) {
		t.Fatalf("entries %+v, want the first send kept", entries)
	}
	if other, _ := o.List("TS-20261123-0002"); len(other) != 0 {
		t.Fatalf("list for another case: %+v", other)
	}
	if _, err := o.Send(context.Background(), workflows.Notice{}); err == nil {
		t.Fatal("notice without ID: want an error")
	}
	// A stray file does not break listing silently.
	if err := os.WriteFile(filepath.Join(dir, "broken.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := o.List(""); err == nil {
		t.Fatal("broken outbox file: want an error")
	}
}

// Quiet hours: a customer notice at night waits for 08:00, a staff reminder
// for business hours, anything urgent or with quiet hours off goes at once.
func TestSendAt(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	night := time.Date(2026, 11, 23, 22, 0, 0, 0, sh)
	a := &Activities{Calendar: calendar.MustDefault()}
	for _, tc := range []struct {
		req  workflows.SendAtRequest
		off  bool
		want time.Time
	}{
		{workflows.SendAtRequest{At: night, Kind: workflows.NoticeCustomerAck, Role: "customer"}, false, time.Date(2026, 11, 24, 8, 0, 0, 0, sh)},
		{workflows.SendAtRequest{At: night, Kind: workflows.NoticeReminder, Role: "handler"}, false, time.Date(2026, 11, 24, 9, 0, 0, 0, sh)},
		{workflows.SendAtRequest{At: night, Kind: workflows.NoticeEscalation, Role: "management", Urgent: true}, false, night},
		{workflows.SendAtRequest{At: night, Kind: workflows.NoticeAssignment, Role: "handler"}, false, night},
		{workflows.SendAtRequest{At: night, Kind: workflows.NoticeCustomerAck, Role: "customer"}, true, night},
	} {
		a.Quiet = &QuietHours{From: 21 * 60, To: 8 * 60, Off: tc.off}
		got, err := a.SendAt(context.Background(), tc.req)
		if err != nil || !got.At.Equal(tc.want) {
			t.Errorf("%+v off=%t: %v %v, want %v", tc.req, tc.off, got.At.In(sh), err, tc.want)
		}
	}
}

// A fixed clock computed from a span is explained through the calendar
// while the calendar still lands on its instant; once it no longer does
// (the override file changed since the booking) the instant stands with
// the bare explanation. Without a span nothing changes.
func TestComputeDueFixedWithin(t *testing.T) {
	cal := calendar.MustDefault()
	a := &Activities{Calendar: cal}
	start := time.Date(2027, 12, 20, 10, 0, 0, 0, cal.Location())
	span := calendar.Span{N: 10, Unit: calendar.WorkingDays}
	due, err := cal.Due(start, span)
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.ComputeDue(context.Background(), workflows.DueRequest{Start: start, At: due.At, Within: &span})
	if err != nil {
		t.Fatal(err)
	}
	if !res.At.Equal(due.At) || res.Explanation.Span != span || !res.Explanation.Provisional {
		t.Errorf("fixed from a span: %v %+v, want %v explained as provisional working days", res.At, res.Explanation, due.At)
	}
	other := due.At.Add(24 * time.Hour)
	for _, req := range []workflows.DueRequest{{Start: start, At: other, Within: &span}, {Start: start, At: due.At}} {
		res, err := a.ComputeDue(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if !res.At.Equal(req.At) || res.Explanation.Span.Unit != "" || res.Explanation.IsProvisional() {
			t.Errorf("%+v: %v %+v, want the instant with the bare explanation", req, res.At, res.Explanation)
		}
	}
}

type caseReader struct {
	v   workflows.CaseView
	err error
}

func (c caseReader) Case(context.Context, string) (workflows.CaseView, error) { return c.v, c.err }

type lastNotice struct{ n workflows.Notice }

func (l *lastNotice) Send(_ context.Context, n workflows.Notice) (workflows.NoticeResult, error) {
	l.n = n
	return workflows.NoticeResult{ID: n.ID, Channel: "test"}, nil
}

// Rule U1: the acknowledgement's e-mail names the matter and the promised
// times, read from the case when the notice is sent (the workflow's notice
// carries neither); a case that cannot be read still gets its notice.
func TestSendNoticeAddsTheCaseU1(t *testing.T) {
	due := time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)
	v := workflows.CaseView{No: "TS-20261123-0001", Type: "complaint",
		Form:      &forms.Complaint{ComplainantName: "张伟", Content: "lift stuck between floors"},
		Deadlines: []workflows.Deadline{{Name: "first_feedback", Due: due, State: workflows.DeadlinePending}}}
	sent := &lastNotice{}
	a := &Activities{Notifier: sent, Reader: caseReader{v: v}}
	n := workflows.Notice{ID: "n1", CaseNo: v.No, Kind: workflows.NoticeCustomerAck, To: workflows.Recipient{Role: "customer"},
		Fields: map[string]string{"x": "1"}}
	if _, err := a.SendNotice(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	r, _ := mail.NewRenderer("https://closeloop.example.com", calendar.MustDefault().Location())
	m, err := r.Render(sent.n, mail.Address{Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Subject, "lift stuck between floors") || !strings.Contains(m.Text, "A first reply to you: by 2026-11-24 10:00 (Beijing time, UTC+8)") {
		t.Errorf("acknowledgement without the case: %q / %q", m.Subject, m.Text)
	}
	if len(n.Fields) != 1 {
		t.Errorf("the workflow's notice was changed: %v", n.Fields)
	}
	a.Reader = caseReader{err: errors.New("engine busy")}
	if _, err := a.SendNotice(context.Background(), n); err != nil || sent.n.Fields["x"] != "1" {
		t.Errorf("notice not sent as it was when the case could not be read: %v %v", err, sent.n.Fields)
	}
}
