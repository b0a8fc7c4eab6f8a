package forms

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Fuzz targets for the forms' validation. Each decodes the fuzzed bytes
// strictly, as the API does, then checks properties that hold for every
// input, not only that nothing panics:
//
//   - every error names a field of the form, carries a known code and a
//     message;
//   - validation is deterministic;
//   - the normalized value survives a JSON round trip (the form is stored
//     as JSON in the workflow input): a valid form can be encoded, decodes
//     strictly to the same value, and re-validates identically.
//
// Seeds are forms/examples/*.json plus testdata/fuzz/FuzzXxx/.

// fuzzNow is the server clock of the fuzz runs: fixed so that a failing
// input fails again when replayed.
var fuzzNow = time.Date(2026, 11, 23, 16, 15, 0, 0, time.FixedZone("CST", 8*3600))

// fuzzMinLead is the collaboration booking lead (X1's default).
const fuzzMinLead = 24 * time.Hour

// knownCodes are the codes a FieldError may carry (the API contract).
var knownCodes = map[string]bool{CodeRequired: true, CodeInvalid: true, CodeTooLong: true, CodeFuture: true,
	CodeOrder: true, CodeUnknownValue: true, CodeTooSoon: true, CodeControlCharacter: true}

// decodeStrict decodes like the API: unknown fields and trailing data are
// errors.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON value")
	}
	return nil
}

// jsonFields is the set of JSON names of struct type t's fields.
func jsonFields(t reflect.Type) map[string]bool {
	fields := map[string]bool{}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields[name] = true
		}
	}
	return fields
}

// addExamples seeds f with forms/examples/name and, for forms whose
// example leaves a field to the server, with variants given by edit.
func addExamples(f *testing.F, name string, edits ...func(map[string]any)) {
	b, err := os.ReadFile("examples/" + name)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	for _, edit := range edits {
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			f.Fatal(err)
		}
		edit(m)
		v, err := json.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(v)
	}
}

// checkErrors asserts that errs are field-level: each names one of fields
// (or is accepted by extra), with a known code and a message.
func checkErrors(t *testing.T, errs Errors, field func(string) bool) {
	t.Helper()
	for _, e := range errs {
		if !field(e.Field) {
			t.Errorf("error names no field of the form: %+v", e)
		}
		if !knownCodes[e.Code] {
			t.Errorf("error with unknown code: %+v", e)
		}
		if strings.TrimSpace(e.Message) == "" {
			t.Errorf("error without a message: %+v", e)
		}
	}
	if (errs.Err() == nil) != (len(errs) == 0) {
		t.Errorf("Err() = %v for %d errors", errs.Err(), len(errs))
	}
}

// checkForm runs the shared properties on one fuzzed form of type T.
func checkForm[T any](t *testing.T, data []byte, field func(string) bool, normalize func(*T), validate func(T) Errors) {
	var v T
	if decodeStrict(data, &v) != nil {
		return
	}
	normalize(&v)
	errs := validate(v)
	checkErrors(t, errs, field)
	if again := validate(v); !reflect.DeepEqual(errs, again) {
		t.Fatalf("validation is not deterministic:\n%v\n%v", errs, again)
	}

	b, err := json.Marshal(v)
	if err != nil {
		if len(errs) == 0 {
			t.Fatalf("a valid form cannot be stored as JSON: %v\n%+v", err, v)
		}
		return
	}
	var w T
	if err := decodeStrict(b, &w); err != nil {
		t.Fatalf("the normalized form does not decode: %v\n%s", err, b)
	}
	normalize(&w)
	b2, err := json.Marshal(w)
	if err != nil || !bytes.Equal(b, b2) {
		t.Fatalf("normalizing is not stable across a JSON round trip (%v):\n%s\n%s", err, b, b2)
	}
	if errs2 := validate(w); !reflect.DeepEqual(errs, errs2) {
		t.Fatalf("validation changed after a JSON round trip:\nbefore %v\nafter  %v\n%s", errs, errs2, b)
	}
}

func isField(fields map[string]bool) func(string) bool {
	return func(s string) bool { return fields[s] }
}

func FuzzComplaint(f *testing.F) {
	addExamples(f, "complaint.json",
		func(m map[string]any) { m["intake_at"] = "2026-11-23T16:00:00+08:00" },
		func(m map[string]any) {
			m["intake_at"] = "2026-11-23T09:00:00Z"
			m["registered_at"] = "2026-11-23T08:00:00Z"
		},
		func(m map[string]any) {
			delete(m, "phone")
			delete(m, "email")
			m["channel"] = "fax"
			m["nature"] = "x"
		})
	f.Add([]byte(`{"complainant_name":"  ","phone":"+86 138-1234-5678","email":"Zhang <a@b.c>","language":"fr"}`))
	fields := jsonFields(reflect.TypeFor[Complaint]())
	f.Fuzz(func(t *testing.T, data []byte) {
		checkForm(t, data, isField(fields),
			func(c *Complaint) { c.Normalize(fuzzNow) },
			func(c Complaint) Errors { return c.Validate(fuzzNow) })
	})
}

func FuzzRepair(f *testing.F) {
	addExamples(f, "repair.json",
		func(m map[string]any) { m["received_at"] = "2026-11-23T15:50:00+08:00" },
		func(m map[string]any) { m["photos"] = []string{" ", strings.Repeat("p", 301)}; m["urgency"] = "soon" })
	fields := jsonFields(reflect.TypeFor[Repair]())
	f.Fuzz(func(t *testing.T, data []byte) {
		checkForm(t, data, isField(fields),
			func(r *Repair) { r.Normalize(fuzzNow) },
			func(r Repair) Errors { return r.Validate(fuzzNow) })
	})
}

func FuzzConsultation(f *testing.F) {
	addExamples(f, "consultation.json",
		func(m map[string]any) { m["callback_at"] = "2026-11-24T10:00:00+08:00" },
		func(m map[string]any) { m["answered_at_once"] = true; m["answer"] = "可以，带身份证。" },
		func(m map[string]any) { m["affiliation"] = "internal"; m["caller_department"] = "finance" })
	fields := jsonFields(reflect.TypeFor[Consultation]())
	f.Fuzz(func(t *testing.T, data []byte) {
		checkForm(t, data, isField(fields),
			func(c *Consultation) { c.Normalize(fuzzNow) },
			func(c Consultation) Errors { return c.Validate(fuzzNow) })
	})
}

func FuzzMediaInquiry(f *testing.F) {
	addExamples(f, "media_inquiry.json",
		func(m map[string]any) { m["outlet_deadline"] = "2026-11-24T18:00:00+08:00" },
		func(m map[string]any) {
			m["holding_reply_given"] = false
			delete(m, "reporter_phone")
			delete(m, "reporter_email")
		})
	fields := jsonFields(reflect.TypeFor[MediaInquiry]())
	f.Fuzz(func(t *testing.T, data []byte) {
		checkForm(t, data, isField(fields),
			func(m *MediaInquiry) { m.Normalize(fuzzNow) },
			func(m MediaInquiry) Errors { return m.Validate(fuzzNow) })
	})
}

func FuzzCollaboration(f *testing.F) {
	// The example gives time_node_within, which the intake resolves through
	// the business calendar; the variants give the resolved time node.
	addExamples(f, "collaboration.json",
		func(m map[string]any) { delete(m, "time_node_within"); m["time_node"] = "2026-11-26T16:15:00+08:00" },
		func(m map[string]any) {
			delete(m, "time_node_within")
			m["time_node"] = "2026-11-23T18:00:00+08:00"
			m["urgency"] = "urgent"
		},
		func(m map[string]any) { m["target_department"] = m["requesting_department"]; m["phone"] = "n/a" })
	fields := jsonFields(reflect.TypeFor[Collaboration]())
	f.Fuzz(func(t *testing.T, data []byte) {
		checkForm(t, data, isField(fields),
			func(c *Collaboration) { c.Normalize(fuzzNow) },
			func(c Collaboration) Errors { return c.Validate(fuzzNow, fuzzMinLead) })
	})
}

func FuzzEvaluation(f *testing.F) {
	all := func(grade string) string {
		var b strings.Builder
		b.WriteString(`{"items":{`)
		for i, l := range EvaluationItems {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(`"` + l.field + `":{"grade":"` + grade + `"}`)
		}
		b.WriteString(`},"summary":"ok"}`)
		return b.String()
	}
	f.Add([]byte(all("优")))
	f.Add([]byte(all(" Good ")))
	f.Add([]byte(all("差")))
	f.Add([]byte(`{"items":{"etiquette":{"grade":"fair","problems":"p","measures":"m"},"x":{"grade":"优"},"y":{}}}`))
	f.Add([]byte(`{"items":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var keys map[string]bool
		field := func(s string) bool {
			if s == "summary" {
				return true
			}
			k, ok := strings.CutPrefix(s, "items.")
			if !ok {
				return false
			}
			if keys[k] {
				return true // an item of the form, or the unknown one named
			}
			for _, l := range EvaluationItems {
				if k == l.field || k == l.field+".problems" || k == l.field+".measures" {
					return true
				}
			}
			return false
		}
		checkForm(t, data, field,
			func(e *Evaluation) {
				e.Normalize()
				keys = map[string]bool{}
				for k := range e.Items {
					keys[k] = true
				}
			},
			func(e Evaluation) Errors { return e.Validate() })
	})
}
