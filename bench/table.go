package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

// Row is one line of the table: a figure's measure for Closeloop and for
// its baseline. A figure that is itself a baseline has no Closeloop value.
type Row struct {
	Figure    int
	What      string
	Closeloop string
	Baseline  string
	Ratio     float64 // Closeloop / baseline; 0 when there is none
	Target    string
	Result    string // "pass", "FAIL" or "" where there is no target
}

// Table is the outcome of a run.
type Table struct {
	Machine string
	Started time.Time
	Took    time.Duration
	Load    [2]string // load average at the start and the end
	Rows    []Row
	Notes   []string
}

func newTable() *Table {
	return &Table{Machine: machine(), Started: time.Now()}
}

func (t *Table) add(r Row) { t.Rows = append(t.Rows, r) }

func (t *Table) note(format string, args ...any) {
	t.Notes = append(t.Notes, fmt.Sprintf(format, args...))
}

// verdict is "pass" or "FAIL".
func verdict(ok bool) string {
	if ok {
		return "pass"
	}
	return "FAIL"
}

// Print writes the table as Markdown, ready for docs/benchmark.md.
func (t *Table) Print(w io.Writer) {
	fmt.Fprintf(w, "Machine: %s; load average %s at the start, %s at the end; run took %s.\n\n",
		t.Machine, t.Load[0], t.Load[1], t.Took.Round(time.Second))
	fmt.Fprintln(w, "| # | figure | Closeloop | baseline | ratio | target | result |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---|---|")
	for _, r := range t.Rows {
		ratio := "—"
		if r.Ratio != 0 {
			ratio = fmt.Sprintf("%.2f×", r.Ratio)
		}
		fmt.Fprintf(w, "| %d | %s | %s | %s | %s | %s | %s |\n", r.Figure, r.What, dash(r.Closeloop), dash(r.Baseline),
			ratio, dash(r.Target), dash(r.Result))
	}
	if len(t.Notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range t.Notes {
			fmt.Fprintln(w, "- "+n)
		}
	}
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// ms formats a latency in milliseconds.
func ms(d time.Duration) string {
	switch {
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	}
}

// ratio is a/b, or 0 when b is 0.
func ratio[T int64 | float64 | time.Duration](a, b T) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// machine describes where the run happens: cores, CPU model, OS.
func machine() string {
	model := "unknown CPU"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer func() { _ = f.Close() }()
		s := bufio.NewScanner(f)
		for s.Scan() {
			if k, v, ok := strings.Cut(s.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%d cores, %s, %s/%s, %s", runtime.NumCPU(), model, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

// loadAverage is the 1-minute load average, or "?" off Linux.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}
