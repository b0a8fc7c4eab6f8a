package activities

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/closeloop/closeloop/mail"
	"github.com/closeloop/closeloop/workflows"
)

// customerEntry is a satisfaction request to O'Brien Zhang as the outbox
// keeps it: rendered, with the live links.
func customerEntry(t *testing.T) OutboxEntry {
	t.Helper()
	r, err := mail.NewRenderer("https://cl.example", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	r.RateLink = func(workflows.Notice) string { return "https://cl.example/rate/eyJjYXNlIjoiVFMifQ.c2lnbmF0dXJl" }
	r.StatusLink = func(workflows.Notice) string { return "https://cl.example/status/c3RhdHVzLXRva2Vu.bWFj" }
	box := &Outbox{Dir: t.TempDir(), Render: func(n workflows.Notice) []mail.Message {
		var out []mail.Message
		for _, kind := range []string{workflows.NoticeSatisfactionReq, workflows.NoticeCustomerAck} {
			n.Kind = kind
			m, err := r.Render(n, mail.Address{Name: n.To.Name, Email: n.To.Email, Language: "en"})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, m)
		}
		return out
	}}
	n := workflows.Notice{ID: "n1", CaseNo: "TS-20261201-0001", CaseType: workflows.TypeComplaint, Kind: workflows.NoticeSatisfactionReq, Language: "en",
		To: workflows.Recipient{Role: "customer", Name: "O'Brien Zhang", Email: "obrien.zhang@mail.example"}, Customer: "O'Brien Zhang",
		Fields: map[string]string{"subject": "O'Brien Zhang's heating"}, CreatedAt: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	if _, err := box.Send(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	entries, err := box.List("")
	if err != nil || len(entries) != 1 {
		t.Fatalf("list: %v %d", err, len(entries))
	}
	return entries[0]
}

// P1: a masked outbox entry names the customer nowhere, in the headers or
// in the rendered text and HTML, and still says what went to whom.
func TestOutboxEntryMaskedHidesCustomerEverywhere(t *testing.T) {
	e := customerEntry(t)
	all := func(e OutboxEntry) string {
		s := e.Notice.To.Name + e.Notice.To.Email + e.Notice.Customer + e.Notice.Fields["subject"]
		for _, m := range e.Messages {
			s += m.To.Name + m.To.Email + m.Subject + m.Text + m.HTML
		}
		return s
	}
	if before := all(e); !strings.Contains(before, "Brien Zhang") || !strings.Contains(before, "obrien.zhang@") {
		t.Fatalf("the fixture does not hold the customer in clear: %s", before)
	}
	m := e.Masked()
	got := all(m)
	for _, clear := range []string{"Brien Zhang", "Brien&#39;", "obrien.zhang@", "Zhang"} {
		if strings.Contains(got, clear) {
			t.Errorf("masked entry still holds %q:\n%s", clear, got)
		}
	}
	if m.Notice.To.Email != "o***@mail.example" || m.Notice.To.Name != "O************" || m.Notice.CaseNo != e.Notice.CaseNo || len(m.Messages) != 2 {
		t.Errorf("masked entry: %+v", m.Notice)
	}
}

// A customer's links are cut to a few characters: staff cannot rate or
// look in the customer's place; the rest of the text stays.
func TestOutboxEntryHideLinksCutsRateAndStatusLinks(t *testing.T) {
	e := customerEntry(t)
	if !strings.Contains(e.Messages[0].Text, "/rate/eyJjYXNlIjoiVFMifQ.c2lnbmF0dXJl") || !strings.Contains(e.Messages[1].Text, "/status/c3RhdHVzLXRva2Vu.bWFj") {
		t.Fatalf("the fixture holds no links: %s / %s", e.Messages[0].Text, e.Messages[1].Text)
	}
	h := e.HideLinks()
	for _, m := range h.Messages {
		for _, part := range []string{m.Text, m.HTML} {
			if strings.Contains(part, "c2lnbmF0dXJl") || strings.Contains(part, "c3RhdHVzLXRva2Vu") || strings.Contains(part, "bWFj") {
				t.Errorf("a link survives:\n%s", part)
			}
		}
	}
	if !strings.Contains(h.Messages[0].Text, "https://cl.example/rate/eyJj"+HiddenLink) || !strings.Contains(h.Messages[1].Text, "/status/c3Rh"+HiddenLink) {
		t.Errorf("the cut links: %s / %s", h.Messages[0].Text, h.Messages[1].Text)
	}
	if !strings.Contains(h.Messages[0].Text, e.Notice.CaseNo) {
		t.Errorf("the text around the links is gone: %s", h.Messages[0].Text)
	}
}
