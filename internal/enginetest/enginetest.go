// Package enginetest starts an embedded engine for a test, on a fresh data
// directory and free ports, with a client dialled to it; both stop when
// the test ends.
package enginetest

import (
	"context"
	"crypto/tls"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
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

// GRPCHealth asks the gRPC service on 127.0.0.1:port whether it serves,
// over TLS with conf (nil: plaintext), and returns the answer's code:
// Unavailable when the connection was refused.
func GRPCHealth(t *testing.T, port int, conf *tls.Config) codes.Code {
	t.Helper()
	creds := insecure.NewCredentials()
	if conf != nil {
		creds = credentials.NewTLS(conf)
	}
	conn, err := grpc.NewClient("127.0.0.1:"+strconv.Itoa(port), grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if code := status.Code(err); code != codes.DeadlineExceeded {
		return code
	}
	return codes.Unavailable // retried until the deadline: never connected
}
