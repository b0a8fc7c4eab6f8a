package engine

import (
	"bytes"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
)

// The quick start's output stays what the README shows: the server's
// warning that Nexus has no HTTP port (none is opened on purpose) is
// dropped, other warnings pass.
func TestServerLoggerDropsNoHTTPPort(t *testing.T) {
	var buf bytes.Buffer
	l := newServerLogger(slog.New(slog.NewTextHandler(&buf, nil)), &atomic.Bool{})
	l.Warn("HTTP API port has not been set. Nexus HTTP endpoints will not be available.")
	l.Warn("shard IO timeout")
	if out := buf.String(); strings.Contains(out, "Nexus") || !strings.Contains(out, "shard IO timeout") {
		t.Errorf("log:\n%s", out)
	}
}
