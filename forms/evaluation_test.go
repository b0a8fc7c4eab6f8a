package forms

import "testing"

// Rule K3: every item of the evaluation table is graded 优/良/一般/差, and a
// fair or poor grade names its problems and improvement measures.
func TestEvaluation(t *testing.T) {
	e := Evaluation{Items: map[string]EvaluationItem{}}
	for _, l := range EvaluationItems {
		e.Items[l.field] = EvaluationItem{Grade: "good"}
	}
	e.Normalize()
	if errs := e.Validate(); len(errs) != 0 || e.Items["attitude"].Grade != "良" {
		t.Fatalf("a full table: %v %+v", errs, e.Items["attitude"])
	}
	e.Items["attitude"] = EvaluationItem{Grade: "差"}
	e.Items["etiquette"] = EvaluationItem{Grade: "A+"}
	delete(e.Items, "return_visit_quality")
	e.Items["coffee"] = EvaluationItem{Grade: "优"}
	errs := e.Validate()
	for _, f := range []string{"items.attitude", "items.etiquette", "items.return_visit_quality", "items.coffee"} {
		if _, ok := fieldNamed(errs, f); !ok {
			t.Errorf("no error for %s: %v", f, errs)
		}
	}
}
