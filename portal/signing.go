package portal

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
	"github.com/kho-vn/kho/signing"
)

// Signing holds what the signing API signs with: the keys the server may
// use, by name, and the settings every signature shares. cmd/kho builds it
// from `kho serve --sign-key NAME=FILE.p12` (a PKCS#11 token or a remote
// signing service is one more signing.KeySource in Keys).
type Signing struct {
	// Keys are the server's signing keys by name.
	Keys map[string]signing.KeySource
	// TSAURL is the RFC 3161 time-stamp authority for B-T and above.
	TSAURL string
	// TSATimeout bounds a time-stamp request (zero: the signer's default).
	TSATimeout time.Duration
	// Checker runs the checks before signing (trust anchors, revocation).
	Checker *signing.Checker
	// Images are the images visible signatures with a key show, by key
	// name: the signer's handwritten signature or the agency's seal (PNG
	// or JPEG). A key without one shows text only.
	Images map[string][]byte
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Budget bounds the memory and time of reading each PDF signed.
	Budget signing.ParseBudget
}

// signOptions are the options of a signing request (JSON).
type signOptions struct {
	// Key names a configured key; optional when only one is configured.
	Key string `json:"key,omitempty"`
	// Level is B-B, B-T, B-LT or B-LTA (default B-B).
	Level         string `json:"level,omitempty"`
	Reason        string `json:"reason,omitempty"`
	Location      string `json:"location,omitempty"`
	Contact       string `json:"contact,omitempty"`
	Name          string `json:"name,omitempty"`
	Certification string `json:"certification,omitempty"` // none, no-changes, form-filling, annotations
	// Visible, when set, makes a visible signature (Decree 30/2020/NĐ-CP):
	// the key's image with the signer's name, or the seal with the agency
	// and the signing time.
	Visible *visibleOptions `json:"visible,omitempty"`
}

// visibleOptions place a visible signature: a rectangle on a page, or a
// box against an anchor text.
type visibleOptions struct {
	Page   int        `json:"page,omitempty"`
	Rect   []float64  `json:"rect,omitempty"` // x1, y1, x2, y2 in PDF points
	Anchor *anchorOpt `json:"anchor,omitempty"`
	Kind   string     `json:"kind,omitempty"` // personal (default) or seal
	// Lines replace the default text lines; [] shows none.
	Lines *[]string `json:"lines,omitempty"`
}

type anchorOpt struct {
	Text       string  `json:"text"`
	Occurrence int     `json:"occurrence,omitempty"`
	Place      string  `json:"place,omitempty"` // below (default), over, above, right
	Width      float64 `json:"width,omitempty"`
	Height     float64 `json:"height,omitempty"`
}

// appearance turns visible options into the signer's appearance, with the
// key's configured image.
func (v *visibleOptions) appearance(image []byte) (*signing.Appearance, error) {
	if v == nil {
		return nil, nil
	}
	bad := func(detail string, args ...any) error {
		return kerr.New(kerr.Invalid, "invalid_visible", "Vị trí chữ ký hiển thị không hợp lệ: cần page ≥ 1 và rect [x1, y1, x2, y2] hoặc anchor có text.", detail, args...)
	}
	a := &signing.Appearance{Page: v.Page, Image: image}
	if v.Page < 0 {
		return nil, bad("page %d", v.Page)
	}
	kind, err := signing.ParseAppearanceKind(v.Kind)
	if err != nil {
		return nil, err
	}
	a.Kind = kind
	switch {
	case len(v.Rect) == 4 && v.Anchor == nil:
		a.Rect = [4]float64(v.Rect)
	case len(v.Rect) == 0 && v.Anchor != nil && strings.TrimSpace(v.Anchor.Text) != "":
		place, err := signing.ParseAnchorPlace(v.Anchor.Place)
		if err != nil {
			return nil, err
		}
		if len([]rune(v.Anchor.Text)) > maxSignText || v.Anchor.Occurrence < 0 || v.Anchor.Width < 0 || v.Anchor.Height < 0 {
			return nil, bad("anchor out of range")
		}
		a.Anchor = &signing.Anchor{Text: v.Anchor.Text, Occurrence: v.Anchor.Occurrence, Place: place, Width: v.Anchor.Width, Height: v.Anchor.Height}
	default:
		return nil, bad("give either rect (4 numbers) or anchor.text")
	}
	if v.Lines != nil {
		if len(*v.Lines) > 6 {
			return nil, bad("%d lines", len(*v.Lines))
		}
		for _, l := range *v.Lines {
			if len([]rune(l)) > maxSignText || strings.ContainsFunc(l, func(r rune) bool { return r < 0x20 }) {
				return nil, bad("a line is too long or has control characters")
			}
		}
		a.Lines = *v.Lines
	}
	return a, nil
}

// maxSignText bounds each free-text option.
const maxSignText = 300

var certifications = map[string]signing.Certification{
	"": signing.CertifyNone, "none": signing.CertifyNone, "no-changes": signing.CertifyNoChanges,
	"form-filling": signing.CertifyFormFilling, "annotations": signing.CertifyFormAndAnnotation,
}

// signer builds the signer a request asks for.
func (sc *Signing) signer(o signOptions) (*signing.Signer, error) {
	if sc == nil || len(sc.Keys) == 0 {
		return nil, kerr.New(kerr.Unavailable, "signing_not_configured", "Máy chủ chưa được cấu hình khóa ký số.", "no signing key is configured (kho serve --sign-key)")
	}
	name := strings.TrimSpace(o.Key)
	if name == "" {
		if len(sc.Keys) > 1 {
			names := make([]string, 0, len(sc.Keys))
			for n := range sc.Keys {
				names = append(names, n)
			}
			slices.Sort(names)
			return nil, kerr.New(kerr.Invalid, "sign_key_required", "Cần chọn khóa ký (key): "+strings.Join(names, ", ")+".",
				"several keys are configured: %s", strings.Join(names, ", "))
		}
		for n := range sc.Keys {
			name = n
		}
	}
	key, ok := sc.Keys[name]
	if !ok {
		return nil, kerr.New(kerr.Invalid, "sign_key_unknown", "Không có khóa ký tên \""+input.Printable(name)+"\" trên máy chủ.", "no signing key %q", name)
	}
	level := signing.LevelBB
	if o.Level != "" {
		l, err := signing.ParseLevel(o.Level)
		if err != nil {
			return nil, err
		}
		level = l
	}
	cert, ok := certifications[o.Certification]
	if !ok {
		return nil, kerr.New(kerr.Invalid, "invalid_certification", "Giá trị certification không hợp lệ (none, no-changes, form-filling, annotations).",
			"certification %q", input.Printable(o.Certification))
	}
	for field, v := range map[string]string{"reason": o.Reason, "location": o.Location, "contact": o.Contact, "name": o.Name} {
		if len([]rune(v)) > maxSignText || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 }) {
			return nil, kerr.New(kerr.Invalid, "invalid_sign_option", "Thông tin "+field+" của chữ ký quá dài (tối đa 300 ký tự) hoặc có ký tự điều khiển.",
				"option %s is too long or has control characters", field)
		}
	}
	visible, err := o.Visible.appearance(sc.Images[name])
	if err != nil {
		return nil, err
	}
	return signing.New(key, signing.Options{
		Level: level, TSAURL: sc.TSAURL, TSATimeout: sc.TSATimeout,
		Name: o.Name, Reason: o.Reason, Location: o.Location, Contact: o.Contact,
		Certification: cert, Checker: sc.Checker, Now: sc.Now, Visible: visible, Budget: sc.Budget,
	})
}

// staffOnly refuses citizens.
func staffOnly(r *http.Request) error {
	if a := actorOf(r); a.Role != archive.RoleStaff && a.Role != archive.RoleAdmin {
		return kerr.New(kerr.Permission, "staff_only", "Chỉ cán bộ hoặc quản trị viên được ký số bằng khóa của cơ quan.", "role %q may not sign", a.Role)
	}
	return nil
}

// pdfRequest is a PDF posted for signing or verification, spooled to a
// temporary file (signing and verification read it at random offsets).
type pdfRequest struct {
	file    *os.File
	size    int64
	name    string
	options []byte // the "options" part, if any
}

func (p *pdfRequest) close() {
	if p.file != nil {
		p.file.Close()
		os.Remove(p.file.Name())
	}
}

// readPDF reads a PDF request of at most max bytes: multipart/form-data
// with an optional JSON "options" part (when withOptions) and a "file"
// part, or (without options) the raw PDF as the body.
func (s *Server) readPDF(w http.ResponseWriter, r *http.Request, max int64, withOptions bool) (*pdfRequest, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	isMultipart := mt == "multipart/form-data"
	limit := max
	if isMultipart {
		limit += multipartOverhead
	}
	if r.ContentLength > limit {
		return nil, fileTooLarge(max)
	}
	body := &countingBody{rc: http.MaxBytesReader(w, r.Body, limit)}
	r.Body = body
	req := &pdfRequest{}
	var src io.Reader
	if !isMultipart {
		if withOptions {
			return nil, kerr.New(kerr.Invalid, "multipart_required", "Yêu cầu ký phải là multipart/form-data gồm phần options (JSON) và phần file.",
				"Content-Type %q is not multipart/form-data", mt)
		}
		src = body
	} else {
		mr, err := r.MultipartReader()
		if err != nil {
			return nil, kerr.New(kerr.Invalid, "invalid_multipart", "Yêu cầu tải lên dạng multipart không hợp lệ.", "%v", err)
		}
		for src == nil {
			p, err := mr.NextPart()
			if err == io.EOF {
				return nil, kerr.New(kerr.Invalid, "file_missing", "Yêu cầu thiếu phần tệp (file).", "no part named \"file\"")
			}
			if err != nil {
				if body.tripped {
					return nil, fileTooLarge(max)
				}
				return nil, kerr.New(kerr.Invalid, "invalid_multipart", "Yêu cầu tải lên dạng multipart không hợp lệ.", "%v", err)
			}
			switch p.FormName() {
			case "options":
				if !withOptions || req.options != nil {
					return nil, kerr.New(kerr.Invalid, "unexpected_part", "Yêu cầu có phần không mong đợi: options.", "unexpected or repeated part \"options\"")
				}
				b, err := io.ReadAll(io.LimitReader(p, s.cfg.MaxJSONBytes+1))
				if err != nil || int64(len(b)) > s.cfg.MaxJSONBytes {
					return nil, kerr.New(kerr.TooLarge, "request_too_large", "Phần options vượt quá giới hạn "+input.HumanBytes(s.cfg.MaxJSONBytes)+".", "options part too large or unreadable")
				}
				req.options = b
			case "file":
				req.name, err = input.DispositionFileName(p.Header.Get("Content-Disposition"))
				if err != nil {
					return nil, err
				}
				src = p
			default:
				return nil, kerr.New(kerr.Invalid, "unexpected_part", "Yêu cầu có phần không mong đợi: "+input.Printable(p.FormName())+".",
					"unexpected part %q", p.FormName())
			}
		}
	}
	spooled, err := spool(src, max, body)
	if err != nil {
		return nil, err
	}
	req.file, req.size = spooled.file, spooled.size
	return req, nil
}

// decodeSignOptions decodes the options of a signing request strictly.
func (s *Server) decodeSignOptions(b []byte) (signOptions, error) {
	var o signOptions
	if len(bytes.TrimSpace(b)) == 0 {
		return o, nil
	}
	return o, input.DecodeStrict(bytes.NewReader(b), &o, s.cfg.MaxJSONBytes)
}

// wantsHTML reports whether the client asks for HTML rather than JSON.
func wantsHTML(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err == nil && mt == "text/html" && params["q"] != "0" {
			return true
		}
	}
	return false
}

// writeReport writes a verification report as JSON, or as the Vietnamese
// HTML page when the client asks for text/html. body is the report's JSON.
func (s *Server) writeReport(w http.ResponseWriter, r *http.Request, body []byte) {
	w.Header().Set("Vary", "Accept")
	if !wantsHTML(r) {
		h := w.Header()
		h.Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
		return
	}
	var rep signing.Report
	if err := json.Unmarshal(body, &rep); err != nil {
		s.writeError(w, r, kerr.Wrap(err, kerr.Internal, "report_decode_failed", "Không đọc được báo cáo kiểm tra chữ ký."))
		return
	}
	var page bytes.Buffer
	if err := rep.WriteHTML(&page); err != nil {
		s.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// The page's own inline style may apply; nothing else may load.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(page.Bytes())
}
