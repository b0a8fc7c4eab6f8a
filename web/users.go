package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
)

// The administrator's user list (issue 19): every user of the directory,
// each with a button that ends all their web sessions.

type userLine struct {
	Username   string `json:"username"`
	Name       string `json:"name"`
	Role       string `json:"role"`
	Department string `json:"department"`
}

func (s *Server) usersPage(rq *request) {
	var out struct {
		Users []userLine `json:"users"`
	}
	if !s.getJSON(rq, "/api/v1/users", &out) {
		return
	}
	s.render(rq, http.StatusOK, "users", map[string]any{"Users": out.Users, "Ended": rq.r.URL.Query().Get("ended"),
		"Count": rq.r.URL.Query().Get("count")})
}

// revokeSessions asks the API to end a user's sessions, with the form's
// CSRF token, and goes back to the list saying how many ended.
func (s *Server) revokeSessions(rq *request) {
	username := rq.r.PathValue("username")
	res := s.call(rq, http.MethodDelete, "/api/v1/users/"+url.PathEscape(username)+"/sessions", nil, "")
	if p := res.problem(); p != nil {
		s.fail(rq, p)
		return
	}
	var out struct {
		Ended int `json:"ended"`
	}
	if err := json.Unmarshal(res.body, &out); err != nil {
		s.fail(rq, s.internal(rq, err))
		return
	}
	http.Redirect(rq.w, rq.r, "/users?ended="+url.QueryEscape(username)+"&count="+strconv.Itoa(out.Ended), http.StatusSeeOther)
}
