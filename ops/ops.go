// Package ops serves what operators and orchestrators ask of every
// Closeloop process, whatever its role: /healthz (the process is alive),
// /readyz (it can do its work) and /metrics (Prometheus); and the HTTP
// server every process listens with, its timeouts (NewServer).
package ops

import (
	"encoding/json"
	"net/http"
)

// Mount adds the three endpoints to mux. ready returns nil when the
// process can serve; a nil ready is always ready, a nil metrics serves no
// /metrics. warnings, if not nil, names what needs an operator without
// making the process unready (the calendar's horizon): /readyz lists them.
func Mount(mux *http.ServeMux, ready func() error, warnings func() []string, metrics http.Handler) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		write(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if ready != nil {
			if err := ready(); err != nil {
				write(w, http.StatusServiceUnavailable, map[string]any{
					"error": map[string]string{"code": "not_ready", "message": err.Error()}})
				return
			}
		}
		body := map[string]any{"status": "ready"}
		if warnings != nil {
			if ws := warnings(); len(ws) > 0 {
				body["warnings"] = ws
			}
		}
		write(w, http.StatusOK, body)
	})
	if metrics != nil {
		mux.Handle("GET /metrics", metrics)
	}
}

// Handler is a mux with only the three endpoints, for a worker-only
// process.
func Handler(ready func() error, warnings func() []string, metrics http.Handler) http.Handler {
	mux := http.NewServeMux()
	Mount(mux, ready, warnings, metrics)
	return mux
}

func write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
