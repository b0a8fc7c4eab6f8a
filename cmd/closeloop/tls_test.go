package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/closeloop/closeloop/engine"
	"github.com/closeloop/closeloop/enginetls"
	"github.com/closeloop/closeloop/internal/enginetest"
)

// An operator's stock temporal CLI reaches the embedded engine with what
// `closeloop temporal-env` prints, and is refused without it.
func TestTemporalEnvLetsTheStockCLIIn(t *testing.T) {
	bin, err := exec.LookPath("temporal")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("temporal CLI not installed under CI: %v", err)
		}
		t.Skip("temporal CLI not on PATH (.ci/run installs it)")
	}
	dir := isolate(t)
	e, c := enginetest.Start(t, engine.Options{DataDir: dir})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "temporal-env-probe", TaskQueue: "nobody-polls"}, "Probe")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.TerminateWorkflow(context.Background(), run.GetID(), "", "test over") }()

	t.Setenv("TEMPORAL_ADDRESS", "")
	t.Setenv("CLOSELOOP_TEMPORAL_PORT", strconv.Itoa(enginePort(t, e)))
	code, stdout, stderr := cli(t, "temporal-env")
	if code != 0 {
		t.Fatalf("closeloop temporal-env: exit %d: %s", code, stderr)
	}
	settings := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !ok || !strings.HasPrefix(line, "export ") {
			t.Fatalf("not an export line: %q", line)
		}
		settings[k] = strings.Trim(v, "'")
	}
	files := enginetls.ForDataDir(dir)
	for k, want := range map[string]string{"TEMPORAL_ADDRESS": e.Address(), "TEMPORAL_NAMESPACE": "default",
		"TEMPORAL_TLS_CLIENT_CERT_PATH": files.ClientCert, "TEMPORAL_TLS_CLIENT_KEY_PATH": files.ClientKey,
		"TEMPORAL_TLS_SERVER_CA_CERT_PATH": files.CA, "TEMPORAL_TLS_SERVER_NAME": enginetls.ServerName} {
		if settings[k] != want {
			t.Errorf("%s=%q, want %q", k, settings[k], want)
		}
	}

	// The shell's own reading of the lines, as an operator's eval does.
	list := func(env []string) (string, error) {
		script := stdout + "\nexec " + bin + " workflow list --limit 5\n"
		cmd := exec.Command("sh", "-c", script)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	if out, err := list(base); err != nil || !strings.Contains(out, run.GetID()) {
		t.Fatalf("temporal workflow list with temporal-env: %v\n%s", err, out)
	}
	// Without the certificate, at the same address: refused.
	cmd := exec.Command(bin, "workflow", "list", "--limit", "5", "--address", e.Address(), "--command-timeout", "5s")
	cmd.Env = base
	if out, err := cmd.CombinedOutput(); err == nil || strings.Contains(string(out), run.GetID()) {
		t.Fatalf("temporal workflow list without the certificate was answered:\n%s", out)
	}
}

func enginePort(t *testing.T, e *engine.Engine) int {
	t.Helper()
	_, port, _ := strings.Cut(e.Address(), ":")
	p, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTemporalEnvNamesWhatToDoWithoutCertificates(t *testing.T) {
	isolate(t)
	t.Setenv("TEMPORAL_ADDRESS", "")
	code, _, stderr := cli(t, "temporal-env")
	if code == 0 || !strings.Contains(stderr, "Start closeloop once") {
		t.Fatalf("exit %d, stderr %q: want a failure that says how to get certificates", code, stderr)
	}
}

func TestTLSInitMakesTheClusterCertificates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	code, stdout, stderr := cli(t, "tls", "init", dir, "--host", "temporal.example.net")
	if code != 0 {
		t.Fatalf("closeloop tls init: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, dir) {
		t.Errorf("output %q does not name %s", stdout, dir)
	}
	conf, err := enginetls.In(dir).ClientConfig()
	if err != nil || conf.ServerName != enginetls.ServerName {
		t.Fatalf("client config from %s: %v", dir, err)
	}
	if code, _, _ := cli(t, "tls", "init", dir, "--owner", "nobody"); code == 0 {
		t.Error("--owner nobody was accepted")
	}
}
