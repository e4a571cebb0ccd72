package mongo_test

import (
	"testing"

	"github.com/kho-vn/kho/storage/mongo"
)

// TestUploadIndexes: the intents are indexed by creation time (ListUploads,
// oldest first) and by the blobs they name (BlobClaimed), so that the
// collector's queries are served by an index on a real MongoDB.
func TestUploadIndexes(t *testing.T) {
	s := openFresh(t)
	got, err := mongo.IndexKeys(t.Context(), s, "uploads")
	if err != nil {
		t.Fatal(err)
	}
	for name, keys := range map[string]string{"created": "createdAt:1,_id:1", "blobs": "blobs:1"} {
		if got[name] != keys {
			t.Errorf("index %q of uploads = %q, want %q (all: %v)", name, got[name], keys, got)
		}
	}
}
