package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// newHealthcheckCommand asks a running closeloop whether it is ready, for
// container health checks: the image has no shell or curl.
func newHealthcheckCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "healthcheck [URL]",
		Short: "Exit 0 when the URL (default http://127.0.0.1:8080/readyz) answers 200",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			url := "http://127.0.0.1:8080/readyz"
			if len(args) == 1 {
				url = args[0]
			}
			c := &http.Client{Timeout: 5 * time.Second}
			resp, err := c.Get(url)
			if err != nil {
				return err
			}
			defer func() { _ = resp.Body.Close() }()
			if resp.StatusCode != http.StatusOK {
				b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
				return fmt.Errorf("%s: %s %s", url, resp.Status, strings.TrimSpace(string(b)))
			}
			return nil
		},
	}
}
