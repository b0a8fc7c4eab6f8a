package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/closeloop/closeloop/calendar"
	"github.com/closeloop/closeloop/config"
	"github.com/closeloop/closeloop/identity"
)

// defaultURL is where the server listens without CLOSELOOP_HTTP_ADDR.
const defaultURL = "http://127.0.0.1:8080"

// dataDir is the data directory, from the variable the server reads.
func dataDir() string { return envOr("CLOSELOOP_DATA_DIR", "data") }

// endpoint is the API to talk to and how it was found, for an error that
// says what to set when nothing answers there.
type endpoint struct {
	url, from string
	zone      string // the server's time zone, when it published one
}

// findServer picks the API: --server, CLOSELOOP_URL, the address the
// running server wrote into the data directory, CLOSELOOP_HTTP_ADDR (the
// server's own setting), else the default port.
func findServer(flag string) endpoint {
	if flag != "" {
		return endpoint{url: flag, from: "--server"}
	}
	if v := os.Getenv("CLOSELOOP_URL"); v != "" {
		return endpoint{url: v, from: "CLOSELOOP_URL"}
	}
	if a, err := config.ReadAddress(dataDir()); err == nil {
		return endpoint{url: a.URL, from: config.AddressPath(dataDir()) + ", written by the server when it started", zone: a.TimeZone}
	}
	if v := os.Getenv("CLOSELOOP_HTTP_ADDR"); v != "" {
		return endpoint{url: config.DialURL(v), from: "CLOSELOOP_HTTP_ADDR"}
	}
	return endpoint{url: defaultURL, from: "the default; no server has written " + config.AddressPath(dataDir())}
}

// unreachable explains a failed connection with what to set.
func (e endpoint) unreachable(err error) error {
	return fmt.Errorf("no Closeloop answers at %s (%s): %w\n"+
		"Start it with `go run ./cmd/closeloop`. If it runs with another data folder, set CLOSELOOP_DATA_DIR to that folder;\n"+
		"if it listens elsewhere, set CLOSELOOP_URL=http://HOST:PORT or pass --server", e.url, e.from, err)
}

// businessZone is the zone times are shown in (rule T3): CLOSELOOP_TIMEZONE,
// else the one the server published, else the default.
func businessZone(published string) (*time.Location, error) {
	name, from := os.Getenv("CLOSELOOP_TIMEZONE"), "CLOSELOOP_TIMEZONE"
	if name == "" {
		name, from = published, config.AddressPath(dataDir())
	}
	if name == "" {
		name = calendar.DefaultZone
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("time zone %q from %s: %w", name, from, err)
	}
	return loc, nil
}

// localZone is businessZone for commands that read the data directory
// rather than the API.
func localZone() (*time.Location, error) {
	a, _ := config.ReadAddress(dataDir())
	return businessZone(a.TimeZone)
}

// clientFlags adds the flags that reach a running Closeloop — server and
// who to be — to cmd and returns the client they make.
func clientFlags(cmd *cobra.Command) func() *apiClient {
	var server, token, as string
	cmd.PersistentFlags().StringVar(&server, "server", "",
		"Closeloop API base URL (default: CLOSELOOP_URL, else the address the server wrote to <data dir>/"+config.AddressFile+", else "+defaultURL+")")
	cmd.PersistentFlags().StringVar(&token, "token", os.Getenv("CLOSELOOP_TOKEN"), "API token (CLOSELOOP_TOKEN)")
	cmd.PersistentFlags().StringVar(&as, "as", "", "act as the demo user with this username or role, from <data dir>/demo-credentials.json (data dir: CLOSELOOP_DATA_DIR, default data)")
	cmd.PersistentPreRunE = func(*cobra.Command, []string) error {
		if as == "" {
			return nil
		}
		path := filepath.Join(dataDir(), identity.DemoCredentialsFile)
		creds, err := identity.ReadDemoCredentials(path)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("--as %s: %s does not exist: start Closeloop once with this data folder, or set CLOSELOOP_DATA_DIR to the server's", as, path)
			}
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
		e := findServer(server)
		e.url = strings.TrimRight(e.url, "/")
		return &apiClient{endpoint: e, token: token, http: &http.Client{Timeout: 60 * time.Second}}
	}
}

type apiClient struct {
	endpoint
	token string
	http  *http.Client
}

// zone is the business zone for this server's times.
func (a *apiClient) zone() (*time.Location, error) { return businessZone(a.endpoint.zone) }

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
	req, err := http.NewRequest(method, a.url+path, bytes.NewReader(body))
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
		return nil, a.unreachable(err)
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
		if resp.StatusCode == http.StatusUnauthorized && a.token == "" {
			msg += "\nSign in with --as USERNAME|ROLE (a demo user) or --token / CLOSELOOP_TOKEN"
		}
		return nil, fmt.Errorf("%s", msg)
	}
	return b, nil
}
