package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/textrule"
	"github.com/kho-vn/kho/portal/internal/input"
	"github.com/kho-vn/kho/signing"
	"github.com/kho-vn/kho/workflow"
)

// verifyPage is the verifier's form and, after a check, its answers.
type verifyPage struct {
	Code    string
	MaxSize string
	Errors  []fieldError
	Result  *verifyResult
}

// fieldError is one entry of the error summary, linked to its field.
type fieldError struct {
	Field   string
	Message string
}

// FieldError is the message of the field's error; "" when it has none.
func (p *verifyPage) FieldError(field string) string {
	for _, e := range p.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// verifyResult is what the page shows of one check.
type verifyResult struct {
	FileName string
	SHA256   string
	Answers  []answer
	Report   *signing.Report
}

// The form's fields.
const (
	fieldFile = "tep"
	fieldCode = "ma"
)

// maxFormFieldBytes bounds the bytes of the form's fields other than the file.
const maxFormFieldBytes = 4 << 10

func (h *Handler) newVerifyPage(code string) *verifyPage {
	return &verifyPage{Code: code, MaxSize: input.HumanBytes(h.cfg.MaxVerifyBytes)}
}

// verifyForm is the verifier's form; with ?ma=CODE (the link of the
// lookup page) it also answers what the issuing system says of that
// dossier's result.
func (h *Handler) verifyForm(w http.ResponseWriter, r *http.Request) {
	raw := r.URL.Query().Get(fieldCode)
	if c := r.URL.Query().Get(archive.PaperVerifyParam); c != "" && raw == "" {
		h.verifyPaperCopy(w, r, c) // Archive — Paper copies (arc-paper)
		return
	}
	if raw == "" {
		h.render(w, r, http.StatusOK, "verify", "Xác thực giấy tờ", "verify", h.newVerifyPage(""))
		return
	}
	code := codeOf(raw)
	p := h.newVerifyPage(code)
	status := h.check(r, p, code, nil)
	h.render(w, r, status, "verify", "Xác thực giấy tờ", "verify", p)
}

// verifyUpload checks an uploaded PDF, and the dossier code if given.
// Nothing is stored: the file is spooled to a temporary file that is
// removed before the answer.
func (h *Handler) verifyUpload(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Challenge != nil {
		if err := h.cfg.Challenge(r); err != nil {
			h.renderError(w, r, err)
			return
		}
	}
	up, err := h.readVerifyForm(w, r)
	if up != nil {
		defer up.close()
	}
	p := h.newVerifyPage("")
	if err != nil {
		p.Errors = []fieldError{{Field: fieldFile, Message: publicMessage(err)}}
		if kerr.IsKind(err, kerr.TooLarge) {
			w.Header().Set("Connection", "close")
		}
		h.render(w, r, statusOf(err), "verify", "Xác thực giấy tờ", "verify", p)
		return
	}
	p.Code = up.code
	if up.file == nil && up.code == "" {
		p.Errors = []fieldError{{Field: fieldFile, Message: "Hãy chọn tệp PDF cần kiểm tra, hoặc nhập mã hồ sơ."}}
		h.render(w, r, http.StatusBadRequest, "verify", "Xác thực giấy tờ", "verify", p)
		return
	}
	status := h.check(r, p, up.code, up)
	h.render(w, r, status, "verify", "Xác thực giấy tờ", "verify", p)
}

// check fills p with the four answers for the upload (nil: none) and the
// code ("" : none), and returns the page's status.
func (h *Handler) check(r *http.Request, p *verifyPage, code string, up *verifyUpload) int {
	res := &verifyResult{}
	var in verdictInput
	if up != nil && up.file != nil {
		res.FileName, res.SHA256 = up.name, up.sha256
		in.file = true
		if h.cfg.Verifier == nil {
			p.Errors = append(p.Errors, fieldError{Field: fieldFile, Message: "Máy chủ chưa được cấu hình để kiểm tra chữ ký số."})
			return http.StatusServiceUnavailable
		}
		rep, err := h.cfg.Verifier.VerifyPDF(r.Context(), up.file, up.size)
		if err != nil {
			if kerr.IsKind(err, kerr.Invalid) || kerr.IsKind(err, kerr.TooLarge) {
				p.Errors = append(p.Errors, fieldError{Field: fieldFile, Message: publicMessage(err) + " Hãy chọn đúng tệp PDF của giấy tờ."})
				return statusOf(err)
			}
			h.log.Warn("verifier failed", "requestId", requestID(r), "err", err.Error())
			p.Errors = append(p.Errors, fieldError{Field: fieldFile, Message: publicMessage(err)})
			return statusOf(err)
		}
		in.report, res.Report = rep, rep
		in.hash = up.sha256
	}
	if code != "" {
		in.code = code
		switch {
		case len(code) > maxCodeLen || !workflow.ValidDossierCode(code):
			p.Errors = append(p.Errors, fieldError{Field: fieldCode, Message: "Mã hồ sơ không đúng dạng. Hãy nhập lại mã in trên giấy tờ, ví dụ 000.00.31.H29-260828-0001."})
			if !in.file {
				return http.StatusBadRequest
			}
			in.code = ""
		case h.cfg.Workflow == nil:
			in.systemErr = errWorkflowOff
		default:
			paper, err := h.cfg.Workflow.PublicResult(r.Context(), code)
			switch {
			case err == nil:
				in.paper = &paper
			case kerr.IsKind(err, kerr.NotFound):
				in.notIssued = err
			default:
				h.log.Warn("public result status unavailable", "requestId", requestID(r), "code", code, "err", err.Error())
				in.systemErr = err
			}
		}
	}
	res.Answers = answers(in)
	p.Result = res
	return http.StatusOK
}

// publicMessage is err's Vietnamese message.
func publicMessage(err error) string {
	_, msg := kerr.Public(err)
	return msg
}

// verifyUpload is the verifier form's content: the file spooled to a
// temporary file, and the code.
type verifyUpload struct {
	file   *os.File // nil: no file chosen
	size   int64
	name   string
	sha256 string
	code   string
}

func (u *verifyUpload) close() {
	if u.file != nil {
		name := u.file.Name()
		u.file.Close()
		os.Remove(name)
	}
}

// readVerifyForm reads the multipart form as a stream: the file part into
// a temporary file, at most MaxVerifyBytes (hashed on the way), the code
// at most maxFormFieldBytes. The body as a whole is bounded too.
func (h *Handler) readVerifyForm(w http.ResponseWriter, r *http.Request) (*verifyUpload, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return nil, kerr.New(kerr.Invalid, "multipart_required", "Biểu mẫu gửi lên không đúng; hãy tải lại trang và thử lại.", "content type %q", r.Header.Get("Content-Type"))
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxVerifyBytes+4*maxFormFieldBytes+(64<<10))
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, badForm(err)
	}
	up := &verifyUpload{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return up, nil
		}
		if err != nil {
			return up, h.bodyErr(err)
		}
		switch part.FormName() {
		case fieldCode:
			b, err := io.ReadAll(io.LimitReader(part, maxFormFieldBytes+1))
			if err != nil {
				return up, h.bodyErr(err)
			}
			if len(b) > maxFormFieldBytes {
				return up, kerr.New(kerr.Invalid, "code_too_long", "Mã hồ sơ quá dài.", "code field over %d bytes", maxFormFieldBytes)
			}
			up.code = codeOf(string(b))
		case fieldFile:
			if part.FileName() == "" || up.file != nil {
				_, _ = io.Copy(io.Discard, part)
				continue
			}
			if err := h.spool(up, part); err != nil {
				return up, err
			}
			if up.size == 0 {
				up.close()
				up.file = nil
			}
		default:
			_, _ = io.Copy(io.Discard, io.LimitReader(part, maxFormFieldBytes))
		}
	}
}

// spool copies the file part into a temporary file, hashing it.
func (h *Handler) spool(up *verifyUpload, part io.Reader) error {
	f, err := os.CreateTemp("", "kho-verify-*.pdf")
	if err != nil {
		return kerr.Wrap(err, kerr.Unavailable, "spool_failed", "Chưa nhận được tệp lúc này; vui lòng thử lại sau.")
	}
	up.file = f
	sum := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, sum), io.LimitReader(part, h.cfg.MaxVerifyBytes+1))
	if err != nil {
		return h.bodyErr(err)
	}
	if n > h.cfg.MaxVerifyBytes {
		return kerr.New(kerr.TooLarge, "file_too_large", "Tệp vượt quá dung lượng tối đa "+input.HumanBytes(h.cfg.MaxVerifyBytes)+".",
			"the file is larger than the limit of %d bytes", h.cfg.MaxVerifyBytes)
	}
	if p, ok := part.(interface{ FileName() string }); ok {
		up.name = cleanFileName(p.FileName())
	}
	up.size, up.sha256 = n, hex.EncodeToString(sum.Sum(nil))
	return nil
}

// bodyErr classifies a failed read of the request body.
func (h *Handler) bodyErr(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return kerr.New(kerr.TooLarge, "file_too_large", "Tệp vượt quá dung lượng tối đa "+input.HumanBytes(h.cfg.MaxVerifyBytes)+".",
			"request body over %d bytes", mbe.Limit)
	}
	return badForm(err)
}

func badForm(err error) error {
	return kerr.Wrap(err, kerr.Invalid, "form_unreadable", "Không đọc được biểu mẫu gửi lên; hãy thử lại.")
}

// cleanFileName is a file name fit to show: its last path element, at
// most 200 characters, its forbidden characters (textrule) replaced.
func cleanFileName(s string) string {
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	s = textrule.Replace(s, '\uFFFD')
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200])
	}
	return s
}
