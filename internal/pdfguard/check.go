// Package pdfguard checks an untrusted PDF before a PDF reader opens it:
// every size and count the file declares that a reader allocates or loops
// for — a cross-reference table's /Size and subsections, an xref stream's
// /W and /Index, an object stream's /N, /First and /Extends, a PNG
// predictor's /Columns, a stream's /Length — is checked against the real
// size of the file, and the memory a reader of the file could hold is
// estimated, all before anything is allocated for it.
//
// It follows what github.com/digitorus/pdf (the reader of the signing
// package, and of pdfsign) reads: every "startxref" of the file (the reader
// picks one of them, for the whole file or for an earlier revision), the
// cross-reference sections they lead to through /Prev, every object those
// sections name, and every object stream, decoded the way the reader
// decodes it. So what the reader can reach was checked, even when an offset
// points into the data of another stream.
package pdfguard

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/ascii85"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/kho-vn/kho/internal/kerr"
)

// Architectural limits (ISO 32000-1, annex C) and the bounds derived from
// them.
const (
	// MaxObjects is the largest number of indirect objects of a PDF.
	MaxObjects = 1<<23 - 1
	// maxNesting bounds the nesting of arrays and dictionaries (the
	// reader parses them recursively).
	maxNesting = 1000
	// maxColumns bounds a PNG predictor's /Columns: the reader allocates
	// twice that. A row of a 16-bit CMYK image 131,072 pixels wide.
	maxColumns = 1 << 20
	// maxWidth bounds one field of an xref stream's /W: offsets and
	// numbers fit in 8 bytes.
	maxWidth = 8
	// maxExtends bounds a chain of object streams linked by /Extends.
	maxExtends = 64
	// xrefEntry is what the reader allocates per entry of its table.
	xrefEntry = 32
	// maxDecoded bounds the decoded data of one xref or object stream.
	maxDecoded = 64 << 20
	// maxStartxrefs bounds the "startxref" of a file: one per revision.
	maxStartxrefs = 10000
)

// DefaultMemory is the largest memory a reader of one PDF may be estimated
// to hold when Limits.Memory is zero.
const DefaultMemory = 512 << 20

// Limits bound one check.
type Limits struct {
	// Memory is the largest estimate of what a reader of the file may
	// hold; a file over it is refused (pdf_too_complex). Zero means
	// DefaultMemory.
	Memory int64
	// Work bounds the bytes the check reads and decodes; zero means four
	// times the size of the file plus 64 MiB.
	Work int64
}

// Result is what the check learned.
type Result struct {
	// Memory estimates the bytes one reader of the file may hold: its
	// cross-reference table and every object it can parse.
	Memory int64
	// Encrypted says a trailer has /Encrypt: object streams were not
	// decoded (they are encrypted), so the caller refuses the file or
	// does not parse it.
	Encrypted bool
}

var errNesting = errors.New("arrays or dictionaries nested deeper than 1000 levels")

// entry is one cross-reference entry: an object at off (typ 1) or the
// idx-th object of object stream off (typ 2).
type entry struct {
	num uint32
	typ uint8
	off int64
}

type objInfo struct {
	v *value // streams and dictionaries (kept shallow), integers
}

type checker struct {
	in       io.ReaderAt
	size     int64
	work     int64
	maxWork  int64
	maxObj   int64
	table    int64 // the largest table a reader allocates, in entries
	cost     int64
	enc      bool
	entries  []entry
	sections map[int64]bool
	objs     map[int64]*objInfo // by offset
	colRefs  []int64
	members  map[uint32]int64   // integer objects inside object streams
	byNum    map[uint32][]entry // the entries of each object number
	lex      *lexer
}

// Check checks the PDF of size bytes in. It returns a kerr Invalid error
// (pdf_invalid) when the file declares a size or count that it cannot
// hold, and a kerr TooLarge error (pdf_too_complex) when a reader of it
// could hold more than lim.Memory or the check itself needs more than
// lim.Work. It never panics.
func Check(in io.ReaderAt, size int64, lim Limits) (res Result, err error) {
	if lim.Memory <= 0 {
		lim.Memory = DefaultMemory
	}
	if lim.Work <= 0 {
		lim.Work = 4*size + 64<<20
	}
	c := &checker{in: in, size: size, maxWork: lim.Work, maxObj: min(size, MaxObjects+1),
		sections: map[int64]bool{}, objs: map[int64]*objInfo{}, members: map[uint32]int64{}}
	defer func() {
		if p := recover(); p != nil {
			if p != errWork {
				panic(p)
			}
			res, err = Result{}, TooComplex("the check read or decoded more than %d bytes", lim.Work)
		}
	}()
	if err := c.run(); err != nil {
		return Result{}, err
	}
	mem := xrefEntry*c.table + c.cost
	if mem > lim.Memory {
		return Result{}, TooComplex("a reader could hold about %d MiB (limit %d MiB)", mem>>20, lim.Memory>>20)
	}
	return Result{Memory: mem, Encrypted: c.enc}, nil
}

func damaged(format string, args ...any) error {
	return kerr.New(kerr.Invalid, "pdf_invalid", "Tệp PDF bị lỗi cấu trúc: kích thước hoặc số lượng khai báo trong tệp không khớp với tệp thật.", format, args...)
}

// TooComplex is the error of a PDF over a memory or time budget: TooLarge
// "pdf_too_complex", with an English detail.
func TooComplex(format string, args ...any) error {
	return kerr.New(kerr.TooLarge, "pdf_too_complex", "Tệp PDF quá phức tạp để xử lý (vượt giới hạn bộ nhớ hoặc thời gian).", format, args...)
}

// lexer is the checker's lexer over the file, one for all its reads, so
// that objects that follow each other are read once.
func (c *checker) lexer() *lexer {
	if c.lex == nil {
		c.lex = newLexer(c.in, c.size, &c.work, c.maxWork)
	}
	return c.lex
}

func (c *checker) run() error {
	offs, err := c.startxrefs()
	if err != nil {
		return err
	}
	for _, off := range offs {
		if err := c.section(off); err != nil {
			return err
		}
	}
	if c.enc {
		return nil
	}
	return c.objects()
}

// startxrefs returns the integer after every "startxref" of the file.
func (c *checker) startxrefs() ([]int64, error) {
	const kw = "startxref"
	var out []int64
	l := c.lexer()
	buf := make([]byte, 1<<20)
	for at := int64(0); at < c.size; {
		n, err := c.in.ReadAt(buf[:min(int64(len(buf)), c.size-at)], at)
		if n <= 0 {
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return nil, kerr.Wrap(err, kerr.Invalid, "pdf_unreadable", "Không đọc được tệp PDF.")
		}
		for i := 0; ; {
			j := bytes.Index(buf[i:n], []byte(kw))
			if j < 0 {
				break
			}
			l.seek(at + int64(i+j+len(kw)))
			if t := l.token(); t.kind == tInt {
				if out = append(out, t.n); len(out) > maxStartxrefs {
					return nil, TooComplex("more than %d startxref", maxStartxrefs)
				}
			}
			i += j + len(kw)
		}
		if at+int64(n) >= c.size {
			break
		}
		at += int64(n) - int64(len(kw)-1) // a keyword across two reads is found in the next
	}
	if c.work += c.size; c.work > c.maxWork {
		panic(errWork)
	}
	return out, nil
}

// section checks the cross-reference section at off and those its /Prev
// chain leads to.
func (c *checker) section(off int64) error {
	for off >= 0 && off < c.size && !c.sections[off] {
		c.sections[off] = true
		l := c.lexer()
		l.seek(off)
		p := &parser{l: l, columns: c.column}
		t := p.tok()
		var trailer *value
		if t.kind == tKeyword && t.text == "xref" {
			var err error
			if trailer, err = c.table1(p); err != nil {
				return err
			}
		} else if t.kind == tInt {
			p.unread(t)
			v, ok := p.object(0)
			if p.err != nil {
				return damaged("%v", p.err)
			}
			if !ok || v.kind != 'S' || v.key("Type") == nil || v.key("Type").name != "XRef" {
				return nil // the reader refuses it
			}
			if err := c.xrefStream(&v); err != nil {
				return err
			}
			trailer = &v
		} else {
			return nil
		}
		c.cost += p.cost
		if trailer == nil {
			return nil
		}
		if s := trailer.key("Size"); s != nil && s.kind == 'i' {
			if s.n < 0 || s.n > c.maxObj {
				return damaged("trailer /Size %d for a %d-byte file", s.n, c.size)
			}
			c.table = max(c.table, s.n)
		}
		if trailer.key("Encrypt") != nil {
			c.enc = true
		}
		prev := trailer.key("Prev")
		if prev == nil || prev.kind != 'i' {
			return nil
		}
		off = prev.n
	}
	return nil
}

// subsection checks a subsection (first object number, count).
func (c *checker) subsection(start, n int64) error {
	if start < 0 || n < 0 || start > c.maxObj || n > c.maxObj || start+n > c.maxObj {
		return damaged("cross-reference subsection %d+%d for a %d-byte file", start, n, c.size)
	}
	c.table = max(c.table, start+n)
	return nil
}

// table1 reads a classic cross-reference table after its "xref" keyword
// and returns its trailer.
func (c *checker) table1(p *parser) (*value, error) {
	for {
		t := p.tok()
		if t.kind == tKeyword && t.text == "trailer" {
			break
		}
		n := p.tok()
		if t.kind != tInt || n.kind != tInt {
			return nil, nil
		}
		if err := c.subsection(t.n, n.n); err != nil {
			return nil, err
		}
		for i := int64(0); i < n.n; i++ {
			off, gen, kw := p.tok(), p.tok(), p.tok()
			if off.kind != tInt || gen.kind != tInt || kw.kind != tKeyword || (kw.text != "n" && kw.text != "f") {
				return nil, nil
			}
			if kw.text == "n" {
				c.add(entry{num: uint32(t.n + i), typ: 1, off: off.n})
			}
		}
	}
	v, ok := p.object(0)
	if p.err != nil {
		return nil, damaged("%v", p.err)
	}
	if !ok || v.kind != 'd' {
		return nil, nil
	}
	return &v, nil
}

func (c *checker) add(e entry) {
	if int64(len(c.entries)) >= 2*c.maxObj+1024 {
		panic(errWork)
	}
	c.entries = append(c.entries, e)
}

// xrefStream checks an xref stream's /Size, /W and /Index and reads its
// entries.
func (c *checker) xrefStream(v *value) error {
	size := v.key("Size")
	if size == nil || size.kind != 'i' {
		return nil
	}
	if size.n < 0 || size.n > c.maxObj {
		return damaged("xref stream /Size %d for a %d-byte file", size.n, c.size)
	}
	c.table = max(c.table, size.n)
	w := v.key("W")
	if w == nil || w.kind != 'a' || len(w.arr) < 3 {
		return nil
	}
	var widths []int
	total := 0
	for _, x := range w.arr {
		if x.kind != 'i' || x.n < 0 || x.n > maxWidth {
			return damaged("xref stream /W entry %+v", x.n)
		}
		widths = append(widths, int(x.n))
		total += int(x.n)
	}
	if len(widths) > 16 {
		return damaged("xref stream /W has %d entries", len(widths))
	}
	index := []int64{0, size.n}
	if ix := v.key("Index"); ix != nil {
		if ix.kind != 'a' || len(ix.arr)%2 != 0 {
			return nil
		}
		index = index[:0]
		for _, x := range ix.arr {
			if x.kind != 'i' {
				return nil
			}
			index = append(index, x.n)
		}
	}
	for i := 0; i < len(index); i += 2 {
		if err := c.subsection(index[i], index[i+1]); err != nil {
			return err
		}
	}
	if total == 0 {
		return nil
	}
	// The reader decodes with direct values only: references resolve to
	// nothing while it reads its table.
	data, err := c.decode(v, false, int64(total)*c.maxObj)
	if err != nil {
		return err
	}
	rec := data
	for i := 0; i < len(index); i += 2 {
		for k := int64(0); k < index[i+1] && len(rec) >= total; k++ {
			f := [3]int64{}
			at := 0
			for j := 0; j < 3; j++ {
				for _, b := range rec[at : at+widths[j]] {
					f[j] = f[j]<<8 | int64(b)
				}
				at += widths[j]
			}
			if widths[0] == 0 {
				f[0] = 1
			}
			num := uint32(index[i] + k)
			switch f[0] {
			case 1:
				c.add(entry{num: num, typ: 1, off: f[1]})
			case 2:
				c.add(entry{num: num, typ: 2, off: f[1]})
			}
			rec = rec[total:]
		}
	}
	return nil
}

// column checks the value of a /Columns key.
func (c *checker) column(v value) {
	switch v.kind {
	case 'i':
		if v.n > maxColumns {
			c.colRefs = append(c.colRefs, -v.n)
		}
	case 'r':
		c.colRefs = append(c.colRefs, v.n)
	}
}

// intValue is the integer a reader finds for v: direct, or through a
// reference (the largest of the objects of that number, every revision
// counted). ok is false when a reference leads to no integer.
func (c *checker) intValue(v *value, byNum map[uint32][]entry) (int64, bool) {
	if v == nil {
		return 0, false
	}
	if v.kind == 'i' {
		return v.n, true
	}
	if v.kind != 'r' || v.n < 0 || v.n > MaxObjects {
		return 0, false
	}
	best, found := int64(0), false
	for _, e := range byNum[uint32(v.n)] {
		var n int64
		var ok bool
		if e.typ == 1 {
			if o := c.objs[e.off]; o != nil && o.v != nil && o.v.kind == 'i' {
				n, ok = o.v.n, true
			}
		} else {
			n, ok = c.members[e.num]
		}
		if ok && (!found || n > best) {
			best, found = n, true
		}
	}
	return best, found
}

// objects parses every object the cross-reference sections name, and
// checks and decodes every object stream.
func (c *checker) objects() error {
	sort.Slice(c.entries, func(i, j int) bool {
		a, b := c.entries[i], c.entries[j]
		if a.num != b.num {
			return a.num < b.num
		}
		if a.typ != b.typ {
			return a.typ < b.typ
		}
		return a.off < b.off
	})
	byNum := map[uint32][]entry{}
	c.byNum = byNum
	var last entry
	for i, e := range c.entries {
		if i > 0 && e == last {
			continue
		}
		last = e
		byNum[e.num] = append(byNum[e.num], e)
		if e.typ == 1 && e.off >= 0 && e.off < c.size && c.objs[e.off] == nil {
			if err := c.parseAt(e.off); err != nil {
				return err
			}
		}
	}
	inStream := func(num int64) bool {
		for _, e := range byNum[uint32(num)] {
			if e.typ == 2 {
				return true
			}
		}
		return false
	}
	done := map[int64]bool{}
	for num, es := range byNum {
		for _, e := range es {
			if e.typ != 2 {
				continue
			}
			if e.off < 0 || e.off > MaxObjects {
				continue
			}
			if inStream(e.off) {
				return damaged("object %d lies in object stream %d, itself in an object stream", num, e.off)
			}
			for _, ce := range byNum[uint32(e.off)] {
				if ce.typ == 1 && !done[ce.off] {
					done[ce.off] = true
					if err := c.objStream(ce.off, byNum, inStream); err != nil {
						return err
					}
				}
			}
		}
	}
	for _, r := range c.colRefs {
		n := -r
		if r >= 0 {
			n, _ = c.intValue(&value{kind: 'r', n: r}, byNum)
		}
		if n > maxColumns {
			return damaged("a PNG predictor with %d /Columns", n)
		}
	}
	return nil
}

// parseAt parses the object at off and keeps what object streams need.
func (c *checker) parseAt(off int64) error {
	l := c.lexer()
	l.seek(off)
	p := &parser{l: l, columns: c.column}
	v, _ := p.object(0)
	if p.err != nil {
		return damaged("object at %d: %v", off, p.err)
	}
	c.cost += p.cost
	o := &objInfo{}
	if v.kind == 'S' || v.kind == 'i' {
		o.v = &v
	}
	c.objs[off] = o
	if v.kind == 'S' {
		if n, ok := c.intValue(v.key("Length"), nil); ok && (n < 0 || n > c.size) {
			return damaged("stream at %d has /Length %d in a %d-byte file", off, n, c.size)
		}
	}
	return nil
}

// objStream checks the object stream at off: its dictionary refers to no
// object inside an object stream (the reader would recurse for ever), its
// /Extends chain ends, /First and /N fit its decoded data; then it parses
// every object the stream holds.
func (c *checker) objStream(off int64, byNum map[uint32][]entry, inStream func(int64) bool) error {
	o := c.objs[off]
	if o == nil || o.v == nil || o.v.kind != 'S' || o.v.key("Type") == nil || o.v.key("Type").name != "ObjStm" {
		return nil // the reader refuses it
	}
	v := o.v
	for _, r := range v.refs(nil) {
		if inStream(r) {
			return damaged("object stream at %d refers to object %d, inside an object stream", off, r)
		}
	}
	// /Extends: a chain that ends.
	seen := map[int64]bool{off: true}
	for cur, hops := v, 0; cur.key("Extends") != nil; hops++ {
		ext := cur.key("Extends")
		if ext.kind != 'r' || hops >= maxExtends {
			if ext.kind == 'r' {
				return damaged("object stream /Extends chain longer than %d", maxExtends)
			}
			break
		}
		var next *value
		for _, e := range byNum[uint32(ext.n)] {
			if e.typ == 2 {
				return damaged("object stream /Extends %d lies in an object stream", ext.n)
			}
			if seen[e.off] {
				return damaged("object stream /Extends chain loops at object %d", ext.n)
			}
			seen[e.off] = true
			if x := c.objs[e.off]; x != nil && x.v != nil && x.v.kind == 'S' {
				next = x.v
			}
		}
		if next == nil {
			break
		}
		cur = next
	}
	n, _ := c.intValue(v.key("N"), byNum)
	first, _ := c.intValue(v.key("First"), byNum)
	data, err := c.decode(v, true, c.maxWork-c.work)
	if err != nil {
		return err
	}
	if first < 0 || first > int64(len(data)) || n < 0 || n > int64(len(data))/2+1 {
		return damaged("object stream at %d: /N %d /First %d for %d decoded bytes", off, n, first, len(data))
	}
	// The reader reads the N pairs from the start of the data, wherever
	// /First says the objects begin.
	hdr := newLexer(bytes.NewReader(data), int64(len(data)), &c.work, c.maxWork)
	body := newLexer(bytes.NewReader(data), int64(len(data)), &c.work, c.maxWork)
	for i := int64(0); i < n; i++ {
		id, at := hdr.token(), hdr.token()
		if id.kind != tInt || at.kind != tInt {
			break
		}
		if at.n < 0 || first+at.n > int64(len(data)) {
			return damaged("object stream at %d: object offset %d past its %d bytes", off, at.n, len(data))
		}
		body.seek(first + at.n)
		p := &parser{l: body, columns: c.column}
		m, _ := p.object(0)
		if p.err != nil {
			return damaged("object stream at %d: %v", off, p.err)
		}
		c.cost += p.cost
		if m.kind == 'i' && id.n >= 0 && id.n <= MaxObjects {
			c.members[uint32(id.n)] = m.n
		}
	}
	return nil
}

// decode returns the decoded data of stream v, as the reader decodes it:
// /Length bytes from its data offset through its filters (resolve says
// whether references are followed), at most limit bytes.
func (c *checker) decode(v *value, resolve bool, limit int64) ([]byte, error) {
	byNum := map[uint32][]entry(nil)
	if resolve {
		byNum = c.byNum
	}
	limit = min(limit, maxDecoded)
	length, _ := c.intValue(v.key("Length"), byNum)
	if !resolve && v.key("Length") != nil && v.key("Length").kind != 'i' {
		length = 0
	}
	if length < 0 {
		length = 0
	}
	if length > c.size-v.dataOff {
		return nil, damaged("stream at %d has /Length %d in a %d-byte file", v.dataOff, length, c.size)
	}
	var r io.Reader = io.NewSectionReader(c.in, v.dataOff, length)
	var filters []*value
	if f := v.key("Filter"); f != nil && f.kind == 'n' {
		filters = []*value{f}
	} else if f != nil && f.kind == 'a' {
		filters = f.arr
	}
	parms := v.key("DecodeParms")
	for i, f := range filters {
		p := parms
		if parms != nil && parms.kind == 'a' {
			p = nil
			if i < len(parms.arr) {
				p = parms.arr[i]
			}
		}
		switch f.name {
		case "FlateDecode":
			zr, err := zlib.NewReader(r)
			if err != nil {
				return nil, nil // the reader cannot decode it either
			}
			r = zr
			if pred := p.key("Predictor"); pred != nil {
				cols, _ := c.intValue(p.key("Columns"), byNum)
				if cols < 0 || cols > maxColumns {
					return nil, damaged("a PNG predictor with %d /Columns", cols)
				}
				if pred.n != 12 {
					return nil, nil
				}
				r = &pngUp{r: zr, row: make([]byte, 1+cols), prev: make([]byte, 1+cols)}
			}
		case "ASCIIHexDecode":
			r = &hexReader{r: bufio.NewReader(r)}
		case "ASCII85Decode":
			r = ascii85.NewDecoder(r)
		default:
			return nil, nil
		}
	}
	var buf bytes.Buffer
	n, _ := io.Copy(&buf, io.LimitReader(r, limit+1))
	if c.work += n + length; c.work > c.maxWork || n > limit {
		panic(errWork)
	}
	return buf.Bytes(), nil
}

// pngUp undoes the PNG "Up" predictor (12), row by row.
type pngUp struct {
	r         io.Reader
	row, prev []byte
	pend      []byte
}

func (p *pngUp) Read(b []byte) (int, error) {
	for len(p.pend) == 0 {
		if _, err := io.ReadFull(p.r, p.row); err != nil {
			return 0, err
		}
		for i := 1; i < len(p.row); i++ {
			p.row[i] += p.prev[i]
		}
		copy(p.prev, p.row)
		p.pend = p.row[1:]
	}
	n := copy(b, p.pend)
	p.pend = p.pend[n:]
	return n, nil
}

// hexReader decodes ASCIIHexDecode data up to its '>'.
type hexReader struct {
	r    *bufio.Reader
	done bool
}

func (h *hexReader) Read(b []byte) (int, error) {
	n := 0
	for n < len(b) && !h.done {
		var v [2]byte
		k := 0
		for k < 2 {
			c, err := h.r.ReadByte()
			if err != nil || c == '>' {
				h.done = true
				break
			}
			if isSpace(c) {
				continue
			}
			v[k] = unhex(c)
			k++
		}
		if k == 0 {
			break
		}
		b[n] = v[0]<<4 | v[1]
		n++
	}
	if n == 0 && h.done {
		return 0, io.EOF
	}
	return n, nil
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10
	}
	return 0
}

// String describes a result, for logs.
func (r Result) String() string {
	return fmt.Sprintf("about %d KiB for a reader, encrypted %v", r.Memory>>10, r.Encrypted)
}
