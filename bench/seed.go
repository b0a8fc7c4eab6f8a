package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
	"github.com/closeloop/closeloop/workflows/sla"
)

// seeders is how many cases are started at once when seeding: enough to
// keep the engine and worker busy, which a closed loop of Clients is not.
func (b *bench) seeders() int { return 4 * b.cfg.Clients }

// seedNo numbers the i-th seeded case of a type. The API numbers today's
// cases from 0001 upwards; seeded ones take six digits from 500000.
func seedNo(prefix string, i int) string {
	return fmt.Sprintf("%s-%s-%06d", prefix, time.Now().Format("20060102"), 500_000+i)
}

// startCase starts a case's workflow as the starter does — the same ID,
// task queue, input and search attributes — but numbered by the bench:
// through the API every number is an update on one sequence workflow,
// which would make seeding thousands of cases take longer than the run.
func (b *bench) startCase(ctx context.Context, no, caseType, workflowName, department string, input any) error {
	return (&starter.Service{Client: b.c}).StartNumbered(ctx, no, caseType, workflowName, department, input)
}

// seedComplaint starts the example complaint as case no.
func (b *bench) seedComplaint(ctx context.Context, no string) error {
	var f forms.Complaint
	if err := json.Unmarshal([]byte(complaintForm), &f); err != nil {
		return err
	}
	now := time.Now()
	f.Normalize(now)
	if errs := f.Validate(now); len(errs) > 0 {
		return fmt.Errorf("seeded complaint: %v", errs)
	}
	rules := sla.Defaults()
	in := workflows.ComplaintInput{No: no, Form: f, Policy: rules.Complaint, CreatedBy: agent, CollaborationPolicy: &rules.Collaboration}
	return b.startCase(ctx, no, workflows.TypeComplaint, workflows.ComplaintWorkflowName, f.Department, in)
}

// seedMediaInquiry starts a media inquiry received at the given instant.
func (b *bench) seedMediaInquiry(ctx context.Context, no string, received time.Time) error {
	f := forms.MediaInquiry{ReceivedAt: received, Outlet: "浦东时报", ReporterName: "陈静", ReporterPhone: "13998765432",
		Topic: "读者反映浦东花园小区大堂漏水两周未修，询问物业的处理情况和时间表。", ContactPerson: "王磊（客服中心主任）",
		Recorder: agent, Language: "zh-CN", HoldingReplyGiven: true}
	now := time.Now()
	f.Normalize(now)
	if errs := f.Validate(now); len(errs) > 0 {
		return fmt.Errorf("seeded media inquiry: %v", errs)
	}
	in := workflows.MediaInquiryInput{No: no, Form: f, Policy: sla.Defaults().MediaInquiry, CreatedBy: agent}
	return b.startCase(ctx, no, workflows.TypeMediaInquiry, workflows.MediaInquiryWorkflowName, "", in)
}
