package ops

import (
	"io"
	"net/http"
	"time"
)

// Timeouts bound how long a client may take over its request. There is no
// write timeout: a long answer (a report, a replan) must not be cut off.
type Timeouts struct {
	// Header is the time to send the request line and headers.
	Header time.Duration
	// Body is the time to send the request body, counted from the end of
	// the headers (CLOSELOOP_BODY_TIMEOUT).
	Body time.Duration
	// Idle is how long a kept-alive connection waits for its next request.
	Idle time.Duration
}

// DefaultTimeouts leave room for a 10 MiB emergency import over a slow
// line, and end a request whose body never comes within a minute.
var DefaultTimeouts = Timeouts{Header: 10 * time.Second, Body: 60 * time.Second, Idle: 2 * time.Minute}

// NewServer is the HTTP server for h with t in force.
//
// The body deadline is set per request (BodyDeadline) rather than as the
// server's ReadTimeout: once a handler has read its body the server keeps
// reading the connection in the background, and an expired ReadTimeout
// there would cancel the context of a handler still working on a long
// answer.
func NewServer(h http.Handler, t Timeouts) *http.Server {
	return &http.Server{Handler: BodyDeadline(h, t.Body), ReadHeaderTimeout: t.Header, IdleTimeout: t.Idle}
}

// BodyDeadline gives every request with a body d to send it: a body that
// stops arriving fails the handler's read, and the connection is closed,
// instead of holding it for ever. Once the body is read to its end the
// deadline is lifted, so the handler's own work is not bounded.
func BodyDeadline(h http.Handler, d time.Duration) http.Handler {
	if d <= 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
			h.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		if err := rc.SetReadDeadline(time.Now().Add(d)); err != nil {
			// Not a network connection (a test recorder, an in-process call).
			h.ServeHTTP(w, r)
			return
		}
		r.Body = &liftOnEOF{ReadCloser: r.Body, lift: func() { _ = rc.SetReadDeadline(time.Time{}) }}
		h.ServeHTTP(w, r)
	})
}

// liftOnEOF lifts the read deadline once the body is read to its end. A
// body left unread is drained by the server after the handler, still
// under the deadline.
type liftOnEOF struct {
	io.ReadCloser
	lift   func()
	lifted bool
}

func (b *liftOnEOF) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.lifted {
		b.lifted = true
		b.lift()
	}
	return n, err
}
