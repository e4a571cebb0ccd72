package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/portal/web"
)

// heldConverter is the real converter whose conversions wait until
// release is closed, counting them; started is closed when the first
// one begins.
type heldConverter struct {
	convert.Converter
	started, release chan struct{}
	calls            atomic.Int32
}

func (g *heldConverter) OfficeToPDF(ctx context.Context, name string, r io.Reader, opts convert.Options) (io.ReadCloser, error) {
	if g.calls.Add(1) == 1 {
		close(g.started)
	}
	<-g.release
	return g.Converter.OfficeToPDF(ctx, name, r, opts)
}

// fileReads counts the reads of paper id's file in the owner's ledger.
func (s *shareSite) fileReads(t *testing.T, id string) int {
	t.Helper()
	return downloads(t, s.vault, s.owner, id)
}

// TestRenditionOutlivesFirstRequest: two requests for an office file's
// rendition share one conversion by the real Gotenberg; the first
// requester leaves (its context cancelled) while it runs; the second
// still gets the PDF, and the next request finds it in the cache (no
// second conversion).
func TestRenditionOutlivesFirstRequest(t *testing.T) {
	g := &heldConverter{Converter: gotenberg(t), started: make(chan struct{}), release: make(chan struct{})}
	s := newShareSite(t, func(cfg *web.Config) { cfg.Converter = g; cfg.RenditionTimeout = time.Minute })
	rendition := "/kho-cua-toi/" + s.officeID + "/phien-ban/1/pdf"
	serve := func(ctx context.Context) <-chan *http.Response {
		done := make(chan *http.Response, 1)
		r := httptest.NewRequest("GET", rendition, nil).WithContext(ctx)
		r.Header.Set(testUserHeader, s.owner.Subject)
		go func() {
			w := httptest.NewRecorder()
			s.h.ServeHTTP(w, r)
			done <- w.Result()
		}()
		return done
	}
	ctx1, cancel1 := context.WithCancel(t.Context())
	first := serve(ctx1)
	<-g.started
	second := serve(t.Context())
	// The second request has read its file (its use is in the ledger) and
	// goes on to wait for the conversion under way (at most 5 s is given
	// for its read to show).
	for end := time.Now().Add(5 * time.Second); s.fileReads(t, s.officeID) < 2 && time.Now().Before(end); {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	cancel1()
	if res := <-first; res.StatusCode == 200 {
		t.Error("the first request, cancelled, got the PDF")
	}
	close(g.release)
	res := <-second
	pdf, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Fatalf("the second request after the first left: %d %.300s", res.StatusCode, pdf)
	}
	if text := testenv.PDFText(t, pdf); !strings.Contains(text, "Bảng kê") {
		t.Errorf("the rendition's text is %q", text)
	}
	res, body := s.do(t, "GET", rendition, s.owner, nil)
	if res.StatusCode != 200 || !strings.HasPrefix(body, "%PDF-") || g.calls.Load() != 1 {
		t.Errorf("the third request: %d, after %d conversions, want 1 (cached)", res.StatusCode, g.calls.Load())
	}
	if n := s.fileReads(t, s.officeID); n != 3 {
		t.Errorf("%d reads of the file in the ledger, want 3 (one a request)", n)
	}
}
