package app

import (
	"crypto/tls"
	"log/slog"
	"testing"

	"go.temporal.io/sdk/client"
)

// The client of an embedded engine sends gRPC uncompressed (SDK v1.50
// gzips every message by default, pure CPU on loopback); a remote engine
// keeps the SDK's default.
func TestClientCompression(t *testing.T) {
	for _, tt := range []struct {
		uncompressed bool
		want         client.GrpcCompression
	}{{true, &client.GrpcCompressionNone{}}, {false, nil}} {
		opts, err := clientOptions{hostPort: "127.0.0.1:7233", namespace: "default", log: slog.Default(), uncompressed: tt.uncompressed}.sdk()
		if err != nil {
			t.Fatal(err)
		}
		if got := opts.ConnectionOptions.GrpcCompression; (got == nil) != (tt.want == nil) {
			t.Errorf("uncompressed=%v: GrpcCompression %T, want %T", tt.uncompressed, got, tt.want)
		} else if _, none := got.(*client.GrpcCompressionNone); tt.uncompressed && !none {
			t.Errorf("uncompressed: GrpcCompression %T, want none", got)
		}
	}
}

// The embedded engine's client certificate is what the client dials with,
// whatever TEMPORAL_TLS_* say; a remote engine's client takes those.
func TestClientPresentsTheEmbeddedEnginesCertificate(t *testing.T) {
	t.Setenv("TEMPORAL_TLS_SERVER_NAME", "elsewhere")
	engine := &tls.Config{ServerName: "temporal"}
	opts, err := clientOptions{hostPort: "127.0.0.1:7233", namespace: "default", log: slog.Default(), tls: engine}.sdk()
	if err != nil {
		t.Fatal(err)
	}
	if opts.ConnectionOptions.TLS != engine {
		t.Errorf("embedded: TLS %+v, want the engine's", opts.ConnectionOptions.TLS)
	}
	opts, err = clientOptions{hostPort: "temporal:7233", namespace: "default", log: slog.Default()}.sdk()
	if err != nil {
		t.Fatal(err)
	}
	if opts.ConnectionOptions.TLS == nil || opts.ConnectionOptions.TLS.ServerName != "elsewhere" {
		t.Errorf("remote: TLS %+v, want TEMPORAL_TLS_SERVER_NAME's", opts.ConnectionOptions.TLS)
	}
}
