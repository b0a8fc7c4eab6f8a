package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/closeloop/closeloop/starter"
)

// newCalendarCommand holds the administrator's calendar commands; they
// talk to a running Closeloop, so the policies decide who may use them.
func newCalendarCommand() *cobra.Command {
	cal := &cobra.Command{Use: "calendar", Short: "Business calendar administration"}
	api := clientFlags(cal)
	var dryRun bool
	replan := &cobra.Command{
		Use:   "replan [--dry-run]",
		Short: "Move the running working-day clocks of open cases to the calendar as it is now (after an upgrade or a new override file)",
		Long: "After an upgrade brings a new year's statutory holidays, or a new CLOSELOOP_CALENDAR_FILE,\n" +
			"lists each open case's running clock that now falls on another instant, with the old and new due time,\n" +
			"and (without --dry-run) has each case move it, record both times on its timeline, and tell the\n" +
			"customer when a time they were given moved later. Met, breached, paused and extended clocks are left\n" +
			"alone. A second run changes nothing. Needs the administrator's right.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			body, _ := json.Marshal(map[string]bool{"dry_run": dryRun})
			c := api()
			b, err := c.send(http.MethodPost, "/api/v1/calendar/replan", body)
			if err != nil {
				return err
			}
			var rep starter.ReplanReport
			if err := json.Unmarshal(b, &rep); err != nil {
				return fmt.Errorf("re-plan answer: %w", err)
			}
			loc, err := c.zone()
			if err != nil {
				return err
			}
			return printReplan(cmd, rep, loc)
		},
	}
	replan.Flags().BoolVar(&dryRun, "dry-run", false, "list what would move and change nothing")
	cal.AddCommand(replan)
	return cal
}

// printReplan shows the re-plan as a table, times in the business zone
// (rule T3).
func printReplan(cmd *cobra.Command, rep starter.ReplanReport, loc *time.Location) error {
	out := cmd.OutOrStdout()
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	if len(rep.Changes) > 0 {
		fmt.Fprintf(tw, "CASE\tCLOCK\tROUND\tOLD DUE (%s)\tNEW DUE\tMOVED\tSTATUS\n", loc)
	}
	for _, l := range rep.Changes {
		moved, status := "earlier", "moved"
		if l.Later {
			moved = "later"
		}
		switch {
		case rep.DryRun:
			status = "would move"
		case !l.Applied:
			status = "not moved"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", l.Case, l.Deadline, l.Round,
			l.OldDue.In(loc).Format("2006-01-02 15:04"), l.NewDue.In(loc).Format("2006-01-02 15:04"), moved, status)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	verb := "moved"
	if rep.DryRun {
		verb = "would move"
	}
	fmt.Fprintf(out, "%d open cases checked; %d clocks %s; calendar known through %d.\n", rep.Checked, len(rep.Changes), verb, rep.Horizon)
	for _, c := range rep.Check {
		day := "a day off"
		if c.Holiday != "" {
			day += " (" + c.Holiday + ")"
		}
		fmt.Fprintf(out, "check by hand: %s %s due %s falls on %s; agree a new time\n", c.Case, c.Deadline, c.Due.In(loc).Format("2006-01-02 15:04"), day)
	}
	for _, f := range rep.Failed {
		fmt.Fprintf(out, "failed: %s: %s\n", f.Case, f.Error)
	}
	if len(rep.Failed) > 0 {
		return fmt.Errorf("%d cases could not be re-planned; run again", len(rep.Failed))
	}
	return nil
}
