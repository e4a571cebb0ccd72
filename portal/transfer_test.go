package portal_test

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
)

// transferPrivacyRows are the privacy matrix's rows of the BagIt export
// and import: B may not export A's vault (not_own_vault) nor import into
// it (staff_only, before the bag is read); A exports A's own (the bag
// names A's card), staff import a bag into A's vault.
func transferPrivacyRows() []privacyRow {
	owner := func(f *fixture) string { return "/api/v1/owners/" + ownerA }
	cardID := func(f *fixture) string { return f.card.ID }
	return []privacyRow{
		{op: "exportOwner", cases: []privacyCase{
			{name: "A's vault", inputs: []string{"path.id"}, req: func(f *fixture) call { return getCall(owner(f) + "/export") },
				ok: 200, shows: cardID, status: 403, code: "not_own_vault"},
		}},
		{op: "importOwner", cases: []privacyCase{
			{name: "into A's vault", inputs: []string{"path.id"},
				req: func(f *fixture) call {
					return call{method: "POST", path: owner(f) + "/import", contentType: "application/x-tar", body: tinyBag(f.t)}
				},
				by: partyStaff, ok: 200, shows: func(*fixture) string { return `"stored":1` }, status: 403, code: "staff_only"},
		}},
	}
}

// tinyBag is a bag of another tool with one text file.
func tinyBag(t testing.TB) []byte {
	t.Helper()
	payload := []byte("Biên bản bàn giao\n")
	sum := sha256.Sum256(payload)
	manifest := []byte(hex.EncodeToString(sum[:]) + "  data/bien-ban.txt\n")
	files := []struct {
		name string
		body []byte
	}{
		{"bagit.txt", []byte("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")},
		{"bag-info.txt", []byte(fmt.Sprintf("Payload-Oxum: %d.1\nExternal-Identifier: BB-1\n", len(payload)))},
		{"data/bien-ban.txt", payload},
		{"manifest-sha256.txt", manifest},
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Typeflag: tar.TypeReg, Size: int64(len(f.body)), Mode: 0o644}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(f.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
