package forms

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// now is the fixed server clock used by every test.
var now = time.Date(2026, 11, 23, 8, 15, 0, 0, time.UTC)

// validComplaint returns a normalized complaint with no problems; each test
// case breaks exactly what it is about.
func validComplaint() Complaint {
	return Complaint{
		IntakeAt:        now.Add(-2 * time.Minute),
		RegisteredAt:    now,
		ComplainantName: "张伟",
		Phone:           "13812345678",
		Language:        LanguageZhCN,
		Recorder:        "agent01",
		Content:         "大堂漏水，两次报修未修好。",
		Demand:          "三天内修好并说明原因。",
		Channel:         ChannelPhone,
		Region:          "Shanghai-Pudong",
		Priority:        PriorityNormal,
	}
}

// problem is the part of a FieldError that tests compare; messages are for
// humans and may be reworded.
type problem struct{ field, code string }

func problems(errs Errors) []problem {
	var ps []problem
	for _, e := range errs {
		ps = append(ps, problem{e.Field, e.Code})
	}
	return ps
}

// checkProblems asserts that mutating a valid complaint yields exactly want.
func checkProblems(t *testing.T, mutate func(*Complaint), want ...problem) {
	t.Helper()
	c := validComplaint()
	mutate(&c)
	errs := c.Validate(now)
	if got := problems(errs); !reflect.DeepEqual(got, want) {
		t.Errorf("Validate problems = %v, want %v (errors: %v)", got, want, errs)
	}
	for _, e := range errs {
		if e.Message == "" {
			t.Errorf("field %q code %q has an empty message", e.Field, e.Code)
		}
	}
}

func TestValidateValidComplaint(t *testing.T) {
	if errs := validComplaint().Validate(now); len(errs) != 0 {
		t.Fatalf("valid complaint: %v", errs)
	}
}

// Rule C1: the three core elements (time, problem description, customer
// demand) are each required, and all missing ones are reported at once.
func TestValidateCoreElementsC1(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Complaint)
		want   []problem
	}{
		{"time missing", func(c *Complaint) { c.IntakeAt = time.Time{} },
			[]problem{{"intake_at", CodeRequired}}},
		{"content missing", func(c *Complaint) { c.Content = "" },
			[]problem{{"content", CodeRequired}}},
		{"content only spaces", func(c *Complaint) { c.Content = " \t\n " },
			[]problem{{"content", CodeRequired}}},
		{"demand missing", func(c *Complaint) { c.Demand = "" },
			[]problem{{"demand", CodeRequired}}},
		{"all three missing", func(c *Complaint) {
			c.IntakeAt, c.Content, c.Demand = time.Time{}, "", ""
		}, []problem{{"intake_at", CodeRequired}, {"content", CodeRequired}, {"demand", CodeRequired}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkProblems(t, tt.mutate, tt.want...) })
	}
}

// Rule C1: the demand message names the 诉求 so agents know what is missing.
func TestValidateDemandMessageC1(t *testing.T) {
	c := validComplaint()
	c.Demand = ""
	errs := c.Validate(now)
	if len(errs) != 1 || errs[0].Message != "customer demand (诉求) is required" {
		t.Fatalf("errors = %#v", errs)
	}
}

// Rule C1: both times are kept and checked for presence, order and clock
// skew (at most 5 minutes in the future).
func TestValidateTimesC1(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Complaint)
		want   []problem
	}{
		{"registered_at missing", func(c *Complaint) { c.RegisteredAt = time.Time{} },
			[]problem{{"registered_at", CodeRequired}}},
		{"intake equal to registration", func(c *Complaint) { c.IntakeAt = c.RegisteredAt }, nil},
		{"intake after registration", func(c *Complaint) { c.IntakeAt = c.RegisteredAt.Add(time.Second) },
			[]problem{{"intake_at", CodeOrder}}},
		{"registered exactly 5m ahead", func(c *Complaint) { c.RegisteredAt = now.Add(5 * time.Minute) }, nil},
		{"registered 5m01s ahead", func(c *Complaint) { c.RegisteredAt = now.Add(5*time.Minute + time.Second) },
			[]problem{{"registered_at", CodeFuture}}},
		{"both in the future", func(c *Complaint) {
			c.IntakeAt, c.RegisteredAt = now.Add(time.Hour), now.Add(2*time.Hour)
		}, []problem{{"intake_at", CodeFuture}, {"registered_at", CodeFuture}}},
		{"other time zone same instant", func(c *Complaint) {
			c.RegisteredAt = now.In(time.FixedZone("CST", 8*3600))
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkProblems(t, tt.mutate, tt.want...) })
	}
}

// Rule C1: registration more than 5 minutes after intake is flagged late;
// exactly 5 minutes is on time.
func TestLateRegistrationC1(t *testing.T) {
	tests := []struct {
		name  string
		delay time.Duration
		limit time.Duration
		want  bool
	}{
		{"immediate", 0, DefaultRegistrationLimit, false},
		{"exactly 5m00s", 5 * time.Minute, DefaultRegistrationLimit, false},
		{"5m01s", 5*time.Minute + time.Second, DefaultRegistrationLimit, true},
		{"zero limit means default, 5m00s", 5 * time.Minute, 0, false},
		{"zero limit means default, 5m01s", 5*time.Minute + time.Second, 0, true},
		{"custom limit 10m, 6m", 6 * time.Minute, 10 * time.Minute, false},
		{"custom limit 1m, 2m", 2 * time.Minute, time.Minute, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Complaint{IntakeAt: now, RegisteredAt: now.Add(tt.delay)}
			if got := c.LateRegistration(tt.limit); got != tt.want {
				t.Errorf("LateRegistration(%v) after %v = %v, want %v", tt.limit, tt.delay, got, tt.want)
			}
		})
	}
	if (Complaint{RegisteredAt: now}).LateRegistration(time.Minute) {
		t.Error("without an intake time registration cannot be late")
	}
}

func TestValidateContact(t *testing.T) {
	tests := []struct {
		name  string
		phone string
		email string
		want  []problem
	}{
		{"phone only", "13812345678", "", nil},
		{"email only", "", "zhang.wei@example.com", nil},
		{"international with separators", "+86 21-1234-5678", "", nil},
		{"5 digits", "12345", "", nil},
		{"20 digits", strings.Repeat("1", 20), "", nil},
		{"neither", "", "", []problem{{"phone", CodeRequired}}},
		{"only spaces", "  ", " ", []problem{{"phone", CodeRequired}}},
		{"4 digits", "1234", "", []problem{{"phone", CodeInvalid}}},
		{"21 digits", strings.Repeat("1", 21), "", []problem{{"phone", CodeInvalid}}},
		{"letters", "138-CALL-ME", "", []problem{{"phone", CodeInvalid}}},
		{"plus in the middle", "138+12345678", "", []problem{{"phone", CodeInvalid}}},
		{"email in phone", "zhang@example.com", "", []problem{{"phone", CodeInvalid}}},
		{"bad email", "13812345678", "zhang.wei", []problem{{"email", CodeInvalid}}},
		{"display-name email", "", "Zhang Wei <zhang.wei@example.com>", []problem{{"email", CodeInvalid}}},
		{"angle email", "", "<zhang.wei@example.com>", []problem{{"email", CodeInvalid}}},
		{"both bad", "12", "nope", []problem{{"phone", CodeInvalid}, {"email", CodeInvalid}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkProblems(t, func(c *Complaint) { c.Phone, c.Email = tt.phone, tt.email }, tt.want...)
		})
	}
}

func TestPhoneOrEmailMessage(t *testing.T) {
	c := validComplaint()
	c.Phone = ""
	errs := c.Validate(now)
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "phone") || !strings.Contains(errs[0].Message, "e-mail") {
		t.Fatalf("errors = %#v, want one message naming phone and e-mail", errs)
	}
}

// Rule K6: channel and region are required and the channel must be known.
func TestValidateChannelRegionK6(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Complaint)
		want   []problem
	}{
		{"channel missing", func(c *Complaint) { c.Channel = "" }, []problem{{"channel", CodeRequired}}},
		{"channel unknown", func(c *Complaint) { c.Channel = "fax" }, []problem{{"channel", CodeUnknownValue}}},
		{"channel wrong case", func(c *Complaint) { c.Channel = "Phone" }, []problem{{"channel", CodeUnknownValue}}},
		{"region missing", func(c *Complaint) { c.Region = "" }, []problem{{"region", CodeRequired}}},
		{"region at the short limit", func(c *Complaint) { c.Region = strings.Repeat("区", DefaultLimits.Short) }, nil},
		{"region past the short limit", func(c *Complaint) { c.Region = strings.Repeat("区", DefaultLimits.Short+1) }, []problem{{"region", CodeTooLong}}},
		{"both missing", func(c *Complaint) { c.Channel, c.Region = "", "" },
			[]problem{{"channel", CodeRequired}, {"region", CodeRequired}}},
	}
	for _, ch := range Channels() {
		tests = append(tests, struct {
			name   string
			mutate func(*Complaint)
			want   []problem
		}{"channel " + string(ch), func(c *Complaint) { c.Channel = ch }, nil})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkProblems(t, tt.mutate, tt.want...) })
	}
}

// Rule K6: exactly the four channels of the rule are accepted.
func TestChannelsK6(t *testing.T) {
	want := []Channel{"phone", "online", "onsite", "email"}
	if got := Channels(); !reflect.DeepEqual(got, want) {
		t.Errorf("Channels() = %v, want %v", got, want)
	}
	Channels()[0] = "fax"
	if Channel("fax").Valid() {
		t.Error("changing the slice from Channels() changed the accepted set")
	}
}

// Rule K7 (priority, VIP) and rule C9 (major): known priorities pass,
// unknown ones are rejected, and the flags never make a form invalid.
func TestValidatePriorityVIPMajorK7C9(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Complaint)
		want   []problem
	}{
		{"priority empty means default", func(c *Complaint) { c.Priority = "" }, nil},
		{"priority normal", func(c *Complaint) { c.Priority = PriorityNormal }, nil},
		{"priority high", func(c *Complaint) { c.Priority = PriorityHigh }, nil},
		{"priority urgent", func(c *Complaint) { c.Priority = PriorityUrgent }, nil},
		{"priority unknown", func(c *Complaint) { c.Priority = "low" }, []problem{{"priority", CodeUnknownValue}}},
		{"vip high", func(c *Complaint) { c.VIP, c.Priority = true, PriorityHigh }, nil},
		{"major urgent", func(c *Complaint) { c.Major, c.Priority = true, PriorityUrgent }, nil},
		{"major with bad priority", func(c *Complaint) { c.Major, c.Priority = true, "asap" },
			[]problem{{"priority", CodeUnknownValue}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkProblems(t, tt.mutate, tt.want...) })
	}
}

// Rule K7 and rule C9: the vip and major flags travel under their JSON names,
// because routing and escalation read them from the stored form.
func TestFlagsJSONK7C9(t *testing.T) {
	var c Complaint
	if err := json.Unmarshal([]byte(`{"vip":true,"major":true,"priority":"urgent"}`), &c); err != nil {
		t.Fatal(err)
	}
	if !c.VIP || !c.Major || c.Priority != PriorityUrgent {
		t.Fatalf("decoded %+v, want vip, major and urgent", c)
	}
	b, err := json.Marshal(validComplaint())
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"vip"`, `"major"`} {
		if strings.Contains(string(b), key) {
			t.Errorf("unset flag %s should be omitted: %s", key, b)
		}
	}
}

// Rule U1: the customer's language is zh-CN or en.
func TestValidateLanguageU1(t *testing.T) {
	tests := []struct {
		lang Language
		want []problem
	}{
		{"", nil},
		{LanguageZhCN, nil},
		{LanguageEN, nil},
		{"zh", []problem{{"language", CodeUnknownValue}}},
		{"en-US", []problem{{"language", CodeUnknownValue}}},
		{"fr", []problem{{"language", CodeUnknownValue}}},
	}
	for _, tt := range tests {
		t.Run(string(tt.lang), func(t *testing.T) {
			checkProblems(t, func(c *Complaint) { c.Language = tt.lang }, tt.want...)
		})
	}
}

// Issue 17: every text is bounded, long free text by the text limit and
// the rest by the short one.
func TestValidateLengthLimits(t *testing.T) {
	text, short := DefaultLimits.Text, DefaultLimits.Short
	tests := []struct {
		field string
		max   int
		set   func(*Complaint, string)
	}{
		{"complainant_name", short, func(c *Complaint, s string) { c.ComplainantName = s }},
		{"complainant_unit", short, func(c *Complaint, s string) { c.ComplainantUnit = s }},
		{"recorder", short, func(c *Complaint, s string) { c.Recorder = s }},
		{"content", text, func(c *Complaint, s string) { c.Content = s }},
		{"demand", text, func(c *Complaint, s string) { c.Demand = s }},
		{"region", short, func(c *Complaint, s string) { c.Region = s }},
		{"complained_department_head", short, func(c *Complaint, s string) { c.ComplainedDepartmentHead = s }},
		{"recording_ref", short, func(c *Complaint, s string) { c.RecordingRef = s }},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			// Multi-byte runes prove the limit counts characters, not bytes.
			checkProblems(t, func(c *Complaint) { tt.set(c, strings.Repeat("诉", tt.max)) })
			checkProblems(t, func(c *Complaint) { tt.set(c, strings.Repeat("a", tt.max+1)) },
				problem{tt.field, CodeTooLong})
		})
	}
}

func TestValidateDepartmentsAndNature(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Complaint)
		want   []problem
	}{
		{"department ok", func(c *Complaint) { c.Department = "property" }, nil},
		{"department with digits, _ and -", func(c *Complaint) { c.Department = "ops_2-east" }, nil},
		{"department upper case", func(c *Complaint) { c.Department = "Property" }, []problem{{"department", CodeInvalid}}},
		{"department leading dash", func(c *Complaint) { c.Department = "-ops" }, []problem{{"department", CodeInvalid}}},
		{"department trailing newline", func(c *Complaint) { c.Department = "ops\n" }, []problem{{"department", CodeInvalid}}},
		{"complained department chinese", func(c *Complaint) { c.ComplainedDepartment = "物业部" },
			[]problem{{"complained_department", CodeInvalid}}},
		{"nature ok", func(c *Complaint) { c.Nature = NatureSafety }, nil},
		{"nature unknown", func(c *Complaint) { c.Nature = "noise" }, []problem{{"nature", CodeUnknownValue}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkProblems(t, tt.mutate, tt.want...) })
	}
}

func TestValidDepartment(t *testing.T) {
	tests := map[string]bool{
		"":                        false,
		"a":                       true,
		"0":                       true,
		"_a":                      false,
		"a b":                     false,
		"a." + "b":                false,
		strings.Repeat("a", 40):   true,
		strings.Repeat("a", 41):   false,
		"property\nevil":          false,
		"customer-service_center": true,
	}
	for code, want := range tests {
		if got := ValidDepartment(code); got != want {
			t.Errorf("ValidDepartment(%q) = %v, want %v", code, got, want)
		}
	}
}

// Errors come in struct field order so API responses and tests are stable.
func TestValidateErrorOrder(t *testing.T) {
	order := map[string]int{}
	typ := reflect.TypeFor[Complaint]()
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		order[name] = i
	}
	c := Complaint{ // everything wrong at once
		IntakeAt:                 now.Add(time.Hour),
		ComplainantUnit:          strings.Repeat("u", DefaultLimits.Short+1),
		Email:                    "bad",
		Language:                 "de",
		Content:                  strings.Repeat("c", DefaultLimits.Text+1),
		Channel:                  "fax",
		Priority:                 "low",
		Department:               "BAD",
		ComplainedDepartment:     "BAD",
		ComplainedDepartmentHead: strings.Repeat("h", DefaultLimits.Short+1),
		RecordingRef:             strings.Repeat("r", DefaultLimits.Short+1),
		Nature:                   "noise",
	}
	errs := c.Validate(now)
	if len(errs) < 15 {
		t.Fatalf("expected an error for nearly every field, got %d: %v", len(errs), errs)
	}
	for i, e := range errs {
		idx, ok := order[e.Field]
		if !ok {
			t.Errorf("error on unknown field %q", e.Field)
		}
		if i > 0 && idx < order[errs[i-1].Field] {
			t.Errorf("%q reported after %q, want struct order", e.Field, errs[i-1].Field)
		}
	}
}

// Rule T3: Normalize stores instants in UTC and applies the defaults.
func TestNormalizeT3(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	localNow := now.In(cst)

	t.Run("defaults", func(t *testing.T) {
		var c Complaint
		c.Normalize(localNow)
		if !c.RegisteredAt.Equal(now) || c.RegisteredAt.Location() != time.UTC {
			t.Errorf("RegisteredAt = %v, want %v in UTC", c.RegisteredAt, now)
		}
		if c.IntakeAt != c.RegisteredAt {
			t.Errorf("IntakeAt = %v, want RegisteredAt %v", c.IntakeAt, c.RegisteredAt)
		}
		if c.Language != LanguageZhCN || c.Priority != PriorityNormal {
			t.Errorf("Language, Priority = %q, %q; want zh-CN, normal", c.Language, c.Priority)
		}
	})

	t.Run("given values kept and converted", func(t *testing.T) {
		intake := localNow.Add(-3 * time.Minute)
		c := Complaint{
			IntakeAt:     intake,
			RegisteredAt: localNow.Add(-time.Minute),
			Language:     " en ",
			Priority:     "urgent\n",
			Channel:      " online",
			VIP:          true,
		}
		c.Normalize(localNow.Add(time.Hour))
		if !c.IntakeAt.Equal(intake) || c.IntakeAt.Location() != time.UTC {
			t.Errorf("IntakeAt = %v, want %v in UTC", c.IntakeAt, intake)
		}
		if !c.RegisteredAt.Equal(now.Add(-time.Minute)) || c.RegisteredAt.Location() != time.UTC {
			t.Errorf("RegisteredAt = %v, want given time in UTC", c.RegisteredAt)
		}
		if c.Language != LanguageEN || c.Priority != PriorityUrgent || c.Channel != ChannelOnline {
			t.Errorf("Language, Priority, Channel = %q, %q, %q", c.Language, c.Priority, c.Channel)
		}
	})

	t.Run("trims text", func(t *testing.T) {
		c := validComplaint()
		c.ComplainantName = "  张伟 "
		c.Email = " zhang.wei@example.com\t"
		c.Department = " property "
		c.Content = "\n漏水\n"
		c.Normalize(now)
		if c.ComplainantName != "张伟" || c.Email != "zhang.wei@example.com" || c.Department != "property" || c.Content != "漏水" {
			t.Errorf("not trimmed: %q %q %q %q", c.ComplainantName, c.Email, c.Department, c.Content)
		}
		if errs := c.Validate(now); len(errs) != 0 {
			t.Errorf("normalized complaint invalid: %v", errs)
		}
	})
}

func TestErrors(t *testing.T) {
	var none Errors
	if err := none.Err(); err != nil {
		t.Errorf("empty Errors.Err() = %v, want nil", err)
	}
	if err := validComplaint().Validate(now).Err(); err != nil {
		t.Errorf("valid complaint Err() = %v, want nil", err)
	}
	errs := Errors{
		{Field: "content", Code: CodeRequired, Message: "problem description is required"},
		{Field: "demand", Code: CodeRequired, Message: "customer demand (诉求) is required"},
	}
	err := errs.Err()
	if err == nil {
		t.Fatal("Err() = nil for two problems")
	}
	want := "problem description is required; customer demand (诉求) is required"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
	b, _ := json.Marshal(errs[:1])
	if got := string(b); got != `[{"field":"content","code":"required","message":"problem description is required"}]` {
		t.Errorf("JSON = %s", got)
	}
}
