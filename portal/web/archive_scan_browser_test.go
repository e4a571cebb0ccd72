package web_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/browsertest"
)

// TestArchiveScanAccessible: the digitisation's upload form and the review
// of a pending batch (its page table, OCR text and prefilled fields) have
// no serious or critical axe-core violation at desktop and phone width,
// nor sideways scrolling on a phone.
func TestArchiveScanAccessible(t *testing.T) {
	s := scanSite(t, nil)
	page := scanTestPage(t)
	sc, err := s.vault.ScanBatch(context.Background(), archive.Actor{Subject: archivistSub, Role: archive.RoleStaff, Agency: ward},
		archive.ScanRequest{Owner: digitiseOwner, Agency: archive.Agency{Code: ward, Name: "Ủy ban nhân dân phường Bến Nghé"}, TypeCode: "KHAI_SINH",
			Device: "Fujitsu fi-7160", Files: []archive.ScanFile{{FileName: "trang-1.png", Open: func() (io.ReadCloser, error) {
				return io.NopCloser(bytes.NewReader(page)), nil
			}}}})
	if err != nil {
		t.Fatal(err)
	}
	// The browser is the archivist: the headers the test's Identify reads,
	// added on the way to the site.
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2, _ := http.NewRequestWithContext(r.Context(), r.Method, s.url+r.URL.RequestURI(), r.Body)
		r2.Header = r.Header.Clone()
		r2.Header.Set("X-Test-User", archivistSub)
		r2.Header.Set("X-Test-Role", "staff")
		res, err := http.DefaultTransport.RoundTrip(r2)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer res.Body.Close()
		for k, v := range res.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(res.StatusCode)
		_, _ = io.Copy(w, res.Body)
	}))
	t.Cleanup(proxy.Close)
	b := browsertest.New(t)
	for _, path := range []string{"/luu-tru/so-hoa", "/luu-tru/so-hoa/" + sc.ID} {
		t.Run(path, func(t *testing.T) { b.CheckAccessible(t, proxy.URL+path) })
	}
}
