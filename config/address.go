package config

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
)

// AddressFile is where a running server tells the command line, in its
// data directory, where its API answers and in which time zone it works,
// so `closeloop case …` finds a server on another port with no setting.
const AddressFile = "api-address.json"

// Address is the content of AddressFile.
type Address struct {
	URL      string `json:"url"`       // e.g. http://127.0.0.1:8080
	TimeZone string `json:"time_zone"` // CLOSELOOP_TIMEZONE, e.g. Asia/Shanghai
}

// AddressPath is AddressFile in dataDir.
func AddressPath(dataDir string) string { return filepath.Join(dataDir, AddressFile) }

// DialURL is the base URL a client on this machine uses for a listener on
// addr: an unspecified host (0.0.0.0, ::) is dialled on loopback.
func DialURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// WriteAddress publishes a into dataDir; the returned func removes the
// file again unless another server has replaced it meanwhile.
func WriteAddress(dataDir string, a Address) (remove func(), err error) {
	b, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	path := AddressPath(dataDir)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, err
	}
	return func() {
		if cur, err := ReadAddress(dataDir); err == nil && cur == a {
			_ = os.Remove(path)
		}
	}, nil
}

// ReadAddress reads what a server published in dataDir; fs.ErrNotExist
// when no server has.
func ReadAddress(dataDir string) (Address, error) {
	var a Address
	b, err := os.ReadFile(AddressPath(dataDir))
	if err != nil {
		return a, err
	}
	if err := json.Unmarshal(b, &a); err != nil {
		return Address{}, fmt.Errorf("%s: %w", AddressPath(dataDir), err)
	}
	if a.URL == "" {
		return Address{}, fmt.Errorf("%s: no url", AddressPath(dataDir))
	}
	return a, nil
}
