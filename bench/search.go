package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/closeloop/closeloop/api"
	"github.com/closeloop/closeloop/archive"
	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/identity"
	"github.com/closeloop/closeloop/policies"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/workflows"
)

// SearchConfig sizes the search benchmark (issue 18): Cases archived
// cases searched through the API by Clients users at once.
type SearchConfig struct {
	Cases    int
	Clients  int
	Duration time.Duration // of each measured query kind
	// DatabaseURL puts the archive on PostgreSQL (an empty database);
	// empty means a SQLite file in a temporary directory.
	DatabaseURL string
	Progress    io.Writer
}

// SearchDefaults are the sizes of the issue: 100,000 cases.
func SearchDefaults() SearchConfig {
	return SearchConfig{Cases: 100_000, Clients: 8, Duration: 5 * time.Second}
}

// The phrases the generated cases are made of. Each common topic is in
// about one case in len(topics); rareTopic in about one in 10,000.
var (
	topics = []string{"电梯故障停运", "楼道灯不亮", "地下车库漏水", "夜间施工噪音扰民", "物业费收费不合理", "垃圾清运不及时",
		"门禁卡失效无法进门", "绿化带无人修剪", "外墙瓷砖脱落", "热水供应中断", "停车位被长期占用", "小区保安态度差",
		"快递柜故障取不出件", "宠物粪便无人清理", "下水道堵塞反味", "窗户密封条老化漏风", "消防通道堆放杂物", "空调外机滴水",
		"Water leak in the kitchen ceiling", "Noise from construction at night", "Lift out of order again",
		"Parking fee charged twice", "Broken entrance gate", "Rubbish not collected for days"}
	places    = []string{"3号楼", "12栋", "B座", "东区", "西门", "地下二层", "Block 5", "Tower A"}
	rareTopic = "消防栓被撞坏喷水"
	surnames  = []string{"张", "王", "李", "赵", "刘", "陈", "杨", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高"}
	givens    = []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平",
		"刚", "桂英", "建华", "志强", "晓东", "海燕", "玉兰", "国庆", "春梅", "子涵"}
	benchDepartments = []string{"property", "engineering", "security", "cleaning"}
)

// customerOf is the generated customer i: one of Cases*3/5 customers, so
// that many have more than one case.
func benchCustomer(i int) (name, phone string) {
	return surnames[i%len(surnames)] + givens[(i/len(surnames))%len(givens)], fmt.Sprintf("13%09d", (i*7919+12345)%1_000_000_000)
}

// fillSearchArchive writes n closed and open cases with varied content,
// customers and departments.
func fillSearchArchive(ctx context.Context, store *archive.Store, n int, progress func(string, ...any)) error {
	r := rand.New(rand.NewPCG(18, 2026))
	customers := max(1, n*3/5)
	first := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
	batch := make([]workflows.CaseView, 0, 1000)
	for i := range n {
		opened := first.Add(time.Duration(i/300)*24*time.Hour + time.Duration(i%300)*time.Minute)
		name, phone := benchCustomer(r.IntN(customers))
		content := places[r.IntN(len(places))] + topics[r.IntN(len(topics))] + "，已多次反映，请尽快处理。"
		if i%10_000 == 7 {
			content = places[r.IntN(len(places))] + rareTopic
		}
		dept := benchDepartments[i%len(benchDepartments)]
		f := forms.Complaint{ComplainantName: name, Phone: phone, Content: content, Demand: "尽快处理", Channel: forms.ChannelPhone,
			Region: "Shanghai-Pudong", Department: dept, RegisteredAt: opened, IntakeAt: opened}
		v := workflows.CaseView{No: fmt.Sprintf("TS-%s-%04d", opened.Format("20060102"), i%300+1), Type: workflows.TypeComplaint,
			Status: workflows.StatusRouted, Department: dept, Form: &f,
			Timeline: []workflows.Event{{At: opened, Actor: agent, Kind: "registered", Message: "complaint registered"}}}
		if i < n*9/10 {
			closed := opened.Add(50 * time.Hour)
			v.Status, v.ClosedAt = workflows.StatusClosed, &closed
			v.Ratings = []workflows.CustomerRating{{At: closed, Round: 1, Score: 1 + r.IntN(5)}}
			v.Timeline = append(v.Timeline, workflows.Event{At: closed, Actor: agent, Kind: "closed", Message: "case closed"})
		}
		if batch = append(batch, v); len(batch) == cap(batch) || i == n-1 {
			if err := store.PutAll(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
			if (i+1)%20_000 == 0 {
				progress("… %d cases archived", i+1)
			}
		}
	}
	return nil
}

// Search measures the search API at cfg.Cases archived cases, each kind of
// query against the plain case list (the archive's list query through
// the same API, for the same user) in the same run.
func Search(ctx context.Context, cfg SearchConfig) (*Table, error) {
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	progress := func(format string, args ...any) {
		fmt.Fprintf(cfg.Progress, time.Now().Format("15:04:05")+" "+format+"\n", args...)
	}
	t := newTable()
	t.Load[0] = loadAverage()
	dir, err := os.MkdirTemp("", "closeloop-search-bench-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	store, err := archive.Open(ctx, cfg.DatabaseURL, filepath.Join(dir, "archive.db"))
	if err != nil {
		return nil, err
	}
	defer func() { _ = store.Close() }()
	db := "SQLite"
	if cfg.DatabaseURL != "" {
		db = "PostgreSQL"
	}
	progress("search: %d cases into the archive (%s)", cfg.Cases, db)
	if err := fillSearchArchive(ctx, store, cfg.Cases, progress); err != nil {
		return nil, err
	}
	if err := store.Analyze(ctx); err != nil {
		return nil, err
	}
	h, err := searchAPI(store)
	if err != nil {
		return nil, err
	}
	get := func(token, path string) error {
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			return fmt.Errorf("GET %s: %d %s", path, rec.Code, rec.Body.String())
		}
		return nil
	}
	run := func(what, token string, path func(seq int) string) (result, error) {
		progress("search: %s, %d users, %s", what, cfg.Clients, cfg.Duration)
		res := load(ctx, cfg.Clients, cfg.Duration, 0, func(_ context.Context, _, seq int) error { return get(token, path(seq)) })
		return res, res.ok(what)
	}
	customers := max(1, cfg.Cases*3/5)
	q := func(s string) string { return "/api/v1/search?page_size=20&q=" + url.QueryEscape(s) }
	r := rand.New(rand.NewPCG(7, 18))
	randomCustomer := func() (string, string) { return benchCustomer(r.IntN(customers)) }
	lists := map[string]result{}
	for _, u := range []struct{ token, what string }{{searchAgentToken, "agent"}, {searchStaffToken, "property staff"}} {
		res, err := run("plain case list (baseline), "+u.what, u.token, func(int) string { return "/api/v1/cases?page_size=20" })
		if err != nil {
			return t, err
		}
		lists[u.token] = res
	}
	for _, k := range []struct {
		what, token string
		path        func(seq int) string
	}{
		{"content, Chinese, common (4 chars, ~1 case in 24)", searchAgentToken, func(seq int) string { return q(topics[seq%18][:12]) }},
		{"content, Chinese, rare (~1 case in 10,000)", searchAgentToken, func(int) string { return q(rareTopic[:15]) }},
		{"content, English word", searchAgentToken, func(seq int) string { return q([]string{"leak", "construction", "gate"}[seq%3]) }},
		{"customer phone, full", searchAgentToken, func(int) string { _, p := randomCustomer(); return q(p) }},
		{"customer phone, last 4 digits", searchAgentToken, func(int) string { _, p := randomCustomer(); return q(p[len(p)-4:]) }},
		{"customer name", searchAgentToken, func(int) string { n, _ := randomCustomer(); return q(n) }},
		{"case number prefix (a day)", searchAgentToken, func(seq int) string {
			return q(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, seq%max(1, cfg.Cases/300)).Format("TS-20060102"))
		}},
		{"content, Chinese, common, property staff (own department)", searchStaffToken, func(seq int) string { return q(topics[seq%18][:12]) }},
	} {
		res, err := run(k.what, k.token, k.path)
		if err != nil {
			return t, err
		}
		base := lists[k.token]
		t.add(Row{Figure: 9, What: fmt.Sprintf("search: %s, %d users, %d cases: p95 (p50)", k.what, cfg.Clients, cfg.Cases),
			Closeloop: fmt.Sprintf("%s (%s)", ms(res.p(0.95)), ms(res.p(0.5))),
			Baseline:  fmt.Sprintf("%s (%s)", ms(base.p(0.95)), ms(base.p(0.5))),
			Ratio:     ratio(res.p(0.95), base.p(0.95)), Target: "≤ 100 ms", Result: verdict(res.p(0.95) <= 100*time.Millisecond)})
	}
	t.note("figure 9: GET /api/v1/search (first page of 20) in process through the API handler, on %s; the baseline is the plain case "+
		"list GET /api/v1/cases (first page of 20, the archive's list query) for the same user in the same run", db)
	t.Load[1] = loadAverage()
	t.Took = time.Since(t.Started)
	return t, nil
}

const (
	searchAgentToken = "clt_bench_agent"
	searchStaffToken = "clt_bench_staff"
)

// searchAPI is the API over store alone, for an agent (who may reveal the
// customer) and a property department member.
func searchAPI(store *archive.Store) (http.Handler, error) {
	idx, err := policies.Load(policies.Builtin)
	if err != nil {
		return nil, err
	}
	hash, err := identity.HashPassword("bench search password")
	if err != nil {
		return nil, err
	}
	var depts []identity.Department
	for _, d := range append([]string{"customer_service"}, benchDepartments...) {
		depts = append(depts, identity.Department{Code: d})
	}
	dir, err := identity.New(identity.File{Departments: depts, Users: []identity.User{
		{Username: agent, Role: identity.RoleAgent, Department: "customer_service", PasswordHash: hash,
			TokenHashes: []string{identity.HashToken(searchAgentToken)}},
		{Username: staff, Role: identity.RoleDeptStaff, Department: "property", PasswordHash: hash,
			TokenHashes: []string{identity.HashToken(searchStaffToken)}},
	}})
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := &api.Server{Cases: &starter.Service{Archive: store}, Log: log, Directory: dir,
		Sessions: identity.NewSessions(30*time.Minute, 8*time.Hour), Authz: policies.NewAuthorizer(idx, log)}
	return s.Handler(), nil
}
