package policies

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/ory/ladon"
	"github.com/ory/ladon/manager/memory"
)

// Corpus is a generated set of policies of the shapes Closeloop's
// documents use — exact and pattern subjects, actions and resources, allow
// and deny, with and without conditions — and requests that hit and miss
// them. The decision benchmark and `closeloop bench` measure on it.
type Corpus struct {
	rng      *rand.Rand
	users    int
	Policies []ladon.Policy
}

// NewCorpus generates n policies; the same seed gives the same corpus.
func NewCorpus(seed uint64, n int) *Corpus {
	c := &Corpus{rng: rand.New(rand.NewPCG(seed, 7)), users: max(n/2, 4)}
	for i := range n {
		c.Policies = append(c.Policies, c.policy(i))
	}
	return c
}

var (
	corpusTypes = []string{"complaint", "repair", "consultation", "collaboration", "media_inquiry"}
	corpusActs  = []string{"route", "first-feedback", "resolve", "comment", "escalate", "sign", "accept", "rate"}
	corpusRoles = []string{"agent", "cs_head", "dept_staff", "dept_head", "maintenance", "qc", "manager", "admin"}
)

func (c *Corpus) pick(list []string) string { return list[c.rng.IntN(len(list))] }

func (c *Corpus) policy(i int) ladon.Policy {
	p := &ladon.DefaultPolicy{ID: fmt.Sprintf("p%05d", i), Effect: ladon.AllowAccess, Conditions: ladon.Conditions{}}
	if c.rng.IntN(10) == 0 {
		p.Effect = ladon.DenyAccess
	}
	// Role-wide rules are few (60) whatever the size; the policies that
	// grow are the grants to single users.
	switch k := c.rng.IntN(10); {
	case i < 30 && k < 5:
		p.Subjects = []string{"role:<(" + c.pick(corpusRoles) + "|" + c.pick(corpusRoles) + ")>"}
	case i < 30:
		p.Subjects = []string{"user:u" + fmt.Sprint(c.rng.IntN(10)) + "<.*>"}
	case i < 60:
		p.Subjects = []string{"role:" + c.pick(corpusRoles), "user:u" + fmt.Sprint(c.rng.IntN(c.users))}
	default:
		p.Subjects = []string{"user:u" + fmt.Sprint(c.rng.IntN(c.users))}
	}
	switch c.rng.IntN(4) {
	case 0:
		p.Actions = []string{"case:act:<(" + c.pick(corpusActs) + "|" + c.pick(corpusActs) + ")>"}
	case 1:
		p.Actions = []string{ActionRead}
	default:
		p.Actions = []string{ActAction(c.pick(corpusActs)), ActionRead}
	}
	switch c.rng.IntN(3) {
	case 0:
		p.Resources = []string{"case:<.*>"}
	case 1:
		p.Resources = []string{"case:" + c.pick(corpusTypes) + ":<.*>"}
	default:
		p.Resources = []string{fmt.Sprintf("case:%s:TS-20261123-%04d", c.pick(corpusTypes), c.rng.IntN(50))}
	}
	switch c.rng.IntN(4) {
	case 0:
		p.Conditions[CtxCaseDepartment] = &SameDepartmentCondition{}
	case 1:
		p.Conditions[CtxCaseStatus] = &StringNotInCondition{Values: []string{"closed"}}
	case 2:
		p.Conditions[CtxEscalationLevel] = &AtLeastCondition{Min: c.rng.IntN(4)}
	}
	return p
}

// Request generates a request against the corpus.
func (c *Corpus) Request() *ladon.Request {
	subject := "user:u" + fmt.Sprint(c.rng.IntN(c.users))
	if c.rng.IntN(4) == 0 {
		subject = "role:" + c.pick(corpusRoles)
	}
	action := ActionRead
	if c.rng.IntN(2) == 0 {
		action = ActAction(c.pick(corpusActs))
	}
	depts := []string{"property", "engineering"}
	return &ladon.Request{Subject: subject, Action: action,
		Resource: fmt.Sprintf("case:%s:TS-20261123-%04d", c.pick(corpusTypes), c.rng.IntN(50)),
		Context: ladon.Context{CtxUserDepartment: c.pick(depts), CtxCaseDepartment: c.pick(depts),
			CtxCaseStatus: c.pick([]string{"routed", "closed"}), CtxEscalationLevel: c.rng.IntN(4)}}
}

// Wardens are two ladon wardens over the same policies: one on ladon's own
// MemoryManager (the baseline) and one on the Index, both quiet.
func Wardens(ps []ladon.Policy) (mem, idx *ladon.Ladon, err error) {
	mm := memory.NewMemoryManager()
	ix := NewIndex()
	for _, p := range ps {
		if err := mm.Create(context.Background(), p); err != nil {
			return nil, nil, err
		}
		if err := ix.Create(context.Background(), p); err != nil {
			return nil, nil, err
		}
	}
	return &ladon.Ladon{Manager: mm, AuditLogger: quietAudit{}, Metric: quietMetric{}},
		&ladon.Ladon{Manager: ix, Matcher: ix, AuditLogger: quietAudit{}, Metric: quietMetric{}}, nil
}
