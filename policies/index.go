// Package policies holds Closeloop's access policies — ory/ladon documents
// in the JSON files beside this code — and the Go that loads, indexes and
// applies them. Everything is denied unless a policy allows it.
package policies

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/dlclark/regexp2"
	"github.com/ory/ladon"
	"github.com/ory/ladon/compiler"
)

// Index is a ladon.Manager that finds a request's candidate policies
// through maps by subject and by action, so a decision looks at the few
// policies that can apply instead of every one. Exact values are map keys;
// patterns are grouped by their literal prefix (the text before the first
// "<"), and only groups whose prefix the request starts with are scanned.
// Index is also the ladon matcher: each pattern is compiled once, when its
// policy is added, and never evicted, where ladon's default matcher
// recompiles whenever its fixed-size cache overflows.
type Index struct {
	mu       sync.RWMutex
	byID     map[string]*entry
	seq      int
	subjects side
	actions  side
	patterns map[string]*pattern
}

// pattern is a compiled policy pattern. The shapes Closeloop's documents
// use — "case:<.*>" and "case:act:<(route|comment)>" — are answered by a
// prefix test and a set look-up; anything else, or a value holding a line
// break (where "." and "$" differ), goes to the regular expression ladon
// itself would build, so every answer is the same as ladon's.
type pattern struct {
	prefix  string
	anyRest bool     // prefix then anything
	alts    []string // prefix then exactly one of these
	re      *regexp2.Regexp
}

var plainAlt = regexp.MustCompile(`^[A-Za-z0-9_:-]+$`)

func compilePattern(p ladon.Policy, s string) (*pattern, error) {
	re, err := compiler.CompileRegex(s, p.GetStartDelimiter(), p.GetEndDelimiter())
	if err != nil {
		return nil, err
	}
	pt := &pattern{re: re}
	start, end := string(p.GetStartDelimiter()), string(p.GetEndDelimiter())
	i := strings.Index(s, start)
	body, ok := strings.CutSuffix(s[i+1:], end)
	if !ok || strings.Contains(body, start) || strings.Contains(body, end) {
		return pt, nil // several variables, or text after the variable
	}
	pt.prefix = s[:i]
	if body == ".*" {
		pt.anyRest = true
		return pt, nil
	}
	if inner, ok := strings.CutPrefix(body, "("); ok {
		if inner, ok = strings.CutSuffix(inner, ")"); ok {
			alts := strings.Split(inner, "|")
			if !slices.ContainsFunc(alts, func(a string) bool { return !plainAlt.MatchString(a) }) {
				pt.alts = alts
			}
		}
	}
	return pt, nil
}

func (pt *pattern) match(needle string) bool {
	if !strings.Contains(needle, "\n") {
		switch {
		case pt.anyRest:
			return strings.HasPrefix(needle, pt.prefix)
		case pt.alts != nil:
			rest, ok := strings.CutPrefix(needle, pt.prefix)
			return ok && slices.Contains(pt.alts, rest)
		}
	}
	ok, err := pt.re.MatchString(needle)
	return err == nil && ok
}

// side indexes one field of the policies: subjects or actions.
type side struct {
	exact map[string][]*entry
	wild  map[string][]*entry // by literal prefix of a pattern
}

type entry struct {
	seq int
	p   ladon.Policy
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{byID: map[string]*entry{}, subjects: newSide(), actions: newSide(), patterns: map[string]*pattern{}}
}

func newSide() side { return side{exact: map[string][]*entry{}, wild: map[string][]*entry{}} }

// add files e under each of its values.
func (s side) add(e *entry, values []string) {
	for _, v := range values {
		m, key := s.exact, v
		if i := strings.IndexByte(v, e.p.GetStartDelimiter()); i >= 0 {
			m, key = s.wild, v[:i]
		}
		if list := m[key]; !slices.Contains(list, e) {
			m[key] = append(list, e)
		}
	}
}

func (s side) remove(e *entry) {
	for _, m := range []map[string][]*entry{s.exact, s.wild} {
		for k, list := range m {
			if list = slices.DeleteFunc(list, func(o *entry) bool { return o == e }); len(list) == 0 {
				delete(m, k)
			} else {
				m[k] = list
			}
		}
	}
}

// candidates are the policies that may match needle on this side, and
// their number.
func (s side) candidates(needle string) ([][]*entry, int) {
	lists := [][]*entry{s.exact[needle]}
	n := len(lists[0])
	for prefix, list := range s.wild {
		if strings.HasPrefix(needle, prefix) {
			lists = append(lists, list)
			n += len(list)
		}
	}
	return lists, n
}

var (
	_ ladon.Manager = (*Index)(nil)
	_               = ladon.Ladon{Matcher: (*Index)(nil)}
)

func isPattern(p ladon.Policy, s string) bool {
	return strings.IndexByte(s, p.GetStartDelimiter()) >= 0
}

// Create adds a policy; its patterns must compile.
func (x *Index) Create(_ context.Context, p ladon.Policy) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, ok := x.byID[p.GetID()]; ok {
		return fmt.Errorf("policy %q already exists", p.GetID())
	}
	if err := x.compile(p); err != nil {
		return err
	}
	x.seq++
	e := &entry{seq: x.seq, p: p}
	x.byID[p.GetID()] = e
	x.subjects.add(e, p.GetSubjects())
	x.actions.add(e, p.GetActions())
	return nil
}

func (x *Index) compile(p ladon.Policy) error {
	for _, list := range [][]string{p.GetSubjects(), p.GetActions(), p.GetResources()} {
		for _, s := range list {
			if !isPattern(p, s) || x.patterns[s] != nil {
				continue
			}
			pt, err := compilePattern(p, s)
			if err != nil {
				return fmt.Errorf("policy %q: pattern %q: %w", p.GetID(), s, err)
			}
			x.patterns[s] = pt
		}
	}
	return nil
}

// Update replaces a policy.
func (x *Index) Update(ctx context.Context, p ladon.Policy) error {
	if err := x.Delete(ctx, p.GetID()); err != nil {
		return err
	}
	return x.Create(ctx, p)
}

// Get returns a policy by ID.
func (x *Index) Get(_ context.Context, id string) (ladon.Policy, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	e, ok := x.byID[id]
	if !ok {
		return nil, ladon.NewErrResourceNotFound(fmt.Errorf("policy %q not found", id))
	}
	return e.p, nil
}

// Delete removes a policy.
func (x *Index) Delete(_ context.Context, id string) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	e, ok := x.byID[id]
	if !ok {
		return ladon.NewErrResourceNotFound(fmt.Errorf("policy %q not found", id))
	}
	delete(x.byID, id)
	x.subjects.remove(e)
	x.actions.remove(e)
	return nil
}

// GetAll returns the policies in the order they were added.
func (x *Index) GetAll(_ context.Context, limit, offset int64) (ladon.Policies, error) {
	all := x.all()
	if offset >= int64(len(all)) {
		return ladon.Policies{}, nil
	}
	all = all[offset:]
	if limit >= 0 && limit < int64(len(all)) {
		all = all[:limit]
	}
	return all, nil
}

func (x *Index) all() ladon.Policies {
	x.mu.RLock()
	defer x.mu.RUnlock()
	es := make([]*entry, 0, len(x.byID))
	for _, e := range x.byID {
		es = append(es, e)
	}
	return policiesOf(es)
}

func policiesOf(es []*entry) ladon.Policies {
	slices.SortFunc(es, func(a, b *entry) int { return a.seq - b.seq })
	out := make(ladon.Policies, len(es))
	for i, e := range es {
		out[i] = e.p
	}
	return out
}

// FindRequestCandidates returns the policies whose subjects and actions
// both match the request; ladon then checks resources and conditions. A
// matching policy is filed under the request's subject (exactly or by a
// pattern prefix) and likewise under its action, so the side with fewer
// candidates is scanned and each candidate checked on both.
func (x *Index) FindRequestCandidates(_ context.Context, r *ladon.Request) (ladon.Policies, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	lists, n := x.subjects.candidates(r.Subject)
	if al, an := x.actions.candidates(r.Action); an < n {
		lists = al
	}
	return x.pick(lists, func(p ladon.Policy) bool {
		return x.matchesAny(p, p.GetSubjects(), r.Subject) && x.matchesAny(p, p.GetActions(), r.Action)
	}), nil
}

// pick keeps the entries of lists that pass, once each: a policy is in one
// list at most once, but may be in several lists.
func (x *Index) pick(lists [][]*entry, pass func(ladon.Policy) bool) ladon.Policies {
	var out []*entry
	for _, list := range lists {
		for _, e := range list {
			// A policy in two lists (two of its subjects match) is
			// picked once; the few picked are cheaper to scan than a
			// map of every candidate is to build.
			if pass(e.p) && (len(lists) == 1 || !slices.Contains(out, e)) {
				out = append(out, e)
			}
		}
	}
	return policiesOf(out)
}

// FindPoliciesForSubject returns the policies that apply to subject.
func (x *Index) FindPoliciesForSubject(_ context.Context, subject string) (ladon.Policies, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	lists, _ := x.subjects.candidates(subject)
	return x.pick(lists, func(p ladon.Policy) bool { return x.matchesAny(p, p.GetSubjects(), subject) }), nil
}

// FindPoliciesForResource returns the policies that apply to resource.
func (x *Index) FindPoliciesForResource(_ context.Context, resource string) (ladon.Policies, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var out []*entry
	for _, e := range x.byID {
		if x.matchesAny(e.p, e.p.GetResources(), resource) {
			out = append(out, e)
		}
	}
	return policiesOf(out), nil
}

// Matches is ladon's matcher interface, over the precompiled patterns.
func (x *Index) Matches(p ladon.Policy, haystack []string, needle string) (bool, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.matchesAny(p, haystack, needle), nil
}

// matchesAny needs x.mu held. A pattern of a policy added elsewhere (ladon
// may ask about any policy) is compiled on the spot.
func (x *Index) matchesAny(p ladon.Policy, haystack []string, needle string) bool {
	for _, h := range haystack {
		if !isPattern(p, h) {
			if h == needle {
				return true
			}
			continue
		}
		pt := x.patterns[h]
		if pt == nil {
			var err error
			if pt, err = compilePattern(p, h); err != nil {
				continue
			}
		}
		if pt.match(needle) {
			return true
		}
	}
	return false
}
