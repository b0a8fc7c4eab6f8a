package forms

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

type boundsProbe struct {
	Name   string   `json:"name"`
	Text   string   `json:"text,omitempty" bound:"text"`
	Photos []string `json:"photos"`
	Nested *struct {
		Note string `json:"note" bound:"text"`
	} `json:"nested,omitempty"`
	When time.Time `json:"when"`
}

// Issue 17: a text one character past its limit is refused, one at the
// limit is not; lengths count characters, so Chinese text gets as much room
// as English; lists are bounded by count and per entry.
func TestCheckBounds(t *testing.T) {
	l := DefaultLimits
	ok := boundsProbe{Name: strings.Repeat("名", l.Short), Text: strings.Repeat("诉", l.Text), Photos: make([]string, l.Items)}
	if errs := CheckBounds(&ok); len(errs) != 0 {
		t.Fatalf("at the limits: %v", errs)
	}
	bad := boundsProbe{Name: strings.Repeat("a", l.Short+1), Text: strings.Repeat("a", l.Text+1),
		Photos: []string{"p", strings.Repeat("p", l.Short+1)}}
	bad.Nested = &struct {
		Note string `json:"note" bound:"text"`
	}{Note: strings.Repeat("n", l.Text+1)}
	errs := CheckBounds(bad)
	want := []FieldError{
		{"name", CodeTooLong, "name must be at most 200 characters (it has 201)", 200, 201, UnitCharacters},
		{"text", CodeTooLong, "text must be at most 4000 characters (it has 4001)", 4000, 4001, UnitCharacters},
		{"photos", CodeTooLong, "photos: entry 2 must be at most 200 characters (it has 201)", 200, 201, UnitCharacters},
		{"nested.note", CodeTooLong, "nested.note must be at most 4000 characters (it has 4001)", 4000, 4001, UnitCharacters},
	}
	if !reflect.DeepEqual([]FieldError(errs), want) {
		t.Errorf("CheckBounds =\n%v\nwant\n%v", errs, want)
	}
	many := boundsProbe{Photos: make([]string, l.Items+1)}
	want = []FieldError{{"photos", CodeTooLong, "photos must have at most 20 entries (it has 21)", 20, 21, UnitEntries}}
	if errs := CheckBounds(many); !reflect.DeepEqual([]FieldError(errs), want) {
		t.Errorf("too many photos: %v", errs)
	}
}

// Issue 17: a too_long problem from a form's own check carries the limit
// and the length, as CheckBounds' do, so a page can show both in the
// user's language; its English message names the field by its JSON name
// only, never by a label with Chinese in it.
func TestTooLongCarriesLimitAndLength(t *testing.T) {
	c := validComplaint()
	c.Content = strings.Repeat("诉", DefaultLimits.Text+100)
	c.Recorder = strings.Repeat("记", DefaultLimits.Short+1)
	want := []FieldError{
		{"recorder", CodeTooLong, "recorder must be at most 200 characters (it has 201)", 200, 201, UnitCharacters},
		{"content", CodeTooLong, "content must be at most 4000 characters (it has 4100)", 4000, 4100, UnitCharacters},
	}
	if errs := c.Validate(now); !reflect.DeepEqual([]FieldError(errs), want) {
		t.Errorf("Validate =\n%v\nwant\n%v", errs, want)
	}
	for _, fe := range c.Validate(now) {
		for _, r := range fe.Message {
			if r > 0x7f {
				t.Errorf("%s: message %q is not plain English", fe.Field, fe.Message)
				break
			}
		}
	}
}

// Issue 17: the limits are settings, checked when set; a process cannot
// be configured past the ceilings.
func TestSetLimits(t *testing.T) {
	defer func() { _ = SetLimits(DefaultLimits) }()
	for _, bad := range []Limits{{}, {Text: CeilingText + 1, Short: 10, Items: 5}, {Text: 100, Short: 101, Items: 5},
		{Text: 100, Short: 10, Items: 0}, {Text: 100, Short: 10, Items: CeilingItems + 1}} {
		if err := SetLimits(bad); err == nil {
			t.Errorf("SetLimits(%+v) accepted", bad)
		}
	}
	if CurrentLimits() != DefaultLimits {
		t.Fatalf("a refused setting changed the limits: %+v", CurrentLimits())
	}
	if err := SetLimits(Limits{Text: 50, Short: 40, Items: 2}); err != nil {
		t.Fatal(err)
	}
	if errs := CheckBounds(boundsProbe{Name: strings.Repeat("a", 41), Text: strings.Repeat("a", 50)}); len(errs) != 1 || errs[0].Field != "name" {
		t.Errorf("with the short limit 40: %v", errs)
	}
	c := validComplaint()
	c.Content = strings.Repeat("c", 51)
	if errs := c.Validate(now); len(errs) != 1 || errs[0].Field != "content" || errs[0].Code != CodeTooLong {
		t.Errorf("with the text limit 50, a 51-character complaint: %v", errs)
	}
}

// Issue 17: every text field and list of every registration form is
// bounded: filling any one of them past its limit makes the form invalid,
// with the problem on that field.
func TestEveryFormFieldBounded(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	type form interface{ Validate(time.Time) Errors }
	var (
		complaint     Complaint
		repair        Repair
		consultation  Consultation
		media         MediaInquiry
		collaboration Collaboration
	)
	loadExample(t, "complaint.json", &complaint)
	loadExample(t, "repair.json", &repair)
	loadExample(t, "consultation.json", &consultation)
	loadExample(t, "media_inquiry.json", &media)
	loadExample(t, "collaboration.json", &collaboration)
	complaint.Normalize(at)
	repair.Normalize(at)
	consultation.Normalize(at)
	media.Normalize(at)
	collaboration.TimeNodeWithin, collaboration.TimeNode = "", at.Add(72*time.Hour)
	collaboration.Normalize(at)
	forms := []any{&complaint, &repair, &consultation, &media, &collaboration}
	validate := func(f any) Errors {
		if c, ok := f.(*Collaboration); ok {
			return c.Validate(at, 24*time.Hour)
		}
		return f.(form).Validate(at)
	}
	l := DefaultLimits
	for _, f := range forms {
		v := reflect.ValueOf(f).Elem()
		name := v.Type().Name()
		if errs := validate(f); len(errs) != 0 {
			t.Fatalf("%s example invalid: %v", name, errs)
		}
		for i := range v.NumField() {
			sf := v.Type().Field(i)
			field, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			fv := v.Field(i)
			saved := reflect.ValueOf(fv.Interface())
			switch fv.Kind() {
			case reflect.String:
				fv.SetString(strings.Repeat("a", l.MaxRunes(sf)+1))
			case reflect.Slice:
				fv.Set(reflect.ValueOf(make([]string, l.Items+1)))
			default:
				continue
			}
			if errs := validate(f); !errs.has(field) {
				t.Errorf("%s.%s past its limit: no problem reported (%v)", name, field, errs)
			}
			fv.Set(saved)
		}
	}
}
