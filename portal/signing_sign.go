package portal

import (
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
)

// signPDF signs a posted PDF with one of the server's keys (staff and
// admin): multipart/form-data with an "options" part (JSON) and a "file"
// part. It answers the signed PDF; nothing is stored.
func (s *Server) signPDF(w http.ResponseWriter, r *http.Request) {
	if err := staffOnly(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := input.Query(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	req, err := s.readPDF(w, r, s.cfg.MaxUploadBytes, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer req.close()
	opts, err := s.decodeSignOptions(req.options)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	signer, err := s.cfg.Signing.signer(opts)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := os.CreateTemp("", "kho-api-signed-*.pdf")
	if err != nil {
		s.writeError(w, r, kerr.Wrap(err, kerr.Internal, "temp_file_failed", "Không tạo được tệp tạm."))
		return
	}
	defer func() { out.Close(); os.Remove(out.Name()) }()
	res, err := signer.Sign(r.Context(), req.file, req.size, out)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	size, err := out.Seek(0, io.SeekEnd)
	if err == nil {
		_, err = out.Seek(0, io.SeekStart)
	}
	if err != nil {
		s.writeError(w, r, kerr.Wrap(err, kerr.Internal, "temp_file_failed", "Không đọc lại được tệp đã ký."))
		return
	}
	name := strings.TrimSuffix(req.name, ".pdf")
	if name == "" {
		name = "tai-lieu"
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	h.Set("Content-Disposition", attachment(name+"-da-ky.pdf"))
	h.Set("X-Signature-Level", res.Level.String())
	s.log.InfoContext(r.Context(), "signed a PDF", "requestId", infoOf(r).id, "actor", actorOf(r).Subject,
		"key", opts.Key, "level", res.Level.String(), "signer", res.Signer, "bytes", size)
	w.WriteHeader(http.StatusOK)
	_, _ = io.CopyN(w, out, size)
}
