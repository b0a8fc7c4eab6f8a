package forms

import (
	"strings"
	"testing"
	"time"
)

// Rule E1: each row of the emergency form becomes a complaint with its
// original time; bad rows are reported by line and field while good rows
// are still read; the same content gives the same key.
func TestParseEmergency(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)
	csv := "\ufeffintake_at,complainant_name,phone,content,demand,channel,region,department,major\n" +
		"2026-11-23 08:15,张伟,13812345678,lobby leak,fix it,phone,Pudong,property,false\n" +
		"yesterday,李娜,13800000000,noise,stop it,phone,Pudong,,\n" +
		"2026-11-23 09:00,,13800000000,,x,fax,Pudong,,maybe\n" +
		"2026-11-23T00:15:00Z,张伟,13812345678,lobby leak,fix it,phone,Pudong,property,false\n"
	rows, err := ParseEmergency(strings.NewReader(csv), sh, now, "agent01")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("%d rows", len(rows))
	}
	good := rows[0]
	if len(good.Errors) != 0 || !good.Complaint.IntakeAt.Equal(time.Date(2026, 11, 23, 0, 15, 0, 0, time.UTC)) ||
		!good.Complaint.RegisteredAt.Equal(good.Complaint.IntakeAt) || good.Complaint.Recorder != "agent01" || good.Key == "" || good.Line != 2 {
		t.Fatalf("good row %+v", good)
	}
	if _, ok := fieldNamed(rows[1].Errors, "intake_at"); !ok || rows[1].Line != 3 {
		t.Errorf("row 3 errors %+v", rows[1].Errors)
	}
	for _, f := range []string{"complainant_name", "content", "channel", "major"} {
		if _, ok := fieldNamed(rows[2].Errors, f); !ok {
			t.Errorf("row 4 has no error for %s: %+v", f, rows[2].Errors)
		}
	}
	if rows[3].Key != good.Key {
		t.Error("the same complaint written with another time format has another key")
	}
	again, _ := ParseEmergency(strings.NewReader("intake_at,complainant_name,phone,content,demand,channel,region,department,priority\n"+
		"2026-11-23 08:15,张伟,13812345678,lobby leak,fix it now,phone,Pudong,engineering,high\n"), sh, now, "agent02")
	if len(again) != 1 || again[0].Key != good.Key {
		t.Error("the same complaint with a department filled in has another key")
	}
	for _, bad := range []string{"", "intake_at,colour\n", "intake_at,complainant_name\n"} {
		if _, err := ParseEmergency(strings.NewReader(bad), sh, now, "agent01"); err == nil {
			t.Errorf("header %q accepted", bad)
		}
	}
}
