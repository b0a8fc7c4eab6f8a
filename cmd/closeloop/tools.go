package main

import (
	"bufio"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/closeloop/closeloop/activities"
	"github.com/closeloop/closeloop/identity"
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
// key), with the e-mail each would have been.
func newOutboxCommand() *cobra.Command {
	var caseNo string
	var full bool
	cmd := &cobra.Command{
		Use:   "outbox [--case NO] [--full]",
		Short: "List the notices in the local outbox (<data dir>/outbox), newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o := &activities.Outbox{Dir: filepath.Join(envOr("CLOSELOOP_DATA_DIR", "data"), "outbox")}
			entries, err := o.List(caseNo)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "STORED\tCASE\tKIND\tTO\tSTATUS\tSUBJECT")
			for _, e := range entries {
				status, subject := e.Status, ""
				if status == "" {
					status = "kept"
				}
				if len(e.Messages) > 0 {
					subject = e.Messages[0].Subject
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s %s\t%s\t%s\n", e.StoredAt.Local().Format("2006-01-02 15:04:05"), e.Notice.CaseNo,
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
	return cmd
}
