package signing

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/internal/kerr"
)

// hostileFixtures are the files of testdata/hostile: each made kho verify
// crash (out of memory, stack overflow) or hang before the parse budget.
func hostileFixtures(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("testdata/hostile/*.pdf")
	if err != nil || len(files) < 8 {
		t.Fatalf("hostile fixtures: %v %v", files, err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = b
	}
	return out
}

// TestParseBudgetHostile: Verify, Sign and Extend refuse every hostile
// fixture with pdf_invalid, quickly, and so they do when the hostile
// cross-reference section hides in the data of another stream.
func TestParseBudgetHostile(t *testing.T) {
	e := getEnv(t)
	opts := VerifyOptions{Roots: e.pki.Roots()}
	signer := quickSigner(t)
	for name, in := range hostileFixtures(t) {
		t.Run(name, func(t *testing.T) {
			_, err := verifyBounded(t, in, opts)
			wantKerr(t, err, kerr.Invalid, "pdf_invalid")
			var out bytes.Buffer
			_, err = signer.Sign(context.Background(), bytes.NewReader(in), int64(len(in)), &out)
			wantKerr(t, err, kerr.Invalid, "pdf_invalid")
			if out.Len() != 0 {
				t.Fatal("output written")
			}
			_, err = Extend(context.Background(), bytes.NewReader(in), int64(len(in)), &out, LevelBLT, ExtendOptions{Checker: e.checker()})
			wantKerr(t, err, kerr.Invalid, "pdf_invalid")
		})
	}
	// A valid file whose last startxref points at an xref stream kept
	// inside the data of an image stream.
	hidden := []string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"}
	xs := "9 0 obj\n<< /Type /XRef /Size 68719476736 /W [1 2 1] /Root 1 0 R /Length 0 >>\nstream\n\nendstream\nendobj\n"
	hidden = append(hidden, fmt.Sprintf("<< /Type /XObject /Subtype /Image /Length %d >>\nstream\n%s\nendstream", len(xs), xs))
	doc := assemblePDF(hidden)
	at := bytes.Index(doc, []byte("9 0 obj"))
	doc = append(doc, fmt.Sprintf("startxref\n%d\n%%%%EOF\n", at)...)
	_, err := verifyBounded(t, doc, opts)
	wantKerr(t, err, kerr.Invalid, "pdf_invalid")
}

// TestParseBudgetLimits: a parse over its time gives pdf_too_complex (not
// a hang, not pdf_invalid); a file whose reader would hold more than the
// memory budget is refused before it is parsed; a pool smaller than what
// a parse reserves makes the next one wait, then give up with pdf_busy.
func TestParseBudgetLimits(t *testing.T) {
	e := getEnv(t)
	signed := signBytes(t, e.signer(t, pki.Personal, Options{}), makePDF(3))
	opts := VerifyOptions{Roots: e.pki.Roots(), Budget: ParseBudget{Time: time.Nanosecond}}
	_, err := verifyBounded(t, signed, opts)
	wantKerr(t, err, kerr.TooLarge, "pdf_too_complex")
	var out bytes.Buffer
	_, err = e.signer(t, pki.Personal, Options{Budget: ParseBudget{Time: time.Nanosecond}}).Sign(context.Background(), bytes.NewReader(signed), int64(len(signed)), &out)
	wantKerr(t, err, kerr.TooLarge, "pdf_too_complex")

	// A million empty arrays: 2 MB that a reader makes about 1.5 GB of.
	arrays := assemblePDF([]string{"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields 3 0 R >> >>", "<< /Type /Pages /Kids [] /Count 0 >>",
		"[" + strings.Repeat("[]", 1_000_000) + "]"})
	_, err = verifyBounded(t, arrays, VerifyOptions{Roots: e.pki.Roots()})
	wantKerr(t, err, kerr.TooLarge, "pdf_too_complex")
	// Under a budget of 64 MiB, 100,000 of them too.
	some := assemblePDF([]string{"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields 3 0 R >> >>", "<< /Type /Pages /Kids [] /Count 0 >>",
		"[" + strings.Repeat("[]", 100_000) + "]"})
	if _, err := verifyBounded(t, some, VerifyOptions{Roots: e.pki.Roots()}); err != nil {
		t.Fatalf("100,000 arrays, default budget: %v", err)
	}
	_, err = verifyBounded(t, some, VerifyOptions{Roots: e.pki.Roots(), Budget: ParseBudget{Memory: 64 << 20}})
	wantKerr(t, err, kerr.TooLarge, "pdf_too_complex")

	// A pool held by one parse: the next waits for it, until its time.
	pool := NewMemoryPool(1 << 20)
	if err := pool.sem.Acquire(context.Background(), 1<<20); err != nil {
		t.Fatal(err)
	}
	_, err = verifyBounded(t, signed, VerifyOptions{Roots: e.pki.Roots(), Budget: ParseBudget{Pool: pool, Time: 200 * time.Millisecond}})
	wantKerr(t, err, kerr.Unavailable, "pdf_busy")
	pool.sem.Release(1 << 20)
	rep, err := verifyBounded(t, signed, VerifyOptions{Roots: e.pki.Roots(), Budget: ParseBudget{Pool: pool}})
	if err != nil || len(rep.Signatures) != 1 || rep.Signatures[0].Verdict != TotalPassed {
		t.Fatalf("with a free pool: %v %+v", err, rep)
	}
	if !pool.sem.TryAcquire(1 << 20) {
		t.Fatal("the parse did not give its reservation back")
	}
}
