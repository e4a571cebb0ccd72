package workflow_test

import (
	"bytes"
	"context"
	"testing"
	"unicode/utf8"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// FuzzStaffList feeds staff directory files (outside input: an admin's
// file for 'kho admin staff put') to ParseStaffList and PutStaffList.
// Never a panic; a refusal is a kerr error with a code and a Vietnamese
// message, never Internal, and stores no entry; what is accepted is
// stored whole.
func FuzzStaffList(f *testing.F) {
	f.Add([]byte(`{"subject":"motcua01","name":"Lê Văn Một","agency":"000.00.31.H29","department":"MOT_CUA","positions":["desk"],"active":true}`))
	f.Add([]byte(`[{"subject":"a","name":"A","agency":"000.00.31.H29","department":"VP","positions":["head","leader"]},{"subject":"b","name":"B","agency":"000.00.31.H29","department":"VP","positions":["appraiser"]}]`))
	f.Add([]byte(`[{"subject":"a","name":"A","agency":"000.00.31.H29","department":"VP","positions":["desk"]},{"subject":"a","name":"A","agency":"000.00.31.H29","department":"VP","positions":["desk"]}]`))
	f.Add([]byte(`{"Subject":"a"}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{} {}`))
	e := newEnv(f)
	ctx := context.Background()
	count := func() int {
		ms, err := e.wf.ListStaff(ctx, admin, "")
		if err != nil {
			f.Fatal(err)
		}
		return len(ms)
	}
	f.Fuzz(func(t *testing.T, file []byte) {
		before := count()
		ms, err := workflow.ParseStaffList(bytes.NewReader(file))
		if err == nil {
			var got []workflow.Staff
			if got, err = e.wf.PutStaffList(ctx, admin, ms); err == nil {
				if len(got) != len(ms) {
					t.Fatalf("stored %d of %d entries", len(got), len(ms))
				}
				return
			}
		}
		ke := kerr.Outer(err)
		if ke == nil || ke.Code == "" || ke.Kind == kerr.Internal || !utf8.ValidString(ke.Message) || ke.Message == "" {
			t.Fatalf("refusal %v is not a coded, public error", err)
		}
		if after := count(); after != before {
			t.Fatalf("a refused file changed the directory: %d entries, then %d", before, after)
		}
	})
}
