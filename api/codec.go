package api

import (
	"io"
	"net/http"

	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/closeloop/closeloop/policies"
	"github.com/closeloop/closeloop/starter"
)

// maxCodecBody bounds one decode request: the Temporal UI sends a page of
// a history's payloads at a time.
const maxCodecBody = 8 << 20

// codecDecode is the remote codec the Temporal UI calls (its codec-server
// setting): {"payloads":[…]} in, the same decrypted out. Only the
// administrator may, and every use is audited. There is no /encode: the
// UI needs one only to send a signal or start a workflow with typed-in
// input, which staff do through Closeloop's own actions, checked by its
// policies, never straight to the engine.
//
// It is authenticated like the API but without the CSRF token header the
// UI cannot send: it changes nothing, a page of another site cannot post
// to it (the cross-origin protection in front of every route) nor read
// its answer (no CORS).
func (s *Server) codecDecode(w http.ResponseWriter, r *http.Request) {
	c, err := s.authenticate(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if s.Payloads == nil {
		s.fail(w, r, &starter.Error{Status: http.StatusNotFound, Code: "no_codec", Message: "payloads are not encrypted here"})
		return
	}
	namespace := r.Header.Get("X-Namespace")
	if s.Authz.AllowedOn(r.Context(), c.subject(), policies.ActionPayloadDecode, policies.PayloadsResource) != nil {
		s.Log.Warn("audit: temporal payload decode refused", "subject", c.Username, "role", c.Role, "namespace", namespace, "remote", r.RemoteAddr)
		s.fail(w, r, errForbidden("decoding the engine's payloads"))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCodecBody))
	if err != nil {
		s.fail(w, r, &starter.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: "request body over 8 MiB"})
		return
	}
	var in commonpb.Payloads
	if err := protojson.Unmarshal(body, &in); err != nil {
		s.fail(w, r, &starter.Error{Status: http.StatusBadRequest, Code: "invalid_json", Message: "want {\"payloads\":[…]} as the Temporal codec protocol sends it"})
		return
	}
	out, err := s.Payloads.Decode(in.GetPayloads())
	if err != nil {
		s.Log.Warn("audit: temporal payload decode failed", "subject", c.Username, "namespace", namespace, "payloads", len(in.GetPayloads()), "error", err)
		s.fail(w, r, &starter.Error{Status: http.StatusBadRequest, Code: "undecodable", Message: err.Error()})
		return
	}
	// The audit trail of who saw customer data in clear outside a case's
	// reveal: who, when (the log's time), in which namespace, how much.
	s.Log.Info("audit: temporal payloads decoded", "subject", c.Username, "role", c.Role, "namespace", namespace,
		"payloads", len(out), "remote", r.RemoteAddr)
	b, err := protojson.Marshal(&commonpb.Payloads{Payloads: out})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}
