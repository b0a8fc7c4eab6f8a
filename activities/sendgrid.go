package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sendgrid/rest"
	"github.com/sendgrid/sendgrid-go"
	sgmail "github.com/sendgrid/sendgrid-go/helpers/mail"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/closeloop/closeloop/archive"
	"github.com/closeloop/closeloop/identity"
	"github.com/closeloop/closeloop/mail"
	"github.com/closeloop/closeloop/workflows"
)

// Error types of mail failures, as the workflow sees them.
const (
	ErrMailRejected  = "MailRejected"  // SendGrid refused the message (400, 401, 403, …): not retried
	ErrNoAddress     = "NoMailAddress" // nobody with an e-mail address holds the recipient role
	errMailThrottled = "MailRateLimited"
)

// SendGrid delivers notices through SendGrid's v3 mail/send API, one
// message per recipient in the recipient's language. A message SendGrid
// accepted is written to the ledger at once and never sent again, however
// often the activity is retried; the notice ID travels in custom_args.
type SendGrid struct {
	APIKey    string
	Host      string // e.g. https://api.sendgrid.com; a local sink or test server can stand in
	FromEmail string
	FromName  string
	Timeout   time.Duration // per request; default 10s
	Renderer  *mail.Renderer
	Directory *identity.Directory // staff addresses and languages
	Ledger    MailLedger
	// Failed records refused notices for staff to read (the outbox).
	Failed *Outbox
	// posted, when set, runs after SendGrid accepted a message and before
	// it is recorded; tests use it to stand for a worker dying there.
	posted func(key string) error
}

func (s *SendGrid) client() *rest.Client {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return &rest.Client{HTTPClient: &http.Client{Timeout: timeout}}
}

// Send delivers n to each of its recipients not yet reached.
func (s *SendGrid) Send(ctx context.Context, n workflows.Notice) (workflows.NoticeResult, error) {
	to, err := Addresses(n, s.Directory)
	if err != nil {
		return workflows.NoticeResult{}, err
	}
	if len(to) == 0 {
		return workflows.NoticeResult{ID: n.ID, Channel: "none", Ref: "no e-mail address"}, nil
	}
	var refs []string
	for _, a := range to {
		key := n.ID + "|" + a.Email
		e, err := s.Ledger.Claim(ctx, key)
		if err != nil {
			// Not knowing whether it went out, sending could repeat it:
			// retry once the ledger answers.
			return workflows.NoticeResult{}, err
		}
		if e.Sent {
			refs = append(refs, e.MessageID)
			continue
		}
		if e.InDoubt {
			// An earlier attempt died between sending and recording: ask
			// SendGrid whether it has the message before sending again.
			ref, found, err := s.lookup(ctx, n.ID, a.Email)
			if found {
				if err := s.Ledger.Record(ctx, key, ref); err != nil {
					return workflows.NoticeResult{}, err
				}
				refs = append(refs, ref)
				continue
			}
			if err != nil && activity.IsActivity(ctx) {
				activity.GetLogger(ctx).Warn("mail ledger: an earlier attempt may have sent this message and SendGrid cannot tell; sending again",
					"case", n.CaseNo, "notice", n.ID, "error", err)
			}
		}
		m, err := s.Renderer.Render(n, a)
		if err != nil {
			return workflows.NoticeResult{}, temporal.NewNonRetryableApplicationError(err.Error(), "MailTemplate", err)
		}
		ref, answered, err := s.post(ctx, n, m)
		if err != nil {
			countMail(ctx, n, mailFailed, errorKind(err))
			if answered {
				// SendGrid said no (429, 5xx, 4xx): the message did not
				// go out, so the next attempt need not ask.
				if rerr := s.Ledger.Release(context.WithoutCancel(ctx), key); rerr != nil && activity.IsActivity(ctx) {
					activity.GetLogger(ctx).Warn("mail ledger: claim not released", "notice", n.ID, "error", rerr)
				}
			}
			return workflows.NoticeResult{}, err
		}
		if s.posted != nil {
			if err := s.posted(key); err != nil {
				return workflows.NoticeResult{}, err
			}
		}
		// Recorded at once, on a context the activity's end does not
		// cancel, so a retry skips it.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		err = s.Ledger.Record(rctx, key, ref)
		cancel()
		countMail(ctx, n, mailSent, "")
		if err != nil && activity.IsActivity(ctx) {
			// SendGrid has the message and the claim stands: a retry finds
			// it in doubt and asks SendGrid before sending. Carry on.
			activity.GetLogger(ctx).Warn("mail ledger: accepted message not recorded; its claim stands",
				"notice", n.ID, "error", err)
		}
		refs = append(refs, ref)
	}
	return workflows.NoticeResult{ID: n.ID, Channel: "sendgrid", Ref: strings.Join(refs, ",")}, nil
}

// post sends one message; the error says whether a retry can help, and
// answered whether SendGrid's answer is known (a transport error or
// timeout leaves it unknown).
func (s *SendGrid) post(ctx context.Context, n workflows.Notice, m mail.Message) (ref string, answered bool, err error) {
	msg := sgmail.NewV3Mail()
	msg.SetFrom(sgmail.NewEmail(s.FromName, s.FromEmail))
	msg.Subject = m.Subject
	p := sgmail.NewPersonalization()
	p.AddTos(sgmail.NewEmail(m.To.Name, m.To.Email))
	msg.AddPersonalizations(p)
	msg.AddContent(sgmail.NewContent("text/plain", m.Text), sgmail.NewContent("text/html", m.HTML))
	msg.SetCustomArg("notice_id", n.ID)
	msg.SetCustomArg("case_no", n.CaseNo)
	msg.SetCustomArg("kind", n.Kind)
	req := sendgrid.GetRequest(s.APIKey, "/v3/mail/send", s.Host)
	req.Method = rest.Post
	req.Body = sgmail.GetRequestBody(msg)
	resp, err := s.client().SendWithContext(ctx, req)
	if err != nil {
		return "", false, fmt.Errorf("sendgrid: %w", err) // transport or timeout: retried
	}
	switch code := resp.StatusCode; {
	case code == http.StatusAccepted || code == http.StatusOK:
		return firstHeader(resp.Headers, "X-Message-Id"), true, nil
	case code == http.StatusTooManyRequests:
		return "", true, temporal.NewApplicationErrorWithOptions("sendgrid: rate limited", errMailThrottled,
			temporal.ApplicationErrorOptions{NextRetryDelay: retryAfter(resp.Headers, time.Now())})
	case code >= 500:
		return "", true, fmt.Errorf("sendgrid: %d %s", code, sendgridMessage(resp.Body))
	default:
		why := fmt.Sprintf("SendGrid refused notice %s (HTTP %d): %s", n.ID, code, sendgridMessage(resp.Body))
		if s.Failed != nil {
			_ = s.Failed.Fail(n, why)
		}
		return "", true, temporal.NewNonRetryableApplicationError(why, ErrMailRejected, nil)
	}
}

// lookup asks SendGrid's Email Activity API whether it holds the message
// of notice id to addr (by the notice_id custom argument). The API is a
// SendGrid add-on and lags a little behind mail/send; an error means "cannot
// tell".
func (s *SendGrid) lookup(ctx context.Context, id, addr string) (string, bool, error) {
	req := sendgrid.GetRequest(s.APIKey, "/v3/messages", s.Host)
	req.Method = rest.Get
	req.QueryParams = map[string]string{"limit": "10",
		"query": fmt.Sprintf(`unique_args['notice_id']=%q AND to_email=%q`, id, addr)}
	resp, err := s.client().SendWithContext(ctx, req)
	if err != nil {
		return "", false, fmt.Errorf("sendgrid activity: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", false, fmt.Errorf("sendgrid activity: %d %s", resp.StatusCode, sendgridMessage(resp.Body))
	}
	var body struct {
		Messages []struct {
			MsgID   string `json:"msg_id"`
			ToEmail string `json:"to_email"`
		} `json:"messages"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		return "", false, fmt.Errorf("sendgrid activity: %w", err)
	}
	for _, m := range body.Messages {
		if strings.EqualFold(m.ToEmail, addr) {
			return m.MsgID, true, nil
		}
	}
	return "", false, nil
}

// Metrics of the mail channel, tagged with the notice kind.
const (
	mailSent   = "closeloop_emails_sent"
	mailFailed = "closeloop_emails_failed"
)

// countMail counts one message sent or failed (with why: rejected,
// rate_limited, unavailable), from the activity's metrics handler.
func countMail(ctx context.Context, n workflows.Notice, name, why string) {
	if !activity.IsActivity(ctx) {
		return
	}
	tags := map[string]string{"kind": n.Kind}
	if name == mailFailed {
		tags["reason"] = why
	}
	activity.GetMetricsHandler(ctx).WithTags(tags).Counter(name).Inc(1)
}

// errorKind names a failed send for the failure metric.
func errorKind(err error) string {
	var app *temporal.ApplicationError
	switch {
	case errors.As(err, &app) && app.Type() == ErrMailRejected:
		return "rejected"
	case errors.As(err, &app) && app.Type() == errMailThrottled:
		return "rate_limited"
	default:
		return "unavailable"
	}
}

// retryAfter reads X-RateLimit-Reset (a Unix time) into a delay of 1s to
// 10 minutes.
func retryAfter(h map[string][]string, now time.Time) time.Duration {
	reset, err := strconv.ParseInt(firstHeader(h, "X-RateLimit-Reset"), 10, 64)
	if err != nil {
		return 5 * time.Second
	}
	return min(max(time.Unix(reset, 0).Sub(now), time.Second), 10*time.Minute)
}

func firstHeader(h map[string][]string, key string) string {
	for k, v := range h {
		if strings.EqualFold(k, key) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// sendgridMessage pulls the messages out of SendGrid's error body.
func sendgridMessage(body string) string {
	var e struct {
		Errors []struct {
			Message string `json:"message"`
			Field   string `json:"field"`
		} `json:"errors"`
	}
	if json.Unmarshal([]byte(body), &e) != nil || len(e.Errors) == 0 {
		return strings.TrimSpace(body)
	}
	var msgs []string
	for _, x := range e.Errors {
		m := x.Message
		if x.Field != "" {
			m += " (" + x.Field + ")"
		}
		msgs = append(msgs, m)
	}
	return strings.Join(msgs, "; ")
}

// Addresses are the people a notice goes to: the customer, or the staff
// holding the recipient's role in its department, from the directory.
func Addresses(n workflows.Notice, dir *identity.Directory) ([]mail.Address, error) {
	if n.To.Role == "customer" {
		if n.To.Email == "" {
			return nil, nil
		}
		return []mail.Address{{Name: n.To.Name, Email: n.To.Email, Language: n.Language}}, nil
	}
	if n.To.Email != "" {
		return []mail.Address{{Name: n.To.Name, Email: n.To.Email, Language: "zh-CN", Staff: true}}, nil
	}
	var out []mail.Address
	for _, u := range staffFor(n.To, dir) {
		if u.Email != "" {
			out = append(out, mail.Address{Name: u.Name, Email: u.Email, Language: u.Language, Staff: true})
		}
	}
	if len(out) == 0 {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("no e-mail address for %s %s in the directory", n.To.Role, n.To.Department), ErrNoAddress, nil)
	}
	return out, nil
}

// staffFor maps a notice's recipient role to the directory's users.
func staffFor(r workflows.Recipient, dir *identity.Directory) []identity.User {
	if dir == nil {
		return nil
	}
	var roles []identity.Role
	sameDept := true
	switch r.Role {
	case "handler", "requester":
		roles = []identity.Role{identity.RoleDeptStaff, identity.RoleMaintenance, identity.RoleAgent}
	case "dept_head":
		roles = []identity.Role{identity.RoleDeptHead}
	case "cs_head":
		roles, sameDept = []identity.Role{identity.RoleCSHead}, false
	case "management", "qc_leader":
		roles, sameDept = []identity.Role{identity.RoleManager}, false
	case "qc":
		roles, sameDept = []identity.Role{identity.RoleQC}, false
	case "admin":
		roles, sameDept = []identity.Role{identity.RoleAdmin}, false
	}
	var out []identity.User
	for _, u := range dir.Users() {
		if r.Name != "" && u.Username == r.Name {
			return []identity.User{u} // a named handler gets it alone
		}
		if slices.Contains(roles, u.Role) && (!sameDept || r.Department == "" || u.Department == r.Department) {
			out = append(out, u)
		}
	}
	return out
}

// MailLedger remembers each message — a notice ID and an address — from
// just before it is sent until SendGrid accepted it, so that no retry, on
// this worker or another, sends it twice. With several workers it must be
// shared: the archive database (archive.Store) is.
type MailLedger interface {
	// Claim is called before sending: it tells what is known of key and
	// marks it as being sent.
	Claim(ctx context.Context, key string) (LedgerEntry, error)
	// Record notes that SendGrid accepted key; the first record stands.
	Record(ctx context.Context, key, messageID string) error
	// Release drops the claim of a message SendGrid refused.
	Release(ctx context.Context, key string) error
}

// LedgerEntry is what a MailLedger knows of one message.
type LedgerEntry = archive.MailEntry

// Ledger is the single node's MailLedger: one small file per message in
// a directory, written and synced before the activity reports back.
type Ledger struct {
	Dir string
}

type ledgerEntry struct {
	Key       string    `json:"key"`
	MessageID string    `json:"message_id"`
	At        time.Time `json:"at"`
}

func (l *Ledger) path(key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(l.Dir, hex.EncodeToString(sum[:16])+".json")
}

// Claim reads key's entry and, unless it was sent, leaves a claim file.
func (l *Ledger) Claim(_ context.Context, key string) (LedgerEntry, error) {
	if b, err := os.ReadFile(l.path(key)); err == nil {
		var e ledgerEntry
		if json.Unmarshal(b, &e) == nil && e.Key == key {
			return LedgerEntry{Sent: true, MessageID: e.MessageID}, nil
		}
	}
	claim := strings.TrimSuffix(l.path(key), ".json") + ".claim"
	if _, err := os.Stat(claim); err == nil {
		return LedgerEntry{InDoubt: true}, nil
	}
	// No message goes out without its claim on disk: a send whose record
	// then failed would otherwise be sent again by every retry (issue 17,
	// a full disk). The activity fails and retries once the disk has room.
	if err := l.write(claim, []byte(key)); err != nil {
		return LedgerEntry{}, err
	}
	return LedgerEntry{}, nil
}

// Record notes that key was accepted: written aside, synced, then renamed
// into place, so the entry is whole or absent.
func (l *Ledger) Record(_ context.Context, key, messageID string) error {
	b, _ := json.Marshal(ledgerEntry{Key: key, MessageID: messageID, At: time.Now().UTC()})
	return l.write(l.path(key), b)
}

// Release removes key's claim file.
func (l *Ledger) Release(_ context.Context, key string) error {
	err := os.Remove(strings.TrimSuffix(l.path(key), ".json") + ".claim")
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("mail ledger: %w", err)
	}
	return nil
}

// write puts b at path: written aside, synced, then renamed into place.
func (l *Ledger) write(path string, b []byte) error {
	if err := os.MkdirAll(l.Dir, 0o700); err != nil {
		return fmt.Errorf("mail ledger: %w", err)
	}
	f, err := os.CreateTemp(l.Dir, ".entry-*")
	if err != nil {
		return fmt.Errorf("mail ledger: %w", err)
	}
	defer func() { _ = os.Remove(f.Name()) }()
	if _, err := f.Write(b); err != nil {
		_ = f.Close()
		return fmt.Errorf("mail ledger: %w", err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("mail ledger: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("mail ledger: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("mail ledger: %w", err)
	}
	return nil
}
