package test

import (
	"net"
	"net/url"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/closeloop/closeloop/config"
	"github.com/closeloop/closeloop/enginetls"
	"github.com/closeloop/closeloop/identity"
)

type composeService struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	Environment map[string]string `yaml:"environment"`
	Ports       []string          `yaml:"ports"`
	Expose      []string          `yaml:"expose"`
	Volumes     []string          `yaml:"volumes"`
	DependsOn   map[string]any    `yaml:"depends_on"`
	Entrypoint  []string          `yaml:"entrypoint"`
	Command     []string          `yaml:"command"`
	Healthcheck struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
}

// interpolated resolves ${NAME:-default} as compose does with NAME unset.
var interpolation = regexp.MustCompile(`\$\{[A-Z_]+:-([^}]*)\}`)

// TestComposeTopology holds docker-compose.yml (no Docker engine runs on
// these machines) to the binary's settings: PostgreSQL, a Temporal server
// on it, the Temporal UI, one Closeloop API and at least two workers, each
// configured only with variables Closeloop reads, with values it accepts.
func TestComposeTopology(t *testing.T) {
	b, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services map[string]composeService `yaml:"services"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	svc := doc.Services
	versions := moduleVersions(t)

	pg, ok := svc["postgresql"]
	if !ok || !strings.HasPrefix(pg.Image, "postgres:") {
		t.Fatalf("postgresql service with a postgres image: %+v", pg)
	}
	tp, ok := svc["temporal"]
	if !ok {
		t.Fatal("no temporal service")
	}
	// The server image is the version Closeloop is built and tested with:
	// the maintained server image, its schema made beforehand by the same
	// release's admin tools (auto-setup is deprecated upstream).
	server := strings.TrimPrefix(versions["go.temporal.io/server"], "v")
	if want := "temporalio/server:" + server; tp.Image != want {
		t.Errorf("temporal image %q, want %q (go.mod)", tp.Image, want)
	}
	for name, s := range svc {
		if strings.Contains(s.Image, "auto-setup") {
			t.Errorf("%s uses the deprecated %s", name, s.Image)
		}
	}
	if tp.Environment["DB"] != "postgres12" || tp.Environment["POSTGRES_SEEDS"] != "postgresql" || tp.DependsOn["postgresql"] == nil {
		t.Errorf("temporal must keep its state in the postgresql service: %+v", tp.Environment)
	}
	schema, ok := svc["temporal-schema"]
	if want := "temporalio/admin-tools:" + server; !ok || schema.Image != want {
		t.Errorf("temporal-schema image %q, want %q (go.mod)", schema.Image, want)
	}
	if !completes(tp, "temporal-schema") || schema.DependsOn["postgresql"] == nil {
		t.Errorf("temporal must start after temporal-schema completed, and that after postgresql: %v / %v", tp.DependsOn, schema.DependsOn)
	}
	script := strings.Join(append(slices.Clone(schema.Entrypoint), schema.Command...), " ")
	dbs := map[string]string{"temporal": tp.Environment["DBNAME"], "visibility": tp.Environment["VISIBILITY_DBNAME"]}
	for _, want := range []string{"temporal-sql-tool", "--plugin postgres12", "--ep postgresql", "create-database", "setup-schema -v 0.0",
		"update-schema -d /etc/temporal/schema/postgresql/v12/", "/versioned", "for db in " + dbs["temporal"] + " " + dbs["visibility"] + ";"} {
		if !strings.Contains(script, want) {
			t.Errorf("temporal-schema script lacks %q:\n%s", want, script)
		}
	}
	if dbs["temporal"] == "" || dbs["visibility"] == "" {
		t.Errorf("temporal must name its databases (DBNAME, VISIBILITY_DBNAME): %v", tp.Environment)
	}
	ready, ok := svc["temporal-ready"]
	if want := "temporalio/admin-tools:" + server; !ok || ready.Image != want || ready.DependsOn["temporal"] == nil ||
		!strings.Contains(strings.Join(ready.Command, " "), "temporal operator cluster health --address temporal:7233") {
		t.Errorf("temporal-ready must wait for the server's health with %s: %+v", want, ready)
	}
	// Nothing but Closeloop's HTTP port is published: Temporal, its UI
	// and the workers are reachable only inside the network.
	var published []string
	for name, s := range svc {
		for _, p := range s.Ports {
			published = append(published, name+" "+p)
		}
	}
	if len(published) != 1 || published[0] != "closeloop-api 8080:8080" {
		t.Errorf("published ports %v, want only closeloop-api 8080:8080", published)
	}
	if !slices.Contains(tp.Expose, "7233") {
		t.Errorf("temporal exposes %v, want 7233 inside the network", tp.Expose)
	}
	checkComposeTLS(t, svc)
	ui, ok := svc["temporal-ui"]
	if want := "temporalio/ui:" + strings.TrimPrefix(versions["github.com/temporalio/ui-server/v2"], "v"); !ok || ui.Image != want {
		t.Errorf("temporal-ui image %q, want %q (go.mod)", ui.Image, want)
	}
	if ui.Environment["TEMPORAL_ADDRESS"] != "temporal:7233" {
		t.Errorf("temporal-ui TEMPORAL_ADDRESS %q", ui.Environment["TEMPORAL_ADDRESS"])
	}
	// Issue 19: the UI is reached only through Closeloop's sign-in.
	if len(ui.Ports) != 0 || ui.Environment["TEMPORAL_UI_PUBLIC_PATH"] != "/temporal" || ui.Environment["TEMPORAL_CODEC_ENDPOINT"] != "/codec" {
		t.Errorf("temporal-ui must publish no port and serve at /temporal with Closeloop's codec: ports %v, env %v", ui.Ports, ui.Environment)
	}
	if u := svc["closeloop-api"].Environment["CLOSELOOP_TEMPORAL_UI_URL"]; u != "http://temporal-ui:8080" {
		t.Errorf("closeloop-api CLOSELOOP_TEMPORAL_UI_URL %q, want http://temporal-ui:8080", u)
	}
	init := ""
	for _, v := range pg.Volumes {
		if host, _, ok := strings.Cut(v, ":"); ok && strings.HasPrefix(host, "./") {
			sql, err := os.ReadFile("../" + strings.TrimPrefix(host, "./"))
			if err != nil {
				t.Fatalf("postgresql init file: %v", err)
			}
			init = string(sql)
		}
	}

	known := map[string]bool{}
	for _, k := range append(slices.Clone(config.Keys), sdkTLSKeys...) {
		known[k] = true
	}
	roles := map[string][]string{}
	var api composeService
	for name, s := range svc {
		if !strings.HasPrefix(name, "closeloop") {
			continue
		}
		if s.Build == nil {
			t.Errorf("%s must build the binary from this repository", name)
		}
		env := map[string]string{}
		for k, v := range s.Environment {
			if !known[k] {
				t.Errorf("%s sets %s, which closeloop does not read (config.Keys)", name, k)
			}
			env[k] = interpolation.ReplaceAllString(v, "$1")
		}
		cfg, err := config.From(func(k string) string { return env[k] })
		if err != nil {
			t.Errorf("%s: closeloop refuses its environment: %v", name, err)
			continue
		}
		roles[cfg.Role] = append(roles[cfg.Role], name)
		if cfg.Embedded() || cfg.TemporalAddress != "temporal:7233" {
			t.Errorf("%s TEMPORAL_ADDRESS %q, want the temporal service", name, cfg.TemporalAddress)
		}
		u, err := url.Parse(cfg.DatabaseURL)
		if err != nil || u.Hostname() != "postgresql" || !strings.Contains(init, "CREATE DATABASE "+strings.TrimPrefix(u.Path, "/")) {
			t.Errorf("%s DATABASE_URL %q: want a database the postgresql service creates", name, cfg.DatabaseURL)
		}
		_, port, _ := net.SplitHostPort(cfg.HTTPAddr)
		if !slices.Contains(s.Ports, port+":"+port) && !slices.Contains(s.Expose, port) {
			t.Errorf("%s listens on %s but publishes %v / exposes %v", name, cfg.HTTPAddr, s.Ports, s.Expose)
		}
		if hc := strings.Join(s.Healthcheck.Test, " "); !strings.Contains(hc, "healthcheck") || !strings.Contains(hc, ":"+port+"/readyz") {
			t.Errorf("%s healthcheck %q, want closeloop healthcheck on /readyz", name, hc)
		}
		if cfg.Role == config.RoleAPI {
			api = s
		}
	}
	if len(roles[config.RoleAPI]) != 1 || len(roles[config.RoleWorker]) < 2 || len(roles[config.RoleAll]) != 0 {
		t.Fatalf("closeloop services by role %v: want one api and at least two workers", roles)
	}
	apiCfg, _ := config.From(func(k string) string { return api.Environment[k] })
	if !completes(api, "temporal-ready") {
		t.Errorf("the API must start once temporal-ready completed: %v", api.DependsOn)
	}
	// Every worker reads the directory and link key the API wrote: the
	// same files through the same volume.
	for _, name := range roles[config.RoleWorker] {
		w := svc[name]
		cfg, _ := config.From(func(k string) string { return interpolation.ReplaceAllString(w.Environment[k], "$1") })
		if got, want := onVolume(t, w.Volumes, cfg.LinkKeyFile), onVolume(t, api.Volumes, apiCfg.LinkKeyFile); got != want {
			t.Errorf("%s link key %s is not the API's %s", name, got, want)
		}
		if got, want := onVolume(t, w.Volumes, cfg.DirectoryFile), onVolume(t, api.Volumes, path.Join(apiCfg.DataDir, identity.DemoDirectoryFile)); got != want {
			t.Errorf("%s directory %s is not the API's %s", name, got, want)
		}
		if w.DependsOn[roles[config.RoleAPI][0]] == nil {
			t.Errorf("%s must start after the API has written them", name)
		}
	}
}

// completes tells whether s starts after dep ran to completion.
func completes(s composeService, dep string) bool {
	d, ok := s.DependsOn[dep].(map[string]any)
	return ok && d["condition"] == "service_completed_successfully"
}

// onVolume names the volume and path inside it that a container path is
// on ("closeloop-api:/link-key").
func onVolume(t *testing.T, volumes []string, p string) string {
	t.Helper()
	for _, v := range volumes {
		parts := strings.Split(v, ":")
		if len(parts) < 2 || strings.HasPrefix(parts[0], ".") {
			continue
		}
		if rel, ok := strings.CutPrefix(p, parts[1]+"/"); ok {
			return parts[0] + ":/" + rel
		}
	}
	t.Errorf("%s is on no named volume of %v", p, volumes)
	return ""
}

// moduleVersions reads the required versions from go.mod.
func moduleVersions(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, m := range requireLine.FindAllStringSubmatch(string(b), -1) {
		out[m[1]] = m[2]
	}
	return out
}

var requireLine = regexp.MustCompile(`(?m)^\s*(\S+)\s+(v\S+)`)

// sdkTLSKeys are the client certificate settings the SDK reads
// (go.temporal.io/sdk/contrib/envconfig), as the temporal CLI does.
var sdkTLSKeys = []string{"TEMPORAL_TLS_CLIENT_CERT_PATH", "TEMPORAL_TLS_CLIENT_KEY_PATH",
	"TEMPORAL_TLS_SERVER_CA_CERT_PATH", "TEMPORAL_TLS_SERVER_NAME"}

// checkComposeTLS holds the cluster to mutual TLS: tls-init makes the
// certificates into a volume with closeloop's own command; the server
// requires a client certificate on its frontend and between its services
// with them; every client (Closeloop, the readiness check, the UI)
// presents the client certificate from the same volume and checks the
// server's name.
func checkComposeTLS(t *testing.T, svc map[string]composeService) {
	t.Helper()
	gen, ok := svc["tls-init"]
	dir := strings.Join(gen.Command, " ")
	if !ok || gen.Build == nil || !strings.HasPrefix(dir, "tls init ") {
		t.Fatalf("tls-init must run `closeloop tls init DIR` from this repository: %+v", gen)
	}
	dir = strings.Fields(dir)[2]
	files := enginetls.In(dir)
	vol := onVolume(t, gen.Volumes, files.CA)
	// on is the volume and path of a service's file, which must be the
	// one tls-init wrote.
	on := func(name, key, want string) {
		t.Helper()
		s := svc[name]
		got := s.Environment[key]
		if got == "" || onVolume(t, s.Volumes, got) != onVolume(t, gen.Volumes, want) {
			t.Errorf("%s %s=%q, want tls-init's %s on %s", name, key, got, want, vol)
		}
	}
	tp := svc["temporal"]
	if !completes(tp, "tls-init") {
		t.Errorf("temporal must start after tls-init: %v", tp.DependsOn)
	}
	if tp.Environment["TEMPORAL_TLS_REQUIRE_CLIENT_AUTH"] != "true" {
		t.Error("temporal must require client certificates (TEMPORAL_TLS_REQUIRE_CLIENT_AUTH)")
	}
	for key, want := range map[string]string{
		"TEMPORAL_TLS_SERVER_CERT": files.ServerCert, "TEMPORAL_TLS_SERVER_KEY": files.ServerKey,
		"TEMPORAL_TLS_SERVER_CA_CERT": files.CA, "TEMPORAL_TLS_FRONTEND_CERT": files.ServerCert,
		"TEMPORAL_TLS_FRONTEND_KEY": files.ServerKey, "TEMPORAL_TLS_CLIENT1_CA_CERT": files.CA,
		"TEMPORAL_TLS_CLIENT2_CA_CERT": files.CA,
	} {
		on("temporal", key, want)
	}
	for _, key := range []string{"TEMPORAL_TLS_INTERNODE_SERVER_NAME", "TEMPORAL_TLS_FRONTEND_SERVER_NAME"} {
		if tp.Environment[key] != enginetls.ServerName {
			t.Errorf("temporal %s=%q, want %q", key, tp.Environment[key], enginetls.ServerName)
		}
	}
	for name, s := range svc {
		if !strings.HasPrefix(name, "closeloop") && name != "temporal-ready" {
			continue
		}
		on(name, "TEMPORAL_TLS_CLIENT_CERT_PATH", files.ClientCert)
		on(name, "TEMPORAL_TLS_CLIENT_KEY_PATH", files.ClientKey)
		on(name, "TEMPORAL_TLS_SERVER_CA_CERT_PATH", files.CA)
		if s.Environment["TEMPORAL_TLS_SERVER_NAME"] != enginetls.ServerName {
			t.Errorf("%s TEMPORAL_TLS_SERVER_NAME=%q, want %q", name, s.Environment["TEMPORAL_TLS_SERVER_NAME"], enginetls.ServerName)
		}
	}
	on("temporal-ui", "TEMPORAL_TLS_CA", files.CA)
	on("temporal-ui", "TEMPORAL_TLS_CERT", files.ClientCert)
	on("temporal-ui", "TEMPORAL_TLS_KEY", files.ClientKey)
	if ui := svc["temporal-ui"].Environment; ui["TEMPORAL_TLS_SERVER_NAME"] != enginetls.ServerName || ui["TEMPORAL_TLS_ENABLE_HOST_VERIFICATION"] != "true" {
		t.Errorf("temporal-ui must check the server's certificate for %s: %v", enginetls.ServerName, ui)
	}
}
