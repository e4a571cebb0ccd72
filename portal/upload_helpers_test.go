package portal_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"strings"
	"testing"

	"github.com/kho-vn/kho/internal/pdfobj"
)

// pdf returns a small valid (empty) PDF whose bytes depend on text, kept
// in a comment: the vault refuses damaged PDFs.
func pdf(text string) []byte {
	return pdfobj.Assemble("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n% "+text+"\n", "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>")
}

// pngImage returns a small valid PNG.
func pngImage(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	img.Set(1, 1, color.RGBA{200, 10, 10, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// rawUpload is a raw-body upload: the body is the file, metadata in the query.
type rawUpload struct {
	token       string
	query       url.Values
	contentType string
	disposition string // Content-Disposition header, "" for none
	data        []byte
	expect      expectation
	chunked     bool
}

func (e *env) uploadRaw(u rawUpload) result {
	e.t.Helper()
	h := map[string]string{}
	if u.disposition != "" {
		h["Content-Disposition"] = u.disposition
	}
	return e.do(call{method: "POST", path: "/api/v1/documents?" + u.query.Encode(), token: u.token, body: u.data,
		contentType: u.contentType, header: h, expect: u.expect, chunked: u.chunked})
}

// part is one part of a multipart body.
type part struct {
	name, fileName, contentType string
	data                        []byte
	rawDisposition              string // overrides the Content-Disposition built from name and fileName
}

// multipartBody builds a multipart/form-data body.
func multipartBody(t *testing.T, parts ...part) (body []byte, contentType string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		cd := p.rawDisposition
		if cd == "" {
			cd = fmt.Sprintf(`form-data; name=%q`, p.name)
			if p.fileName != "" {
				cd += fmt.Sprintf(`; filename=%q`, p.fileName)
			}
		}
		h.Set("Content-Disposition", cd)
		if p.contentType != "" {
			h.Set("Content-Type", p.contentType)
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		pw.Write(p.data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), w.FormDataContentType()
}

func metadataPart(t *testing.T, meta any) part {
	t.Helper()
	b, err := json.Marshal(meta)
	if err != nil {
		t.Fatal(err)
	}
	return part{name: "metadata", contentType: "application/json", data: b}
}

func (e *env) uploadMultipart(token string, expect expectation, parts ...part) result {
	e.t.Helper()
	body, ct := multipartBody(e.t, parts...)
	return e.do(call{method: "POST", path: "/api/v1/documents", token: token, body: body, contentType: ct, expect: expect})
}

// birthCert uploads a birth certificate (KHAI_SINH) for owner as citizen
// token, raw form, and returns the document.
func (e *env) birthCert(token, owner, name string, data []byte) document {
	e.t.Helper()
	q := url.Values{"owner": {owner}, "type": {"KHAI_SINH"}, "name": {name}, "summary": {"Bản chính " + name},
		"fields": {`{"hoTen":"Nguyễn Văn An","ngaySinh":"1999-05-01"}`}, "issueDate": {"2000-01-10"}, "permanent": {"true"}}
	r := e.uploadRaw(rawUpload{token: token, query: q, contentType: "application/pdf",
		disposition: `attachment; filename*=UTF-8''` + url.PathEscape(strings.ReplaceAll(name, " ", "-")+".pdf"), data: data})
	r.want(e.t, 201, "")
	var d document
	r.json(e.t, &d)
	return d
}

// document is the API's document JSON, as far as the tests read it.
type document struct {
	ID              string         `json:"id"`
	OwnerID         string         `json:"ownerId"`
	TypeCode        string         `json:"typeCode"`
	Name            string         `json:"name"`
	Summary         string         `json:"summary"`
	Status          string         `json:"status"`
	EffectiveStatus string         `json:"effectiveStatus"`
	Fields          map[string]any `json:"fields"`
	Current         version        `json:"current"`
	VersionCount    int            `json:"versionCount"`
	ReuseCount      int64          `json:"reuseCount"`
	Rev             int64          `json:"rev"`
	Signature       *signature     `json:"signature"`
}

type version struct {
	N         int        `json:"n"`
	Blob      string     `json:"blob"`
	Size      int64      `json:"size"`
	MediaType string     `json:"mediaType"`
	FileName  string     `json:"fileName"`
	Change    string     `json:"change"`
	Source    string     `json:"source"`
	Signature *signature `json:"signature"`
}

// signature is a version's signature summary.
type signature struct {
	Signed        bool     `json:"signed"`
	Count         int      `json:"count"`
	Verdict       string   `json:"verdict"`
	SubIndication string   `json:"subIndication"`
	Signers       []string `json:"signers"`
	Level         string   `json:"level"`
	Message       string   `json:"message"`
	Report        string   `json:"report"`
}
