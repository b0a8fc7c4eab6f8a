package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/closeloop/closeloop/forms"
)

// ActionAssign gives the case to a member of staff of its department
// (issue 18): the department head, or the customer-service head for cases
// with customer service, picks the person. It is an Update handler of its
// own, so histories from before it replay unchanged.
const ActionAssign = "assign"

// AssignInput names the person who handles the case from now on. That
// the handler exists, works in the case's department and is staff there
// is the API's check against the directory, which the workflow cannot read.
type AssignInput struct {
	Actor   string `json:"actor"`
	Handler string `json:"handler"`
	Note    string `json:"note,omitempty" bound:"text"`
}

func (c *core) checkAssign(_ workflow.Context, in AssignInput) error {
	if err := c.inStatus(ActionAssign); err != nil {
		return err
	}
	errs := fieldErrors(actorError(in.Actor), required("handler", in.Handler))
	if errs == nil && in.Handler == c.view.Handler {
		return invalidInput(forms.FieldError{Field: "handler", Code: "invalid", Message: "the case is already with " + in.Handler})
	}
	return errs
}

// assignHandler sets the handler within the current department; the
// clocks run on, and the new handler is told.
func (c *core) assignHandler(ctx workflow.Context, in AssignInput) error {
	now := workflow.Now(ctx)
	from := c.view.Handler
	c.view.Handler = in.Handler
	if c.view.Record != nil {
		c.view.Record.Handler = in.Handler
	}
	msg := "assigned to " + in.Handler
	if from != "" {
		msg = fmt.Sprintf("assigned from %s to %s", from, in.Handler)
	}
	if in.Note != "" {
		msg += ": " + in.Note
	}
	c.event(now, in.Actor, "assigned", msg, kv("from", from, "to", in.Handler, "note", in.Note))
	c.notify(ctx, Notice{Kind: NoticeAssignment, Reason: in.Note, To: Recipient{Role: "handler", Department: c.view.Department, Name: in.Handler}})
	return nil
}
