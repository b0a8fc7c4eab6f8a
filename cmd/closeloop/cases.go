package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
)

// caseTypes are the case types as the API spells them (workflows.Type*,
// the "type" of a case, the list filter, the policies and the web's
// /new/{type}), each with the API collection that registers it.
var caseTypes = []struct{ name, collection string }{
	{workflows.TypeComplaint, "complaints"},
	{workflows.TypeRepair, "repairs"},
	{workflows.TypeConsultation, "consultations"},
	{workflows.TypeMediaInquiry, "media-inquiries"},
	{workflows.TypeCollaboration, "collaborations"},
}

// caseTypeList is "complaint, repair, …" for help and errors.
func caseTypeList() string {
	names := make([]string, len(caseTypes))
	for i, t := range caseTypes {
		names[i] = t.name
	}
	return strings.Join(names, ", ")
}

// caseType reads a --type value; "media-inquiry", the spelling of earlier
// releases' command line, is still accepted for existing scripts.
func caseType(s string) (name, collection string, err error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), "-", "_")
	for _, t := range caseTypes {
		if t.name == s {
			return t.name, t.collection, nil
		}
	}
	return "", "", fmt.Errorf("--type %q: want one of %s", s, caseTypeList())
}

// The case commands talk to a running Closeloop over its HTTP API, so the
// CLI sees exactly what the API allows.
func newCaseCommand() *cobra.Command {
	cases := &cobra.Command{Use: "case", Short: "Create, list, show and act on cases"}
	api := clientFlags(cases)

	var file, kind string
	var quiet bool
	create := &cobra.Command{
		Use:   "create [--type TYPE] -f form.json [--quiet]",
		Short: "Register a case from a JSON form (- for stdin); --quiet prints only its number",
		Example: `  NO=$(closeloop case create --as agent01 -f forms/examples/complaint.json --quiet)
  closeloop case create --as agent01 --type media_inquiry -f forms/examples/media_inquiry.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, collection, err := caseType(kind)
			if err != nil {
				return err
			}
			body, err := readInput(cmd, file)
			if err != nil {
				return err
			}
			if !quiet {
				return api().do(cmd, http.MethodPost, "/api/v1/"+collection, body)
			}
			b, err := api().send(http.MethodPost, "/api/v1/"+collection, body)
			if err != nil {
				return err
			}
			var c struct {
				No string `json:"no"`
			}
			if err := json.Unmarshal(b, &c); err != nil || c.No == "" {
				return fmt.Errorf("the API answered no case number: %s", b)
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), c.No)
			return err
		},
	}
	create.Flags().StringVarP(&file, "file", "f", "", "form file (required; - for stdin)")
	create.Flags().StringVar(&kind, "type", workflows.TypeComplaint, "case type: "+caseTypeList())
	create.Flags().BoolVarP(&quiet, "quiet", "q", false, "print only the new case's number")
	_ = create.MarkFlagRequired("file")

	var typ, status, dept, overdue, parent, pageToken string
	list := &cobra.Command{
		Use:   "list",
		Short: "List cases; times are in the business time zone (CLOSELOOP_TIMEZONE)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := url.Values{}
			if typ != "" {
				name, _, err := caseType(typ)
				if err != nil {
					return err
				}
				q.Set("type", name)
			}
			for k, v := range map[string]string{"status": status, "department": dept, "overdue": overdue, "parent": parent, "page_token": pageToken} {
				if v != "" {
					q.Set(k, v)
				}
			}
			c := api()
			loc, err := c.zone()
			if err != nil {
				return err
			}
			var page struct {
				Cases         []starter.Summary `json:"cases"`
				NextPageToken string            `json:"next_page_token"`
			}
			path := "/api/v1/cases"
			if len(q) > 0 {
				path += "?" + q.Encode()
			}
			if err := c.get(path, &page); err != nil {
				return err
			}
			return printCases(cmd, page.Cases, page.NextPageToken, loc)
		},
	}
	list.Flags().StringVar(&typ, "type", "", "case type: "+caseTypeList())
	list.Flags().StringVar(&status, "status", "", "status, e.g. registered, in_progress, resolved, closed")
	list.Flags().StringVar(&dept, "department", "", "department code")
	list.Flags().StringVar(&overdue, "overdue", "", "true or false")
	list.Flags().StringVar(&parent, "parent", "", "requests opened by this case number")
	list.Flags().StringVar(&pageToken, "page-token", "", "the next page, as the previous page's last line gives it")

	show := &cobra.Command{
		Use:   "show NO",
		Short: "Show a case with its deadlines and timeline (JSON)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return api().do(cmd, http.MethodGet, "/api/v1/cases/"+url.PathEscape(args[0]), nil)
		},
	}

	var actFile string
	var sets []string
	act := &cobra.Command{
		Use:   "act NO ACTION [-f input.json | --set key=value ...]",
		Short: "Perform a staff action, e.g. first-feedback, resolve, return-visit, extend, escalate",
		Long: "Perform a staff action. Each --set gives one field of the action's input, typed as the action\n" +
			"takes it: numbers as numbers, true/false as booleans, and times either with their offset\n" +
			"(2026-12-08T14:00:00+08:00) or as 2026-12-08 14:00 in the business time zone (CLOSELOOP_TIMEZONE).",
		Example: `  closeloop case act --as staff.property "$NO" first-feedback --set message="plumber booked for 14:00"
  closeloop case act --as agent01 "$NO" return-visit --set satisfied=true --set method=phone --set outcome="fixed"`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var body []byte
			var err error
			if actFile != "" {
				if len(sets) > 0 {
					return fmt.Errorf("give the input either with -f or with --set, not both")
				}
				body, err = readInput(cmd, actFile)
			} else {
				c := api()
				loc, zerr := c.zone()
				if zerr != nil {
					return zerr
				}
				body, err = actionBody(args[0], args[1], sets, loc)
			}
			if err != nil {
				return err
			}
			return api().do(cmd, http.MethodPost, "/api/v1/cases/"+url.PathEscape(args[0])+"/actions/"+url.PathEscape(args[1]), body)
		},
	}
	act.Flags().StringVarP(&actFile, "file", "f", "", "action input JSON file (- for stdin)")
	act.Flags().StringArrayVar(&sets, "set", nil, "input field as key=value, typed as the action takes it")

	cases.AddCommand(create, list, show, act)
	return cases
}

// printCases prints a page of cases with their next deadline in loc,
// labelled with the zone's name.
func printCases(cmd *cobra.Command, cases []starter.Summary, next string, loc *time.Location) error {
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "NO\tTYPE\tSTATUS\tDEPARTMENT\tNEXT DEADLINE (%s)\tLEVEL\tOVERDUE\n", loc)
	for _, c := range cases {
		due := "-"
		if c.NextDeadline != nil {
			due = c.NextDeadline.In(loc).Format("2006-01-02 15:04")
		}
		dept := c.Department
		if dept == "" {
			dept = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%t\n", c.No, c.Type, c.Status, dept, due, c.EscalationLevel, c.Overdue)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(cases) == 0 {
		fmt.Fprintln(cmd.OutOrStdout(), "(no cases)")
	}
	if next != "" {
		fmt.Fprintf(cmd.OutOrStdout(), "more: add --page-token %s\n", next)
	}
	return nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func readInput(cmd *cobra.Command, file string) ([]byte, error) {
	if file == "-" {
		return io.ReadAll(cmd.InOrStdin())
	}
	return os.ReadFile(file)
}

// actionBody builds an action's input from --set pairs, each value typed
// as the action's input field takes it. The input type comes from the
// case number and action, as the API decodes them; where that fails (an
// unknown action) the API will say so, and values are sent as they read.
func actionBody(no, action string, sets []string, loc *time.Location) ([]byte, error) {
	var fields map[string]reflect.Type
	if in, err := starter.ParseAction(no, action, []byte("{}")); err == nil {
		fields = jsonFields(reflect.TypeOf(in).Elem())
	}
	in := map[string]any{}
	for _, kv := range sets {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--set %q: want key=value", kv)
		}
		if _, dup := in[k]; dup {
			return nil, fmt.Errorf("--set %s is given twice", k)
		}
		if fields == nil {
			in[k] = guess(v)
			continue
		}
		t, ok := fields[k]
		if !ok {
			return nil, fmt.Errorf("--set %s: %s takes no %s; its fields are %s", k, action, k, strings.Join(fieldNames(fields), ", "))
		}
		val, err := typed(t, v, loc)
		if err != nil {
			return nil, fmt.Errorf("--set %s=%s: %w", k, v, err)
		}
		in[k] = val
	}
	return json.Marshal(in)
}

var timeType = reflect.TypeOf(time.Time{})

// jsonFields maps the JSON names of struct t's fields to their types;
// actor is left out, as the server sets it.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" || name == "actor" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = f.Type
	}
	return fields
}

func fieldNames(fields map[string]reflect.Type) []string {
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// typed converts v to what a field of type t takes.
func typed(t reflect.Type, v string, loc *time.Location) (any, error) {
	if t == timeType {
		if at, err := time.Parse(time.RFC3339, v); err == nil {
			return at, nil
		}
		for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
			if at, err := time.ParseInLocation(layout, v, loc); err == nil {
				return at, nil
			}
		}
		return nil, fmt.Errorf("want a time such as 2026-12-08 14:00 (%s) or 2026-12-08T14:00:00+08:00", loc)
	}
	switch t.Kind() {
	case reflect.String:
		return v, nil
	case reflect.Bool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("want true or false")
		}
		return b, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("want a whole number")
		}
		return n, nil
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, fmt.Errorf("want a number")
		}
		return f, nil
	}
	// Lists and objects are given as JSON.
	var raw json.RawMessage
	if err := json.Unmarshal([]byte(v), &raw); err != nil {
		return nil, fmt.Errorf("want JSON for this field, or use -f")
	}
	return raw, nil
}

// guess types a value for an input whose fields are unknown: JSON
// numbers and booleans as such, anything else as text.
func guess(v string) any {
	if v == "true" || v == "false" {
		return v == "true"
	}
	var n json.Number
	if json.Unmarshal([]byte(v), &n) == nil {
		return n
	}
	return v
}
