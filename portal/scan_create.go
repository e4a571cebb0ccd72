package portal

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
	"github.com/kho-vn/kho/workflow"
)

// The digitisation API (archive/scan*.go): a batch of scanned pages
// becomes a pending batch (one searchable PDF, its OCR text and key
// fields), which the archivist reads, then confirms into the owner's
// vault signed with their key. Only staff holding the archivist position
// in the staff directory, for their agency: a citizen gets 403
// staff_only, other staff 403 archivist_only, an admin (no agency) 403
// not_agency_staff, before anything is read; another agency's batch is
// 404 scan_not_found.

// defaultMaxScanBatchBytes bounds a batch's body when
// Config.MaxScanBatchBytes is not set, as the archivists' page does.
const defaultMaxScanBatchBytes = 1 << 30

// scanMetadata is the "metadata" part of POST /api/v1/scans.
type scanMetadata struct {
	Owner    string `json:"owner"`
	TypeCode string `json:"typeCode"`
	Device   string `json:"device"`
	Purpose  string `json:"purpose,omitempty"`
}

// scanArchivist is the caller when they may digitise: staff holding the
// archivist position, acting for their directory entry's agency.
func (s *Server) scanArchivist(r *http.Request) (archive.Actor, error) {
	a := actorOf(r)
	switch a.Role {
	case archive.RoleCitizen:
		return a, kerr.New(kerr.Permission, "staff_only", "Chỉ cán bộ được thực hiện thao tác này.", "citizens may not digitise")
	case archive.RoleAdmin:
		return a, kerr.New(kerr.Permission, "not_agency_staff", "Số hoá giấy tờ dành cho cán bộ lưu trữ của một cơ quan.",
			"admin %q acts for no agency", a.Subject)
	}
	wf, err := s.workflowService()
	if err != nil {
		return a, err
	}
	m, err := wf.StaffMember(r.Context(), a, a.Subject)
	if err != nil && !kerr.IsKind(err, kerr.NotFound) {
		return a, err
	}
	if err != nil || !m.Active || !m.Holds(workflow.RoleArchivist) || m.Agency == "" {
		return a, kerr.New(kerr.Permission, "archivist_only", "Chỉ cán bộ lưu trữ được số hoá giấy tờ.",
			"staff %q does not hold the archivist position", a.Subject)
	}
	if a.Agency != "" && a.Agency != m.Agency {
		return a, kerr.New(kerr.Permission, "not_agency_staff", "Số hoá giấy tờ dành cho cán bộ lưu trữ của một cơ quan.",
			"the token acts for %q, the directory puts %q in %q", a.Agency, a.Subject, m.Agency)
	}
	a.Agency = m.Agency
	return a, nil
}

// scanCaller is the archivist of a request that takes no query
// parameter, or false when the error is written.
func (s *Server) scanCaller(w http.ResponseWriter, r *http.Request) (archive.Actor, bool) {
	a, err := s.scanArchivist(r)
	if err == nil {
		_, err = input.Query(r)
	}
	if err != nil {
		s.writeError(w, r, err)
		return a, false
	}
	return a, true
}

// createScan is POST /api/v1/scans: multipart/form-data with the
// "metadata" part (JSON: owner, typeCode, device, purpose) first, then one "page"
// part for each page image (JPEG, PNG or TIFF), each spooled to a
// temporary file as it arrives (the body bounded by MaxScanBatchBytes, at
// most archive.MaxScanPages files). The batch is recognised
// (archive.ScanBatch) and kept pending: 201 with it, its revision as
// ETag. A file that is refused is listed in the batch's errors with its
// own code and message and the batch goes on; nothing is stored when no
// page is usable.
func (s *Server) createScan(w http.ResponseWriter, r *http.Request) {
	a, ok := s.scanCaller(w, r)
	if !ok {
		return
	}
	if input.DeclaredType(r.Header.Get("Content-Type")) != "multipart/form-data" {
		s.writeError(w, r, kerr.New(kerr.Invalid, "unsupported_content_type", "Lô trang quét phải được gửi dạng multipart/form-data.",
			"content type %q", r.Header.Get("Content-Type")))
		return
	}
	limit := s.cfg.MaxScanBatchBytes
	if limit <= 0 {
		limit = defaultMaxScanBatchBytes
	}
	tooLarge := kerr.New(kerr.TooLarge, "scan_batch_too_large", "Lô trang quét vượt quá dung lượng tối đa "+input.HumanBytes(limit)+".",
		"the batch is larger than %d bytes", limit)
	if r.ContentLength > limit+multipartOverhead {
		s.writeError(w, r, tooLarge)
		return
	}
	body := &countingBody{rc: http.MaxBytesReader(w, r.Body, limit+multipartOverhead)}
	r.Body = body
	badPart := func(err error) error {
		if body.tripped {
			return tooLarge
		}
		return kerr.New(kerr.Invalid, "invalid_multipart", "Yêu cầu tải lên dạng multipart không hợp lệ.", "%v", err)
	}
	mr, err := r.MultipartReader()
	if err != nil {
		s.writeError(w, r, badPart(err))
		return
	}
	dir, err := os.MkdirTemp("", "kho-scan-api-")
	if err != nil {
		s.writeError(w, r, kerr.Wrap(err, kerr.Internal, "scan_temp", "Không nhận được lô trang quét; vui lòng thử lại."))
		return
	}
	defer os.RemoveAll(dir)
	var (
		meta     scanMetadata
		seenMeta bool
		files    []archive.ScanFile
	)
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			s.writeError(w, r, badPart(err))
			return
		}
		switch p.FormName() {
		case "metadata":
			if seenMeta {
				p.Close()
				s.writeError(w, r, kerr.New(kerr.Invalid, "unexpected_part", "Yêu cầu tải lên có phần không mong đợi: metadata.", "repeated part \"metadata\""))
				return
			}
			seenMeta = true
			err := input.DecodeStrict(p, &meta, s.cfg.MaxMetadataBytes)
			p.Close()
			if err != nil {
				s.writeError(w, r, err)
				return
			}
		case "page":
			if !seenMeta {
				p.Close()
				s.writeError(w, r, kerr.New(kerr.Invalid, "metadata_must_come_first", "Phần metadata phải được gửi trước các trang (page).",
					"the \"metadata\" part must precede the \"page\" parts"))
				return
			}
			if len(files) == archive.MaxScanPages {
				p.Close()
				s.writeError(w, r, kerr.New(kerr.TooLarge, "scan_too_many_files", fmt.Sprintf("Lô trang quét quá nhiều tệp (tối đa %d).", archive.MaxScanPages),
					"more than %d page files", archive.MaxScanPages))
				return
			}
			name, err := input.DispositionFileName(p.Header.Get("Content-Disposition"))
			if err != nil {
				p.Close()
				s.writeError(w, r, err)
				return
			}
			f, err := spoolScanPage(filepath.Join(dir, strconv.Itoa(len(files))), name, p)
			p.Close()
			if err != nil {
				if body.tripped {
					err = tooLarge
				}
				s.writeError(w, r, err)
				return
			}
			files = append(files, f)
		default:
			p.Close()
			s.writeError(w, r, kerr.New(kerr.Invalid, "unexpected_part", "Yêu cầu tải lên có phần không mong đợi: "+input.Printable(p.FormName())+".",
				"unexpected part %q; expected \"metadata\" then \"page\" parts", p.FormName()))
			return
		}
	}
	if !seenMeta {
		s.writeError(w, r, kerr.New(kerr.Invalid, "metadata_missing", "Yêu cầu thiếu phần metadata (chủ kho, loại giấy tờ, máy quét).", "no part named \"metadata\""))
		return
	}
	wf, err := s.workflowService()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ag, err := wf.StaffAgency(r.Context(), a)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sc, err := s.vault.ScanBatch(r.Context(), a, archive.ScanRequest{Owner: meta.Owner, Agency: ag, TypeCode: meta.TypeCode,
		Device: meta.Device, Purpose: meta.Purpose, Files: files, OCR: s.cfg.OCR})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/scans/"+sc.ID)
	w.Header().Set("ETag", revETag(sc.Rev))
	writeJSON(w, http.StatusCreated, sc)
}

// spoolScanPage copies one page part to the file path: the batch reads
// its files one at a time, after the body is read whole. A failed read
// is Invalid "invalid_multipart", a failed write Internal "scan_temp".
func spoolScanPage(path, name string, rd io.Reader) (archive.ScanFile, error) {
	f, err := os.Create(path)
	if err != nil {
		return archive.ScanFile{}, kerr.Wrap(err, kerr.Internal, "scan_temp", "Không nhận được lô trang quét; vui lòng thử lại.")
	}
	src := &readErrs{r: rd}
	_, err = io.Copy(f, src)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	switch {
	case src.err != nil:
		return archive.ScanFile{}, kerr.Wrap(src.err, kerr.Invalid, "invalid_multipart", "Không đọc được trọn một trang của lô trang quét.")
	case err != nil:
		return archive.ScanFile{}, kerr.Wrap(err, kerr.Internal, "scan_temp", "Không nhận được lô trang quét; vui lòng thử lại.")
	}
	return archive.ScanFile{FileName: name, Open: func() (io.ReadCloser, error) { return os.Open(path) }}, nil
}

// readErrs remembers the error of its reader (io.EOF aside), to tell a
// failed read of the body from a failed write of the spool file.
type readErrs struct {
	r   io.Reader
	err error
}

func (e *readErrs) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}
