package engine_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"google.golang.org/grpc/codes"

	"github.com/closeloop/closeloop/engine"
	"github.com/closeloop/closeloop/enginetls"
	"github.com/closeloop/closeloop/internal/enginetest"
)

// The embedded engine answers only a client with the data folder's
// certificate: on its frontend and on history, matching and worker, which
// listen on loopback too. A plain connection and a TLS one without a
// client certificate are both refused; with the certificate the same
// calls are answered.
func TestEngineRefusesClientWithoutCertificate(t *testing.T) {
	e, c := enginetest.Start(t, engine.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		t.Fatalf("with the certificate: %v", err)
	}

	files := e.TLSFiles()
	noCert := serverOnly(t, files)
	for _, tc := range []struct {
		name string
		tls  *tls.Config
	}{{"plain", nil}, {"TLS without a client certificate", noCert}} {
		t.Run(tc.name, func(t *testing.T) {
			dctx, dcancel := context.WithTimeout(ctx, 5*time.Second)
			defer dcancel()
			sdk, err := client.DialContext(dctx, client.Options{HostPort: e.Address(),
				ConnectionOptions: client.ConnectionOptions{TLS: tc.tls}})
			if err == nil {
				_, err = sdk.CheckHealth(dctx, &client.CheckHealthRequest{})
				sdk.Close()
			}
			if err == nil {
				t.Error("the frontend answered")
			}
			_, port, _ := net.SplitHostPort(e.Address())
			p, _ := strconv.Atoi(port)
			for _, service := range []int{p, p + 1, p + 2, p + 3} {
				if code := enginetest.GRPCHealth(t, service, tc.tls); code != codes.Unavailable {
					t.Errorf("port %d answered: %v, want the connection refused", service, code)
				}
			}
		})
	}
	t.Run("with the certificate", func(t *testing.T) {
		_, port, _ := net.SplitHostPort(e.Address())
		p, _ := strconv.Atoi(port)
		for _, service := range []int{p, p + 1, p + 2, p + 3} {
			if code := enginetest.GRPCHealth(t, service, e.ClientTLS()); code == codes.Unavailable {
				t.Errorf("port %d refused the client certificate", service)
			}
		}
	})
	if st, err := os.Stat(files.ClientKey); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("client key %s: %v, want 0600", files.ClientKey, err)
	}
}

// serverOnly trusts the engine's CA but has no certificate to present.
func serverOnly(t *testing.T, f enginetls.Files) *tls.Config {
	t.Helper()
	b, err := os.ReadFile(f.CA)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(b)
	return &tls.Config{RootCAs: pool, ServerName: enginetls.ServerName, MinVersion: tls.VersionTLS12}
}
