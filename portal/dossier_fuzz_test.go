package portal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/portal"
	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/storage"
	"github.com/kho-vn/kho/storage/memory"
	"github.com/kho-vn/kho/storage/sqlite"
	"github.com/kho-vn/kho/workflow"
)

// FuzzDossierAction posts arbitrary bodies and If-Match values to a
// dossier's actions as its applicant and as the desk: never a 5xx, every
// refusal a JSON error with a code, and a refused action leaves the
// stored dossier exactly as it was.
func FuzzDossierAction(f *testing.F) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(f.TempDir(), "kho.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { store.Close(context.Background()) })
	vault := archive.New(store, storage.NewBucket(memory.New()), archive.Config{}, nil, nil)
	reg, err := forms.NewShippedRegistry()
	if err != nil {
		f.Fatal(err)
	}
	wf := workflow.New(workflow.Config{Store: store, Vault: vault, Forms: reg})
	admin := archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}
	if _, _, err := vault.LoadCatalog(ctx, admin, bytes.NewReader(archive.DefaultCatalog())); err != nil {
		f.Fatal(err)
	}
	if _, err := wf.LoadCatalog(ctx, admin, bytes.NewReader(workflow.DefaultCatalog())); err != nil {
		f.Fatal(err)
	}
	if _, err := wf.PutStaff(ctx, admin, workflow.Staff{Subject: deskSubject, Name: "Lê Văn Một", Agency: ward, Department: "MOT_CUA",
		Positions: []workflow.Role{workflow.RoleDesk}, Active: true}); err != nil {
		f.Fatal(err)
	}
	citizen := archive.Actor{Subject: ownerA, Role: archive.RoleCitizen}
	d, err := wf.Create(ctx, citizen, workflow.NewDossier{Procedure: "DANG_KY_KHAI_SINH",
		Applicant: workflow.Party{Kind: archive.Individual, ID: ownerA, Name: "Trần Thị Bích Ngọc"}})
	if err != nil {
		f.Fatal(err)
	}
	tokens := map[bool]string{}
	for desk, a := range map[bool]archive.Actor{false: citizen, true: {Subject: deskSubject, Role: archive.RoleStaff}} {
		secret, tok, err := auth.Generate(a.Subject, a.Role, "fuzz", time.Now())
		if err != nil {
			f.Fatal(err)
		}
		if err := store.CreateToken(ctx, tok); err != nil {
			f.Fatal(err)
		}
		tokens[desk] = secret
	}
	srv := httptest.NewServer(portal.New(portal.Config{Forms: reg, Workflow: wf}, vault, store, nil).Handler())
	f.Cleanup(srv.Close)
	for _, s := range []string{`{"action":"submit"}`, `{"action":"refuse_intake","reason":"x"}`, `{"action":"extend","deadline":"2030-01-01T00:00:00Z","reason":"r"}`,
		`{"action":"receive_result","receiver":{"name":""}}`, `{"action":"request_supplement","items":["", " "],"reason":"\u202e"}`, `{"action":1}`, `[]`, `{"amount":-1e99}`} {
		f.Add(s, `"1"`, false)
		f.Add(s, `*`, true)
	}
	f.Fuzz(func(t *testing.T, body, ifMatch string, desk bool) {
		before, err := store.GetDossier(ctx, d.Code)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/dossiers/"+d.Code+"/actions", bytes.NewReader([]byte(body)))
		req.Header.Set("Authorization", "Bearer "+tokens[desk])
		req.Header.Set("Content-Type", "application/json")
		if ifMatch != "" {
			req.Header.Set("If-Match", ifMatch)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			return // a header value net/http will not send
		}
		defer resp.Body.Close()
		var eb errorBody
		dec := json.NewDecoder(resp.Body)
		if resp.StatusCode >= 500 {
			t.Fatalf("%q (If-Match %q): %d", body, ifMatch, resp.StatusCode)
		}
		if resp.StatusCode == 200 {
			return
		}
		if err := dec.Decode(&eb); err != nil || eb.Error.Code == "" || eb.Error.Message == "" {
			t.Fatalf("%q: %d without a JSON error: %v", body, resp.StatusCode, err)
		}
		after, err := store.GetDossier(ctx, d.Code)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("%q refused (%s) but the dossier changed", body, eb.Error.Code)
		}
	})
}
