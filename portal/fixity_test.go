package portal_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
)

// TestFixityAPI: GET /api/v1/archive/fixity gives staff and admins the
// runs and a damaged blob's finding with the paper and owner it affects
// (its version, and a rendition that shares the blob);
// citizens (the owner included) get 403 staff_only, a request without a
// token 401, and bad limits 400.
func TestFixityAPI(t *testing.T) {
	e := newEnv(t)
	d := e.birthCert(e.citizenA, ownerA, "Giấy khai sinh kiểm tra", pdf("fixity"))
	blob := d.Current.Blob
	// A rendition record shares the blob: the finding names it too (via,
	// recordId, which the spec describes).
	rend := archive.Rendition{Key: archive.RenditionKey(d.ID, 1, archive.TargetPDF), DocumentID: d.ID, OwnerID: ownerA, Version: 1,
		Source: blob, Target: archive.TargetPDF, Blob: blob, Size: d.Current.Size, MediaType: "application/pdf", FileName: "khai-sinh.pdf",
		Converter: "pdfcpu", CreatedBy: "luutru", CreatedAt: time.Now()}
	if _, _, err := e.store.AddRendition(context.Background(), rend); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(e.blobDir, blob[0:2], blob[2:4], blob)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.vault.CheckFixity(context.Background(), archive.FixityOptions{Trigger: "command"}); err != nil {
		t.Fatal(err)
	}

	for _, tok := range []string{e.staff, e.admin} {
		var st struct {
			Runs     []archive.FixityRun     `json:"runs"`
			LastPass *archive.FixityRun      `json:"lastPass"`
			Findings []archive.FixityFinding `json:"findings"`
		}
		e.do(call{method: "GET", path: "/api/v1/archive/fixity", token: tok}).want(t, 200, "").json(t, &st)
		if len(st.Runs) != 1 || st.Runs[0].Missing != 1 || st.LastPass == nil || !st.LastPass.PassDone {
			t.Errorf("runs %+v, last pass %+v", st.Runs, st.LastPass)
		}
		if len(st.Findings) != 1 || st.Findings[0].Blob != blob || st.Findings[0].Kind != archive.FixityMissing ||
			!slices.Equal(st.Findings[0].Documents, []archive.BlobUser{{DocumentID: d.ID, OwnerID: ownerA},
				{DocumentID: d.ID, OwnerID: ownerA, Via: archive.ViaRendition, RecordID: rend.Key}}) {
			t.Errorf("findings %+v; want the missing blob of %s", st.Findings, d.ID)
		}
	}
	for _, tok := range []string{e.citizenA, e.citizenB, e.token(ownerA, archive.RoleCitizen, time.Now().Add(time.Hour))} {
		r := e.do(call{method: "GET", path: "/api/v1/archive/fixity", token: tok}).want(t, 403, "staff_only")
		if len(r.body) > 0 && (bytes.Contains(r.body, []byte(blob)) || bytes.Contains(r.body, []byte(d.ID))) {
			t.Errorf("a citizen's refusal shows the finding: %s", r.body)
		}
	}
	r := e.do(call{method: "GET", path: "/api/v1/archive/fixity", expect: specInvalid})
	if r.status != 401 || bytes.Contains(r.body, []byte(blob)) {
		t.Errorf("signed out: %d %s", r.status, r.body)
	}
	e.do(call{method: "GET", path: "/api/v1/archive/fixity?runs=0", token: e.staff, expect: specInvalid}).want(t, 400, "invalid_parameter")
	e.do(call{method: "GET", path: "/api/v1/archive/fixity?findings=501", token: e.staff, expect: specInvalid}).want(t, 400, "invalid_parameter")
}
