package sla

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/closeloop/closeloop/calendar"
)

func TestDefaultComplaintPolicy(t *testing.T) {
	p := DefaultComplaint()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	want := map[string]calendar.Span{
		FirstFeedback:  {N: 24, Unit: calendar.Hours},      // Rule C2
		Resolution:     {N: 72, Unit: calendar.Hours},      // Rule C3
		ReturnVisit:    {N: 24, Unit: calendar.Hours},      // Rule C10
		ResultDelivery: {N: 5, Unit: calendar.WorkingDays}, // Rule C10
		Rework:         {N: 72, Unit: calendar.Hours},      // Rule C8
	}
	for name, span := range want {
		c, ok := p.Clock(name)
		if !ok || c.Span != span || len(c.Reminders) != 2 || c.Reminders[0] != 50 || c.Reminders[1] != 80 {
			t.Errorf("clock %s = %+v, want %v with reminders at 50%% and 80%%", name, c, span)
		}
	}
	// Rule C11: phone complaints get stricter first-feedback and resolution clocks.
	ff, _ := p.Clock(FirstFeedback)
	if got := ff.Spans("phone"); len(got) != 2 || got[1] != (calendar.Span{N: 1, Unit: calendar.WorkingDays}) {
		t.Errorf("phone first feedback spans %v", got)
	}
	if got := ff.Spans("online"); len(got) != 1 {
		t.Errorf("online first feedback spans %v, want the general one only", got)
	}
	if p.MaxRounds != 3 || p.RegistrationLimit != 5*time.Minute {
		t.Errorf("max rounds %d, registration limit %v", p.MaxRounds, p.RegistrationLimit)
	}
}

// Rule E3: the ladder climbs one rung at a time and stops at management.
func TestLadder(t *testing.T) {
	got := []string{}
	for l := LevelHandler; ; l = l.Next() {
		got = append(got, l.String())
		if l == LevelManagement {
			break
		}
	}
	if strings.Join(got, ">") != "handler>dept_head>cs_head>management" || LevelManagement.Next() != LevelManagement {
		t.Fatalf("ladder %v", got)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "sla.json")
	if err := os.WriteFile(good, []byte(`{"complaint":{"case_type":"complaint","max_rounds":2,"clocks":[
		{"name":"first_feedback","span":{"n":12,"unit":"hours"},"reminders":[25,50,75]}]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Load(good)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Complaint.Clock(FirstFeedback); c.Span.N != 12 || len(c.Reminders) != 3 || s.Complaint.MaxRounds != 2 {
		t.Fatalf("loaded %+v", s.Complaint)
	}
	for name, body := range map[string]string{
		"reminder": `{"complaint":{"case_type":"complaint","max_rounds":1,"clocks":[{"name":"x","span":{"n":1,"unit":"hours"},"reminders":[100]}]}}`,
		"unit":     `{"complaint":{"case_type":"complaint","max_rounds":1,"clocks":[{"name":"x","span":{"n":1,"unit":"fortnights"}}]}}`,
		"rounds":   `{"complaint":{"case_type":"complaint","max_rounds":0}}`,
		"json":     `{`,
	} {
		path := filepath.Join(dir, name+".json")
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(path); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: got %v, want an error naming the file", name, err)
		}
	}
}
