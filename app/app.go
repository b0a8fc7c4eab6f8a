// Package app wires the whole product together: the embedded engine (or a
// connection to a Temporal service), the worker and the HTTP API.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/envconfig"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"golang.org/x/sync/errgroup"

	"github.com/closeloop/closeloop/activities"
	"github.com/closeloop/closeloop/api"
	"github.com/closeloop/closeloop/archive"
	"github.com/closeloop/closeloop/calendar"
	"github.com/closeloop/closeloop/codec"
	"github.com/closeloop/closeloop/config"
	"github.com/closeloop/closeloop/engine"
	"github.com/closeloop/closeloop/enginetls"
	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/identity"
	"github.com/closeloop/closeloop/links"
	"github.com/closeloop/closeloop/mail"
	"github.com/closeloop/closeloop/metrics"
	"github.com/closeloop/closeloop/ops"
	"github.com/closeloop/closeloop/policies"
	"github.com/closeloop/closeloop/starter"
	"github.com/closeloop/closeloop/temporalui"
	"github.com/closeloop/closeloop/web"
	"github.com/closeloop/closeloop/worker"
	"github.com/closeloop/closeloop/workflows"
	"github.com/closeloop/closeloop/workflows/sla"
)

// Run serves until ctx ends, then shuts down in reverse order: the HTTP
// server first, then the worker (letting running activities finish), the
// archive, the client and the engine. What runs depends on cfg.Role: all
// of it, the API only, or the worker only; every role serves /healthz,
// /readyz and /metrics on the HTTP address. The URLs to open are printed to
// out once everything is ready.
func Run(ctx context.Context, cfg config.Config, log *slog.Logger, out io.Writer) error {
	log = log.With("role", cfg.Role)
	// The API refuses an oversized text and the worker's Update validators
	// refuse it again, with the same limits: both run in this binary.
	if cfg.Limits != (forms.Limits{}) {
		if err := forms.SetLimits(cfg.Limits); err != nil {
			return err
		}
	}
	m, err := metrics.New()
	if err != nil {
		return err
	}
	cal, slaSettings, err := loadRules(cfg)
	if err != nil {
		return err
	}
	warnings := watchHorizon(cal, time.Now, log, m)
	if err := privateDataDir(cfg.DataDir, log); err != nil {
		return err
	}
	dir, authz, err := loadAccess(cfg, log, out)
	if err != nil {
		return err
	}
	authz.OnDeny = m.Denied

	// Every payload this process gives the engine is encrypted; the key
	// file is made before the engine starts, so it never holds clear data.
	payloads, err := codec.Open(cfg.PayloadKeys, cfg.PayloadKeyFile)
	if err != nil {
		return err
	}
	hostPort, engineTLS, stopEngine, err := startEngine(cfg, log, out)
	if err != nil {
		return err
	}
	defer stopEngine()
	self := fmt.Sprintf("%d@%s@closeloop-%s", os.Getpid(), hostname(), cfg.Role)
	c, err := dial(ctx, clientOptions{hostPort: hostPort, namespace: cfg.Namespace, identity: self,
		log: log, metrics: m.Handler, uncompressed: cfg.Embedded(), tls: engineTLS,
		dataConverter: payloads.DataConverter()})
	if err != nil {
		return err
	}
	defer c.Close()
	var settle time.Duration
	if cfg.Embedded() {
		// Only a data directory made by an older release lacks some.
		settle = engine.SearchAttributeCacheRefresh
	}
	if err := EnsureNamespace(ctx, c, cfg.Namespace, workflows.SearchAttributes, settle, log); err != nil {
		return err
	}

	store, err := archive.Open(ctx, cfg.DatabaseURL, cfg.ArchiveFile())
	if err != nil {
		return err
	}
	defer func() { _ = store.Close() }()
	cases := &starter.Service{Client: c, SLA: slaSettings, Calendar: cal, Location: cfg.TimeZone, Archive: store,
		History: workflows.HistoryLimits{Events: cfg.HistoryEvents, Bytes: cfg.HistoryBytes}, Converter: payloads.DataConverter()}
	key, err := links.KeyFile(cfg.LinkKeyFile)
	if err != nil {
		return err
	}
	signer, err := links.NewSigner(key)
	if err != nil {
		return err
	}

	if cfg.RunsWorker() {
		stop, err := startWorker(ctx, cfg, c, log, cases, &activities.Activities{Calendar: cal, Numbers: cases, Cases: cases, Reader: cases, Orphans: cases, Archive: store,
			Quiet: &activities.QuietHours{From: cfg.QuietFrom, To: cfg.QuietTo, Off: cfg.QuietOff}}, dir, signer)
		if err != nil {
			return err
		}
		defer stop()
	}

	var serving atomic.Bool
	ready := readiness(c, &serving, cfg.RunsWorker(), self, writeProbe(ctx, cfg, store))
	handler := ops.Handler(ready, warnings, m.HTTP())
	if cfg.RunsAPI() {
		// Sessions and failed sign-ins live in the archive's database, so
		// every API process sees the same ones (issue 19).
		throttle := &identity.Throttle{Store: store, LockAfter: cfg.LoginLockAfter, LockFor: cfg.LoginLockFor,
			Delay: cfg.LoginDelay, PerAddress: cfg.LoginPerAddress}
		srv := &api.Server{
			Cases:         cases,
			Log:           log,
			Directory:     dir,
			Sessions:      identity.NewSessionsIn(store, cfg.SessionIdle, cfg.SessionLifetime),
			Throttle:      throttle,
			SignInEvents:  m.SignIn,
			Authz:         authz,
			SecureCookies: cfg.SecureCookies,
			Links:         signer,
			Ready:         ready,
			Warnings:      warnings,
			Metrics:       m.HTTP(),
			Outbox:        &activities.Outbox{Dir: cfg.OutboxDir()},
			OutboxLocal:   cfg.SendGridKey == "",
			Location:      cfg.TimeZone,
			QueueTiebreak: cfg.QueueTiebreak,
			MaxBackdate:   cfg.MaxBackdate,
			Payloads:      payloads,
		}
		ui, err := temporalUI(cfg, hostPort)
		if err != nil {
			return err
		}
		pages, err := web.New(web.Server{API: srv.Handler(), Log: log.With("component", "web"), Location: cfg.TimeZone,
			Departments: dir.Departments(), Outbox: srv.Outbox != nil, Calendar: cal, Temporal: ui})
		if err != nil {
			return err
		}
		handler = pages.Handler()
	}
	return serveHTTP(ctx, cfg, handler, &serving, log, out, hostPort)
}

// startWorker runs the worker with acts (their notifier made here) and
// makes sure the daily schedules exist. stop lets running activities
// finish, for up to cfg.ShutdownTimeout.
func startWorker(ctx context.Context, cfg config.Config, c client.Client, log *slog.Logger, cases *starter.Service, acts *activities.Activities,
	dir *identity.Directory, signer *links.Signer) (stop func(), err error) {
	if acts.Notifier, err = notifier(cfg, dir, signer, acts.Archive); err != nil {
		return nil, err
	}
	w := worker.New(c, acts, worker.Options{StopTimeout: cfg.ShutdownTimeout})
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start worker: %w", err)
	}
	// Cases whose workflow ended other than by their close are found
	// here, in the process that sends the mail (issue 17).
	watchCtx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		cases.WatchFailures(watchCtx, cfg.FailureWatch, acts.Notifier, log.With("component", "failure-watch"))
	}()
	stop = func() {
		stopWatch()
		<-watched
		log.Info("worker stopping: letting running activities finish", "timeout", cfg.ShutdownTimeout.String())
		w.Stop()
		log.Info("worker stopped")
	}
	if err := ensureDigestSchedule(ctx, c, cfg); err != nil {
		stop()
		return nil, err
	}
	return stop, nil
}

// readiness is /readyz: the engine answers through matching (describing
// the task queue fails until it can serve) and, where this process runs
// the worker, its own poller is among the queue's pollers.
func readiness(c client.Client, serving *atomic.Bool, worker bool, self string, writable func() error) func() error {
	return func() error {
		if !serving.Load() {
			return errors.New("starting")
		}
		if err := writable(); err != nil {
			return err
		}
		hctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		tq, err := c.DescribeTaskQueue(hctx, workflows.TaskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
		if err != nil {
			return fmt.Errorf("temporal: %w", err)
		}
		if !worker {
			return nil
		}
		for _, p := range tq.GetPollers() {
			if p.GetIdentity() == self {
				return nil
			}
		}
		return errors.New("worker not polling yet")
	}
}

// writeProbe keeps checking, until ctx ends, that the archive and — where
// the engine's database, the mail ledger or the outbox live there — the
// data directory take writes; its Err feeds /readyz.
func writeProbe(ctx context.Context, cfg config.Config, store *archive.Store) func() error {
	p := &ops.WriteProbe{Checks: []ops.WriteCheck{{Name: "archive", Write: store.Probe}}}
	if cfg.Embedded() || cfg.RunsWorker() {
		p.Checks = append([]ops.WriteCheck{{Name: "data directory " + cfg.DataDir, Write: ops.DirWriter(cfg.DataDir)}}, p.Checks...)
	}
	p.Probe(ctx)
	go p.Run(ctx)
	return p.Err
}

// serveHTTP serves handler until ctx ends, then stops taking requests and
// lets those in flight finish.
func serveHTTP(ctx context.Context, cfg config.Config, handler http.Handler, serving *atomic.Bool, log *slog.Logger, out io.Writer, temporalAddr string) error {
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("http listen: %w", err)
	}
	timeouts := ops.DefaultTimeouts
	timeouts.Body = cfg.BodyTimeout
	httpSrv := ops.NewServer(handler, timeouts)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := httpSrv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		serving.Store(false)
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return httpSrv.Shutdown(sctx)
	})
	serving.Store(true)
	base := "http://" + ln.Addr().String()
	if cfg.RunsAPI() {
		// The command line reads where to reach the API from the data
		// directory; without the file it says which setting to give.
		remove, err := config.WriteAddress(cfg.DataDir, config.Address{URL: config.DialURL(ln.Addr().String()), TimeZone: cfg.TimeZone.String()})
		if err != nil {
			log.Info("cannot tell the command line the API's address", "file", config.AddressPath(cfg.DataDir), "error", err)
		} else {
			defer remove()
		}
		fmt.Fprintf(out, "Closeloop:        %s/ (sign in with a demo user)\n", base)
		fmt.Fprintf(out, "Closeloop API:    %s/api/v1/ (health %s/readyz, spec %s/api/v1/openapi.json)\n", base, base, base)
		if cfg.Embedded() || cfg.TemporalUIURL != "" {
			fmt.Fprintf(out, "Temporal web UI:  %s/temporal/ (administrators)\n", base)
		}
	} else {
		fmt.Fprintf(out, "Closeloop worker: health %s/readyz, metrics %s/metrics\n", base, base)
	}
	if cfg.RunsWorker() {
		if cfg.SendGridKey == "" {
			fmt.Fprintf(out, "Outbox:           %s (no SENDGRID_API_KEY: e-mail is kept here)\n", cfg.OutboxDir())
		} else {
			fmt.Fprintf(out, "E-mail:           SendGrid at %s, from %s\n", cfg.SendGridHost, cfg.MailFrom)
		}
	}
	log.Info("closeloop ready", "http", base, "temporal", temporalAddr, "namespace", cfg.Namespace)
	err = g.Wait()
	log.Info("closeloop stopping")
	return err
}

// startEngine starts the embedded engine unless cfg names a Temporal
// service, and returns the address to dial, the client certificate the
// embedded engine requires (nil for a service: TEMPORAL_TLS_* configure
// that) and how to stop it.
func startEngine(cfg config.Config, log *slog.Logger, out io.Writer) (string, *tls.Config, func(), error) {
	if !cfg.Embedded() {
		return cfg.TemporalAddress, nil, func() {}, nil
	}
	eng, err := engine.Start(engine.Options{
		DataDir:          cfg.DataDir,
		Port:             cfg.TemporalPort,
		Namespace:        cfg.Namespace,
		SearchAttributes: workflows.SearchAttributes,
		Logger:           log,
	})
	if err != nil {
		return "", nil, nil, fmt.Errorf("embedded engine: %w", err)
	}
	fmt.Fprintf(out, "Temporal engine:  %s (data in %s)\n", eng.Address(), eng.DatabaseFile())
	return eng.Address(), eng.ClientTLS(), eng.Stop, nil
}

// temporalUI is the Temporal web UI Closeloop serves at /temporal/ to
// administrators: in-process for the embedded engine, by proxy to
// CLOSELOOP_TEMPORAL_UI_URL for a cluster, nil without one. Its payloads
// are decrypted by Closeloop's codec endpoint, for the admin alone.
func temporalUI(cfg config.Config, hostPort string) (http.Handler, error) {
	if !cfg.Embedded() {
		if cfg.TemporalUIURL == "" {
			return nil, nil
		}
		u, err := url.Parse(cfg.TemporalUIURL)
		if err != nil {
			return nil, fmt.Errorf("CLOSELOOP_TEMPORAL_UI_URL: %w", err)
		}
		return temporalui.Proxy(u, api.SessionCookie), nil
	}
	// The UI dials the engine with Closeloop's own client certificate.
	files := enginetls.ForDataDir(cfg.DataDir)
	return temporalui.Handler(temporalui.Options{GRPCAddress: hostPort, Namespace: cfg.Namespace,
		TLS:           temporalui.TLS{CaFile: files.CA, CertFile: files.ClientCert, KeyFile: files.ClientKey, ServerName: enginetls.ServerName},
		CodecEndpoint: "/codec", SecureCookies: cfg.SecureCookies})
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "unknown"
	}
	return h
}

// ensureDigestSchedule makes the Temporal Schedule that sends the daily
// digest to department heads, at cfg.DigestAt in the business time zone.
// An existing schedule is left as it is (an operator may have paused it).
func ensureDigestSchedule(ctx context.Context, c client.Client, cfg config.Config) error {
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: workflows.DigestScheduleID,
		Spec: client.ScheduleSpec{
			Calendars: []client.ScheduleCalendarSpec{{
				Hour:    []client.ScheduleRange{{Start: cfg.DigestAt / 60}},
				Minute:  []client.ScheduleRange{{Start: cfg.DigestAt % 60}},
				Comment: "daily digest to department heads",
			}},
			TimeZoneName: cfg.TimeZone.String(),
		},
		Action: &client.ScheduleWorkflowAction{
			ID:        "digest",
			Workflow:  workflows.DigestWorkflowName,
			Args:      []any{workflows.DigestInput{}},
			TaskQueue: workflows.TaskQueue,
		},
	})
	if err != nil && !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return fmt.Errorf("daily digest schedule: %w", err)
	}
	// K2: quality control supervises service at least once a day.
	_, err = c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: workflows.SupervisionScheduleID,
		Spec: client.ScheduleSpec{
			Calendars:    []client.ScheduleCalendarSpec{{Hour: []client.ScheduleRange{{Start: 9}}, Comment: "daily quality supervision"}},
			TimeZoneName: cfg.TimeZone.String(),
		},
		Action: &client.ScheduleWorkflowAction{ID: "supervision", Workflow: workflows.SupervisionWorkflowName,
			Args: []any{workflows.SupervisionInput{}}, TaskQueue: workflows.TaskQueue},
	})
	if err != nil && !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return fmt.Errorf("daily supervision schedule: %w", err)
	}
	return nil
}

// loadAccess reads the directory — the configured file, or the demo
// directory generated in the data directory — and the access policies.
func loadAccess(cfg config.Config, log *slog.Logger, out io.Writer) (*identity.Directory, *policies.Authorizer, error) {
	var dir *identity.Directory
	var err error
	if cfg.DirectoryFile != "" {
		dir, err = identity.Load(cfg.DirectoryFile)
	} else {
		var creds string
		dir, creds, err = identity.Demo(cfg.DataDir)
		if err == nil {
			fmt.Fprintf(out, "Sign-in:          demo users and tokens in %s (set CLOSELOOP_DIRECTORY for real users)\n", creds)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	var idx *policies.Index
	if cfg.PolicyDir != "" {
		idx, err = policies.LoadDir(cfg.PolicyDir)
	} else {
		idx, err = policies.Load(policies.Builtin)
	}
	if err != nil {
		return nil, nil, err
	}
	return dir, policies.NewAuthorizer(idx, log.With("component", "access")), nil
}

// notifier is SendGrid when a key is set, otherwise the outbox, which keeps
// each notice with the e-mail it would have been.
func notifier(cfg config.Config, dir *identity.Directory, signer *links.Signer, store *archive.Store) (activities.Notifier, error) {
	r, err := mail.NewRenderer(cfg.PublicURL, cfg.TimeZone)
	if err != nil {
		return nil, err
	}
	// The satisfaction link names the case and round; it expires a week
	// after the notice and its nonce is the notice's ID.
	r.RateLink = func(n workflows.Notice) string {
		round, _ := strconv.Atoi(n.Fields["round"])
		return strings.TrimRight(cfg.PublicURL, "/") + "/rate/" + signer.Sign(links.Rating{CaseNo: n.CaseNo, Round: round,
			Language: n.Language, Expires: n.CreatedAt.Add(links.RatingTTL), Nonce: n.ID})
	}
	// The status link shows the customer their case's progress; it is
	// signed for that alone, so it cannot rate, nor a rating link show.
	r.StatusLink = func(n workflows.Notice) string {
		return strings.TrimRight(cfg.PublicURL, "/") + "/status/" + signer.SignStatus(links.Status{CaseNo: n.CaseNo,
			Language: n.Language, Expires: n.CreatedAt.Add(links.StatusTTL)})
	}
	outbox := &activities.Outbox{Dir: cfg.OutboxDir(), Render: func(n workflows.Notice) []mail.Message {
		to, err := activities.Addresses(n, dir)
		if err != nil || len(to) == 0 {
			to = []mail.Address{{Name: n.To.Role, Language: n.Language, Staff: n.To.Role != "customer"}}
		}
		var out []mail.Message
		for _, a := range to {
			if m, err := r.Render(n, a); err == nil {
				out = append(out, m)
			}
		}
		return out
	}}
	if cfg.SendGridKey == "" {
		return outbox, nil
	}
	// Workers on several machines share the archive database, so the
	// ledger lives there; a single node keeps its file ledger.
	var ledger activities.MailLedger = &activities.Ledger{Dir: cfg.LedgerDir()}
	if cfg.DatabaseURL != "" {
		ledger = store
	}
	return &activities.SendGrid{APIKey: cfg.SendGridKey, Host: cfg.SendGridHost, FromEmail: cfg.MailFrom, FromName: cfg.MailFromName,
		Renderer: r, Directory: dir, Ledger: ledger, Failed: outbox}, nil
}

// loadRules reads the business calendar and the SLA settings.
func loadRules(cfg config.Config) (*calendar.Calendar, sla.Settings, error) {
	var file calendar.File
	if cfg.CalendarFile != "" {
		var err error
		if file, err = calendar.LoadFile(cfg.CalendarFile); err != nil {
			return nil, sla.Settings{}, err
		}
	}
	cal, err := calendar.New(calendar.Config{Location: cfg.TimeZone, Open: cfg.BusinessOpen, Close: cfg.BusinessClose,
		Overrides: file.Days, Years: file.Years})
	if err != nil {
		return nil, sla.Settings{}, fmt.Errorf("business calendar: %w", err)
	}
	s, err := sla.Load(cfg.SLAFile)
	if err != nil {
		return nil, sla.Settings{}, err
	}
	// Each case carries its timeline window in its policy, so a changed
	// setting leaves running cases as they are; the SLA file may set one
	// per case type.
	for _, p := range []*sla.Policy{&s.Complaint, &s.MediaInquiry, &s.Consultation, &s.Repair, &s.Collaboration} {
		if p.TimelineWindow == 0 {
			p.TimelineWindow = cfg.TimelineWindow
		}
	}
	return cal, s, nil
}

// clientOptions are what dial needs beyond the TEMPORAL_* environment.
type clientOptions struct {
	hostPort, namespace string
	// identity names this process to the service (pollers, history).
	identity string
	log      *slog.Logger
	metrics  client.MetricsHandler
	// uncompressed turns off the SDK's gzip of every gRPC message (its
	// default since v1.4x): to an engine in the same process it only
	// costs CPU, about a quarter of a bare Update's latency here.
	uncompressed bool
	// tls, when set, replaces the environment's TLS: the embedded
	// engine's client certificate.
	tls *tls.Config
	// dataConverter encrypts payloads (the codec's); nil = the SDK's.
	dataConverter converter.DataConverter
}

// sdk is the SDK's client options: the standard TEMPORAL_* environment,
// then o.
func (o clientOptions) sdk() (client.Options, error) {
	opts, err := envconfig.LoadDefaultClientOptions()
	if err != nil {
		return client.Options{}, fmt.Errorf("temporal client config: %w", err)
	}
	opts.HostPort = o.hostPort
	opts.Namespace = o.namespace
	opts.Identity = o.identity
	opts.MetricsHandler = o.metrics
	opts.Logger = sdklog.NewStructuredLogger(o.log.With("component", "sdk"))
	if o.uncompressed {
		opts.ConnectionOptions.GrpcCompression = &client.GrpcCompressionNone{}
	}
	if o.tls != nil {
		opts.ConnectionOptions.TLS = o.tls
	}
	// The worker uses its client's converters, so this covers both.
	// Failure details are payloads: the failure converter encrypts them
	// too (the SDK's default one would not). Failure messages stay in
	// clear — they are ours and name no customer — so the engine's own
	// word on why a run ended still reads (starter/failures.go).
	if o.dataConverter != nil {
		opts.DataConverter = o.dataConverter
		opts.FailureConverter = temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{DataConverter: o.dataConverter})
	}
	return opts, nil
}

// dial connects to Temporal with the standard TEMPORAL_* environment
// (TLS, API key, profile files) and waits until the service answers.
func dial(ctx context.Context, o clientOptions) (client.Client, error) {
	opts, err := o.sdk()
	if err != nil {
		return nil, err
	}
	var last error
	for attempt := 0; attempt < 60; attempt++ {
		c, err := client.DialContext(ctx, opts)
		if err == nil {
			return c, nil
		}
		last = err
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
	return nil, fmt.Errorf("connect to temporal at %s: %w", o.hostPort, last)
}
