package policies

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ory/ladon"
)

func TestLoadBuiltin(t *testing.T) {
	idx, err := Load(Builtin)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := idx.GetAll(context.Background(), -1, 0)
	if len(all) < 10 {
		t.Fatalf("%d builtin policies", len(all))
	}
}

// A broken policy document stops the start with the file and policy named.
func TestLoadErrorsNameFileAndPolicy(t *testing.T) {
	for _, tc := range []struct {
		name, doc, want string
	}{
		{"not an array", `{"id":"x"}`, "bad.json: not a JSON array"},
		{"unknown condition", `[{"id":"c1","subjects":["role:agent"],"actions":["case:read"],"resources":["case:<.*>"],"effect":"allow",
			"conditions":{"case_status":{"type":"NoSuchCondition"}}}]`, `bad.json: policy "c1": Could not find condition type NoSuchCondition`},
		{"bad effect", `[{"id":"e1","subjects":["role:agent"],"actions":["case:read"],"resources":["case:<.*>"],"effect":"maybe"}]`, `policy "e1": effect "maybe"`},
		{"no id", `[{"subjects":["role:agent"],"actions":["case:read"],"resources":["x"],"effect":"allow"}]`, "policy 1: id is required"},
		{"no resources", `[{"id":"r1","subjects":["role:agent"],"actions":["case:read"],"resources":[],"effect":"allow"}]`, `policy "r1": subjects, actions and resources`},
		{"broken pattern", `[{"id":"p1","subjects":["role:<(>"],"actions":["case:read"],"resources":["x"],"effect":"allow"}]`, `policy "p1": policy "p1": pattern "role:<(>"`},
		{"duplicate id", `[{"id":"d1","subjects":["a"],"actions":["b"],"resources":["c"],"effect":"allow"},{"id":"d1","subjects":["a"],"actions":["b"],"resources":["c"],"effect":"deny"}]`, `policy "d1": policy "d1" already exists`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(fstest.MapFS{"bad.json": {Data: []byte(tc.doc)}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := Load(fstest.MapFS{}); err == nil || !strings.Contains(err.Error(), "no *.json") {
		t.Fatalf("empty folder: %v", err)
	}
}

// The fast paths for "prefix<.*>" and "prefix<(a|b)>" answer exactly as
// ladon's regular expressions, line breaks included.
func TestPatternFastPathsAgreeWithLadon(t *testing.T) {
	p := &ladon.DefaultPolicy{}
	needles := []string{"case:", "case:x", "case:act:route", "case:act:routes", "case:act:", "case:act:route\n", "case:x\ny", "cas", "case:act:comment", "x"}
	for _, pat := range []string{"case:<.*>", "case:act:<(route|comment)>", "case:<[a-z]+>", "case:<.*>:x", "<.*>", "case:act:<(route|co.ment)>"} {
		pt, err := compilePattern(p, pat)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range needles {
			want, _ := pt.re.MatchString(n)
			if got := pt.match(n); got != want {
				t.Errorf("pattern %q on %q: %t, ladon's expression says %t", pat, n, got, want)
			}
		}
	}
}

func TestConditions(t *testing.T) {
	r := &ladon.Request{Context: ladon.Context{CtxUserDepartment: "property"}}
	ctx := context.Background()
	for _, tc := range []struct {
		c     ladon.Condition
		value any
		want  bool
	}{
		{SameDepartmentCondition{}, "property", true},
		{SameDepartmentCondition{}, "engineering", false},
		{SameDepartmentCondition{}, "", false},
		{SameDepartmentCondition{}, 3, false},
		{StringInCondition{Values: []string{"closed"}}, "closed", true},
		{StringInCondition{Values: []string{"closed"}}, "close", false},
		{StringNotInCondition{Values: []string{"closed"}}, "routed", true},
		{StringNotInCondition{Values: []string{"closed"}}, nil, false},
		{AtLeastCondition{Min: 1}, 1, true},
		{AtLeastCondition{Min: 1}, 0, false},
		{AtLeastCondition{Min: 1}, float64(3), true},
		{AtLeastCondition{Min: 1}, "3", false},
	} {
		if got := tc.c.Fulfills(ctx, tc.value, r); got != tc.want {
			t.Errorf("%s(%v) = %t, want %t", tc.c.GetName(), tc.value, got, tc.want)
		}
	}
	// With no department of their own, nobody matches "same department".
	if (SameDepartmentCondition{}).Fulfills(ctx, "", &ladon.Request{Context: ladon.Context{}}) {
		t.Error("empty departments matched")
	}
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
