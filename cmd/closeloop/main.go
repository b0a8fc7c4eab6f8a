// Command closeloop runs the whole product (`closeloop`, or `closeloop
// serve`) and, against a running one, manages cases (`closeloop case ...`).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/closeloop/closeloop/app"
	"github.com/closeloop/closeloop/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRoot().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "closeloop:", err)
		os.Exit(1)
	}
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "closeloop",
		Short:         "Complaints, repairs and requests as durable workflows",
		Long:          "Closeloop runs each case as a durable workflow that owns its deadlines.\nWith no command it serves: embedded engine, worker and HTTP API.",
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE:          serve,
	}
	root.AddCommand(&cobra.Command{
		Use:   "serve",
		Short: "Run the engine (unless TEMPORAL_ADDRESS is set), the worker and the HTTP API (CLOSELOOP_ROLE picks api or worker only)",
		Args:  cobra.NoArgs,
		RunE:  serve,
	})
	root.AddCommand(newCaseCommand())
	root.AddCommand(newDirectoryCommands()...)
	root.AddCommand(newOutboxCommand())
	root.AddCommand(newCalendarCommand())
	root.AddCommand(newImportCommand())
	root.AddCommand(newHealthcheckCommand())
	root.AddCommand(newBenchCommand())
	return root
}

func serve(cmd *cobra.Command, _ []string) error {
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	var h slog.Handler = slog.NewTextHandler(os.Stderr, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(os.Stderr, opts)
	}
	return app.Run(cmd.Context(), cfg, slog.New(h), cmd.OutOrStdout())
}
