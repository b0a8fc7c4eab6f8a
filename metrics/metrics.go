// Package metrics exposes the Temporal SDK's metrics and Closeloop's own
// to Prometheus. Everything is counted through one client.MetricsHandler:
// the SDK's worker and client metrics, the workflows' own counters
// (workflow.GetMetricsHandler, silent during replay), the activities' and
// the API's. It is backed by OpenTelemetry's Prometheus exporter.
package metrics

import (
	"context"
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/opentelemetry"
)

// AuthorizationDenials counts requests the policies refused, by action.
const AuthorizationDenials = "closeloop_authorization_denials"

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
	})
	horizon := prometheus.NewGauge(prometheus.GaugeOpts{Name: CalendarHorizonYear,
		Help: "Last year whose statutory holidays the business calendar knows; working-day deadlines after it are provisional."})
	reg.MustRegister(horizon)
	return &Metrics{registry: reg, horizon: horizon, Handler: counting{h}}, nil
}

// counting makes counters monotonic: the contrib handler records them as
// up-down counters, which Prometheus would see as gauges; a count that
// only rises is a Prometheus counter (name_total), fit for rate().
type counting struct{ opentelemetry.MetricsHandler }

func (h counting) WithTags(tags map[string]string) client.MetricsHandler {
	if o, ok := h.MetricsHandler.WithTags(tags).(opentelemetry.MetricsHandler); ok {
		return counting{o}
	}
	return h.MetricsHandler.WithTags(tags)
}

func (h counting) Counter(name string) client.MetricsCounter {
	c, err := h.GetMeter().Int64Counter(name)
	if err != nil {
		return client.MetricsNopHandler.Counter(name)
	}
	return counter{c: c, attrs: metric.WithAttributeSet(h.GetAttributes())}
}

type counter struct {
	c     metric.Int64Counter
	attrs metric.AddOption
}

func (c counter) Inc(d int64) {
	if d > 0 {
		c.c.Add(context.Background(), d, c.attrs)
	}
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
