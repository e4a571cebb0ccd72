package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kho-vn/kho/internal/testenv"
)

// TestServeWorkflow: kho serve loads the shipped procedure catalogue into
// an empty store and serves it; a restart over the same store loads
// nothing again (no second process version).
func TestServeWorkflow(t *testing.T) {
	env := map[string]string{"KHO_DATA": filepath.Join(t.TempDir(), "data")}
	get := func(t *testing.T, url string, v any) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", url, resp.StatusCode)
		}
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	for i, loads := range []bool{true, false} {
		t.Run([]string{"first start", "restart"}[i], func(t *testing.T) {
			k := startServe(t, env)
			var list struct {
				Procedures []struct{ Code string } `json:"procedures"`
			}
			get(t, k.base+"/api/v1/procedures", &list)
			if len(list.Procedures) != 3 {
				t.Errorf("procedures %+v", list)
			}
			var p struct {
				Version int    `json:"version"`
				Start   string `json:"start"`
			}
			get(t, k.base+"/api/v1/procedures/DANG_KY_KHAI_SINH/process", &p)
			if p.Version != 1 || p.Start == "" {
				t.Errorf("process %+v", p)
			}
			if got := strings.Contains(k.logs.String(), "Đã nạp danh mục thủ tục hành chính mặc định"); got != loads {
				t.Errorf("catalogue loaded: %v, want %v:\n%s", got, loads, k.logs.String())
			}
		})
	}
}

// TestServeWorkflowMongo: two kho serve processes on one MongoDB database
// (FerretDB here): the first loads the catalogue, the second finds it; a
// dossier made through one is read through the other, and the next code
// of the day, given by the other, follows it.
func TestServeWorkflowMongo(t *testing.T) {
	uri, db := testenv.MongoURI(t), testenv.UniqueName(t, "wfapi")
	args := func() []string { return []string{"--mongo-uri", uri, "--mongo-db", db, "--data", t.TempDir()} }
	one := startServe(t, nil, args()...)
	two := startServe(t, nil, args()...)
	if !strings.Contains(one.logs.String(), "Đã nạp danh mục thủ tục hành chính mặc định") ||
		strings.Contains(two.logs.String(), "Đã nạp danh mục thủ tục hành chính mặc định") {
		t.Fatalf("the catalogue is to be loaded by the first process only:\n%s\n---\n%s", one.logs.String(), two.logs.String())
	}
	code, secret, errs := runKho(t, nil, append([]string{"admin", "token", "create", "--subject", "001099012345", "--role", "citizen"}, args()...)...)
	if code != 0 {
		t.Fatalf("token: %d %s", code, errs)
	}
	token := strings.TrimSpace(secret)
	create := func(k *servedKho) string {
		t.Helper()
		req, _ := http.NewRequest("POST", k.base+"/api/v1/dossiers", strings.NewReader(
			`{"procedure":"DANG_KY_KHAI_SINH","applicant":{"kind":"individual","id":"001099012345","name":"Nguyễn Văn An"}}`))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var d struct{ Code string }
		if err := json.NewDecoder(resp.Body).Decode(&d); err != nil || resp.StatusCode != 201 {
			t.Fatalf("create: %d %v", resp.StatusCode, err)
		}
		return d.Code
	}
	first := create(one)
	req, _ := http.NewRequest("GET", two.base+"/api/v1/dossiers/"+first, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("the other process reads %s: %d", first, resp.StatusCode)
	}
	second := create(two)
	if !strings.HasSuffix(first, "-0001") || !strings.HasSuffix(second, "-0002") || first[:len(first)-4] != second[:len(second)-4] {
		t.Errorf("codes %s then %s", first, second)
	}
}
