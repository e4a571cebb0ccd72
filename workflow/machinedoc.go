package workflow

import (
	"bytes"
	"fmt"
	"strings"
)

// MachineMarkdown renders the state machine as docs/workflow.md: the
// statuses with their labels, the stages of "Đang xử lý", the roles, the
// transition table row by row, and for each role the actions it takes.
// TestMachineDoc fails when the file differs from it (go test ./workflow
// -run TestMachineDoc -update rewrites the file).
func MachineMarkdown() []byte {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# The dossier state machine\n\n")
	p("<!-- Generated from workflow.Transitions by workflow.MachineMarkdown; do not edit.\n")
	p("     Rewrite with: go test ./workflow -run TestMachineDoc -update -->\n\n")
	p("Package `workflow` (issue 10 item 4). A dossier moves between the official statuses\n")
	p("(the project glossary's list) only through the rows of one table, `workflow.Transitions`:\n")
	p("the service consults it for every action, the tests walk it row by row\n")
	p("(`TestMachineTable`, `TestMachineIllegal`, `TestMachineRequiredFields`) and this page\n")
	p("is rendered from it.\n\n")
	p("Beside the table, for every row: staff act only on the dossiers of their agency (the\n")
	p("receiving agency for the desk, the competent agency for the other positions:\n")
	p("`other_agency`); an appraiser acts only on the dossiers assigned to them\n")
	p("(`not_assignee`); a role the row does not list is refused (`role_not_allowed`); an\n")
	p("action no row leads from the dossier's state is refused (`illegal_transition`); a\n")
	p("required field left empty is refused (`<field>_required`). Each action is one update\n")
	p("of the dossier guarded by its status and revision, with its trail entry (who, when,\n")
	p("from, to, note): of two officers acting at once one wins, the other gets\n")
	p("`dossier_changed`. A refused action changes nothing.\n\n")
	p("An action happens at the server's time, never before the trail's last entry. Only a\n")
	p("desk officer entering a paper dossier (channel `desk` or `postal`) may date its\n")
	p("`submit` and `receive` (`at`), neither in the future (`action_in_future`) nor before the\n")
	p("trail's last entry (`action_backdated`); any other dated action is `client_time_refused`.\n\n")

	p("## Statuses\n\n| status | label | phase | final |\n|---|---|---|---|\n")
	for _, s := range Statuses {
		final := ""
		if s.Final() {
			final = "yes"
		}
		p("| `%s` | %s | %s | %s |\n", s, s.Label(), s.Phase(), final)
	}
	p("\n## Stages of `processing` (Đang xử lý)\n\n")
	p("The status people see stays \"Đang xử lý\" while the work moves on; the stage says where.\n\n")
	p("| stage | label | next move by |\n|---|---|---|\n")
	for _, g := range Stages {
		p("| `%s` | %s | %s |\n", g, g.Label(), g.owner())
	}
	p("\n## Roles\n\n| role | label |\n|---|---|\n")
	for _, r := range Roles {
		p("| `%s` | %s |\n", r, r.Label())
	}
	p("\n## Transitions\n\n")
	p("To \"(unchanged)\" records something without moving the dossier.\n\n")
	p("| action | label | from | to | roles | required |\n|---|---|---|---|---|---|\n")
	for _, t := range Transitions {
		to := "(unchanged)"
		if t.To.Status != "" {
			to = "`" + t.To.String() + "`"
		}
		p("| `%s` | %s | %s | %s | %s | %s |\n", t.Action, t.Action.Label(), codes(t.From), to, codes(t.Roles), codes(t.Required))
	}
	p("\n## Actions by role\n\n")
	for _, r := range Roles {
		var acts []string
		for _, a := range Actions() {
			for _, t := range Transitions {
				if t.Action == a && t.Allows(r) {
					acts = append(acts, fmt.Sprintf("`%s` (%s)", a, a.Label()))
					break
				}
			}
		}
		if len(acts) == 0 && r == RoleArchivist {
			acts = []string{"none: keeps the agency's records (conversion, digitisation, paper copies, retention, fixity)"}
		}
		if len(acts) == 0 {
			acts = []string{"none: manages the catalogue, the processes and the staff directory"}
		}
		p("- **%s** (`%s`): %s.\n", r.Label(), r, strings.Join(acts, ", "))
	}
	p("\n## Fields\n\n| field | label |\n|---|---|\n")
	for _, f := range []Field{FieldReason, FieldItems, FieldAssignee, FieldUnit, FieldDeadline, FieldOpinion, FieldAmount, FieldReceipt, FieldReceiver} {
		p("| `%s` | %s |\n", f, f.Label())
	}
	return b.Bytes()
}

// codes writes values as code spans joined by commas.
func codes[T any](vs []T) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = fmt.Sprintf("`%v`", v)
	}
	return strings.Join(out, ", ")
}
