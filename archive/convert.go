package archive

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path"
	"strings"

	"github.com/kho-vn/kho/internal/kerr"
)

// officeTypes maps the media types of the office files a version may be
// converted from to the extension the converter is told.
var officeTypes = map[string]string{
	"application/msword": ".doc",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
	"application/vnd.ms-excel": ".xls",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
	"application/vnd.oasis.opendocument.text":                           ".odt",
	"application/vnd.oasis.opendocument.spreadsheet":                    ".ods",
	"text/rtf":        ".rtf",
	"application/rtf": ".rtf",
}

// genericTypes are detected types that do not say which office format a
// file is (an OLE container, a zip): its name's extension then decides.
var genericTypes = []string{"application/x-ole-storage", "application/zip", "application/octet-stream", "text/plain"}

// imageTypes are the images converted to PDF by pdfcpu.
var imageTypes = []string{"image/jpeg", "image/png", "image/tiff"}

// sourceKind is what a version is, for conversion.
type sourceKind int

const (
	kindNone sourceKind = iota
	kindOffice
	kindImage
	kindPDF
)

// convertible says what v is and, for an office file, its extension.
func convertible(v Version) (sourceKind, string) {
	mt := strings.ToLower(v.MediaType)
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = strings.TrimSpace(mt[:i])
	}
	if ext, ok := officeTypes[mt]; ok {
		return kindOffice, ext
	}
	for _, t := range imageTypes {
		if mt == t {
			return kindImage, ""
		}
	}
	if mt == mediaPDF {
		return kindPDF, ""
	}
	for _, g := range genericTypes {
		if mt == g {
			ext := strings.ToLower(path.Ext(v.FileName))
			for _, e := range officeTypes {
				if ext == e {
					return kindOffice, ext
				}
			}
		}
	}
	return kindNone, ""
}

// Convertible reports whether version v can be converted to t: an office
// file or an image to PDF or PDF/A, or a PDF to PDF/A (refused later if
// it is signed).
func Convertible(v Version, t Target) bool {
	k, _ := convertible(v)
	return k == kindOffice || k == kindImage || (k == kindPDF && t == TargetPDFA2b)
}

// ConvertResult is the outcome of the conversion of one version.
type ConvertResult struct {
	DocumentID string `json:"documentId"`
	Version    int    `json:"version"`
	FileName   string `json:"fileName,omitempty"`
	// Rendition is the stored rendition, when the conversion succeeded.
	Rendition *Rendition `json:"rendition,omitempty"`
	// Existing says the rendition was there already (nothing converted).
	Existing bool `json:"existing,omitempty"`
	// Err is why it failed (a *kerr.Error), nil when it succeeded.
	Err error `json:"-"`
}

// renditionMaxBytes bounds a rendition's PDF: twice the largest upload,
// at least 64 MB.
func (s *Service) renditionMaxBytes() int64 {
	return max(2*s.cfg.MaxUploadBytes, 64<<20)
}

// checkConverter refuses actors other than staff and admin: conversion
// is the archive's work, for an official purpose.
func checkConverter(a Actor) error {
	if err := checkActor(a); err != nil {
		return err
	}
	if a.Role != RoleStaff && a.Role != RoleAdmin {
		return kerr.New(kerr.Permission, "staff_only", "Chỉ cán bộ lưu trữ mới được chuyển đổi giấy tờ.",
			"role %q may not convert papers", a.Role)
	}
	return nil
}

// Convert makes the rendition of version n (0 = current) of a document as
// target t, stores it as a blob of its own and records it, linked to the
// version, which is never changed. Converting again returns the stored
// rendition (ConvertResult.Existing) without converting. Only staff and
// admin convert, and only with a purpose: the read of the version is
// recorded in the owner's ledger as a download whose purpose names the
// conversion, before the converter gets a byte.
//
// Office files (.doc, .docx, .xls, .xlsx, .odt, .ods, .rtf) go to the
// converter (Config.Converter); images (JPEG, PNG, TIFF) become a PDF
// through pdfcpu, and PDF/A through the converter; an unsigned PDF
// becomes PDF/A through the converter. Refusals, each with nothing
// stored: Permission "staff_only"; Invalid "purpose_required",
// "invalid_target", "not_convertible", "already_pdf",
// "signed_pdf_not_converted" (a signed PDF is never re-rendered),
// "office_password_protected", "office_zip_bomb", "office_damaged",
// "image_too_large", "image_damaged"; the converter's errors (Invalid
// "conversion_refused", Unavailable "converter_timeout",
// "converter_unavailable", "converter_cut_off", "converter_failed",
// TooLarge "conversion_too_large"); NotFound for the document or version.
func (s *Service) Convert(ctx context.Context, a Actor, id string, n int, t Target, acc Access) (ConvertResult, error) {
	res := ConvertResult{DocumentID: id, Version: n}
	if err := checkConverter(a); err != nil {
		return res, err
	}
	if !t.Valid() {
		return res, invalid("invalid_target", "Định dạng đích không hợp lệ (pdf hoặc pdfa-2b).", "target %q", t)
	}
	d, v, acc, err := s.readVersion(ctx, a, id, n, acc)
	if err != nil {
		return res, err
	}
	res.Version, res.FileName = v.N, v.FileName
	r, existing, err := s.convertVersion(ctx, a, d, v, t, acc)
	if err != nil {
		return res, err
	}
	res.Rendition, res.Existing = &r, existing
	return res, nil
}

// convertVersion converts v of d (see Convert), or returns its stored
// rendition.
func (s *Service) convertVersion(ctx context.Context, a Actor, d Document, v Version, t Target, acc Access) (Rendition, bool, error) {
	key := RenditionKey(d.ID, v.N, t)
	if r, err := s.store.GetRendition(ctx, key); err == nil {
		return r, true, nil
	} else if !kerr.IsKind(err, kerr.NotFound) {
		return Rendition{}, false, storeErr("get rendition", err)
	}
	kind, ext := convertible(v)
	switch {
	case kind == kindNone:
		return Rendition{}, false, invalid("not_convertible",
			"Giấy tờ này không chuyển đổi được sang PDF (chỉ tệp văn phòng .doc, .docx, .xls, .xlsx, .odt, .ods, .rtf, ảnh JPEG, PNG, TIFF và PDF chưa ký).",
			"version %d of %s has media type %q", v.N, d.ID, v.MediaType)
	case kind == kindPDF && t == TargetPDF:
		return Rendition{}, false, invalid("already_pdf", "Giấy tờ đã là tệp PDF.", "version %d of %s is a PDF already", v.N, d.ID)
	case kind == kindPDF:
		signed, err := s.signedPDF(ctx, v)
		if err != nil {
			return Rendition{}, false, err
		}
		if signed {
			return Rendition{}, false, invalid("signed_pdf_not_converted",
				"Tệp PDF có chữ ký số không được chuyển đổi lại (việc đó làm hỏng chữ ký); bản gốc đã ký được giữ nguyên để lưu trữ.",
				"version %d of %s carries a signature: never re-rendered", v.N, d.ID)
		}
	}
	conv := s.cfg.Converter
	if conv == nil && (kind != kindImage || t != TargetPDF) {
		return Rendition{}, false, errConverterMissing()
	}
	// Check the file before anything is sent or recorded.
	switch kind {
	case kindOffice:
		if err := s.withBlobAt(ctx, v, func(r io.ReaderAt) error { return checkOffice(r, v.Size, ext) }); err != nil {
			return Rendition{}, false, err
		}
	case kindImage:
		if err := s.withBlobAt(ctx, v, func(r io.ReaderAt) error { return checkImage(r, v.Size, v.MediaType) }); err != nil {
			return Rendition{}, false, err
		}
	}
	acc.Purpose = "chuyển đổi sang " + t.Label() + ": " + acc.Purpose
	if err := s.record(ctx, a, ActionDownload, d, v.N, acc); err != nil {
		return Rendition{}, false, err
	}

	var out io.ReadCloser
	var name string
	level := t.pdfaLevel()
	switch kind {
	case kindOffice:
		src, err := s.blobs.OpenRange(ctx, v.Blob, 0, -1)
		if err != nil {
			return Rendition{}, false, contentErr(err)
		}
		defer src.Close()
		out, err = conv.OfficeToPDF(ctx, "document"+ext, src, level)
		if err != nil {
			return Rendition{}, false, err
		}
		name = conv.Name(level)
	case kindPDF:
		src, err := s.blobs.OpenRange(ctx, v.Blob, 0, -1)
		if err != nil {
			return Rendition{}, false, contentErr(err)
		}
		defer src.Close()
		out, err = conv.PDFToPDFA(ctx, src, level)
		if err != nil {
			return Rendition{}, false, err
		}
		name = conv.Name(level)
	case kindImage:
		var pdf bytes.Buffer
		err := s.withBlobAt(ctx, v, func(r io.ReaderAt) error {
			return imageToPDF(io.NewSectionReader(r, 0, v.Size), &pdf)
		})
		if err != nil {
			return Rendition{}, false, err
		}
		name = "pdfcpu"
		out = io.NopCloser(&pdf)
		if level != "" {
			out, err = conv.PDFToPDFA(ctx, &pdf, level)
			if err != nil {
				return Rendition{}, false, err
			}
			name = "pdfcpu, " + conv.Name(level)
		}
	}
	defer out.Close()
	r := Rendition{Key: RenditionKey(d.ID, v.N, t), DocumentID: d.ID, OwnerID: d.OwnerID, Version: v.N, Source: v.Blob,
		Target: t, MediaType: mediaPDF, FileName: renditionFileName(v.FileName, t), Converter: name, CreatedBy: a.Subject}
	return s.storeRendition(ctx, a, r, out)
}

// storeRendition stores the PDF read from out as r's blob, checks it, and
// then records r: blob first, then metadata. The write's intent names the
// blob before it is committed (as an upload's does), so a rendition that
// fails leaves at worst a blob the collector deletes.
func (s *Service) storeRendition(ctx context.Context, a Actor, r Rendition, out io.Reader) (Rendition, bool, error) {
	u := s.beginUpload(ctx, s.newIntent(a, r.OwnerID, r.DocumentID, 0), Owner{ID: r.OwnerID}, -1)
	limit := s.renditionMaxBytes()
	hash, size, err := s.blobs.PutClaimed(ctx, out, limit, u.claim)
	if err == nil {
		err = u.wait()
	}
	if err == nil {
		if err = s.checkPDF(ctx, hash, size); err != nil {
			err = kerr.Wrap(err, kerr.Unavailable, "converter_bad_answer",
				"Dịch vụ chuyển đổi tệp trả về tệp PDF hỏng; vui lòng thử lại sau.")
		}
	}
	if err == nil {
		err = u.fresh()
	}
	if err != nil {
		u.fail(ctx, true)
		if ke := kerr.Outer(err); ke != nil && ke.Kind != kerr.Internal {
			if ke.Kind == kerr.TooLarge && ke.Code != "conversion_too_large" {
				return Rendition{}, false, kerr.Wrap(err, kerr.TooLarge, "conversion_too_large",
					"Tệp PDF sau chuyển đổi vượt quá dung lượng cho phép ("+formatBytes(limit)+").")
			}
			return Rendition{}, false, err
		}
		return Rendition{}, false, storeErr("store rendition", err)
	}
	r.Blob, r.Size, r.CreatedAt = hash, size, s.nowUTC()
	got, inserted, err := s.store.AddRendition(ctx, r)
	if err != nil {
		u.fail(ctx, !kerr.IsKind(err, kerr.Unavailable))
		return Rendition{}, false, storeErr("add rendition", err)
	}
	u.done()
	return got, !inserted, nil
}

// withBlobAt calls fn with the version's blob as an io.ReaderAt (range
// reads: the blob is never read whole into memory).
func (s *Service) withBlobAt(ctx context.Context, v Version, fn func(io.ReaderAt) error) error {
	rs := s.blobs.NewReadSeeker(ctx, v.Blob, v.Size)
	defer rs.Close()
	err := fn(&seekerAt{rs: rs})
	var ce *contentReadErr
	if errors.As(err, &ce) {
		return contentErr(ce.err)
	}
	return err
}

// seekerAt reads a ReadSeeker at offsets (for one goroutine), marking its
// read errors as the blob's (contentReadErr).
type seekerAt struct {
	rs  io.ReadSeeker
	off int64
}

func (r *seekerAt) ReadAt(p []byte, off int64) (int, error) {
	if off != r.off {
		if _, err := r.rs.Seek(off, io.SeekStart); err != nil {
			return 0, &contentReadErr{err}
		}
		r.off = off
	}
	n, err := io.ReadFull(r.rs, p)
	r.off += int64(n)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = io.EOF
	}
	if err != nil && err != io.EOF {
		return n, &contentReadErr{err}
	}
	return n, err
}

// contentReadErr is a failed read of a stored blob (not of bad content).
type contentReadErr struct{ err error }

func (e *contentReadErr) Error() string { return e.err.Error() }
func (e *contentReadErr) Unwrap() error { return e.err }

// signedPDF reports whether a PDF version carries a signature: its
// summary says so, or, unchecked, its bytes hold a signature dictionary's
// /ByteRange (a PDF that only mentions the word is refused too: refusing
// a conversion loses nothing, breaking a signature would).
func (s *Service) signedPDF(ctx context.Context, v Version) (bool, error) {
	if v.Signature != nil && v.Signature.Signed {
		return true, nil
	}
	rc, err := s.blobs.OpenRange(ctx, v.Blob, 0, -1)
	if err != nil {
		return false, contentErr(err)
	}
	defer rc.Close()
	var m markScanner
	buf := make([]byte, 64<<10)
	for !m.found {
		n, err := rc.Read(buf)
		m.feed(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return false, contentErr(err)
		}
	}
	return m.found, nil
}
