package test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// sendgridSink stands in for SendGrid: it counts every message it accepts
// by notice ID and recipient, as SendGrid would — on receipt, before it
// answers — and answers the Email Activity API from those counts. It can
// hold each answer (so that e-mail is in flight) and be down (503).
type sendgridSink struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	accepted  map[string]int    // notice ID|address → messages accepted
	kind      map[string]string // notice ID|address → notice kind
	caseOf    map[string]string // notice ID|address → case number
	delay     time.Duration     // hold each answer this long
	down      bool              // answer 503
	inflight  int               // answers being held
	heldBy    map[string]int    // answers being held, by sender (the host path's first segment)
	abandoned int               // held answers whose sender went away
	refused   int               // 503s answered
	lookups   int               // Email Activity queries
}

func newSendgridSink(t *testing.T) *sendgridSink {
	s := &sendgridSink{t: t, accepted: map[string]int{}, kind: map[string]string{}, caseOf: map[string]string{}, heldBy: map[string]int{}}
	s.srv = httptest.NewServer(s)
	t.Cleanup(s.srv.Close)
	return s
}

func (s *sendgridSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer SG.cluster-test" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	// Each worker gets its own SENDGRID_HOST, http://…/<worker>, so the
	// sink knows who holds what.
	sender, path := "", r.URL.Path
	if i := strings.Index(path, "/v3/"); i > 0 {
		sender, path = strings.Trim(path[:i], "/"), path[i:]
	}
	switch {
	case r.Method == http.MethodPost && path == "/v3/mail/send":
		s.send(w, r, sender)
	case r.Method == http.MethodGet && path == "/v3/messages":
		s.activity(w, r)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func (s *sendgridSink) send(w http.ResponseWriter, r *http.Request, sender string) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	var m struct {
		Personalizations []struct {
			To []struct{ Email string } `json:"to"`
		} `json:"personalizations"`
		CustomArgs map[string]string `json:"custom_args"`
	}
	if err := json.Unmarshal(b, &m); err != nil || len(m.Personalizations) != 1 || len(m.Personalizations[0].To) != 1 || m.CustomArgs["notice_id"] == "" {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"errors":[{"message":"bad request"}]}`))
		return
	}
	key := m.CustomArgs["notice_id"] + "|" + m.Personalizations[0].To[0].Email
	s.mu.Lock()
	if s.down {
		s.refused++
		s.mu.Unlock()
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"errors":[{"message":"service unavailable"}]}`))
		return
	}
	s.accepted[key]++
	s.kind[key], s.caseOf[key] = m.CustomArgs["kind"], m.CustomArgs["case_no"]
	id := "msg-" + strconv.Itoa(len(s.accepted)) + "-" + strconv.Itoa(s.accepted[key])
	delay := s.delay
	s.inflight++
	s.heldBy[sender]++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inflight--
		s.heldBy[sender]--
		s.mu.Unlock()
	}()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done(): // the sender died holding it
			s.mu.Lock()
			s.abandoned++
			s.mu.Unlock()
			return
		}
	}
	w.Header().Set("X-Message-Id", id)
	w.WriteHeader(http.StatusAccepted)
}

// activity answers unique_args['notice_id']="…" AND to_email="…".
func (s *sendgridSink) activity(w http.ResponseWriter, r *http.Request) {
	var id, to string
	if _, err := fmt.Sscanf(r.URL.Query().Get("query"), "unique_args['notice_id']=%q AND to_email=%q", &id, &to); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lookups++
	msgs := []map[string]string{}
	if s.accepted[id+"|"+to] > 0 {
		msgs = append(msgs, map[string]string{"msg_id": "found-" + id, "to_email": to, "status": "delivered"})
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"messages": msgs})
}

func (s *sendgridSink) set(f func(*sendgridSink)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

// held is how many answers to sender are being held.
func (s *sendgridSink) held(sender string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.heldBy[sender]
}

// stats reads the counters under the lock.
func (s *sendgridSink) stats() (inflight, abandoned, refused, lookups int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inflight, s.abandoned, s.refused, s.lookups
}

// count is how many messages of kind went to the cases in nos ("" = any kind).
func (s *sendgridSink) count(kind string, nos []string) int {
	in := map[string]bool{}
	for _, no := range nos {
		in[no] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, c := range s.accepted {
		if in[s.caseOf[k]] && (kind == "" || s.kind[k] == kind) {
			n += c
		}
	}
	return n
}

// messages copies the counts of the cases in nos.
func (s *sendgridSink) messages(nos []string) map[string]int {
	in := map[string]bool{}
	for _, no := range nos {
		in[no] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for k, c := range s.accepted {
		if in[s.caseOf[k]] {
			out[k] = c
		}
	}
	return out
}
