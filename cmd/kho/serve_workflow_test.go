package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
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
