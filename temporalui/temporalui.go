// Package temporalui serves the stock Temporal web UI as an http.Handler
// under a path of Closeloop's own server, so it is reached only through
// Closeloop's sign-in (web decides who) instead of on a port of its own
// open to anyone on the machine. ui-server's Server keeps its echo.Echo to
// itself; Handler builds one the same way from the package's exported
// pieces (mirrors server.NewServer of ui-server v2.55.0).
package temporalui

import (
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httputil"
	"net/url"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/temporalio/ui-server/v2/server/api"
	"github.com/temporalio/ui-server/v2/server/auth"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	"github.com/temporalio/ui-server/v2/server/cors"
	"github.com/temporalio/ui-server/v2/server/csrf"
	"github.com/temporalio/ui-server/v2/server/headers"
	"github.com/temporalio/ui-server/v2/server/route"
	"github.com/temporalio/ui-server/v2/ui"
)

// PublicPath is where Closeloop serves the UI.
const PublicPath = "/temporal"

// TLS is the UI's client certificate for the engine's frontend; empty
// files mean plaintext.
type TLS struct {
	CaFile, CertFile, KeyFile string
	ServerName                string
}

// Options configure the UI.
type Options struct {
	// GRPCAddress is the engine's frontend, host:port.
	GRPCAddress string
	Namespace   string
	TLS         TLS
	// CodecEndpoint is Closeloop's payload codec (POST <it>/decode); the
	// browser calls it with the session cookie.
	CodecEndpoint string
	// SecureCookies marks the UI's CSRF cookie Secure (behind TLS).
	SecureCookies bool
}

// Handler is the UI at PublicPath. Write actions of the UI stay off:
// staff change cases through Closeloop, whose policies check each
// action; the UI is for looking.
func Handler(o Options) (http.Handler, error) {
	cfg := &uiconfig.Config{
		TemporalGRPCAddress: o.GRPCAddress,
		PublicPath:          PublicPath,
		EnableUI:            true,
		HideLogs:            true,
		DefaultNamespace:    o.Namespace,
		CORS:                uiconfig.CORS{CookieInsecure: !o.SecureCookies},
		Codec:               uiconfig.Codec{Endpoint: o.CodecEndpoint, IncludeCredentials: true},
		DisableWriteActions: true,
	}
	if o.TLS.CertFile != "" || o.TLS.CaFile != "" {
		cfg.TLS = uiconfig.TLS{CaFile: o.TLS.CaFile, CertFile: o.TLS.CertFile, KeyFile: o.TLS.KeyFile,
			ServerName: o.TLS.ServerName, EnableHostVerification: true}
	}
	provider, err := uiconfig.NewConfigProviderWithRefresh(cfg) // RefreshInterval 0: read once
	if err != nil {
		return nil, fmt.Errorf("temporal UI: %w", err)
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(middleware.Recover())
	e.Use(middleware.Gzip())
	e.Use(cors.CORSMiddleware(cors.CORSConfig{
		AllowHeaders: []string{echo.HeaderOrigin, echo.HeaderContentType, echo.HeaderAccept,
			echo.HeaderXCSRFToken, echo.HeaderAuthorization, auth.AuthorizationExtrasHeader, "Caller-Type"},
		AllowCredentials: true,
		ConfigProvider:   provider,
	}))
	e.Use(middleware.Secure())
	e.Use(csrf.EnsureTokenCookie(o.SecureCookies))
	e.Use(middleware.CSRFWithConfig(csrf.MiddlewareConfig(provider, o.SecureCookies)))
	e.Pre(route.PublicPath(PublicPath))
	route.SetHealthRoute(e)
	forward := []api.Middleware{headers.WithForwardHeaders([]string{auth.AuthorizationExtrasHeader, "Caller-Type"})}
	if err := route.SetAPIRoutes(e, provider, forward); err != nil {
		return nil, fmt.Errorf("temporal UI: %w", err)
	}
	route.SetAuthRoutes(e, provider)
	assets, err := ui.Assets()
	if err != nil {
		return nil, fmt.Errorf("temporal UI assets: %w", err)
	}
	if assets, err = fs.Sub(assets, "local"); err != nil {
		return nil, fmt.Errorf("temporal UI assets: %w", err)
	}
	if err := route.SetUIRoutes(e, PublicPath, assets, provider); err != nil {
		return nil, fmt.Errorf("temporal UI: %w", err)
	}
	route.SetRenderRoute(e, "/")
	return e, nil
}

// Proxy serves a cluster's UI container (run with TEMPORAL_UI_PUBLIC_PATH
// set to PublicPath) through Closeloop. The container never sees
// Closeloop's session: the cookie named session is taken off each request.
func Proxy(target *url.URL, session string) http.Handler {
	return &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target)
		pr.SetXForwarded()
		cookies := pr.Out.Cookies()
		pr.Out.Header.Del("Cookie")
		for _, c := range cookies {
			if c.Name != session {
				pr.Out.AddCookie(c)
			}
		}
	}}
}
