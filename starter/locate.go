package starter

import (
	"context"
	"errors"

	"go.temporal.io/api/serviceerror"

	"github.com/closeloop/closeloop/archive"
	"github.com/closeloop/closeloop/workflows"
)

// LineReader reads a case's row in the archive; *archive.Store is one.
type LineReader interface {
	Line(ctx context.Context, no string) (archive.Line, error)
}

// Locate reads what access to case no is decided on (Summary), doing the
// same work whether the case exists or not: it always asks the engine for
// the case's workflow record and the archive for its row, one lookup each,
// and reads nothing else. A caller that answers "not found" for a case the
// user may not see then takes as long, and asks as much, as for a case
// that does not exist (issue 19). The full case (Case) is read only once
// access is granted.
//
// The engine's record wins when it has one: its search attributes are
// current, while the archive's row is written after each change and may
// lag, or be missing for a case started before the archive existed. Past
// the engine's retention the row is all there is.
func (s *Service) Locate(ctx context.Context, no string) (Summary, error) {
	if !validNo(no) {
		return Summary{}, notFound(no) // the shape of a number is no secret
	}
	d, err := s.Client.DescribeWorkflowExecution(ctx, workflows.CaseWorkflowID(no), "")
	line, lerr := archive.Line{}, archive.ErrNotFound
	if rows := s.lines(); rows != nil {
		line, lerr = rows.Line(ctx, no)
	}
	var nf *serviceerror.NotFound
	switch {
	case err == nil:
		if sum := s.summaryOf(d.GetWorkflowExecutionInfo()); sum.Type != "" {
			return sum, nil
		}
		return Summary{}, notFound(no) // not a case's workflow (a number sequence)
	case !errors.As(err, &nf):
		return Summary{}, translate(no, err)
	case lerr == nil:
		return Summary{No: line.No, Type: line.Type, Status: line.Status, Department: line.Department, Parent: line.Parent,
			RequestingDepartment: line.RequestingDepartment, EscalationLevel: int64(line.EscalationLevel), Overdue: line.Overdue,
			NextDeadline: line.NextDeadline, StartedAt: line.OpenedAt,
			Marks: Marks{VIP: line.VIP, Major: line.Major, Urgent: line.Urgent}}, nil
	case errors.Is(lerr, archive.ErrNotFound):
		return Summary{}, notFound(no)
	}
	return Summary{}, lerr
}

// lines is where Locate reads archive rows: Lines, else the archive.
func (s *Service) lines() LineReader {
	if s.Lines != nil {
		return s.Lines
	}
	if s.Archive != nil {
		return s.Archive
	}
	return nil
}
