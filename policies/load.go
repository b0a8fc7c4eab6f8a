package policies

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"

	"github.com/ory/ladon"
)

// Builtin are the policy documents shipped in the binary (the *.json files
// of this folder); CLOSELOOP_POLICY_DIR replaces them with a folder's.
//
//go:embed *.json
var Builtin embed.FS

// Load reads every *.json file of fsys — each a JSON array of ladon
// policies — into an index. An invalid document fails the start with the
// file and the policy named.
func Load(fsys fs.FS) (*Index, error) {
	RegisterConditions()
	files, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, errors.New("policies: no *.json policy files found (everything would be denied)")
	}
	slices.Sort(files)
	idx := NewIndex()
	for _, name := range files {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("policies %s: %w", name, err)
		}
		if err := loadFile(idx, name, data); err != nil {
			return nil, err
		}
	}
	return idx, nil
}

// LoadDir loads the policy files of a folder.
func LoadDir(dir string) (*Index, error) { return Load(os.DirFS(dir)) }

func loadFile(idx *Index, name string, data []byte) error {
	var raw []json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return fmt.Errorf("policies %s: not a JSON array of policies: %w", name, err)
	}
	for i, r := range raw {
		var head struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(r, &head)
		where := fmt.Sprintf("policies %s: policy %d", name, i+1)
		if head.ID != "" {
			where = fmt.Sprintf("policies %s: policy %q", name, head.ID)
		}
		p := &ladon.DefaultPolicy{}
		if err := p.UnmarshalJSON(r); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if err := check(p); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if err := idx.Create(context.Background(), p); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
	}
	return nil
}

// check catches what ladon would accept silently: a policy without an ID,
// an effect that is neither allow nor deny, empty lists that match nothing.
func check(p *ladon.DefaultPolicy) error {
	switch {
	case p.ID == "":
		return errors.New("id is required")
	case p.Effect != ladon.AllowAccess && p.Effect != ladon.DenyAccess:
		return fmt.Errorf("effect %q must be %q or %q", p.Effect, ladon.AllowAccess, ladon.DenyAccess)
	case len(p.Subjects) == 0, len(p.Actions) == 0, len(p.Resources) == 0:
		return errors.New("subjects, actions and resources must each name at least one value")
	}
	for _, list := range [][]string{p.Subjects, p.Actions, p.Resources} {
		for _, s := range list {
			if s == "" {
				return errors.New("empty subject, action or resource")
			}
		}
	}
	return nil
}
