package web_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestLookupNothingPersonal: the public lookup of a dossier, and the
// verifier's answer by its code, show the status, dates, agency and the
// result's status — and nothing of the applicant or of the paper's own
// name, fields or the reason of a revocation.
func TestLookupNothingPersonal(t *testing.T) {
	s := newSite(t)
	personal := []string{s.dossier.Applicant.Name, s.dossier.Applicant.ID, s.dossier.Applicant.Phone, "Nguyễn Minh Khang", "2026-08-20", "20/08/2026"}
	for _, path := range []string{"/tra-cuu/" + s.code, "/tra-cuu?ma=" + s.code, "/xac-thuc?ma=" + s.code} {
		res, err := http.Get(s.url + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		body := string(b)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d", path, res.StatusCode)
		}
		for _, want := range []string{s.code, "Giấy khai sinh", "0001/2026/KS", "Còn hiệu lực"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s lacks %q", path, want)
			}
		}
		if strings.HasPrefix(path, "/tra-cuu") && !strings.Contains(body, s.dossier.Status.Label()) {
			t.Errorf("%s lacks the status label %q", path, s.dossier.Status.Label())
		}
		for _, p := range personal {
			if p != "" && strings.Contains(body, p) {
				t.Errorf("%s shows %q", path, p)
			}
		}
	}
	res, err := http.Get(s.url + "/tra-cuu/000.00.00.X00-000000-0000")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Errorf("unknown code: %d", res.StatusCode)
	}
}
