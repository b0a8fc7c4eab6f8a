package forms

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fuzzZone is the business time zone of the emergency fuzz runs.
var fuzzZone = time.FixedZone("CST", 8*3600)

var hexKey = regexp.MustCompile(`^[0-9a-f]{64}$`)

// FuzzParseEmergency feeds arbitrary files to the emergency import parser
// (E1): it never panics; a refused file says which line; every row's
// number lies within the input and rows come in order; row errors are
// field-level; a valid row carries a key, validates again and can be
// stored as JSON.
func FuzzParseEmergency(f *testing.F) {
	f.Add([]byte("\ufeffintake_at,complainant_name,phone,content,demand,channel,region,department,major\n" +
		"2026-11-23 08:15,张伟,13812345678,lobby leak,fix it,phone,Pudong,property,false\n" +
		"yesterday,李娜,13800000000,noise,stop it,phone,Pudong,,\n" +
		"2026-11-23 09:00,,13800000000,,x,fax,Pudong,,maybe\n" +
		"2026-11-23T00:15:00Z,张伟,13812345678,lobby leak,fix it,phone,Pudong,property,false\n"))
	f.Add([]byte(strings.Join(EmergencyColumns, ",") + "\n" +
		"2026-11-23 08:15,张伟,3号楼,13812345678,z@example.com,\"漏水,\n两次\",修好,phone,Pudong,property,high,true,false,rec-1,service,zh-CN\n"))
	f.Add([]byte("intake_at,complainant_name,content,demand,channel,region\r\n\r\n2026-11-23 08:15,a,\"b\"\"c\",d,email,x\r\n2026-11-23 08:15,a,b\n"))
	f.Add([]byte("intake_at,complainant_name,content,demand,channel,region\n2026-11-23 08:15,a,\"b,c,d,email,x\n"))
	f.Add([]byte("intake_at,colour\n"))
	f.Add([]byte(""))
	complaintFields := jsonFields(reflect.TypeFor[Complaint]())
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ParseEmergency(bytes.NewReader(data), fuzzZone, fuzzNow, "agent01")
		if err != nil {
			if rows != nil || !strings.HasPrefix(err.Error(), "line 1: ") && !strings.HasPrefix(err.Error(), "the file is empty") {
				t.Fatalf("refused file: %d rows, error %q", len(rows), err)
			}
			return
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		prev := 1
		for _, row := range rows {
			if row.Line <= prev || row.Line > lines {
				t.Fatalf("row numbered %d after %d in an input of %d lines", row.Line, prev, lines)
			}
			prev = row.Line
			checkErrors(t, row.Errors, func(s string) bool {
				return s == "row" || slices.Contains(EmergencyColumns, s) || complaintFields[s]
			})
			if len(row.Errors) > 0 {
				if row.Key != "" {
					t.Errorf("line %d has errors and a key", row.Line)
				}
				continue
			}
			c := row.Complaint
			if !hexKey.MatchString(row.Key) {
				t.Errorf("line %d: key %q", row.Line, row.Key)
			}
			if errs := c.Validate(fuzzNow); len(errs) > 0 {
				t.Errorf("line %d is valid but its complaint is not: %v", row.Line, errs)
			}
			if !c.RegisteredAt.Equal(c.IntakeAt) || c.Recorder != "agent01" || !c.ContentConfirmed {
				t.Errorf("line %d: registered %v, intake %v, recorder %q, confirmed %v", row.Line, c.RegisteredAt, c.IntakeAt, c.Recorder, c.ContentConfirmed)
			}
			if _, err := json.Marshal(c); err != nil {
				t.Errorf("line %d cannot be stored: %v", row.Line, err)
			}
		}
		again, _ := ParseEmergency(bytes.NewReader(data), fuzzZone, fuzzNow, "agent01")
		if !reflect.DeepEqual(rows, again) {
			t.Fatal("parsing the same file twice gave different rows")
		}
	})
}

// FuzzEmergencyRow writes one complaint as a row of the emergency form and
// parses it: the row is line 2; when valid, it keeps the time written
// (E1: the original time, which a row must give), its values trimmed, and
// it round-trips: written back out from the parsed complaint and parsed
// again, it gives the same complaint and the same key.
func FuzzEmergencyRow(f *testing.F) {
	f.Add("张伟", "3号楼", "13812345678", "zhang.wei@example.com", "大堂漏水", "修好", "phone", "Shanghai-Pudong",
		"property", "normal", "service", "zh-CN", false, false, int64(3600), true)
	f.Add(" Zhang ", "", "", "z@example.com", "leak,\nagain", "\"fix\" it", "email", "x", "", "", "", "en", true, true, int64(86400*3), false)
	f.Add("a", "", "+86 138-1234-5678", "", "c", "d", "onsite", "r", "", "urgent", "", "", false, true, int64(-1), true)
	f.Add("a", "", "12345", "", "c", "d", "phone", "r", "", "", "", "", false, false, int64(0), true)
	f.Fuzz(func(t *testing.T, name, unit, phone, email, content, demand, channel, region, dept, priority, nature, language string,
		vip, major bool, ago int64, rfc3339 bool) {
		// ago < 0 leaves the time out; otherwise the intake was ago
		// seconds (up to ten years) before now.
		intake, cell := time.Time{}, ""
		if ago >= 0 {
			intake = fuzzNow.Add(-time.Duration(ago%(10*365*86400)) * time.Second)
			if rfc3339 {
				intake = intake.Truncate(time.Second)
				cell = intake.In(time.FixedZone("", -5*3600)).Format(time.RFC3339)
			} else {
				intake = intake.Truncate(time.Minute)
				cell = intake.In(fuzzZone).Format("2006-01-02 15:04")
			}
		}
		values := map[string]string{"intake_at": cell, "complainant_name": name, "complainant_unit": unit, "phone": phone,
			"email": email, "content": content, "demand": demand, "channel": channel, "region": region, "department": dept,
			"priority": priority, "vip": strconv.FormatBool(vip), "major": strconv.FormatBool(major), "nature": nature, "language": language}
		row := parseOneRow(t, values)
		if len(row.Errors) > 0 {
			if cell == "" {
				if _, ok := fieldNamed(row.Errors, "intake_at"); !ok {
					t.Fatalf("a row without its time is refused, but not for intake_at: %v", row.Errors)
				}
			}
			return
		}
		c := row.Complaint
		if cell == "" {
			t.Fatalf("a row without its original time was accepted, with intake %v", c.IntakeAt)
		}
		if !c.IntakeAt.Equal(intake) || c.VIP != vip || c.Major != major {
			t.Fatalf("intake %v vip %v major %v, want %v %v %v", c.IntakeAt, c.VIP, c.Major, intake, vip, major)
		}
		if !strings.ContainsRune(name+content+demand, '\r') &&
			(c.ComplainantName != strings.TrimSpace(name) || c.Content != strings.TrimSpace(content) || c.Demand != strings.TrimSpace(demand)) {
			t.Fatalf("values changed: %q %q %q", c.ComplainantName, c.Content, c.Demand)
		}
		back := map[string]string{"intake_at": c.IntakeAt.Format(time.RFC3339), "complainant_name": c.ComplainantName,
			"complainant_unit": c.ComplainantUnit, "phone": c.Phone, "email": c.Email, "content": c.Content, "demand": c.Demand,
			"channel": string(c.Channel), "region": c.Region, "department": c.Department, "priority": string(c.Priority),
			"vip": strconv.FormatBool(c.VIP), "major": strconv.FormatBool(c.Major), "nature": c.Nature, "language": string(c.Language)}
		again := parseOneRow(t, back)
		if len(again.Errors) > 0 || again.Key != row.Key || !reflect.DeepEqual(again.Complaint, c) {
			t.Fatalf("the row does not round-trip:\n%+v\n%+v", row, again)
		}
	})
}

// parseOneRow writes values as the only row under a header of every
// column and parses the file.
func parseOneRow(t *testing.T, values map[string]string) EmergencyRow {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	rec := make([]string, len(EmergencyColumns))
	for i, c := range EmergencyColumns {
		rec[i] = values[c]
	}
	_ = w.Write(EmergencyColumns)
	_ = w.Write(rec)
	w.Flush()
	rows, err := ParseEmergency(&buf, fuzzZone, fuzzNow, "agent01")
	if err != nil || len(rows) != 1 || rows[0].Line != 2 {
		t.Fatalf("one row gave %d rows (%v)", len(rows), err)
	}
	return rows[0]
}
