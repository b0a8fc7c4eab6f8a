//go:build ignore

// makedata writes the data directory that TestUpgradeFromLastRelease opens:
// a release's closeloop binary (built from that release's checkout) runs on
// an empty directory, cases are opened through the HTTP API with short SLA
// spans (so every deadline falls minutes to hours after creation), the
// cases as the API showed them are written to cases.json, and the process
// is stopped with SIGTERM.
//
//	git worktree add /tmp/old 62e5059 && (cd /tmp/old && go build -o /tmp/old/closeloop ./cmd/closeloop)
//	go run makedata.go -bin /tmp/old/closeloop -out /tmp/upgrade-data
//	tar -C /tmp/upgrade-data -czf release-62e5059.tar.gz .
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// slaFile: complaints breach their first feedback after 3 minutes and
// resolve within 2 hours; a collaboration may be booked a minute ahead
// and must be accepted within 10 minutes.
const slaFile = `{
 "complaint": {"clocks": [
  {"name": "first_feedback", "span": {"n": 3, "unit": "minutes"}, "reminders": [50, 80]},
  {"name": "resolution", "span": {"n": 2, "unit": "hours"}, "reminders": [50, 80], "pausable": true},
  {"name": "return_visit", "span": {"n": 3, "unit": "hours"}, "reminders": [50, 80]},
  {"name": "result_delivery", "span": {"n": 3, "unit": "hours"}, "reminders": [50, 80]},
  {"name": "rework", "span": {"n": 3, "unit": "hours"}, "reminders": [50, 80], "escalate_to": 2, "pausable": true}]},
 "collaboration": {"min_booking_lead": 60000000000, "clocks": [
  {"name": "acceptance", "span": {"n": 10, "unit": "minutes"}, "reminders": [50, 80]},
  {"name": "time_node", "fixed": true, "reminders": [50, 80]},
  {"name": "serious_breach", "span": {"n": 1, "unit": "hours"}},
  {"name": "rating", "span": {"n": 2, "unit": "hours"}, "reminders": [50]}]}
}`

var (
	base   string
	tokens = map[string]string{}
)

func main() {
	bin := flag.String("bin", "", "the release's closeloop binary")
	out := flag.String("out", "", "data directory to create (must not exist)")
	forms := flag.String("forms", "../../../forms/examples", "the example forms")
	flag.Parse()
	if _, err := os.Stat(*out); err == nil {
		log.Fatalf("%s exists", *out)
	}
	tmp, err := os.MkdirTemp("", "makedata")
	check(err)
	sla := filepath.Join(tmp, "sla.json")
	check(os.WriteFile(sla, []byte(slaFile), 0o600))
	httpPort, tPort := port(), port()
	base = "http://127.0.0.1:" + strconv.Itoa(httpPort)
	cmd := exec.Command(*bin)
	logf, err := os.Create(filepath.Join(tmp, "closeloop.log"))
	check(err)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), "CLOSELOOP_DATA_DIR="+*out, "CLOSELOOP_HTTP_ADDR=127.0.0.1:"+strconv.Itoa(httpPort),
		"CLOSELOOP_TEMPORAL_PORT="+strconv.Itoa(tPort), "CLOSELOOP_TEMPORAL_UI_PORT=0", "CLOSELOOP_QUIET_HOURS=off",
		"CLOSELOOP_SLA_FILE="+sla, "TEMPORAL_ADDRESS=")
	check(cmd.Start())
	for i := 0; ; i++ {
		if resp, err := http.Get(base + "/readyz"); err == nil && resp.StatusCode == 200 {
			break
		}
		if i > 600 {
			log.Fatalf("not ready; log in %s", logf.Name())
		}
		time.Sleep(200 * time.Millisecond)
	}
	var creds struct {
		Users []struct{ Username, Token string }
	}
	b, err := os.ReadFile(filepath.Join(*out, "demo-credentials.json"))
	check(err)
	check(json.Unmarshal(b, &creds))
	for _, u := range creds.Users {
		tokens[u.Username] = u.Token
	}
	form := func(name string) map[string]any {
		b, err := os.ReadFile(filepath.Join(*forms, name))
		check(err)
		var m map[string]any
		check(json.Unmarshal(b, &m))
		return m
	}
	no := func(b []byte) string {
		var c struct{ No string }
		check(json.Unmarshal(b, &c))
		return c.No
	}
	// A: registered, first feedback due in 3 minutes.
	a := no(call("agent01", "POST", "/api/v1/complaints", form("complaint.json"), 201))
	// B: first feedback given, resolution due in 2 hours.
	bNo := no(call("agent01", "POST", "/api/v1/complaints", form("complaint.json"), 201))
	call("agent01", "POST", "/api/v1/cases/"+bNo+"/actions/first-feedback", map[string]any{"message": "plumber booked"}, 200)
	// C: resolution paused while a child collaboration request is open.
	c := no(call("agent01", "POST", "/api/v1/complaints", form("complaint.json"), 201))
	call("agent01", "POST", "/api/v1/cases/"+c+"/actions/first-feedback", map[string]any{"message": "engineering will inspect the roof"}, 200)
	rb := call("staff.property", "POST", "/api/v1/cases/"+c+"/actions/request-collaboration", map[string]any{
		"target_department": "engineering", "need": "inspect the roof", "time_node": time.Now().Add(30 * time.Minute).Format(time.RFC3339),
		"requester_responsibilities": "keep the customer informed", "target_responsibilities": "inspect and report"}, 200)
	var withChild struct{ Children []struct{ No string } }
	check(json.Unmarshal(rb, &withChild))
	if len(withChild.Children) != 1 {
		log.Fatalf("no child: %s", rb)
	}
	// D, E: a repair order and a consultation on the rulebook's clocks.
	d := no(call("agent01", "POST", "/api/v1/repairs", form("repair.json"), 201))
	e := no(call("agent01", "POST", "/api/v1/consultations", form("consultation.json"), 201))
	time.Sleep(3 * time.Second)
	var cases []json.RawMessage
	for _, n := range []string{a, bNo, c, withChild.Children[0].No, d, e} {
		cases = append(cases, call("qc01", "GET", "/api/v1/cases/"+n, nil, 200))
	}
	b, err = json.MarshalIndent(cases, "", " ")
	check(err)
	check(os.WriteFile(filepath.Join(*out, "cases.json"), b, 0o600))
	check(cmd.Process.Signal(syscall.SIGTERM))
	check(cmd.Wait())
	fmt.Println("cases:", a, bNo, c, withChild.Children[0].No, d, e)
}

func call(user, method, path string, body any, want int) []byte {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		check(err)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, r)
	check(err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tokens[user])
	resp, err := http.DefaultClient.Do(req)
	check(err)
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		log.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return b
}

func port() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
