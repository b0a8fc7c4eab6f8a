package forms

// label is one field of the printed form in both languages.
type label struct {
	field string // JSON field name
	zh    string
	en    string
}

// complaintForm lists every field of the 客户投诉意见表 in the order of the
// paper form (C6): the intake fields of Complaint, then the processing fields
// that the workflow fills in later. Keeping both languages on one line makes
// a missing translation obvious in review.
var complaintForm = []label{
	{"no", "编号", "No."},
	{"intake_at", "投诉时间", "Complaint time"},
	{"registered_at", "登记时间", "Registration time"},
	{"complainant_name", "投诉人姓名", "Complainant name"},
	{"complainant_unit", "投诉人单位/部门", "Complainant unit/department"},
	{"phone", "联系电话", "Phone"},
	{"email", "电子邮箱", "E-mail"},
	{"language", "语言", "Language"},
	{"recorder", "记录人", "Recorder"},
	{"content", "投诉内容", "Complaint content"},
	{"demand", "客户诉求", "Customer demand"},
	{"content_confirmed", "投诉内容确认", "Complaint content confirmed"},
	{"channel", "投诉渠道", "Channel"},
	{"region", "区域", "Region"},
	{"priority", "优先级", "Priority"},
	{"vip", "VIP客户", "VIP customer"},
	{"major", "重大投诉", "Major complaint"},
	{"department", "受理部门", "Assigned department"},
	{"complained_department", "被投诉部门", "Department complained about"},
	{"complained_department_head", "被投诉部门负责人", "Head of the department complained about"},
	{"recording_ref", "录音编号", "Call recording reference"},
	{"nature", "投诉性质", "Nature of complaint"},
	{"handler", "处理人", "Handler"},
	{"handling_department", "处理部门", "Handling department"},
	{"handling_result", "处理结果", "Handling result"},
	{"completed_at", "完成时间", "Completion time"},
	{"return_visit_outcome", "回访结果", "Return-visit outcome"},
	{"return_visitor", "回访人", "Return visitor"},
	{"return_visit_at", "回访时间", "Return-visit time"},
}

// ComplaintFields returns the JSON names of every field of the complaint
// form in paper-form order, for rendering the form field by field.
func ComplaintFields() []string {
	fields := make([]string, len(complaintForm))
	for i, l := range complaintForm {
		fields[i] = l.field
	}
	return fields
}

// ComplaintLabels returns the form's field labels in lang, keyed by JSON
// field name, covering every field of the 客户投诉意见表 (C6). Any language
// other than "en" gets Chinese, the default (U1). The map is new on each
// call, so callers may change it.
func ComplaintLabels(lang Language) map[string]string {
	labels := make(map[string]string, len(complaintForm))
	for _, l := range complaintForm {
		if lang == LanguageEN {
			labels[l.field] = l.en
		} else {
			labels[l.field] = l.zh
		}
	}
	return labels
}

// FormTitle returns the title of the complaint form in lang; Chinese unless
// lang is "en".
func FormTitle(lang Language) string {
	if lang == LanguageEN {
		return "Customer complaint form"
	}
	return "客户投诉意见表"
}
