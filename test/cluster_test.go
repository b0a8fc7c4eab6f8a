package test

// The production topology as native processes (no Docker engine on these
// machines): the real Temporal server built from the module, its schema
// made on the local PostgreSQL with its own SQL tool, then Closeloop's API
// and two workers as separate processes of the built binary, the archive
// and mail ledger on PostgreSQL, e-mail to an in-test SendGrid.

import (
	"bytes"
	"context"
	"crypto/tls"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"google.golang.org/grpc/codes"

	"github.com/closeloop/closeloop/enginetls"
	"github.com/closeloop/closeloop/identity"
	"github.com/closeloop/closeloop/internal/enginetest"
	"github.com/closeloop/closeloop/internal/pgtest"
)

// process is one child process whose output goes to a file.
type process struct {
	t      *testing.T
	name   string
	bin    string
	args   []string
	env    []string
	log    string
	cmd    *exec.Cmd
	exited chan error
	err    error // the exit, once exited is closed
}

func (p *process) start() {
	p.t.Helper()
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		p.t.Fatal(err)
	}
	p.cmd = exec.Command(p.bin, p.args...)
	p.cmd.Env = p.env
	p.cmd.Stdout, p.cmd.Stderr = f, f
	if err := p.cmd.Start(); err != nil {
		p.t.Fatalf("start %s: %v", p.name, err)
	}
	p.exited = make(chan error)
	go func() {
		p.err = p.cmd.Wait()
		_ = f.Close()
		close(p.exited)
	}()
}

func (p *process) running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return p.cmd != nil
	}
}

// kill is kill -9: no shutdown code runs.
func (p *process) kill() {
	p.t.Helper()
	if !p.running() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// stop sends SIGTERM and waits up to limit for the exit, which it returns.
func (p *process) stop(limit time.Duration) error {
	p.t.Helper()
	if !p.running() {
		return p.err
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return p.err
	case <-time.After(limit):
		p.kill()
		return fmt.Errorf("%s still running %s after SIGTERM", p.name, limit)
	}
}

// tail is the end of the process's output, for failure messages.
func (p *process) tail() string {
	b, _ := os.ReadFile(p.log)
	// The last lines, each cut short: a server's fatal line is one JSON
	// line whose message comes first and whose stack trace runs on for
	// kilobytes.
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	lines = lines[max(0, len(lines)-20):]
	for i, l := range lines {
		if len(l) > 600 {
			lines[i] = l[:600] + " …"
		}
	}
	return fmt.Sprintf("--- %s (%s):\n%s", p.name, p.log, strings.Join(lines, "\n"))
}

// cluster is the running topology.
type cluster struct {
	t        *testing.T
	dir      string
	bin      string // closeloop
	server   *process
	frontend int
	api      *process
	apiURL   string
	workers  []*process
	ports    map[*process]int
	sink     *sendgridSink
	tokens   map[string]string
	temporal client.Client
	archive  string // the archive database's URL
	closeEnv []string
	// certs are the cluster's mutual TLS certificates: the server
	// requires the client one on every gRPC port (internal lists the
	// history, matching and worker ones).
	certs    enginetls.Files
	internal []int
}

// freshDatabase creates a database dropped when the test ends.
func freshDatabase(t *testing.T, admin *sql.DB, adminURL, purpose string) (string, string) {
	t.Helper()
	name := fmt.Sprintf("cl_%s_%d_%d", purpose, os.Getpid(), time.Now().UnixNano())
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") })
	u := strings.Replace(adminURL, "/postgres?", "/"+name+"?", 1)
	return name, u
}

// goBuild builds a package of this module (or of its dependencies, named
// as tools in go.mod) into dir.
func goBuild(t *testing.T, dir, name, pkg string) string {
	t.Helper()
	out := filepath.Join(dir, name)
	if b, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// startCluster builds everything and starts the topology.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	adminDB, adminURL := pgtest.Admin(t, "cluster test")
	c := &cluster{t: t, dir: t.TempDir(), ports: map[*process]int{}}
	began := time.Now()
	c.bin = goBuild(t, c.dir, "closeloop", "../cmd/closeloop")
	serverBin := goBuild(t, c.dir, "temporal-server", "go.temporal.io/server/cmd/server")
	sqlTool := goBuild(t, c.dir, "temporal-sql-tool", "go.temporal.io/server/cmd/tools/sql")
	t.Logf("built closeloop, temporal-server and temporal-sql-tool in %s", time.Since(began).Round(time.Second))

	// The schemas, from the versioned SQL shipped in the server module.
	modDir, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "go.temporal.io/server").Output()
	if err != nil {
		t.Fatalf("go list go.temporal.io/server: %v", err)
	}
	schemas := filepath.Join(strings.TrimSpace(string(modDir)), "schema", "postgresql", "v12")
	temporalDB, _ := freshDatabase(t, adminDB, adminURL, "temporal")
	visibilityDB, _ := freshDatabase(t, adminDB, adminURL, "visibility")
	_, c.archive = freshDatabase(t, adminDB, adminURL, "archive")
	for db, dir := range map[string]string{temporalDB: "temporal", visibilityDB: "visibility"} {
		base := []string{"--plugin", "postgres12", "--ep", "127.0.0.1", "-p", "5432", "-u", "postgres", "--db", db}
		for _, args := range [][]string{
			{"setup-schema", "-v", "0.0"},
			{"update-schema", "-d", filepath.Join(schemas, dir, "versioned")},
		} {
			if b, err := exec.Command(sqlTool, append(base, args...)...).CombinedOutput(); err != nil {
				t.Fatalf("temporal-sql-tool %s on %s: %v\n%s", args[0], db, err, b)
			}
		}
	}

	// The certificates as docker-compose.yml's tls-init makes them.
	if c.certs, err = enginetls.Generate(filepath.Join(c.dir, "tls"), nil, -1, -1); err != nil {
		t.Fatal(err)
	}
	c.frontend = freeLowPort(t)
	cfg := filepath.Join(c.dir, "temporal.yaml")
	c.internal = writeServerConfig(t, cfg, temporalDB, visibilityDB, c.frontend, c.certs)
	c.server = &process{t: t, name: "temporal-server", bin: serverBin, log: filepath.Join(c.dir, "temporal-server.log"),
		args: []string{"--config-file", cfg, "--allow-no-auth", "start"}, env: os.Environ()}
	t.Cleanup(func() { c.server.kill() })
	c.startServer()

	c.sink = newSendgridSink(t)
	c.writeShared()
	c.api = c.closeloop("api", "api")
	t.Cleanup(func() { c.api.kill() })
	c.apiURL = "http://127.0.0.1:" + strconv.Itoa(c.ports[c.api])
	c.startAndWait(c.api)
	for i := range 2 {
		w := c.closeloop("worker", fmt.Sprintf("worker-%d", i+1))
		t.Cleanup(func() { w.kill() })
		c.workers = append(c.workers, w)
		c.startAndWait(w)
	}
	t.Logf("cluster up in %s: temporal frontend 127.0.0.1:%d, API %s, 2 workers", time.Since(began).Round(time.Second), c.frontend, c.apiURL)
	return c
}

// use makes t the test that the cluster's helpers fail, for a subtest.
func (c *cluster) use(t *testing.T) {
	c.t = t
	for _, p := range append([]*process{c.server, c.api}, c.workers...) {
		p.t = t
	}
}

// startServer starts the Temporal server and waits until its frontend
// answers and the history shards are owned (a workflow list succeeds).
func (c *cluster) startServer() {
	c.t.Helper()
	c.server.start()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if !c.server.running() {
			c.t.Fatalf("temporal server exited during start: %v\n%s", c.server.err, c.server.tail())
		}
		if c.temporal == nil {
			conf, err := c.certs.ClientConfig()
			if err != nil {
				c.t.Fatal(err)
			}
			tc, err := client.Dial(client.Options{HostPort: "127.0.0.1:" + strconv.Itoa(c.frontend),
				Logger:            sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
				ConnectionOptions: client.ConnectionOptions{TLS: conf}})
			if err == nil {
				c.temporal = tc
				c.t.Cleanup(tc.Close)
			}
		}
		if c.temporal != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_, err := c.temporal.CheckHealth(ctx, &client.CheckHealthRequest{})
			cancel()
			if err == nil {
				return
			}
		}
		time.Sleep(300 * time.Millisecond)
	}
	c.t.Fatalf("temporal server not healthy after 90s\n%s", c.server.tail())
}

// writeServerConfig writes the server's static config: PostgreSQL for
// persistence and visibility, the four services on free loopback ports,
// mutual TLS with certs on all of them as in docker-compose.yml. It
// returns the history, matching and worker gRPC ports.
func writeServerConfig(t *testing.T, path, temporalDB, visibilityDB string, frontend int, certs enginetls.Files) []int {
	t.Helper()
	dyn := filepath.Join(filepath.Dir(path), "dynamicconfig.yaml")
	// One task queue partition: two workers poll it all; search attributes
	// added at start are usable at once.
	if err := os.WriteFile(dyn, []byte(`matching.numTaskqueueReadPartitions:
  - value: 1
matching.numTaskqueueWritePartitions:
  - value: 1
system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
`), 0o600); err != nil {
		t.Fatal(err)
	}
	p := func() int { return freeLowPort(t) }
	internal := []int{p(), p(), p()}
	store := func(db string, conns int) string {
		return fmt.Sprintf(`      sql:
        pluginName: postgres12
        databaseName: %s
        connectAddr: "127.0.0.1:5432"
        connectProtocol: tcp
        user: postgres
        password: ""
        maxConns: %d
        maxIdleConns: %d
        maxConnLifetime: 1h
`, db, conns, conns)
	}
	svc := func(name string, grpc int, extra string) string {
		return fmt.Sprintf("  %s:\n    rpc:\n      grpcPort: %d\n      membershipPort: %d\n      bindOnLocalHost: true\n%s", name, grpc, p(), extra)
	}
	cfg := "log:\n  stdout: true\n  level: warn\n" +
		"persistence:\n  defaultStore: default\n  visibilityStore: visibility\n  numHistoryShards: 4\n  datastores:\n" +
		"    default:\n" + store(temporalDB, 20) + "    visibility:\n" + store(visibilityDB, 4) +
		"global:\n  membership:\n    maxJoinDuration: 30s\n    broadcastAddress: 127.0.0.1\n" + serverTLS(certs) +
		"services:\n" + svc("frontend", frontend, fmt.Sprintf("      httpPort: %d\n", p())) +
		svc("history", internal[0], "") + svc("matching", internal[1], "") + svc("worker", internal[2], "") +
		fmt.Sprintf(`clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "127.0.0.1:%d"
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: %q
  pollInterval: 10s
`, frontend, dyn)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return internal
}

// serverTLS is the server config's global.tls: the settings the server
// image's template makes of docker-compose.yml's TEMPORAL_TLS_*
// variables, and the system worker's client certificate.
func serverTLS(f enginetls.Files) string {
	group := fmt.Sprintf(`      server:
        certFile: %q
        keyFile: %q
        clientCaFiles: [%q]
        requireClientAuth: true
      client:
        serverName: %s
        rootCaFiles: [%q]
`, f.ServerCert, f.ServerKey, f.CA, enginetls.ServerName, f.CA)
	return "  tls:\n    internode:\n" + group + "    frontend:\n" + group
}

// freeLowPort is a free port below 32768: the server keeps membership
// ports in a smallint column, and the kernel's ephemeral ports lie above.
func freeLowPort(t *testing.T) int {
	t.Helper()
	for range 100 {
		port := 10000 + rand.IntN(22000)
		if l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
			_ = l.Close()
			return port
		}
	}
	t.Fatal("no free port below 32768")
	return 0
}

// clusterUsers is the directory every Closeloop process shares: staff
// with e-mail addresses, so every notice becomes e-mail.
var clusterUsers = []identity.User{
	{Username: "agent01", Role: identity.RoleAgent, Department: "customer_service"},
	{Username: "cshead01", Role: identity.RoleCSHead, Department: "customer_service"},
	{Username: "staff.property", Role: identity.RoleDeptStaff, Department: "property"},
	{Username: "head.property", Role: identity.RoleDeptHead, Department: "property"},
	{Username: "manager01", Role: identity.RoleManager, Department: "management"},
	{Username: "qc01", Role: identity.RoleQC, Department: "quality_control"},
}

// clusterSLA shortens the complaint's clocks so that reminders (50 %,
// 80 %) and the first-feedback breach fire within a minute; the later
// clocks stay out of the test's way.
const clusterSLA = `{"complaint": {"clocks": [
  {"name": "first_feedback", "span": {"n": 1, "unit": "minutes"}, "reminders": [50, 80]},
  {"name": "resolution", "span": {"n": 30, "unit": "minutes"}, "reminders": [50, 80], "pausable": true},
  {"name": "return_visit", "span": {"n": 30, "unit": "minutes"}, "reminders": [50, 80]},
  {"name": "result_delivery", "span": {"n": 30, "unit": "minutes"}, "reminders": [50, 80]},
  {"name": "rework", "span": {"n": 30, "unit": "minutes"}, "reminders": [50, 80], "escalate_to": 2, "pausable": true}
]}}`

// writeShared writes what every Closeloop process shares: the directory,
// the link key and the SLA settings, and the environment they run with.
func (c *cluster) writeShared() {
	c.t.Helper()
	hash, err := identity.HashPassword("not used by the test")
	if err != nil {
		c.t.Fatal(err)
	}
	f := identity.File{Departments: []identity.Department{{Code: "customer_service"}, {Code: "property"},
		{Code: "management"}, {Code: "quality_control"}}}
	c.tokens = map[string]string{}
	for _, u := range clusterUsers {
		tok := identity.NewToken()
		c.tokens[u.Username] = tok
		u.Email, u.Language, u.PasswordHash, u.TokenHashes = u.Username+"@closeloop.test", "zh-CN", hash, []string{identity.HashToken(tok)}
		f.Users = append(f.Users, u)
	}
	b, _ := json.Marshal(f)
	files := map[string][]byte{"directory.json": b, "link-key": []byte("0123456789abcdef0123456789abcdef"), "sla.json": []byte(clusterSLA)}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(c.dir, name), b, 0o600); err != nil {
			c.t.Fatal(err)
		}
	}
	c.closeEnv = append(os.Environ(),
		"TEMPORAL_ADDRESS=127.0.0.1:"+strconv.Itoa(c.frontend),
		"TEMPORAL_TLS_CLIENT_CERT_PATH="+c.certs.ClientCert,
		"TEMPORAL_TLS_CLIENT_KEY_PATH="+c.certs.ClientKey,
		"TEMPORAL_TLS_SERVER_CA_CERT_PATH="+c.certs.CA,
		"TEMPORAL_TLS_SERVER_NAME="+enginetls.ServerName,
		"DATABASE_URL="+c.archive,
		"CLOSELOOP_DIRECTORY="+filepath.Join(c.dir, "directory.json"),
		"CLOSELOOP_LINK_KEY_FILE="+filepath.Join(c.dir, "link-key"),
		"CLOSELOOP_PAYLOAD_KEYS="+testPayloadKeys(), // one keyring for every process
		"CLOSELOOP_SLA_FILE="+filepath.Join(c.dir, "sla.json"),
		"CLOSELOOP_QUIET_HOURS=off",
		"CLOSELOOP_LOG_FORMAT=json",
		"CLOSELOOP_SHUTDOWN_TIMEOUT=20s",
		"SENDGRID_API_KEY=SG.cluster-test",
		"CLOSELOOP_MAIL_FROM=closeloop@closeloop.test",
	)
}

// closeloop makes (does not start) a Closeloop process in role.
func (c *cluster) closeloop(role, name string) *process {
	// Below the ephemeral range, so no outgoing connection takes the port
	// while the process is down between a kill and its restart.
	port := freeLowPort(c.t)
	p := &process{t: c.t, name: name, bin: c.bin, log: filepath.Join(c.dir, name+".log"),
		env: append(slices.Clip(c.closeEnv), "CLOSELOOP_ROLE="+role, "CLOSELOOP_HTTP_ADDR=127.0.0.1:"+strconv.Itoa(port),
			"CLOSELOOP_DATA_DIR="+filepath.Join(c.dir, name), "CLOSELOOP_PUBLIC_URL=http://127.0.0.1:"+strconv.Itoa(port),
			"SENDGRID_HOST="+c.sink.srv.URL+"/"+name)}
	c.ports[p] = port
	return p
}

// startAndWait starts p and waits until its /readyz answers 200.
func (c *cluster) startAndWait(p *process) {
	c.t.Helper()
	p.start()
	url := "http://127.0.0.1:" + strconv.Itoa(c.ports[p]) + "/readyz"
	deadline := time.Now().Add(90 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		if !p.running() {
			c.t.Fatalf("%s exited during start: %v\n%s", p.name, p.err, p.tail())
		}
		resp, err := http.Get(url)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			last = string(b)
		}
		time.Sleep(200 * time.Millisecond)
	}
	c.t.Fatalf("%s not ready after 90s (%s)\n%s", p.name, last, p.tail())
}

// apiClient gives up on a request after a minute: a hung call fails the
// test instead of stalling it.
var apiClient = &http.Client{Timeout: time.Minute}

// call sends a request to the API as user.
func (c *cluster) call(user, method, path string, body any) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.apiURL+path, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.tokens[user])
	resp, err := apiClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// metric sums a counter over the /metrics of the given processes.
func (c *cluster) metric(name, labelPart string, procs ...*process) float64 {
	var sum float64
	for _, p := range procs {
		resp, err := http.Get("http://127.0.0.1:" + strconv.Itoa(c.ports[p]) + "/metrics")
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, name+"{") && strings.Contains(line, labelPart) {
				if f := strings.Fields(line); len(f) == 2 {
					v, _ := strconv.ParseFloat(f[1], 64)
					sum += v
				}
			}
		}
	}
	return sum
}

// parallel runs f for each of items on a few goroutines, failing on the
// first error.
func parallel[T any](t *testing.T, items []T, f func(T) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(items))
	work := make(chan T)
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range work {
				if err := f(it); err != nil {
					errs <- err
				}
			}
		}()
	}
	for _, it := range items {
		work <- it
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// The cluster's Temporal server answers only a client with the
// certificate tls-init makes, on the frontend and on history, matching and
// worker: a plain connection and a TLS one without a client certificate
// are refused, while Closeloop's API and workers (ready, so connected)
// and the test's own client present it.
func TestClusterEngineRefusesClientWithoutCertificate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a Temporal cluster; skipped with -short")
	}
	c := startCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := c.temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		t.Fatalf("with the certificate: %v", err)
	}
	noCert := &tls.Config{ServerName: enginetls.ServerName, MinVersion: tls.VersionTLS12}
	if with, err := c.certs.ClientConfig(); err == nil {
		noCert.RootCAs = with.RootCAs
	}
	frontend := "127.0.0.1:" + strconv.Itoa(c.frontend)
	for _, tc := range []struct {
		name string
		tls  *tls.Config
	}{{"plain", nil}, {"TLS without a client certificate", noCert}} {
		dctx, dcancel := context.WithTimeout(ctx, 5*time.Second)
		sdk, err := client.DialContext(dctx, client.Options{HostPort: frontend,
			Logger:            sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
			ConnectionOptions: client.ConnectionOptions{TLS: tc.tls}})
		if err == nil {
			_, err = sdk.CheckHealth(dctx, &client.CheckHealthRequest{})
			sdk.Close()
		}
		dcancel()
		if err == nil {
			t.Errorf("%s: the frontend answered", tc.name)
		}
		for _, port := range append([]int{c.frontend}, c.internal...) {
			if code := enginetest.GRPCHealth(t, port, tc.tls); code != codes.Unavailable {
				t.Errorf("%s: port %d answered %v, want the connection refused", tc.name, port, code)
			}
		}
	}
	with, _ := c.certs.ClientConfig()
	for _, port := range append([]int{c.frontend}, c.internal...) {
		if code := enginetest.GRPCHealth(t, port, with); code == codes.Unavailable {
			t.Errorf("port %d refused the client certificate", port)
		}
	}
}
