package identity

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// DemoCredentials is the file the demo directory's passwords and tokens
// are written to, readable by the owner only.
type DemoCredentials struct {
	Users []DemoUser `json:"users"`
}

// DemoUser is one demo user's sign-in.
type DemoUser struct {
	Username   string `json:"username"`
	Role       Role   `json:"role"`
	Department string `json:"department"`
	Password   string `json:"password"`
	Token      string `json:"token"`
}

// Files of the demo directory in the data directory.
const (
	DemoDirectoryFile   = "directory.json"
	DemoCredentialsFile = "demo-credentials.json"
)

// demoUsers is one user per role; the department roles in two departments.
var demoUsers = []struct {
	username, name string
	role           Role
	dept           string
}{
	{"agent01", "王芳 (agent)", RoleAgent, "customer_service"},
	{"cshead01", "李娜 (cs head)", RoleCSHead, "customer_service"},
	{"staff.property", "张强 (property staff)", RoleDeptStaff, "property"},
	{"head.property", "刘洋 (property head)", RoleDeptHead, "property"},
	{"staff.engineering", "陈杰 (engineering staff)", RoleDeptStaff, "engineering"},
	{"head.engineering", "赵磊 (engineering head)", RoleDeptHead, "engineering"},
	{"maint01", "孙伟 (maintenance)", RoleMaintenance, "maintenance"},
	{"qc01", "周敏 (quality control)", RoleQC, "quality_control"},
	{"manager01", "吴刚 (manager)", RoleManager, "management"},
	{"admin01", "郑丽 (admin)", RoleAdmin, "it"},
}

var demoDepartments = []Department{
	demoDept("customer_service", "客服中心", "Customer service"), demoDept("property", "物业部", "Property"),
	demoDept("engineering", "工程部", "Engineering"), demoDept("maintenance", "维修部", "Maintenance"),
	demoDept("quality_control", "质控部", "Quality control"), demoDept("management", "管理层", "Management"),
	demoDept("it", "信息部", "IT"),
}

// demoDept names a department in both interface languages; Name keeps the
// bilingual form older readers of the file show.
func demoDept(code, zh, en string) Department {
	return Department{Code: code, Name: zh + " " + en, Names: map[string]string{"zh-CN": zh, "en": en}}
}

// Demo returns the embedded mode's demo directory in dataDir, creating it
// on first use with random passwords and tokens, which are written to
// demo-credentials.json (mode 0600) and never again. The path of that file
// is returned so it can be printed.
func Demo(dataDir string) (*Directory, string, error) {
	dirPath := filepath.Join(dataDir, DemoDirectoryFile)
	credPath := filepath.Join(dataDir, DemoCredentialsFile)
	if _, err := os.Stat(dirPath); err == nil {
		d, err := Load(dirPath)
		return d, credPath, err
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, "", fmt.Errorf("demo directory: %w", err)
	}
	var f File
	f.Departments = demoDepartments
	var creds DemoCredentials
	for _, du := range demoUsers {
		password, token := NewPassword(), NewToken()
		hash, err := HashPassword(password)
		if err != nil {
			return nil, "", err
		}
		f.Users = append(f.Users, User{Username: du.username, Name: du.name, Role: du.role, Department: du.dept,
			Language: "zh-CN", PasswordHash: hash, TokenHashes: []string{HashToken(token)}})
		creds.Users = append(creds.Users, DemoUser{Username: du.username, Role: du.role, Department: du.dept, Password: password, Token: token})
	}
	d, err := New(f)
	if err != nil {
		return nil, "", err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, "", err
	}
	// Credentials first: a directory without its credentials file would
	// lock everyone out.
	if err := writeJSON(credPath, creds); err != nil {
		return nil, "", err
	}
	if err := writeJSON(dirPath, f); err != nil {
		return nil, "", err
	}
	return d, credPath, nil
}

// ReadDemoCredentials reads the demo credentials file.
func ReadDemoCredentials(path string) (DemoCredentials, error) {
	var c DemoCredentials
	b, err := os.ReadFile(path)
	if err != nil {
		return c, err
	}
	return c, json.Unmarshal(b, &c)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
