package app

import (
	"context"
	"log/slog"
	"maps"
	"os"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/closeloop/closeloop/engine"
	"github.com/closeloop/closeloop/internal/enginetest"
	"github.com/closeloop/closeloop/workflows"
)

// A data directory made by an older release lacks a search attribute:
// EnsureNamespace adds it and returns only once the embedded engine's
// services all know it, so the first case started with it is accepted.
func TestEnsureNamespaceAddsAttributesUsableAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an embedded engine and waits for its caches (about a minute)")
	}
	var added string
	for name, typ := range workflows.SearchAttributes {
		if typ == enumspb.INDEXED_VALUE_TYPE_KEYWORD {
			added = name
			break
		}
	}
	older := maps.Clone(workflows.SearchAttributes)
	delete(older, added)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	_, c := enginetest.Start(t, engine.Options{SearchAttributes: older, Logger: log})
	ctx := context.Background()
	start := func(id string) error {
		_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: "nobody",
			TypedSearchAttributes: temporal.NewSearchAttributes(temporal.NewSearchAttributeKeyKeyword(added).ValueSet("x"))}, "Nothing")
		return err
	}
	if err := start("before"); err == nil {
		t.Fatalf("a start with %s, which the namespace lacks, was accepted", added)
	}
	began := time.Now()
	if err := EnsureNamespace(ctx, c, "default", workflows.SearchAttributes, engine.SearchAttributeCacheRefresh, log); err != nil {
		t.Fatal(err)
	}
	t.Logf("added %s; EnsureNamespace returned after %s", added, time.Since(began).Round(time.Second))
	if err := start("after"); err != nil {
		t.Fatalf("start with the added %s: %v", added, err)
	}
	// Nothing is missing now: no wait.
	began = time.Now()
	if err := EnsureNamespace(ctx, c, "default", workflows.SearchAttributes, engine.SearchAttributeCacheRefresh, log); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(began); waited > 10*time.Second {
		t.Errorf("EnsureNamespace with nothing to add took %s", waited)
	}
}
