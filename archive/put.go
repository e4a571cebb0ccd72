package archive

import (
	"bufio"
	"context"
	"errors"
	"io"
	"mime"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/storage"
)

// sniffBytes is how much of an upload is peeked to detect its type; it is
// mimetype's default read limit.
const sniffBytes = 4096

// defaultMediaTypes is what the vault accepts unless configured otherwise.
var defaultMediaTypes = []string{
	"application/pdf",
	"image/png",
	"image/jpeg",
	"image/tiff",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"application/vnd.oasis.opendocument.text",
	"application/vnd.oasis.opendocument.spreadsheet",
	"application/xml",
	"application/json",
	"text/plain",
}

// storedBlob is the outcome of streaming an upload into the blob store.
type storedBlob struct {
	Hash      string
	Size      int64
	MediaType string
	FileName  string
	// MaybeSigned says a PDF's bytes carry a signature mark (see
	// signatureMark): only then is the verifier run.
	MaybeSigned bool
}

// The errors of an upload come in one order, so that each mistake gets its
// own code whatever else is wrong (Put, AddVersion; the portal adds the
// first three):
//
//  1. the caller: unauthenticated (401), a declared Content-Length over the
//     limit (413 file_too_large), malformed parameters or multipart (400);
//  2. the vault: the owner (403/404), the source, the document type
//     (type_required, unknown_document_type), the metadata (name_required,
//     invalid_characters, …) and the typed fields (422
//     document_fields_invalid);
//  3. what the request says of the file, before a byte is read
//     (checkUploadHead): invalid_file_name, empty_file (a declared size of
//     0), file_too_large and quota_exceeded by the declared size;
//  4. what the first bytes show (storeUpload): empty_file,
//     unsupported_media_type (the detected type is not accepted, whatever
//     was declared), content_type_mismatch (accepted, but not what was
//     declared), then the checks of the content itself (a damaged PDF);
//  5. while the bytes stream in: file_too_large, quota_exceeded,
//     incomplete_upload.
//
// A missing file name is no error: the file is named from its detected type
// (storedFileName).

// checkUploadHead validates what can be checked before reading the body, in
// the order above: the file name when one is given, an empty body, the
// declared size. It returns the trimmed file name ("" when none was given).
func (s *Service) checkUploadHead(up Upload) (fileName string, err error) {
	if strings.TrimSpace(up.FileName) != "" {
		if fileName, err = validateFileName(up.FileName); err != nil {
			return "", err
		}
	}
	if up.Body == nil || up.Size == 0 {
		return "", invalid("empty_file", "Tệp tải lên rỗng.", "no body")
	}
	if up.Size > s.cfg.MaxUploadBytes {
		return "", errFileTooLarge(s.cfg.MaxUploadBytes)
	}
	return fileName, nil
}

// defaultFileStem names a file uploaded without a name: "giay-to.pdf".
const defaultFileStem = "giay-to"

// extensionAliases are the other extensions a stored file may keep for the
// type whose mimetype extension is the key.
var extensionAliases = map[string][]string{
	".jpg":  {".jpeg", ".jpe"},
	".tiff": {".tif"},
	".txt":  {".text"},
}

// storedFileName returns the name a file of detected type m is stored and
// served under: name's extension must be the type's (or an alias: .jpeg for
// a JPEG), so that text stored as "evil.html" is saved by a browser as
// "evil.txt", never opened as a page. A name whose last extension looks
// like one (2–5 ASCII letters and digits, a letter among them) gets it
// replaced; another name gets the extension added. A missing name is
// "giay-to" and the extension. The result stays within 255 bytes.
func storedFileName(name string, m *mimetype.MIME) string {
	ext := ""
	if m != nil {
		ext = m.Extension()
	}
	if name == "" {
		return defaultFileStem + ext
	}
	if ext == "" {
		return name
	}
	cur := strings.ToLower(path.Ext(name))
	if cur == ext || slices.Contains(extensionAliases[ext], cur) {
		return name
	}
	stem := name
	if looksLikeExtension(cur) && len(name) > len(cur) {
		stem = name[:len(name)-len(cur)]
	}
	for len(stem)+len(ext) > maxFileNameBytes {
		_, n := utf8.DecodeLastRuneInString(stem)
		stem = stem[:len(stem)-n]
	}
	if stem = strings.TrimRight(stem, " ."); stem == "" {
		stem = defaultFileStem
	}
	return stem + ext
}

// looksLikeExtension reports whether ext (with its dot) has the shape of a
// file extension: 2–5 ASCII letters and digits, at least one a letter.
func looksLikeExtension(ext string) bool {
	if len(ext) < 3 || len(ext) > 6 || ext[0] != '.' {
		return false
	}
	letter := false
	for _, c := range ext[1:] {
		switch {
		case c >= 'a' && c <= 'z':
			letter = true
		case c >= '0' && c <= '9':
		default:
			return false
		}
	}
	return letter
}

// FileNameFor returns the name a version whose content is of mediaType is
// served under: its stored name with the extension of its type (see
// storedFileName). Versions stored before that rule get it when served.
func FileNameFor(name, mediaType string) string {
	base, _, err := mime.ParseMediaType(mediaType)
	if err != nil {
		return storedFileName(name, nil)
	}
	return storedFileName(name, mimetype.Lookup(base))
}

// storeUpload peeks at the upload to detect and check its type, then
// streams it into the blob store, refusing cut-off and oversize bodies so
// that no blob is written for them. claim is told the blob's hash before
// the blob is committed (storage.Bucket.PutClaimed).
func (s *Service) storeUpload(ctx context.Context, up Upload, fileName string, claim func(context.Context, string) error) (storedBlob, error) {
	br := bufio.NewReaderSize(up.Body, sniffBytes)
	head, err := br.Peek(sniffBytes)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return storedBlob{}, kerr.Wrap(err, kerr.Invalid, "incomplete_upload",
			"Tệp tải lên không đầy đủ (bị ngắt giữa chừng hoặc sai kích thước khai báo); vui lòng tải lại.")
	}
	if len(head) == 0 {
		return storedBlob{}, invalid("empty_file", "Tệp tải lên rỗng.", "the upload has no bytes")
	}
	detected := mimetype.Detect(head)
	if !s.allowed(detected) {
		return storedBlob{}, invalid("unsupported_media_type",
			"Định dạng tệp không được hỗ trợ (chấp nhận PDF, ảnh PNG/JPEG/TIFF, DOCX, XLSX, ODT, ODS, XML, JSON, văn bản thuần TXT).",
			"detected type %q is not allowed", detected.String())
	}
	if err := matchDeclared(up.MediaType, detected); err != nil {
		return storedBlob{}, err
	}

	ur := &uploadReader{r: br, declared: up.Size, max: s.cfg.MaxUploadBytes}
	if s.cfg.Verifier != nil && detected.Is(mediaPDF) {
		ur.scan = &markScanner{}
	}
	if up.Size < 0 {
		ur.declared = -1
	}
	// A PDF is checked (checkPDF) while its bytes are made durable and
	// committed, from the staged bytes when the blob store can read them
	// back; the outcome counts only once the blob is stored, as if the
	// check had run after: an error of the write comes first, and a
	// refused PDF's blob is left unreferenced for the collector.
	hooks := storage.PutHooks{Claim: claim}
	var check *pdfCheck
	if detected.Is(mediaPDF) {
		hooks.Staged = func(r storage.ReaderAtCloser, n int64) { check = s.startPDFCheck(ctx, r, n) }
	}
	defer func() { check.stop() }()
	hash, size, err := s.blobs.PutWith(ctx, ur, s.cfg.MaxUploadBytes, hooks)
	if ur.err != nil {
		// Our own refusal: return it whatever the bucket made of it.
		return storedBlob{}, ur.err
	}
	if err != nil {
		if kerr.IsKind(err, kerr.TooLarge) {
			return storedBlob{}, errFileTooLarge(s.cfg.MaxUploadBytes)
		}
		return storedBlob{}, storeErr("store blob", err)
	}
	if ur.declared >= 0 && size != ur.declared {
		// The bucket stopped early without an error: treat it as cut off.
		return storedBlob{}, errIncomplete("stored %d bytes of a declared %d", size, ur.declared)
	}
	if detected.Is(mediaPDF) {
		if check != nil {
			err = check.wait()
		} else {
			err = s.checkPDF(ctx, hash, size)
		}
		if err != nil {
			return storedBlob{}, err
		}
	}
	return storedBlob{Hash: hash, Size: size, MediaType: detected.String(), FileName: storedFileName(fileName, detected),
		MaybeSigned: ur.scan != nil && ur.scan.found}, nil
}

// storeForCommit does what a write does before its metadata commit: it
// starts the write's intent in — charging in.Docs and the declared size to
// o within limit while the body streams in — stores the upload under it
// (storeCharged), verifies its signatures, and checks that the write may
// still commit (upload.fresh). On error the write is ended (upload.fail).
func (s *Service) storeForCommit(ctx context.Context, in UploadIntent, o Owner, limit int64, up Upload, fileName string) (*upload, storedBlob, *SignatureSummary, error) {
	docs := in.Docs
	in.Bytes = up.Size
	if up.Size < 0 {
		in.Bytes, in.Docs = 0, 0 // charged once the size is known
	}
	u := s.beginUpload(ctx, in, o, limit)
	blob, err := s.storeCharged(ctx, u, o, limit, up, fileName, docs)
	if err == nil {
		err = u.wait() // the charge, before any metadata
	}
	var sig *SignatureSummary
	if err == nil {
		sig = s.signatureOnStore(ctx, blob, u.claim)
		s.hooks.commit()
		err = u.fresh()
	}
	if err != nil {
		u.fail(ctx, true)
		return nil, storedBlob{}, nil, err
	}
	return u, blob, sig, nil
}

// storeCharged streams an upload into the blob store (storeUpload) under
// the intent u. With a declared size, beginUpload (started by the caller)
// charges the size and the documents to the owner while the body streams
// in and the blob is committed — on a remote metadata store those round
// trips cost about as much as writing a megabyte; the caller waits for the
// charge before the metadata commit. Without one, the charge runs after,
// under the same intent. The intent names the blob before the blob is committed or an
// existing copy is relied on (upload.claim), so a blob is never left
// behind by a failed or cut-off write without an intent that names it.
// On error the caller calls u.fail.
func (s *Service) storeCharged(ctx context.Context, u *upload, o Owner, limit int64, up Upload, fileName string, docs int64) (storedBlob, error) {
	blob, err := s.storeUpload(ctx, up, fileName, u.claim)
	if err != nil {
		if cerr := u.failedClaim(); cerr != nil {
			// The blob store only echoes the claim's refusal (a quota).
			return storedBlob{}, cerr
		}
		return storedBlob{}, err
	}
	if up.Size < 0 {
		if err := u.charge(ctx, o, blob.Size, docs, limit); err != nil {
			return storedBlob{}, err
		}
	}
	return blob, nil
}

// allowed reports whether the detected type itself (not a parent: HTML is
// text/plain's child but is not accepted) is in the allowed list.
func (s *Service) allowed(m *mimetype.MIME) bool {
	for _, t := range s.cfg.AllowedMediaTypes {
		if m.Is(t) {
			return true
		}
	}
	return false
}

// matchDeclared checks a declared media type against the detected one. The
// declared type matches when the detected type or one of its parents is it:
// JSON declared as text/plain or a DOCX declared as application/zip pass; a
// PNG declared as PDF does not. "" and application/octet-stream declare nothing.
func matchDeclared(declared string, detected *mimetype.MIME) error {
	declared = strings.TrimSpace(declared)
	if declared == "" {
		return nil
	}
	base, _, err := mime.ParseMediaType(declared)
	if err != nil {
		return invalid("invalid_media_type", "Kiểu tệp khai báo không hợp lệ.", "declared media type %q: %v", declared, err)
	}
	if base == "application/octet-stream" {
		return nil
	}
	for m := detected; m != nil && m.Parent() != nil; m = m.Parent() {
		if m.Is(base) {
			return nil
		}
	}
	return invalid("content_type_mismatch", "Nội dung tệp không khớp với kiểu tệp khai báo.",
		"declared %q but the content is %q", base, detected.String())
}

// uploadReader counts what the blob store reads and fails the read — so
// that the blob write aborts — when the body runs past the declared size or
// the upload limit, ends before the declared size, or breaks off.
type uploadReader struct {
	r        io.Reader
	declared int64 // -1 = unknown
	max      int64
	n        int64
	err      error
	scan     *markScanner // nil: not looking for signatures
}

func (u *uploadReader) Read(p []byte) (int, error) {
	if u.err != nil {
		return 0, u.err
	}
	n, err := u.r.Read(p)
	u.n += int64(n)
	switch {
	case u.n > u.max:
		u.err = errFileTooLarge(u.max)
	case u.declared >= 0 && u.n > u.declared:
		u.err = errIncomplete("the body is longer than the declared %d bytes", u.declared)
	case errors.Is(err, io.EOF) && u.declared >= 0 && u.n < u.declared:
		u.err = errIncomplete("the body ended after %d of a declared %d bytes", u.n, u.declared)
	case err != nil && !errors.Is(err, io.EOF):
		u.err = kerr.Wrap(err, kerr.Invalid, "incomplete_upload",
			"Tệp tải lên không đầy đủ (bị ngắt giữa chừng hoặc sai kích thước khai báo); vui lòng tải lại.")
	}
	if u.err != nil {
		return 0, u.err
	}
	if u.scan != nil {
		u.scan.feed(p[:n])
	}
	return n, err
}
