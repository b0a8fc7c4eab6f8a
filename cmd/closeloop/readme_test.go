package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// readmeCommand is a line of the shell examples in the README and the
// pages of docs/ that runs closeloop, and the arguments after the program
// as written.
type readmeCommand struct{ line, args string }

func readmeCommands(t *testing.T) []readmeCommand {
	t.Helper()
	pages, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	var all []byte
	for _, p := range append([]string{"../../README.md"}, pages...) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	var cmds []readmeCommand
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(all), -1)
	for _, blk := range blocks {
		text := strings.ReplaceAll(blk[1], "\\\n", " ")
		for _, line := range strings.Split(text, "\n") {
			_, rest, ok := strings.Cut(line, "./cmd/closeloop ")
			if ok {
				cmds = append(cmds, readmeCommand{line, rest})
			}
		}
	}
	if len(cmds) < 10 {
		t.Fatalf("found %d closeloop commands in the README's examples; the extraction is broken", len(cmds))
	}
	return cmds
}

// shellWords splits a command line as the shell would, up to an unquoted
// ), | or #; a $(…) is one word, subst.
func shellWords(line string) []string {
	var words []string
	var w strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			words = append(words, w.String())
		}
		w.Reset()
		inWord = false
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '$' && i+1 < len(line) && line[i+1] == '(':
			depth := 0
			for ; i < len(line); i++ {
				if line[i] == '(' {
					depth++
				} else if line[i] == ')' {
					if depth--; depth == 0 {
						break
					}
				}
			}
			w.WriteString("$(subst)")
			inWord = true
		case c == '\'' || c == '"':
			j := strings.IndexByte(line[i+1:], c)
			if j < 0 {
				j = len(line) - i - 1
			}
			inner := line[i+1 : i+1+j]
			if c == '"' && strings.HasPrefix(inner, "$(") {
				inner = "$(subst)"
			}
			w.WriteString(inner)
			inWord = true
			i += j + 1
		case c == ' ' || c == '\t':
			flush()
		case c == ')' || c == '|' || c == '#':
			flush()
			return words
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	flush()
	return words
}

// The README's examples must run as pasted on a fresh data folder: no
// case number of one day, the API's spelling of case types, existing
// files, and commands, flags, actions and --set fields this command line
// knows.
func TestReadmeExamplesAreConsistent(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	caseNo := regexp.MustCompile(`\b[A-Z]{2}-\d{8}-\d{4}\b`)
	for _, rc := range readmeCommands(t) {
		line := rc.line
		words := shellWords(rc.args)
		if caseNo.MatchString(strings.Join(words, " ")) {
			t.Errorf("README example names a case number that exists only on one day: %s", line)
		}
		// Shell variables stand for the case the first example creates.
		for i, w := range words {
			words[i] = strings.NewReplacer(`$NO`, "TS-20261206-0001", `$(subst)`, "2026-12-09 10:00").Replace(w)
		}
		root := newRoot()
		cmd, args, err := root.Find(words)
		if err != nil || cmd == root && len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			t.Errorf("README example %q: no such command (%v)", line, err)
			continue
		}
		if err := cmd.ParseFlags(args); err != nil {
			t.Errorf("README example %q: %v", line, err)
			continue
		}
		if err := cmd.ValidateArgs(cmd.Flags().Args()); err != nil {
			t.Errorf("README example %q: %v", line, err)
		}
		if f := cmd.Flags().Lookup("type"); f != nil && f.Changed {
			if name, _, err := caseType(f.Value.String()); err != nil || name != f.Value.String() {
				t.Errorf("README example %q: --type %s is not the API's spelling %q", line, f.Value, name)
			}
		}
		if f := cmd.Flags().Lookup("file"); f != nil && f.Changed {
			if _, err := os.Stat(filepath.Join("../..", f.Value.String())); err != nil {
				t.Errorf("README example %q: %v", line, err)
			}
		}
		if cmd.Name() == "create" && strings.Contains(line, "=$(") && !strings.Contains(line, "--quiet") {
			t.Errorf("README example %q captures the output of case create without --quiet", line)
		}
		if cmd.Name() == "act" {
			pos := cmd.Flags().Args()
			sets, _ := cmd.Flags().GetStringArray("set")
			if _, err := actionBody(pos[0], pos[1], sets, shanghai); err != nil {
				t.Errorf("README example %q: %v", line, err)
			}
		}
	}
}
