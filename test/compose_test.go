package test

import (
	"os"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestComposeTopology checks docker-compose.yml with a YAML parser (no
// Docker engine runs on these machines): closeloop connects to the Temporal
// service, which keeps its state in PostgreSQL.
func TestComposeTopology(t *testing.T) {
	b, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Build       any               `yaml:"build"`
			Environment map[string]string `yaml:"environment"`
			DependsOn   any               `yaml:"depends_on"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	cl, ok := doc.Services["closeloop"]
	if !ok || cl.Build == nil {
		t.Fatal("closeloop service must build the binary from this repository")
	}
	if got := cl.Environment["TEMPORAL_ADDRESS"]; got != "temporal:7233" {
		t.Errorf("closeloop TEMPORAL_ADDRESS = %q, want temporal:7233", got)
	}
	tp, ok := doc.Services["temporal"]
	if !ok || tp.Environment["DB"] != "postgres12" || tp.Environment["POSTGRES_SEEDS"] != "postgresql" {
		t.Errorf("temporal service must use the postgresql service: %+v", tp.Environment)
	}
	if _, ok := doc.Services["postgresql"]; !ok {
		t.Error("no postgresql service")
	}
}
