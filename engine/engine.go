// Package engine runs an embedded, single-node Temporal server persisted to a
// SQLite file, so that one command runs the whole product on one machine
// (its web UI is served by Closeloop, see temporalui). Larger deployments point TEMPORAL_ADDRESS at a
// cluster instead and never start this.
package engine

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/closeloop/closeloop/enginetls"
)

// Options configure the embedded engine.
type Options struct {
	DataDir   string // the SQLite file lives here
	IP        string // bind address, default 127.0.0.1
	Port      int    // frontend gRPC port
	Namespace string
	// SearchAttributes are created with the namespace on first start; later
	// additions are made through the operator API (see searchattr.go).
	SearchAttributes map[string]enumspb.IndexedValueType
	// Retention keeps closed workflows this long before the engine forgets them.
	Retention time.Duration
	Logger    *slog.Logger
}

// SearchAttributeCacheRefresh is how long after a search attribute is
// added through the operator API every service of the engine knows it: the
// server caches the attribute list for 60 s. (Forcing a refresh on every
// read, as the Temporal CLI's dev server does, is for tests: it reads the
// cluster's metadata from SQLite on every start, describe and upsert.)
const SearchAttributeCacheRefresh = 61 * time.Second

// Engine is a running embedded server.
type Engine struct {
	server   temporal.Server
	opts     Options
	stopping atomic.Bool
	// visibility is set when the search index has a file of its own.
	visibility bool
	// certs are the data folder's certificates: the frontend and the
	// services behind it accept only clients that present one of them.
	certs     enginetls.Files
	clientTLS *tls.Config
	// SchemaBackup is the folder of the copies taken before this start
	// upgraded the data directory's schema, or "".
	SchemaBackup string
}

// Address is the frontend host:port for clients.
func (e *Engine) Address() string { return net.JoinHostPort(e.opts.IP, strconv.Itoa(e.opts.Port)) }

// TLSFiles are the certificates the engine requires of its clients.
func (e *Engine) TLSFiles() enginetls.Files { return e.certs }

// ClientTLS is what a client of the engine dials with: Closeloop's client
// certificate, trusting only the engine's CA. Without it the engine
// refuses the connection.
func (e *Engine) ClientTLS() *tls.Config { return e.clientTLS.Clone() }

// DatabaseFile is where the engine keeps its state.
func (e *Engine) DatabaseFile() string { return filepath.Join(e.opts.DataDir, "temporal.db") }

// VisibilityFile is where the engine keeps its search index of workflows.
// A file of its own has a connection of its own: the server shares one
// connection per SQLite file among all its services, so with the index
// in the state's file every search-attribute write queues behind the
// history's writes.
func (e *Engine) VisibilityFile() string { return filepath.Join(e.opts.DataDir, "visibility.db") }

// separateVisibility tells whether the index lives in VisibilityFile: on
// a new data directory, or one that has it already. A data directory
// made before keeps its index in the state's file, where its workflows
// are indexed.
func (e *Engine) separateVisibility() bool {
	if _, err := os.Stat(e.VisibilityFile()); err == nil {
		return true
	}
	_, err := os.Stat(e.DatabaseFile())
	return errors.Is(err, fs.ErrNotExist)
}

// Start launches the server and returns once the frontend accepts
// connections.
func Start(opts Options) (*Engine, error) {
	if opts.IP == "" {
		opts.IP = "127.0.0.1"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Retention == 0 {
		opts.Retention = 30 * 24 * time.Hour
	}
	if err := os.MkdirAll(opts.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("engine data dir: %w", err)
	}
	// Fail with a clear message instead of a panic deep inside the server.
	for _, port := range []int{opts.Port, opts.Port + 1, opts.Port + 2, opts.Port + 3} {
		if err := portFree(opts.IP, port); err != nil {
			return nil, fmt.Errorf("temporal engine port (CLOSELOOP_TEMPORAL_PORT and the three above it): %w", err)
		}
	}

	e := &Engine{opts: opts}
	var err error
	// A data folder from before mutual TLS gets its certificates here.
	if e.certs, err = enginetls.Ensure(opts.DataDir); err != nil {
		return nil, err
	}
	if e.clientTLS, err = e.certs.ClientConfig(); err != nil {
		return nil, err
	}
	// Decided before the state's file is made below.
	e.visibility = e.separateVisibility()
	// A data directory from an older engine gets what this server's
	// schema adds, once, after a backup.
	if e.SchemaBackup, err = e.upgradeSchema(time.Now()); err != nil {
		return nil, err
	}
	sqlConf := e.sqlConfig(e.DatabaseFile())
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, opts.Namespace, false, opts.SearchAttributes)
	if err != nil {
		return nil, fmt.Errorf("namespace config: %w", err)
	}
	ns.Detail.Config.Retention = durationpb.New(opts.Retention)
	if err := sqliteschema.CreateNamespaces(sqlConf, ns); err != nil {
		return nil, fmt.Errorf("create namespace: %w", err)
	}

	srv, err := temporal.NewServer(
		temporal.WithConfig(e.serverConfig(sqlConf)),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithLogger(newServerLogger(opts.Logger, &e.stopping)),
		temporal.WithDynamicConfigClient(dynamicConfig()),
	)
	if err != nil {
		return nil, fmt.Errorf("new temporal server: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("start temporal server: %w", err)
	}
	e.server = srv

	return e, nil
}

// Stop shuts the server down.
func (e *Engine) Stop() {
	e.stopping.Store(true)
	if e.server != nil {
		if err := e.server.Stop(); err != nil {
			e.opts.Logger.Warn("temporal server stop", "error", err)
		}
	}
}

const clusterName = "active"

func (e *Engine) sqlConfig(file string) *config.SQL {
	return &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		DatabaseName: file,
		// Plain keys become SQLite pragmas; "setup" creates the schema the
		// first time and is a no-op afterwards. WAL with synchronous=NORMAL
		// is durable across process crashes and several times faster than the
		// default rollback journal.
		ConnectAttributes: map[string]string{
			"mode":         "rwc",
			"setup":        "true",
			"journal_mode": "wal",
			"synchronous":  "1",
		},
	}
}

func (e *Engine) serverConfig(sqlConf *config.SQL) *config.Config {
	var conf config.Config
	conf.Global.Membership.MaxJoinDuration = 30 * time.Second
	conf.Global.Membership.BroadcastAddress = "127.0.0.1"
	conf.Persistence.DefaultStore = "sqlite"
	conf.Persistence.VisibilityStore = "sqlite"
	conf.Persistence.NumHistoryShards = 1
	conf.Persistence.DataStores = map[string]config.DataStore{"sqlite": {SQL: sqlConf}}
	if e.visibility {
		conf.Persistence.VisibilityStore = "visibility"
		conf.Persistence.DataStores["visibility"] = config.DataStore{SQL: e.sqlConfig(e.VisibilityFile())}
	}
	conf.ClusterMetadata = &cluster.Config{
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {
				Enabled:                true,
				InitialFailoverVersion: 1,
				RPCAddress:             e.Address(),
				ClusterID:              "4c6f6f70-636c-6f73-6500-656d62656464",
			},
		},
	}
	conf.DCRedirectionPolicy.Policy = "noop"
	// Stable internal ports (frontend+1..+3, membership +100..+103): the
	// membership table in the database remembers the last addresses, and
	// with random ports a restarted engine waits for the old ones to expire
	// before it can serve queries.
	p := e.opts.Port
	service := func(offset int) config.Service {
		return config.Service{RPC: config.RPC{GRPCPort: p + offset, MembershipPort: p + 100 + offset, BindOnLocalHost: true}}
	}
	conf.Services = map[string]config.Service{
		"frontend": {RPC: config.RPC{GRPCPort: p, BindOnIP: e.opts.IP, MembershipPort: p + 100}},
		"history":  service(1),
		"matching": service(2),
		"worker":   service(3),
	}
	conf.Archival.History.State = "disabled"
	conf.Archival.Visibility.State = "disabled"
	conf.NamespaceDefaults.Archival.History.State = "disabled"
	conf.NamespaceDefaults.Archival.Visibility.State = "disabled"
	conf.PublicClient.HostPort = e.Address()
	conf.Global.TLS = e.tlsConfig()
	return &conf
}

// tlsConfig requires a certificate signed by the data folder's CA on the
// frontend and on history, matching and worker, which listen on loopback
// too and would otherwise be a door of their own. The services present
// the server certificate to each other; the system worker dials the
// frontend with Closeloop's client certificate.
func (e *Engine) tlsConfig() config.RootTLS {
	f := e.certs
	server := config.ServerTLS{CertFile: f.ServerCert, KeyFile: f.ServerKey,
		ClientCAFiles: []string{f.CA}, RequireClientAuth: true}
	client := config.ClientTLS{ServerName: enginetls.ServerName, RootCAFiles: []string{f.CA}}
	return config.RootTLS{
		Internode:    config.GroupTLS{Server: server, Client: client},
		Frontend:     config.GroupTLS{Server: server, Client: client},
		SystemWorker: config.WorkerTLS{CertFile: f.ClientCert, KeyFile: f.ClientKey, Client: client},
	}
}

// dynamicConfig tunes the server for a single node.
func dynamicConfig() dynamicconfig.StaticClient {
	return dynamicconfig.StaticClient{
		// One partition per task queue: on one node, more partitions only
		// spread the same work over more SQLite round trips (~4x slower).
		dynamicconfig.MatchingNumTaskqueueReadPartitions.Key():  1,
		dynamicconfig.MatchingNumTaskqueueWritePartitions.Key(): 1,
		dynamicconfig.FrontendPersistenceMaxQPS.Key():           10000,
		dynamicconfig.HistoryPersistenceMaxQPS.Key():            45000,
		// The search index has one SQLite connection: a few visibility
		// workers keep it busy, where the default 512 would queue on it
		// past the 3 s task timeout and retry.
		dynamicconfig.VisibilityProcessorSchedulerWorkerCount.Key(): 8,
		// The events cache is per shard, sized for clusters of hundreds of
		// shards (512 KiB each); with one shard it held a few dozen cases'
		// start events, and every describe and activity completion of the
		// others read its event back from SQLite.
		dynamicconfig.EventsCacheMaxSizeBytes.Key(): 64 << 20,
	}
}

// FreePort finds a frontend port on ip for an engine: one whose three
// successors and membership ports (+100..+103) are free too.
func FreePort(ip string) (int, error) {
	for range 50 {
		l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
		if err != nil {
			return 0, err
		}
		p := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		if p > 65535-110 {
			continue
		}
		free := true
		for _, q := range []int{p, p + 1, p + 2, p + 3, p + 100, p + 101, p + 102, p + 103} {
			if portFree(ip, q) != nil {
				free = false
				break
			}
		}
		if free {
			return p, nil
		}
	}
	return 0, errors.New("no free port range for the embedded engine")
}

func portFree(ip string, port int) error {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("%s:%d is not free: %w", ip, port, err)
	}
	return l.Close()
}
