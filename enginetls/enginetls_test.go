package enginetls

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
)

func TestEnsureMakesPrivateCertificatesOnce(t *testing.T) {
	data := t.TempDir()
	// A data folder from before, with a world-readable tls folder.
	if err := os.Mkdir(filepath.Join(data, Subfolder), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := Ensure(data)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(f.Dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("folder %s: %v %v, want 0700", f.Dir, st.Mode(), err)
	}
	for _, p := range f.paths() {
		if st, err := os.Stat(p); err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v, want 0600", p, err)
		}
	}
	before, _ := os.ReadFile(f.ClientCert)
	_ = os.Chmod(f.ClientKey, 0o644)
	if _, err := Ensure(data); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(f.ClientCert)
	if !bytes.Equal(before, after) {
		t.Error("a second start made new certificates")
	}
	if st, _ := os.Stat(f.ClientKey); st.Mode().Perm() != 0o600 {
		t.Errorf("client key %v after a second start, want 0600", st.Mode())
	}
}

func TestServerCertificateNamesLoopbackClusterAndExtraHosts(t *testing.T) {
	f, err := Generate(t.TempDir(), []string{"temporal.example.net", "10.0.0.7"}, -1, -1)
	if err != nil {
		t.Fatal(err)
	}
	server := parse(t, f.ServerCert)
	roots := x509.NewCertPool()
	roots.AddCert(parse(t, f.CA))
	for _, host := range []string{ServerName, "localhost", "127.0.0.1", "::1", "temporal.example.net", "10.0.0.7"} {
		if _, err := server.Verify(x509.VerifyOptions{DNSName: host, Roots: roots}); err != nil {
			t.Errorf("server certificate for %s: %v", host, err)
		}
	}
	// The client certificate authenticates a client, never a server.
	client := parse(t, f.ClientCert)
	if _, err := client.Verify(x509.VerifyOptions{DNSName: ServerName, Roots: roots}); err == nil {
		t.Error("the client certificate passes as a server's")
	}
	if _, err := client.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("client certificate: %v", err)
	}
	cfg, err := f.ClientConfig()
	if err != nil || len(cfg.Certificates) != 1 || cfg.ServerName != ServerName {
		t.Fatalf("ClientConfig: %+v %v", cfg, err)
	}
}

func TestGenerateRedoesAnInterruptedRun(t *testing.T) {
	dir := t.TempDir()
	// A run cut short before the CA was written.
	if err := os.WriteFile(filepath.Join(dir, "server.pem"), []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Generate(dir, nil, -1, -1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ClientConfig(); err != nil {
		t.Fatal(err)
	}
	// A damaged folder is refused with its name, not used.
	if err := os.WriteFile(f.ServerKey, []byte("damaged"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(dir, nil, -1, -1); err == nil {
		t.Fatal("a damaged key was accepted")
	}
}

func parse(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
