package portal

import (
	"context"
	"io"
	"mime"
	"net/http"
	"os"
	"strconv"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
	"github.com/kho-vn/kho/signing"
)

// DataVerifier verifies a detached CMS signature over data. The Verifier
// that archive.NewVerifier returns is one: when Config.Verifier also
// implements DataVerifier, /api/v1/signing/verify-data uses it, with the
// same trust anchors and revocation checks as for PDFs. Errors are those
// of signing.VerifyData.
type DataVerifier interface {
	VerifyData(ctx context.Context, data io.Reader, sig []byte) (*signing.DataReport, error)
}

// dataMediaTypes are the media types sign-data and verify-data accept for
// the data: the JSON and XML outputs of an eForm.
var dataMediaTypes = map[string]string{"application/json": "json", "application/xml": "xml"}

// signData signs the request body (eForm JSON or XML, the exact bytes)
// with one of the server's keys (staff and admin) and answers the
// detached CMS signature (.p7s, DER). ?key= names the key (optional when
// only one is configured), ?level= is B-B (default) or B-T (with the
// server's TSA). The data is hashed while it streams; nothing is kept.
func (s *Server) signData(w http.ResponseWriter, r *http.Request) {
	if err := staffOnly(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	q, err := input.Query(r, "key", "level")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	ext, ok := dataMediaTypes[mt]
	if !ok {
		s.writeError(w, r, kerr.New(kerr.Invalid, "unsupported_content_type",
			"Chỉ ký được dữ liệu JSON (application/json) hoặc XML (application/xml).", "Content-Type %q", r.Header.Get("Content-Type")))
		return
	}
	key, err := s.cfg.Signing.dataKey(q.Get("key"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	tsa := ""
	switch q.Get("level") {
	case "", "B-B":
	case "B-T":
		if s.cfg.Signing.TSAURL == "" {
			s.writeError(w, r, kerr.New(kerr.Unavailable, "tsa_not_configured", "Máy chủ chưa được cấu hình dịch vụ cấp dấu thời gian (B-T).", "no TSA URL (kho serve --tsa)"))
			return
		}
		tsa = s.cfg.Signing.TSAURL
	default:
		s.writeError(w, r, kerr.New(kerr.Invalid, "level_unknown", "Mức chữ ký dữ liệu chỉ có thể là B-B hoặc B-T.", "level %q", input.Printable(q.Get("level"))))
		return
	}
	max := s.cfg.MaxUploadBytes
	if r.ContentLength > max {
		s.writeError(w, r, fileTooLarge(max))
		return
	}
	body := &countingBody{rc: http.MaxBytesReader(w, r.Body, max)}
	r.Body = body
	cr := &countReader{r: body}
	sig, err := signing.SignData(r.Context(), key, cr, signing.DataOptions{
		Checker: s.cfg.Signing.Checker, TSAURL: tsa, TSATimeout: s.cfg.Signing.TSATimeout, Now: s.cfg.Signing.Now})
	switch {
	case body.tripped:
		s.writeError(w, r, fileTooLarge(max))
		return
	case err != nil:
		s.writeError(w, r, err)
		return
	case cr.n == 0:
		s.writeError(w, r, kerr.New(kerr.Invalid, "empty_file", "Dữ liệu gửi lên rỗng.", "no bytes"))
		return
	}
	level := "B-B"
	if tsa != "" {
		level = "B-T"
	}
	h := w.Header()
	h.Set("Content-Type", "application/pkcs7-signature")
	h.Set("Content-Length", strconv.Itoa(len(sig)))
	h.Set("Content-Disposition", attachment("du-lieu."+ext+".p7s"))
	h.Set("X-Signature-Level", level)
	s.log.InfoContext(r.Context(), "signed data", "requestId", infoOf(r).id, "actor", actorOf(r).Subject,
		"key", q.Get("key"), "level", level, "signer", key.Certificate().Subject.CommonName, "bytes", cr.n)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(sig)
}

// dataKey returns the key a data signature uses: by name, or the only one.
func (sc *Signing) dataKey(name string) (signing.KeySource, error) {
	if sc == nil || len(sc.Keys) == 0 {
		return nil, kerr.New(kerr.Unavailable, "signing_not_configured", "Máy chủ chưa được cấu hình khóa ký số.", "no signing key is configured (kho serve --sign-key)")
	}
	if name == "" && len(sc.Keys) == 1 {
		for _, k := range sc.Keys {
			return k, nil
		}
	}
	// The PDF signer's rules and messages for names (required, unknown).
	if _, err := sc.signer(signOptions{Key: name}); err != nil {
		return nil, err
	}
	return sc.Keys[name], nil
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// verifyData verifies a detached CMS signature over data for anyone (no
// token): multipart/form-data with a "data" part (the signed bytes, at
// most MaxVerifyBytes) and a "signature" part (the .p7s, DER). It answers
// the report as JSON (signing.DataReport). Nothing is stored.
func (s *Server) verifyData(w http.ResponseWriter, r *http.Request) {
	if _, err := input.Query(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	dv, ok := s.cfg.Verifier.(DataVerifier)
	if !ok {
		s.writeError(w, r, kerr.New(kerr.Unavailable, "verifier_not_configured", "Máy chủ chưa được cấu hình để kiểm tra chữ ký số.", "portal.Config.Verifier is nil or does not verify data"))
		return
	}
	max := s.cfg.MaxVerifyBytes
	if r.ContentLength > max+multipartOverhead {
		s.writeError(w, r, fileTooLarge(max))
		return
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		s.writeError(w, r, kerr.New(kerr.Invalid, "multipart_required", "Yêu cầu kiểm tra phải là multipart/form-data gồm phần data (dữ liệu) và phần signature (tệp .p7s).",
			"Content-Type %q is not multipart/form-data", mt))
		return
	}
	body := &countingBody{rc: http.MaxBytesReader(w, r.Body, max+multipartOverhead)}
	r.Body = body
	mr, err := r.MultipartReader()
	if err != nil {
		s.writeError(w, r, kerr.New(kerr.Invalid, "invalid_multipart", "Yêu cầu tải lên dạng multipart không hợp lệ.", "%v", err))
		return
	}
	var sig []byte
	var data *pdfRequest // the data part, spooled (it may come before the signature)
	defer func() {
		if data != nil {
			data.close()
		}
	}()
	tooLarge := func() { s.writeError(w, r, fileTooLarge(max)) }
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if body.tripped {
				tooLarge()
				return
			}
			s.writeError(w, r, kerr.New(kerr.Invalid, "invalid_multipart", "Yêu cầu tải lên dạng multipart không hợp lệ.", "%v", err))
			return
		}
		switch name := p.FormName(); {
		case name == "signature" && sig == nil:
			b, err := io.ReadAll(io.LimitReader(p, signing.MaxDataSignatureSize+1))
			if body.tripped {
				tooLarge()
				return
			}
			if err != nil {
				s.writeError(w, r, kerr.Wrap(err, kerr.Invalid, "incomplete_upload", "Tệp gửi lên không đầy đủ; vui lòng gửi lại."))
				return
			}
			if len(b) == 0 {
				s.writeError(w, r, kerr.New(kerr.Invalid, "signature_missing", "Phần chữ ký (signature) rỗng.", "empty signature part"))
				return
			}
			sig = b
		case name == "data" && data == nil:
			data, err = spool(p, max, body)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
		default:
			s.writeError(w, r, kerr.New(kerr.Invalid, "unexpected_part", "Yêu cầu có phần không mong đợi hoặc bị lặp: "+input.Printable(name)+".",
				"unexpected or repeated part %q", name))
			return
		}
	}
	switch {
	case data == nil:
		s.writeError(w, r, kerr.New(kerr.Invalid, "file_missing", "Yêu cầu thiếu phần dữ liệu (data).", "no part named \"data\""))
		return
	case sig == nil:
		s.writeError(w, r, kerr.New(kerr.Invalid, "signature_missing", "Yêu cầu thiếu phần chữ ký (signature, tệp .p7s).", "no part named \"signature\""))
		return
	}
	rep, err := dv.VerifyData(r.Context(), data.file, sig)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// spool copies a request's file (or part) of at most max bytes to a
// temporary file, positioned at its start; body tells when the request's
// own limit was hit.
func spool(src io.Reader, max int64, body *countingBody) (*pdfRequest, error) {
	req := &pdfRequest{}
	f, err := os.CreateTemp("", "kho-api-*")
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Internal, "temp_file_failed", "Không tạo được tệp tạm.")
	}
	req.file = f
	n, err := io.Copy(f, io.LimitReader(src, max+1))
	req.size = n
	switch {
	case body.tripped || n > max:
		req.close()
		return nil, fileTooLarge(max)
	case err != nil:
		req.close()
		return nil, kerr.Wrap(err, kerr.Invalid, "incomplete_upload", "Tệp gửi lên không đầy đủ; vui lòng gửi lại.")
	case n == 0:
		req.close()
		return nil, kerr.New(kerr.Invalid, "empty_file", "Tệp gửi lên rỗng.", "no bytes")
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		req.close()
		return nil, kerr.Wrap(err, kerr.Internal, "temp_file_failed", "Không đọc lại được tệp tạm.")
	}
	return req, nil
}
