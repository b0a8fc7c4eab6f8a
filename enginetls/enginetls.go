// Package enginetls holds the certificates that make the Temporal engine
// answer only Closeloop: a private CA, the engine's server certificate and
// Closeloop's client certificate. The engine requires a client certificate
// signed by the CA (mutual TLS), on its frontend and between its own
// services, so a client without the data folder's key is refused before it
// can read a history or send an Update.
package enginetls

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// ServerName is the name every client checks the engine's certificate
// against, whatever address it dials: the cluster's service name, also
// valid for the embedded engine.
const ServerName = "temporal"

// Subfolder is where the certificates live in a data folder.
const Subfolder = "tls"

// Lifetimes: long enough that nobody has to renew them by hand in the
// product's life on one machine; deleting the folder makes new ones.
const (
	caLifetime   = 10 * 365 * 24 * time.Hour
	leafLifetime = caLifetime - 24*time.Hour
)

// Files are the paths of the certificates and keys in one folder (PEM).
type Files struct {
	Dir        string
	CA         string // the CA certificate both sides trust
	ServerCert string // the engine's; it is also its client certificate between its own services
	ServerKey  string
	ClientCert string // Closeloop's (and an operator's CLI)
	ClientKey  string
}

// In names the files in dir; it does not read them.
func In(dir string) Files {
	return Files{
		Dir:        dir,
		CA:         filepath.Join(dir, "ca.pem"),
		ServerCert: filepath.Join(dir, "server.pem"),
		ServerKey:  filepath.Join(dir, "server-key.pem"),
		ClientCert: filepath.Join(dir, "client.pem"),
		ClientKey:  filepath.Join(dir, "client-key.pem"),
	}
}

// ForDataDir names the files in dataDir's tls folder.
func ForDataDir(dataDir string) Files { return In(filepath.Join(dataDir, Subfolder)) }

// DefaultHosts are the names and addresses the server certificate is valid
// for without extra ones: loopback, and the service names of the cluster
// in docker-compose.yml.
var DefaultHosts = []string{"127.0.0.1", "::1", "localhost", ServerName}

// Ensure makes the certificates in dataDir's tls folder unless they are
// there already (a data folder from before they existed gets them on its
// first start), and returns their paths.
func Ensure(dataDir string) (Files, error) {
	return Generate(filepath.Join(dataDir, Subfolder), nil, -1, -1)
}

// Generate makes a CA, a server certificate for DefaultHosts and extra,
// and a client certificate into dir (0700; files 0600, owned by uid:gid
// unless those are -1), once: when dir holds them already it only checks
// them and fixes the permissions. The CA certificate is written last, so
// a run that was cut short is redone; the CA's key is not kept (new
// certificates mean a new folder).
func Generate(dir string, extra []string, uid, gid int) (Files, error) {
	f := In(dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return f, fmt.Errorf("engine certificates: %w", err)
	}
	if _, err := os.Stat(f.CA); err == nil {
		if err := f.check(); err != nil {
			return f, err
		}
		return f, f.protect(uid, gid)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return f, fmt.Errorf("engine certificates: %w", err)
	}
	if err := f.generate(append(slices.Clone(DefaultHosts), extra...), time.Now()); err != nil {
		return f, fmt.Errorf("engine certificates in %s: %w", dir, err)
	}
	return f, f.protect(uid, gid)
}

// paths are every file, the CA last.
func (f Files) paths() []string {
	return []string{f.ServerCert, f.ServerKey, f.ClientCert, f.ClientKey, f.CA}
}

// check loads both key pairs, so a damaged folder is named at start-up
// rather than as a handshake failure later.
func (f Files) check() error {
	for _, pair := range [][2]string{{f.ServerCert, f.ServerKey}, {f.ClientCert, f.ClientKey}} {
		if _, err := tls.LoadX509KeyPair(pair[0], pair[1]); err != nil {
			return fmt.Errorf("engine certificates in %s (delete the folder to make new ones): %w", f.Dir, err)
		}
	}
	return nil
}

// protect makes the folder 0700 and the files 0600 whatever they were
// before, and hands them to uid:gid when those are not -1.
func (f Files) protect(uid, gid int) error {
	if err := os.Chmod(f.Dir, 0o700); err != nil {
		return err
	}
	for _, p := range append(f.paths(), f.Dir) {
		if p != f.Dir {
			if err := os.Chmod(p, 0o600); err != nil {
				return err
			}
		}
		if uid != -1 || gid != -1 {
			if err := os.Chown(p, uid, gid); err != nil {
				return fmt.Errorf("engine certificates: %w", err)
			}
		}
	}
	return nil
}

func (f Files) generate(hosts []string, now time.Time) error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	caTmpl := &x509.Certificate{
		Subject:               pkix.Name{Organization: []string{"Closeloop"}, CommonName: "Closeloop engine CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := sign(caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return err
	}
	server := leaf(now, "Closeloop engine", x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth)
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			server.IPAddresses = append(server.IPAddresses, ip)
		} else if !slices.Contains(server.DNSNames, h) {
			server.DNSNames = append(server.DNSNames, h)
		}
	}
	if err := issue(server, ca, caKey, f.ServerCert, f.ServerKey); err != nil {
		return err
	}
	client := leaf(now, "closeloop", x509.ExtKeyUsageClientAuth)
	if err := issue(client, ca, caKey, f.ClientCert, f.ClientKey); err != nil {
		return err
	}
	return writePEM(f.CA, "CERTIFICATE", caDER)
}

func leaf(now time.Time, name string, usage ...x509.ExtKeyUsage) *x509.Certificate {
	return &x509.Certificate{
		Subject:     pkix.Name{Organization: []string{"Closeloop"}, CommonName: name},
		NotBefore:   now.Add(-time.Hour),
		NotAfter:    now.Add(leafLifetime),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: usage,
	}
}

// issue signs tmpl with the CA and writes the certificate and a new key.
func issue(tmpl, ca *x509.Certificate, caKey *ecdsa.PrivateKey, certPath, keyPath string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	der, err := sign(tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := writePEM(keyPath, "PRIVATE KEY", keyDER); err != nil {
		return err
	}
	return writePEM(certPath, "CERTIFICATE", der)
}

func sign(tmpl, parent *x509.Certificate, pub *ecdsa.PublicKey, key *ecdsa.PrivateKey) ([]byte, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial
	return x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
}

// writePEM writes through a temporary file, so a file is whole or absent.
func writePEM(path, kind string, der []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if err := pem.Encode(tmp, &pem.Block{Type: kind, Bytes: der}); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// ClientConfig is the TLS configuration of a client of the engine: it
// presents Closeloop's certificate and trusts only the CA, for ServerName.
func (f Files) ClientConfig() (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(f.ClientCert, f.ClientKey)
	if err != nil {
		return nil, fmt.Errorf("engine client certificate: %w", err)
	}
	pool, err := f.pool()
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, ServerName: ServerName,
		MinVersion: tls.VersionTLS12}, nil
}

func (f Files) pool() (*x509.CertPool, error) {
	b, err := os.ReadFile(f.CA)
	if err != nil {
		return nil, fmt.Errorf("engine CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("engine CA %s: no certificate", f.CA)
	}
	return pool, nil
}
