package api

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/closeloop/closeloop/calendar"
	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/links"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
	"github.com/closeloop/closeloop/workflows/sla"
)

// publicEngine stands in for Temporal behind the customer's pages: the
// state query answers view (or "not found" when it is nil), an Update
// answers result or fails with updateErr. Any other call panics.
type publicEngine struct {
	client.Client
	view      *workflows.CaseView
	result    workflows.ActionResult
	updateErr error
}

type encoded struct{ v any }

func (e encoded) HasValue() bool { return true }
func (e encoded) Get(p any) error {
	b, err := json.Marshal(e.v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, p)
}

func (e *publicEngine) QueryWorkflowWithOptions(_ context.Context, r *client.QueryWorkflowWithOptionsRequest) (*client.QueryWorkflowWithOptionsResponse, error) {
	if e.view == nil {
		return nil, serviceerror.NewNotFound("no workflow " + r.WorkflowID)
	}
	return &client.QueryWorkflowWithOptionsResponse{QueryResult: encoded{*e.view}}, nil
}

func (e *publicEngine) UpdateWorkflow(context.Context, client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	return answer{e}, nil
}

type answer struct {
	e *publicEngine
}

func (a answer) WorkflowID() string { return "" }
func (a answer) RunID() string      { return "" }
func (a answer) UpdateID() string   { return "" }
func (a answer) Get(_ context.Context, p any) error {
	if a.e.updateErr != nil {
		return a.e.updateErr
	}
	return encoded{a.e.result}.Get(p)
}

const caseNo = "TS-20261123-0001"

// publicServer serves the customer's pages over a stand-in engine, in the
// default business zone (Asia/Shanghai).
func publicServer(t *testing.T, e *publicEngine) (*httptest.Server, *links.Signer) {
	t.Helper()
	cal := calendar.MustDefault()
	s := testServer(&starter.Service{Client: e, SLA: sla.Defaults(), Calendar: cal, Location: cal.Location()})
	signer, _ := links.NewSigner([]byte(strings.Repeat("k", 32)))
	s.Links = signer
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv, signer
}

func fetch(t *testing.T, method, target string, form url.Values) (int, http.Header, string) {
	t.Helper()
	var resp *http.Response
	var err error
	if method == http.MethodPost {
		resp, err = http.PostForm(target, form)
	} else {
		resp, err = http.Get(target)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	// The page as read: html/template writes "+" as "&#43;".
	return resp.StatusCode, resp.Header, html.UnescapeString(string(b))
}

func ratingToken(s *links.Signer, lang string) string {
	return s.Sign(links.Rating{CaseNo: caseNo, Round: 1, Language: lang, Expires: time.Now().Add(time.Hour), Nonce: "n1"})
}

// Rules U1, U2: the rating page is styled by its stylesheet, which its
// CSP allows (no inline style, which the CSP would block), in the
// customer's language with a switch to the other.
func TestRatingPageStylesheetAllowedByCSPU2(t *testing.T) {
	e := &publicEngine{view: &workflows.CaseView{No: caseNo, Status: workflows.StatusResolved,
		Form: &forms.Complaint{ComplainantName: "张伟", Content: "张伟: lift stuck between floors"}}}
	srv, signer := publicServer(t, e)
	for lang, want := range map[string][]string{
		"en":    {`<html lang="en">`, "How satisfied are you", `hreflang="zh-CN">中文</a>`, "张*: lift stuck between floors"},
		"zh-CN": {`<html lang="zh-CN">`, "您对我们的服务满意吗", `hreflang="en">English</a>`},
	} {
		code, h, body := fetch(t, http.MethodGet, srv.URL+"/rate/"+ratingToken(signer, lang), nil)
		if code != http.StatusOK || !strings.Contains(body, `name="score" value="5"`) {
			t.Fatalf("%s: %d %s", lang, code, body)
		}
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "style-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("%s: CSP %q does not allow exactly the page's own stylesheet", lang, csp)
		}
		if !strings.Contains(body, `<link rel="stylesheet" href="/static/public.css">`) || strings.Contains(body, "<style") || strings.Contains(body, "style=") {
			t.Errorf("%s: the page is not styled by its stylesheet alone: %s", lang, body)
		}
		if h.Get("Referrer-Policy") != "no-referrer" || h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: the link's token could leak: %v", lang, h)
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: page lacks %q", lang, w)
			}
		}
	}
	// The switch shows the other language.
	_, _, body := fetch(t, http.MethodGet, srv.URL+"/rate/"+ratingToken(signer, "en")+"?lang=zh-CN", nil)
	if !strings.Contains(body, "您对我们的服务满意吗") {
		t.Errorf("switch to Chinese: %s", body)
	}
}

// Rule C8: a link whose round was rated says so on opening, without the
// form; one whose case moved on says that.
func TestRatingLinkAlreadyRatedOnOpenC8(t *testing.T) {
	v := &workflows.CaseView{No: caseNo, Status: workflows.StatusRework, Rounds: 1,
		Ratings: []workflows.CustomerRating{{Round: 1, Score: 2}}}
	e := &publicEngine{view: v}
	srv, signer := publicServer(t, e)
	for lang, want := range map[string]string{"en": "You have already rated this", "zh-CN": "您已评价过"} {
		code, _, body := fetch(t, http.MethodGet, srv.URL+"/rate/"+ratingToken(signer, lang), nil)
		if code != http.StatusOK || !strings.Contains(body, want) || strings.Contains(body, `name="score"`) {
			t.Errorf("%s: used link on opening: %d %s", lang, code, body)
		}
		if !strings.Contains(body, `href="/status/`) {
			t.Errorf("%s: no way on to the case's status: %s", lang, body)
		}
	}
	v.Ratings = nil
	v.Status = workflows.StatusClosed
	for lang, want := range map[string]string{"en": "your case has moved on", "zh-CN": "您的案件已有新进展"} {
		code, _, body := fetch(t, http.MethodGet, srv.URL+"/rate/"+ratingToken(signer, lang), nil)
		if code != http.StatusOK || !strings.Contains(body, want) || strings.Contains(body, `name="score"`) {
			t.Errorf("%s: link of a closed case: %d %s", lang, code, body)
		}
	}
	// Rated from another tab meanwhile: sending again says it was used.
	v.Status, v.Ratings = workflows.StatusRework, []workflows.CustomerRating{{Round: 1, Score: 5}}
	e.updateErr = temporal.NewApplicationError("this rating link was already used", workflows.ErrInvalidState)
	code, _, body := fetch(t, http.MethodPost, srv.URL+"/rate/"+ratingToken(signer, "en"), url.Values{"score": {"4"}})
	if code != http.StatusConflict || !strings.Contains(body, "You have already rated this") {
		t.Errorf("second rating: %d %s", code, body)
	}
}

// Rules C8, R5, T3: a low rating tells the customer the case goes back to
// be put right and by when, in their language and the business zone with
// its label — no code, UTC instant or duration.
func TestLowRatingSaysWhatHappensNextC8(t *testing.T) {
	due := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC) // 18:00 in Shanghai
	e := &publicEngine{view: &workflows.CaseView{No: caseNo, Status: workflows.StatusResolved},
		result: workflows.ActionResult{No: caseNo, Status: workflows.StatusRework, Rounds: 1, Deadlines: []workflows.Deadline{
			{Name: sla.Rework, Round: 0, Due: due.Add(-48 * time.Hour), State: workflows.DeadlineMet},
			{Name: sla.Rework, Round: 1, Due: due, State: workflows.DeadlinePending},
			{Name: sla.ResultDelivery, Due: due.Add(72 * time.Hour), State: workflows.DeadlinePending}}}}
	srv, signer := publicServer(t, e)
	for lang, want := range map[string]string{
		"en":    "goes back to the team to be put right, and we will contact you again by 2026-11-25 18:00 (Beijing time, UTC+8).",
		"zh-CN": "您的案件已退回重新处理，我们会在 2026-11-25 18:00（北京时间） 前再次与您联系。",
	} {
		code, _, body := fetch(t, http.MethodPost, srv.URL+"/rate/"+ratingToken(signer, lang), url.Values{"score": {"1"}, "comment": {"still leaking"}})
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("%s: low rating: %d %s", lang, code, body)
		}
		for _, bad := range []string{"rework", "T10:00", "h0m", "UTC instant"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: page shows %q: %s", lang, bad, body)
			}
		}
	}
	// A good rating thanks, with no next step.
	e.result = workflows.ActionResult{No: caseNo, Status: workflows.StatusResolved}
	_, _, body := fetch(t, http.MethodPost, srv.URL+"/rate/"+ratingToken(signer, "en"), url.Values{"score": {"5"}})
	if !strings.Contains(body, "Thank you. Your rating") || strings.Contains(body, "put right") {
		t.Errorf("good rating: %s", body)
	}
}

func statusToken(s *links.Signer, lang string, expires time.Time) string {
	return s.SignStatus(links.Status{CaseNo: caseNo, Language: lang, Expires: expires})
}

// Rules U1, U2, P1, P2: the status page shows the customer where the case
// stands and the next promised time, in their language, and nothing
// internal: no staff, department, note, escalation, internal clock or code.
func TestStatusPageShowsProgressNothingInternalU1(t *testing.T) {
	reg := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	met := reg.Add(3 * time.Hour)
	v := &workflows.CaseView{No: caseNo, Type: "complaint", Status: workflows.StatusInProgress, Department: "property",
		Handler: "li.si", EscalationLevel: sla.LevelDeptHead, Escalation: "dept_head",
		Form:   &forms.Complaint{ComplainantName: "张伟", Phone: "13812345678", Content: "13812345678 water leaking from the ceiling"},
		Record: &workflows.ComplaintRecord{Handler: "li.si", HandlingDepartment: "property", TemporarySolution: "internal: bucket"},
		Deadlines: []workflows.Deadline{
			{Name: sla.FirstFeedback, Start: reg, Due: reg.Add(24 * time.Hour), State: workflows.DeadlineMet, MetAt: &met},
			{Name: sla.Resolution, Start: reg, Due: time.Now().Add(48 * time.Hour), State: workflows.DeadlinePending},
			{Name: sla.ResultDelivery, Start: reg, Due: time.Now().Add(96 * time.Hour), State: workflows.DeadlinePending},
			{Name: sla.SignFor, Start: reg, Due: time.Now().Add(time.Hour), State: workflows.DeadlinePending}},
		Escalations: []workflows.Escalation{{Reason: "escalated: plumber unreachable", Proposal: "call the landlord"}},
		Timeline:    []workflows.Event{{At: reg, Actor: "agent01", Kind: "comment", Message: "customer sounds angry, internal note"}},
	}
	e := &publicEngine{view: v}
	srv, signer := publicServer(t, e)
	for lang, want := range map[string][]string{
		"en": {"Your case is being handled.", "What happens next", "Your matter handled: by", "(Beijing time, UTC+8)",
			"A first reply to you", "done 2026-11-23 13:00 (Beijing time, UTC+8)", "We received your case", "water leaking from the"},
		"zh-CN": {"您的案件正在处理中。", "下一步", "处理完毕：不晚于", "（北京时间）", "首次答复您", "已于 2026-11-23 13:00（北京时间） 完成", "我们已收到您的案件"},
	} {
		code, h, body := fetch(t, http.MethodGet, srv.URL+"/status/"+statusToken(signer, lang, time.Now().Add(time.Hour)), nil)
		if code != http.StatusOK {
			t.Fatalf("%s: %d %s", lang, code, body)
		}
		if !strings.Contains(h.Get("Content-Security-Policy"), "style-src 'self'") || !strings.Contains(body, `href="/static/public.css"`) {
			t.Errorf("%s: status page not styled by its allowed stylesheet", lang)
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: status page lacks %q: %s", lang, w, body)
			}
		}
		for _, bad := range []string{"li.si", "property", "agent01", "internal", "plumber", "landlord", "dept_head", "first_feedback",
			"签收", "Sign for", "in_progress", "13812345678", "张伟"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: status page shows %q", lang, bad)
			}
		}
	}
	// A promise broken says so, with an apology, not "by" a past time.
	v.Deadlines[1].Due, v.Deadlines[1].State = time.Now().Add(-time.Hour), workflows.DeadlineBreached
	for lang, want := range map[string]string{"en": "We are late, and we are sorry", "zh-CN": "我们已经晚了，非常抱歉"} {
		_, _, body := fetch(t, http.MethodGet, srv.URL+"/status/"+statusToken(signer, lang, time.Now().Add(time.Hour)), nil)
		if !strings.Contains(body, want) || !strings.Contains(body, `<li class="late">`) {
			t.Errorf("%s: overdue promise: %s", lang, body)
		}
	}
	// Refused: a rating token (signed for another purpose), a forged, an
	// overlong and an expired link; a case that is not there.
	for name, c := range map[string]struct {
		path   string
		status int
		want   string
	}{
		"rating token": {"/status/" + ratingToken(signer, "en"), http.StatusBadRequest, "This link is not valid"},
		"forged":       {"/status/" + statusToken(signer, "en", time.Now().Add(time.Hour)) + "x", http.StatusBadRequest, "This link is not valid"},
		"overlong":     {"/status/" + strings.Repeat("a", links.MaxToken+1), http.StatusBadRequest, "This link is not valid"},
		"expired":      {"/status/" + statusToken(signer, "en", time.Now().Add(-time.Minute)), http.StatusGone, "This link has expired"},
	} {
		code, _, body := fetch(t, http.MethodGet, srv.URL+c.path, nil)
		if code != c.status || !strings.Contains(body, c.want) || strings.Contains(body, "water") {
			t.Errorf("%s: %d %s", name, code, body)
		}
	}
	e.view = nil
	if code, _, body := fetch(t, http.MethodGet, srv.URL+"/status/"+statusToken(signer, "en", time.Now().Add(time.Hour)), nil); code != http.StatusNotFound || !strings.Contains(body, "We cannot find this case") {
		t.Errorf("unknown case: %d %s", code, body)
	}
	// A status token does not rate.
	if code, _, _ := fetch(t, http.MethodPost, srv.URL+"/rate/"+statusToken(signer, "en", time.Now().Add(time.Hour)), url.Values{"score": {"1"}}); code != http.StatusBadRequest {
		t.Errorf("a status token rated: %d", code)
	}
}
