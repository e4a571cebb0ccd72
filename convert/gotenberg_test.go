package convert

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

const vietnamesePage = `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Giấy xác nhận</title>
<link rel="stylesheet" href="kho.css"></head>
<body><h1>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</h1>
<p class="motto">Độc lập - Tự do - Hạnh phúc</p>
<p>Họ và tên: Nguyễn Thị Ánh Tuyết. Địa chỉ: phường Bến Nghé, Thành phố Hồ Chí Minh.</p>
<p>Ỹ ỹ Ở ở Ự ự Ằ ằ Đ đ — ngày 07/12/2026, 14:05:09.</p>
</body></html>`

const pageCSS = `@page { size: A4; margin: 20mm 15mm 20mm 30mm; }
body { font-family: "Times New Roman", "Liberation Serif", serif; font-size: 13pt; }
h1 { font-size: 13pt; text-align: center; }
.motto { text-align: center; font-weight: bold; }`

func TestHTMLToPDFA(t *testing.T) {
	g := gotenberg(t)
	for _, level := range []PDFA{PDFA2b, PDFA3b} {
		t.Run(string(level), func(t *testing.T) {
			pdf := readPDF(t)(g.HTMLToPDF(ctxT(t), []byte(vietnamesePage), map[string][]byte{"kho.css": []byte(pageCSS)}, Options{PDFA: level}))
			wantText(t, pdf,
				"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
				"Độc lập - Tự do - Hạnh phúc",
				"Họ và tên: Nguyễn Thị Ánh Tuyết. Địa chỉ: phường Bến Nghé, Thành phố Hồ Chí Minh.",
				"Ỹ ỹ Ở ở Ự ự Ằ ằ Đ đ — ngày 07/12/2026, 14:05:09.")
			want := strings.TrimPrefix(string(level), "PDF/A-")
			if got := pdfaID(t, pdf); !strings.EqualFold(got, want) {
				t.Errorf("PDF/A identification %q, want %q", got, want)
			}
			if ps := pageSize(t, pdf); !strings.Contains(ps, "(A4)") {
				t.Errorf("page size %q, want A4", ps)
			}
		})
	}
	t.Run("plain", func(t *testing.T) {
		pdf := readPDF(t)(g.HTMLToPDF(ctxT(t), []byte(vietnamesePage), map[string][]byte{"kho.css": []byte(pageCSS)}, Options{}))
		wantText(t, pdf, "Nguyễn Thị Ánh Tuyết")
		if id := pdfaID(t, pdf); id != "" {
			t.Errorf("PDF/A identification %q without PDF/A asked", id)
		}
	})
	t.Run("landscape", func(t *testing.T) {
		pdf := readPDF(t)(g.HTMLToPDF(ctxT(t), []byte(strings.Replace(vietnamesePage, `<link rel="stylesheet" href="kho.css">`, "", 1)), nil, Options{Landscape: true}))
		if ps := pageSize(t, pdf); !strings.HasPrefix(ps, "841.") {
			t.Errorf("page size %q, want A4 landscape", ps)
		}
	})
}

func TestOfficeToPDF(t *testing.T) {
	g := gotenberg(t)
	docx := makeDocx(t, para("GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH")+para("Chủ hộ: ", "Trần Văn Đức", " — mã số 0123456789"))
	pdf := readPDF(t)(g.OfficeToPDF(ctxT(t), "ket-qua.DOCX", bytes.NewReader(docx), Options{PDFA: PDFA2b}))
	wantText(t, pdf, "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH", "Chủ hộ: Trần Văn Đức — mã số 0123456789")
	if got := pdfaID(t, pdf); got != "2B" {
		t.Errorf("PDF/A identification %q, want 2B", got)
	}
	if ps := pageSize(t, pdf); !strings.Contains(ps, "(A4)") {
		t.Errorf("page size %q, want the document's A4", ps)
	}
}

// wantKind fails t unless err is a *kerr.Error of kind and code with a
// Vietnamese message.
func wantKind(t testing.TB, err error, kind kerr.Kind, code string) {
	t.Helper()
	ke := kerr.Outer(err)
	if ke == nil || kerr.KindOf(err) != kind || ke.Code != code {
		t.Fatalf("error %v (kind %v), want kind %v code %s", err, kerr.KindOf(err), kind, code)
	}
	if _, msg := kerr.Public(err); msg == "" || !strings.ContainsAny(msg, "ểệịạảđ") {
		t.Errorf("message %q is not Vietnamese", msg)
	}
}

func TestRefusedDocuments(t *testing.T) {
	g := gotenberg(t)
	t.Run("damaged docx", func(t *testing.T) {
		// Gotenberg answers 500 (LibreOffice failed, cause unknown): the
		// message says the file may be damaged.
		docx := makeDocx(t, para("x"))
		_, err := g.OfficeToPDF(ctxT(t), "hong.docx", bytes.NewReader(docx[:len(docx)/2]), Options{})
		wantKind(t, err, kerr.Unavailable, "converter_failed")
		if _, msg := kerr.Public(err); !strings.Contains(msg, "bị hỏng") {
			t.Errorf("message %q does not say the file may be damaged", msg)
		}
	})
	t.Run("missing asset", func(t *testing.T) {
		_, err := g.HTMLToPDF(ctxT(t), []byte(`<html><body><img src="logo.png"><p>x</p></body></html>`), nil, Options{})
		wantKind(t, err, kerr.Invalid, "conversion_refused")
	})
	t.Run("unsupported extension", func(t *testing.T) {
		_, err := g.OfficeToPDF(ctxT(t), "virus.exe", strings.NewReader("MZ"), Options{})
		wantKind(t, err, kerr.Invalid, "unsupported_office_type")
	})
	t.Run("bad asset name", func(t *testing.T) {
		_, err := g.HTMLToPDF(ctxT(t), []byte(vietnamesePage), map[string][]byte{"../etc/passwd": nil}, Options{})
		wantKind(t, err, kerr.Invalid, "invalid_asset_name")
	})
	t.Run("bad level", func(t *testing.T) {
		_, err := g.HTMLToPDF(ctxT(t), []byte(vietnamesePage), nil, Options{PDFA: "PDF/A-4z"})
		wantKind(t, err, kerr.Invalid, "invalid_pdfa")
	})
}

// TestGotenbergDown: a converter that cannot be reached gives a clear
// Unavailable error at once.
func TestGotenbergDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	g, err := NewGotenberg(GotenbergConfig{URL: "http://" + addr})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = g.HTMLToPDF(ctxT(t), []byte(vietnamesePage), nil, Options{})
	wantKind(t, err, kerr.Unavailable, "converter_unavailable")
	_, err = g.OfficeToPDF(ctxT(t), "a.docx", bytes.NewReader(makeDocx(t, para("x"))), Options{})
	wantKind(t, err, kerr.Unavailable, "converter_unavailable")
	wantKind(t, g.Health(ctxT(t)), kerr.Unavailable, "converter_unavailable")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to report a closed port", d)
	}
	if code, msg := kerr.Public(err); code != "converter_unavailable" || !strings.Contains(msg, "chuyển đổi tệp") {
		t.Errorf("public error %s %q", code, msg)
	}
}

// TestAnswerBounded: a PDF over the limit, an endless answer and a server
// that stalls all end with an error within the limits.
func TestAnswerBounded(t *testing.T) {
	t.Run("real gotenberg over the limit", func(t *testing.T) {
		g := gotenberg(t)
		g.maxPDFBytes = 2000
		rc, err := g.HTMLToPDF(ctxT(t), []byte(vietnamesePage), map[string][]byte{"kho.css": []byte(pageCSS)}, Options{})
		if err == nil {
			_, err = io.ReadAll(rc)
			rc.Close()
		}
		wantKind(t, err, kerr.TooLarge, "conversion_too_large")
	})

	endless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/pdf")
		w.Write([]byte("%PDF-1.7\n"))
		chunk := bytes.Repeat([]byte("0 0 m\n"), 10000)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer endless.Close()
	t.Run("endless answer", func(t *testing.T) {
		// The timeout bounds the test if the cap is broken.
		g, err := NewGotenberg(GotenbergConfig{URL: endless.URL, MaxPDFBytes: 1 << 20, Timeout: 20 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		rc, err := g.HTMLToPDF(ctxT(t), []byte("<p>x</p>"), nil, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		n, err := io.Copy(io.Discard, rc)
		wantKind(t, err, kerr.TooLarge, "conversion_too_large")
		if n != 1<<20 {
			t.Errorf("read %d bytes before the error, want exactly the limit %d", n, 1<<20)
		}
	})

	release := make(chan struct{})
	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.URL.Query().Has("trickle") || strings.Contains(r.URL.Path, "libreoffice") {
			w.Write([]byte("%PDF-1.7\n"))
			w.(http.Flusher).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer func() { close(release); stall.Close() }()
	t.Run("no answer", func(t *testing.T) {
		g, err := NewGotenberg(GotenbergConfig{URL: stall.URL, Timeout: 500 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = g.HTMLToPDF(ctxT(t), []byte("<p>x</p>"), nil, Options{})
		wantKind(t, err, kerr.Unavailable, "converter_timeout")
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("gave up after %v, want about 0.5 s", d)
		}
	})
	t.Run("answer stops", func(t *testing.T) {
		g, err := NewGotenberg(GotenbergConfig{URL: stall.URL, Timeout: 500 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		rc, err := g.OfficeToPDF(ctxT(t), "a.odt", strings.NewReader("x"), Options{})
		if err != nil {
			t.Fatalf("the PDF's first bytes came: %v", err)
		}
		defer rc.Close()
		_, err = io.ReadAll(rc)
		wantKind(t, err, kerr.Unavailable, "converter_timeout")
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("gave up after %v, want about 0.5 s", d)
		}
	})
	t.Run("not a pdf", func(t *testing.T) {
		html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("<html>proxy error page</html>"))
		}))
		defer html.Close()
		g, _ := NewGotenberg(GotenbergConfig{URL: html.URL})
		_, err := g.HTMLToPDF(ctxT(t), []byte("<p>x</p>"), nil, Options{})
		wantKind(t, err, kerr.Unavailable, "converter_bad_answer")
	})
}

// TestSourceReaderError: a document reader that fails gives its own error,
// not a network one.
func TestSourceReaderError(t *testing.T) {
	g := gotenberg(t)
	boom := kerr.New(kerr.Integrity, "blob_corrupt", "Dữ liệu lưu trữ không toàn vẹn.", "")
	_, err := g.OfficeToPDF(ctxT(t), "a.docx", io.MultiReader(strings.NewReader("PK"), errReader{boom}), Options{})
	if !errors.Is(err, boom) || kerr.KindOf(err) != kerr.Integrity {
		t.Fatalf("error %v, want the reader's own", err)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// TestHealth: the test Gotenberg reports its modules up. Gotenberg
// restarts LibreOffice after a failed conversion (TestRefusedDocuments
// sends a damaged file; other packages share the server) and says "down"
// meanwhile, so the check is repeated for up to 30 s.
func TestHealth(t *testing.T) {
	g := gotenberg(t)
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := g.Health(ctxT(t))
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func TestNewGotenbergURL(t *testing.T) {
	for _, bad := range []string{"", "127.0.0.1:3000", "ftp://x", "http://", "http://h:1/?a=b"} {
		if _, err := NewGotenberg(GotenbergConfig{URL: bad}); kerr.KindOf(err) != kerr.Invalid {
			t.Errorf("URL %q: error %v, want invalid", bad, err)
		}
	}
	g, err := NewGotenberg(GotenbergConfig{URL: "http://kho:b%C3%AD-m%E1%BA%ADt@127.0.0.1:3000/gotenberg/"})
	if err != nil {
		t.Fatal(err)
	}
	if g.URL() != "http://127.0.0.1:3000/gotenberg" || !g.hasAuth || g.user != "kho" || g.pass != "bí-mật" {
		t.Errorf("parsed %q user %q pass %q", g.URL(), g.user, g.pass)
	}
	if strings.Contains(g.String(), "bí-mật") {
		t.Errorf("String shows the password: %s", g)
	}
	var seen string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, _ := r.BasicAuth()
		seen = r.URL.Path + " " + u + ":" + p
		w.Write([]byte(`{"status":"up"}`))
	}))
	defer srv.Close()
	g, _ = NewGotenberg(GotenbergConfig{URL: strings.Replace(srv.URL, "http://", "http://kho:pw@", 1) + "/root"})
	if err := g.Health(context.Background()); err != nil || seen != "/root/health kho:pw" {
		t.Errorf("health: %v, server saw %q", err, seen)
	}
}

// TestNewConverter: no URL gives a nil interface (not a nil *Gotenberg
// inside one), which Templates.PDF answers with converter_unavailable.
func TestNewConverter(t *testing.T) {
	c, err := NewConverter(GotenbergConfig{URL: "  "})
	if c != nil || err != nil {
		t.Fatalf("no URL: %#v, %v; want nil, nil", c, err)
	}
	if _, err := NewConverter(GotenbergConfig{URL: "127.0.0.1:3000"}); kerr.KindOf(err) != kerr.Invalid {
		t.Errorf("bad URL: %v", err)
	}
	c, err = NewConverter(GotenbergConfig{URL: "http://127.0.0.1:3000"})
	if g, ok := c.(*Gotenberg); !ok || err != nil || g.URL() != "http://127.0.0.1:3000" {
		t.Errorf("URL: %#v, %v", c, err)
	}
}

// TestPageCannotReachNetwork: a page (a template an agency wrote) that
// refers to a server on the private network does not reach it — Gotenberg
// runs with --chromium-deny-private-ips, as docs/deployment.md asks; the
// conversion fails or goes on without the file.
func TestPageCannotReachNetwork(t *testing.T) {
	var hits atomic.Int32
	inside := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "text/css")
		w.Write([]byte("body { color: red; }"))
	}))
	defer inside.Close()
	g := gotenberg(t)
	page := `<html><head><link rel="stylesheet" href="` + inside.URL + `/noi-bo.css"></head><body><img src="` + inside.URL + `/anh.png"><p>x</p></body></html>`
	rc, err := g.HTMLToPDF(ctxT(t), []byte(page), nil, Options{})
	if err == nil {
		io.Copy(io.Discard, rc)
		rc.Close()
	} else if kerr.KindOf(err) != kerr.Invalid {
		t.Errorf("conversion: %v", err)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("Gotenberg's Chromium fetched %d files from a loopback server", n)
	}
}
