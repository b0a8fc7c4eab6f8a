package main

import (
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/closeloop/closeloop/bench"
)

func newBenchCommand() *cobra.Command {
	cfg := bench.Defaults()
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure Closeloop against the bare engine it runs on and print the table",
		Long: "bench starts Closeloop in this process on a temporary data directory (embedded engine, worker, HTTP API)\n" +
			"and bare workflows on their own task queue against the same engine, measures figures 1-8 of the\n" +
			"benchmark (see docs/benchmark.md) and prints each with its baseline, the ratio and the target.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
			cfg.Progress = cmd.ErrOrStderr()
			t, err := bench.Run(cmd.Context(), cfg)
			if t != nil {
				t.Print(cmd.OutOrStdout())
			}
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Clients, "clients", cfg.Clients, "concurrent clients and users")
	f.DurationVar(&cfg.Duration, "duration", cfg.Duration, "length of each throughput and latency run")
	f.IntVar(&cfg.Open, "open", cfg.Open, "open cases for the inbox list and memory figures")
	f.IntVar(&cfg.Archived, "archived", cfg.Archived, "archived cases for the inbox list figure")
	f.IntVar(&cfg.Timers, "timers", cfg.Timers, "reminders falling due together")
	f.DurationVar(&cfg.TimerWindow, "timer-window", cfg.TimerWindow, "the window the reminders fall due in")
	f.IntVar(&cfg.Policies, "policies", cfg.Policies, "access policies for the decision figure")
	f.StringVar(&cfg.CPUProfileDir, "cpuprofile", "", "write CPU profiles of the API paths and their baselines to this directory")
	f.StringVar(&cfg.DataDir, "data", "", "keep the product's data in this directory (default: a temporary one, removed)")
	cmd.AddCommand(newBenchSearchCommand())
	return cmd
}

func newBenchSearchCommand() *cobra.Command {
	cfg := bench.SearchDefaults()
	cmd := &cobra.Command{
		Use:   "search",
		Short: "Measure search (figure 9) against the plain case list and print the table",
		Long: "bench search fills an archive with generated cases (a temporary SQLite file, or the empty PostgreSQL\n" +
			"database at --database-url), then measures GET /api/v1/search for each kind of query through the API\n" +
			"handler, beside the plain case list GET /api/v1/cases for the same user in the same run.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Progress = cmd.ErrOrStderr()
			t, err := bench.Search(cmd.Context(), cfg)
			if t != nil {
				t.Print(cmd.OutOrStdout())
			}
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Cases, "cases", cfg.Cases, "archived cases to search")
	f.IntVar(&cfg.Clients, "clients", cfg.Clients, "concurrent users")
	f.DurationVar(&cfg.Duration, "duration", cfg.Duration, "length of each measured kind of query")
	f.StringVar(&cfg.DatabaseURL, "database-url", "", "an empty PostgreSQL database for the archive (default: a temporary SQLite file)")
	return cmd
}
