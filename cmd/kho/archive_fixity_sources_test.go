package main

import (
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
)

// TestPrintFindingRecords: a finding's line names, beside the papers whose
// versions hold the blob, the rendition, paper copy or pending batch that
// does, and says when there is no paper yet.
func TestPrintFindingRecords(t *testing.T) {
	var b strings.Builder
	printFinding(&b, archive.FixityFinding{Blob: strings.Repeat("ab", 32), Kind: archive.FixityMissing,
		FirstSeen: time.Date(2026, 12, 7, 1, 2, 3, 0, time.UTC),
		Documents: []archive.BlobUser{
			{OwnerID: "079090001234", Via: archive.ViaScan, RecordID: "01kscan"},
			{DocumentID: "01kdoc", OwnerID: "001099012345"},
			{DocumentID: "01kdoc", OwnerID: "001099012345", Via: archive.ViaPaperCopy, RecordID: "01kcopy"},
			{DocumentID: "01kdoc", OwnerID: "001099012345", Via: archive.ViaRendition, RecordID: "01kdoc/1/pdf"},
		}})
	line := b.String()
	for _, want := range []string{"no document yet (owner 079090001234, scan 01kscan)", "01kdoc (owner 001099012345), ",
		"01kdoc (owner 001099012345, paper copy 01kcopy)", "01kdoc (owner 001099012345, rendition 01kdoc/1/pdf)"} {
		if !strings.Contains(line, want) {
			t.Errorf("the finding's line lacks %q:\n%s", want, line)
		}
	}
}
