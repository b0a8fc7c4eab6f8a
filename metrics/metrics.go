// Package metrics exposes the Temporal SDK's metrics and Closeloop's own
// to Prometheus. Everything is counted through one client.MetricsHandler:
// the SDK's worker and client metrics, the workflows' own counters
// (workflow.GetMetricsHandler, silent during replay), the activities' and
// the API's. It is backed by OpenTelemetry's Prometheus exporter.
package metrics

import (
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/opentelemetry"
)

// AuthorizationDenials counts requests the policies refused, by action.
const AuthorizationDenials = "closeloop_authorization_denials"

// SignIns counts failed, refused and locked sign-ins, by event
// (api.SignInFailed, SignInRefused, SignInLocked): a climbing rate is
// someone guessing passwords.
const SignIns = "closeloop_signin_events"

// CalendarHorizonYear is the last year whose statutory holidays the
// business calendar knows (library and override file); deadlines after it
// are provisional.
const CalendarHorizonYear = "closeloop_calendar_horizon_year"

// Metrics is one process's metrics.
type Metrics struct {
	registry *prometheus.Registry
	horizon  prometheus.Gauge
	// Handler counts; give it to the Temporal client (client.Options) so
	// the SDK's metrics and the workflows' land here too.
	Handler client.MetricsHandler
}

// New makes the registry with the Go runtime and process collectors.
func New() (*Metrics, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	exp, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo(), otelprom.WithoutTargetInfo())
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	meter := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp)).Meter("closeloop")
	h := opentelemetry.NewMetricsHandler(opentelemetry.MetricsHandlerOptions{
		Meter: meter,
		// A metric that cannot be made is not worth a crash.
		OnError: func(error) {},
		// Counters only rise: Prometheus counters (name_total), fit for
		// rate(), where the default up-down counters would be gauges.
		UseMonotonicCounters: true,
	})
	horizon := prometheus.NewGauge(prometheus.GaugeOpts{Name: CalendarHorizonYear,
		Help: "Last year whose statutory holidays the business calendar knows; working-day deadlines after it are provisional."})
	reg.MustRegister(horizon)
	return &Metrics{registry: reg, horizon: horizon, Handler: h}, nil
}

// HTTP serves the metrics in Prometheus' text format (GET /metrics).
func (m *Metrics) HTTP() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// CalendarHorizon records the business calendar's horizon year.
func (m *Metrics) CalendarHorizon(year int) { m.horizon.Set(float64(year)) }

// Denied counts one refused request.
func (m *Metrics) Denied(action string) {
	m.Handler.WithTags(map[string]string{"action": action}).Counter(AuthorizationDenials).Inc(1)
}

// SignIn counts one failed, refused or locked sign-in.
func (m *Metrics) SignIn(event string) {
	m.Handler.WithTags(map[string]string{"event": event}).Counter(SignIns).Inc(1)
}
