package archive

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive/bagit"
	"github.com/kho-vn/kho/internal/kerr"
)

// Transfer (issue 12 item 6): an owner's vault, or a set of papers such as
// a dossier's, written as a BagIt bag (RFC 8493, archive/bagit) and read
// back.
//
// A bag Kho writes holds:
//
//	bagit.txt, bag-info.txt      the declaration and the bag's description
//	data/<id>/<n>-<file name>    each paper's bytes: one file for each
//	                             distinct content of its versions (n is the
//	                             first version with it), so every version's
//	                             bytes are there, not only the current one's
//	kho/bag.json                 what the bag is (BagManifest): Kho reads a
//	                             bag with it as its own
//	kho/owner.json               the owner's record (a vault's bag)
//	kho/documents/<id>.json      a paper's record and all its versions, each
//	                             naming its payload file (BagDocument)
//	kho/reports/<sha256>.json    the signature verification reports
//	manifest-sha256.txt          the payload's SHA-256 (computed while
//	tagmanifest-sha256.txt       writing) and the tag files'
//
// Tag files outside data/ keep the payload the papers alone, so a tool
// that knows nothing of Kho sees the papers as the bag's content.

// BagFormat names the layout above in kho/bag.json.
const BagFormat = "kho-bag/1"

// BagManifest is kho/bag.json.
type BagManifest struct {
	Format    string    `json:"format"`
	Kind      string    `json:"kind"` // "vault" or "dossier"
	OwnerID   string    `json:"ownerId,omitempty"`
	Dossier   string    `json:"dossier,omitempty"`
	Documents []string  `json:"documents"` // IDs, in the order written
	CreatedAt time.Time `json:"createdAt"`
	CreatedBy string    `json:"createdBy"`
}

// BagDocument is kho/documents/<id>.json: a paper with its whole history.
type BagDocument struct {
	Document Document     `json:"document"`
	Versions []BagVersion `json:"versions"`
}

// BagVersion is a version and the payload file that holds its bytes.
type BagVersion struct {
	Version
	Payload string `json:"payload"` // "data/…"
}

// ExportOptions describe a bag being written.
type ExportOptions struct {
	// SourceOrganization is bag-info's Source-Organization ("" = "Kho").
	SourceOrganization string
	// Progress, when set, is told the payload bytes written and the
	// total after each file.
	Progress func(done, total int64)
}

// ExportSummary says what a bag holds.
type ExportSummary struct {
	Documents int   `json:"documents"`
	Versions  int   `json:"versions"`
	Files     int   `json:"files"`
	Bytes     int64 `json:"bytes"`
}

// exportDoc is one paper planned into a bag.
type exportDoc struct {
	doc      Document
	versions []BagVersion
	files    []BagVersion // the versions whose payload file is written (first with each blob)
}

// ExportOwner writes ownerID's whole vault to w as a BagIt tar: every
// paper, every version's bytes, the metadata as JSON and the signature
// verification reports (see the layout above). The bytes stream from the
// blob store into w, hashed on the way (a blob whose bytes do not match
// its address ends the export with Integrity "bag_blob_mismatch"); only
// the metadata of the papers is held. A citizen exports only their own
// vault; staff and admin any, with acc's purpose. Each paper exported is
// recorded in the owner's ledger as a download of its current version.
// Errors: NotFound (no such owner, or a citizen's other owner),
// Invalid "purpose_required", Integrity, Unavailable.
func (s *Service) ExportOwner(ctx context.Context, a Actor, ownerID string, acc Access, w io.Writer, opt ExportOptions) (ExportSummary, error) {
	acc, err := readOwner(a, ownerID, acc)
	if err != nil {
		return ExportSummary{}, err
	}
	owner, err := s.getOwner(ctx, ownerID)
	if err != nil {
		return ExportSummary{}, err
	}
	var docs []Document
	q := DocQuery{OwnerID: ownerID, Limit: 1000}
	for {
		page, more, err := s.store.ListDocuments(ctx, q)
		if err != nil {
			return ExportSummary{}, storeErr("list documents", err)
		}
		docs = append(docs, page...)
		if !more || len(page) == 0 {
			break
		}
		q.After = page[len(page)-1].ID
	}
	// Oldest first: the bag reads in the order the papers came.
	for i, j := 0, len(docs)-1; i < j; i, j = i+1, j-1 {
		docs[i], docs[j] = docs[j], docs[i]
	}
	ownerJSON, err := json.MarshalIndent(owner, "", "  ")
	if err != nil {
		return ExportSummary{}, kerr.Wrap(err, kerr.Internal, "bag_json", msgStoreError)
	}
	return s.writeBag(ctx, a, acc, w, opt, docs, BagManifest{Kind: "vault", OwnerID: ownerID},
		"kho:vault:"+ownerID, map[string][]byte{"kho/owner.json": ownerJSON})
}

// ExportDocuments writes the papers with the given IDs (for a dossier:
// its components' and results' papers) to w as a BagIt tar, with extra
// tag files (e.g. "kho/dossier.json", the dossier's record) and the
// dossier's code as External-Identifier. The caller (cmd/kho, the portal)
// has checked that a may see the dossier; every paper is read as a
// (recorded) staff read with acc's purpose. Errors as ExportOwner's, and
// NotFound for an ID that is no paper.
func (s *Service) ExportDocuments(ctx context.Context, a Actor, dossier string, ids []string, acc Access, extra map[string][]byte, w io.Writer, opt ExportOptions) (ExportSummary, error) {
	var docs []Document
	for _, id := range ids {
		d, _, err := s.readDocQuiet(ctx, a, id, acc)
		if err != nil {
			return ExportSummary{}, err
		}
		docs = append(docs, d)
	}
	for name := range extra {
		if !strings.HasPrefix(name, "kho/") || strings.HasPrefix(name, "kho/documents/") || strings.HasPrefix(name, "kho/reports/") || name == "kho/bag.json" {
			return ExportSummary{}, kerr.New(kerr.Internal, "bag_path", msgStoreError, "extra tag file %q", name)
		}
	}
	return s.writeBag(ctx, a, acc, w, opt, docs, BagManifest{Kind: "dossier", Dossier: dossier}, dossier, extra)
}

// readDocQuiet loads a paper a may read, checking acc, without the ledger
// entry of a read (the export records a download instead).
func (s *Service) readDocQuiet(ctx context.Context, a Actor, id string, acc Access) (Document, Access, error) {
	d, err := s.loadDoc(ctx, a, id)
	if err != nil {
		return Document{}, acc, err
	}
	acc, err = readAccess(a, acc)
	return d, acc, err
}

// writeBag plans docs (their versions, payload names, sizes) and streams
// the bag.
func (s *Service) writeBag(ctx context.Context, a Actor, acc Access, w io.Writer, opt ExportOptions,
	docs []Document, man BagManifest, extID string, extra map[string][]byte) (ExportSummary, error) {
	var sum ExportSummary
	plan := make([]exportDoc, 0, len(docs))
	for _, d := range docs {
		vs, err := s.store.ListVersions(ctx, d.ID)
		if err != nil {
			return sum, storeErr("list versions", err)
		}
		ed := exportDoc{doc: d}
		first := map[string]string{} // blob → payload path
		for _, v := range vs {
			bv := BagVersion{Version: v}
			if p, ok := first[v.Blob]; ok {
				bv.Payload = p
			} else {
				bv.Payload = fmt.Sprintf("data/%s/%d-%s", d.ID, v.N, payloadName(v))
				first[v.Blob] = bv.Payload
				ed.files = append(ed.files, bv)
				sum.Files++
				sum.Bytes += v.Size
			}
			ed.versions = append(ed.versions, bv)
		}
		sum.Documents++
		sum.Versions += len(vs)
		plan = append(plan, ed)
		man.Documents = append(man.Documents, d.ID)
	}
	now := s.nowUTC()
	man.Format, man.CreatedAt, man.CreatedBy = BagFormat, now, a.Subject
	org := opt.SourceOrganization
	if org == "" {
		org = "Kho"
	}
	bw, err := bagit.NewWriter(w, []bagit.Field{
		{Label: "Source-Organization", Value: org},
		{Label: "Bagging-Date", Value: now.In(vietnam).Format("2006-01-02")},
		{Label: "Payload-Oxum", Value: bagit.OxumOf(sum.Bytes, int64(sum.Files))},
		{Label: "External-Identifier", Value: extID},
		{Label: "Bag-Count", Value: "1 of 1"},
		{Label: "Bag-Software-Agent", Value: "Kho (" + BagFormat + ")"},
		{Label: "Internal-Sender-Description", Value: fmt.Sprintf("%d giấy tờ, %d phiên bản", sum.Documents, sum.Versions)},
	}, now)
	if err != nil {
		return sum, err
	}
	var done int64
	reports := map[string]bool{}
	for _, ed := range plan {
		if err := s.record(ctx, a, ActionDownload, ed.doc, ed.doc.VersionCount, acc); err != nil {
			return sum, err
		}
		for _, bv := range ed.files {
			rc, err := s.blobs.OpenRange(ctx, bv.Blob, 0, -1)
			if err != nil {
				return sum, storeErr("open blob", err)
			}
			got, err := bw.Payload(strings.TrimPrefix(bv.Payload, "data/"), bv.Size, rc)
			rc.Close()
			if err != nil {
				return sum, err
			}
			if got != bv.Blob {
				return sum, kerr.New(kerr.Integrity, "bag_blob_mismatch", "Dữ liệu của một giấy tờ trong kho không khớp mã băm; không xuất được gói.",
					"blob %s of document %s version %d hashes to %s", bv.Blob, ed.doc.ID, bv.N, got)
			}
			done += bv.Size
			if opt.Progress != nil {
				opt.Progress(done, sum.Bytes)
			}
		}
		for _, bv := range ed.versions {
			if sig := bv.Signature; sig != nil && sig.Report != "" && !reports[sig.Report] {
				reports[sig.Report] = true
				body, err := s.readBlob(ctx, sig.Report, maxReportBytes)
				if err != nil {
					return sum, err
				}
				if err := bw.Tag("kho/reports/"+sig.Report+".json", body); err != nil {
					return sum, err
				}
			}
		}
		body, err := json.MarshalIndent(BagDocument{Document: ed.doc, Versions: ed.versions}, "", "  ")
		if err != nil {
			return sum, kerr.Wrap(err, kerr.Internal, "bag_json", msgStoreError)
		}
		if err := bw.Tag("kho/documents/"+ed.doc.ID+".json", body); err != nil {
			return sum, err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(extra)) {
		if err := bw.Tag(name, extra[name]); err != nil {
			return sum, err
		}
	}
	manJSON, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return sum, kerr.Wrap(err, kerr.Internal, "bag_json", msgStoreError)
	}
	if err := bw.Tag("kho/bag.json", manJSON); err != nil {
		return sum, err
	}
	return sum, bw.Close()
}

// readBlob reads a small blob whole (at most max bytes, else TooLarge).
func (s *Service) readBlob(ctx context.Context, hash string, max int64) ([]byte, error) {
	rc, err := s.blobs.OpenRange(ctx, hash, 0, -1)
	if err != nil {
		return nil, storeErr("open blob", err)
	}
	defer rc.Close()
	body, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, storeErr("read blob", err)
	}
	if int64(len(body)) > max {
		return nil, kerr.New(kerr.TooLarge, "report_too_large", msgStoreError, "blob %s is over %d bytes", hash, max)
	}
	return body, nil
}

// payloadName is a version's file name as a bag path part: the stored
// name (already a plain base name), or "giay-to" when there is none.
func payloadName(v Version) string {
	if v.FileName == "" || bagit.CheckPath(v.FileName) != nil || strings.Contains(v.FileName, "/") {
		return defaultFileStem
	}
	return v.FileName
}
