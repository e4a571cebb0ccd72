package portal

import (
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// multipartOverhead is what an upload may carry beyond the file itself:
// the metadata part, part headers and boundaries.
const multipartOverhead = 1 << 20

// uploadMetadata is the description of a new document, sent as the JSON
// "metadata" part of a multipart upload or as query parameters of a raw
// one. Parsing it is separate from the vault's validation of the values.
type uploadMetadata struct {
	OwnerID       string         `json:"ownerId,omitempty"`
	TypeCode      string         `json:"typeCode"`
	Name          string         `json:"name"`
	Summary       string         `json:"summary,omitempty"`
	Number        string         `json:"number,omitempty"`
	Issuer        string         `json:"issuer,omitempty"`
	IssueDate     archive.Date   `json:"issueDate,omitzero"`
	ValidFrom     archive.Date   `json:"validFrom,omitzero"`
	ValidUntil    archive.Date   `json:"validUntil,omitzero"`
	Permanent     bool           `json:"permanent,omitempty"`
	ValidityScope string         `json:"validityScope,omitempty"`
	Source        archive.Source `json:"source,omitempty"`
	Fields        map[string]any `json:"fields,omitempty"`
	// FileName is used when the file part (or the raw request) names none.
	FileName string `json:"fileName,omitempty"`
}

// metadata returns the archive form.
func (m uploadMetadata) metadata() archive.Metadata {
	return archive.Metadata{
		TypeCode:      m.TypeCode,
		Name:          m.Name,
		Summary:       m.Summary,
		Number:        m.Number,
		Issuer:        m.Issuer,
		IssueDate:     m.IssueDate,
		ValidFrom:     m.ValidFrom,
		ValidUntil:    m.ValidUntil,
		Permanent:     m.Permanent,
		ValidityScope: m.ValidityScope,
		Fields:        m.Fields,
	}
}

// metadataParams are the query parameters of a raw upload.
var metadataParams = []string{"owner", "type", "name", "summary", "number", "issuer", "issueDate", "validFrom",
	"validUntil", "permanent", "validityScope", "source", "fields", "filename"}

// parseMetadataJSON reads the JSON metadata of a multipart upload (at most
// max bytes). Invalid "invalid_json", "unknown_field", "invalid_value"…;
// TooLarge "metadata_too_large".
func parseMetadataJSON(rd io.Reader, max int64) (uploadMetadata, error) {
	b, err := io.ReadAll(io.LimitReader(rd, max+1))
	if err != nil {
		return uploadMetadata{}, kerr.Wrap(err, kerr.Invalid, "invalid_multipart", "Không đọc được phần metadata của yêu cầu tải lên.")
	}
	if int64(len(b)) > max {
		return uploadMetadata{}, kerr.New(kerr.TooLarge, "metadata_too_large", "Phần metadata vượt quá giới hạn "+humanBytes(max)+".",
			"the metadata part is larger than %d bytes", max)
	}
	if !utf8.Valid(b) {
		return uploadMetadata{}, kerr.New(kerr.Invalid, "invalid_json", "Dữ liệu JSON không hợp lệ: không phải UTF-8.", "metadata is not valid UTF-8")
	}
	var m uploadMetadata
	if err := decodeStrict(strings.NewReader(string(b)), &m, max); err != nil {
		return uploadMetadata{}, err
	}
	if err := checkMetadata(m); err != nil {
		return uploadMetadata{}, err
	}
	return m, nil
}

// parseMetadataQuery reads the metadata of a raw upload from its query.
func parseMetadataQuery(q url.Values) (uploadMetadata, error) {
	if err := checkQuery(q, metadataParams); err != nil {
		return uploadMetadata{}, err
	}
	m := uploadMetadata{
		OwnerID:       q.Get("owner"),
		TypeCode:      q.Get("type"),
		Name:          q.Get("name"),
		Summary:       q.Get("summary"),
		Number:        q.Get("number"),
		Issuer:        q.Get("issuer"),
		ValidityScope: q.Get("validityScope"),
		Source:        archive.Source(q.Get("source")),
		FileName:      q.Get("filename"),
	}
	var err error
	for _, d := range []struct {
		name string
		to   *archive.Date
	}{{"issueDate", &m.IssueDate}, {"validFrom", &m.ValidFrom}, {"validUntil", &m.ValidUntil}} {
		if *d.to, err = dateParam(q, d.name); err != nil {
			return uploadMetadata{}, err
		}
	}
	if v := q.Get("permanent"); v != "" {
		if m.Permanent, err = strconv.ParseBool(v); err != nil {
			return uploadMetadata{}, kerr.New(kerr.Invalid, "invalid_parameter", "Tham số permanent phải là true hoặc false.", "permanent=%q is not a boolean", v)
		}
	}
	if v := q.Get("fields"); v != "" {
		if err := decodeStrict(strings.NewReader(v), &m.Fields, int64(len(v))); err != nil || m.Fields == nil {
			return uploadMetadata{}, kerr.New(kerr.Invalid, "invalid_parameter", "Tham số fields phải là một đối tượng JSON.", "fields is not a JSON object")
		}
	}
	if err := checkMetadata(m); err != nil {
		return uploadMetadata{}, err
	}
	return m, nil
}

// checkMetadata refuses what is wrong whatever the vault's rules: an
// unknown source. Field contents are the vault's to judge.
func checkMetadata(m uploadMetadata) error {
	if m.Source != "" && !m.Source.Valid() {
		return kerr.New(kerr.Invalid, "invalid_source", "Nguồn tài liệu không hợp lệ.", "unknown source %q", printable(string(m.Source)))
	}
	return nil
}

// dispositionFileName returns the file name of a Content-Disposition
// header, decoding RFC 5987 filename*; it keeps any path so that the vault
// refuses it rather than the portal silently shortening it.
func dispositionFileName(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	_, params, err := mime.ParseMediaType(v)
	if err != nil {
		return "", kerr.New(kerr.Invalid, "invalid_content_disposition", "Tiêu đề Content-Disposition không hợp lệ.", "%v", err)
	}
	return params["filename"], nil
}

// declaredType returns the bare media type of a Content-Type value ("" if
// none or unparsable).
func declaredType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	return mt
}

// countingBody limits a request body and remembers whether the limit was hit.
type countingBody struct {
	rc      io.ReadCloser
	tripped bool
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && isMaxBytes(err) {
		b.tripped = true
	}
	return n, err
}

func (b *countingBody) Close() error { return b.rc.Close() }

// upload is a parsed upload request: metadata (for new documents) and the
// streamed file.
type upload struct {
	meta   uploadMetadata
	file   archive.Upload
	body   *countingBody
	closer io.Closer
}

// readUpload parses an upload request of either form without reading the
// file: multipart/form-data with a "metadata" part (when withMetadata)
// followed by a "file" part, or a raw body with metadata in the query.
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request, withMetadata bool) (*upload, error) {
	max := s.cfg.MaxUploadBytes
	isMultipart := declaredType(r.Header.Get("Content-Type")) == "multipart/form-data"
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
			up.meta, err = parseMetadataQuery(r.URL.Query())
		} else {
			var q url.Values
			q, err = query(r, "filename")
			up.meta.FileName = q.Get("filename")
		}
		if err != nil {
			return nil, err
		}
		name := up.meta.FileName
		if name == "" {
			if name, err = dispositionFileName(r.Header.Get("Content-Disposition")); err != nil {
				return nil, err
			}
		}
		// ContentLength is -1 when the length is unknown (chunked).
		up.file = archive.Upload{Body: body, Size: r.ContentLength, FileName: name, MediaType: declaredType(r.Header.Get("Content-Type"))}
		return up, nil
	}
	if _, err := query(r); err != nil {
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
			if up.meta, err = parseMetadataJSON(p, s.cfg.MaxMetadataBytes); err != nil {
				p.Close()
				return nil, err
			}
			p.Close()
		case "file":
			if withMetadata && !seenMeta {
				p.Close()
				return nil, kerr.New(kerr.Invalid, "metadata_must_come_first", "Phần metadata phải được gửi trước phần tệp (file).", "the \"metadata\" part must precede the \"file\" part")
			}
			name, err := dispositionFileName(p.Header.Get("Content-Disposition"))
			if err != nil {
				p.Close()
				return nil, err
			}
			if name == "" {
				name = up.meta.FileName
			}
			up.file = archive.Upload{Body: p, Size: -1, FileName: name, MediaType: declaredType(p.Header.Get("Content-Type"))}
			up.closer = p
			return up, nil
		default:
			p.Close()
			return nil, kerr.New(kerr.Invalid, "unexpected_part", "Yêu cầu tải lên có phần không mong đợi: "+printable(p.FormName())+".",
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
