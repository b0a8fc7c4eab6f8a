package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/closeloop/closeloop/identity"
)

// clientFlags adds the flags that reach a running Closeloop — server and
// who to be — to cmd and returns the client they make.
func clientFlags(cmd *cobra.Command) func() *apiClient {
	var server, token, as string
	cmd.PersistentFlags().StringVar(&server, "server", envOr("CLOSELOOP_URL", "http://127.0.0.1:8080"), "Closeloop API base URL (CLOSELOOP_URL)")
	cmd.PersistentFlags().StringVar(&token, "token", os.Getenv("CLOSELOOP_TOKEN"), "API token (CLOSELOOP_TOKEN)")
	cmd.PersistentFlags().StringVar(&as, "as", "", "act as the demo user with this username or role, from <data dir>/demo-credentials.json")
	cmd.PersistentPreRunE = func(*cobra.Command, []string) error {
		if as == "" {
			return nil
		}
		path := filepath.Join(envOr("CLOSELOOP_DATA_DIR", "data"), identity.DemoCredentialsFile)
		creds, err := identity.ReadDemoCredentials(path)
		if err != nil {
			return fmt.Errorf("--as %s: %w", as, err)
		}
		for _, u := range creds.Users {
			if u.Username == as || string(u.Role) == as {
				token = u.Token
				return nil
			}
		}
		return fmt.Errorf("--as %s: no such demo user or role in %s", as, path)
	}
	return func() *apiClient {
		return &apiClient{base: strings.TrimRight(server, "/"), token: token, http: &http.Client{Timeout: 60 * time.Second}}
	}
}

// The case commands talk to a running Closeloop over its HTTP API, so the
// CLI sees exactly what the API allows.
func newCaseCommand() *cobra.Command {
	cases := &cobra.Command{Use: "case", Short: "Create, list, show and act on cases"}
	api := clientFlags(cases)

	var file, kind string
	endpoints := map[string]string{"complaint": "/api/v1/complaints", "media-inquiry": "/api/v1/media-inquiries", "consultation": "/api/v1/consultations", "repair": "/api/v1/repairs", "collaboration": "/api/v1/collaborations"}
	create := &cobra.Command{
		Use:   "create [--type complaint|repair|consultation|media-inquiry|collaboration] -f form.json",
		Short: "Register a case from a JSON form (- for stdin)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, ok := endpoints[kind]
			if !ok {
				return fmt.Errorf("--type %q: want complaint, repair, consultation, media-inquiry or collaboration", kind)
			}
			body, err := readInput(cmd, file)
			if err != nil {
				return err
			}
			return api().do(cmd, http.MethodPost, path, body)
		},
	}
	create.Flags().StringVarP(&file, "file", "f", "", "form file (required; - for stdin)")
	create.Flags().StringVar(&kind, "type", "complaint", "case type: complaint, repair, consultation, media-inquiry or collaboration")
	_ = create.MarkFlagRequired("file")

	var typ, status, dept, overdue, parent string
	list := &cobra.Command{
		Use:   "list",
		Short: "List cases",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := url.Values{}
			for k, v := range map[string]string{"type": typ, "status": status, "department": dept, "overdue": overdue, "parent": parent} {
				if v != "" {
					q.Set(k, v)
				}
			}
			var page struct {
				Cases []struct {
					No, Type, Status, Department string
					NextDeadline                 *time.Time `json:"next_deadline"`
					EscalationLevel              int        `json:"escalation_level"`
					Overdue                      bool
				} `json:"cases"`
			}
			if err := api().get("/api/v1/cases?"+q.Encode(), &page); err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NO\tTYPE\tSTATUS\tDEPARTMENT\tNEXT DEADLINE\tLEVEL\tOVERDUE")
			for _, c := range page.Cases {
				next := "-"
				if c.NextDeadline != nil {
					next = c.NextDeadline.Local().Format("2006-01-02 15:04")
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%t\n", c.No, c.Type, c.Status, c.Department, next, c.EscalationLevel, c.Overdue)
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&typ, "type", "", "case type")
	list.Flags().StringVar(&status, "status", "", "status")
	list.Flags().StringVar(&dept, "department", "", "department code")
	list.Flags().StringVar(&overdue, "overdue", "", "true or false")
	list.Flags().StringVar(&parent, "parent", "", "requests opened by this case number")

	show := &cobra.Command{
		Use:   "show NO",
		Short: "Show a case with its deadlines and timeline (JSON)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return api().do(cmd, http.MethodGet, "/api/v1/cases/"+url.PathEscape(args[0]), nil)
		},
	}

	var actFile string
	var sets []string
	act := &cobra.Command{
		Use:   "act NO ACTION [-f input.json | --set key=value ...]",
		Short: "Perform a staff action, e.g. first-feedback, resolve, return-visit, extend, escalate",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			body, err := actionBody(cmd, actFile, sets)
			if err != nil {
				return err
			}
			return api().do(cmd, http.MethodPost, "/api/v1/cases/"+url.PathEscape(args[0])+"/actions/"+url.PathEscape(args[1]), body)
		},
	}
	act.Flags().StringVarP(&actFile, "file", "f", "", "action input JSON file (- for stdin)")
	act.Flags().StringArrayVar(&sets, "set", nil, "input field as key=value (true/false become booleans)")

	cases.AddCommand(create, list, show, act)
	return cases
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func readInput(cmd *cobra.Command, file string) ([]byte, error) {
	if file == "-" {
		return io.ReadAll(cmd.InOrStdin())
	}
	return os.ReadFile(file)
}

// actionBody builds the action input from a file or --set pairs.
func actionBody(cmd *cobra.Command, file string, sets []string) ([]byte, error) {
	if file != "" {
		return readInput(cmd, file)
	}
	in := map[string]any{}
	for _, kv := range sets {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--set %q: want key=value", kv)
		}
		switch v {
		case "true":
			in[k] = true
		case "false":
			in[k] = false
		default:
			in[k] = v
		}
	}
	return json.Marshal(in)
}

type apiClient struct {
	base  string
	token string
	http  *http.Client
}

// do sends a request and prints the JSON answer; an API error becomes the
// command's error with its field messages.
func (a *apiClient) do(cmd *cobra.Command, method, path string, body []byte) error {
	b, err := a.send(method, path, body)
	if err != nil {
		return err
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, b, "", "  ") != nil {
		pretty.Write(b)
	}
	_, err = fmt.Fprintln(cmd.OutOrStdout(), strings.TrimSpace(pretty.String()))
	return err
}

func (a *apiClient) get(path string, v any) error {
	b, err := a.send(http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func (a *apiClient) send(method, path string, body []byte) ([]byte, error) {
	return a.sendType(method, path, "application/json", body)
}

func (a *apiClient) sendType(method, path, contentType string, body []byte) ([]byte, error) {
	req, err := http.NewRequest(method, a.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("is closeloop running at %s? %w", a.base, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct {
				Code, Message string
				Fields        []struct{ Field, Message string }
			}
		}
		if json.Unmarshal(b, &e) != nil || e.Error.Message == "" {
			return nil, fmt.Errorf("%s %s: %s", method, path, resp.Status)
		}
		msg := fmt.Sprintf("%s (%s, HTTP %d)", e.Error.Message, e.Error.Code, resp.StatusCode)
		for _, f := range e.Error.Fields {
			msg += fmt.Sprintf("\n  %s: %s", f.Field, f.Message)
		}
		return nil, fmt.Errorf("%s", msg)
	}
	return b, nil
}
