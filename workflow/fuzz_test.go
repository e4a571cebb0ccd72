package workflow_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// FuzzLoadCatalog feeds catalogue files (outside input: an admin's
// upload) to LoadCatalog. It must never panic; a refusal is a kerr error
// with a code and a Vietnamese message, and changes none of the
// workflow's records.
func FuzzLoadCatalog(f *testing.F) {
	f.Add(workflow.DefaultCatalog())
	f.Add([]byte(`{"agencies":[{"code":"000.00.31.H29","name":"UBND"}],"procedures":[],"processes":[]}`))
	f.Add([]byte(`{"processes":[{"procedure":"DANG_KY_KHAI_SINH","name":"x","start":"a","steps":[{"code":"a","name":"A","role":"desk","deadlineMinutes":999999}]}]}`))
	f.Add([]byte(`{"procedures":[{"code":"X","name":"X","agency":"000.00.31.H29","components":[{"code":"C","name":"C","typeCodes":["KHONG_CO"]}]}]}`))
	f.Add([]byte(`{} {}`))
	f.Add([]byte(`[`))
	e := newEnv(f)
	ctx := context.Background()
	state := func() string {
		ps, err := e.store.ListProcedureRecords(ctx)
		if err != nil {
			f.Fatal(err)
		}
		ags, err := e.store.ListAgencies(ctx)
		if err != nil {
			f.Fatal(err)
		}
		s := fmt.Sprint(len(ags), len(ps))
		for _, p := range ps {
			pr, err := e.store.GetProcess(ctx, p.Code, 0)
			if err == nil {
				s += fmt.Sprint(" ", p.Code, pr.Version)
			}
		}
		return s
	}
	f.Fuzz(func(t *testing.T, file []byte) {
		before := state()
		_, err := e.wf.LoadCatalog(ctx, admin, bytes.NewReader(file))
		if err == nil {
			return
		}
		ke := kerr.Outer(err)
		if ke == nil || ke.Code == "" || ke.Message == "" || ke.Kind == kerr.Internal {
			t.Fatalf("refusal %v is not a clear error", err)
		}
		if after := state(); after != before {
			t.Fatalf("a refused catalogue changed the records: %s -> %s", before, after)
		}
	})
}

// FuzzSearch feeds people's text (outside input: a search form) to
// Search as names and field: never a panic, a refusal is Invalid with a
// message, and a search that runs finds only the agency's dossiers.
func FuzzSearch(f *testing.F) {
	for _, s := range []string{"nguyễn văn", "", "Ánh  Dương", "a b c d e f g h i j k", "x\u202ey", "%_*[", "\x00"} {
		f.Add(s, s)
	}
	e := newEnv(f)
	e.plant(f, workflow.State{Status: workflow.StatusAwaitingIntake})
	e.plant(f, workflow.State{Status: workflow.StatusAwaitingIntake}, func(d *workflow.Dossier) { d.Agency, d.HandlingAgency = other, other })
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, name, field string) {
		p, err := e.wf.Search(ctx, desk, workflow.SearchQuery{CitizenName: name, BusinessName: name, Field: field})
		if err != nil {
			if ke := kerr.Outer(err); ke == nil || ke.Kind != kerr.Invalid || ke.Message == "" {
				t.Fatalf("refusal %v is not Invalid", err)
			}
			return
		}
		for _, v := range p.Dossiers {
			if v.Agency != ward && v.HandlingAgency != ward {
				t.Fatalf("found %s of another agency", v.Code)
			}
		}
	})
}
