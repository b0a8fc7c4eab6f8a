// Package config reads Closeloop's settings from the environment, with the
// defaults that make `go run ./cmd/closeloop` work on a fresh machine.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/closeloop/closeloop/codec"
	"github.com/closeloop/closeloop/forms"
	"github.com/closeloop/closeloop/workflows"
)

// Roles a process can take (CLOSELOOP_ROLE): everything in one process,
// the HTTP API only, or the worker only. api and worker connect to a
// Temporal service (TEMPORAL_ADDRESS); several of each can run at once.
const (
	RoleAll    = "all"
	RoleAPI    = "api"
	RoleWorker = "worker"
)

// Config is every setting, documented in docs/configuration.md.
type Config struct {
	// Role is what this process runs (CLOSELOOP_ROLE, default all).
	Role string
	// LogFormat is text or json (CLOSELOOP_LOG_FORMAT).
	LogFormat string
	// LinkKeyFile signs and checks the satisfaction links; every process
	// of one installation must share it (CLOSELOOP_LINK_KEY_FILE, default
	// <data dir>/link-key).
	LinkKeyFile string
	// ShutdownTimeout is how long a stopping worker lets its running
	// activities finish (CLOSELOOP_SHUTDOWN_TIMEOUT, default 30s).
	ShutdownTimeout time.Duration
	// FailureWatch is how often a worker looks for cases whose workflow
	// ended other than by their close (CLOSELOOP_FAILURE_WATCH, default
	// 30s; issue 17).
	FailureWatch time.Duration
	// QueueTiebreak is how far the escalation ladder and the VIP and major
	// marks may move a case ahead of one due earlier in a work queue
	// (CLOSELOOP_QUEUE_TIEBREAK, default 2h).
	QueueTiebreak time.Duration
	HTTPAddr      string // CLOSELOOP_HTTP_ADDR
	DataDir       string // CLOSELOOP_DATA_DIR
	TemporalPort  int    // CLOSELOOP_TEMPORAL_PORT (embedded engine)
	// TemporalUIURL is the cluster's Temporal web UI, which Closeloop
	// serves at /temporal/ to administrators by proxy; the embedded
	// engine's UI is served in-process (CLOSELOOP_TEMPORAL_UI_URL, only
	// with TEMPORAL_ADDRESS; empty = no UI).
	TemporalUIURL string
	// PayloadKeys is the payload keyring itself, "id:base64,id:base64",
	// newest first (CLOSELOOP_PAYLOAD_KEYS); when empty the keys are read
	// from PayloadKeyFile (CLOSELOOP_PAYLOAD_KEY_FILE, default <data
	// dir>/payload-keys, made with one key on first start). Every process
	// of one installation must share them.
	PayloadKeys    string
	PayloadKeyFile string
	// TemporalAddress, when set, points at an existing Temporal service and
	// no embedded engine is started (TEMPORAL_ADDRESS).
	TemporalAddress string
	Namespace       string         // TEMPORAL_NAMESPACE
	TimeZone        *time.Location // CLOSELOOP_TIMEZONE
	BusinessOpen    string         // CLOSELOOP_BUSINESS_OPEN
	BusinessClose   string         // CLOSELOOP_BUSINESS_CLOSE
	CalendarFile    string         // CLOSELOOP_CALENDAR_FILE
	SLAFile         string         // CLOSELOOP_SLA_FILE
	// DirectoryFile is the users and departments file; empty means the
	// demo directory generated in the data directory.
	DirectoryFile   string        // CLOSELOOP_DIRECTORY
	PolicyDir       string        // CLOSELOOP_POLICY_DIR, empty = the built-in policies
	SessionIdle     time.Duration // CLOSELOOP_SESSION_IDLE
	SessionLifetime time.Duration // CLOSELOOP_SESSION_LIFETIME
	// Sign-in throttling (issue 19): an account name is locked for
	// LoginLockFor after LoginLockAfter failures in a row
	// (CLOSELOOP_LOGIN_LOCK_AFTER, _LOCK_FOR); from the third failure it
	// waits LoginDelay, doubling each time (CLOSELOOP_LOGIN_DELAY, 0 = no
	// waits); one client address may fail LoginPerAddress times a minute
	// (CLOSELOOP_LOGIN_PER_ADDRESS).
	LoginLockAfter  int
	LoginLockFor    time.Duration
	LoginDelay      time.Duration
	LoginPerAddress int
	// SecureCookies marks the session cookie Secure; on by default unless
	// the API listens on loopback only (CLOSELOOP_SECURE_COOKIES).
	SecureCookies bool
	// Mail: SendGrid when SENDGRID_API_KEY is set, else the outbox.
	SendGridKey  string // SENDGRID_API_KEY
	SendGridHost string // SENDGRID_HOST
	MailFrom     string // CLOSELOOP_MAIL_FROM
	MailFromName string // CLOSELOOP_MAIL_FROM_NAME
	// PublicURL is where staff open Closeloop, for links in mail
	// (CLOSELOOP_PUBLIC_URL, default http://<HTTP address>).
	PublicURL string
	// Quiet hours (CLOSELOOP_QUIET_HOURS, "21:00-08:00" or "off"): no
	// customer notice goes out in the window, and staff reminders wait for
	// business hours; off sends everything at once.
	QuietFrom, QuietTo int // minutes after midnight
	QuietOff           bool
	// DigestAt is when the daily digest goes to department heads
	// (CLOSELOOP_DIGEST_AT, minutes after midnight, default 08:30).
	DigestAt int
	// DatabaseURL puts the archive on PostgreSQL (DATABASE_URL); without
	// it the archive is a SQLite file in the data directory.
	DatabaseURL string
	// Limits bound every text and list a form or staff action takes
	// (CLOSELOOP_MAX_TEXT, CLOSELOOP_MAX_SHORT_TEXT, CLOSELOOP_MAX_ITEMS).
	Limits forms.Limits
	// HistoryEvents and HistoryBytes are where a case continues in a new
	// run (CLOSELOOP_CASE_HISTORY_EVENTS, default 10000, and
	// CLOSELOOP_CASE_HISTORY_BYTES, default 10485760): well below the
	// engine's limits of 51,200 events and 50 MB a run.
	HistoryEvents, HistoryBytes int
	// TimelineWindow is how many of its latest timeline entries a case
	// keeps in its state; older ones live in the archive
	// (CLOSELOOP_TIMELINE_WINDOW, default 200). A case keeps the window
	// it started with.
	TimelineWindow int
	// BodyTimeout is how long a client has to send a request's body
	// before the connection is closed (CLOSELOOP_BODY_TIMEOUT, default
	// 60s, 1s to 10m).
	BodyTimeout time.Duration
	// MaxBackdate is how far in the past a case's intake time may be given
	// through the API and the forms (CLOSELOOP_MAX_BACKDATE, default 24h,
	// 1h to 720h); older times come in only through the emergency import.
	MaxBackdate time.Duration
}

// Bounds of the settings above.
const (
	DefaultBodyTimeout = 60 * time.Second
	MinBodyTimeout     = time.Second
	MaxBodyTimeout     = 10 * time.Minute
	DefaultMaxBackdate = forms.DefaultMaxBackdate
	MinMaxBackdate     = time.Hour
	MaxMaxBackdate     = 30 * 24 * time.Hour
)

// ArchiveFile is the SQLite archive without DATABASE_URL.
func (c Config) ArchiveFile() string { return filepath.Join(c.DataDir, "archive.db") }

// LedgerDir is where accepted e-mails are remembered.
func (c Config) LedgerDir() string { return filepath.Join(c.DataDir, "mail-ledger") }

// Embedded reports whether the embedded engine runs.
func (c Config) Embedded() bool { return c.TemporalAddress == "" }

// RunsWorker reports whether this process runs the worker.
func (c Config) RunsWorker() bool { return c.Role != RoleAPI }

// RunsAPI reports whether this process serves the HTTP API (every role
// serves /healthz, /readyz and /metrics).
func (c Config) RunsAPI() bool { return c.Role != RoleWorker }

// Keys are the environment variables FromEnv reads, for checks such as
// the docker-compose test; TEMPORAL_* client settings beyond these are
// read by the SDK's envconfig (TLS, API key, profile).
var Keys = []string{
	"CLOSELOOP_ROLE", "CLOSELOOP_LOG_FORMAT", "CLOSELOOP_HTTP_ADDR", "CLOSELOOP_DATA_DIR",
	"CLOSELOOP_TEMPORAL_PORT", "CLOSELOOP_TEMPORAL_UI_URL", "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE",
	"CLOSELOOP_TIMEZONE", "CLOSELOOP_BUSINESS_OPEN", "CLOSELOOP_BUSINESS_CLOSE", "CLOSELOOP_CALENDAR_FILE",
	"CLOSELOOP_SLA_FILE", "CLOSELOOP_DIRECTORY", "CLOSELOOP_POLICY_DIR", "CLOSELOOP_SESSION_IDLE",
	"CLOSELOOP_SESSION_LIFETIME", "CLOSELOOP_LOGIN_LOCK_AFTER", "CLOSELOOP_LOGIN_LOCK_FOR", "CLOSELOOP_LOGIN_DELAY", "CLOSELOOP_LOGIN_PER_ADDRESS", "CLOSELOOP_SECURE_COOKIES", "SENDGRID_API_KEY", "SENDGRID_HOST",
	"CLOSELOOP_MAIL_FROM", "CLOSELOOP_MAIL_FROM_NAME", "CLOSELOOP_PUBLIC_URL", "CLOSELOOP_QUIET_HOURS",
	"CLOSELOOP_DIGEST_AT", "DATABASE_URL", "CLOSELOOP_LINK_KEY_FILE", "CLOSELOOP_SHUTDOWN_TIMEOUT",
	"CLOSELOOP_MAX_TEXT", "CLOSELOOP_MAX_SHORT_TEXT", "CLOSELOOP_MAX_ITEMS",
	"CLOSELOOP_FAILURE_WATCH",
	"CLOSELOOP_QUEUE_TIEBREAK",
	"CLOSELOOP_CASE_HISTORY_EVENTS", "CLOSELOOP_CASE_HISTORY_BYTES",
	"CLOSELOOP_TIMELINE_WINDOW",
	"CLOSELOOP_BODY_TIMEOUT", "CLOSELOOP_MAX_BACKDATE",
	"CLOSELOOP_PAYLOAD_KEYS", "CLOSELOOP_PAYLOAD_KEY_FILE",
}

// OutboxDir is where notices go when no mail service is configured.
func (c Config) OutboxDir() string { return filepath.Join(c.DataDir, "outbox") }

// clockMinutes reads "HH:MM" as minutes after midnight.
func clockMinutes(s string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	return t.Hour()*60 + t.Minute(), nil
}

// FromEnv reads the settings; every bad value is reported at once.
func FromEnv() (Config, error) {
	return load(os.Getenv)
}

// From reads the settings from getenv instead of the process environment
// (for checking a deployment file's environment).
func From(getenv func(string) string) (Config, error) {
	return load(getenv)
}

func load(getenv func(string) string) (Config, error) {
	str := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	var errs []error
	port := func(key string, def int) int {
		v := getenv(key)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 65535 {
			errs = append(errs, fmt.Errorf("%s=%q: want a port number 0-65535", key, v))
		}
		return n
	}
	c := Config{
		Role:            str("CLOSELOOP_ROLE", RoleAll),
		LogFormat:       str("CLOSELOOP_LOG_FORMAT", "text"),
		HTTPAddr:        str("CLOSELOOP_HTTP_ADDR", "127.0.0.1:8080"),
		DataDir:         str("CLOSELOOP_DATA_DIR", "data"),
		TemporalPort:    port("CLOSELOOP_TEMPORAL_PORT", 7233),
		TemporalUIURL:   getenv("CLOSELOOP_TEMPORAL_UI_URL"),
		PayloadKeys:     getenv("CLOSELOOP_PAYLOAD_KEYS"),
		TemporalAddress: getenv("TEMPORAL_ADDRESS"),
		Namespace:       str("TEMPORAL_NAMESPACE", "default"),
		BusinessOpen:    str("CLOSELOOP_BUSINESS_OPEN", "09:00"),
		BusinessClose:   str("CLOSELOOP_BUSINESS_CLOSE", "18:00"),
		CalendarFile:    getenv("CLOSELOOP_CALENDAR_FILE"),
		SLAFile:         getenv("CLOSELOOP_SLA_FILE"),
		DirectoryFile:   getenv("CLOSELOOP_DIRECTORY"),
		PolicyDir:       getenv("CLOSELOOP_POLICY_DIR"),
		SendGridKey:     getenv("SENDGRID_API_KEY"),
		DatabaseURL:     getenv("DATABASE_URL"),
		SendGridHost:    str("SENDGRID_HOST", "https://api.sendgrid.com"),
		MailFrom:        str("CLOSELOOP_MAIL_FROM", "closeloop@localhost"),
		MailFromName:    str("CLOSELOOP_MAIL_FROM_NAME", "Closeloop"),
	}
	c.PublicURL = str("CLOSELOOP_PUBLIC_URL", "http://"+c.HTTPAddr)
	c.LinkKeyFile = str("CLOSELOOP_LINK_KEY_FILE", filepath.Join(c.DataDir, "link-key"))
	c.PayloadKeyFile = str("CLOSELOOP_PAYLOAD_KEY_FILE", filepath.Join(c.DataDir, "payload-keys"))
	if c.PayloadKeys != "" {
		if _, err := codec.ParseKeys(c.PayloadKeys, ","); err != nil {
			errs = append(errs, fmt.Errorf("CLOSELOOP_PAYLOAD_KEYS: %w (want id:base64key,... newest first)", err))
		}
	}
	if c.TemporalUIURL != "" {
		u, err := url.Parse(c.TemporalUIURL)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			errs = append(errs, fmt.Errorf("CLOSELOOP_TEMPORAL_UI_URL=%q: want an http(s) URL such as http://temporal-ui:8080", c.TemporalUIURL))
		case c.Embedded():
			errs = append(errs, errors.New("CLOSELOOP_TEMPORAL_UI_URL needs TEMPORAL_ADDRESS: the embedded engine's UI is served in-process"))
		}
	}
	switch c.Role {
	case RoleAll:
	case RoleAPI, RoleWorker:
		if c.TemporalAddress == "" {
			errs = append(errs, fmt.Errorf("CLOSELOOP_ROLE=%s needs TEMPORAL_ADDRESS: only the all-in-one role embeds an engine", c.Role))
		}
	default:
		errs = append(errs, fmt.Errorf("CLOSELOOP_ROLE=%q: want all, api or worker", c.Role))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("CLOSELOOP_LOG_FORMAT=%q: want text or json", c.LogFormat))
	}
	digest, err := clockMinutes(str("CLOSELOOP_DIGEST_AT", "08:30"))
	if err != nil {
		errs = append(errs, fmt.Errorf("CLOSELOOP_DIGEST_AT=%q: want a time such as 08:30", getenv("CLOSELOOP_DIGEST_AT")))
	}
	c.DigestAt = digest
	switch q := str("CLOSELOOP_QUIET_HOURS", "21:00-08:00"); q {
	case "off":
		c.QuietOff = true
	default:
		from, to, ok := strings.Cut(q, "-")
		f, err1 := clockMinutes(from)
		t, err2 := clockMinutes(to)
		if !ok || err1 != nil || err2 != nil || f == t {
			errs = append(errs, fmt.Errorf("CLOSELOOP_QUIET_HOURS=%q: want a window such as 21:00-08:00, or off", q))
		}
		c.QuietFrom, c.QuietTo = f, t
	}
	dur := func(key string, def time.Duration) time.Duration {
		v := getenv(key)
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("%s=%q: want a duration such as 30m or 8h", key, v))
		}
		return d
	}
	// A case's run must leave room for what one more action adds.
	bounded := func(key string, def, least, most int) int {
		v := getenv(key)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < least || n > most {
			errs = append(errs, fmt.Errorf("%s=%q: want a whole number from %d to %d", key, v, least, most))
		}
		return n
	}
	c.HistoryEvents = bounded("CLOSELOOP_CASE_HISTORY_EVENTS", workflows.DefaultHistoryEvents, 500, 40_000)
	c.HistoryBytes = bounded("CLOSELOOP_CASE_HISTORY_BYTES", workflows.DefaultHistoryBytes, 1<<20, 40<<20)
	c.SessionIdle = dur("CLOSELOOP_SESSION_IDLE", 30*time.Minute)
	c.SessionLifetime = dur("CLOSELOOP_SESSION_LIFETIME", 8*time.Hour)
	c.LoginLockAfter = bounded("CLOSELOOP_LOGIN_LOCK_AFTER", 10, 3, 100)
	if c.LoginLockFor = dur("CLOSELOOP_LOGIN_LOCK_FOR", 15*time.Minute); c.LoginLockFor < time.Minute || c.LoginLockFor > 24*time.Hour {
		errs = append(errs, fmt.Errorf("CLOSELOOP_LOGIN_LOCK_FOR=%q: want a duration from 1m to 24h", getenv("CLOSELOOP_LOGIN_LOCK_FOR")))
	}
	c.LoginDelay = time.Second
	if v := getenv("CLOSELOOP_LOGIN_DELAY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > time.Minute {
			errs = append(errs, fmt.Errorf("CLOSELOOP_LOGIN_DELAY=%q: want a duration from 0s to 1m", v))
		}
		c.LoginDelay = d
	}
	c.LoginPerAddress = bounded("CLOSELOOP_LOGIN_PER_ADDRESS", 30, 1, 10_000)
	c.ShutdownTimeout = dur("CLOSELOOP_SHUTDOWN_TIMEOUT", 30*time.Second)
	c.FailureWatch = dur("CLOSELOOP_FAILURE_WATCH", 30*time.Second)
	if c.QueueTiebreak = dur("CLOSELOOP_QUEUE_TIEBREAK", 2*time.Hour); c.QueueTiebreak > 24*time.Hour {
		errs = append(errs, fmt.Errorf("CLOSELOOP_QUEUE_TIEBREAK=%q: at most 24h", getenv("CLOSELOOP_QUEUE_TIEBREAK")))
	}
	// within reads a duration between least and most.
	within := func(key string, def, least, most time.Duration) time.Duration {
		v := getenv(key)
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < least || d > most {
			errs = append(errs, fmt.Errorf("%s=%q: want a duration from %s to %s", key, v, least, most))
		}
		return d
	}
	c.BodyTimeout = within("CLOSELOOP_BODY_TIMEOUT", DefaultBodyTimeout, MinBodyTimeout, MaxBodyTimeout)
	c.MaxBackdate = within("CLOSELOOP_MAX_BACKDATE", DefaultMaxBackdate, MinMaxBackdate, MaxMaxBackdate)
	c.TimelineWindow = workflows.DefaultTimelineWindow
	if v := getenv("CLOSELOOP_TIMELINE_WINDOW"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < workflows.MinTimelineWindow {
			errs = append(errs, fmt.Errorf("CLOSELOOP_TIMELINE_WINDOW=%q: want a number of entries, at least %d", v, workflows.MinTimelineWindow))
		}
		c.TimelineWindow = n
	}
	switch v := getenv("CLOSELOOP_SECURE_COOKIES"); v {
	case "":
		host, _, _ := net.SplitHostPort(c.HTTPAddr)
		c.SecureCookies = !(host == "127.0.0.1" || host == "localhost" || host == "::1")
	default:
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("CLOSELOOP_SECURE_COOKIES=%q: want true or false", v))
		}
		c.SecureCookies = b
	}

	count := func(key string, def int) int {
		v := getenv(key)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("%s=%q: want a whole number of at least 1", key, v))
		}
		return n
	}
	c.Limits = forms.Limits{
		Text:  count("CLOSELOOP_MAX_TEXT", forms.DefaultLimits.Text),
		Short: count("CLOSELOOP_MAX_SHORT_TEXT", forms.DefaultLimits.Short),
		Items: count("CLOSELOOP_MAX_ITEMS", forms.DefaultLimits.Items),
	}
	if err := c.Limits.Check(); err != nil {
		errs = append(errs, fmt.Errorf("CLOSELOOP_MAX_TEXT, CLOSELOOP_MAX_SHORT_TEXT, CLOSELOOP_MAX_ITEMS: %w", err))
	}

	if c.TemporalPort == 0 && c.Embedded() {
		errs = append(errs, errors.New("CLOSELOOP_TEMPORAL_PORT must not be 0 for the embedded engine"))
	}
	tz := str("CLOSELOOP_TIMEZONE", "Asia/Shanghai")
	loc, err := time.LoadLocation(tz)
	if err != nil {
		errs = append(errs, fmt.Errorf("CLOSELOOP_TIMEZONE=%q: %w", tz, err))
	}
	c.TimeZone = loc
	return c, errors.Join(errs...)
}
