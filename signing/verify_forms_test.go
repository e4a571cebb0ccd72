package signing

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"slices"
	"testing"

	"github.com/digitorus/pdf"
	"github.com/kho-vn/kho/certs-test/pki"
)

// formPDF is a one-page PDF with one text field, "hoTen" (object 4, a
// field merged with its widget).
func formPDF() []byte {
	return assemblePDF([]string{
		"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] /DA (/Helv 0 Tf 0 g) >> >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [4 0 R] >>",
		"<< /FT /Tx /T (hoTen) /Type /Annot /Subtype /Widget /Rect [72 700 300 720] /P 3 0 R /F 4 /DA (/Helv 12 Tf 0 g) >>",
	})
}

// fill appends an update that sets field 4 to value with a new appearance
// stream; extra rewrites more: "page" also rewrites the page, "orphan"
// adds an object nothing references.
func fill(t *testing.T, doc []byte, value, extra string) []byte {
	t.Helper()
	rdr, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	u := newIncUpdate(rdr, int64(len(doc)), doc[len(doc)-1])
	content := fmt.Sprintf("/Tx BMC BT /Helv 12 Tf 2 5 Td (%s) Tj ET EMC", value)
	ap := u.add([]byte(fmt.Sprintf("<< /Type /XObject /Subtype /Form /BBox [0 0 228 20] /Length %d >>\nstream\n%s\nendstream", len(content), content)))
	field, err := rdr.GetObject(4)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString("<<")
	if err := writeEntries(&b, field, func(k string) bool { return k == "V" || k == "AP" }); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, " /V <%s> /AP << /N %d 0 R >> >>", hex.EncodeToString([]byte(value)), ap)
	u.set(4, 0, b.Bytes())
	switch extra {
	case "page":
		u.set(3, 0, []byte("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 595] /Annots [4 0 R] >>"))
	case "orphan":
		u.add([]byte("<< /Whatever true >>"))
	}
	update, err := u.finish(rdr.Trailer().Key("Root").GetPtr())
	if err != nil {
		t.Fatal(err)
	}
	return append(bytes.Clone(doc), update...)
}

func TestFormFilling(t *testing.T) {
	e := getEnv(t)
	opts := VerifyOptions{Roots: e.pki.Roots()}
	certify := func(p Certification) []byte {
		return signBytes(t, e.signer(t, pki.Seal, Options{Certification: p}), formPDF())
	}
	p2 := certify(CertifyFormFilling)
	p2approved := signBytes(t, e.signer(t, pki.Personal, Options{}), p2)
	type sig struct {
		verdict Verdict
		sub     string
		change  string // kind of the last change
		allowed bool
	}
	cases := []struct {
		name string
		doc  []byte
		want []sig
	}{
		{"P=2, filled", fill(t, p2, "Nguyen Van An", ""), []sig{{TotalPassed, "", ChangeFormFilling, true}}},
		{"P=2, filled twice", fill(t, fill(t, p2, "A", ""), "B", ""), []sig{{TotalPassed, "", ChangeFormFilling, true}}},
		{"P=1, filled", fill(t, certify(CertifyNoChanges), "x", ""), []sig{{Indeterminate, SubSigConstraintsFailure, ChangeFormFilling, false}}},
		{"P=2 then an approval locking all fields, filled", fill(t, p2approved, "x", ""), []sig{
			{TotalPassed, "", ChangeFormFilling, true}, {Indeterminate, SubSigConstraintsFailure, ChangeFormFilling, false}}},
		{"P=2, filled and the page changed", fill(t, p2, "x", "page"), []sig{{Indeterminate, SubChangesNotClassified, ChangeUnclassified, false}}},
		{"P=2, filled with an unreferenced object", fill(t, p2, "x", "orphan"), []sig{{Indeterminate, SubChangesNotClassified, ChangeUnclassified, false}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := verifyBytes(t, c.doc, opts)
			if len(rep.Signatures) != len(c.want) {
				t.Fatalf("%d signatures", len(rep.Signatures))
			}
			for i, w := range c.want {
				s := rep.Signatures[i]
				last := s.Changes[len(s.Changes)-1]
				if s.Verdict != w.verdict || s.SubIndication != w.sub || last.Kind != w.change || last.Allowed != w.allowed {
					t.Fatalf("signature %d: %s/%s (%s), changes %+v; want %+v", i, s.Verdict, s.SubIndication, s.Detail, s.Changes, w)
				}
				if last.Kind == ChangeFormFilling && !slices.Equal(last.Fields, []string{"hoTen"}) {
					t.Fatalf("fields %v", last.Fields)
				}
			}
		})
	}
}
