package portal

import (
	"io"
	"net/http"
	"net/url"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
)

// multipartOverhead is what an upload may carry beyond the file itself:
// the metadata part, part headers and boundaries.
const multipartOverhead = 1 << 20

// countingBody limits a request body and remembers whether the limit was hit.
type countingBody struct {
	rc      io.ReadCloser
	tripped bool
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && input.IsMaxBytes(err) {
		b.tripped = true
	}
	return n, err
}

func (b *countingBody) Close() error { return b.rc.Close() }

// upload is a parsed upload request: metadata (for new documents) and the
// streamed file.
type upload struct {
	meta   input.UploadMetadata
	file   archive.Upload
	body   *countingBody
	closer io.Closer
}

// readUpload parses an upload request of either form without reading the
// file: multipart/form-data with a "metadata" part (when withMetadata)
// followed by a "file" part, or a raw body with metadata in the query.
// extra names more query parameters the caller reads itself.
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request, withMetadata bool, extra ...string) (*upload, error) {
	max := s.cfg.MaxUploadBytes
	isMultipart := input.DeclaredType(r.Header.Get("Content-Type")) == "multipart/form-data"
	limit := max
	if isMultipart {
		limit += multipartOverhead
	}
	if r.ContentLength > limit {
		return nil, fileTooLarge(max)
	}
	// One byte more than the vault will take, so that it (not this reader)
	// reports an oversize raw file; multipart keeps room for its framing.
	body := &countingBody{rc: http.MaxBytesReader(w, r.Body, limit+1)}
	r.Body = body
	up := &upload{body: body}
	if !isMultipart {
		var err error
		if withMetadata {
			up.meta, err = input.ParseMetadataQuery(r.URL.Query())
		} else {
			var q url.Values
			q, err = input.Query(r, append([]string{"filename"}, extra...)...)
			up.meta.FileName = q.Get("filename")
		}
		if err != nil {
			return nil, err
		}
		name := up.meta.FileName
		if name == "" {
			if name, err = input.DispositionFileName(r.Header.Get("Content-Disposition")); err != nil {
				return nil, err
			}
		}
		// ContentLength is -1 when the length is unknown (chunked).
		up.file = archive.Upload{Body: body, Size: r.ContentLength, FileName: name, MediaType: input.DeclaredType(r.Header.Get("Content-Type"))}
		return up, nil
	}
	if _, err := input.Query(r, extra...); err != nil {
		return nil, err
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, kerr.New(kerr.Invalid, "invalid_multipart", "Yêu cầu tải lên dạng multipart không hợp lệ.", "%v", err)
	}
	seenMeta := false
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil, kerr.New(kerr.Invalid, "file_missing", "Yêu cầu tải lên thiếu phần tệp (file).", "no part named \"file\"")
		}
		if err != nil {
			if body.tripped {
				return nil, fileTooLarge(max)
			}
			return nil, kerr.New(kerr.Invalid, "invalid_multipart", "Yêu cầu tải lên dạng multipart không hợp lệ.", "%v", err)
		}
		switch p.FormName() {
		case "metadata":
			if !withMetadata || seenMeta {
				p.Close()
				return nil, kerr.New(kerr.Invalid, "unexpected_part", "Yêu cầu tải lên có phần không mong đợi: metadata.", "unexpected or repeated part \"metadata\"")
			}
			seenMeta = true
			if up.meta, err = input.ParseMetadataJSON(p, s.cfg.MaxMetadataBytes); err != nil {
				p.Close()
				return nil, err
			}
			p.Close()
		case "file":
			if withMetadata && !seenMeta {
				p.Close()
				return nil, kerr.New(kerr.Invalid, "metadata_must_come_first", "Phần metadata phải được gửi trước phần tệp (file).", "the \"metadata\" part must precede the \"file\" part")
			}
			name, err := input.DispositionFileName(p.Header.Get("Content-Disposition"))
			if err != nil {
				p.Close()
				return nil, err
			}
			if name == "" {
				name = up.meta.FileName
			}
			up.file = archive.Upload{Body: p, Size: -1, FileName: name, MediaType: input.DeclaredType(p.Header.Get("Content-Type"))}
			up.closer = p
			return up, nil
		default:
			p.Close()
			return nil, kerr.New(kerr.Invalid, "unexpected_part", "Yêu cầu tải lên có phần không mong đợi: "+input.Printable(p.FormName())+".",
				"unexpected part %q; expected \"metadata\" then \"file\"", p.FormName())
		}
	}
}

// uploadError turns the vault's error for an upload into the one to send:
// the body limit tripping means the file was too large, whatever the vault
// made of the failed read.
func (s *Server) uploadError(up *upload, err error) error {
	if up.body.tripped {
		return fileTooLarge(s.cfg.MaxUploadBytes)
	}
	return err
}

func (up *upload) close() {
	if up.closer != nil {
		up.closer.Close()
	}
}
