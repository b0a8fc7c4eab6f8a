package workflows

import (
	"testing"

	"github.com/closeloop/closeloop/forms"
)

func TestSubject(t *testing.T) {
	long := "电梯在早高峰时段频繁停运，住户被困两次，物业没有及时处理，要求尽快维修并给出书面说明和赔偿方案。"
	for _, c := range []struct {
		name string
		v    CaseView
		want string
	}{
		{"complaint first line", CaseView{Form: &forms.Complaint{Content: "  Lift   broken\nsince Monday"}}, "Lift broken"},
		{"complaint cut", CaseView{Form: &forms.Complaint{Content: long}}, string([]rune(long)[:SubjectRunes-1]) + "…"},
		{"repair names the place", CaseView{Repair: &RepairRecord{Form: forms.Repair{Location: "3-2-401", Fault: "水管漏水"}}}, "3-2-401: 水管漏水"},
		{"consultation", CaseView{Consultation: &ConsultationRecord{Form: forms.Consultation{Question: "How do I pay the fee?"}}}, "How do I pay the fee?"},
		{"no content", CaseView{}, ""},
	} {
		if got := c.v.Subject(); got != c.want {
			t.Errorf("%s: Subject() = %q, want %q", c.name, got, c.want)
		}
	}
}
