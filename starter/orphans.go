package starter

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"

	"github.com/closeloop/closeloop/archive"
	"github.com/closeloop/closeloop/workflows"
)

// Orphans are the numbers 1..last of sequence key (e.g. TS-20261123) that
// never became a case: the engine has no workflow for them and the archive
// no record. A process killed between taking a number and starting its case
// leaves one (issue 17); a retry under the same Idempotency-Key fills it.
func (s *Service) Orphans(ctx context.Context, key string, last int) ([]string, error) {
	var out []string
	for i := 1; i <= last; i++ {
		no := fmt.Sprintf("%s-%04d", key, i)
		_, err := s.Client.DescribeWorkflowExecution(ctx, workflows.CaseWorkflowID(no), "")
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) && s.Archive != nil {
			_, err = s.Archive.Get(ctx, no)
			if errors.Is(err, archive.ErrNotFound) {
				err = nf
			}
		}
		switch {
		case errors.As(err, &nf):
			out = append(out, no)
		case err != nil:
			return nil, fmt.Errorf("case %s: %w", no, err)
		}
	}
	return out, nil
}
