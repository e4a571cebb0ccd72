package portal_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/workflow"
)

// TestDossierSlipsAPI: GET /api/v1/dossiers/{code}/slips/{kind} answers
// the slip as a PDF attachment named after it and the dossier, printed
// through the real Gotenberg, to the applicant and to the ward's desk
// (with a purpose); citizen B and the other agency's officer get 404
// dossier_not_found, a slip whose event has not happened 409
// slip_not_available. GET /api/v1/dossier-book prints the ward's tracking
// book for its desk, not for a citizen.
func TestDossierSlipsAPI(t *testing.T) {
	g, err := convert.NewGotenberg(convert.GotenbergConfig{URL: testenv.Gotenberg(t), Timeout: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ts, err := convert.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(o *envOptions) {
		o.printer = workflow.ConvertPrinter{Templates: ts, Converter: g, PublicURL: "https://dichvucong.example.vn"}
	})
	st := e.directory()
	e.cardOfA()
	ctx := context.Background()
	v := e.newDossier(t, citizenActor(ownerA), ownerA, "Trần Thị Bích Ngọc", true)
	code := v.Code
	slip := func(kind string) string { return "/api/v1/dossiers/" + code + "/slips/" + kind }
	purpose := "?purpose=" + url.QueryEscape("in phiếu cho công dân")

	e.do(call{method: "GET", path: slip("receipt"), token: e.citizenA}).want(t, 409, "slip_not_available")
	if _, err := e.wf.Act(ctx, citizenActor(ownerA), code, workflow.ActInput{Action: workflow.ActionSubmit}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.wf.Act(ctx, archive.Actor{Subject: deskSubject, Role: archive.RoleStaff}, code, workflow.ActInput{Action: workflow.ActionReceive}); err != nil {
		t.Fatal(err)
	}

	before := len(e.ledgerOf(t))
	for _, c := range []struct{ token, query string }{{e.citizenA, ""}, {st.desk, purpose}} {
		r := e.do(call{method: "GET", path: slip("receipt") + c.query, token: c.token}).want(t, 200, "")
		if ct := r.header.Get("Content-Type"); ct != "application/pdf" {
			t.Errorf("Content-Type %q", ct)
		}
		if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, `filename="giay-tiep-nhan-`+code+`.pdf"`) {
			t.Errorf("Content-Disposition %q", cd)
		}
		if text := testenv.PDFText(t, r.body); !strings.Contains(text, code) || !strings.Contains(text, "Trần Thị Bích Ngọc") {
			t.Errorf("the receipt lacks the code or the name:\n%s", text)
		}
	}
	e.do(call{method: "GET", path: slip("receipt"), token: st.desk}).want(t, 400, "purpose_required")
	e.do(call{method: "GET", path: slip("receipt"), token: e.citizenB}).want(t, 404, "dossier_not_found")
	e.do(call{method: "GET", path: slip("control") + purpose, token: st.outsider}).want(t, 404, "dossier_not_found")
	e.do(call{method: "GET", path: slip("control"), token: e.citizenA}).want(t, 403, "slip_staff_only")
	e.do(call{method: "GET", path: slip("supplement"), token: e.citizenA}).want(t, 409, "slip_not_available")
	e.do(call{method: "GET", path: slip("bien-nhan"), token: e.citizenA, expect: specInvalid}).want(t, 400, "unknown_slip")
	// The desk's print (not the applicant's, nor the refused ones) is in
	// the applicant's ledger, with its purpose and the dossier.
	es := e.ledgerOf(t)[before:]
	if len(es) != 1 || es[0].Action != "dossier" || es[0].Actor != deskSubject || es[0].Purpose != "in phiếu cho công dân" || es[0].Dossier != code {
		t.Fatalf("ledger entries after the prints: %+v", es)
	}

	day := time.Now().In(workflow.Vietnam).Format("2006-01-02")
	book := "/api/v1/dossier-book?from=" + day + "&to=" + day
	r := e.do(call{method: "GET", path: book, token: st.desk}).want(t, 200, "")
	if text := testenv.PDFText(t, r.body); !strings.Contains(text, code) {
		t.Errorf("the book lacks %s:\n%s", code, text)
	}
	e.do(call{method: "GET", path: book, token: e.citizenA}).want(t, 403, "staff_only")
	e.do(call{method: "GET", path: book + "&agency=" + otherWard, token: st.desk}).want(t, 403, "other_agency")
}
