package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/closeloop/closeloop/activities"
	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/identity"
	"github.com/closeloop/closeloop/starter"
)

// The directory commands make the secrets of a directory file: a password
// is read from standard input (never from the command line, where other
// users could see it), and a new token is printed once with the hash that
// goes into the file.
func newDirectoryCommands() []*cobra.Command {
	hash := &cobra.Command{
		Use:   "hash-password",
		Short: "Read a password from standard input and print its bcrypt hash for the directory file",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
			if err != nil && line == "" {
				return errors.New("give the password on standard input")
			}
			h, err := identity.HashPassword(strings.TrimRight(line, "\r\n"))
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), h)
			return err
		},
	}
	token := &cobra.Command{
		Use:   "new-token",
		Short: "Print a new API token and the hash to list under the user's token_hashes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t := identity.NewToken()
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "token: %s\nhash:  %s\n", t, identity.HashToken(t))
			return err
		},
	}
	return []*cobra.Command{hash, token}
}

// newOutboxCommand lists the notices kept in the local outbox (no SendGrid
// key), with the e-mail each would have been, or those SendGrid refused.
// Like the API it shows the customer masked and their links cut (P1);
// --unmasked shows the files as they are, to whoever may read them.
func newOutboxCommand() *cobra.Command {
	var caseNo string
	var full, unmasked bool
	cmd := &cobra.Command{
		Use:   "outbox [--case NO] [--full] [--unmasked]",
		Short: "List the notices in the local outbox (<data dir>/outbox), newest first, customers masked",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o := &activities.Outbox{Dir: filepath.Join(dataDir(), "outbox")}
			entries, err := o.List(caseNo)
			if err != nil {
				return err
			}
			for i, e := range entries {
				if !unmasked {
					entries[i] = e.Masked().HideLinks()
				}
			}
			loc, err := localZone()
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "STORED (%s)\tCASE\tKIND\tTO\tSTATUS\tSUBJECT\n", loc)
			for _, e := range entries {
				status, subject := e.Status, ""
				if status == "" {
					status = "kept"
				}
				if len(e.Messages) > 0 {
					subject = e.Messages[0].Subject
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s %s\t%s\t%s\n", e.StoredAt.In(loc).Format("2006-01-02 15:04:05"), e.Notice.CaseNo,
					e.Notice.Kind, e.Notice.To.Role, e.Notice.To.Department, status, subject)
				if full {
					for _, m := range e.Messages {
						fmt.Fprintf(tw, "\t\t\t\t\t%s\n", strings.ReplaceAll(m.Text, "\n", " / "))
					}
					if e.Error != "" {
						fmt.Fprintf(tw, "\t\t\t\t\t%s\n", e.Error)
					}
				}
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&caseNo, "case", "", "only this case's notices")
	cmd.Flags().BoolVar(&full, "full", false, "show each message's text")
	cmd.Flags().BoolVar(&unmasked, "unmasked", false, "show the customers' names, addresses and links as stored (the files' reader sees them anyway)")
	return cmd
}

// newImportCommand enters an emergency registration form (CSV) through the
// API in batches, with a progress bar, and reports every row (E1).
func newImportCommand() *cobra.Command {
	imp := &cobra.Command{Use: "import", Short: "Enter cases recorded on paper during an outage"}
	api := clientFlags(imp)
	var batch int
	emergency := &cobra.Command{
		Use:   "emergency FILE.csv",
		Short: "Enter an emergency registration form (应急登记表) with the cases' original times",
		Long: "Columns (first row): " + strings.Join(forms.EmergencyColumns, ", ") + "; required: " + strings.Join(forms.EmergencyRequired, ", ") +
			".\nintake_at is the original time, e.g. 2026-11-23 08:15. Entering the same file again creates nothing twice.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			records, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if len(records) < 2 {
				return fmt.Errorf("%s: no rows under the header", args[0])
			}
			header, rows := records[0], records[1:]
			var total starter.ImportResult
			out := cmd.ErrOrStderr()
			for start := 0; start < len(rows); start += batch {
				end := min(start+batch, len(rows))
				var buf bytes.Buffer
				w := csv.NewWriter(&buf)
				_ = w.Write(header)
				_ = w.WriteAll(rows[start:end])
				res, err := api().sendType("POST", "/api/v1/imports/emergency", "text/csv", buf.Bytes())
				if err != nil {
					return fmt.Errorf("rows %d-%d: %w", start+2, end+1, err)
				}
				var part starter.ImportResult
				if err := json.Unmarshal(res, &part); err != nil {
					return err
				}
				shift := func(rs []starter.ImportedRow) []starter.ImportedRow {
					for i := range rs {
						rs[i].Line += start
					}
					return rs
				}
				total.Created = append(total.Created, shift(part.Created)...)
				total.Skipped = append(total.Skipped, shift(part.Skipped)...)
				for _, e := range part.Errors {
					e.Line += start
					total.Errors = append(total.Errors, e)
				}
				done := end * 30 / len(rows)
				fmt.Fprintf(out, "\r[%s%s] %d/%d rows", strings.Repeat("#", done), strings.Repeat(".", 30-done), end, len(rows))
			}
			fmt.Fprintln(out)
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "created %d, already entered %d, refused %d\n", len(total.Created), len(total.Skipped), len(total.Errors))
			for _, c := range total.Created {
				fmt.Fprintf(w, "  line %d → %s\n", c.Line, c.No)
			}
			for _, e := range total.Errors {
				for _, f := range e.Fields {
					fmt.Fprintf(w, "  line %d: %s: %s\n", e.Line, f.Field, f.Message)
				}
			}
			if len(total.Errors) > 0 {
				return fmt.Errorf("%d rows were not entered; fix them and enter the file again (entered rows are skipped)", len(total.Errors))
			}
			return nil
		},
	}
	emergency.Flags().IntVar(&batch, "batch", 100, "rows per request")
	imp.AddCommand(emergency)
	return imp
}
