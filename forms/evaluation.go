package forms

import (
	"maps"
	"slices"
	"strings"
)

// Evaluation is the daily service evaluation (客服服务工作总结评估分析表,
// rule K3): every item graded 优/良/一般/差, with the problems found and
// the measures to improve.
type Evaluation struct {
	Items map[string]EvaluationItem `json:"items"`
	// Summary is the overall remark.
	Summary string `json:"summary,omitempty" bound:"text"`
}

// EvaluationItem is one graded item.
type EvaluationItem struct {
	Grade    string `json:"grade"`                           // 优, 良, 一般 or 差
	Problems string `json:"problems,omitempty" bound:"text"` // required for 一般 and 差
	Measures string `json:"measures,omitempty" bound:"text"` // improvement measures, likewise
}

// EvaluationItems are the items of the table (K3), with their labels.
var EvaluationItems = []label{
	{"etiquette", "服务礼仪", "Etiquette"},
	{"hotline_language", "热线用语", "Hotline language"},
	{"attitude", "服务态度", "Attitude"},
	{"record_completeness", "记录完整性", "Record completeness"},
	{"complaint_efficiency", "投诉处理效率", "Complaint-handling efficiency"},
	{"return_visit_quality", "回访质量", "Return-visit quality"},
	{"information_feedback", "信息反馈", "Information feedback"},
}

// EvaluationFields returns the items' field names and labels in lang, in
// the table's order.
func EvaluationFields(lang Language) [][2]string {
	out := make([][2]string, len(EvaluationItems))
	for i, l := range EvaluationItems {
		label := l.zh
		if lang == LanguageEN {
			label = l.en
		}
		out[i] = [2]string{l.field, label}
	}
	return out
}

// Grades, best first; English names are accepted as the same grade.
var Grades = []string{"优", "良", "一般", "差"}

var gradeAliases = map[string]string{"excellent": "优", "good": "良", "fair": "一般", "poor": "差"}

// Normalize trims and turns English grades into the table's.
func (e *Evaluation) Normalize() {
	for k, it := range e.Items {
		it.Grade = strings.TrimSpace(it.Grade)
		if g, ok := gradeAliases[strings.ToLower(it.Grade)]; ok {
			it.Grade = g
		}
		it.Problems, it.Measures = strings.TrimSpace(it.Problems), strings.TrimSpace(it.Measures)
		e.Items[k] = it
	}
	e.Summary = strings.TrimSpace(e.Summary)
}

// Validate reports every item missing or graded wrongly, and the problems
// and measures a fair or poor grade needs.
func (e Evaluation) Validate() Errors {
	var errs Errors
	for _, l := range EvaluationItems {
		it, ok := e.Items[l.field]
		switch {
		case !ok || it.Grade == "":
			errs.add("items."+l.field, CodeRequired, "%s (%s) needs a grade: 优, 良, 一般 or 差", l.en, l.zh)
		case !slices.Contains(Grades, it.Grade):
			errs.add("items."+l.field, CodeUnknownValue, "%s: grade %q is not one of 优, 良, 一般, 差", l.en, it.Grade)
		case (it.Grade == "一般" || it.Grade == "差") && (it.Problems == "" || it.Measures == ""):
			errs.add("items."+l.field, CodeRequired, "%s graded %s: name the problems and the improvement measures", l.en, it.Grade)
		}
		checkText(&errs, "items."+l.field+".problems", l.en+" problems", it.Problems, false, textMax())
		checkText(&errs, "items."+l.field+".measures", l.en+" measures", it.Measures, false, textMax())
	}
	// In key order, so the same form gets the same answer every time.
	for _, k := range slices.Sorted(maps.Keys(e.Items)) {
		if !slices.ContainsFunc(EvaluationItems, func(l label) bool { return l.field == k }) {
			errs.add("items."+k, CodeUnknownValue, "%q is not an item of the evaluation table", k)
		}
	}
	checkText(&errs, "summary", "summary", e.Summary, false, textMax())
	return errs
}
