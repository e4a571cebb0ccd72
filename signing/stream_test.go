package signing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/digitorus/pdf"
	"github.com/kho-vn/kho/certs-test/pki"
)

// formWithIndirectArrays is a one-page PDF with a text field and a link:
// with indirectForm, the catalog's /AcroForm is an object of its own;
// either way /Fields and the page's /Annots are indirect arrays.
func formWithIndirectArrays(indirectForm bool) []byte {
	text := "BT /F1 18 Tf 72 760 Td (Kho test page 1 of 1) Tj ET"
	form := "/AcroForm 6 0 R"
	if !indirectForm {
		form = "/AcroForm << /Fields 7 0 R /DA (/Helv 0 Tf 0 g) >>"
	}
	return assemblePDF([]string{
		"<< /Type /Catalog /Pages 2 0 R " + form + " >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R /Annots 8 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(text), text),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		"<< /Fields 7 0 R /DA (/Helv 0 Tf 0 g) >>",
		"[9 0 R]",
		"[9 0 R 10 0 R]",
		"<< /Type /Annot /Subtype /Widget /FT /Tx /T (hoTen) /Rect [100 100 300 120] /P 3 0 R /V (An) >>",
		"<< /Type /Annot /Subtype /Link /Rect [100 200 300 220] /Border [0 0 0] /A << /S /URI /URI (https://example.vn) >> >>",
	})
}

// The streaming signer keeps the document's fields and annotations when
// they sit in indirect arrays, and two signatures in a row are both valid
// for pdfsig, qpdf and our verifier, which sees only allowed changes.
func TestStreamSignIndirectArrays(t *testing.T) {
	e := getEnv(t)
	for _, indirect := range []bool{true, false} {
		t.Run(fmt.Sprintf("indirect AcroForm %v", indirect), func(t *testing.T) {
			in := formWithIndirectArrays(indirect)
			first := signBytes(t, e.signer(t, pki.Personal, Options{Name: "Nguyễn Văn An", Reason: "Người lập"}), in)
			second := signBytes(t, e.signer(t, pki.Seal, Options{Level: LevelBT, TSAURL: e.tsaURL}), first)
			for _, doc := range [][]byte{first, second} {
				qpdfCheck(t, doc)
			}
			if !bytes.HasPrefix(second, first) || !bytes.HasPrefix(first, in) {
				t.Fatal("not incremental updates")
			}
			rep := runPdfsig(t, second)
			if len(rep.signatures) != 2 {
				t.Fatalf("pdfsig: %d signatures\n%s", len(rep.signatures), rep.out)
			}
			for i, s := range rep.signatures {
				if s.validation != "Signature is Valid." || s.subFilter != "ETSI.CAdES.detached" {
					t.Fatalf("pdfsig signature %d: %+v\n%s", i+1, s, rep.out)
				}
			}
			if !strings.Contains(rep.out, "Nguyễn Văn An") && !strings.Contains(rep.out, "Người lập") {
				t.Logf("pdfsig does not show the Vietnamese name or reason:\n%s", rep.out)
			}
			vr := verifyBytes(t, second, VerifyOptions{Roots: e.pki.Roots(), Checker: e.checker()})
			if len(vr.Signatures) != 2 {
				t.Fatalf("%d signatures", len(vr.Signatures))
			}
			for i, s := range vr.Signatures {
				if s.Verdict != TotalPassed {
					t.Fatalf("signature %d: %s/%s %s %+v", i, s.Verdict, s.SubIndication, s.Detail, s.Changes)
				}
			}

			rdr, err := pdf.NewReader(bytes.NewReader(second), int64(len(second)))
			if err != nil {
				t.Fatal(err)
			}
			root := rdr.Trailer().Key("Root")
			fields := root.Key("AcroForm").Key("Fields")
			annots := root.Key("Pages").Key("Kids").Index(0).Key("Annots")
			if fields.Len() != 3 || annots.Len() != 4 || root.Key("AcroForm").Key("SigFlags").Int64() != 3 {
				t.Fatalf("%d fields, %d annotations, SigFlags %v", fields.Len(), annots.Len(), root.Key("AcroForm").Key("SigFlags"))
			}
			if fields.Index(0).Key("T").Text() != "hoTen" || annots.Index(1).Key("Subtype").Name() != "Link" {
				t.Fatal("the document's own field or link was lost")
			}
			names := map[string]bool{}
			for i := 1; i < 3; i++ {
				f := fields.Index(i)
				names[f.Key("T").Text()] = true
				if f.Key("FT").Name() != "Sig" || f.Key("Rect").Index(2).Float64() != 0 || f.Key("P").GetPtr() != root.Key("Pages").Key("Kids").Index(0).GetPtr() {
					t.Fatalf("signature field %d: %v", i, f)
				}
				if annots.Index(i+1).GetPtr() != f.GetPtr() {
					t.Fatalf("annotation %d is not the signature widget", i+1)
				}
			}
			if len(names) != 2 {
				t.Fatalf("field names not unique: %v", names)
			}
			sig := fields.Index(1).Key("V")
			if sig.Key("Name").Text() != "Nguyễn Văn An" || sig.Key("M").RawString() == "" {
				t.Fatalf("signature dictionary: %v", sig)
			}
			// PAdES: no signing-time signed attribute.
			if cms := trimDER([]byte(sig.Key("Contents").RawString())); bytes.Contains(cms, []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05}) {
				t.Fatal("the CMS carries a signing-time attribute")
			}
		})
	}
}

// countingReaderAt counts the bytes read through it.
type countingReaderAt struct {
	r io.ReaderAt
	n int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n += int64(n)
	return n, err
}

// hashWriter hashes what is written and counts it.
type hashWriter struct {
	h interface {
		io.Writer
		Sum([]byte) []byte
	}
	n    int64
	tail bytes.Buffer // the last bytes written after skip
	skip int64
}

func (w *hashWriter) Write(p []byte) (int, error) {
	w.h.Write(p)
	if w.n+int64(len(p)) > w.skip {
		from := max(0, w.skip-w.n)
		w.tail.Write(p[from:])
	}
	w.n += int64(len(p))
	return len(p), nil
}

// bigPDF returns a one-page PDF whose content stream is about size bytes.
func bigPDF(size int) []byte {
	line := "0.5 w 10 10 m 585 832 l S\n"
	content := strings.Repeat(line, size/len(line))
	return assemblePDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
	})
}

// Signing a large document allocates a small, fixed amount: the document
// is read (prescan, hash, copy) but never held.
func TestStreamSignDoesNotHoldTheDocument(t *testing.T) {
	e := getEnv(t)
	const size = 48 << 20
	doc := bigPDF(size)
	for _, level := range []Level{LevelBT, LevelBLTA} {
		t.Run(level.String(), func(t *testing.T) {
			s := e.signer(t, pki.Personal, Options{Level: level, TSAURL: e.tsaURL})
			in := &countingReaderAt{r: bytes.NewReader(doc)}
			out := &hashWriter{h: sha256.New(), skip: int64(len(doc))}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			res, err := s.Sign(context.Background(), in, int64(len(doc)), out)
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("%s: read %d MB, allocated %.1f MB, update %d bytes", level, in.n>>20, float64(alloc)/(1<<20), out.tail.Len())
			if alloc > 16<<20 {
				t.Fatalf("signing a %d MB PDF allocated %d MB", size>>20, alloc>>20)
			}
			if res.Size != out.n || out.n != int64(len(doc)+out.tail.Len()) {
				t.Fatalf("result size %d, written %d", res.Size, out.n)
			}
			whole := sha256.New()
			whole.Write(doc)
			whole.Write(out.tail.Bytes())
			if !bytes.Equal(whole.Sum(nil), out.h.Sum(nil)) {
				t.Fatal("the output is not the input followed by the update")
			}
			signed := append(bytes.Clone(doc), out.tail.Bytes()...)
			vr := verifyBytes(t, signed, VerifyOptions{Roots: e.pki.Roots(), Checker: e.checker()})
			if len(vr.Signatures) == 0 || vr.Signatures[0].Verdict != TotalPassed || vr.Signatures[0].Level != level.String() {
				t.Fatalf("verify: %+v", *vr.Signatures[0])
			}
		})
	}
}

// Extend, as an archive runs it later, does not hold the document either.
func TestExtendDoesNotHoldTheDocument(t *testing.T) {
	e := getEnv(t)
	var signed bytes.Buffer
	doc := bigPDF(48 << 20)
	if _, err := e.signer(t, pki.Personal, Options{Level: LevelBT, TSAURL: e.tsaURL}).Sign(context.Background(), bytes.NewReader(doc), int64(len(doc)), &signed); err != nil {
		t.Fatal(err)
	}
	doc = signed.Bytes()
	out := &hashWriter{h: sha256.New(), skip: int64(len(doc))}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := Extend(context.Background(), bytes.NewReader(doc), int64(len(doc)), out, LevelBLTA, ExtendOptions{Checker: e.checker(), TSAURL: e.tsaURL})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("Extend to B-LTA: allocated %.1f MB, update %d bytes", float64(alloc)/(1<<20), out.tail.Len())
	if alloc > 16<<20 || res.Level != LevelBLTA || res.DocTimestamp.IsZero() || res.Size != out.n {
		t.Fatalf("allocated %d MB, result %+v", alloc>>20, res)
	}
	vr := verifyBytes(t, append(bytes.Clone(doc), out.tail.Bytes()...), VerifyOptions{Roots: e.pki.Roots(), Checker: offlineChecker(e)})
	if len(vr.Signatures) != 2 || vr.Signatures[0].Verdict != TotalPassed || vr.Signatures[0].Level != "B-LTA" || vr.Signatures[1].Verdict != TotalPassed {
		t.Fatalf("verify: %+v %+v", *vr.Signatures[0], vr.Signatures[1:])
	}
}

// A signature value larger than its reservation is made again with room.
func TestStreamSignReservationRetry(t *testing.T) {
	doc := makePDF(1)
	rdr, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	value := bytes.Repeat([]byte{0x30}, 300)
	sig := streamSig{entries: "/Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached", reserve: 100,
		contents: func(context.Context, []byte) ([]byte, error) { calls++; return value, nil }}
	update, err := appendSignatureRetry(context.Background(), bytes.NewReader(doc), int64(len(doc)), rdr, sig)
	if err != nil || calls != 2 {
		t.Fatalf("calls %d, err %v", calls, err)
	}
	signed := append(bytes.Clone(doc), update...)
	r2, err := pdf.NewReader(bytes.NewReader(signed), int64(len(signed)))
	if err != nil {
		t.Fatal(err)
	}
	v := r2.Trailer().Key("Root").Key("AcroForm").Key("Fields").Index(0).Key("V")
	br := v.Key("ByteRange")
	if !bytes.HasPrefix([]byte(v.Key("Contents").RawString()), value) || br.Len() != 4 ||
		br.Index(2).Int64()+br.Index(3).Int64() != int64(len(signed)) || signed[br.Index(1).Int64()] != '<' || signed[br.Index(2).Int64()-1] != '>' {
		t.Fatalf("signature dictionary %v", v)
	}
}
