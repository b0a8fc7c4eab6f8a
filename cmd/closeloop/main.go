// Command closeloop runs the whole product (`closeloop`, or `closeloop
// serve`) and, against a running one, manages cases (`closeloop case ...`).
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/closeloop/closeloop/app"
	"github.com/closeloop/closeloop/config"
	"github.com/closeloop/closeloop/internal/termsafe"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the command line args and returns the exit status.
// Everything the commands print goes through termsafe: cases, timelines
// and e-mails hold text users wrote, which must not drive the terminal.
// Standard error stays raw for the import's progress bar (a carriage
// return); the error it ends with is cleaned.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot()
	root.SetArgs(args)
	root.SetOut(&termsafe.Writer{W: stdout})
	root.SetErr(stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(stderr, "closeloop:", termsafe.String(err.Error()))
		return 1
	}
	return 0
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
	root.AddCommand(newEndSessionsCommand())
	root.AddCommand(newImportCommand())
	root.AddCommand(newHealthcheckCommand())
	root.AddCommand(newBenchCommand())
	root.AddCommand(newTLSCommand())
	root.AddCommand(newTemporalEnvCommand())
	root.AddCommand(newPayloadKeyCommand())
	checkSubcommands(root)
	return root
}

// checkSubcommands makes a mistyped subcommand an error with a suggestion
// on every command that has subcommands: cobra checks only the root's, and
// shows help with a zero exit for a group such as `case`.
func checkSubcommands(cmd *cobra.Command) {
	if !cmd.HasSubCommands() {
		return
	}
	cmd.Args = knownSubcommand
	cmd.SuggestionsMinimumDistance = 2 // cobra sets it only for the root's check
	if !cmd.Runnable() {
		cmd.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	}
	for _, c := range cmd.Commands() {
		checkSubcommands(c)
	}
}

// knownSubcommand refuses arguments to a command group: the first can only
// be a subcommand it does not have.
func knownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, " or ") + "?"
	} else {
		var names []string
		for _, c := range cmd.Commands() {
			if c.IsAvailableCommand() {
				names = append(names, c.Name())
			}
		}
		msg += "; its commands are " + strings.Join(names, ", ")
	}
	return fmt.Errorf("%s\nRun '%s --help' for usage", msg, cmd.CommandPath())
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
