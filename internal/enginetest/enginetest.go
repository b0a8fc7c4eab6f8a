// Package enginetest starts an embedded engine for a test, on a fresh data
// directory and free ports, with a client dialled to it; both stop when
// the test ends.
package enginetest

import (
	"log/slog"
	"os"
	"testing"

	"go.temporal.io/sdk/client"

	"github.com/closeloop/closeloop/engine"
)

// Start runs the engine with opts; a zero DataDir, Port, Namespace or
// Logger gets a temporary directory, a free port, "default" and errors
// only on stderr.
func Start(t *testing.T, opts engine.Options) (*engine.Engine, client.Client) {
	t.Helper()
	if opts.DataDir == "" {
		opts.DataDir = t.TempDir()
	}
	if opts.Port == 0 {
		port, err := engine.FreePort("127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		opts.Port = port
	}
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	}
	e, err := engine.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Stop)
	c, err := client.Dial(client.Options{HostPort: e.Address(), Namespace: opts.Namespace,
		ConnectionOptions: client.ConnectionOptions{TLS: e.ClientTLS()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return e, c
}
