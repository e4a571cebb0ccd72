package input

import (
	"io"
	"mime"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// UploadMetadata is the description of a new document, sent as the JSON
// "metadata" part of a multipart upload or as query parameters of a raw
// one. Parsing it is separate from the vault's validation of the values.
type UploadMetadata struct {
	OwnerID       string              `json:"ownerId,omitempty"`
	TypeCode      string              `json:"typeCode"`
	Name          string              `json:"name"`
	Summary       string              `json:"summary,omitempty"`
	Number        string              `json:"number,omitempty"`
	Issuer        string              `json:"issuer,omitempty"`
	IssueDate     archive.Date        `json:"issueDate,omitzero"`
	ValidFrom     archive.Date        `json:"validFrom,omitzero"`
	ValidUntil    archive.Date        `json:"validUntil,omitzero"`
	Permanent     bool                `json:"permanent,omitempty"`
	ValidityScope string              `json:"validityScope,omitempty"`
	Source        archive.Source      `json:"source,omitempty"`
	Fields        archive.FieldValues `json:"fields,omitempty"`
	// FileName is used when the file part (or the raw request) names none.
	FileName string `json:"fileName,omitempty"`
}

// Metadata returns the archive form.
func (m UploadMetadata) Metadata() archive.Metadata {
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

// ParseMetadataJSON reads the JSON metadata of a multipart upload (at most
// max bytes). Invalid "invalid_json", "unknown_field", "invalid_value"…;
// TooLarge "metadata_too_large".
func ParseMetadataJSON(rd io.Reader, max int64) (UploadMetadata, error) {
	b, err := io.ReadAll(io.LimitReader(rd, max+1))
	if err != nil {
		return UploadMetadata{}, kerr.Wrap(err, kerr.Invalid, "invalid_multipart", "Không đọc được phần metadata của yêu cầu tải lên.")
	}
	if int64(len(b)) > max {
		return UploadMetadata{}, kerr.New(kerr.TooLarge, "metadata_too_large", "Phần metadata vượt quá giới hạn "+HumanBytes(max)+".",
			"the metadata part is larger than %d bytes", max)
	}
	if !utf8.Valid(b) {
		return UploadMetadata{}, kerr.New(kerr.Invalid, "invalid_json", "Dữ liệu JSON không hợp lệ: không phải UTF-8.", "metadata is not valid UTF-8")
	}
	var m UploadMetadata
	if err := DecodeStrict(strings.NewReader(string(b)), &m, max); err != nil {
		return UploadMetadata{}, err
	}
	if err := checkMetadata(m); err != nil {
		return UploadMetadata{}, err
	}
	return m, nil
}

// ParseMetadataQuery reads the metadata of a raw upload from its query.
func ParseMetadataQuery(q url.Values) (UploadMetadata, error) {
	if err := CheckQuery(q, metadataParams); err != nil {
		return UploadMetadata{}, err
	}
	m := UploadMetadata{
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
		if *d.to, err = DateParam(q, d.name); err != nil {
			return UploadMetadata{}, err
		}
	}
	if v := q.Get("permanent"); v != "" {
		if m.Permanent, err = strconv.ParseBool(v); err != nil {
			return UploadMetadata{}, kerr.New(kerr.Invalid, "invalid_parameter", "Tham số permanent phải là true hoặc false.", "permanent=%q is not a boolean", v)
		}
	}
	if v := q.Get("fields"); v != "" {
		// The rules of a form's data: see archive.ParseFields.
		if m.Fields, err = archive.ParseFields([]byte(v)); err != nil {
			return UploadMetadata{}, err
		}
	}
	if err := checkMetadata(m); err != nil {
		return UploadMetadata{}, err
	}
	return m, nil
}

// checkMetadata refuses what is wrong whatever the vault's rules: an
// unknown source. Field contents are the vault's to judge.
func checkMetadata(m UploadMetadata) error {
	if m.Source != "" && !m.Source.Valid() {
		return kerr.New(kerr.Invalid, "invalid_source", "Nguồn giấy tờ không hợp lệ.", "unknown source %q", Printable(string(m.Source)))
	}
	return nil
}

// DispositionFileName returns the file name of a Content-Disposition
// header, decoding RFC 5987 filename*; it keeps any path so that the vault
// refuses it rather than the portal silently shortening it.
func DispositionFileName(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	_, params, err := mime.ParseMediaType(v)
	if err != nil {
		return "", kerr.New(kerr.Invalid, "invalid_content_disposition", "Tiêu đề Content-Disposition không hợp lệ.", "%v", err)
	}
	return params["filename"], nil
}

// DeclaredType returns the bare media type of a Content-Type value ("" if
// none or unparsable).
func DeclaredType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	return mt
}
