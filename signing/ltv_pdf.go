package signing

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strconv"

	"github.com/digitorus/pdf"
)

// incUpdate builds one incremental update (ISO 32000-2 §7.5.6) appended to
// a PDF of size bytes: new and replaced objects, then a cross-reference
// section in the file's own style (table or stream) and a trailer whose
// /Prev points at the previous section. Only the appended bytes are held.
type incUpdate struct {
	rdr     *pdf.Reader
	size    int64            // bytes of the file before the update
	lead    string           // bytes written before the first object
	next    uint32           // next free object number
	buf     bytes.Buffer     // the appended bytes, after lead
	offsets map[uint32]int64 // object number → offset in the whole file
	gens    map[uint32]uint16
}

// newIncUpdate prepares an update of the document rdr reads, of size bytes
// whose last byte is last.
func newIncUpdate(rdr *pdf.Reader, size int64, last byte) *incUpdate {
	u := &incUpdate{rdr: rdr, size: size, offsets: map[uint32]int64{}, gens: map[uint32]uint16{}}
	if last != '\n' && last != '\r' {
		u.lead = "\n"
	}
	next := rdr.Trailer().Key("Size").Int64()
	for _, x := range rdr.Xref() {
		if id := int64(x.Ptr().GetID()); id >= next {
			next = id + 1
		}
	}
	if n := int64(len(rdr.Xref())); n > next {
		next = n
	}
	u.next = uint32(next)
	return u
}

// pos is the file offset of the next byte written.
func (u *incUpdate) pos() int64 { return u.size + int64(len(u.lead)) + int64(u.buf.Len()) }

// add writes a new object with body and returns its number.
func (u *incUpdate) add(body []byte) uint32 {
	id := u.next
	u.next++
	u.set(id, 0, body)
	return id
}

// set writes object id (generation gen) with body, replacing any earlier version.
func (u *incUpdate) set(id uint32, gen uint16, body []byte) {
	u.offsets[id], u.gens[id] = u.pos(), gen
	fmt.Fprintf(&u.buf, "%d %d obj\n", id, gen)
	u.buf.Write(body)
	u.buf.WriteString("\nendobj\n")
}

// addStream writes a new stream object holding data, unfiltered.
func (u *incUpdate) addStream(data []byte) uint32 {
	var b bytes.Buffer
	fmt.Fprintf(&b, "<< /Length %d >>\nstream\n", len(data))
	b.Write(data)
	b.WriteString("\nendstream")
	return u.add(b.Bytes())
}

// finish writes the cross-reference section and the trailer, with root as
// the catalog, and returns every appended byte.
func (u *incUpdate) finish(root pdf.Ptr) ([]byte, error) {
	tr := u.rdr.Trailer()
	prev := u.rdr.XrefInformation.StartPos
	var extra bytes.Buffer // /Info and /ID carried over from the last trailer
	if info := tr.Key("Info"); info.GetPtr().GetID() != 0 && info.GetPtr() != tr.GetPtr() {
		fmt.Fprintf(&extra, " /Info %d %d R", info.GetPtr().GetID(), info.GetPtr().GetGen())
	}
	if id := tr.Key("ID"); id.Kind() == pdf.Array && id.Len() == 2 {
		fmt.Fprintf(&extra, " /ID [<%s> <%s>]", hex.EncodeToString([]byte(id.Index(0).RawString())), hex.EncodeToString([]byte(id.Index(1).RawString())))
	}
	ids := make([]uint32, 0, len(u.offsets))
	for id := range u.offsets {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })

	switch u.rdr.XrefInformation.Type {
	case "table":
		xrefAt := u.pos()
		u.buf.WriteString("xref\n")
		for i := 0; i < len(ids); {
			j := i + 1
			for j < len(ids) && ids[j] == ids[j-1]+1 {
				j++
			}
			fmt.Fprintf(&u.buf, "%d %d\n", ids[i], j-i)
			for _, id := range ids[i:j] {
				fmt.Fprintf(&u.buf, "%010d %05d n\r\n", u.offsets[id], u.gens[id])
			}
			i = j
		}
		// pdfsign rewrites this trailer when it signs next: keep each entry
		// on the single-space form it searches for ("Root n g R", "Size n").
		fmt.Fprintf(&u.buf, "trailer\n<< /Size %d /Root %d %d R%s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n",
			u.next, root.GetID(), root.GetGen(), extra.String(), prev, xrefAt)
	case "stream":
		self := u.next
		u.next++
		xrefAt := u.pos()
		u.offsets[self], u.gens[self] = xrefAt, 0
		ids = append(ids, self)
		var rows bytes.Buffer
		var index bytes.Buffer
		for i := 0; i < len(ids); {
			j := i + 1
			for j < len(ids) && ids[j] == ids[j-1]+1 {
				j++
			}
			fmt.Fprintf(&index, " %d %d", ids[i], j-i)
			for _, id := range ids[i:j] {
				off := u.offsets[id]
				rows.Write([]byte{1, byte(off >> 32), byte(off >> 24), byte(off >> 16), byte(off >> 8), byte(off), byte(u.gens[id] >> 8), byte(u.gens[id])})
			}
			i = j
		}
		fmt.Fprintf(&u.buf, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 5 2] /Index [%s ] /Root %d %d R%s /Prev %d /Length %d >>\nstream\n",
			self, u.next, index.String(), root.GetID(), root.GetGen(), extra.String(), prev, rows.Len())
		u.buf.Write(rows.Bytes())
		fmt.Fprintf(&u.buf, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", xrefAt)
	default:
		return nil, fmt.Errorf("unknown cross-reference style %q", u.rdr.XrefInformation.Type)
	}
	return append([]byte(u.lead), u.buf.Bytes()...), nil
}

// maxValueDepth bounds writeValue's recursion into direct objects.
const maxValueDepth = 32

// writeValue writes v in PDF syntax. Values reached through a reference
// (their pointer differs from parent, the object that holds them) are
// written as that reference; direct ones are written out. Strings are
// written in hex, so their bytes survive unchanged.
func writeValue(w *bytes.Buffer, v pdf.Value, parent pdf.Ptr, depth int) error {
	if p := v.GetPtr(); p.GetID() != 0 && p != parent {
		fmt.Fprintf(w, "%d %d R", p.GetID(), p.GetGen())
		return nil
	}
	if depth > maxValueDepth {
		return fmt.Errorf("direct objects nested deeper than %d", maxValueDepth)
	}
	switch v.Kind() {
	case pdf.Null:
		w.WriteString("null")
	case pdf.Bool:
		w.WriteString(strconv.FormatBool(v.Bool()))
	case pdf.Integer:
		w.WriteString(strconv.FormatInt(v.Int64(), 10))
	case pdf.Real:
		w.WriteString(strconv.FormatFloat(v.Float64(), 'f', -1, 64))
	case pdf.String:
		w.WriteString("<" + hex.EncodeToString([]byte(v.RawString())) + ">")
	case pdf.Name:
		writeName(w, v.Name())
	case pdf.Array:
		w.WriteString("[")
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				w.WriteString(" ")
			}
			if err := writeValue(w, v.Index(i), parent, depth+1); err != nil {
				return err
			}
		}
		w.WriteString("]")
	case pdf.Dict:
		w.WriteString("<<")
		for _, k := range v.Keys() {
			w.WriteString(" ")
			writeName(w, k)
			w.WriteString(" ")
			if err := writeValue(w, v.Key(k), parent, depth+1); err != nil {
				return err
			}
		}
		w.WriteString(" >>")
	default:
		return fmt.Errorf("cannot write a direct %v object", v.Kind())
	}
	return nil
}

// writeEntries writes the entries of dict v, each preceded by a space,
// except those skip names.
func writeEntries(w *bytes.Buffer, v pdf.Value, skip func(string) bool) error {
	for _, k := range v.Keys() {
		if skip(k) {
			continue
		}
		w.WriteString(" ")
		writeName(w, k)
		w.WriteString(" ")
		if err := writeValue(w, v.Key(k), v.GetPtr(), 0); err != nil {
			return err
		}
	}
	return nil
}

// writeName writes /name, escaping delimiters and non-printing bytes as #xx.
func writeName(w *bytes.Buffer, name string) {
	w.WriteByte('/')
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c < 0x21 || c > 0x7e || bytes.IndexByte([]byte("#()<>[]{}/%"), c) >= 0 {
			fmt.Fprintf(w, "#%02X", c)
			continue
		}
		w.WriteByte(c)
	}
}

// lastByte returns the last byte of the input (0 when empty or unreadable).
func lastByte(in io.ReaderAt, size int64) byte {
	b := make([]byte, 1)
	if size == 0 {
		return 0
	}
	if _, err := in.ReadAt(b, size-1); err != nil {
		return 0
	}
	return b[0]
}
