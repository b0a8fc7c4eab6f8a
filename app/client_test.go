package app

import (
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
