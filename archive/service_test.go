package archive_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/pdfobj"
	"github.com/kho-vn/kho/storage"
	"github.com/kho-vn/kho/storage/memory"
	"github.com/kho-vn/kho/storage/sqlite"
)

// The actors of the tests.
var (
	citizenA = archive.Actor{Subject: "001203012345", Role: archive.RoleCitizen}
	citizenB = archive.Actor{Subject: "079090001234", Role: archive.RoleCitizen}
	staff    = archive.Actor{Subject: "canbo.mot", Role: archive.RoleStaff}
	admin    = archive.Actor{Subject: "quantri", Role: archive.RoleAdmin}
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// vault is a Service over a fresh SQLite store and an in-memory bucket.
type vault struct {
	*archive.Service
	store  archive.Store
	bucket *storage.Bucket
	clock  *clock
	path   string
}

func newVault(t testing.TB, cfg archive.Config) *vault {
	t.Helper()
	return newVaultOn(t, cfg, memory.New())
}

// newVaultOn is newVault over the blob driver d.
func newVaultOn(t testing.TB, cfg archive.Config, d storage.Driver) *vault {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kho.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close(context.Background()) })
	b := storage.NewBucket(d)
	c := &clock{t: time.Now()}
	v := &vault{store: st, bucket: b, clock: c, path: path}
	v.Service = archive.New(st, b, cfg, nil, c.Now)
	if _, _, err := v.LoadCatalog(ctx, admin, bytes.NewReader(archive.DefaultCatalog())); err != nil {
		t.Fatal(err)
	}
	return v
}

// blobCount counts the blobs in the bucket.
func (v *vault) blobCount(t *testing.T) int {
	t.Helper()
	n := 0
	if err := v.bucket.List(context.Background(), func(string, int64, time.Time) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// Content samples: real magic numbers, so that detection sees real types;
// the PDF is a valid (empty) one, text in a comment making it unique.
func pdfBytes(text string) []byte {
	return pdfobj.Assemble("%PDF-1.4\n% "+text+"\n", "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>")
}

var pngBytes = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"), bytes.Repeat([]byte{0}, 64)...)

func upload(name string, data []byte) archive.Upload {
	return archive.Upload{Body: bytes.NewReader(data), Size: int64(len(data)), FileName: name}
}

func birthCert(owner string, data []byte) archive.NewDocument {
	return archive.NewDocument{
		OwnerID: owner,
		Metadata: archive.Metadata{
			TypeCode: "KHAI_SINH",
			Name:     "Giấy khai sinh của Nguyễn Văn An",
			Summary:  "Bản sao trích lục",
			Issuer:   "UBND phường Bến Nghé",
			Fields:   map[string]any{"hoTen": "Nguyễn Văn An", "ngaySinh": "2001-02-03"},
		},
		Upload: upload("giay-khai-sinh.pdf", data),
	}
}

func readAll(t *testing.T, c *archive.Content) []byte {
	t.Helper()
	defer c.Close()
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ledger reads owner's ledger as the owner, whose own reads of it are
// not recorded.
func ledger(t *testing.T, v *vault, owner string) []archive.LedgerEntry {
	t.Helper()
	self := archive.Actor{Subject: owner, Role: archive.RoleCitizen}
	es, _, err := v.Ledger(context.Background(), self, owner, "", "", 1000, archive.Access{})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func TestPutGetOpenRoundTrip(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	data := pdfBytes("round trip")
	d, err := v.Put(ctx, citizenA, birthCert("", data))
	wantCode(t, err, "")
	if !archive.ValidID(d.ID) || d.OwnerID != citizenA.Subject || d.Rev != 1 || d.VersionCount != 1 || d.Source != archive.SourceUpload || d.Status != archive.StatusValid {
		t.Fatalf("stored document %+v", d)
	}
	if d.Current.MediaType != "application/pdf" || d.Current.Size != int64(len(data)) || d.Current.Change != "create" || d.Current.FileName != "giay-khai-sinh.pdf" {
		t.Fatalf("version %+v", d.Current)
	}
	if d.Fields["ngaySinh"] != "2001-02-03" {
		t.Fatalf("fields %v", d.Fields)
	}
	// The citizen's owner record was created on first use and charged.
	o, err := v.Owner(ctx, citizenA, citizenA.Subject, archive.Access{})
	wantCode(t, err, "")
	if o.Kind != archive.Individual || o.UsedBytes != int64(len(data)) || o.DocumentCount != 1 {
		t.Fatalf("owner %+v", o)
	}

	got, err := v.Get(ctx, citizenA, d.ID, archive.Access{Purpose: "xem"})
	wantCode(t, err, "")
	if got.ID != d.ID || got.Name != d.Name || got.Current.Blob != d.Current.Blob {
		t.Fatalf("Get gave %+v", got)
	}
	c, err := v.Open(ctx, staff, d.ID, 0, archive.Access{Purpose: "thẩm định hồ sơ", Dossier: "HS-001"})
	wantCode(t, err, "")
	if b := readAll(t, c); !bytes.Equal(b, data) {
		t.Fatalf("Open read %q, want %q", b, data)
	}
	// Ranges work through Seek (http.ServeContent relies on it).
	c, _ = v.Open(ctx, citizenA, d.ID, 1, archive.Access{})
	if _, err := c.Seek(5, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if b := readAll(t, c); !bytes.Equal(b, data[5:]) {
		t.Fatalf("read after seek %q", b)
	}

	es := ledger(t, v, citizenA.Subject)
	var actions []string
	for _, e := range es {
		actions = append(actions, string(e.Action))
	}
	if strings.Join(actions, ",") != "create,read,download,download" {
		t.Fatalf("ledger actions %v", actions)
	}
	dl := es[2]
	if dl.Actor != staff.Subject || dl.ActorRole != archive.RoleStaff || dl.Purpose != "thẩm định hồ sơ" || dl.Dossier != "HS-001" || dl.Version != 1 || dl.DocumentID != d.ID {
		t.Fatalf("download entry %+v", dl)
	}
	if es[0].Seq != 1 || es[1].PrevHash != es[0].Hash {
		t.Fatalf("ledger not chained: %+v", es[:2])
	}

	// The same content again is one blob, two documents.
	_, err = v.Put(ctx, citizenA, birthCert(citizenA.Subject, data))
	wantCode(t, err, "")
	if n := v.blobCount(t); n != 1 {
		t.Fatalf("%d blobs for identical content", n)
	}
}

// errAfter yields data then fails, as a dropped connection does.
type errAfter struct {
	r   io.Reader
	err error
}

func (e *errAfter) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if errors.Is(err, io.EOF) {
		return n, e.err
	}
	return n, err
}

func TestPutRefusalsLeaveNothing(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{MaxUploadBytes: 64 << 10})
	// The owner exists with one document, so that "nothing changed" is visible.
	first, err := v.Put(ctx, citizenA, birthCert("", pdfBytes("first")))
	wantCode(t, err, "")
	before, _ := v.Owner(ctx, citizenA, citizenA.Subject, archive.Access{})
	blobsBefore := v.blobCount(t)

	big := append(pdfBytes("big"), bytes.Repeat([]byte("x"), 100<<10)...)
	long := append(pdfBytes("long"), bytes.Repeat([]byte(" "), 8<<10)...)
	html := []byte("<!DOCTYPE html><html><body>xin chào</body></html>")
	mod := func(f func(*archive.NewDocument)) archive.NewDocument {
		nd := birthCert("", pdfBytes("refused"))
		f(&nd)
		return nd
	}
	for _, tc := range []struct {
		name   string
		nd     archive.NewDocument
		code   string
		noBlob bool // the refusal comes after streaming started: still no blob
	}{
		{"unknown type", mod(func(n *archive.NewDocument) { n.TypeCode = "KHONG_CO" }), "unknown_document_type", false},
		{"no name", mod(func(n *archive.NewDocument) { n.Name = " " }), "name_required", false},
		{"name too long", mod(func(n *archive.NewDocument) { n.Name = strings.Repeat("â", 301) }), "name_too_long", false},
		{"unknown field", mod(func(n *archive.NewDocument) {
			n.Fields = map[string]any{"hoTen": "A", "ngaySinh": "2001-01-01", "x": 1}
		}), "document_fields_invalid", false},
		{"required field", mod(func(n *archive.NewDocument) { n.Fields = map[string]any{"hoTen": "A"} }), "document_fields_invalid", false},
		{"wrong field type", mod(func(n *archive.NewDocument) { n.Fields = map[string]any{"hoTen": "A", "ngaySinh": 20010101} }), "document_fields_invalid", false},
		{"impossible date", mod(func(n *archive.NewDocument) { n.Fields = map[string]any{"hoTen": "A", "ngaySinh": "31/02/2025"} }), "document_fields_invalid", false},
		{"permanent with end", mod(func(n *archive.NewDocument) {
			n.Permanent, n.ValidUntil = true, archive.Date{Year: 2030, Month: 1, Day: 1}
		}), "permanent_with_end_date", false},
		{"bad source", mod(func(n *archive.NewDocument) { n.Source = "email" }), "invalid_source", false},
		{"path in file name", mod(func(n *archive.NewDocument) { n.FileName = "../giay.pdf" }), "invalid_file_name", false},
		{"empty", mod(func(n *archive.NewDocument) { n.Upload = upload("a.pdf", nil) }), "empty_file", false},
		{"html", mod(func(n *archive.NewDocument) { n.Upload = upload("a.html", html) }), "unsupported_media_type", false},
		{"png declared pdf", mod(func(n *archive.NewDocument) {
			n.Upload = upload("a.pdf", pngBytes)
			n.MediaType = "application/pdf"
		}), "content_type_mismatch", false},
		{"declared too big", mod(func(n *archive.NewDocument) { n.Size = 65<<10 + 1 }), "file_too_large", false},
		{"oversize unknown length", mod(func(n *archive.NewDocument) {
			n.Upload = archive.Upload{Body: bytes.NewReader(big), Size: -1, FileName: "big.pdf"}
		}), "file_too_large", true},
		{"ends early", mod(func(n *archive.NewDocument) {
			n.Upload = archive.Upload{Body: bytes.NewReader(long), Size: int64(len(long)) + 10, FileName: "a.pdf"}
		}), "incomplete_upload", true},
		{"runs long", mod(func(n *archive.NewDocument) {
			n.Upload = archive.Upload{Body: bytes.NewReader(long), Size: int64(len(long)) - 10, FileName: "a.pdf"}
		}), "incomplete_upload", true},
		{"connection dropped", mod(func(n *archive.NewDocument) {
			n.Upload = archive.Upload{Body: &errAfter{bytes.NewReader(long), io.ErrUnexpectedEOF}, Size: -1, FileName: "a.pdf"}
		}), "incomplete_upload", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Put(ctx, citizenA, tc.nd)
			wantCode(t, err, tc.code)
			after, _ := v.Owner(ctx, citizenA, citizenA.Subject, archive.Access{})
			if after.UsedBytes != before.UsedBytes || after.DocumentCount != before.DocumentCount {
				t.Fatalf("usage changed: %d/%d → %d/%d", before.UsedBytes, before.DocumentCount, after.UsedBytes, after.DocumentCount)
			}
			p, err := v.List(ctx, citizenA, archive.ListQuery{OwnerID: citizenA.Subject}, archive.Access{})
			wantCode(t, err, "")
			if len(p.Documents) != 1 || p.Documents[0].ID != first.ID {
				t.Fatalf("documents after a refusal: %d", len(p.Documents))
			}
			if tc.noBlob {
				if n := v.blobCount(t); n != blobsBefore {
					t.Fatalf("%d blobs, want %d: a refused upload left a blob", n, blobsBefore)
				}
			}
		})
	}

	// The oversize message names the limit for people.
	_, err = v.Put(ctx, citizenA, mod(func(n *archive.NewDocument) { n.Size = 1 << 30 }))
	if _, msg := kerr.Public(err); !strings.Contains(msg, "64 KB") {
		t.Fatalf("oversize message %q does not name the limit", msg)
	}
	if kerr.KindOf(err) != kerr.TooLarge {
		t.Fatalf("oversize kind %v", kerr.KindOf(err))
	}
}

func TestDeclaredTypesThatMatch(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	for _, tc := range []struct {
		declared, file string
		data           []byte
		want           string
	}{
		{"application/pdf", "a.pdf", pdfBytes("x"), "application/pdf"},
		{"application/octet-stream", "a.pdf", pdfBytes("y"), "application/pdf"},
		{"text/plain; charset=utf-8", "a.txt", []byte("Giấy tờ viết tay, chép lại\n"), "text/plain"},
		{"text/plain", "a.json", []byte(`{"soHieu": "123/QĐ"}`), "application/json"},
		{"image/png", "a.png", pngBytes, "image/png"},
	} {
		nd := birthCert("", tc.data)
		nd.Upload = upload(tc.file, tc.data)
		nd.MediaType = tc.declared
		d, err := v.Put(ctx, citizenA, nd)
		wantCode(t, err, "")
		if !strings.HasPrefix(d.Current.MediaType, tc.want) {
			t.Errorf("declared %q: stored type %q, want %q", tc.declared, d.Current.MediaType, tc.want)
		}
	}
}

// TestQuotaRace: uploads of a known size are charged while their bodies
// stream in. When several pass the quota check at once, the atomic charge
// lets only those that fit through; the others are refused with
// quota_exceeded and leave no document and no charge behind.
func TestQuotaRace(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	body := func(i int) []byte { return pdfBytes(fmt.Sprintf("%03d %s", i, strings.Repeat("q", 400))) }
	size := int64(len(body(0)))
	_, err := v.Put(ctx, citizenA, birthCert("", pdfBytes("first")))
	wantCode(t, err, "")
	o, err := v.Owner(ctx, citizenA, citizenA.Subject, archive.Access{})
	wantCode(t, err, "")
	const n, fit = 8, 3
	wantCode(t, v.SetQuota(ctx, admin, citizenA.Subject, o.UsedBytes+fit*size+size/2), "")

	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { _, errs[i] = v.Put(ctx, citizenA, birthCert("", body(i))) })
	}
	wg.Wait()
	stored := 0
	for _, err := range errs {
		switch {
		case err == nil:
			stored++
		case kerr.Outer(err) != nil && kerr.Outer(err).Code == "quota_exceeded":
		default:
			t.Fatalf("concurrent upload: %v", err)
		}
	}
	if stored != fit {
		t.Fatalf("%d of %d concurrent uploads stored, want the %d that fit the quota", stored, n, fit)
	}
	after, err := v.Owner(ctx, citizenA, citizenA.Subject, archive.Access{})
	wantCode(t, err, "")
	if after.UsedBytes != o.UsedBytes+fit*size || after.DocumentCount != o.DocumentCount+fit {
		t.Fatalf("usage %d/%d, want %d/%d", after.UsedBytes, after.DocumentCount, o.UsedBytes+fit*size, o.DocumentCount+fit)
	}
	p, err := v.List(ctx, citizenA, archive.ListQuery{OwnerID: citizenA.Subject}, archive.Access{})
	wantCode(t, err, "")
	if int64(len(p.Documents)) != o.DocumentCount+fit {
		t.Fatalf("%d documents listed, want %d", len(p.Documents), o.DocumentCount+fit)
	}
}

func TestQuota(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	doc := pdfBytes(strings.Repeat("q", 300))
	_, err := v.Put(ctx, citizenA, birthCert("", doc))
	wantCode(t, err, "")
	wantCode(t, v.SetQuota(ctx, staff, citizenA.Subject, 1000), "admin_only")
	wantCode(t, v.SetQuota(ctx, admin, citizenA.Subject, -1), "invalid_quota")
	wantCode(t, v.SetQuota(ctx, admin, "079111111111", 10), "owner_not_found")
	wantCode(t, v.SetQuota(ctx, admin, citizenA.Subject, int64(len(doc))*2-1), "")

	// Known size: refused before reading; unknown size: refused by the
	// usage counter after the blob is stored.
	_, err = v.Put(ctx, citizenA, birthCert("", pdfBytes(strings.Repeat("r", 300))))
	wantCode(t, err, "quota_exceeded")
	nd := birthCert("", nil)
	nd.Upload = archive.Upload{Body: bytes.NewReader(pdfBytes(strings.Repeat("s", 300))), Size: -1, FileName: "s.pdf"}
	_, err = v.Put(ctx, citizenA, nd)
	wantCode(t, err, "quota_exceeded")
	if kerr.KindOf(err) != kerr.TooLarge {
		t.Fatalf("kind %v", kerr.KindOf(err))
	}
	st, err := v.Stats(ctx, citizenA, citizenA.Subject, archive.Access{})
	wantCode(t, err, "")
	if st.UsedBytes != int64(len(doc)) || st.DocumentCount != 1 || st.QuotaBytes != int64(len(doc))*2-1 {
		t.Fatalf("stats after refusals %+v", st)
	}
	// A small file still fits.
	_, err = v.Put(ctx, citizenA, birthCert("", pdfBytes("s")))
	wantCode(t, err, "")
}

func TestVersionsAndRevisions(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	v1 := pdfBytes("version one")
	d, err := v.Put(ctx, citizenA, birthCert("", v1))
	wantCode(t, err, "")
	v2 := pdfBytes("version two, longer")
	d2, err := v.AddVersion(ctx, citizenA, d.ID, d.Rev, upload("ban-moi.pdf", v2))
	wantCode(t, err, "")
	if d2.VersionCount != 2 || d2.Current.N != 2 || d2.Current.Change != "content" || d2.Rev != 2 || d2.Current.Blob == d.Current.Blob {
		t.Fatalf("content version %+v", d2)
	}
	name := "Giấy khai sinh (bản chính)"
	revoked := archive.StatusRevoked
	d3, err := v.UpdateMetadata(ctx, staff, d.ID, 0, archive.MetadataPatch{Name: &name})
	wantCode(t, err, "")
	if d3.VersionCount != 3 || d3.Current.Change != "metadata" || d3.Current.Blob != d2.Current.Blob || d3.Current.Size != d2.Current.Size || d3.Name != name || d3.Current.Meta.Name != name {
		t.Fatalf("metadata version %+v", d3)
	}
	// A stale revision is refused; nothing changes.
	_, err = v.UpdateMetadata(ctx, citizenA, d.ID, d2.Rev, archive.MetadataPatch{Status: &revoked})
	wantCode(t, err, "document_changed")
	_, err = v.AddVersion(ctx, citizenA, d.ID, 1, upload("c.pdf", pdfBytes("stale")))
	wantCode(t, err, "document_changed")
	_, err = v.UpdateMetadata(ctx, citizenA, d.ID, 0, archive.MetadataPatch{})
	wantCode(t, err, "empty_patch")
	badType := "KHONG_CO"
	_, err = v.UpdateMetadata(ctx, citizenA, d.ID, 0, archive.MetadataPatch{TypeCode: &badType})
	wantCode(t, err, "unknown_document_type")

	vs, err := v.Versions(ctx, citizenA, d.ID, archive.Access{})
	wantCode(t, err, "")
	if len(vs) != 3 || vs[0].Change != "create" || vs[1].Change != "content" || vs[2].Change != "metadata" || vs[0].Meta.Name != d.Name {
		t.Fatalf("versions %+v", vs)
	}
	// Usage counts content versions only: v1 + v2.
	o, _ := v.Owner(ctx, citizenA, citizenA.Subject, archive.Access{})
	if o.UsedBytes != int64(len(v1)+len(v2)) || o.DocumentCount != 1 {
		t.Fatalf("usage %d/%d, want %d/1", o.UsedBytes, o.DocumentCount, len(v1)+len(v2))
	}
	// Old versions stay readable.
	c, err := v.Open(ctx, citizenA, d.ID, 1, archive.Access{})
	wantCode(t, err, "")
	if b := readAll(t, c); !bytes.Equal(b, v1) {
		t.Fatalf("version 1 reads %q", b)
	}
	_, err = v.Open(ctx, citizenA, d.ID, 4, archive.Access{})
	wantCode(t, err, "version_not_found")
	_, err = v.Open(ctx, citizenA, d.ID, -1, archive.Access{})
	wantCode(t, err, "version_not_found")

	// Concurrent metadata changes with expectedRev 0 all land, one version each.
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := fmt.Sprintf("Ghi chú %d", i)
			_, err := v.UpdateMetadata(ctx, staff, d.ID, 0, archive.MetadataPatch{Summary: &s})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		wantCode(t, err, "")
	}
	final, err := v.Get(ctx, staff, d.ID, archive.Access{Purpose: "kiểm tra"})
	wantCode(t, err, "")
	if final.VersionCount != 7 || final.Rev != 7 {
		t.Fatalf("after 4 concurrent updates: %d versions, rev %d", final.VersionCount, final.Rev)
	}
	var actions []string
	for _, e := range ledger(t, v, citizenA.Subject) {
		actions = append(actions, string(e.Action))
	}
	if got := strings.Join(actions[:4], ","); got != "create,version,update,download" {
		t.Fatalf("ledger starts %s", got)
	}
}

func day(y int, m time.Month, d int) archive.Date { return archive.Date{Year: y, Month: m, Day: d} }

func TestListFiltersAndPages(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	v.clock.Set(time.Date(2026, 6, 15, 3, 0, 0, 0, time.UTC))
	put := func(typeCode, name string, fields map[string]any, from, until archive.Date) archive.Document {
		t.Helper()
		nd := archive.NewDocument{
			Metadata: archive.Metadata{TypeCode: typeCode, Name: name, Fields: fields, ValidFrom: from, ValidUntil: until},
			Upload:   upload("a.pdf", pdfBytes(name)),
		}
		d, err := v.Put(ctx, citizenA, nd)
		wantCode(t, err, "")
		return d
	}
	cc := map[string]any{"soDinhDanh": citizenA.Subject, "hoTen": "Nguyễn Văn An", "ngaySinh": "2003-05-01"}
	birth := put("KHAI_SINH", "Giấy khai sinh", map[string]any{"hoTen": "An", "ngaySinh": "2001-02-03"}, archive.Date{}, archive.Date{})
	oldID := put("CAN_CUOC", "Căn cước cũ", cc, day(2010, 1, 1), day(2025, 1, 1))
	newID := put("CAN_CUOC", "Căn cước công dân gắn chip", cc, day(2025, 1, 2), day(2040, 1, 1))
	pass := put("HO_CHIEU", "Hộ chiếu phổ thông", map[string]any{"soHoChieu": "C1234567"}, archive.Date{}, day(2027, 1, 1))
	lost := put("HO_CHIEU", "Hộ chiếu bị mất", map[string]any{"soHoChieu": "B7654321"}, archive.Date{}, archive.Date{})
	revoked := archive.StatusRevoked
	_, err := v.UpdateMetadata(ctx, citizenA, lost.ID, 0, archive.MetadataPatch{Status: &revoked})
	wantCode(t, err, "")
	for range 5 {
		put("KHAC", "Giấy tờ khác", nil, archive.Date{}, archive.Date{})
	}

	ids := func(q archive.ListQuery) []string {
		t.Helper()
		q.OwnerID = citizenA.Subject
		p, err := v.List(ctx, citizenA, q, archive.Access{})
		wantCode(t, err, "")
		var out []string
		for _, d := range p.Documents {
			out = append(out, d.ID)
		}
		slices.Sort(out)
		return out
	}
	sorted := func(ds ...archive.Document) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.ID)
		}
		slices.Sort(out)
		return out
	}
	for _, tc := range []struct {
		name string
		q    archive.ListQuery
		want []string
	}{
		{"diacritics ignored", archive.ListQuery{Text: "GIAY khai"}, sorted(birth)},
		{"diacritics in query", archive.ListQuery{Text: "căn CƯỚC"}, sorted(oldID, newID)},
		{"words anywhere", archive.ListQuery{Text: "chip cong"}, sorted(newID)},
		{"type", archive.ListQuery{TypeCode: "HO_CHIEU"}, sorted(pass, lost)},
		{"expired", archive.ListQuery{Status: archive.StatusExpired}, sorted(oldID)},
		{"revoked", archive.ListQuery{Status: archive.StatusRevoked}, sorted(lost)},
		{"valid now", archive.ListQuery{Status: archive.StatusValid, TypeCode: "CAN_CUOC"}, sorted(newID)},
		{"valid on a past day", archive.ListQuery{ValidOn: day(2020, 5, 5), TypeCode: "CAN_CUOC"}, sorted(oldID)},
		{"no match", archive.ListQuery{Text: "giay phep"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ids(tc.q); !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}

	// Pages of 3 cover all 10 documents once, newest first.
	var all []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		p, err := v.List(ctx, citizenA, archive.ListQuery{OwnerID: citizenA.Subject, Limit: 3, Cursor: cursor}, archive.Access{})
		wantCode(t, err, "")
		if len(p.Documents) > 3 {
			t.Fatalf("page of %d", len(p.Documents))
		}
		for _, d := range p.Documents {
			all = append(all, d.ID)
		}
		if p.Next == "" {
			break
		}
		cursor = p.Next
	}
	if len(all) != 10 || !slices.IsSortedFunc(all, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Fatalf("pages gave %d documents, order %v", len(all), all)
	}
	_, err = v.List(ctx, citizenA, archive.ListQuery{OwnerID: citizenA.Subject, Cursor: "not-a-cursor"}, archive.Access{})
	wantCode(t, err, "invalid_cursor")
	_, err = v.List(ctx, citizenA, archive.ListQuery{OwnerID: citizenA.Subject, Status: "lost"}, archive.Access{})
	wantCode(t, err, "invalid_status")
	_, err = v.List(ctx, citizenA, archive.ListQuery{OwnerID: citizenA.Subject, Text: strings.Repeat("a ", 11)}, archive.Access{})
	wantCode(t, err, "too_many_words")
}

func TestFindReusableAndReuse(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	v.clock.Set(time.Date(2026, 6, 15, 3, 0, 0, 0, time.UTC))
	cc := map[string]any{"soDinhDanh": citizenA.Subject, "hoTen": "Nguyễn Văn An", "ngaySinh": "2003-05-01"}
	put := func(nd archive.NewDocument) archive.Document {
		t.Helper()
		d, err := v.Put(ctx, citizenA, nd)
		wantCode(t, err, "")
		return d
	}
	card := put(archive.NewDocument{Metadata: archive.Metadata{TypeCode: "CAN_CUOC", Name: "Căn cước", Fields: cc, ValidUntil: day(2040, 1, 1)}, Upload: upload("cc.pdf", pdfBytes("cc"))})
	pass := put(archive.NewDocument{Metadata: archive.Metadata{TypeCode: "HO_CHIEU", Name: "Hộ chiếu", Fields: map[string]any{"soHoChieu": "C1"}}, Upload: upload("hc.pdf", pdfBytes("hc"))})
	expired := put(archive.NewDocument{Metadata: archive.Metadata{TypeCode: "HO_CHIEU", Name: "Hộ chiếu cũ", Fields: map[string]any{"soHoChieu": "B1"}, ValidUntil: day(2020, 1, 1)}, Upload: upload("hc0.pdf", pdfBytes("hc0"))})
	future := put(archive.NewDocument{Metadata: archive.Metadata{TypeCode: "CAN_CUOC", Name: "Căn cước mới", Fields: cc, ValidFrom: day(2027, 1, 1)}, Upload: upload("cc2.pdf", pdfBytes("cc2"))})
	birth := put(birthCert("", pdfBytes("ks")))
	// Another owner's papers never show up.
	_, err := v.Put(ctx, citizenB, archive.NewDocument{Metadata: archive.Metadata{TypeCode: "CAN_CUOC", Name: "Căn cước B", Fields: map[string]any{"soDinhDanh": citizenB.Subject, "hoTen": "B", "ngaySinh": "1990-01-01"}}, Upload: upload("b.pdf", pdfBytes("b"))})
	wantCode(t, err, "")

	found, err := v.FindReusable(ctx, citizenA, citizenA.Subject, "DANG_KY_KET_HON/GIAY_TO_TUY_THAN", archive.Date{}, archive.Access{})
	wantCode(t, err, "")
	var got []string
	for _, d := range found {
		got = append(got, d.ID)
	}
	slices.Sort(got)
	want := []string{card.ID, pass.ID}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("reusable identity papers %v, want %v (not %s expired, %s not yet valid)", got, want, expired.ID, future.ID)
	}
	found, err = v.FindReusable(ctx, staff, citizenA.Subject, "KHAI_SINH", archive.Date{}, archive.Access{Purpose: "thẩm định hồ sơ"})
	wantCode(t, err, "")
	if len(found) != 1 || found[0].ID != birth.ID {
		t.Fatalf("by type code: %v", found)
	}
	found, err = v.FindReusable(ctx, staff, citizenA.Subject, "CAN_CUOC", day(2027, 6, 1), archive.Access{Purpose: "thẩm định hồ sơ"})
	wantCode(t, err, "")
	if len(found) != 2 {
		t.Fatalf("on a later day: %d documents, want 2", len(found))
	}
	_, err = v.FindReusable(ctx, citizenA, citizenA.Subject, "DANG_KY_KET_HON/KHONG_CO", archive.Date{}, archive.Access{})
	wantCode(t, err, "component_not_found")
	_, err = v.FindReusable(ctx, citizenA, citizenA.Subject, "KHONG_CO/X", archive.Date{}, archive.Access{})
	wantCode(t, err, "procedure_not_found")
	_, err = v.FindReusable(ctx, citizenA, citizenA.Subject, "KHONG_CO", archive.Date{}, archive.Access{})
	wantCode(t, err, "unknown_document_type")

	// Reuse.
	r1, err := v.Reuse(ctx, citizenA, card.ID, archive.ReuseRequest{Dossier: "HS-2026-001", Purpose: "Đăng ký kết hôn"})
	wantCode(t, err, "")
	if r1.Version != 1 || r1.TypeCode != "CAN_CUOC" || r1.OwnerID != citizenA.Subject || r1.By != citizenA.Subject {
		t.Fatalf("reuse record %+v", r1)
	}
	v.clock.Set(v.clock.Now().Add(time.Second))
	_, err = v.Reuse(ctx, staff, card.ID, archive.ReuseRequest{Dossier: "HS-2026-002", Version: 1})
	wantCode(t, err, "")
	_, err = v.Reuse(ctx, staff, card.ID, archive.ReuseRequest{Dossier: "HS-2026-003", Version: 2})
	wantCode(t, err, "version_not_found")
	_, err = v.Reuse(ctx, staff, card.ID, archive.ReuseRequest{Dossier: "  "})
	wantCode(t, err, "dossier_required")
	_, err = v.Reuse(ctx, staff, expired.ID, archive.ReuseRequest{Dossier: "HS-2026-004"})
	wantCode(t, err, "document_not_reusable")
	_, err = v.Reuse(ctx, staff, future.ID, archive.ReuseRequest{Dossier: "HS-2026-004"})
	wantCode(t, err, "document_not_reusable")
	if kerr.KindOf(err) != kerr.Conflict {
		t.Fatalf("not reusable kind %v", kerr.KindOf(err))
	}
	rs, err := v.Reuses(ctx, citizenA, card.ID, archive.Access{})
	wantCode(t, err, "")
	if len(rs) != 2 || rs[0].Dossier != "HS-2026-001" || rs[1].Dossier != "HS-2026-002" {
		t.Fatalf("reuses %+v", rs)
	}
	d, _ := v.Get(ctx, citizenA, card.ID, archive.Access{})
	if d.ReuseCount != 2 {
		t.Fatalf("reuse count %d", d.ReuseCount)
	}
	st, err := v.Stats(ctx, citizenA, citizenA.Subject, archive.Access{})
	wantCode(t, err, "")
	if st.Reuses != 2 || st.DocumentCount != 5 || st.QuotaBytes != 5<<30 {
		t.Fatalf("stats %+v", st)
	}
	var ccStat archive.TypeStat
	for _, ts := range st.ByType {
		if ts.TypeCode == "CAN_CUOC" {
			ccStat = ts
		}
	}
	if ccStat.Documents != 2 || ccStat.Reuses != 2 {
		t.Fatalf("CAN_CUOC stats %+v", ccStat)
	}
	sys, err := v.SystemStats(ctx, staff)
	wantCode(t, err, "")
	for _, ts := range sys {
		if ts.TypeCode == "CAN_CUOC" && ts.Documents != 3 {
			t.Fatalf("system CAN_CUOC %+v", ts)
		}
	}
	var reuses []archive.LedgerEntry
	for _, e := range ledger(t, v, citizenA.Subject) {
		if e.Action == archive.ActionReuse {
			reuses = append(reuses, e)
		}
	}
	if len(reuses) != 2 || reuses[0].Dossier != "HS-2026-001" || reuses[0].Purpose != "Đăng ký kết hôn" || reuses[1].Actor != staff.Subject {
		t.Fatalf("reuse ledger entries %+v", reuses)
	}
	// ReuseVersion for a dossier: the paper must be the applicant's and of
	// the component's types; a refusal records nothing.
	_, _, err = v.ReuseVersion(ctx, staff, card.ID, archive.ReuseRequest{Dossier: "HS-2026-005", Owner: citizenB.Subject})
	wantCode(t, err, "document_of_another_owner")
	_, _, err = v.ReuseVersion(ctx, staff, card.ID, archive.ReuseRequest{Dossier: "HS-2026-005", TypeCodes: []string{"HO_CHIEU", "KHAI_SINH"}})
	wantCode(t, err, "document_type_mismatch")
	rec, ver, err := v.ReuseVersion(ctx, staff, pass.ID, archive.ReuseRequest{Dossier: "HS-2026-005", Owner: citizenA.Subject, TypeCodes: []string{"HO_CHIEU"}})
	wantCode(t, err, "")
	if rec.DocumentID != pass.ID || ver.N != 1 || rec.Version != ver.N {
		t.Fatalf("reuse of a passport: record %+v, version %d", rec, ver.N)
	}
	rs, err = v.Reuses(ctx, citizenA, card.ID, archive.Access{})
	wantCode(t, err, "")
	if len(rs) != 2 {
		t.Fatalf("refused reuses were recorded: %+v", rs)
	}
}

func TestCitizenIsolation(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	d, err := v.Put(ctx, citizenA, birthCert("", pdfBytes("a")))
	wantCode(t, err, "")
	_, err = v.Put(ctx, citizenB, birthCert("", pdfBytes("b")))
	wantCode(t, err, "")

	// Another citizen's document does not exist for them.
	_, err = v.Get(ctx, citizenB, d.ID, archive.Access{})
	wantCode(t, err, "document_not_found")
	_, err = v.Open(ctx, citizenB, d.ID, 0, archive.Access{})
	wantCode(t, err, "document_not_found")
	_, err = v.Versions(ctx, citizenB, d.ID, archive.Access{})
	wantCode(t, err, "document_not_found")
	_, err = v.Reuse(ctx, citizenB, d.ID, archive.ReuseRequest{Dossier: "HS"})
	wantCode(t, err, "document_not_found")
	_, err = v.Reuses(ctx, citizenB, d.ID, archive.Access{})
	wantCode(t, err, "document_not_found")
	_, err = v.AddVersion(ctx, citizenB, d.ID, 0, upload("x.pdf", pdfBytes("x")))
	wantCode(t, err, "document_not_found")
	s := "x"
	_, err = v.UpdateMetadata(ctx, citizenB, d.ID, 0, archive.MetadataPatch{Summary: &s})
	wantCode(t, err, "document_not_found")
	// The same answer as for an ID that does not exist.
	_, err = v.Get(ctx, citizenB, archive.NewID(time.Now()), archive.Access{})
	wantCode(t, err, "document_not_found")

	// Another owner's vault is refused whether or not it exists.
	for _, owner := range []string{citizenA.Subject, "012345678901"} {
		_, err = v.List(ctx, citizenB, archive.ListQuery{OwnerID: owner}, archive.Access{})
		wantCode(t, err, "not_own_vault")
		_, _, err = v.Ledger(ctx, citizenB, owner, "", "", 10, archive.Access{})
		wantCode(t, err, "not_own_vault")
		_, err = v.Stats(ctx, citizenB, owner, archive.Access{})
		wantCode(t, err, "not_own_vault")
		_, err = v.FindReusable(ctx, citizenB, owner, "KHAI_SINH", archive.Date{}, archive.Access{})
		wantCode(t, err, "not_own_vault")
		_, err = v.Owner(ctx, citizenB, owner, archive.Access{})
		wantCode(t, err, "not_own_vault")
		_, err = v.Put(ctx, citizenB, birthCert(owner, pdfBytes("c")))
		wantCode(t, err, "not_own_vault")
	}
	if kerr.KindOf(err) != kerr.Permission {
		t.Fatalf("kind %v", kerr.KindOf(err))
	}
	// B's reads left no trace in A's ledger.
	for _, e := range ledger(t, v, citizenA.Subject) {
		if e.Actor == citizenB.Subject {
			t.Fatalf("ledger entry by the refused citizen: %+v", e)
		}
	}

	// Roles.
	_, err = v.Get(ctx, archive.Actor{Subject: citizenA.Subject, Role: "root"}, d.ID, archive.Access{})
	wantCode(t, err, "invalid_role")
	_, err = v.Get(ctx, archive.Actor{Role: archive.RoleStaff}, d.ID, archive.Access{})
	wantCode(t, err, "invalid_actor")
	_, err = v.PutDocumentType(ctx, staff, archive.DocumentType{Code: "X", Name: "X"})
	wantCode(t, err, "admin_only")
	_, _, err = v.LoadCatalog(ctx, citizenA, bytes.NewReader(archive.DefaultCatalog()))
	wantCode(t, err, "admin_only")
	_, err = v.SystemStats(ctx, citizenA)
	wantCode(t, err, "staff_only")
	if _, err := v.Get(ctx, staff, d.ID, archive.Access{Purpose: "thẩm định"}); err != nil {
		t.Fatalf("staff cannot read: %v", err)
	}
}

func TestOwners(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	o, err := v.RegisterOwner(ctx, staff, archive.OwnerInput{Kind: archive.Organization, IdentityNumber: "0101234567", Name: "Công ty TNHH Một Thành Viên"})
	wantCode(t, err, "")
	if o.ID != "0101234567" || o.Rev != 1 {
		t.Fatalf("owner %+v", o)
	}
	_, err = v.RegisterOwner(ctx, staff, archive.OwnerInput{Kind: archive.Organization, IdentityNumber: "0101234567"})
	wantCode(t, err, "owner_exists")
	_, err = v.RegisterOwner(ctx, staff, archive.OwnerInput{Kind: archive.Individual, IdentityNumber: "999999999999"})
	wantCode(t, err, "invalid_identity_number")
	_, err = v.RegisterOwner(ctx, citizenA, archive.OwnerInput{Kind: archive.Individual, IdentityNumber: citizenB.Subject})
	wantCode(t, err, "not_own_vault")
	_, err = v.RegisterOwner(ctx, citizenA, archive.OwnerInput{Kind: archive.Individual, IdentityNumber: citizenA.Subject})
	wantCode(t, err, "")
	derived, err := v.RegisterOwner(ctx, staff, archive.OwnerInput{Kind: archive.Individual, Name: "Trần Thị Bình", BirthYear: 1950, IDIssueDate: day(1990, 5, 1), IDIssuer: "Công an tỉnh Nam Định"})
	wantCode(t, err, "")
	if !strings.HasPrefix(derived.ID, "x") {
		t.Fatalf("derived ID %q", derived.ID)
	}
	// Staff store a result in the organisation's vault; staff must name an existing owner.
	res := archive.NewDocument{OwnerID: o.ID, Source: archive.SourceResult,
		Metadata: archive.Metadata{TypeCode: "GCN_DKDN", Name: "Giấy chứng nhận đăng ký doanh nghiệp",
			Fields: map[string]any{"maSoDoanhNghiep": "0101234567", "tenDoanhNghiep": "Công ty", "vonDieuLe": 1e9}},
		Upload: upload("gcn.pdf", pdfBytes("gcn"))}
	d, err := v.Put(ctx, staff, res)
	wantCode(t, err, "")
	if d.Source != archive.SourceResult || d.Fields["vonDieuLe"] != 1e9 {
		t.Fatalf("result %+v", d)
	}
	res.OwnerID = "0109999999"
	_, err = v.Put(ctx, staff, res)
	wantCode(t, err, "owner_not_found")
}

func TestCatalogue(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	types, err := v.DocumentTypes(ctx, citizenA)
	wantCode(t, err, "")
	procs, err := v.Procedures(ctx, citizenA)
	wantCode(t, err, "")
	if len(types) < 15 || len(procs) < 2 {
		t.Fatalf("default catalogue: %d types, %d procedures", len(types), len(procs))
	}
	dt, err := v.DocumentType(ctx, citizenA, "GPLX")
	wantCode(t, err, "")
	if dt.Name != "Giấy phép lái xe" || len(dt.Fields) == 0 {
		t.Fatalf("GPLX %+v", dt)
	}
	_, err = v.DocumentType(ctx, citizenA, "KHONG_CO")
	wantCode(t, err, "document_type_not_found")
	_, err = v.Procedure(ctx, citizenA, "KHONG_CO")
	wantCode(t, err, "procedure_not_found")

	_, err = v.PutProcedure(ctx, admin, archive.Procedure{Code: "P1", Name: "Thủ tục", Components: []archive.Component{{Code: "C1", Name: "Tờ khai", TypeCodes: []string{"KHONG_CO"}}}})
	wantCode(t, err, "unknown_document_type")
	p, err := v.PutProcedure(ctx, admin, archive.Procedure{Code: "P1", Name: "Thủ tục", Components: []archive.Component{{Code: "C1", Name: "Giấy phép", TypeCodes: []string{"GPLX"}}}})
	wantCode(t, err, "")
	if p.UpdatedAt.IsZero() {
		t.Fatal("no UpdatedAt")
	}

	// A bad file changes nothing: unknown fields, bad entries, trailing data.
	for _, tc := range []struct{ name, file, code string }{
		{"unknown field", `{"documentTypes": [], "extra": 1}`, "invalid_catalog"},
		{"not json", `{"documentTypes": [`, "invalid_catalog"},
		{"trailing", `{"documentTypes": []} {}`, "invalid_catalog"},
		{"bad type", `{"documentTypes": [{"code": "NEW_A", "name": "A"}, {"code": "bad code", "name": "B"}]}`, "invalid_type_code"},
		{"procedure names unknown type", `{"documentTypes": [{"code": "NEW_A", "name": "A"}], "procedures": [{"code": "P2", "name": "P", "components": [{"code": "C", "name": "C", "typeCodes": ["NOPE"]}]}]}`, "unknown_document_type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := v.LoadCatalog(ctx, admin, strings.NewReader(tc.file))
			wantCode(t, err, tc.code)
			_, err = v.DocumentType(ctx, admin, "NEW_A")
			wantCode(t, err, "document_type_not_found")
		})
	}
	// Types in the same file may be used by its procedures.
	nt, np, err := v.LoadCatalog(ctx, admin, strings.NewReader(`{"documentTypes": [{"code": "NEW_A", "name": "A", "fields": [{"name": "x", "label": "X", "type": "number"}]}], "procedures": [{"code": "P2", "name": "P", "components": [{"code": "C", "name": "C", "typeCodes": ["NEW_A"]}]}]}`))
	wantCode(t, err, "")
	if nt != 1 || np != 1 {
		t.Fatalf("loaded %d, %d", nt, np)
	}
}

func TestNewDefaults(t *testing.T) {
	v := newVault(t, archive.Config{})
	c := v.Config()
	if c.MaxUploadBytes != 50<<20 || c.DefaultQuotaBytes != 5<<30 || c.BlobGrace != 24*time.Hour || len(c.AllowedMediaTypes) != 11 {
		t.Fatalf("defaults %+v", c)
	}
}

// The blob store the vault runs on in production satisfies what it needs.
var _ archive.Blobs = (*storage.Bucket)(nil)
