package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/closeloop/closeloop/mail"
	"github.com/closeloop/closeloop/workflows"
)

// Outbox keeps notices as JSON files in a directory: the channel used when
// no mail service is configured, and the record staff can read back.
type Outbox struct {
	Dir string
	Now func() time.Time
	// Render, when set, stores each notice with the e-mail it would be.
	Render func(workflows.Notice) []mail.Message
}

// OutboxEntry is a notice as stored: sent to the outbox, or refused by the
// mail service (Status "failed", with its message).
type OutboxEntry struct {
	Notice   workflows.Notice `json:"notice"`
	StoredAt time.Time        `json:"stored_at"`
	Messages []mail.Message   `json:"messages,omitempty"`
	Status   string           `json:"status,omitempty"`
	Error    string           `json:"error,omitempty"`
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func (o *Outbox) path(id string) string {
	return filepath.Join(o.Dir, unsafeName.ReplaceAllString(id, "_")+".json")
}

// Send stores the notice once; a repeated ID is reported as already sent.
func (o *Outbox) Send(_ context.Context, n workflows.Notice) (workflows.NoticeResult, error) {
	if n.ID == "" {
		return workflows.NoticeResult{}, errors.New("outbox: notice without ID")
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return workflows.NoticeResult{}, fmt.Errorf("outbox: %w", err)
	}
	e := OutboxEntry{Notice: n, StoredAt: o.now()}
	if o.Render != nil {
		e.Messages = o.Render(n)
	}
	final := o.path(n.ID)
	if err := o.store(final, e); err != nil {
		return workflows.NoticeResult{}, err
	}
	return workflows.NoticeResult{ID: n.ID, Channel: "outbox", Ref: filepath.Base(final)}, nil
}

// Fail records a notice the mail service refused, with its reason.
func (o *Outbox) Fail(n workflows.Notice, why string) error {
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	return o.store(o.path(n.ID+".failed"), OutboxEntry{Notice: n, StoredAt: o.now(), Status: "failed", Error: why})
}

func (o *Outbox) now() time.Time {
	if o.Now != nil {
		return o.Now().UTC()
	}
	return time.Now().UTC()
}

// store writes e to final once.
func (o *Outbox) store(final string, e OutboxEntry) error {
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	// Write aside, then link into place: the file appears whole or not at
	// all, and an existing one (an earlier attempt) is left untouched.
	tmp, err := os.CreateTemp(o.Dir, ".notice-*")
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if _, err := tmp.Write(b); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("outbox: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	if err := os.Link(tmp.Name(), final); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("outbox: %w", err)
	}
	return nil
}

// List returns the stored notices, newest first, optionally for one case.
func (o *Outbox) List(caseNo string) ([]OutboxEntry, error) {
	files, err := filepath.Glob(filepath.Join(o.Dir, "*.json"))
	if err != nil {
		return nil, err
	}
	var out []OutboxEntry
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("outbox: %w", err)
		}
		var e OutboxEntry
		if err := json.Unmarshal(b, &e); err != nil {
			return nil, fmt.Errorf("outbox %s: %w", filepath.Base(f), err)
		}
		if caseNo == "" || e.Notice.CaseNo == caseNo {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b OutboxEntry) int {
		if c := b.StoredAt.Compare(a.StoredAt); c != 0 {
			return c
		}
		return strings.Compare(a.Notice.ID, b.Notice.ID)
	})
	return out, nil
}
