package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"

	"github.com/closeloop/closeloop/app"
	"github.com/closeloop/closeloop/codec"
	"github.com/closeloop/closeloop/config"
	"github.com/closeloop/closeloop/engine"
	"github.com/closeloop/closeloop/enginetls"
	"github.com/closeloop/closeloop/identity"
)

// product is Closeloop running in this process on a fresh data directory:
// embedded engine, worker and HTTP API, as `closeloop serve` runs them.
type product struct {
	cfg    config.Config
	base   string // API base URL
	http   *http.Client
	tokens map[string]string // demo username → token
	done   chan error        // app.Run's result
	// converter is the bench client's, with the product's payload keys.
	converter converter.DataConverter
}

// startProduct runs app.Run with the embedded engine on free ports, quiet
// hours off, and waits until the API reports ready.
func startProduct(ctx context.Context, dataDir string, clients int, log *slog.Logger) (*product, error) {
	cfg, err := config.FromEnv()
	if err != nil {
		return nil, err
	}
	httpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	enginePort, err := engine.FreePort("127.0.0.1")
	if err != nil {
		return nil, err
	}
	// The settings a fresh `closeloop serve` has, on this data directory;
	// nothing from the environment that would send mail or leave the
	// machine.
	cfg.DataDir = dataDir
	cfg.LinkKeyFile = filepath.Join(dataDir, "link-key") // its default follows the data directory
	cfg.HTTPAddr = "127.0.0.1:" + strconv.Itoa(httpPort)
	cfg.PublicURL = "http://" + cfg.HTTPAddr
	cfg.TemporalAddress, cfg.TemporalPort, cfg.TemporalUIURL = "", enginePort, ""
	cfg.PayloadKeys, cfg.PayloadKeyFile = "", filepath.Join(dataDir, "payload-keys")
	cfg.DatabaseURL, cfg.SendGridKey = "", ""
	cfg.DirectoryFile, cfg.PolicyDir, cfg.SLAFile, cfg.CalendarFile = "", "", "", ""
	cfg.QuietOff = true // reminders go the moment they fall due (figure 5)

	p := &product{cfg: cfg, base: "http://" + cfg.HTTPAddr, done: make(chan error, 1),
		http: &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: clients * 2}}}
	go func() { p.done <- app.Run(ctx, cfg, log, io.Discard) }()
	if err := p.waitReady(ctx); err != nil {
		return nil, err
	}
	creds, err := identity.ReadDemoCredentials(filepath.Join(dataDir, identity.DemoCredentialsFile))
	if err != nil {
		return nil, err
	}
	p.tokens = map[string]string{}
	for _, u := range creds.Users {
		p.tokens[u.Username] = u.Token
	}
	return p, nil
}

func (p *product) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(3 * time.Minute)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.base+"/healthz", nil)
		resp, err := p.http.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-p.done:
			return fmt.Errorf("closeloop stopped while starting: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return errors.New("closeloop did not become ready within 3 minutes")
		}
	}
}

// engineAddress is the embedded engine's frontend.
func (p *product) engineAddress() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.cfg.TemporalPort))
}

// dial connects the bench's own client to the product's engine, without
// gRPC compression and with the data folder's client certificate, as the
// product's own client does to its embedded engine: the baseline pays
// what the product pays. It encrypts and decrypts with the product's
// payload keys, as every client of the installation must.
func (p *product) dial(log *slog.Logger) (client.Client, error) {
	tlsConf, err := enginetls.ForDataDir(p.cfg.DataDir).ClientConfig()
	if err != nil {
		return nil, err
	}
	payloads, err := codec.Open("", p.cfg.PayloadKeyFile)
	if err != nil {
		return nil, err
	}
	dc := payloads.DataConverter()
	p.converter = dc
	return client.Dial(client.Options{HostPort: p.engineAddress(), Namespace: p.cfg.Namespace,
		Logger:            sdklog.NewStructuredLogger(log.With("component", "bench-sdk")),
		ConnectionOptions: client.ConnectionOptions{GrpcCompression: &client.GrpcCompressionNone{}, TLS: tlsConf},
		DataConverter:     dc,
		FailureConverter:  temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{DataConverter: dc})})
}

// call sends an API request as user and decodes a 2xx answer into out.
func (p *product) call(ctx context.Context, user, method, path string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, p.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+p.tokens[user])
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(b))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}

// freePort asks the kernel for a free port on the loopback interface.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}
