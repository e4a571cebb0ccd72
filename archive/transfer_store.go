package archive

import "context"

// TransferStore is what importing a bag (ImportBag) needs beyond the
// other stores: a document written with its whole history at once.
type TransferStore interface {
	// ImportDocument inserts d with every one of its versions (oldest
	// first, N 1..len(versions); d.Current is the last) in one atomic
	// write: either the document and its whole history are stored, or
	// nothing is. d.VersionCount is len(versions), Rev 1, ReuseCount 0.
	// Conflict if d.ID exists; Invalid if the versions are empty, out of
	// order, or d.Current is not the last.
	ImportDocument(ctx context.Context, d Document, versions []Version) error
}

// CheckImportVersions is the shape ImportDocument requires, checked by
// both drivers before they write: Invalid "import_no_versions" or
// "import_version_order".
func CheckImportVersions(d Document, versions []Version) error {
	if len(versions) == 0 {
		return invalid("import_no_versions", "Giấy tờ nhập vào không có phiên bản nào.", "document %q has no versions", d.ID)
	}
	for i, v := range versions {
		if v.N != i+1 {
			return invalid("import_version_order", "Các phiên bản của giấy tờ nhập vào không liên tục.", "document %q: version %d at position %d", d.ID, v.N, i+1)
		}
	}
	if d.Current.N != len(versions) || d.Current.Blob != versions[len(versions)-1].Blob || d.VersionCount != len(versions) {
		return invalid("import_version_order", "Phiên bản hiện tại của giấy tờ nhập vào không phải phiên bản cuối.", "document %q: current %d of %d", d.ID, d.Current.N, len(versions))
	}
	return nil
}
