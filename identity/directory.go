// Package identity holds who may sign in to Closeloop: the directory of
// departments and users with their roles, password and token checks, the
// demo directory for the embedded mode, and web sessions.
package identity

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/crypto/bcrypt"
)

// Role is what a user does; the access policies are written per role.
type Role string

// Roles (rule P3).
const (
	RoleAgent       Role = "agent"       // customer service
	RoleCSHead      Role = "cs_head"     // head of customer service
	RoleDeptStaff   Role = "dept_staff"  // staff of a functional department
	RoleDeptHead    Role = "dept_head"   // head of a functional department
	RoleMaintenance Role = "maintenance" // maintenance technicians
	RoleQC          Role = "qc"          // quality control
	RoleManager     Role = "manager"     // management
	RoleAdmin       Role = "admin"       // administrator
)

// Roles lists every role.
func Roles() []Role {
	return []Role{RoleAgent, RoleCSHead, RoleDeptStaff, RoleDeptHead, RoleMaintenance, RoleQC, RoleManager, RoleAdmin}
}

// Department is one department of the company.
type Department struct {
	Code string `json:"code"`
	// Name is the department's name; a directory written before names per
	// language has the demo's "物业部 Property" form here, which NameIn
	// still reads as one name per language.
	Name string `json:"name"`
	// Names are the department's name per interface language ("zh-CN",
	// "en"); optional, so older directory files load unchanged.
	Names map[string]string `json:"names,omitempty"`
}

// NameIn is the department's name in lang: its Names entry, else the
// part of a bilingual "中文名 English name" Name in that script, else Name,
// else its code.
func (d Department) NameIn(lang string) string {
	if n := d.Names[lang]; n != "" {
		return n
	}
	if zh, en, ok := splitBilingual(d.Name); ok {
		if strings.HasPrefix(lang, "zh") {
			return zh
		}
		return en
	}
	if d.Name != "" {
		return d.Name
	}
	return d.Code
}

// splitBilingual splits "物业部 Property" into its Chinese and its Latin
// part; ok is false for a name in one script.
func splitBilingual(name string) (zh, en string, ok bool) {
	zh, en, found := strings.Cut(strings.TrimSpace(name), " ")
	if !found || !hasHan(zh) || hasHan(en) {
		return "", "", false
	}
	return zh, strings.TrimSpace(en), true
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// User is one person who signs in. Passwords are kept as bcrypt hashes and
// API tokens as SHA-256 hashes ("sha256:<hex>"); neither is stored plain.
type User struct {
	Username     string   `json:"username"`
	Name         string   `json:"name,omitempty"`
	Role         Role     `json:"role"`
	Department   string   `json:"department"`
	Email        string   `json:"email,omitempty"`
	Language     string   `json:"language,omitempty"`
	PasswordHash string   `json:"password_hash"`
	TokenHashes  []string `json:"token_hashes,omitempty"`
}

// File is the directory file's shape.
type File struct {
	Departments []Department `json:"departments"`
	Users       []User       `json:"users"`
}

// Directory answers who a user is. It is read-only once loaded.
type Directory struct {
	file    File
	byName  map[string]*User
	byToken map[string]*User
}

var (
	usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,39}$`)
	deptPattern     = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)
	tokenHashForm   = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
)

// Load reads a directory file; every problem names the user or
// department it is about.
func Load(path string) (*Directory, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	var f File
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("directory %s: %w", path, err)
	}
	d, err := New(f)
	if err != nil {
		return nil, fmt.Errorf("directory %s: %w", path, err)
	}
	return d, nil
}

// New checks f and indexes it.
func New(f File) (*Directory, error) {
	d := &Directory{file: f, byName: map[string]*User{}, byToken: map[string]*User{}}
	depts := map[string]bool{}
	for _, dp := range f.Departments {
		if !deptPattern.MatchString(dp.Code) || depts[dp.Code] {
			return nil, fmt.Errorf("department %q: code must be a unique lower-case code", dp.Code)
		}
		depts[dp.Code] = true
	}
	for i := range d.file.Users {
		u := &d.file.Users[i]
		switch {
		case !usernamePattern.MatchString(u.Username):
			return nil, fmt.Errorf("user %q: username must be 2-40 lower-case letters, digits, '.', '_' or '-'", u.Username)
		case d.byName[u.Username] != nil:
			return nil, fmt.Errorf("user %q: listed twice", u.Username)
		case !slices.Contains(Roles(), u.Role):
			return nil, fmt.Errorf("user %q: role %q is not one of %v", u.Username, u.Role, Roles())
		case !depts[u.Department]:
			return nil, fmt.Errorf("user %q: department %q is not in the departments list", u.Username, u.Department)
		case !strings.HasPrefix(u.PasswordHash, "$2"):
			return nil, fmt.Errorf("user %q: password_hash must be a bcrypt hash (closeloop hash-password makes one)", u.Username)
		}
		if _, err := bcrypt.Cost([]byte(u.PasswordHash)); err != nil {
			return nil, fmt.Errorf("user %q: password_hash: %w", u.Username, err)
		}
		d.byName[u.Username] = u
		for _, h := range u.TokenHashes {
			if !tokenHashForm.MatchString(h) {
				return nil, fmt.Errorf("user %q: token hash %q must be sha256:<64 hex digits>", u.Username, h)
			}
			if d.byToken[h] != nil {
				return nil, fmt.Errorf("user %q: token hash shared with user %q", u.Username, d.byToken[h].Username)
			}
			d.byToken[h] = u
		}
	}
	return d, nil
}

// Users lists the directory's users.
func (d *Directory) Users() []User { return slices.Clone(d.file.Users) }

// Departments returns the departments in the directory's order.
func (d *Directory) Departments() []Department { return slices.Clone(d.file.Departments) }

// User returns a user by name.
func (d *Directory) User(username string) (User, bool) {
	u, ok := d.byName[username]
	if !ok {
		return User{}, false
	}
	return *u, true
}

// dummyHash keeps a wrong username as slow as a wrong password, so timing
// does not tell which usernames exist.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("closeloop-no-such-user"), bcrypt.DefaultCost)

// compareHash checks a password; a variable so a test can see that an
// unknown user costs the same bcrypt work as a known one.
var compareHash = bcrypt.CompareHashAndPassword

// ErrBadCredentials is the one answer to any failed sign-in.
var ErrBadCredentials = errors.New("wrong username or password")

// Authenticate checks a username and password.
func (d *Directory) Authenticate(username, password string) (User, error) {
	u, ok := d.byName[username]
	hash := dummyHash
	if ok {
		hash = []byte(u.PasswordHash)
	}
	if err := compareHash(hash, []byte(password)); err != nil || !ok {
		return User{}, ErrBadCredentials
	}
	return *u, nil
}

// ByToken finds the user an API token belongs to.
func (d *Directory) ByToken(token string) (User, bool) {
	if token == "" {
		return User{}, false
	}
	u, ok := d.byToken[HashToken(token)]
	if !ok {
		return User{}, false
	}
	return *u, true
}

// HashToken is how a token is stored: tokens are long and random, so a
// fast hash is enough and a stolen directory file reveals none of them.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// NewToken makes an API token.
func NewToken() string { return "clt_" + randomString(32) }

// NewPassword makes a random password for a demo user.
func NewPassword() string { return randomString(15) }

// HashPassword makes the bcrypt hash stored in the directory.
func HashPassword(password string) (string, error) {
	if len(password) < 12 {
		return "", errors.New("password must be at least 12 characters")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	return string(h), err
}

func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // the system's random source failing is not recoverable
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Equal compares two secrets in constant time.
func Equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
