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
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"

	"github.com/closeloop/closeloop/archive"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
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
	// it is one URL value for the template to escape. A metric no group
	// has decided gets a "no data" note instead of an empty chart.
	type chartLink struct {
		Name, URL, Target string
		Width, Height     int // CSS pixels, the SVG's own size
		NoData            bool
	}
	var charts []chartLink
	w, h := chartSize(len(rep.Groups))
	for _, m := range metrics {
		cq := reportQuery(rq.r.URL.Query())
		cq.Set("metric", m.Name)
		c := chartLink{Name: m.Name, URL: "/dashboard/chart.svg?" + cq.Encode(), Width: w * 4 / 3, Height: h * 4 / 3, NoData: !m.hasData(rep)}
		switch m.Name {
		case "resolution_rate":
			c.Target = fmt.Sprintf("%.0f%%", rep.Targets.ResolutionRate*100)
		case "satisfaction":
			c.Target = fmt.Sprintf("%.1f", rep.Targets.Satisfaction)
		}
		charts = append(charts, c)
	}
	// The form shows the period and grouping the report applied, the
	// defaults included, not only what was typed.
	applied := url.Values{}
	for k, v := range rq.r.URL.Query() {
		applied[k] = v
	}
	if failure == nil {
		applied.Set("from", rep.From)
		applied.Set("to", rep.To)
		applied.Set("group_by", rep.GroupBy)
	}
	csv := url.Values{}
	for k, v := range q {
		csv[k] = v
	}
	csv.Set("format", "csv")
	s.render(rq, http.StatusOK, "dashboard", map[string]any{"Report": rep, "Query": applied, "Charts": charts, "CSV": "/api/v1/reports/kpi?" + csv.Encode(), "Failure": failure, "Types": caseTypes,
		"GroupBys": archive.GroupBys, "Request": workflows.TypeCollaboration})
}

// format writes a metric's value as the table does: rates in per cent,
// scores and means with one decimal, counts whole.
func (m metric) format(v float64) string {
	switch {
	case m.top == 100:
		return fmt.Sprintf("%.1f%%", v)
	case m.Name == "extensions":
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

// hasData reports whether any group has the metric decided.
func (m metric) hasData(rep kpiReport) bool {
	return slices.ContainsFunc(rep.Groups, func(g archive.KPI) bool { _, ok := m.value(g); return ok })
}

// chart draws one metric by group as an SVG bar chart, each bar with its
// value, its target as a red line, axes in the page's language. It is
// served as an image, so nothing in it runs.
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
	v := view{s: s, Lang: rq.lang}
	p := plot.New()
	sans := font.Font{Typeface: "Liberation", Variant: "Sans"}
	for _, st := range []*text.Style{&p.X.Label.TextStyle, &p.Y.Label.TextStyle, &p.X.Tick.Label, &p.Y.Tick.Label} {
		st.Font.Typeface, st.Font.Variant = sans.Typeface, sans.Variant
	}
	// The axes say what is plotted, in the page's language.
	p.X.Label.Text = v.T("dash.by." + rep.GroupBy)
	p.Y.Label.Text = v.T("kpi." + m.Name)
	var values plotter.Values
	var groups, labels []string
	var points plotter.XYs
	top := m.top
	for i, g := range rep.Groups {
		val, ok := m.value(g)
		label := "–" // not decided in this group
		if ok {
			label = m.format(val)
		}
		values, groups = append(values, val), append(groups, v.GroupName(rep.GroupBy, g.Group))
		labels, points = append(labels, label), append(points, plotter.XY{X: float64(i), Y: val})
		top = max(top, val)
	}
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
		marks, err := plotter.NewLabels(plotter.XYLabels{XYs: points, Labels: labels})
		if err != nil {
			s.fail(rq, s.internal(rq, err))
			return
		}
		for i := range marks.TextStyle {
			marks.TextStyle[i].Font.Typeface, marks.TextStyle[i].Font.Variant = sans.Typeface, sans.Variant
			marks.TextStyle[i].XAlign, marks.TextStyle[i].YAlign = text.XCenter, text.YBottom
		}
		marks.Offset = vg.Point{Y: vg.Points(3)}
		p.Add(marks)
	}
	if m.target != nil {
		t := m.target(rep)
		line := plotter.NewFunction(func(float64) float64 { return t })
		line.Color = color.RGBA{R: 0xb0, G: 0x1c, B: 0x1c, A: 0xff}
		line.Width = vg.Points(2)
		line.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		p.Add(line)
	}
	// Headroom above the tallest bar for its value.
	p.Y.Min, p.Y.Max = 0, top*1.15
	if len(values) > 0 {
		p.X.Min, p.X.Max = -0.5, float64(len(values))-0.5
	}
	w, h := chartSize(len(values))
	wt, err := p.WriterTo(vg.Points(float64(w)), vg.Points(float64(h)), "svg")
	if err != nil {
		s.fail(rq, s.internal(rq, err))
		return
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		s.fail(rq, s.internal(rq, err))
		return
	}
	rq.w.Header().Set("Content-Type", "image/svg+xml") // no-store, as the page that shows it
	_, _ = rq.w.Write(buf.Bytes())
}

// chartSize is a chart's size in points for n groups; the page's <img>
// gets the same, so the browser keeps its proportions.
func chartSize(n int) (w, h int) { return max(320, 70*n), 240 }

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
