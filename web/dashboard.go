package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/color"
	"net/http"
	"net/url"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/closeloop/closeloop/archive"
	"github.com/closeloop/closeloop/starter"
)

// kpiReport is the API's KPI report.
type kpiReport struct {
	From    string `json:"from"`
	To      string `json:"to"`
	GroupBy string `json:"group_by"`
	Targets struct {
		ResolutionRate float64 `json:"resolution_rate"`
		Satisfaction   float64 `json:"satisfaction"`
	} `json:"targets"`
	Groups []archive.KPI `json:"groups"`
	Total  archive.KPI   `json:"total"`
}

// metrics are the dashboard's charts: what each plots and its target
// line, if it has one.
type metric struct {
	Name   string
	value  func(archive.KPI) (float64, bool)
	target func(kpiReport) float64 // nil: no target line
	top    float64                 // the scale's top: 100 for rates, 5 for scores, else at least this
}

var metrics = []metric{
	{"first_feedback_on_time", func(k archive.KPI) (float64, bool) { return ptr(k.FirstFeedbackOnTime, 100) }, nil, 100},
	{"resolution_on_time", func(k archive.KPI) (float64, bool) { return ptr(k.ResolutionOnTime, 100) }, nil, 100},
	{"resolution_rate", func(k archive.KPI) (float64, bool) { return ptr(k.ResolutionRate, 100) },
		func(r kpiReport) float64 { return r.Targets.ResolutionRate * 100 }, 100},
	{"satisfaction", func(k archive.KPI) (float64, bool) { return ptr(k.Satisfaction, 1) },
		func(r kpiReport) float64 { return r.Targets.Satisfaction }, 5},
	{"return_visit_rounds", func(k archive.KPI) (float64, bool) { return ptr(k.ReturnVisitRounds, 1) }, nil, 1},
	{"extensions", func(k archive.KPI) (float64, bool) { return float64(k.Extensions), true }, nil, 1},
}

func ptr(f *float64, scale float64) (float64, bool) {
	if f == nil {
		return 0, false
	}
	return *f * scale, true
}

// reportQuery carries the dashboard's filter to the API.
func reportQuery(q url.Values) url.Values {
	out := url.Values{}
	for _, k := range []string{"from", "to", "group_by", "type", "department"} {
		if v := q.Get(k); v != "" {
			out.Set(k, v)
		}
	}
	return out
}

func (s *Server) dashboard(rq *request) {
	q := reportQuery(rq.r.URL.Query())
	res := s.call(rq, http.MethodGet, "/api/v1/reports/kpi?"+q.Encode(), nil, "")
	var rep kpiReport
	failure := res.problem()
	if failure == nil {
		_ = json.Unmarshal(res.body, &rep)
	} else if failure.Status != http.StatusBadRequest {
		s.fail(rq, failure)
		return
	}
	// Each chart's address carries the page's filter, built here so that
	// it is one URL value for the template to escape.
	type chartLink struct{ Name, URL, Target string }
	var charts []chartLink
	for _, m := range metrics {
		cq := reportQuery(rq.r.URL.Query())
		cq.Set("metric", m.Name)
		c := chartLink{Name: m.Name, URL: "/dashboard/chart.svg?" + cq.Encode()}
		switch m.Name {
		case "resolution_rate":
			c.Target = fmt.Sprintf("%.0f%%", rep.Targets.ResolutionRate*100)
		case "satisfaction":
			c.Target = fmt.Sprintf("%.1f", rep.Targets.Satisfaction)
		}
		charts = append(charts, c)
	}
	csv := url.Values{}
	for k, v := range q {
		csv[k] = v
	}
	csv.Set("format", "csv")
	s.render(rq, http.StatusOK, "dashboard", map[string]any{"Report": rep, "Query": rq.r.URL.Query(), "Charts": charts, "CSV": "/api/v1/reports/kpi?" + csv.Encode(), "Failure": failure, "Types": caseTypes,
		"GroupBys": archive.GroupBys})
}

// chart draws one metric by group as an SVG bar chart, with its target
// as a red line. It is served as an image, so nothing in it runs.
func (s *Server) chart(rq *request) {
	name := rq.r.URL.Query().Get("metric")
	i := slices.IndexFunc(metrics, func(m metric) bool { return m.Name == name })
	if i < 0 {
		s.fail(rq, &starter.Error{Status: http.StatusNotFound, Code: "not_found", Message: name})
		return
	}
	m := metrics[i]
	var rep kpiReport
	if !s.getJSON(rq, "/api/v1/reports/kpi?"+reportQuery(rq.r.URL.Query()).Encode(), &rep) {
		return
	}
	p := plot.New()
	var values plotter.Values
	var groups []string
	for _, g := range rep.Groups {
		v, _ := m.value(g)
		values, groups = append(values, v), append(groups, s.groupName(rq.lang, rep.GroupBy, g.Group))
	}
	// The axes say what is plotted, in the page's language.
	if s.i18n.has(rq.lang, "dash.by."+rep.GroupBy) {
		p.X.Label.Text = s.i18n.text(rq.lang, "dash.by."+rep.GroupBy)
	}
	p.Y.Label.Text = s.i18n.text(rq.lang, "kpi."+m.Name)
	if len(values) > 0 {
		bars, err := plotter.NewBarChart(values, vg.Points(28))
		if err != nil {
			s.fail(rq, s.internal(rq, err))
			return
		}
		bars.Color = color.RGBA{R: 0x1f, G: 0x5f, B: 0xa8, A: 0xff}
		bars.LineStyle.Width = 0
		p.Add(bars)
		p.NominalX(groups...)
	}
	if m.target != nil {
		t := m.target(rep)
		line := plotter.NewFunction(func(float64) float64 { return t })
		line.Color = color.RGBA{R: 0xb0, G: 0x1c, B: 0x1c, A: 0xff}
		line.Width = vg.Points(2)
		line.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		p.Add(line)
	}
	p.Y.Min, p.Y.Max = 0, max(p.Y.Max, m.top)
	if len(values) > 0 {
		p.X.Min, p.X.Max = -0.5, float64(len(values))-0.5
	}
	w, err := p.WriterTo(vg.Points(float64(max(320, 70*len(values)))), vg.Points(220), "svg")
	if err != nil {
		s.fail(rq, s.internal(rq, err))
		return
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		s.fail(rq, s.internal(rq, err))
		return
	}
	rq.w.Header().Set("Content-Type", "image/svg+xml")
	rq.w.Header().Set("Cache-Control", "no-cache")
	_, _ = rq.w.Write(buf.Bytes())
}

// GroupName is a report group's name in the page's language.
func (v view) GroupName(by, group string) string { return v.s.groupName(v.Lang, by, group) }

// groupName is a report group's name in lang: a department's or case
// type's name, a channel's label; a region as it was typed.
func (s *Server) groupName(lang, by, group string) string {
	switch {
	case group == "" && by == "department":
		return s.i18n.text(lang, "board.unrouted")
	case group == "":
		return "—"
	case by == "department":
		return s.deptName(lang, group)
	case by == "type" && s.i18n.has(lang, "type."+group):
		return s.i18n.text(lang, "type."+group)
	case by != "region" && s.i18n.has(lang, "value."+group):
		return s.i18n.text(lang, "value."+group)
	}
	return group
}
