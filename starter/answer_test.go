package starter

import (
	"encoding/json"
	"testing"

	"github.com/closeloop/closeloop/workflows"
)

// Issue 17, small answers: an action's answer is read whether the case
// answers an ActionResult or, started before small answers, its whole view.
func TestDecodeAnswer_NewAndOld(t *testing.T) {
	view := workflows.CaseView{No: "TS-20261123-0001", Type: workflows.TypeComplaint, Status: workflows.StatusRouted, Department: "property",
		Deadlines: []workflows.Deadline{{Name: "resolution", State: workflows.DeadlinePending}},
		Timeline:  []workflows.Event{{Kind: "registered"}, {Kind: "comment", Message: "hi"}}}
	old, _ := json.Marshal(view)
	r, err := DecodeAnswer(old)
	if err != nil || r.Status != workflows.StatusRouted || r.Department != "property" || len(r.Deadlines) != 1 || len(r.Events) != 2 || r.TimelineTotal != 2 {
		t.Fatalf("old answer read as %+v, %v", r, err)
	}
	small := workflows.ActionResult{No: view.No, Type: view.Type, Status: workflows.StatusResolved, Deadlines: []workflows.Deadline{},
		Events: []workflows.Event{{Kind: "resolved"}}, EventsFrom: 7, TimelineTotal: 8}
	b, _ := json.Marshal(small)
	r, err = DecodeAnswer(b)
	if err != nil || r.Status != workflows.StatusResolved || r.EventsFrom != 7 || len(r.Events) != 1 || r.TimelineTotal != 8 {
		t.Fatalf("small answer read as %+v, %v", r, err)
	}
}
