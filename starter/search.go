package starter

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/closeloop/closeloop/archive"
)

// errNoArchive answers a search without an archive: only the archive
// indexes what search matches.
var errNoArchive = &Error{Status: http.StatusServiceUnavailable, Code: "no_archive", Message: "the archive is not configured"}

// Search finds cases in the archive's search index (issue 18) within
// scope: q is checked by the caller; customer matches the customer's phone
// and name too (only for who may reveal them, P1).
func (s *Service) Search(ctx context.Context, q string, customer bool, scope Scope, size int, token string) ([]archive.Hit, string, error) {
	if s.Archive == nil {
		return nil, "", errNoArchive
	}
	hits, next, err := s.Archive.Search(ctx, archive.SearchQuery{Text: q, Customer: customer, All: scope.All,
		Departments: scope.Departments, MinEscalation: scope.MinEscalation, Limit: size, After: token})
	if err != nil {
		return nil, "", fmt.Errorf("search: %w", err)
	}
	return hits, next, nil
}

// CustomerHistory is the other cases of case no's customer (same phone) within
// scope, newest first, at most size, and whether there are more.
func (s *Service) CustomerHistory(ctx context.Context, no string, scope Scope, size int) ([]archive.Earlier, bool, error) {
	if s.Archive == nil {
		return nil, false, errNoArchive
	}
	out, more, err := s.Archive.History(ctx, archive.HistoryQuery{No: no, All: scope.All, Departments: scope.Departments,
		MinEscalation: scope.MinEscalation, Limit: size})
	if err != nil {
		return nil, false, fmt.Errorf("history of %s: %w", no, err)
	}
	return out, more, nil
}

// ArchivedLine is the archive's list line of case no, for deciding access
// to what the archive answers about it.
func (s *Service) ArchivedLine(ctx context.Context, no string) (Summary, error) {
	if s.Archive == nil {
		return Summary{}, errNoArchive
	}
	if !validNo(no) {
		return Summary{}, notFound(no)
	}
	l, err := s.Archive.Line(ctx, no)
	if err != nil {
		if errors.Is(err, archive.ErrNotFound) {
			return Summary{}, notFound(no)
		}
		return Summary{}, err
	}
	return SummaryOfLine(l), nil
}

// SummaryOfLine is an archived list line as a case list shows it.
func SummaryOfLine(l archive.Line) Summary {
	return Summary{No: l.No, Type: l.Type, Status: l.Status, Department: l.Department,
		NextDeadline: l.NextDeadline, Parent: l.Parent, RequestingDepartment: l.RequestingDepartment,
		EscalationLevel: int64(l.EscalationLevel), Overdue: l.Overdue, StartedAt: l.OpenedAt,
		Marks: Marks{VIP: l.VIP, Major: l.Major, Urgent: l.Urgent}}
}
