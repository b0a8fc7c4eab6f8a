package identity

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// The demo directory has one user per role, the department roles in two
// departments, random passwords and tokens written once to a 0600 file, and
// only hashes in the directory itself.
func TestDemoDirectory(t *testing.T) {
	dir := t.TempDir()
	d, credPath, err := Demo(dir)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(credPath)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file %s: %v mode %v, want 0600", credPath, err, info.Mode())
	}
	creds, err := ReadDemoCredentials(credPath)
	if err != nil {
		t.Fatal(err)
	}
	roles := map[Role][]string{}
	for _, c := range creds.Users {
		roles[c.Role] = append(roles[c.Role], c.Department)
		if _, err := d.Authenticate(c.Username, c.Password); err != nil {
			t.Errorf("%s cannot sign in with its password: %v", c.Username, err)
		}
		if u, ok := d.ByToken(c.Token); !ok || u.Username != c.Username {
			t.Errorf("%s's token finds %v %t", c.Username, u.Username, ok)
		}
		if len(c.Password) < 12 || strings.Contains(c.Password, c.Username) {
			t.Errorf("%s has a weak password", c.Username)
		}
	}
	for _, r := range Roles() {
		if len(roles[r]) == 0 {
			t.Errorf("no demo user with role %s", r)
		}
	}
	if len(roles[RoleDeptStaff]) != 2 || roles[RoleDeptStaff][0] == roles[RoleDeptStaff][1] {
		t.Errorf("department staff in %v, want two departments", roles[RoleDeptStaff])
	}
	raw, _ := os.ReadFile(filepath.Join(dir, DemoDirectoryFile))
	for _, c := range creds.Users {
		if strings.Contains(string(raw), c.Password) || strings.Contains(string(raw), c.Token) {
			t.Fatalf("directory file holds %s's plain password or token", c.Username)
		}
	}
	// A restart keeps the same directory and does not rewrite credentials.
	again, _, err := Demo(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := again.Authenticate(creds.Users[0].Username, creds.Users[0].Password); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}

func TestAuthenticateRejects(t *testing.T) {
	hash, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(File{Departments: []Department{{Code: "property"}}, Users: []User{{Username: "li.na", Role: RoleDeptStaff, Department: "property",
		PasswordHash: hash, TokenHashes: []string{HashToken("clt_secret")}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ user, pass string }{{"li.na", "wrong"}, {"nobody", "correct horse battery"}, {"li.na", ""}} {
		if _, err := d.Authenticate(tc.user, tc.pass); err != ErrBadCredentials {
			t.Errorf("%s/%s: %v", tc.user, tc.pass, err)
		}
	}
	if _, ok := d.ByToken("clt_secreT"); ok {
		t.Error("a wrong token was accepted")
	}
	if _, ok := d.ByToken(""); ok {
		t.Error("an empty token was accepted")
	}
	if _, err := HashPassword("short"); err == nil {
		t.Error("a short password was hashed")
	}
}

// A broken directory file names the user at fault.
func TestLoadErrors(t *testing.T) {
	hash, _ := HashPassword("correct horse battery")
	for _, tc := range []struct{ doc, want string }{
		{`{"departments":[{"code":"p"}],"users":[{"username":"a.b","role":"boss","department":"p","password_hash":"` + hash + `"}]}`, `user "a.b": role "boss"`},
		{`{"departments":[{"code":"p"}],"users":[{"username":"a.b","role":"qc","department":"x","password_hash":"` + hash + `"}]}`, `user "a.b": department "x"`},
		{`{"departments":[{"code":"p"}],"users":[{"username":"a.b","role":"qc","department":"p","password_hash":"secret"}]}`, `user "a.b": password_hash must be a bcrypt hash`},
		{`{"departments":[{"code":"p"}],"users":[{"username":"a.b","role":"qc","department":"p","password_hash":"` + hash + `","token_hashes":["abc"]}]}`, `user "a.b": token hash`},
		{`{"departments":[],"users":[],"extra":1}`, `unknown field "extra"`},
	} {
		path := filepath.Join(t.TempDir(), "directory.json")
		if err := os.WriteFile(path, []byte(tc.doc), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(path); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one containing %q", err, tc.want)
		}
	}
}

// Rule P1: sessions end after an idle time and after their lifetime, and
// on sign-out; an unknown (tampered) ID finds nothing.
func TestSessionsExpire(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	s := NewSessions(30*time.Minute, 8*time.Hour)
	s.Now = func() time.Time { return now }
	get := func(id string) bool {
		t.Helper()
		_, ok, err := s.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	create := func() Session {
		t.Helper()
		ss, err := s.Create(ctx, "li.na")
		if err != nil {
			t.Fatal(err)
		}
		return ss
	}
	a := create()
	if get(a.ID + "x") {
		t.Fatal("a tampered ID found a session")
	}
	for range 20 { // busy for 8h20m in steps of 25 minutes
		now = now.Add(25 * time.Minute)
		if !get(a.ID) && now.Sub(a.Created) <= 8*time.Hour {
			t.Fatalf("session ended at %s while in use", now)
		}
	}
	if get(a.ID) {
		t.Fatal("session outlived its 8h lifetime")
	}
	b := create()
	now = now.Add(31 * time.Minute)
	if get(b.ID) {
		t.Fatal("session outlived its 30m idle time")
	}
	c := create()
	if err := s.Delete(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if get(c.ID) {
		t.Fatal("session survived sign-out")
	}
	if c.CSRF == "" || c.CSRF == c.ID {
		t.Error("session has no separate CSRF token")
	}
}

// The store never holds a session's ID, only its hash, and a busy session
// is written at most once a minute.
func TestSessionStoreHoldsNoTokenAndTouchesOnceAMinute(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	store := &countingStore{MemorySessions: NewMemorySessions()}
	s := NewSessionsIn(store, 30*time.Minute, 8*time.Hour)
	s.Now = func() time.Time { return now }
	ss, err := s.Create(ctx, "li.na")
	if err != nil {
		t.Fatal(err)
	}
	for k, st := range store.m {
		if k == ss.ID || st.Key == ss.ID || k != SessionKey(ss.ID) {
			t.Fatalf("stored under %q for ID %q", k, ss.ID)
		}
	}
	for range 120 { // a request every second for two minutes
		now = now.Add(time.Second)
		if _, ok, err := s.Get(ctx, ss.ID); err != nil || !ok {
			t.Fatalf("get: %v %v", ok, err)
		}
	}
	if store.touches != 2 {
		t.Fatalf("%d writes of last use in two busy minutes, want 2", store.touches)
	}
}

type countingStore struct {
	*MemorySessions
	touches int
}

func (c *countingStore) TouchSession(ctx context.Context, key string, seen time.Time) error {
	c.touches++
	return c.MemorySessions.TouchSession(ctx, key, seen)
}

// An unknown username costs the same bcrypt comparison as a known one, so
// the time of the answer does not tell which names exist.
func TestAuthenticateUnknownUserVerifiesDummyHash(t *testing.T) {
	hash, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(File{Departments: []Department{{Code: "it"}},
		Users: []User{{Username: "li.na", Role: RoleAdmin, Department: "it", PasswordHash: hash}}})
	if err != nil {
		t.Fatal(err)
	}
	var compared [][]byte
	compareHash = func(h, p []byte) error { compared = append(compared, h); return bcrypt.CompareHashAndPassword(h, p) }
	defer func() { compareHash = bcrypt.CompareHashAndPassword }()
	if _, err := d.Authenticate("nobody", "correct horse battery"); err != ErrBadCredentials {
		t.Fatalf("unknown user: %v", err)
	}
	if _, err := d.Authenticate("li.na", "wrong horse battery"); err != ErrBadCredentials {
		t.Fatalf("wrong password: %v", err)
	}
	if len(compared) != 2 || string(compared[0]) != string(dummyHash) || string(compared[1]) != hash {
		t.Fatalf("bcrypt compared %d hashes, want the dummy hash then the user's", len(compared))
	}
}

// Issue 18: a department is named in the page's language, from its names
// per language or from an older directory's bilingual name.
func TestDepartmentNameIn(t *testing.T) {
	for _, tc := range []struct {
		d    Department
		lang string
		want string
	}{
		{Department{Code: "property", Names: map[string]string{"zh-CN": "物业部", "en": "Property"}}, "en", "Property"},
		{Department{Code: "property", Names: map[string]string{"zh-CN": "物业部", "en": "Property"}}, "zh-CN", "物业部"},
		{Department{Code: "qc", Name: "质控部 Quality control"}, "en", "Quality control"},
		{Department{Code: "qc", Name: "质控部 Quality control"}, "zh-CN", "质控部"},
		{Department{Code: "ops", Name: "Operations team"}, "zh-CN", "Operations team"},
		{Department{Code: "ops"}, "en", "ops"},
	} {
		if got := tc.d.NameIn(tc.lang); got != tc.want {
			t.Errorf("%+v in %s: %q, want %q", tc.d, tc.lang, got, tc.want)
		}
	}
}
