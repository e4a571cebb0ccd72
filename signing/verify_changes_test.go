package signing

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/digitorus/pdf"
	"github.com/kho-vn/kho/certs-test/pki"
)

// handUpdate is an incremental update written by hand: the objects it
// writes (number → body) with their generations (0 unless said), and the
// numbers its cross-reference section marks free.
type handUpdate struct {
	objs map[int]string
	gens map[int]int
	free []int
}

// with returns a copy of u that also writes (or, with an empty body, no
// longer writes) the objects of more.
func (u handUpdate) with(more map[int]string) handUpdate {
	c := handUpdate{objs: maps.Clone(u.objs), gens: maps.Clone(u.gens), free: slices.Clone(u.free)}
	for n, body := range more {
		if body == "" {
			delete(c.objs, n)
		} else {
			c.objs[n] = body
		}
	}
	return c
}

// emptyStream is a stream object body with dictionary dict and no data.
func emptyStream(dict string) string { return withStream(dict, "") }

// withStream is a stream object body with dictionary dict (without
// /Length, added here) and data.
func withStream(dict, data string) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// appendHandUpdate appends u to pdf, whose last cross-reference section is
// a classic table, and returns the result.
func appendHandUpdate(t *testing.T, pdf []byte, u handUpdate) []byte {
	t.Helper()
	rdr := readerOf(t, pdf)
	size := int(rdr.Trailer().Key("Size").Int64())
	var b bytes.Buffer
	b.Write(pdf)
	type entry struct {
		off, gen int
		free     bool
	}
	entries := map[int]entry{0: {gen: 65535, free: true}}
	for _, n := range slices.Sorted(maps.Keys(u.objs)) {
		g := u.gens[n]
		entries[n] = entry{off: b.Len(), gen: g}
		fmt.Fprintf(&b, "%d %d obj\n%s\nendobj\n", n, g, u.objs[n])
		size = max(size, n+1)
	}
	for _, n := range u.free {
		entries[n] = entry{gen: 1, free: true}
	}
	xref := b.Len()
	b.WriteString("xref\n")
	for _, n := range slices.Sorted(maps.Keys(entries)) {
		e, kind := entries[n], "n"
		if e.free {
			kind = "f"
		}
		fmt.Fprintf(&b, "%d 1\n%010d %05d %s \n", n, e.off, e.gen, kind)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", size, rdr.XrefInformation.StartPos, xref)
	return b.Bytes()
}

// readerOf opens b with the PDF reader.
func readerOf(t *testing.T, b []byte) *pdf.Reader {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The objects of makePDF(1): 1 catalog, 2 pages, 3 font, 4 page, 5 content.
const (
	handPage      = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R /Annots 9 0 R >>"
	handSigDict   = "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /ByteRange [0 0 0 0] /Contents <00> >>"
	handEmptyForm = "/Subtype /Form /BBox [0 0 0 0] /Resources << /Font << /pf 10 0 R >> >>"
)

// handWidget is a signature field and its widget on page 4.
func handWidget(name string, ap, sig int) string {
	return fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Sig /T (%s) /Rect [0 0 0 0] /F 132 /P 4 0 R /AP << /N %d 0 R >> /V %d 0 R >>", name, ap, sig)
}

// firstSignatureUpdate is what pdfsig writes when it signs makePDF(1): the
// catalog with a new AcroForm (its field and a /DR font), the page with a
// new indirect /Annots, the widget, its empty appearance, the signature
// dictionary, and an empty form XObject that nothing uses, at generation 1.
func firstSignatureUpdate() handUpdate {
	return handUpdate{objs: map[int]string{
		1:  "<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R >>",
		4:  handPage,
		6:  "<< /Fields [7 0 R] /DR << /Font << /pf 10 0 R >> >> /SigFlags 3 >>",
		7:  handWidget("S1", 11, 8),
		8:  handSigDict,
		9:  "[7 0 R]",
		10: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold >>",
		11: emptyStream(handEmptyForm),
		12: emptyStream(handEmptyForm),
	}, gens: map[int]int{12: 1}}
}

// secondSignatureUpdate is what pdfsig writes when it signs the result of
// firstSignatureUpdate again: the AcroForm and the page's /Annots array
// rewritten with the new field, its widget, appearance and signature, and
// an unused empty form XObject at generation 1.
func secondSignatureUpdate() handUpdate {
	return handUpdate{objs: map[int]string{
		6:  "<< /Fields [7 0 R 13 0 R] /DR << /Font << /pf 10 0 R >> >> /SigFlags 3 >>",
		9:  "[7 0 R 13 0 R]",
		13: handWidget("S2", 15, 14),
		14: handSigDict,
		15: emptyStream(handEmptyForm),
		16: emptyStream(handEmptyForm),
	}, gens: map[int]int{16: 1}}
}

// TestSignatureUpdateRules checks the later-signature classifier on
// updates written by hand: the shapes of pdfsig's, Kho's and PDFBox's
// signature updates are a later signature; the same with anything else in
// them — a change of page content, of an existing annotation or field, of
// the AcroForm beyond fields, /DR and /SigFlags, a freed or renumbered
// object, an update that gives a dangling reference something to point
// at — is not.
func TestSignatureUpdateRules(t *testing.T) {
	base := makePDF(1)
	one := appendHandUpdate(t, base, firstSignatureUpdate())
	if !isSignatureUpdate(bytes.NewReader(one), int64(len(base)), int64(len(one)), newWalkBudget()) {
		t.Fatal("pdfsig's first signature update is not a later signature")
	}
	second := secondSignatureUpdate()
	check := func(t *testing.T, u handUpdate, want bool) {
		t.Helper()
		two := appendHandUpdate(t, one, u)
		if got := isSignatureUpdate(bytes.NewReader(two), int64(len(one)), int64(len(two)), newWalkBudget()); got != want {
			t.Fatalf("isSignatureUpdate = %v, want %v; update:\n%s", got, want, two[len(one):])
		}
	}
	t.Run("pdfsig-second", func(t *testing.T) { check(t, second, true) })
	t.Run("widget-outside-acroform", func(t *testing.T) {
		// pdfsig 22.12 on a document whose AcroForm is direct: the widget
		// in /Annots only.
		check(t, second.with(map[int]string{6: ""}), true)
	})
	t.Run("pdfbox-shape", func(t *testing.T) {
		// PDFBox: the field in the AcroForm, no widget in /Annots, its
		// appearance dictionary an object of its own.
		check(t, handUpdate{objs: map[int]string{
			6:  "<< /Fields [7 0 R 13 0 R] /DR << /Font << /pf 10 0 R >> >> /SigFlags 3 >>",
			13: "<< /FT /Sig /Type /Annot /Subtype /Widget /F 132 /T (S2) /V 14 0 R /P 4 0 R /Rect [0 0 0 0] /AP 17 0 R >>",
			14: handSigDict,
			17: "<< /N 18 0 R >>",
			18: emptyStream("/Type /XObject /Subtype /Form /BBox [0 0 0 0]"),
		}}, true)
	})
	t.Run("dr-font-added", func(t *testing.T) {
		check(t, second.with(map[int]string{
			6:  "<< /Fields [7 0 R 13 0 R] /DR << /Font << /pf 10 0 R /pg 17 0 R >> >> /SigFlags 3 >>",
			17: "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>",
		}), true)
	})

	for name, u := range map[string]handUpdate{
		"page content rewritten":  second.with(map[int]string{5: withStream("", "BT /F1 18 Tf 72 760 Td (Forged) Tj ET")}),
		"page content freed":      {objs: second.objs, gens: second.gens, free: []int{5}},
		"page resources changed":  second.with(map[int]string{4: strings.Replace(handPage, "/F1 3 0 R", "/F1 17 0 R", 1), 17: "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>"}),
		"page renumbered":         {objs: second.with(map[int]string{4: handPage}).objs, gens: map[int]int{4: 1, 16: 1}},
		"existing widget changed": second.with(map[int]string{7: handWidget("S1", 15, 8)}),
		"existing font rewritten": second.with(map[int]string{10: "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>"}),
		"field removed":           second.with(map[int]string{6: "<< /Fields [13 0 R] /DR << /Font << /pf 10 0 R >> >> /SigFlags 3 >>"}),
		"text field added":        second.with(map[int]string{13: strings.Replace(handWidget("S2", 15, 14), "/FT /Sig", "/FT /Tx", 1)}),
		"annotation removed":      second.with(map[int]string{9: "[13 0 R]"}),
		"other annotation added": second.with(map[int]string{
			// the annotation hangs from the new widget too: it is part of
			// what the new field reaches, but no widget
			9:  "[7 0 R 13 0 R 17 0 R]",
			13: strings.Replace(handWidget("S2", 15, 14), "/Rect", "/Popup 17 0 R /Rect", 1),
			17: "<< /Type /Annot /Subtype /FreeText /Rect [0 0 595 842] /Contents (Forged) /DA (/Helv 40 Tf) >>",
		}),
		"need appearances":         second.with(map[int]string{6: "<< /Fields [7 0 R 13 0 R] /DR << /Font << /pf 10 0 R >> >> /SigFlags 3 /NeedAppearances true >>"}),
		"xfa added":                second.with(map[int]string{6: "<< /Fields [7 0 R 13 0 R] /DR << /Font << /pf 10 0 R >> >> /SigFlags 3 /XFA 17 0 R >>", 17: withStream("", "<xdp/>")}),
		"dr font replaced":         second.with(map[int]string{6: "<< /Fields [7 0 R 13 0 R] /DR << /Font << /pf 3 0 R >> >> /SigFlags 3 >>"}),
		"catalog open action":      second.with(map[int]string{1: "<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>"}),
		"unused stream that draws": second.with(map[int]string{16: withStream(handEmptyForm, "0 0 1 rg 0 0 595 842 re f")}),
		"unused object":            second.with(map[int]string{17: "<< /S /JavaScript /JS (app.alert(1)) >>"}),
	} {
		t.Run(name, func(t *testing.T) { check(t, u, false) })
	}

	// An existing widget that was on no page (PDFBox's invisible
	// signature) must not be put on one by a later signature, even when
	// the new field refers to it.
	t.Run("existing widget put on the page", func(t *testing.T) {
		boxed := appendHandUpdate(t, base, handUpdate{objs: map[int]string{
			1: "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [6 0 R] /SigFlags 3 >> >>",
			6: "<< /FT /Sig /Type /Annot /Subtype /Widget /F 132 /T (S1) /V 7 0 R /P 4 0 R /Rect [0 0 0 0] /AP 8 0 R >>",
			7: handSigDict,
			8: "<< /N 9 0 R >>",
			9: emptyStream("/Type /XObject /Subtype /Form /BBox [0 0 0 0]"),
		}})
		for annots, want := range map[string]bool{"[10 0 R]": true, "[6 0 R 10 0 R]": false} {
			doc := appendHandUpdate(t, boxed, handUpdate{objs: map[int]string{
				1:  "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [6 0 R 10 0 R] /SigFlags 3 >> >>",
				4:  strings.Replace(handPage, "9 0 R", annots, 1),
				10: "<< /FT /Sig /Type /Annot /Subtype /Widget /F 132 /T (S2) /V 11 0 R /P 4 0 R /Rect [0 0 0 0] /Popup 6 0 R >>",
				11: handSigDict,
			}})
			if got := isSignatureUpdate(bytes.NewReader(doc), int64(len(boxed)), int64(len(doc)), newWalkBudget()); got != want {
				t.Fatalf("/Annots %s: isSignatureUpdate = %v, want %v", annots, got, want)
			}
		}
	})

	// The /DR font dictionary may gain a font only if it is the AcroForm's
	// alone: shared with a page's resources, the page would gain it too
	// (and its content names /F2, which it lacked).
	t.Run("dr shared with a page", func(t *testing.T) {
		for pageFonts, want := range map[string]bool{"<< /F1 3 0 R >>": true, "7 0 R": false} {
			shared := assemblePDF([]string{
				"<< /Type /Catalog /Pages 2 0 R /AcroForm 6 0 R >>",
				"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
				"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
				"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font " + pageFonts + " >> /Contents 5 0 R >>",
				withStream("", "BT /F1 18 Tf 72 760 Td (Kho) Tj /F2 18 Tf (test) Tj ET"),
				"<< /Fields [] /DR << /Font 7 0 R >> >>",
				"<< /F1 3 0 R >>",
			})
			doc := appendHandUpdate(t, shared, handUpdate{objs: map[int]string{
				6:  "<< /Fields [8 0 R] /DR << /Font 7 0 R >> /SigFlags 3 >>",
				7:  "<< /F1 3 0 R /F2 10 0 R >>",
				8:  "<< /FT /Sig /Type /Annot /Subtype /Widget /F 132 /T (S1) /V 9 0 R /P 4 0 R /Rect [0 0 0 0] /AP << /N 11 0 R >> >>",
				9:  handSigDict,
				10: "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>",
				11: emptyStream("/Subtype /Form /BBox [0 0 0 0] /Resources << /Font << /F2 10 0 R >> >>"),
			}})
			if got := isSignatureUpdate(bytes.NewReader(doc), int64(len(shared)), int64(len(doc)), newWalkBudget()); got != want {
				t.Fatalf("page fonts %s: isSignatureUpdate = %v, want %v", pageFonts, got, want)
			}
		}
	})

	// A dangling reference in the signed revision — the page's content
	// array names object 20, which does not exist — must not be filled by
	// a later signature, here with the appearance of its widget. The page
	// already has its /Annots array, so the update does not rewrite it.
	t.Run("dangling reference filled", func(t *testing.T) {
		dangling := assemblePDF([]string{
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
			"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
			"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents [5 0 R 20 0 R] /Annots 6 0 R >>",
			withStream("", "BT /F1 18 Tf 72 760 Td (Kho test page 1 of 1) Tj ET"),
			"[]",
		})
		for ap, want := range map[int]bool{21: true, 20: false} {
			doc := appendHandUpdate(t, dangling, handUpdate{objs: map[int]string{
				1:  "<< /Type /Catalog /Pages 2 0 R /AcroForm 7 0 R >>",
				6:  "[8 0 R]",
				7:  "<< /Fields [8 0 R] /SigFlags 3 >>",
				8:  handWidget("S1", ap, 9),
				9:  handSigDict,
				ap: withStream("/Subtype /Form /BBox [0 0 0 0] /Resources << /Font << /F1 3 0 R >> >>", "BT /F1 18 Tf 72 700 Td (Forged) Tj ET"),
			}})
			if got := isSignatureUpdate(bytes.NewReader(doc), int64(len(dangling)), int64(len(doc)), newWalkBudget()); got != want {
				t.Fatalf("appearance as object %d: isSignatureUpdate = %v, want %v", ap, got, want)
			}
		}
	})
}

// TestSignatureUpdateLargeDocument checks the walk of a document larger
// than one reader's share (walkCacheObjects): a flat page tree of 3,000
// pages, the last of which names a missing object in its content array. A
// later signature (PDFBox's shape: no widget on a page) whose appearance
// takes that number is refused; one that takes another is accepted. Both
// Kho signatures of the same document pass.
func TestSignatureUpdateLargeDocument(t *testing.T) {
	const pages = 3000
	last := fmt.Sprintf("/Contents %d 0 R", 3+2*pages)
	base := bytes.Replace(makePDF(pages), []byte(last), []byte(fmt.Sprintf("/Contents [%d 0 R 7000 0 R]", 3+2*pages)), 1)
	base = assemblePDF(pdfObjects(t, base))
	if n := 3 + 2*pages; n < 2*walkCacheObjects {
		t.Fatalf("%d objects: not enough to open a fresh reader twice", n)
	}
	for ap, want := range map[int]bool{7001: true, 7000: false} {
		doc := appendHandUpdate(t, base, handUpdate{objs: map[int]string{
			1:    "<< /Type /Catalog /Pages 2 0 R /AcroForm 6010 0 R >>",
			6010: "<< /Fields [6011 0 R] /SigFlags 3 >>",
			6011: fmt.Sprintf("<< /FT /Sig /Type /Annot /Subtype /Widget /F 132 /T (S1) /V 6012 0 R /Rect [0 0 0 0] /AP << /N %d 0 R >> >>", ap),
			6012: handSigDict,
			ap:   withStream("/Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >>", "BT /F1 18 Tf 72 700 Td (Forged) Tj ET"),
		}})
		if got := isSignatureUpdate(bytes.NewReader(doc), int64(len(base)), int64(len(doc)), newWalkBudget()); got != want {
			t.Fatalf("appearance as object %d: isSignatureUpdate = %v, want %v", ap, got, want)
		}
	}
	e := getEnv(t)
	two := signBytes(t, e.signer(t, pki.Seal, Options{}), signBytes(t, e.signer(t, pki.Personal, Options{}), makePDF(pages)))
	rep := verifyBytes(t, two, VerifyOptions{Roots: e.pki.Roots()})
	if len(rep.Signatures) != 2 || rep.Signatures[0].Verdict != TotalPassed || rep.Signatures[1].Verdict != TotalPassed || rep.Signatures[0].Changes[0].Kind != ChangeLaterSignature {
		t.Fatalf("%+v", rep.Signatures)
	}
	// A budget too small for the document: not classified, so not passed.
	if isSignatureUpdate(bytes.NewReader(two), rep.Signatures[0].Changes[0].From, rep.Signatures[0].Changes[0].To, &walkBudget{objects: 1000, nodes: 1 << 20}) {
		t.Fatal("classified within a budget of 1,000 objects")
	}
}

// TestUpdateKeepsObjects checks that an update that frees an object of
// the signed revision, or writes it again under another generation number,
// is none of the allowed kinds (the PDF reader would go on reading the old
// object, or find a reference to it pointing nowhere, where viewers differ).
func TestUpdateKeepsObjects(t *testing.T) {
	base := makePDF(1)
	for name, u := range map[string]handUpdate{
		"freed":      {objs: map[int]string{6: "<< >>"}, free: []int{5}},
		"renumbered": {objs: map[int]string{5: withStream("", "BT /F1 18 Tf 72 760 Td (Kho test page 1 of 1) Tj ET")}, gens: map[int]int{5: 1}},
		"kept":       {objs: map[int]string{6: "<< >>"}, free: []int{7}},
	} {
		doc := appendHandUpdate(t, base, u)
		_, _, _, ok := openUpdate(bytes.NewReader(doc), int64(len(base)), int64(len(doc)))
		if ok != (name == "kept") {
			t.Errorf("%s: openUpdate ok = %v", name, ok)
		}
	}
}

// pdfObjects returns the bodies of objects 1, 2, … of a PDF made by
// assemblePDF (after an edit that kept it parseable as text).
func pdfObjects(t *testing.T, pdf []byte) []string {
	t.Helper()
	var objs []string
	for n := 1; ; n++ {
		start := bytes.Index(pdf, fmt.Appendf(nil, "\n%d 0 obj\n", n))
		if start < 0 {
			return objs
		}
		body := pdf[start+len(fmt.Sprintf("\n%d 0 obj\n", n)):]
		objs = append(objs, string(body[:bytes.Index(body, []byte("\nendobj"))]))
	}
}
