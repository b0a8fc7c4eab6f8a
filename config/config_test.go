package config

import (
	"strings"
	"testing"
	"time"

	"github.com/closeloop/closeloop/forms"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "127.0.0.1:8080" || c.DataDir != "data" || c.TemporalPort != 7233 || c.TemporalUIURL != "" || c.PayloadKeyFile != "data/payload-keys" ||
		!c.Embedded() || c.Namespace != "default" || c.TimeZone.String() != "Asia/Shanghai" ||
		c.SessionIdle != 30*time.Minute || c.SessionLifetime != 8*time.Hour || c.SecureCookies || c.DirectoryFile != "" {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestExternalTemporal(t *testing.T) {
	c, err := load(env(map[string]string{"TEMPORAL_ADDRESS": "temporal:7233", "CLOSELOOP_TEMPORAL_UI_URL": "http://temporal-ui:8080"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Embedded() || c.TemporalUIURL != "http://temporal-ui:8080" || c.SecureCookies {
		t.Fatalf("external: %+v", c)
	}
}

func TestBadValuesAllReported(t *testing.T) {
	_, err := load(env(map[string]string{"CLOSELOOP_TEMPORAL_PORT": "x", "CLOSELOOP_TEMPORAL_UI_URL": "temporal-ui:8080", "CLOSELOOP_TIMEZONE": "Mars/Base",
		"CLOSELOOP_PAYLOAD_KEYS": "k1:short"}))
	if err == nil {
		t.Fatal("want errors")
	}
	for _, want := range []string{"CLOSELOOP_TEMPORAL_PORT", "CLOSELOOP_TEMPORAL_UI_URL", "CLOSELOOP_TIMEZONE", "CLOSELOOP_PAYLOAD_KEYS"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}

// Rule P1: the session cookie is Secure unless the API listens on loopback
// only; session timeouts are read as durations.
func TestSessionSettings(t *testing.T) {
	c, err := load(env(map[string]string{"CLOSELOOP_HTTP_ADDR": "0.0.0.0:8080", "CLOSELOOP_SESSION_IDLE": "15m"}))
	if err != nil || !c.SecureCookies || c.SessionIdle != 15*time.Minute {
		t.Fatalf("%+v %v", c, err)
	}
	_, err = load(env(map[string]string{"CLOSELOOP_SESSION_LIFETIME": "forever", "CLOSELOOP_SECURE_COOKIES": "maybe"}))
	if err == nil || !strings.Contains(err.Error(), "CLOSELOOP_SESSION_LIFETIME") || !strings.Contains(err.Error(), "CLOSELOOP_SECURE_COOKIES") {
		t.Fatalf("error %v", err)
	}
}

func TestQuietHours(t *testing.T) {
	c, err := load(env(nil))
	if err != nil || c.QuietFrom != 21*60 || c.QuietTo != 8*60 || c.QuietOff {
		t.Fatalf("default quiet hours: %+v %v", c, err)
	}
	if c, err := load(env(map[string]string{"CLOSELOOP_QUIET_HOURS": "off"})); err != nil || !c.QuietOff {
		t.Fatalf("off: %+v %v", c, err)
	}
	if _, err := load(env(map[string]string{"CLOSELOOP_QUIET_HOURS": "late"})); err == nil || !strings.Contains(err.Error(), "CLOSELOOP_QUIET_HOURS") {
		t.Fatalf("bad window: %v", err)
	}
}

// Roles: all-in-one by default; api and worker only against a Temporal
// service; a bad role or log format is refused with the choices.
func TestRoles(t *testing.T) {
	c, err := load(env(nil))
	if err != nil || c.Role != RoleAll || !c.RunsAPI() || !c.RunsWorker() {
		t.Fatalf("default role: %+v %v", c, err)
	}
	c, err = load(env(map[string]string{"CLOSELOOP_ROLE": "worker", "TEMPORAL_ADDRESS": "temporal:7233"}))
	if err != nil || c.RunsAPI() || !c.RunsWorker() {
		t.Fatalf("worker role: %+v %v", c, err)
	}
	c, err = load(env(map[string]string{"CLOSELOOP_ROLE": "api", "TEMPORAL_ADDRESS": "temporal:7233"}))
	if err != nil || !c.RunsAPI() || c.RunsWorker() {
		t.Fatalf("api role: %+v %v", c, err)
	}
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"CLOSELOOP_ROLE": "api"}, "needs TEMPORAL_ADDRESS"},
		{map[string]string{"CLOSELOOP_ROLE": "scheduler"}, "want all, api or worker"},
		{map[string]string{"CLOSELOOP_LOG_FORMAT": "xml"}, "want text or json"},
		{map[string]string{"CLOSELOOP_SHUTDOWN_TIMEOUT": "soon"}, "CLOSELOOP_SHUTDOWN_TIMEOUT"},
		{map[string]string{"CLOSELOOP_TIMELINE_WINDOW": "5"}, "at least 20"},
	} {
		if _, err := load(env(tc.env)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.env, err, tc.want)
		}
	}
}

// Keys lists exactly the variables load reads, so checks against it (the
// docker-compose test) stay true.
func TestKeysAreTheVariablesRead(t *testing.T) {
	read := map[string]bool{}
	if _, err := load(func(k string) string { read[k] = true; return "" }); err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, k := range Keys {
		listed[k] = true
		if !read[k] {
			t.Errorf("Keys lists %s, which load does not read", k)
		}
	}
	for k := range read {
		if !listed[k] {
			t.Errorf("load reads %s, which Keys does not list", k)
		}
	}
}

// Issue 17: the text and list limits are settings, refused past their
// ceilings or when short text could be longer than long text.
func TestTextLimits(t *testing.T) {
	c, err := load(env(nil))
	if err != nil || c.Limits != forms.DefaultLimits {
		t.Fatalf("default limits %+v, %v", c.Limits, err)
	}
	c, err = load(env(map[string]string{"CLOSELOOP_MAX_TEXT": "8000", "CLOSELOOP_MAX_SHORT_TEXT": "100", "CLOSELOOP_MAX_ITEMS": "5"}))
	if err != nil || c.Limits != (forms.Limits{Text: 8000, Short: 100, Items: 5}) {
		t.Fatalf("limits %+v, %v", c.Limits, err)
	}
	for _, bad := range []map[string]string{{"CLOSELOOP_MAX_TEXT": "many"}, {"CLOSELOOP_MAX_TEXT": "0"},
		{"CLOSELOOP_MAX_TEXT": "100000"}, {"CLOSELOOP_MAX_SHORT_TEXT": "5000"}, {"CLOSELOOP_MAX_ITEMS": "1000"}} {
		if _, err := load(env(bad)); err == nil || !strings.Contains(err.Error(), "CLOSELOOP_MAX_") {
			t.Errorf("%v: error %v, want one naming the setting", bad, err)
		}
	}
}

// Issue 19: the body timeout and the backdating limit default, are read as
// durations and are refused outside their bounds, naming the setting.
func TestBodyTimeoutAndBackdateBounds(t *testing.T) {
	c, err := load(env(nil))
	if err != nil || c.BodyTimeout != 60*time.Second || c.MaxBackdate != 24*time.Hour {
		t.Fatalf("defaults %v %v, %v", c.BodyTimeout, c.MaxBackdate, err)
	}
	c, err = load(env(map[string]string{"CLOSELOOP_BODY_TIMEOUT": "5s", "CLOSELOOP_MAX_BACKDATE": "72h"}))
	if err != nil || c.BodyTimeout != 5*time.Second || c.MaxBackdate != 72*time.Hour {
		t.Fatalf("set %v %v, %v", c.BodyTimeout, c.MaxBackdate, err)
	}
	for _, bad := range []map[string]string{{"CLOSELOOP_BODY_TIMEOUT": "0s"}, {"CLOSELOOP_BODY_TIMEOUT": "1h"},
		{"CLOSELOOP_BODY_TIMEOUT": "soon"}, {"CLOSELOOP_MAX_BACKDATE": "10m"}, {"CLOSELOOP_MAX_BACKDATE": "8760h"}} {
		for k := range bad {
			if _, err := load(env(bad)); err == nil || !strings.Contains(err.Error(), k) {
				t.Errorf("%v: error %v, want one naming %s", bad, err, k)
			}
		}
	}
}

// Issue 19: the sign-in throttle's settings have defaults and bounds, and
// every out-of-bounds value is named.
func TestLoginThrottleSettingsAreBounded(t *testing.T) {
	c, err := load(env(nil))
	if err != nil || c.LoginLockAfter != 10 || c.LoginLockFor != 15*time.Minute || c.LoginDelay != time.Second || c.LoginPerAddress != 30 {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	if c, err := load(env(map[string]string{"CLOSELOOP_LOGIN_DELAY": "0s", "CLOSELOOP_LOGIN_LOCK_AFTER": "5"})); err != nil || c.LoginDelay != 0 || c.LoginLockAfter != 5 {
		t.Fatalf("no delay: %+v %v", c, err)
	}
	_, err = load(env(map[string]string{"CLOSELOOP_LOGIN_LOCK_AFTER": "1", "CLOSELOOP_LOGIN_LOCK_FOR": "48h",
		"CLOSELOOP_LOGIN_DELAY": "5m", "CLOSELOOP_LOGIN_PER_ADDRESS": "0"}))
	for _, key := range []string{"CLOSELOOP_LOGIN_LOCK_AFTER", "CLOSELOOP_LOGIN_LOCK_FOR", "CLOSELOOP_LOGIN_DELAY", "CLOSELOOP_LOGIN_PER_ADDRESS"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("error %v does not name %s", err, key)
		}
	}
}

// The UI address is a cluster's; an embedded engine serves its own.
func TestTemporalUIURLNeedsACluster(t *testing.T) {
	_, err := load(env(map[string]string{"CLOSELOOP_TEMPORAL_UI_URL": "http://temporal-ui:8080"}))
	if err == nil || !strings.Contains(err.Error(), "needs TEMPORAL_ADDRESS") {
		t.Fatalf("error %v", err)
	}
}
