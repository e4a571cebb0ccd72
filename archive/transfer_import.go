package archive

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/gabriel-vasile/mimetype"
	"github.com/kho-vn/kho/archive/bagit"
	"github.com/kho-vn/kho/internal/kerr"
)

// GenericTypeCode is the catalogue's type for a paper of no known type
// ("Giấy tờ khác"): what a file of a bag made by another tool becomes.
const GenericTypeCode = "KHAC"

// ImportOptions describe a bag being read.
type ImportOptions struct {
	// TempDir is where the bag is spooled while it is checked ("" = the
	// system's temporary directory).
	TempDir string
	// Limits bound the bag (bagit.Limits; zero: its defaults, with each
	// file at most the vault's MaxUploadBytes).
	Limits bagit.Limits
	// Progress, when set, is told the papers done and the total.
	Progress func(done, total int)
}

// The outcomes of one paper of an import.
const (
	ImportStored  = "imported" // stored now
	ImportAlready = "already"  // the same paper with the same history is in the vault
	ImportRefused = "refused"  // not stored: Code and Message say why
)

// ImportReport is the outcome of ImportBag: the bag's description and one
// result for each paper (a Kho bag) or payload file (another tool's).
type ImportReport struct {
	// Kind is "kho" for a bag Kho wrote, "foreign" for another tool's.
	Kind               string         `json:"kind"`
	ExternalIdentifier string         `json:"externalIdentifier,omitempty"`
	SourceOrganization string         `json:"sourceOrganization,omitempty"`
	Algorithms         []string       `json:"algorithms"`
	Results            []ImportResult `json:"results"`
	Stored             int            `json:"stored"`
	Already            int            `json:"already"`
	Refused            int            `json:"refused"`
}

// ImportResult is what became of one paper or file.
type ImportResult struct {
	// Path is the paper's record (kho/documents/<id>.json) or the payload
	// file (data/…).
	Path       string `json:"path"`
	Name       string `json:"name,omitempty"`
	DocumentID string `json:"documentId,omitempty"`
	// OriginalID is the paper's ID in the bag when it got another one.
	OriginalID string `json:"originalId,omitempty"`
	Versions   int    `json:"versions,omitempty"`
	Outcome    string `json:"outcome"`
	Code       string `json:"code,omitempty"`
	Message    string `json:"message,omitempty"`
}

func (r *ImportReport) add(res ImportResult, err error) {
	if err != nil {
		res.Outcome = ImportRefused
		res.Code, res.Message = kerr.Public(err)
	}
	switch res.Outcome {
	case ImportStored:
		r.Stored++
	case ImportAlready:
		r.Already++
	default:
		r.Refused++
	}
	r.Results = append(r.Results, res)
}

// ImportBag reads a BagIt bag (a tar, see archive/bagit) into ownerID's
// vault: a citizen into their own, staff and admin into any owner's. With
// ownerID "", a citizen's own vault, or for staff the owner of the vault
// a Kho bag was exported from; an owner not yet registered is registered
// from the bag's kho/owner.json (staff and admin).
//
// The whole bag is checked before anything is stored: the bag itself
// (bagit.Bag.Validate: declaration, every manifest and hash,
// Payload-Oxum, no fetch.txt) and, for a bag Kho wrote, every paper's
// record against the payload (each version's file, size and SHA-256,
// which is also its content address; its reports). A bad bag is an error
// and stores nothing. Then each paper is stored on its own, blob first
// (under an upload intent that charges the owner's quota and names the
// blobs, so that the collector removes them if the paper is never
// written), then its record with its whole history in one atomic insert
// (TransferStore.ImportDocument), then the ledger's ActionCreate with the
// purpose "Nhập từ gói BagIt …". A paper that fails (its type not in the
// catalogue, the quota, a type the vault does not accept) is refused in
// the report and the others go on.
//
// A Kho bag keeps every version's bytes, metadata, order, source, status,
// issuer and times, and each paper's ID when it is free. A paper whose ID
// is taken by another paper (another owner's, or another history) gets
// an ID derived from the original and the owner (DerivedID: the same on
// every import), reported as OriginalID. A paper already there with the
// same history is reported ImportAlready: importing a bag twice stores
// nothing the second time.
//
// A bag made by another tool (no kho/bag.json) gives one paper for each
// payload file, of type GenericTypeCode, source SourceImported, named from
// its path, checked as an upload is (type detected and allowed, PDF
// structure, signatures verified); its ID is derived from the owner, the
// bag's External-Identifier, the path and the SHA-256, so it too is
// imported once.
//
// Errors (the whole bag): Invalid/TooLarge with the codes of bagit.Unpack
// and Validate, Invalid "bag_kho_record" for a Kho record that does not
// match its payload, NotFound for the owner, Permission/NotFound for a
// citizen's other vault.
func (s *Service) ImportBag(ctx context.Context, a Actor, ownerID string, r io.Reader, opt ImportOptions) (ImportReport, error) {
	if err := checkActor(a); err != nil {
		return ImportReport{}, err
	}
	if ownerID == "" && a.Role == RoleCitizen {
		ownerID = a.Subject
	}
	if ownerID != "" {
		if err := canOwner(a, ownerID); err != nil {
			return ImportReport{}, err
		}
		if _, err := s.ensureOwner(ctx, a, ownerID); err != nil && (a.Role == RoleCitizen || !kerr.IsKind(err, kerr.NotFound)) {
			return ImportReport{}, err
		}
	}
	lim := opt.Limits
	if lim.MaxFileBytes <= 0 {
		lim.MaxFileBytes = max(s.cfg.MaxUploadBytes, MaxManifestBytesForKho)
	}
	bag, err := bagit.Unpack(ctx, r, opt.TempDir, lim)
	if err != nil {
		return ImportReport{}, err
	}
	defer bag.Close()
	if err := bag.Validate(ctx); err != nil {
		return ImportReport{}, err
	}
	var docs []BagDocument
	var bagOwner *Owner
	if bag.Has("kho/bag.json") {
		if docs, bagOwner, err = readKhoBag(bag); err != nil {
			return ImportReport{}, err
		}
	}
	if ownerID == "" && bagOwner != nil {
		ownerID = bagOwner.ID
	}
	if err := canOwner(a, ownerID); err != nil {
		return ImportReport{}, err
	}
	owner, err := s.importOwner(ctx, a, ownerID, bagOwner)
	if err != nil {
		return ImportReport{}, err
	}
	rep := ImportReport{Algorithms: bag.Algorithms, Results: []ImportResult{}}
	rep.ExternalIdentifier, _ = bagit.Get(bag.Info, "External-Identifier")
	rep.SourceOrganization, _ = bagit.Get(bag.Info, "Source-Organization")
	acc := Access{Purpose: "Nhập từ gói BagIt " + rep.ExternalIdentifier}
	if len([]rune(acc.Purpose)) > maxShortRunes {
		acc.Purpose = string([]rune(acc.Purpose)[:maxShortRunes])
	}
	acc.Purpose = strings.TrimSpace(acc.Purpose)
	if bag.Has("kho/bag.json") {
		rep.Kind = "kho"
		for i, bd := range docs {
			res, err := s.importKhoDocument(ctx, a, owner, bag, bd, acc)
			rep.add(res, err)
			if opt.Progress != nil {
				opt.Progress(i+1, len(docs))
			}
		}
		return rep, nil
	}
	rep.Kind = "foreign"
	day := time.Unix(0, 0).UTC()
	if v, ok := bagit.Get(bag.Info, "Bagging-Date"); ok {
		if t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(v), vietnam); err == nil {
			day = t.UTC()
		}
	}
	for i, f := range bag.Payload {
		res, err := s.importForeignFile(ctx, a, owner, bag, f, day, rep.ExternalIdentifier, acc)
		rep.add(res, err)
		if opt.Progress != nil {
			opt.Progress(i+1, len(bag.Payload))
		}
	}
	return rep, nil
}

// MaxManifestBytesForKho is the least per-file limit of an import: a
// bag's manifests and records are files too.
const MaxManifestBytesForKho = 64 << 20

// maxRecordBytes bounds a paper's record (kho/documents/<id>.json).
const maxRecordBytes = 16 << 20

var blobHex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// errRecord is a Kho bag whose records do not match it.
func errRecord(detail string, args ...any) error {
	return kerr.New(kerr.Invalid, "bag_kho_record",
		"Thông tin giấy tờ trong gói BagIt của Kho không khớp với các tệp trong gói; gói không được nhập.", detail, args...)
}

// readKhoBag reads and checks every record of a Kho bag against the
// payload before anything is stored.
func readKhoBag(bag *bagit.Bag) ([]BagDocument, *Owner, error) {
	raw, err := bag.ReadTag("kho/bag.json", maxRecordBytes)
	if err != nil {
		return nil, nil, err
	}
	var man BagManifest
	if err := json.Unmarshal(raw, &man); err != nil {
		return nil, nil, errRecord("kho/bag.json: %v", err)
	}
	if man.Format != BagFormat {
		return nil, nil, kerr.New(kerr.Invalid, "bag_kho_format", "Gói BagIt do phiên bản Kho khác tạo, không đọc được.", "format %q", man.Format)
	}
	payload := map[string]bagit.File{}
	for _, f := range bag.Payload {
		payload[f.Path] = f
	}
	used := map[string]bool{}
	seen := map[string]bool{}
	docs := make([]BagDocument, 0, len(man.Documents))
	for _, id := range man.Documents {
		if !ValidID(id) || seen[id] {
			return nil, nil, errRecord("kho/bag.json: bad or repeated document ID %q", id)
		}
		seen[id] = true
		p := "kho/documents/" + id + ".json"
		raw, err := bag.ReadTag(p, maxRecordBytes)
		if err != nil {
			return nil, nil, errRecord("%s: %v", p, err)
		}
		var bd BagDocument
		if err := json.Unmarshal(raw, &bd); err != nil {
			return nil, nil, errRecord("%s: %v", p, err)
		}
		d := bd.Document
		if d.ID != id || len(bd.Versions) == 0 || !d.Source.Valid() || !d.Status.Valid() {
			return nil, nil, errRecord("%s: ID, versions, source or status", p)
		}
		for i, v := range bd.Versions {
			f, ok := payload[v.Payload]
			switch {
			case v.N != i+1:
				return nil, nil, errRecord("%s: version %d at position %d", p, v.N, i+1)
			case !blobHex.MatchString(v.Blob):
				return nil, nil, errRecord("%s: version %d: blob %q", p, v.N, v.Blob)
			case !ok:
				return nil, nil, errRecord("%s: version %d: payload %q not in the bag", p, v.N, v.Payload)
			case f.SHA256 != v.Blob || f.Size != v.Size:
				return nil, nil, errRecord("%s: version %d: %s is %s (%d bytes), the record says %s (%d bytes)", p, v.N, v.Payload, f.SHA256, f.Size, v.Blob, v.Size)
			case v.Meta.Status != "" && !v.Meta.Status.Valid(), v.Source != "" && !v.Source.Valid():
				return nil, nil, errRecord("%s: version %d: status or source", p, v.N)
			}
			used[v.Payload] = true
			if sig := v.Signature; sig != nil && sig.Report != "" {
				if !blobHex.MatchString(sig.Report) {
					return nil, nil, errRecord("%s: version %d: report %q", p, v.N, sig.Report)
				}
				if err := checkTagHash(bag, "kho/reports/"+sig.Report+".json", sig.Report); err != nil {
					return nil, nil, err
				}
			}
		}
		if last := bd.Versions[len(bd.Versions)-1]; last.N != d.VersionCount || last.Blob != d.Current.Blob {
			return nil, nil, errRecord("%s: the current version is not the last", p)
		}
		docs = append(docs, bd)
	}
	for _, f := range bag.Payload {
		if !used[f.Path] {
			return nil, nil, errRecord("payload file %q belongs to no paper", f.Path)
		}
	}
	var owner *Owner
	if man.Kind == "vault" && bag.Has("kho/owner.json") {
		raw, err := bag.ReadTag("kho/owner.json", maxRecordBytes)
		if err != nil {
			return nil, nil, err
		}
		owner = &Owner{}
		if err := json.Unmarshal(raw, owner); err != nil || owner.ID != man.OwnerID || owner.ID == "" {
			return nil, nil, errRecord("kho/owner.json: %v (owner %q, the bag's %q)", err, owner.ID, man.OwnerID)
		}
	}
	return docs, owner, nil
}

// importOwner returns the owner an import goes to. When the owner does not
// exist, a vault's bag brings its record: staff and admin then register it
// as it was (usage and quota start afresh); a citizen's own record is
// made as on first use (ensureOwner).
func (s *Service) importOwner(ctx context.Context, a Actor, ownerID string, bagOwner *Owner) (Owner, error) {
	o, err := s.ensureOwner(ctx, a, ownerID)
	if err == nil || !kerr.IsKind(err, kerr.NotFound) || a.Role == RoleCitizen || bagOwner == nil || bagOwner.ID != ownerID {
		return o, err
	}
	o = *bagOwner
	o.QuotaBytes, o.UsedBytes, o.DocumentCount, o.Rev = 0, 0, 0, 1
	o.CreatedAt = o.CreatedAt.UTC().Truncate(time.Millisecond)
	if err := s.store.CreateOwner(ctx, o); err != nil && !kerr.IsKind(err, kerr.Conflict) {
		return Owner{}, storeErr("create owner", err)
	}
	return s.getOwner(ctx, ownerID)
}

// checkTagHash checks that a tag file's SHA-256 is want.
func checkTagHash(bag *bagit.Bag, p, want string) error {
	f, _, err := bag.Open(p)
	if err != nil {
		return errRecord("%s: %v", p, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return kerr.Wrap(err, kerr.Unavailable, "bag_spool", "Không đọc được tệp tạm của gói BagIt.")
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return errRecord("%s hashes to %s", p, got)
	}
	return nil
}

// DerivedID is the ID an imported paper gets when its own is taken or it
// has none: the time part from t (so it sorts with its time), the random
// part from SHA-256 of seed — the same on every import of the same bag.
func DerivedID(t time.Time, seed string) string {
	sum := sha256.Sum256([]byte(seed))
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixMilli())<<16)
	copy(b[6:], sum[:10])
	return encodeID(b)
}

// sameHistory reports whether the stored paper d of owner has exactly
// the versions vs (numbers and contents).
func (s *Service) sameHistory(ctx context.Context, d Document, ownerID string, vs []BagVersion) (bool, error) {
	if d.OwnerID != ownerID || d.VersionCount != len(vs) {
		return false, nil
	}
	stored, err := s.store.ListVersions(ctx, d.ID)
	if err != nil {
		return false, storeErr("list versions", err)
	}
	if len(stored) != len(vs) {
		return false, nil
	}
	for i := range stored {
		if stored[i].N != vs[i].N || stored[i].Blob != vs[i].Blob {
			return false, nil
		}
	}
	return true, nil
}

// pickID returns the ID a paper with the wanted ID and history gets in
// owner's vault, or found=true when it is there already.
func (s *Service) pickID(ctx context.Context, ownerID string, candidates []string, vs []BagVersion) (id string, found bool, err error) {
	for _, id := range candidates {
		d, err := s.store.GetDocument(ctx, id)
		if kerr.IsKind(err, kerr.NotFound) {
			return id, false, nil
		}
		if err != nil {
			return "", false, storeErr("get document", err)
		}
		same, err := s.sameHistory(ctx, d, ownerID, vs)
		if err != nil || same {
			return id, same, err
		}
	}
	return "", false, kerr.New(kerr.Conflict, "document_id_conflict", "Mã giấy tờ đã được dùng cho giấy tờ khác; không nhập được giấy tờ này.",
		"IDs %v are taken by other papers", candidates)
}

// importKhoDocument stores one paper of a checked Kho bag.
func (s *Service) importKhoDocument(ctx context.Context, a Actor, owner Owner, bag *bagit.Bag, bd BagDocument, acc Access) (ImportResult, error) {
	d := bd.Document
	res := ImportResult{Path: "kho/documents/" + d.ID + ".json", Name: d.Name, Versions: len(bd.Versions)}
	id, found, err := s.pickID(ctx, owner.ID, []string{d.ID, DerivedID(d.CreatedAt, owner.ID+"/"+d.ID)}, bd.Versions)
	if err != nil {
		return res, err
	}
	res.DocumentID = id
	if id != d.ID {
		res.OriginalID = d.ID
	}
	if found {
		res.Outcome = ImportAlready
		return res, nil
	}
	if a.Role == RoleCitizen {
		// What a bag says an agency did, or a verifier found, is taken
		// on trust only from staff: a citizen's bag is their own word.
		if d.IssuedBy != nil || d.StatusChange != nil {
			return res, kerr.New(kerr.Permission, "import_issued_staff_only",
				"Giấy tờ do cơ quan cấp chỉ được cán bộ nhập lại vào kho.", "a citizen may not import a paper issued by an agency (%s)", d.ID)
		}
		bd = citizenClaims(bd)
		d = bd.Document
	}
	t, def, err := s.docType(ctx, d.TypeCode)
	if err != nil {
		return res, err
	}
	// The record's text obeys the vault's rules (lengths, characters),
	// as an upload's does; its typed fields are kept as they were.
	for _, m := range append([]Metadata{d.Metadata}, metasOf(bd.Versions)...) {
		if _, err := validateMetadata(m, t); err != nil {
			return res, err
		}
	}
	d.ID, d.OwnerID = id, owner.ID
	versions := make([]Version, len(bd.Versions))
	var total int64
	for i, bv := range bd.Versions {
		versions[i] = bv.Version
		// Charged as the vault charges: each version's content, except
		// a metadata change's, which keeps the bytes before it.
		if i == 0 || bv.Change != "metadata" || bv.Blob != bd.Versions[i-1].Blob {
			total += bv.Size
		}
	}
	d.Current = versions[len(versions)-1]
	d.VersionCount, d.Rev, d.ReuseCount = len(versions), 1, 0
	indexText(&d, def)
	limit := s.effectiveQuota(owner)
	in := s.newIntent(a, owner.ID, d.ID, 1)
	in.Bytes = total
	u := s.beginUpload(ctx, in, owner, limit)
	stored := map[string]bool{}
	put := func(p, want string) error {
		if stored[want] {
			return nil
		}
		f, size, err := bag.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		if strings.HasPrefix(p, "data/") {
			m, err := mimetype.DetectReader(io.LimitReader(f, sniffBytes))
			if err != nil || !s.allowed(m) {
				return invalid("unsupported_media_type", "Định dạng tệp không được hỗ trợ.", "%s: detected %v", p, m)
			}
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				return kerr.Wrap(err, kerr.Unavailable, "bag_spool", "Không đọc được tệp tạm của gói BagIt.")
			}
		}
		hash, n, err := s.blobs.PutClaimed(ctx, f, max(size, 1), u.claim)
		if err != nil {
			if cerr := u.failedClaim(); cerr != nil {
				return cerr
			}
			return storeErr("store blob", err)
		}
		if hash != want || n != size {
			return kerr.New(kerr.Integrity, "bag_blob_mismatch", "Nội dung tệp trong gói không khớp mã băm.", "%s stored as %s, want %s", p, hash, want)
		}
		stored[want] = true
		return nil
	}
	for _, bv := range bd.Versions {
		err = put(bv.Payload, bv.Blob)
		if err == nil && bv.Signature != nil && bv.Signature.Report != "" {
			err = put("kho/reports/"+bv.Signature.Report+".json", bv.Signature.Report)
		}
		if err != nil {
			u.fail(ctx, true)
			return res, err
		}
	}
	if err := u.wait(); err != nil {
		u.fail(ctx, true)
		return res, err
	}
	if err := u.fresh(); err != nil {
		u.fail(ctx, true)
		return res, err
	}
	if err := s.store.ImportDocument(ctx, d, versions); err != nil {
		u.fail(ctx, surely(err))
		if kerr.IsKind(err, kerr.Conflict) {
			// A concurrent import of the same bag wrote it first.
			if got, gerr := s.store.GetDocument(ctx, d.ID); gerr == nil {
				if same, _ := s.sameHistory(ctx, got, owner.ID, bd.Versions); same {
					res.Outcome = ImportAlready
					return res, nil
				}
			}
		}
		return res, storeErr("import document", err)
	}
	u.done()
	s.recordChange(ctx, a, ActionCreate, d, d.VersionCount, acc)
	res.Outcome = ImportStored
	return res, nil
}

// importForeignFile stores one payload file of another tool's bag as a
// paper of the generic type.
func (s *Service) importForeignFile(ctx context.Context, a Actor, owner Owner, bag *bagit.Bag, f bagit.File, day time.Time, extID string, acc Access) (ImportResult, error) {
	rel := strings.TrimPrefix(f.Path, "data/")
	res := ImportResult{Path: f.Path, Name: rel, Versions: 1}
	id := DerivedID(day, strings.Join([]string{owner.ID, extID, f.Path, f.SHA256}, "\x00"))
	res.DocumentID = id
	vs := []BagVersion{{Version: Version{N: 1, Blob: f.SHA256}}}
	if _, found, err := s.pickID(ctx, owner.ID, []string{id}, vs); err != nil || found {
		if found {
			res.Outcome = ImportAlready
		}
		return res, err
	}
	t, def, err := s.docType(ctx, GenericTypeCode)
	if err != nil {
		return res, err
	}
	name := rel
	if r := []rune(name); len(r) > maxNameRunes {
		name = string(r[len(r)-maxNameRunes:])
	}
	meta, err := validateMetadata(Metadata{Name: name, Status: StatusValid}, t)
	if err != nil {
		return res, err
	}
	file, size, err := bag.Open(f.Path)
	if err != nil {
		return res, err
	}
	defer file.Close()
	up := Upload{Body: file, Size: size, FileName: path.Base(rel)}
	fileName, err := s.checkUploadHead(up)
	if err != nil && codeOf(err) == "invalid_file_name" {
		up.FileName = ""
		fileName, err = s.checkUploadHead(up)
	}
	if err != nil {
		return res, err
	}
	limit := s.effectiveQuota(owner)
	d, err := s.commitNew(ctx, a, newDoc{id: id, owner: owner, limit: limit, source: SourceImported, meta: meta, def: def,
		up: up, fileName: fileName, action: ActionCreate, acc: acc,
		claim: func(ctx context.Context) (*Document, error) {
			got, err := s.store.GetDocument(ctx, id)
			if err == nil {
				return &got, nil
			}
			return nil, nil
		}})
	if err != nil {
		return res, err
	}
	res.Outcome = ImportStored
	if d.Current.Blob != f.SHA256 {
		return res, kerr.New(kerr.Integrity, "bag_blob_mismatch", "Nội dung tệp trong gói không khớp mã băm.", "%s stored as %s", f.Path, d.Current.Blob)
	}
	return res, nil
}

// codeOf is err's stable code ("" if none).
func codeOf(err error) string {
	if ke := kerr.Outer(err); ke != nil {
		return ke.Code
	}
	return ""
}

// citizenClaims is bd as a citizen's import stores it: the signature
// summaries and reports dropped (the vault's own verifier may check the
// bytes again: Service.Reverify), and a source that says an agency made
// the paper or a version (result, digitised, rejected) replaced by
// SourceImported.
func citizenClaims(bd BagDocument) BagDocument {
	if bd.Document.Source != SourceUpload && bd.Document.Source != SourceComponent {
		bd.Document.Source = SourceImported
	}
	vs := make([]BagVersion, len(bd.Versions))
	for i, v := range bd.Versions {
		v.Signature = nil
		if v.Source != "" {
			v.Source = SourceImported
		}
		vs[i] = v
	}
	bd.Versions = vs
	bd.Document.Current = vs[len(vs)-1].Version
	return bd
}

// metasOf is each version's metadata.
func metasOf(vs []BagVersion) []Metadata {
	out := make([]Metadata, len(vs))
	for i, v := range vs {
		out[i] = v.Meta
	}
	return out
}
