package main

import (
	"bytes"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/testenv"
)

// TestServeSlips: kho serve prints the dossiers' slips and the tracking
// book with the converter, templates and public URL it was given — a desk
// officer's book of today comes back as a PDF titled as the book — and,
// without --gotenberg-url, answers 503 converter_unavailable.
func TestServeSlips(t *testing.T) {
	for _, withConverter := range []bool{true, false} {
		t.Run(map[bool]string{true: "gotenberg", false: "none"}[withConverter], func(t *testing.T) {
			env := map[string]string{"KHO_DATA": filepath.Join(t.TempDir(), "data")}
			if withConverter {
				env[envGotenbergURL], env[envPublicURL] = testenv.Gotenberg(t), "https://dvc.example.vn"
			}
			token := func(subject, role string) string {
				code, out, errs := runKho(t, env, "admin", "token", "create", "--subject", subject, "--role", role)
				if code != 0 {
					t.Fatalf("token: %d %s", code, errs)
				}
				return strings.TrimSpace(out)
			}
			admin, desk := token("quantri", "admin"), token("motcua01", "staff")
			k := startServe(t, env)
			do := func(method, path, token, body string) (int, http.Header, []byte) {
				req, _ := http.NewRequest(method, k.base+path, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				if body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				resp, err := (&http.Client{Timeout: 2 * time.Minute}).Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, resp.Header, b
			}
			if st, _, b := do("PUT", "/api/v1/staff/motcua01", admin,
				`{"name":"Lê Văn Một","agency":"000.00.31.H29","department":"VP","positions":["desk"],"active":true}`); st != 200 {
				t.Fatalf("staff: %d %s", st, b)
			}
			day := time.Now().Format("2006-01-02")
			st, h, b := do("GET", "/api/v1/dossier-book?from="+day+"&to="+day, desk, "")
			if !withConverter {
				if st != 503 || !bytes.Contains(b, []byte(`"converter_unavailable"`)) {
					t.Fatalf("book without a converter: %d %s", st, b)
				}
				return
			}
			if st != 200 || h.Get("Content-Type") != "application/pdf" {
				t.Fatalf("book: %d %s %.200s", st, h.Get("Content-Type"), b)
			}
			if text := testenv.PDFText(t, b); !strings.Contains(text, "SỔ THEO DÕI HỒ SƠ") {
				t.Errorf("the book's text:\n%s", text)
			}
		})
	}
}
