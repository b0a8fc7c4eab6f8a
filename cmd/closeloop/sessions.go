package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/spf13/cobra"
)

// newEndSessionsCommand ends every web session of a user through the API
// (issue 19), so the policies decide: the administrator only.
func newEndSessionsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "end-sessions USERNAME",
		Short: "Sign a user out of every browser (all their web sessions end; API tokens are not affected)",
		Long: "Ends every web session of USERNAME on every API process, as the button on the Users page does:\n" +
			"for a lost device, a leaver or a session thought stolen. Needs the administrator's right; recorded\n" +
			"in the log (audit=sessions).",
		Args: cobra.ExactArgs(1),
	}
	api := clientFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		b, err := api().send(http.MethodDelete, "/api/v1/users/"+url.PathEscape(args[0])+"/sessions", nil)
		if err != nil {
			return err
		}
		var out struct {
			Username string `json:"username"`
			Ended    int    `json:"ended"`
		}
		if err := json.Unmarshal(b, &out); err != nil {
			return fmt.Errorf("end-sessions answer: %w", err)
		}
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "ended %d session(s) of %s\n", out.Ended, out.Username)
		return err
	}
	return cmd
}
