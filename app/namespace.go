package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"
)

// retention is how long the engine keeps closed cases; the SQL archive
// keeps them for good.
const retention = 30 * 24 * time.Hour

// EnsureNamespace registers the namespace if the service lacks it and adds
// any missing search attributes. It is safe to run on every start. When it
// adds attributes it waits settle before returning: the engine's services
// cache the attribute list (the embedded engine for up to a minute), and a
// case started before they all see the new attribute would be refused.
func EnsureNamespace(ctx context.Context, c client.Client, namespace string, attrs map[string]enumspb.IndexedValueType, settle time.Duration, log *slog.Logger) error {
	ws := c.WorkflowService()
	_, err := ws.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
	var nf *serviceerror.NamespaceNotFound
	if errors.As(err, &nf) {
		_, err = ws.RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
			Namespace:                        namespace,
			WorkflowExecutionRetentionPeriod: durationpb.New(retention),
		})
		var exists *serviceerror.NamespaceAlreadyExists
		if err != nil && !errors.As(err, &exists) {
			return fmt.Errorf("register namespace %s: %w", namespace, err)
		}
	} else if err != nil {
		return fmt.Errorf("describe namespace %s: %w", namespace, err)
	}

	ops := c.OperatorService()
	// A freshly registered namespace takes a few seconds to reach every
	// service; retry until the attributes can be listed.
	var have *operatorservice.ListSearchAttributesResponse
	for attempt := 0; ; attempt++ {
		have, err = ops.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
		if err == nil {
			break
		}
		if attempt == 30 {
			return fmt.Errorf("list search attributes: %w", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	missing := map[string]enumspb.IndexedValueType{}
	for name, typ := range attrs {
		if _, ok := have.GetCustomAttributes()[name]; !ok {
			missing[name] = typ
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = ops.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{Namespace: namespace, SearchAttributes: missing})
	var exists *serviceerror.AlreadyExists
	if err != nil && !errors.As(err, &exists) {
		// Another process starting at the same moment may have added them
		// first: that is success too.
		again, lerr := ops.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
		if lerr != nil || !hasAll(again, attrs) {
			return fmt.Errorf("add search attributes: %w", err)
		}
	}
	if settle == 0 {
		return nil
	}
	log.Info("search attributes added: waiting for the engine's caches to know them", "added", len(missing), "wait", settle)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(settle):
		return nil
	}
}

func hasAll(have *operatorservice.ListSearchAttributesResponse, attrs map[string]enumspb.IndexedValueType) bool {
	for name := range attrs {
		if _, ok := have.GetCustomAttributes()[name]; !ok {
			return false
		}
	}
	return true
}
