package forms

import (
	"strings"
	"testing"
	"time"
)

func collaborationAt(booked time.Time, lead time.Duration) Collaboration {
	c := Collaboration{RequestingDepartment: "customer_service", TargetDepartment: "engineering", Requester: "agent01",
		Need: "inspect the roof membrane", TimeNode: booked.Add(lead),
		RequesterResponsibilities: "arrange access with the owner", TargetResponsibilities: "inspect and report a repair plan"}
	c.Normalize(booked)
	return c
}

func fieldNamed(errs Errors, field string) (FieldError, bool) {
	for _, e := range errs {
		if e.Field == field {
			return e, true
		}
	}
	return FieldError{}, false
}

// Rules X1, X2: the example is a valid 协作申请表 once its relative time
// node is resolved (the intake does that).
func TestCollaborationExampleIsValid(t *testing.T) {
	var c Collaboration
	loadExample(t, "collaboration.json", &c)
	if c.TimeNodeWithin == "" || !c.TimeNode.IsZero() {
		t.Fatalf("the example should give its time node relative to now, so it stays valid: %+v", c)
	}
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	c.Normalize(now)
	c.TimeNode, c.TimeNodeWithin = now.Add(72*time.Hour), ""
	if errs := c.Validate(now, 24*time.Hour); len(errs) > 0 {
		t.Fatalf("example invalid: %v", errs)
	}
}

// Rule X1: booked less than 24 hours before the time node is refused with
// the reason and the earliest acceptable time node; an urgent request may
// bypass the lead only with a stated reason, which Bypassed reports.
func TestCollaborationBookingLead(t *testing.T) {
	booked := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	lead := 24 * time.Hour

	ok := collaborationAt(booked, 24*time.Hour)
	if errs := ok.Validate(booked, lead); len(errs) > 0 || ok.Bypassed(lead) {
		t.Fatalf("exactly 24h ahead: %v bypassed %t", errs, ok.Bypassed(lead))
	}

	late := collaborationAt(booked, 23*time.Hour)
	e, found := fieldNamed(late.Validate(booked, lead), "time_node")
	if !found || e.Code != CodeTooSoon || !strings.Contains(e.Message, "at least 24h0m0s") ||
		!strings.Contains(e.Message, "23h0m0s away") || !strings.Contains(e.Message, "2026-11-24 10:00 UTC or later") {
		t.Fatalf("23h ahead: %+v (found %t)", e, found)
	}

	urgent := collaborationAt(booked, 3*time.Hour)
	urgent.Urgency = UrgencyUrgent
	e, found = fieldNamed(urgent.Validate(booked, lead), "bypass_reason")
	if !found || e.Code != CodeRequired {
		t.Fatalf("urgent without a reason: %+v (found %t)", e, found)
	}
	urgent.BypassReason = "water is coming through the ceiling now"
	if errs := urgent.Validate(booked, lead); len(errs) > 0 || !urgent.Bypassed(lead) {
		t.Fatalf("urgent with a reason: %v bypassed %t", errs, urgent.Bypassed(lead))
	}
}

// Rule X2: every request names urgency, the specific need, a time node and
// both sides' responsibilities; all problems are reported at once.
func TestCollaborationRequiredFields(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	var c Collaboration
	c.Normalize(now)
	c.Urgency = "whenever"
	errs := c.Validate(now, 24*time.Hour)
	for _, f := range []string{"requesting_department", "target_department", "requester", "urgency", "need", "time_node",
		"requester_responsibilities", "target_responsibilities"} {
		if _, ok := fieldNamed(errs, f); !ok {
			t.Errorf("no error for %s in %v", f, errs)
		}
	}

	same := collaborationAt(now, 48*time.Hour)
	same.TargetDepartment = same.RequestingDepartment
	if e, ok := fieldNamed(same.Validate(now, 24*time.Hour), "target_department"); !ok || !strings.Contains(e.Message, "itself") {
		t.Errorf("same department: %+v", e)
	}
	past := collaborationAt(now, -time.Hour)
	if e, ok := fieldNamed(past.Validate(now, 24*time.Hour), "time_node"); !ok || e.Code != CodeOrder {
		t.Errorf("time node before booking: %+v", e)
	}
	unresolved := collaborationAt(now, 48*time.Hour)
	unresolved.TimeNodeWithin = "3wd"
	if _, ok := fieldNamed(unresolved.Validate(now, 24*time.Hour), "time_node_within"); !ok {
		t.Error("an unresolved time_node_within must not pass validation")
	}
}
