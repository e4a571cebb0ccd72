package forms

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kho-vn/kho/internal/kerr"
)

// CanonicalJSON returns the values as canonical JSON, the bytes that are
// signed: object keys in byte order, no insignificant white space, strings
// escaped only where JSON requires ("\"", "\\", control characters), numbers
// as Validate normalised them (RFC 8785's rules for the values Kho stores).
func (v Values) CanonicalJSON() ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Internal, "form_data_encode", "Không thể mã hóa dữ liệu biểu mẫu.")
	}
	tree, _, err := readTree(raw, treeLimits{maxDepth: 64})
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Internal, "form_data_encode", "Không thể mã hóa dữ liệu biểu mẫu.")
	}
	var b bytes.Buffer
	writeCanonical(&b, tree)
	return b.Bytes(), nil
}

func writeCanonical(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case map[string]any:
		b.WriteByte('{')
		for i, k := range sortedKeys(x) {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k)
			b.WriteByte(':')
			writeCanonical(b, x[k])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeCanonical(b, e)
		}
		b.WriteByte(']')
	case string:
		writeString(b, x)
	case json.Number:
		b.WriteString(x.String())
	case bool:
		b.WriteString(strconv.FormatBool(x))
	default:
		b.WriteString("null")
	}
}

func writeString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// WriteXML writes the values of d's data as XML (docs/forms.md): a root
// <form code="…" version="…"> in the namespace d.Namespace(), then one
// element per field with a value, named by its code, in the definition's
// order. Lists hold <item> elements, ranges <from> and <to>, files <file>
// with <name>, <mediaType>, <size>, <sha256>, dynamic rows <row> elements.
// Provenance is not written.
func (v Values) WriteXML(w io.Writer, d *Definition) error {
	if d.idx == nil {
		return kerr.New(kerr.Invalid, "form_definition_unchecked", "Biểu mẫu chưa được kiểm tra.", "definition %s was not checked", d.Code)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	root := xml.StartElement{Name: xml.Name{Local: "form"}, Attr: []xml.Attr{
		{Name: xml.Name{Local: "xmlns"}, Value: d.Namespace()},
		{Name: xml.Name{Local: "code"}, Value: d.Code},
		{Name: xml.Name{Local: "version"}, Value: itoa(d.Version)},
	}}
	if err := enc.EncodeToken(root); err != nil {
		return err
	}
	if err := writeScope(enc, d, nil, v.Data); err != nil {
		return err
	}
	if err := enc.EncodeToken(root.End()); err != nil {
		return err
	}
	if err := enc.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func writeScope(enc *xml.Encoder, d *Definition, rows *fieldInfo, data map[string]any) error {
	for _, fi := range d.idx.scopes[rows] {
		val, ok := data[fi.f.Code]
		if !ok || val == nil {
			continue
		}
		start := xml.StartElement{Name: xml.Name{Local: fi.f.Code}}
		if err := enc.EncodeToken(start); err != nil {
			return err
		}
		var err error
		switch x := val.(type) {
		case string:
			err = enc.EncodeToken(xml.CharData(x))
		case json.Number:
			err = enc.EncodeToken(xml.CharData(x.String()))
		case []string:
			for _, s := range x {
				if err = textElement(enc, "item", s); err != nil {
					break
				}
			}
		case Range:
			if err = textElement(enc, "from", x.From); err == nil {
				err = textElement(enc, "to", x.To)
			}
		case []File:
			for _, f := range x {
				if err = writeFile(enc, f); err != nil {
					break
				}
			}
		case []map[string]any:
			for _, row := range x {
				rs := xml.StartElement{Name: xml.Name{Local: "row"}}
				if err = enc.EncodeToken(rs); err != nil {
					break
				}
				if err = writeScope(enc, d, fi, row); err != nil {
					break
				}
				if err = enc.EncodeToken(rs.End()); err != nil {
					break
				}
			}
		default:
			err = fmt.Errorf("field %s: cannot write a %T as XML", fi.f.Code, val)
		}
		if err != nil {
			return err
		}
		if err := enc.EncodeToken(start.End()); err != nil {
			return err
		}
	}
	return nil
}

func textElement(enc *xml.Encoder, name, text string) error {
	start := xml.StartElement{Name: xml.Name{Local: name}}
	if err := enc.EncodeToken(start); err != nil {
		return err
	}
	if err := enc.EncodeToken(xml.CharData(text)); err != nil {
		return err
	}
	return enc.EncodeToken(start.End())
}

func writeFile(enc *xml.Encoder, f File) error {
	start := xml.StartElement{Name: xml.Name{Local: "file"}}
	if err := enc.EncodeToken(start); err != nil {
		return err
	}
	parts := [][2]string{{"name", f.Name}, {"mediaType", f.MediaType}, {"size", strconv.FormatInt(f.Size, 10)}}
	if f.SHA256 != "" {
		parts = append(parts, [2]string{"sha256", f.SHA256})
	}
	for _, p := range parts {
		if err := textElement(enc, p[0], p[1]); err != nil {
			return err
		}
	}
	return enc.EncodeToken(start.End())
}

// DataFromXML reads XML written by WriteXML (at most max bytes; 0: the
// default data limit) and returns the same data as a JSON object, ready
// for Validate, which judges the values. Structure that does not follow
// the mapping (another namespace, code or version, unknown or repeated
// elements, a DOCTYPE) is refused with kind Invalid.
func DataFromXML(r io.Reader, d *Definition, max int64) ([]byte, error) {
	if d.idx == nil {
		return nil, kerr.New(kerr.Invalid, "form_definition_unchecked", "Biểu mẫu chưa được kiểm tra.", "definition %s was not checked", d.Code)
	}
	if max <= 0 {
		max = DefaultMaxDataBytes
	}
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Unavailable, "form_xml_read", "Không đọc được dữ liệu XML.")
	}
	if int64(len(data)) > max {
		return nil, kerr.New(kerr.TooLarge, "payload_too_large", "Dữ liệu XML quá lớn (tối đa "+humanBytes(max)+").", "XML over %d bytes", max)
	}
	if !utf8.Valid(data) {
		return nil, xmlError("the XML is not valid UTF-8")
	}
	x := &xmlReader{dec: xml.NewDecoder(bytes.NewReader(data)), d: d, ns: d.Namespace()}
	x.dec.Strict = true
	out, err := x.document()
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}

func xmlError(format string, args ...any) error {
	return kerr.New(kerr.Invalid, "invalid_form_xml", "Dữ liệu XML của biểu mẫu không đúng cấu trúc.", format, args...)
}

type xmlReader struct {
	dec   *xml.Decoder
	d     *Definition
	ns    string
	count int
}

// next returns the next start or end element, refusing anything but white
// space between them.
func (x *xmlReader) next() (xml.Token, error) {
	for {
		tok, err := x.dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, xmlError("unexpected end of XML")
			}
			return nil, xmlError("%v", err)
		}
		x.count++
		if x.count > 4*DefaultMaxDataValues {
			return nil, xmlError("too many XML tokens")
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space != x.ns {
				return nil, xmlError("element %s is in namespace %q, want %q", t.Name.Local, t.Name.Space, x.ns)
			}
			return t, nil
		case xml.EndElement:
			return t, nil
		case xml.CharData:
			if strings.TrimSpace(string(t)) != "" {
				return nil, xmlError("unexpected text %q", shortText(string(t)))
			}
		case xml.Directive:
			return nil, xmlError("DOCTYPE and other directives are not allowed")
		}
	}
}

func (x *xmlReader) document() (map[string]any, error) {
	tok, err := x.next()
	if err != nil {
		return nil, err
	}
	root, ok := tok.(xml.StartElement)
	if !ok || root.Name.Local != "form" {
		return nil, xmlError("the root element is not <form>")
	}
	attrs := map[string]string{}
	for _, a := range root.Attr {
		if a.Name.Space == "" || a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
			attrs[a.Name.Local] = a.Value
		}
	}
	if attrs["code"] != x.d.Code || attrs["version"] != itoa(x.d.Version) {
		return nil, xmlError("the XML is for form %q version %q, not %s version %d", attrs["code"], attrs["version"], x.d.Code, x.d.Version)
	}
	out, err := x.scope(nil)
	if err != nil {
		return nil, err
	}
	for {
		tok, err := x.dec.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, xmlError("%v", err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			if strings.TrimSpace(string(t)) != "" {
				return nil, xmlError("text after </form>")
			}
		case xml.Comment, xml.ProcInst:
		default:
			return nil, xmlError("data after </form>")
		}
	}
}

// scope reads the field elements of one scope until its end element.
func (x *xmlReader) scope(rows *fieldInfo) (map[string]any, error) {
	out := map[string]any{}
	for {
		tok, err := x.next()
		if err != nil {
			return nil, err
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			return out, nil
		}
		fi := x.d.idx.byCode[start.Name.Local]
		if fi == nil || fi.rows != rows || !(fi.f.Type.hasValue() || fi.f.Type == TypeRows) {
			return nil, xmlError("unknown element <%s>", start.Name.Local)
		}
		if _, dup := out[fi.f.Code]; dup {
			return nil, xmlError("element <%s> repeated", start.Name.Local)
		}
		v, err := x.field(fi)
		if err != nil {
			return nil, err
		}
		out[fi.f.Code] = v
	}
}

// text reads character data up to the end element.
func (x *xmlReader) text() (string, error) {
	var b strings.Builder
	for {
		tok, err := x.dec.Token()
		if err != nil {
			return "", xmlError("%v", err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			b.Write(t)
		case xml.EndElement:
			return b.String(), nil
		case xml.StartElement:
			return "", xmlError("unexpected element <%s> in a value", t.Name.Local)
		case xml.Directive:
			return "", xmlError("directives are not allowed")
		}
	}
}

// children reads child elements named one of names, calling each for each.
func (x *xmlReader) children(each func(start xml.StartElement) error, names ...string) error {
	for {
		tok, err := x.next()
		if err != nil {
			return err
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			return nil
		}
		if !contains(names, start.Name.Local) {
			return xmlError("unexpected element <%s>", start.Name.Local)
		}
		if err := each(start); err != nil {
			return err
		}
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// number turns text that is a plain decimal into a JSON number; other text
// stays a string, for Validate to refuse.
func number(s string) any {
	if decimalRE.MatchString(s) {
		return json.Number(s)
	}
	return s
}

func (x *xmlReader) field(fi *fieldInfo) (any, error) {
	f := fi.f
	switch {
	case f.Type == TypeRows:
		rows := []any{}
		err := x.children(func(xml.StartElement) error {
			row, err := x.scope(fi)
			rows = append(rows, row)
			return err
		}, "row")
		return rows, err
	case f.multi():
		items := []any{}
		err := x.children(func(xml.StartElement) error {
			s, err := x.text()
			items = append(items, s)
			return err
		}, "item")
		return items, err
	case f.Type == TypeDateRange || f.Type == TypeTimeRange:
		r := map[string]any{}
		err := x.children(func(s xml.StartElement) error {
			if _, dup := r[s.Name.Local]; dup {
				return xmlError("<%s> repeated", s.Name.Local)
			}
			t, err := x.text()
			r[s.Name.Local] = t
			return err
		}, "from", "to")
		return r, err
	case f.Type == TypeFile:
		files := []any{}
		err := x.children(func(xml.StartElement) error {
			file := map[string]any{}
			err := x.children(func(s xml.StartElement) error {
				if _, dup := file[s.Name.Local]; dup {
					return xmlError("<%s> repeated", s.Name.Local)
				}
				t, err := x.text()
				if s.Name.Local == "size" {
					file["size"] = number(t)
				} else {
					file[s.Name.Local] = t
				}
				return err
			}, "name", "mediaType", "size", "sha256")
			files = append(files, file)
			return err
		}, "file")
		return files, err
	case f.Type == TypeSpin || f.Type == TypeSlider:
		t, err := x.text()
		return number(t), err
	default:
		return x.text()
	}
}
