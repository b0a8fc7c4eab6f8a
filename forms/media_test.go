package forms

import (
	"testing"
	"time"
)

func TestMediaInquiryExampleIsValid(t *testing.T) {
	var m MediaInquiry
	loadExample(t, "media_inquiry.json", &m)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	m.Normalize(now)
	if errs := m.Validate(now); len(errs) > 0 {
		t.Fatalf("example invalid: %v", errs)
	}
	if !m.ReceivedAt.Equal(now) || m.Language != LanguageZhCN {
		t.Fatalf("defaults: received %v language %q", m.ReceivedAt, m.Language)
	}
}

// Rule E2: the holding reply must have been given, and a named person must
// be responsible for contacting the outlet.
func TestMediaInquiryRequiresHoldingReplyAndNamedPerson(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	m := MediaInquiry{Outlet: "Daily", ReporterName: "Chen", ReporterEmail: "c@example.com", Topic: "leak", Recorder: "agent01"}
	m.Normalize(now)
	got := map[string]string{}
	for _, e := range m.Validate(now) {
		got[e.Field] = e.Code
	}
	want := map[string]string{"contact_person": CodeRequired, "holding_reply_given": CodeRequired}
	if len(got) != len(want) || got["contact_person"] != want["contact_person"] || got["holding_reply_given"] != want["holding_reply_given"] {
		t.Fatalf("errors %v, want %v", got, want)
	}
	if HoldingReply(LanguageEN) == HoldingReply(LanguageZhCN) || HoldingReply(LanguageZhCN) == "" {
		t.Fatal("holding reply must exist in both languages")
	}
}

func TestMediaInquiryFieldErrors(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	m := MediaInquiry{ReceivedAt: now.Add(time.Hour), ReporterPhone: "12", Language: "fr", HoldingReplyGiven: true}
	got := map[string]string{}
	for _, e := range m.Validate(now) {
		got[e.Field] = e.Code
	}
	for field, code := range map[string]string{
		"received_at": CodeFuture, "outlet": CodeRequired, "reporter_name": CodeRequired, "reporter_phone": CodeInvalid,
		"topic": CodeRequired, "contact_person": CodeRequired, "recorder": CodeRequired, "language": CodeUnknownValue,
	} {
		if got[field] != code {
			t.Errorf("%s: got %q, want %q (all: %v)", field, got[field], code, got)
		}
	}
}
