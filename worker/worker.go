// Package worker registers the case workflows and activities on the task
// queue and runs them.
package worker

import (
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/closeloop/closeloop/activities"
	"github.com/closeloop/closeloop/workflows"
)

// Register adds every workflow and activity to r.
func Register(r sdkworker.Registry, a *activities.Activities) {
	RegisterWorkflows(r)
	r.RegisterActivityWithOptions(a.ComputeDue, activity.RegisterOptions{Name: workflows.ActivityComputeDue})
	r.RegisterActivityWithOptions(a.SendNotice, activity.RegisterOptions{Name: workflows.ActivitySendNotice})
	r.RegisterActivityWithOptions(a.CarryDue, activity.RegisterOptions{Name: workflows.ActivityCarryDue})
	r.RegisterActivityWithOptions(a.ReplanDue, activity.RegisterOptions{Name: workflows.ActivityReplanDue})
	r.RegisterActivityWithOptions(a.NextCaseNumber, activity.RegisterOptions{Name: workflows.ActivityNextCaseNumber})
	r.RegisterActivityWithOptions(a.SendAt, activity.RegisterOptions{Name: workflows.ActivitySendAt})
	r.RegisterActivityWithOptions(a.Digest, activity.RegisterOptions{Name: workflows.ActivityDigest})
	r.RegisterActivityWithOptions(a.ArchiveCase, activity.RegisterOptions{Name: workflows.ActivityArchive})
	r.RegisterActivityWithOptions(a.ArchiveEvents, activity.RegisterOptions{Name: workflows.ActivityArchiveEvents})
	r.RegisterActivityWithOptions(a.OpenSupervision, activity.RegisterOptions{Name: workflows.ActivityOpenSupervision})
	r.RegisterActivityWithOptions(a.ReportOrphanNumbers, activity.RegisterOptions{Name: workflows.ActivityReportOrphanNumbers})
}

// RegisterWorkflows adds the workflows only, as the replayer needs.
func RegisterWorkflows(r sdkworker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(workflows.ComplaintWorkflow, workflow.RegisterOptions{Name: workflows.ComplaintWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.RepairWorkflow, workflow.RegisterOptions{Name: workflows.RepairWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.ConsultationWorkflow, workflow.RegisterOptions{Name: workflows.ConsultationWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.MediaInquiryWorkflow, workflow.RegisterOptions{Name: workflows.MediaInquiryWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.CollaborationWorkflow, workflow.RegisterOptions{Name: workflows.CollaborationWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.SequenceWorkflow, workflow.RegisterOptions{Name: workflows.SequenceWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.DigestWorkflow, workflow.RegisterOptions{Name: workflows.DigestWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.SupervisionWorkflow, workflow.RegisterOptions{Name: workflows.SupervisionWorkflowName})
}

// Options tune the worker.
type Options struct {
	// StopTimeout is how long Stop lets running activities finish before
	// cancelling them (a graceful shutdown drains in-flight e-mail).
	StopTimeout time.Duration
}

// New builds a worker for the case task queue.
func New(c client.Client, a *activities.Activities, o Options) sdkworker.Worker {
	w := sdkworker.New(c, workflows.TaskQueue, sdkworker.Options{WorkerStopTimeout: o.StopTimeout})
	Register(w, a)
	return w
}
