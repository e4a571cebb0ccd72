// Package storagetest is the conformance suite of storage.Driver: Run
// exercises a storage.Bucket over a driver (and the driver directly where
// the Bucket would hide a fault), and every driver's tests call it. It also
// holds the shared benchmarks, so that every driver is measured the same way.
package storagetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/storage"
)

// Run runs the conformance suite. newDriver returns a new, empty driver
// each time it is called (and registers its own cleanup with t); the
// subtests run in parallel, each with its own driver.
//
// The round trip includes an 11 MiB blob: S3-like drivers should be
// configured with their smallest part size so that it takes the multipart
// path.
func Run(t *testing.T, newDriver func(t *testing.T) storage.Driver) {
	tests := []conformanceCase{
		{"Empty", testEmpty},
		{"RoundTrip", testRoundTrip},
		{"KnownHash", testKnownHash},
		{"WriteOnce", testWriteOnce},
		{"DriverNeverOverwrites", testDriverNeverOverwrites},
		{"TooLarge", testTooLarge},
		{"FailingReader", testFailingReader},
		{"CancelledPut", testCancelledPut},
		{"Abort", testAbort},
		{"Ranges", testRanges},
		{"ReadSeeker", testReadSeeker},
		{"ServeContent", testServeContent},
		{"StatDeleteList", testStatDeleteList},
		{"NotFound", testNotFound},
		{"ConcurrentSame", testConcurrentSame},
		{"ConcurrentDifferent", testConcurrentDifferent},
		{"InvalidKeys", testInvalidKeys},
		{"TrashRestorePurge", testTrash},
		{"TrashThenCommit", testTrashThenCommit},
		{"TrashInvalid", testTrashInvalid},
		{"PutClaimed", testPutClaimed},
		{"Collect", testCollect},
		{"CollectRacingWriter", testCollectRacingWriter},
		{"SweepTrash", testSweepTrash},
	}
	if flushes(t, newDriver(t)) {
		tests = append(tests, conformanceCase{"Flush", testFlush})
	}
	if rereads(t, newDriver(t)) {
		tests = append(tests, conformanceCase{"Reread", testReread}, conformanceCase{"PutStaged", testPutStaged})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newDriver(t))
		})
	}
}

// conformanceCase is one test of Run.
type conformanceCase struct {
	name string
	fn   func(t *testing.T, d storage.Driver)
}

// flushes reports whether d's staged writes are storage.Flushers.
func flushes(t *testing.T, d storage.Driver) bool {
	ctx := context.Background()
	st, err := d.Stage(ctx)
	if err != nil {
		t.Fatalf("Stage: %v", err)
	}
	defer st.Abort(ctx)
	_, ok := st.(storage.Flusher)
	return ok
}

// RunCorruption checks that integrity checks catch corruption: it stores a
// blob in d, calls corrupt to change its stored bytes behind the driver's
// back (a driver-specific act: flip a byte on disk, overwrite the object),
// and expects Verify and a full Open to fail with kind Integrity while
// Stat still works.
func RunCorruption(t *testing.T, d storage.Driver, corrupt func(t *testing.T, key string)) {
	t.Helper()
	ctx := context.Background()
	b := storage.NewBucket(d)
	data := Random(1, 100_000)
	hash, _ := mustPut(t, b, data)
	if err := b.Verify(ctx, hash); err != nil {
		t.Fatalf("Verify before corruption: %v", err)
	}
	corrupt(t, hash)
	err := b.Verify(ctx, hash)
	wantKind(t, err, kerr.Integrity, "Verify of a corrupted blob")
	if c := kerr.Outer(err); c == nil || c.Code != storage.CodeCorrupt {
		t.Errorf("Verify code = %v, want %s", err, storage.CodeCorrupt)
	}
	rc, err := b.Open(ctx, hash)
	if err != nil {
		t.Fatalf("Open of a corrupted blob: %v (the check belongs at the end of the read)", err)
	}
	_, err = io.ReadAll(rc)
	rc.Close()
	wantKind(t, err, kerr.Integrity, "reading a corrupted blob to the end")
	if _, err := b.Stat(ctx, hash); err != nil {
		t.Errorf("Stat of a corrupted blob: %v", err)
	}
}

// Random returns n pseudo-random bytes from seed.
func Random(seed uint64, n int) []byte {
	r := rand.New(rand.NewChaCha8(seedBytes(seed)))
	p := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		binary.LittleEndian.PutUint64(p[i:], r.Uint64())
	}
	for i := n &^ 7; i < n; i++ {
		p[i] = byte(r.Uint64())
	}
	return p
}

func seedBytes(seed uint64) (s [32]byte) {
	binary.LittleEndian.PutUint64(s[:], seed)
	return s
}

// SHA256 returns the lowercase hex SHA-256 of p.
func SHA256(p []byte) string {
	s := sha256.Sum256(p)
	return hex.EncodeToString(s[:])
}

func mustPut(t *testing.T, b *storage.Bucket, data []byte) (string, int64) {
	t.Helper()
	hash, size, err := b.Put(context.Background(), bytes.NewReader(data), -1)
	if err != nil {
		t.Fatalf("Put(%d bytes): %v", len(data), err)
	}
	return hash, size
}

func wantKind(t *testing.T, err error, k kerr.Kind, what string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want kind %v", what, k)
		return
	}
	if got := kerr.KindOf(err); got != k {
		t.Errorf("%s: error %v has kind %v, want %v", what, err, got, k)
	}
	if code, msg := kerr.Public(err); code == "" || msg == "" || code == "internal" && k != kerr.Internal {
		t.Errorf("%s: error %v has public code %q message %q", what, err, code, msg)
	}
}

func wantCode(t *testing.T, err error, code, what string) {
	t.Helper()
	if got, _ := kerr.Public(err); got != code {
		t.Errorf("%s: error %v has code %q, want %q", what, err, got, code)
	}
}

func listAll(t *testing.T, b *storage.Bucket) map[string]int64 {
	t.Helper()
	got := map[string]int64{}
	err := b.List(context.Background(), func(hash string, size int64, mod time.Time) error {
		if _, dup := got[hash]; dup {
			t.Errorf("List reported %s twice", hash)
		}
		got[hash] = size
		return nil
	})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	return got
}

func readAll(t *testing.T, rc io.ReadCloser, err error) []byte {
	t.Helper()
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer rc.Close()
	p, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return p
}

func testEmpty(t *testing.T, d storage.Driver) {
	if got := listAll(t, storage.NewBucket(d)); len(got) != 0 {
		t.Fatalf("a new driver lists %d blobs", len(got))
	}
}

func testRoundTrip(t *testing.T, d storage.Driver) {
	ctx := context.Background()
	b := storage.NewBucket(d)
	want := map[string]int64{}
	for i, n := range []int{0, 1, 4096, 3<<20 + 17, 11<<20 + 5} {
		data := Random(uint64(10+i), n)
		hash, size, err := b.Put(ctx, bytes.NewReader(data), int64(n))
		if err != nil {
			t.Fatalf("Put(%d bytes, max=size): %v", n, err)
		}
		if hash != SHA256(data) || size != int64(n) {
			t.Fatalf("Put(%d bytes) = %s, %d; want %s, %d", n, hash, size, SHA256(data), n)
		}
		want[hash] = size
		a, err := b.Stat(ctx, hash)
		if err != nil || a.Size != int64(n) || a.Key != hash {
			t.Fatalf("Stat = %+v, %v; want size %d", a, err, n)
		}
		if since := time.Since(a.ModTime); since < -time.Minute || since > time.Minute {
			t.Errorf("Stat ModTime %v is not about now", a.ModTime)
		}
		rc, err := b.Open(ctx, hash)
		if got := readAll(t, rc, err); !bytes.Equal(got, data) {
			t.Fatalf("Open(%d bytes) read %d different bytes", n, len(got))
		}
		rc, err = b.OpenRange(ctx, hash, 0, -1)
		if got := readAll(t, rc, err); !bytes.Equal(got, data) {
			t.Fatalf("OpenRange(0, -1) of %d bytes read %d different bytes", n, len(got))
		}
		if err := b.Verify(ctx, hash); err != nil {
			t.Fatalf("Verify(%d bytes): %v", n, err)
		}
	}
	if got := listAll(t, b); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("List = %v, want %v", got, want)
	}
}

func testKnownHash(t *testing.T, d storage.Driver) {
	b := storage.NewBucket(d)
	for in, want := range map[string]string{
		"":    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"abc": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	} {
		hash, _, err := b.Put(context.Background(), strings.NewReader(in), 10)
		if err != nil || hash != want {
			t.Errorf("Put(%q) = %s, %v; want %s", in, hash, err, want)
		}
	}
}

func testWriteOnce(t *testing.T, d storage.Driver) {
	ctx := context.Background()
	b := storage.NewBucket(d)
	data := Random(2, 200_000)
	hash, _ := mustPut(t, b, data)
	a1, err := b.Stat(ctx, hash)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // past any timestamp granularity
	hash2, size2, err := b.Put(ctx, bytes.NewReader(data), int64(len(data)))
	if err != nil || hash2 != hash || size2 != int64(len(data)) {
		t.Fatalf("second Put = %s, %d, %v; want %s, %d, nil", hash2, size2, err, hash, len(data))
	}
	a2, err := b.Stat(ctx, hash)
	if err != nil {
		t.Fatal(err)
	}
	// The second Put refreshes the blob's age (so that the collection of
	// old unreferenced blobs spares content that is about to be referenced
	// again) but must not change its bytes.
	if !a2.ModTime.After(a1.ModTime) {
		t.Errorf("second Put of the same content did not refresh its ModTime: %v, then %v", a1.ModTime, a2.ModTime)
	}
	if a2.Size != a1.Size {
		t.Errorf("second Put changed the size: %d, then %d", a1.Size, a2.Size)
	}
	if err := b.Verify(ctx, hash); err != nil {
		t.Errorf("content after the second Put: %v", err)
	}
	if err := d.Touch(ctx, SHA256([]byte("absent"))); !kerr.IsKind(err, kerr.NotFound) {
		t.Errorf("Touch of an absent key: %v, want kind NotFound", err)
	}
	if err := d.Touch(ctx, "../x"); !kerr.IsKind(err, kerr.Invalid) {
		t.Errorf("Touch of an invalid key: %v, want kind Invalid", err)
	}
	if got := listAll(t, b); len(got) != 1 {
		t.Errorf("List has %d blobs, want 1", len(got))
	}
}

// testDriverNeverOverwrites commits two different contents under one key
// through the driver directly (the Bucket would never do so).
func testDriverNeverOverwrites(t *testing.T, d storage.Driver) {
	ctx := context.Background()
	key := SHA256([]byte("first"))
	for i, content := range []string{"first", "second, different and longer"} {
		st, err := d.Stage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(st, content); err != nil {
			t.Fatal(err)
		}
		err = st.Commit(ctx, key)
		if i == 0 && err != nil {
			t.Fatalf("first Commit: %v", err)
		}
		if i == 1 && !kerr.IsKind(err, kerr.Conflict) {
			t.Fatalf("Commit to an existing key: %v, want kind Conflict", err)
		}
		if err := st.Abort(ctx); err != nil {
			t.Errorf("Abort after Commit: %v, want nil (no-op)", err)
		}
	}
	rc, err := d.Open(ctx, key, 0, -1)
	if got := readAll(t, rc, err); string(got) != "first" {
		t.Fatalf("key holds %q after a refused commit, want %q", got, "first")
	}
	n := 0
	if err := d.List(ctx, func(storage.Attrs) error { n++; return nil }); err != nil || n != 1 {
		t.Fatalf("driver List: %d blobs, %v; want 1 (a refused commit leaves nothing)", n, err)
	}
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func testTooLarge(t *testing.T, d storage.Driver) {
	ctx := context.Background()
	b := storage.NewBucket(d)
	for _, tc := range []struct{ size, max int64 }{{1001, 1000}, {6 << 20, 1 << 20}, {1, 0}} {
		cr := &countingReader{r: bytes.NewReader(Random(3, int(tc.size)))}
		_, _, err := b.Put(ctx, cr, tc.max)
		wantKind(t, err, kerr.TooLarge, fmt.Sprintf("Put(%d bytes, max %d)", tc.size, tc.max))
		wantCode(t, err, storage.CodeTooLarge, "Put over max")
		if cr.n > tc.max+1 {
			t.Errorf("Put(max %d) read %d bytes, want at most max+1", tc.max, cr.n)
		}
	}
	if got := listAll(t, b); len(got) != 0 {
		t.Fatalf("refused Puts left %d blobs", len(got))
	}
	// Exactly max is fine; so is an empty body with max 0.
	if _, size, err := b.Put(ctx, bytes.NewReader(Random(4, 1000)), 1000); err != nil || size != 1000 {
		t.Fatalf("Put(1000 bytes, max 1000) = %d, %v", size, err)
	}
	if _, _, err := b.Put(ctx, strings.NewReader(""), 0); err != nil {
		t.Fatalf("Put(0 bytes, max 0): %v", err)
	}
}

// failingReader returns n bytes of data, then err.
type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func testFailingReader(t *testing.T, d storage.Driver) {
	ctx := context.Background()
	b := storage.NewBucket(d)
	kerrReaderErr := kerr.New(kerr.Invalid, "upload_size_mismatch", "Tệp tải lên không đủ dung lượng đã khai báo.", "short body")
	for _, tc := range []struct {
		n        int
		err      error
		kind     kerr.Kind
		code     string
		sameCode bool
	}{
		{0, io.ErrUnexpectedEOF, kerr.Invalid, storage.CodeInterrupted, false},
		{100_000, io.ErrUnexpectedEOF, kerr.Invalid, storage.CodeInterrupted, false},
		{6<<20 + 3, errors.New("connection reset by peer"), kerr.Invalid, storage.CodeInterrupted, false},
		{1000, kerrReaderErr, kerr.Invalid, "upload_size_mismatch", true},
		{1000, &http.MaxBytesError{Limit: 1000}, kerr.TooLarge, storage.CodeTooLarge, false},
		{1000, context.Canceled, kerr.Unavailable, storage.CodeCancelled, false},
	} {
		what := fmt.Sprintf("Put of a reader failing after %d bytes with %v", tc.n, tc.err)
		_, _, err := b.Put(ctx, &failingReader{data: Random(5, tc.n), err: tc.err}, -1)
		wantKind(t, err, tc.kind, what)
		wantCode(t, err, tc.code, what)
		if !errors.Is(err, tc.err) {
			t.Errorf("%s: error %v does not wrap the reader's error", what, err)
		}
	}
	if got := listAll(t, b); len(got) != 0 {
		t.Fatalf("failed Puts left %d blobs", len(got))
	}
}

func testCancelledPut(t *testing.T, d storage.Driver) {
	b := storage.NewBucket(d)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := b.Put(ctx, strings.NewReader("never stored"), -1)
	if err == nil {
		t.Fatal("Put with a cancelled context succeeded")
	}
	if got := listAll(t, b); len(got) != 0 {
		t.Fatalf("a cancelled Put left %d blobs", len(got))
	}
}

func testAbort(t *testing.T, d storage.Driver) {
	ctx := context.Background()
	for _, n := range []int{10, 6<<20 + 1} {
		st, err := d.Stage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Write(Random(6, n)); err != nil {
			t.Fatal(err)
		}
		if err := st.Abort(ctx); err != nil {
			t.Fatalf("Abort after %d bytes: %v", n, err)
		}
		if err := st.Abort(ctx); err != nil {
			t.Fatalf("second Abort: %v", err)
		}
	}
	if got := listAll(t, storage.NewBucket(d)); len(got) != 0 {
		t.Fatalf("aborted writes left %d blobs", len(got))
	}
}

// testFlush (run for drivers whose staged writes are storage.Flushers)
// checks that bytes written after a Flush are kept too, that a flushed
// write can still be aborted, and that a Flush after the end of the write
// is refused.
func testFlush(t *testing.T, d storage.Driver) {
	ctx := context.Background()
	st, err := d.Stage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f := st.(storage.Flusher)
	data := Random(7, 3<<20+5)
	if _, err := st.Write(data[:1<<20]); err != nil {
		t.Fatal(err)
	}
	if err := f.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if _, err := st.Write(data[1<<20:]); err != nil {
		t.Fatal(err)
	}
	if err := f.Flush(ctx); err != nil {
		t.Fatalf("second Flush: %v", err)
	}
	key := SHA256(data)
	if err := st.Commit(ctx, key); err != nil {
		t.Fatalf("Commit after Flush: %v", err)
	}
	if err := f.Flush(ctx); err == nil {
		t.Fatal("Flush after Commit succeeded")
	}
	b := storage.NewBucket(d)
	rc, err := b.Open(ctx, key)
	if got := readAll(t, rc, err); !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes, want the %d written around the flushes", len(got), len(data))
	}

	// A flushed write that is aborted leaves nothing.
	st, err = d.Stage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Write(Random(8, 1000)); err != nil {
		t.Fatal(err)
	}
	if err := st.(storage.Flusher).Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Abort(ctx); err != nil {
		t.Fatalf("Abort after Flush: %v", err)
	}
	if got := listAll(t, b); len(got) != 1 {
		t.Fatalf("%d blobs after one commit and one aborted flushed write, want 1", len(got))
	}
}

func testRanges(t *testing.T, d storage.Driver) {
	ctx := context.Background()
	b := storage.NewBucket(d)
	data := Random(7, 1000)
	hash, _ := mustPut(t, b, data)
	for _, tc := range []struct {
		off, length int64
		want        []byte
	}{
		{0, 10, data[:10]},
		{500, 100, data[500:600]},
		{990, -1, data[990:]},
		{990, 100, data[990:]}, // cut at the end
		{999, 1, data[999:]},
		{0, 0, nil},
		{1000, -1, nil}, // at the end: empty
		{1000, 5, nil},
	} {
		rc, err := b.OpenRange(ctx, hash, tc.off, tc.length)
		if got := readAll(t, rc, err); !bytes.Equal(got, tc.want) {
			t.Errorf("OpenRange(%d, %d) read %d bytes, want %d", tc.off, tc.length, len(got), len(tc.want))
		}
	}
	for _, off := range []int64{1001, 5000, -1} {
		rc, err := b.OpenRange(ctx, hash, off, -1)
		if err == nil {
			rc.Close()
		}
		wantKind(t, err, kerr.Invalid, fmt.Sprintf("OpenRange(%d) of a 1000-byte blob", off))
		wantCode(t, err, storage.CodeInvalidRange, "OpenRange past the end")
	}
	// Driver level too: past the end is Invalid, not an empty read.
	if rc, err := d.Open(ctx, hash, 1001, 10); !kerr.IsKind(err, kerr.Invalid) {
		if err == nil {
			rc.Close()
		}
		t.Errorf("driver Open(1001) of a 1000-byte blob: %v, want kind Invalid", err)
	}
}

func testReadSeeker(t *testing.T, d storage.Driver) {
	ctx := context.Background()
	b := storage.NewBucket(d)
	data := Random(8, 300_000)
	hash, size := mustPut(t, b, data)

	rs := b.NewReadSeeker(ctx, hash, size)
	if end, err := rs.Seek(0, io.SeekEnd); err != nil || end != size {
		t.Fatalf("Seek(0, End) = %d, %v; want %d", end, err, size)
	}
	buf := make([]byte, 1000)
	for _, off := range []int64{0, 150_000, 1000, 2000, 60_000, 299_500} {
		if _, err := rs.Seek(off, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		n, err := io.ReadFull(rs, buf)
		want := data[off:min(off+1000, size)]
		if !bytes.Equal(buf[:n], want) || (err != nil && !(errors.Is(err, io.ErrUnexpectedEOF) && n == len(want))) {
			t.Fatalf("read 1000 at %d: %d bytes, %v; want %d bytes", off, n, err, len(want))
		}
	}
	if pos, err := rs.Seek(-100, io.SeekCurrent); err != nil || pos != size-100 {
		t.Fatalf("Seek(-100, Current) = %d, %v; want %d", pos, err, size-100)
	}
	if rest, err := io.ReadAll(rs); err != nil || !bytes.Equal(rest, data[size-100:]) {
		t.Fatalf("reading the last 100 bytes: %d bytes, %v", len(rest), err)
	}
	if _, err := rs.Seek(size+10, io.SeekStart); err != nil {
		t.Fatalf("Seek past the end: %v (allowed)", err)
	}
	if n, err := rs.Read(buf); n != 0 || err != io.EOF {
		t.Fatalf("Read past the end = %d, %v; want 0, EOF", n, err)
	}
	if _, err := rs.Seek(-1, io.SeekStart); !kerr.IsKind(err, kerr.Invalid) {
		t.Fatalf("Seek(-1) = %v, want kind Invalid", err)
	}
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if all, err := io.ReadAll(rs); err != nil || !bytes.Equal(all, data) {
		t.Fatalf("ReadAll from 0: %d bytes, %v", len(all), err)
	}
	if err := rs.Close(); err != nil {
		t.Fatal(err)
	}

	// A recorded size larger than the blob: Integrity when it shows.
	long := b.NewReadSeeker(ctx, hash, size+10)
	_, err := io.ReadAll(long)
	wantKind(t, err, kerr.Integrity, "reading past the real end of a blob")
	long.Close()
	long = b.NewReadSeeker(ctx, hash, size+10)
	long.Seek(size+5, io.SeekStart)
	_, err = long.Read(buf)
	wantKind(t, err, kerr.Integrity, "reading at an offset past the real end")
	long.Close()

	// Bad arguments: every Read fails.
	for _, rs := range []io.ReadSeekCloser{b.NewReadSeeker(ctx, "../etc/passwd", 10), b.NewReadSeeker(ctx, hash, -1)} {
		_, err := rs.Read(buf)
		wantKind(t, err, kerr.Invalid, "Read of a ReadSeeker with bad arguments")
		rs.Close()
	}
}

func testServeContent(t *testing.T, d storage.Driver) {
	ctx := context.Background()
	b := storage.NewBucket(d)
	data := Random(9, 100_000)
	hash, size := mustPut(t, b, data)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs := b.NewReadSeeker(r.Context(), hash, size)
		defer rs.Close()
		w.Header().Set("Content-Type", "application/octet-stream")
		http.ServeContent(w, r, "", time.Time{}, rs)
	}))
	defer srv.Close()

	get := func(rng string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, body
	}
	for _, tc := range []struct {
		rng    string
		status int
		want   []byte
	}{
		{"", http.StatusOK, data},
		{"bytes=100-199", http.StatusPartialContent, data[100:200]},
		{"bytes=99000-", http.StatusPartialContent, data[99000:]},
		{"bytes=-50", http.StatusPartialContent, data[size-50:]},
		{"bytes=99990-200000", http.StatusPartialContent, data[99990:]},
	} {
		resp, body := get(tc.rng)
		if resp.StatusCode != tc.status || !bytes.Equal(body, tc.want) {
			t.Errorf("GET Range %q: %d, %d bytes; want %d, %d bytes", tc.rng, resp.StatusCode, len(body), tc.status, len(tc.want))
		}
	}
	if resp, _ := get("bytes=200000-"); resp.StatusCode != http.StatusRequestedRangeNotSatisfiable {
		t.Errorf("GET past the end: %d, want 416", resp.StatusCode)
	}

	// Two ranges: multipart/byteranges with both parts right.
	resp, body := get("bytes=0-9,50000-50009")
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode != http.StatusPartialContent || err != nil || mt != "multipart/byteranges" {
		t.Fatalf("GET two ranges: %d %q %v", resp.StatusCode, resp.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for _, want := range [][]byte{data[0:10], data[50000:50010]} {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(p)
		if !bytes.Equal(got, want) {
			t.Errorf("multipart range part = %x, want %x", got, want)
		}
	}
}

func testStatDeleteList(t *testing.T, d storage.Driver) {
	ctx := context.Background()
	b := storage.NewBucket(d)
	want := map[string]int64{}
	var hashes []string
	for i := range 5 {
		hash, size := mustPut(t, b, Random(uint64(20+i), 1000*i))
		want[hash] = size
		hashes = append(hashes, hash)
	}
	start := time.Now()
	mods := map[string]time.Time{}
	err := b.List(ctx, func(hash string, size int64, mod time.Time) error {
		mods[hash] = mod
		return nil
	})
	if err != nil || len(mods) != 5 {
		t.Fatalf("List: %d blobs, %v", len(mods), err)
	}
	for h, m := range mods {
		if start.Sub(m) > time.Minute || m.Sub(start) > time.Minute {
			t.Errorf("List mod time of %s = %v, not about now", h, m)
		}
	}
	if got := listAll(t, b); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("List = %v, want %v", got, want)
	}

	// An error from fn stops the walk and comes back as is.
	stop := errors.New("stop here")
	calls := 0
	err = b.List(ctx, func(string, int64, time.Time) error { calls++; return stop })
	if err != stop || calls != 1 {
		t.Fatalf("List with a failing fn: %v after %d calls; want the fn's error after 1", err, calls)
	}

	gone := hashes[2]
	if err := b.Delete(ctx, gone); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	delete(want, gone)
	if got := listAll(t, b); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("List after Delete = %v, want %v", got, want)
	}
	wantKind(t, b.Delete(ctx, gone), kerr.NotFound, "second Delete")
	_, err = b.Stat(ctx, gone)
	wantKind(t, err, kerr.NotFound, "Stat after Delete")
	// The content can be stored again after a Delete.
	data := Random(22, 2000)
	if SHA256(data) != gone {
		t.Fatalf("test bug: blob 2 is not Random(22, 2000)")
	}
	if hash, _ := mustPut(t, b, data); hash != gone {
		t.Fatal("Put after Delete gave another hash")
	}
	if _, err := b.Stat(ctx, gone); err != nil {
		t.Fatalf("Stat after re-Put: %v", err)
	}
}

func testNotFound(t *testing.T, d storage.Driver) {
	ctx := context.Background()
	b := storage.NewBucket(d)
	mustPut(t, b, []byte("some other blob"))
	absent := SHA256([]byte("never stored"))
	_, err := b.Stat(ctx, absent)
	wantKind(t, err, kerr.NotFound, "Stat")
	wantCode(t, err, storage.CodeNotFound, "Stat")
	_, err = b.Open(ctx, absent)
	wantKind(t, err, kerr.NotFound, "Open")
	_, err = b.OpenRange(ctx, absent, 0, -1)
	wantKind(t, err, kerr.NotFound, "OpenRange")
	_, err = b.OpenRange(ctx, absent, 10, 5)
	wantKind(t, err, kerr.NotFound, "OpenRange(10, 5)")
	_, err = b.OpenRange(ctx, absent, 0, 0)
	wantKind(t, err, kerr.NotFound, "OpenRange(0, 0)")
	wantKind(t, b.Delete(ctx, absent), kerr.NotFound, "Delete")
	wantKind(t, b.Verify(ctx, absent), kerr.NotFound, "Verify")
	rs := b.NewReadSeeker(ctx, absent, 10)
	_, err = rs.Read(make([]byte, 5))
	wantKind(t, err, kerr.NotFound, "ReadSeeker Read")
	rs.Close()
	_, err = d.Stat(ctx, absent)
	if !kerr.IsKind(err, kerr.NotFound) {
		t.Errorf("driver Stat of an absent key: %v, want kind NotFound", err)
	}
}

func testConcurrentSame(t *testing.T, d storage.Driver) {
	b := storage.NewBucket(d)
	data := Random(30, 3<<20)
	const n = 6
	hashes := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			hashes[i], _, errs[i] = b.Put(context.Background(), bytes.NewReader(data), -1)
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || hashes[i] != SHA256(data) {
			t.Errorf("concurrent Put %d of the same content: %s, %v", i, hashes[i], errs[i])
		}
	}
	if got := listAll(t, b); len(got) != 1 || got[SHA256(data)] != int64(len(data)) {
		t.Fatalf("List after concurrent Puts of one content = %v", got)
	}
	if err := b.Verify(context.Background(), SHA256(data)); err != nil {
		t.Fatal(err)
	}
}

func testConcurrentDifferent(t *testing.T, d storage.Driver) {
	b := storage.NewBucket(d)
	const n = 8
	want := map[string]int64{}
	datas := make([][]byte, n)
	for i := range n {
		datas[i] = Random(uint64(40+i), 100_000+i)
		want[SHA256(datas[i])] = int64(len(datas[i]))
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			var h string
			h, _, errs[i] = b.Put(context.Background(), bytes.NewReader(datas[i]), -1)
			if errs[i] == nil && h != SHA256(datas[i]) {
				errs[i] = fmt.Errorf("hash %s, want %s", h, SHA256(datas[i]))
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent Put %d: %v", i, err)
		}
	}
	if got := listAll(t, b); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("List = %v, want %v", got, want)
	}
	for h := range want {
		if err := b.Verify(context.Background(), h); err != nil {
			t.Errorf("Verify %s: %v", h, err)
		}
	}
}

// BadKeys returns keys every driver and the Bucket must refuse: paths
// that would escape a root, NUL, wrong case, wrong length.
func BadKeys() []string {
	return []string{
		"",
		"../../../../etc/passwd",
		"/etc/passwd",
		"..",
		"tmp",
		"ab/cd/" + strings.Repeat("a", 58),
		strings.Repeat("a", 63),
		strings.Repeat("a", 65),
		strings.Repeat("A", 64),
		strings.Repeat("g", 64),
		strings.Repeat("a", 63) + "\x00",
		"../" + strings.Repeat("a", 61),
		strings.Repeat("a", 32) + "/../" + strings.Repeat("a", 28),
		strings.Repeat("a", 62) + "\n",
	}
}

func testInvalidKeys(t *testing.T, d storage.Driver) {
	ctx := context.Background()
	b := storage.NewBucket(d)
	mustPut(t, b, []byte("a blob, so the store is not empty"))
	for _, key := range BadKeys() {
		what := fmt.Sprintf("key %q", key)
		_, err := b.Stat(ctx, key)
		wantKind(t, err, kerr.Invalid, "Bucket.Stat "+what)
		wantCode(t, err, storage.CodeInvalidKey, "Bucket.Stat "+what)
		_, err = b.Open(ctx, key)
		wantKind(t, err, kerr.Invalid, "Bucket.Open "+what)
		_, err = b.OpenRange(ctx, key, 0, -1)
		wantKind(t, err, kerr.Invalid, "Bucket.OpenRange "+what)
		wantKind(t, b.Delete(ctx, key), kerr.Invalid, "Bucket.Delete "+what)
		wantKind(t, b.Verify(ctx, key), kerr.Invalid, "Bucket.Verify "+what)

		// The driver refuses them too, whatever the Bucket does.
		if _, err := d.Stat(ctx, key); !kerr.IsKind(err, kerr.Invalid) {
			t.Errorf("driver Stat %s: %v, want kind Invalid", what, err)
		}
		if rc, err := d.Open(ctx, key, 0, -1); !kerr.IsKind(err, kerr.Invalid) {
			if err == nil {
				rc.Close()
			}
			t.Errorf("driver Open %s: %v, want kind Invalid", what, err)
		}
		if err := d.Delete(ctx, key); !kerr.IsKind(err, kerr.Invalid) {
			t.Errorf("driver Delete %s: %v, want kind Invalid", what, err)
		}
		st, err := d.Stage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(st, "escape attempt")
		if err := st.Commit(ctx, key); !kerr.IsKind(err, kerr.Invalid) {
			t.Errorf("driver Commit %s: %v, want kind Invalid", what, err)
		}
		st.Abort(ctx)
	}
	if got := listAll(t, b); len(got) != 1 {
		t.Fatalf("after refused keys List has %d blobs, want 1", len(got))
	}
}
