package archive_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/archive/bagit"
	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/signing"
	"github.com/kho-vn/kho/storage"
	"github.com/kho-vn/kho/storage/memory"
	"github.com/kho-vn/kho/storage/mongo"
	"github.com/kho-vn/kho/storage/s3"
	"github.com/kho-vn/kho/storage/sqlite"
)

// transferBackend opens a fresh vault's store and blob bucket.
type transferBackend func(t *testing.T) (archive.Store, *storage.Bucket)

// transferBackends are the embedded store with memory blobs, and
// FerretDB (MongoDB wire) with MinIO.
func transferBackends() map[string]transferBackend {
	return map[string]transferBackend{
		"sqlite": func(t *testing.T) (archive.Store, *storage.Bucket) {
			st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "kho.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = st.Close(context.Background()) })
			return st, storage.NewBucket(memory.New())
		},
		"ferretdb+minio": func(t *testing.T) (archive.Store, *storage.Bucket) {
			ctx := context.Background()
			st, err := mongo.Open(ctx, testenv.MongoURI(t), testenv.UniqueName(t, "bag"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = st.Drop(ctx); _ = st.Close(ctx) })
			env := testenv.S3(t)
			d, err := s3.New(ctx, s3.Config{Endpoint: env.Endpoint, AccessKey: env.AccessKey, SecretKey: env.SecretKey,
				Bucket: testenv.UniqueName(t, "bag"), CreateBucket: true})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { emptyBucket(t, d) })
			return st, storage.NewBucket(d)
		},
	}
}

var (
	bagPKIOnce sync.Once
	bagPKI     *pki.Server
	bagPKIErr  error
)

// signedOnePage is the signing package's one-page PDF signed (PAdES B-B)
// by the test PKI's personal identity, and a verifier that trusts it.
func signedOnePage(t *testing.T) ([]byte, archive.Verifier) {
	t.Helper()
	bagPKIOnce.Do(func() { bagPKI, bagPKIErr = pki.StartServer(context.Background(), pki.Options{}) })
	if bagPKIErr != nil {
		t.Fatal(bagPKIErr)
	}
	p := bagPKI.PKI
	id := p.Identity(pki.Personal)
	certs, pemKey, err := id.PEM()
	if err != nil {
		t.Fatal(err)
	}
	key, err := signing.LoadPEM(certs, pemKey)
	if err != nil {
		t.Fatal(err)
	}
	checker := &signing.Checker{Roots: p.Roots(), Timeout: 3 * time.Second}
	s, err := signing.New(key, signing.Options{Level: signing.LevelBB, Checker: checker})
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("../signing/testdata/one-page.pdf")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := s.Sign(context.Background(), bytes.NewReader(src), int64(len(src)), &out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes(), archive.NewVerifier(signing.VerifyOptions{Roots: p.Roots(), Checker: checker})
}

// bagVault is a vault over one backend, with the default catalogue.
func bagVault(t *testing.T, open transferBackend, ver archive.Verifier) (*archive.Service, archive.Store, *storage.Bucket) {
	t.Helper()
	st, b := open(t)
	svc := archive.New(st, b, archive.Config{Verifier: ver}, nil, nil)
	if _, _, err := svc.LoadCatalog(context.Background(), admin, bytes.NewReader(archive.DefaultCatalog())); err != nil {
		t.Fatal(err)
	}
	return svc, st, b
}

// history is a paper and all its versions, as stored.
type history struct {
	Doc      archive.Document
	Versions []archive.Version
	Bytes    map[int][]byte
}

func histories(t *testing.T, svc *archive.Service, st archive.Store, b *storage.Bucket, owner string) map[string]history {
	t.Helper()
	ctx := context.Background()
	docs, _, err := st.ListDocuments(ctx, archive.DocQuery{OwnerID: owner, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]history{}
	for _, d := range docs {
		vs, err := st.ListVersions(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		h := history{Doc: d, Versions: vs, Bytes: map[int][]byte{}}
		for _, v := range vs {
			rc, err := b.Open(ctx, v.Blob)
			if err != nil {
				t.Fatal(err)
			}
			h.Bytes[v.N], _ = io.ReadAll(rc)
			rc.Close()
		}
		out[d.ID] = h
	}
	return out
}

// fillVault stores three papers for citizenA: a birth certificate with a
// content version and a metadata version, a PNG, and a signed PDF.
func fillVault(t *testing.T, svc *archive.Service, signed []byte) {
	t.Helper()
	ctx := context.Background()
	d, err := svc.Put(ctx, citizenA, birthCert(citizenA.Subject, pdfBytes("v1")))
	if err != nil {
		t.Fatal(err)
	}
	if d, err = svc.AddVersion(ctx, citizenA, d.ID, d.Rev, upload("giay-khai-sinh-moi.pdf", pdfBytes("v2"))); err != nil {
		t.Fatal(err)
	}
	sum := "Bản sao có chứng thực"
	if _, err = svc.UpdateMetadata(ctx, citizenA, d.ID, d.Rev, archive.MetadataPatch{Summary: &sum}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Put(ctx, citizenA, archive.NewDocument{OwnerID: citizenA.Subject,
		Metadata: archive.Metadata{TypeCode: "KHAC", Name: "Ảnh thẻ"}, Upload: upload("anh the.png", pngBytes)}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Put(ctx, citizenA, archive.NewDocument{OwnerID: citizenA.Subject,
		Metadata: archive.Metadata{TypeCode: "KHAC", Name: "Quyết định đã ký"}, Upload: upload("quyet-dinh.pdf", signed)}); err != nil {
		t.Fatal(err)
	}
}

// TestTransferRoundTrip exports a vault with several papers, versions and
// a signed PDF with its verification report, imports the bag into a new
// vault of each backend, and finds every paper, version, byte and field
// as it was; a second import stores nothing.
func TestTransferRoundTrip(t *testing.T) {
	signed, ver := signedOnePage(t)
	for name, open := range transferBackends() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			src, srcStore, srcBlobs := bagVault(t, open, ver)
			fillVault(t, src, signed)
			var bag bytes.Buffer
			sum, err := src.ExportOwner(ctx, citizenA, citizenA.Subject, archive.Access{}, &bag, archive.ExportOptions{SourceOrganization: "UBND phường Bến Nghé"})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Documents != 3 || sum.Versions != 5 || sum.Files != 4 {
				t.Fatalf("summary %+v, want 3 papers, 5 versions, 4 files (the metadata version shares its bytes)", sum)
			}
			// The bag is a valid BagIt bag on its own terms.
			checked, err := bagit.Unpack(ctx, bytes.NewReader(bag.Bytes()), t.TempDir(), bagit.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if err := checked.Validate(ctx); err != nil {
				t.Fatal(err)
			}
			if ox, _ := bagit.Get(checked.Info, "Payload-Oxum"); ox != bagit.OxumOf(sum.Bytes, 4) {
				t.Errorf("Payload-Oxum %q", ox)
			}
			for _, want := range []string{"Source-Organization", "Bagging-Date", "External-Identifier", "Bag-Count"} {
				if _, ok := bagit.Get(checked.Info, want); !ok {
					t.Errorf("bag-info.txt has no %s", want)
				}
			}
			checked.Close()
			before := histories(t, src, srcStore, srcBlobs, citizenA.Subject)
			var report []byte
			for _, h := range before {
				if sig := h.Doc.Current.Signature; sig != nil && sig.Report != "" {
					if !sig.Signed || sig.Verdict != signing.TotalPassed {
						t.Fatalf("the signed PDF's summary: %+v", sig)
					}
					report = blobBytes(t, srcBlobs, sig.Report)
				}
			}
			if report == nil {
				t.Fatal("no verification report in the source vault")
			}

			dst, dstStore, dstBlobs := bagVault(t, open, ver)
			// No owner named: the bag's, registered from kho/owner.json.
			rep, err := dst.ImportBag(ctx, staff, "", bytes.NewReader(bag.Bytes()), archive.ImportOptions{TempDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Kind != "kho" || rep.Stored != 3 || rep.Refused != 0 {
				t.Fatalf("import report %+v", rep)
			}
			after := histories(t, dst, dstStore, dstBlobs, citizenA.Subject)
			if len(after) != len(before) {
				t.Fatalf("%d papers after, %d before", len(after), len(before))
			}
			for id, b := range before {
				a, ok := after[id]
				if !ok {
					t.Fatalf("paper %s not imported under its ID", id)
				}
				// Rev and reuse counts belong to the vault, not the paper.
				b.Doc.Rev, a.Doc.Rev = 0, 0
				b.Doc.ReuseCount, a.Doc.ReuseCount = 0, 0
				if !reflect.DeepEqual(jsonOf(t, a.Doc), jsonOf(t, b.Doc)) || a.Doc.SearchText != b.Doc.SearchText {
					t.Errorf("paper %s:\n got %s\nwant %s", id, jsonOf(t, a.Doc), jsonOf(t, b.Doc))
				}
				if !reflect.DeepEqual(jsonOf(t, a.Versions), jsonOf(t, b.Versions)) {
					t.Errorf("versions of %s:\n got %s\nwant %s", id, jsonOf(t, a.Versions), jsonOf(t, b.Versions))
				}
				for n, want := range b.Bytes {
					if !bytes.Equal(a.Bytes[n], want) {
						t.Errorf("paper %s version %d: bytes differ", id, n)
					}
				}
				if sig := a.Doc.Current.Signature; sig != nil && sig.Report != "" && !bytes.Equal(blobBytes(t, dstBlobs, sig.Report), report) {
					t.Errorf("the verification report differs after import")
				}
			}
			o, err := dstStore.GetOwner(ctx, citizenA.Subject)
			if err != nil {
				t.Fatal(err)
			}
			srcOwner, err := srcStore.GetOwner(ctx, citizenA.Subject)
			if err != nil {
				t.Fatal(err)
			}
			if o.DocumentCount != 3 || o.UsedBytes != srcOwner.UsedBytes || o.Kind != srcOwner.Kind || !o.CreatedAt.Equal(srcOwner.CreatedAt) {
				t.Errorf("owner after the import %+v, in the source %+v", o, srcOwner)
			}
			// The ledger records each import as a creation, with the bag.
			creates := 0
			for _, e := range ledger(t, &vault{Service: dst}, citizenA.Subject) {
				if e.Action == archive.ActionCreate && e.Actor == staff.Subject && strings.HasPrefix(e.Purpose, "Nhập từ gói BagIt kho:vault:") {
					creates++
				}
			}
			if creates != 3 {
				t.Errorf("%d ledger creations by the import, want 3", creates)
			}
			// Again: nothing new.
			blobsBefore := countBlobs(t, dstBlobs)
			rep, err = dst.ImportBag(ctx, staff, citizenA.Subject, bytes.NewReader(bag.Bytes()), archive.ImportOptions{TempDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Already != 3 || rep.Stored != 0 {
				t.Fatalf("second import %+v, want 3 already", rep)
			}
			if n := len(histories(t, dst, dstStore, dstBlobs, citizenA.Subject)); n != 3 || countBlobs(t, dstBlobs) != blobsBefore {
				t.Errorf("second import: %d papers, blobs %d → %d", n, blobsBefore, countBlobs(t, dstBlobs))
			}
			// Into another owner of the same vault: the IDs are taken, so
			// each paper gets its derived ID, the same on every import.
			other := mustOwner(t, dst, citizenB.Subject)
			rep, err = dst.ImportBag(ctx, staff, other, bytes.NewReader(bag.Bytes()), archive.ImportOptions{TempDir: t.TempDir()})
			if err != nil || rep.Stored != 3 {
				t.Fatalf("import into another owner: %+v, %v", rep, err)
			}
			for _, r := range rep.Results {
				if r.OriginalID == "" || r.DocumentID == r.OriginalID || !archive.ValidID(r.DocumentID) {
					t.Errorf("result %+v: want a new valid ID with the original kept", r)
				}
			}
			rep, err = dst.ImportBag(ctx, staff, other, bytes.NewReader(bag.Bytes()), archive.ImportOptions{TempDir: t.TempDir()})
			if err != nil || rep.Already != 3 {
				t.Fatalf("second import into another owner: %+v, %v", rep, err)
			}
		})
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func blobBytes(t *testing.T, b *storage.Bucket, hash string) []byte {
	t.Helper()
	rc, err := b.Open(context.Background(), hash)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	body, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func countBlobs(t *testing.T, b *storage.Bucket) int {
	t.Helper()
	n := 0
	if err := b.List(context.Background(), func(string, int64, time.Time) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// mustOwner registers a citizen owner (staff do it for them).
func mustOwner(t *testing.T, svc *archive.Service, id string) string {
	t.Helper()
	_, err := svc.RegisterOwner(context.Background(), staff, archive.OwnerInput{Kind: archive.Individual, IdentityNumber: id})
	if err != nil && !kerr.IsKind(err, kerr.Conflict) {
		t.Fatal(err)
	}
	return id
}

// TestImportForeignBag imports the fixture bag in bagit-python's form
// (BagIt 0.97, md5/sha256/sha512 manifests and tag manifests, a wrapped
// bag-info line, nested folders, no Kho records, tarred in one top folder):
// each payload file a paper of the generic type named from its path,
// source imported; the file of an unknown type refused on its own.
func TestImportForeignBag(t *testing.T) {
	ctx := context.Background()
	raw, err := os.ReadFile("testdata/bagit/bagit-python.tar")
	if err != nil {
		t.Fatal(err)
	}
	v := newVault(t, archive.Config{})
	rep, err := v.ImportBag(ctx, citizenA, citizenA.Subject, bytes.NewReader(raw), archive.ImportOptions{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Kind != "foreign" || rep.ExternalIdentifier != "LUUTRU-2024-0042" || !slices.Equal(rep.Algorithms, []string{"md5", "sha256", "sha512"}) {
		t.Errorf("report %+v", rep)
	}
	if rep.Stored != 3 || rep.Refused != 1 {
		t.Fatalf("stored %d, refused %d; want 3 and 1: %+v", rep.Stored, rep.Refused, rep.Results)
	}
	names := map[string]string{}
	for _, r := range rep.Results {
		if r.Outcome == archive.ImportRefused {
			if r.Path != "data/anh/khong-ro.bin" || r.Code != "unsupported_media_type" || r.Message == "" {
				t.Errorf("refused %+v", r)
			}
			continue
		}
		d, err := v.Get(ctx, citizenA, r.DocumentID, archive.Access{})
		if err != nil {
			t.Fatal(err)
		}
		if d.TypeCode != archive.GenericTypeCode || d.Source != archive.SourceImported || d.Name != strings.TrimPrefix(r.Path, "data/") {
			t.Errorf("paper %+v", d)
		}
		names[d.Name] = d.Current.FileName
	}
	if names["giay-to/2024/Quyết định cấp phép.pdf"] != "Quyết định cấp phép.pdf" || names["anh/con-dau.png"] == "" || names["giay-to/don de nghi.txt"] == "" {
		t.Errorf("papers by name: %v", names)
	}
	// The same bag again: nothing new.
	rep, err = v.ImportBag(ctx, citizenA, citizenA.Subject, bytes.NewReader(raw), archive.ImportOptions{TempDir: t.TempDir()})
	if err != nil || rep.Already != 3 || rep.Stored != 0 {
		t.Fatalf("second import: %+v, %v", rep, err)
	}
}

// TestTransferPrivacy: a citizen exports and imports only their own vault;
// staff must give a purpose to export.
func TestTransferPrivacy(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	if _, err := v.Put(ctx, citizenA, birthCert(citizenA.Subject, pdfBytes("a"))); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := v.ExportOwner(ctx, citizenB, citizenA.Subject, archive.Access{}, &out, archive.ExportOptions{}); err == nil || out.Len() != 0 {
		t.Errorf("another citizen exported A's vault (%d bytes): %v", out.Len(), err)
	}
	if _, err := v.ExportOwner(ctx, staff, citizenA.Subject, archive.Access{}, &out, archive.ExportOptions{}); !kerr.IsKind(err, kerr.Invalid) || out.Len() != 0 {
		t.Errorf("staff without a purpose: %v (%d bytes)", err, out.Len())
	}
	if _, err := v.ExportOwner(ctx, archive.Actor{}, citizenA.Subject, archive.Access{}, &out, archive.ExportOptions{}); err == nil || out.Len() != 0 {
		t.Errorf("nobody exported: %v", err)
	}
	if _, err := v.ExportOwner(ctx, staff, citizenA.Subject, archive.Access{Purpose: "Chuyển giao lưu trữ"}, &out, archive.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.ImportBag(ctx, citizenB, citizenA.Subject, bytes.NewReader(out.Bytes()), archive.ImportOptions{}); err == nil {
		t.Error("a citizen imported into another's vault")
	}
}
