package engine

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// serverLogger adapts the server's logger interface to slog. The engine is
// chatty at info level, so only warnings and errors pass; once shutdown
// starts, its services complain about each other going away, so nothing
// passes.
type serverLogger struct {
	log      *slog.Logger
	stopping *atomic.Bool
}

var _ log.Logger = serverLogger{}

func newServerLogger(l *slog.Logger, stopping *atomic.Bool) serverLogger {
	return serverLogger{log: l.With("component", "temporal"), stopping: stopping}
}

func (s serverLogger) Debug(msg string, tags ...tag.Tag) {}
func (s serverLogger) Info(msg string, tags ...tag.Tag)  {}
func (s serverLogger) Warn(msg string, tags ...tag.Tag)  { s.emit(slog.LevelWarn, msg, tags) }
func (s serverLogger) Error(msg string, tags ...tag.Tag) { s.emit(slog.LevelError, msg, tags) }
func (s serverLogger) DPanic(msg string, tags ...tag.Tag) {
	s.emit(slog.LevelError, msg, tags)
}
func (s serverLogger) Panic(msg string, tags ...tag.Tag) { s.emit(slog.LevelError, msg, tags) }
func (s serverLogger) Fatal(msg string, tags ...tag.Tag) { s.emit(slog.LevelError, msg, tags) }

// noHTTPPort is the server's warning (since v1.32) that Nexus has no HTTP
// port: the embedded engine opens none on purpose, so it is no news.
const noHTTPPort = "HTTP API port has not been set"

func (s serverLogger) emit(level slog.Level, msg string, tags []tag.Tag) {
	if s.stopping.Load() || strings.HasPrefix(msg, noHTTPPort) {
		return
	}
	attrs := make([]slog.Attr, len(tags))
	for i, t := range tags {
		attrs[i] = slog.Any(t.Key(), t.Value())
	}
	s.log.LogAttrs(context.Background(), level, msg, attrs...)
}
