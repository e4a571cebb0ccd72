package forms

import (
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/kho-vn/kho/internal/pdfobj"
)

// pdfaEntries adds the objects PDF/A-3B needs (ISO 19005-3) and returns
// the catalog's entries for them: XMP metadata naming part 3, conformance
// B; an sRGB output intent; the attachments as associated files of the
// document (/AF, /AFRelationship /Data) and in the EmbeddedFiles name tree.
func (d *pdfDocument) pdfaEntries(o *objects, pdfDate string) string {
	xmp := xmpPacket(d.title, d.created.Format("2006-01-02T15:04:05")+"+07:00")
	meta := o.add(fmt.Appendf(nil, "<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n%s\nendstream", len(xmp), xmp))
	icc := o.add(pdfobj.FlateStream("/N 3", srgbProfile()))
	intent := o.addf("<< /Type /OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier (sRGB IEC61966-2.1) /Info (sRGB IEC61966-2.1) /RegistryName (http://www.color.org) /DestOutputProfile %d 0 R >>", icc)
	var af, names []string
	for _, a := range d.attachments {
		ef := o.add(pdfobj.FlateStream(fmt.Sprintf("/Type /EmbeddedFile /Subtype /%s /Params << /Size %d /ModDate (%s) >>",
			pdfName(a.mime), len(a.data), pdfDate), a.data))
		spec := o.addf("<< /Type /Filespec /F (%s) /UF %s /Desc %s /AFRelationship /Data /EF << /F %d 0 R /UF %d 0 R >> >>",
			a.name, textString(a.name), textString(a.desc), ef, ef)
		af = append(af, fmt.Sprintf("%d 0 R", spec))
		names = append(names, fmt.Sprintf("(%s) %d 0 R", a.name, spec))
	}
	s := fmt.Sprintf(" /Metadata %d 0 R /OutputIntents [%d 0 R]", meta, intent)
	if len(af) > 0 {
		s += fmt.Sprintf(" /AF [%s] /Names << /EmbeddedFiles << /Names [%s] >> >> /PageMode /UseAttachments",
			strings.Join(af, " "), strings.Join(names, " "))
	}
	return s
}

// pdfName writes a media type as a PDF name ("application/json" →
// "application#2Fjson").
func pdfName(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '!' || c > '~' || strings.IndexByte("#()<>[]{}/%", c) >= 0 {
			fmt.Fprintf(&b, "#%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// xmpPacket is the document's XMP metadata, matching the Info dictionary.
func xmpPacket(title, date string) []byte {
	var esc bytes.Buffer
	_ = xml.EscapeText(&esc, []byte(title)) // writing to memory does not fail
	return fmt.Appendf(nil, `<?xpacket begin="%s" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdfaid:part>3</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">%s</rdf:li></rdf:Alt></dc:title>
   <xmp:CreateDate>%s</xmp:CreateDate>
   <xmp:ModifyDate>%s</xmp:ModifyDate>
   <xmp:CreatorTool>Kho</xmp:CreatorTool>
   <pdf:Producer>Kho</pdf:Producer>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`, "\ufeff", esc.String(), date, date)
}

// srgbProfile is a small ICC v2 display profile of sRGB (IEC 61966-2.1),
// written here from the standard's numbers, so it carries no third-party
// licence: D50 primaries (Bradford-adapted), the D65 white point, and the
// sRGB transfer curve sampled at 1024 points.
var srgbProfile = sync.OnceValue(func() []byte {
	be := binary.BigEndian
	s15 := func(b []byte, v float64) []byte { return be.AppendUint32(b, uint32(int32(math.Round(v*65536)))) }
	xyz := func(x, y, z float64) []byte {
		b := []byte("XYZ \x00\x00\x00\x00")
		return s15(s15(s15(b, x), y), z)
	}
	text := func(s string) []byte { return append([]byte("text\x00\x00\x00\x00"+s), 0) }
	desc := func(s string) []byte {
		b := []byte("desc\x00\x00\x00\x00")
		b = be.AppendUint32(b, uint32(len(s)+1))
		b = append(append(b, s...), 0)
		b = append(b, make([]byte, 4+4+2+1+67)...) // no Unicode or ScriptCode description
		return b
	}
	curve := []byte("curv\x00\x00\x00\x00")
	const n = 1024
	curve = be.AppendUint32(curve, n)
	for i := range n {
		v := float64(i) / (n - 1)
		if v <= 0.04045 {
			v /= 12.92
		} else {
			v = math.Pow((v+0.055)/1.055, 2.4)
		}
		curve = be.AppendUint16(curve, uint16(math.Round(v*65535)))
	}
	tags := []struct {
		sig  string
		data []byte
	}{
		{"desc", desc("sRGB IEC61966-2.1 (Kho)")},
		{"cprt", text("No copyright, use freely")},
		{"wtpt", xyz(0.9505, 1.0, 1.0891)},
		{"rXYZ", xyz(0.4361, 0.2225, 0.0139)},
		{"gXYZ", xyz(0.3851, 0.7169, 0.0971)},
		{"bXYZ", xyz(0.1431, 0.0606, 0.7141)},
		{"rTRC", curve},
		{"gTRC", nil}, // shares rTRC's data
		{"bTRC", nil},
	}
	off := 128 + 4 + 12*len(tags)
	var table, data []byte
	table = be.AppendUint32(table, uint32(len(tags)))
	var curveOff, curveLen int
	for _, t := range tags {
		if t.data == nil {
			table = be.AppendUint32(be.AppendUint32(append(table, t.sig...), uint32(curveOff)), uint32(curveLen))
			continue
		}
		at := off + len(data)
		if t.sig == "rTRC" {
			curveOff, curveLen = at, len(t.data)
		}
		table = be.AppendUint32(be.AppendUint32(append(table, t.sig...), uint32(at)), uint32(len(t.data)))
		data = append(data, t.data...)
		for len(data)%4 != 0 {
			data = append(data, 0)
		}
	}
	h := make([]byte, 0, 128)
	h = be.AppendUint32(h, uint32(128+len(table)+len(data)))
	h = append(h, 0, 0, 0, 0)          // preferred CMM
	h = be.AppendUint32(h, 0x02100000) // version 2.1
	h = append(h, "mntrRGB XYZ "...)   // class, colour space, PCS
	for _, v := range []uint16{2026, 11, 23, 0, 0, 0} {
		h = be.AppendUint16(h, v)
	}
	h = append(h, "acsp"...)
	h = append(h, make([]byte, 4+4+4+4+8+4)...) // platform, flags, manufacturer, model, attributes, intent
	h = s15(s15(s15(h, 0.9642), 1.0), 0.8249)   // the PCS illuminant, D50
	h = append(h, make([]byte, 128-len(h))...)
	return append(append(h, table...), data...)
})
