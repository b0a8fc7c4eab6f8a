package starter

import (
	"testing"
	"time"

	"github.com/closeloop/closeloop/calendar"
	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows/sla"
)

// "time_node_within" is resolved to a fixed time node at intake, and the
// span goes to the workflow so the time-node clock can explain it in
// working days (and say when it is provisional). A time node given as an
// instant carries no span.
func TestCollaborationInputKeepsTheSpan(t *testing.T) {
	cal := calendar.MustDefault()
	sh := cal.Location()
	s := &Service{Calendar: cal, SLA: sla.Defaults(), Location: sh}
	form := func() forms.Collaboration {
		return forms.Collaboration{RequestingDepartment: "customer_service", TargetDepartment: "engineering", Requester: "agent01",
			Need: "inspect the roof", RequesterResponsibilities: "arrange access", TargetResponsibilities: "inspect and report"}
	}
	booked := time.Date(2026, 12, 28, 10, 0, 0, 0, sh)
	f := form()
	f.TimeNodeWithin = "20 working days"
	in, err := s.collaborationInput(f, booked)
	if err != nil {
		t.Fatal(err)
	}
	// 12-29..31 are working days 1–3; 2027-01-01..03 is the New Year
	// holiday; the 20th working day is Tue 2027-01-26.
	if want := time.Date(2027, 1, 26, 18, 0, 0, 0, sh); !in.Form.TimeNode.Equal(want) {
		t.Errorf("time node %s, want %s", in.Form.TimeNode.In(sh), want)
	}
	if in.TimeNodeWithin == nil || *in.TimeNodeWithin != (calendar.Span{N: 20, Unit: calendar.WorkingDays}) {
		t.Errorf("span %v, want 20 working days", in.TimeNodeWithin)
	}
	if in.Form.TimeNodeWithin != "" {
		t.Errorf("form keeps time_node_within %q; it must be resolved", in.Form.TimeNodeWithin)
	}

	f = form()
	f.TimeNode = time.Date(2027, 1, 26, 18, 0, 0, 0, sh)
	if in, err = s.collaborationInput(f, booked); err != nil {
		t.Fatal(err)
	}
	if in.TimeNodeWithin != nil {
		t.Errorf("an instant time node carries span %v, want none", in.TimeNodeWithin)
	}
}
