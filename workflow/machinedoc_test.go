package workflow_test

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/kho-vn/kho/workflow"
)

var update = flag.Bool("update", false, "rewrite docs/workflow.md from the transition table")

const machineDoc = "../docs/workflow.md"

// TestMachineDoc fails when docs/workflow.md is not what the transition
// table renders (a row changed without the doc): -update rewrites it.
func TestMachineDoc(t *testing.T) {
	want := workflow.MachineMarkdown()
	if *update {
		if err := os.WriteFile(machineDoc, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(machineDoc)
	if err != nil {
		t.Fatalf("%v (go test ./workflow -run TestMachineDoc -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: it differs from workflow.MachineMarkdown() (go test ./workflow -run TestMachineDoc -update rewrites it)", machineDoc)
	}
	// Every row is in it.
	for _, row := range workflow.Transitions {
		if !strings.Contains(string(got), "| `"+string(row.Action)+"` | "+row.Action.Label()+" |") {
			t.Fatalf("row %s missing", row.Action)
		}
	}
}
