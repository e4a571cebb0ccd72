package mongo

import (
	"context"
	"slices"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// ImportDocument inserts d with its whole history (archive.TransferStore):
// the versions are embedded in the document, so one insert stores the
// document and every version, or nothing.
func (s *Store) ImportDocument(ctx context.Context, d archive.Document, versions []archive.Version) error {
	if err := archive.CheckImportVersions(d, versions); err != nil {
		return err
	}
	doc, err := newDocumentDoc(d)
	if err != nil {
		return err
	}
	doc.VersionCount = len(versions)
	doc.ReuseCount = 0
	doc.Versions = make([]versionDoc, 0, len(versions))
	doc.Blobs = nil
	for _, v := range versions {
		vd, err := fromVersion(v)
		if err != nil {
			return err
		}
		doc.Versions = append(doc.Versions, vd)
		for _, b := range vd.blobsOf() {
			if !slices.Contains(doc.Blobs, b) {
				doc.Blobs = append(doc.Blobs, b)
			}
		}
	}
	_, err = s.documents.InsertOne(ctx, doc)
	if isDup(err) {
		return newErr(kerr.Conflict, "document_exists", "Giấy tờ đã tồn tại.", "import document "+d.ID, err)
	}
	return classify(err, "import document")
}

var _ archive.TransferStore = (*Store)(nil)
