package main

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/closeloop/closeloop/config"
	"github.com/closeloop/closeloop/enginetls"
)

// newTLSCommand makes the engine's certificates for a cluster, where the
// Temporal server, its UI and every Closeloop process read them from one
// volume (docker-compose.yml's tls-init service). The embedded engine
// makes its own in the data folder.
func newTLSCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "tls", Short: "Certificates that make the Temporal engine answer only Closeloop"}
	var hosts []string
	var owner string
	initCmd := &cobra.Command{
		Use:   "init DIR",
		Short: "Make a CA, the engine's server certificate and Closeloop's client certificate in DIR, unless there already",
		Long: "Makes, once, the certificates of mutual TLS between Temporal and its clients: ca.pem, server.pem and\n" +
			"server-key.pem for the Temporal server (valid for " + strings.Join(enginetls.DefaultHosts, ", ") + " and --host),\n" +
			"client.pem and client-key.pem for Closeloop, the Temporal UI and an operator's CLI. DIR is 0700, the files 0600.\n" +
			"Delete DIR's files to make new ones.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			uid, gid, err := parseOwner(owner)
			if err != nil {
				return err
			}
			f, err := enginetls.Generate(args[0], hosts, uid, gid)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Engine certificates in %s (server name %s)\n", f.Dir, enginetls.ServerName)
			return nil
		},
	}
	initCmd.Flags().StringSliceVar(&hosts, "host", nil, "another name or address the server certificate is valid for (repeatable)")
	initCmd.Flags().StringVar(&owner, "owner", "", "UID[:GID] to own DIR and the files (the Temporal images run as 1000:1000)")
	cmd.AddCommand(initCmd)
	return cmd
}

// parseOwner reads UID[:GID]; "" keeps the current owner (-1).
func parseOwner(s string) (uid, gid int, err error) {
	if s == "" {
		return -1, -1, nil
	}
	u, g, hasGroup := strings.Cut(s, ":")
	if uid, err = strconv.Atoi(u); err != nil || uid < 0 {
		return 0, 0, fmt.Errorf("--owner %q: want UID or UID:GID", s)
	}
	gid = -1
	if hasGroup {
		if gid, err = strconv.Atoi(g); err != nil || gid < 0 {
			return 0, 0, fmt.Errorf("--owner %q: want UID or UID:GID", s)
		}
	}
	return uid, gid, nil
}

// newTemporalEnvCommand prints what the stock `temporal` CLI needs to reach
// the engine, which refuses any client without Closeloop's certificate.
func newTemporalEnvCommand() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "temporal-env",
		Short: "Print the shell settings with which the stock temporal CLI reaches the engine: eval \"$(closeloop temporal-env)\"",
		Long: "The engine answers only clients with Closeloop's certificate (mutual TLS). This prints, as export lines,\n" +
			"its address, namespace and the certificate files, read from the data folder (CLOSELOOP_DATA_DIR):\n\n" +
			"  eval \"$(closeloop temporal-env)\"\n  temporal workflow list\n\n" +
			"Whoever can read the data folder's tls/client-key.pem can do anything in the engine: keep it to operators.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.FromEnv()
			if err != nil {
				return err
			}
			if dir == "" {
				dir = filepath.Join(cfg.DataDir, enginetls.Subfolder)
			}
			if dir, err = filepath.Abs(dir); err != nil {
				return err
			}
			f := enginetls.In(dir)
			if _, err := f.ClientConfig(); err != nil {
				return fmt.Errorf("%w\nStart closeloop once with this data folder (it makes the certificates), or pass --tls-dir", err)
			}
			address := cfg.TemporalAddress
			if cfg.Embedded() {
				address = net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.TemporalPort))
			}
			for _, kv := range [][2]string{
				{"TEMPORAL_ADDRESS", address},
				{"TEMPORAL_NAMESPACE", cfg.Namespace},
				{"TEMPORAL_TLS_CLIENT_CERT_PATH", f.ClientCert},
				{"TEMPORAL_TLS_CLIENT_KEY_PATH", f.ClientKey},
				{"TEMPORAL_TLS_SERVER_CA_CERT_PATH", f.CA},
				{"TEMPORAL_TLS_SERVER_NAME", enginetls.ServerName},
			} {
				fmt.Fprintf(cmd.OutOrStdout(), "export %s=%s\n", kv[0], shellQuote(kv[1]))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "tls-dir", "", "folder of the certificates (default: the data folder's tls)")
	return cmd
}

// shellQuote makes s one word for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
