package signing

import (
	"bytes"
	"io"
	"slices"

	"github.com/digitorus/pdf"
)

// ChangeFormFilling is the Change kind of an update that only fills in
// form fields (new values and their appearances).
const ChangeFormFilling = "form_filling"

// fieldLock is the FieldMDP of an approval signature (ISO 32000-2
// §12.8.2.4): which form fields it locks.
type fieldLock struct {
	action string   // "All", "Include" or "Exclude"; empty: no lock
	fields []string // full field names for Include and Exclude
}

// locks reports whether the lock forbids changing the field named name.
func (l fieldLock) locks(name string) bool {
	switch l.action {
	case "All":
		return true
	case "Include":
		return slices.Contains(l.fields, name)
	case "Exclude":
		return !slices.Contains(l.fields, name)
	}
	return false
}

// readFieldLock reads the FieldMDP transform of a signature dictionary's
// /Reference array — or of the dictionary itself, where pdfsign writes it
// for approval signatures (/Action /All): honoured too, being the stricter
// reading.
func readFieldLock(sig pdf.Value) fieldLock {
	refs := sig.Key("Reference")
	cands := []pdf.Value{sig}
	for i := 0; i < refs.Len() && i < 16; i++ {
		cands = append(cands, refs.Index(i))
	}
	for _, ref := range cands {
		if ref.Key("TransformMethod").Name() != "FieldMDP" {
			continue
		}
		p := ref.Key("TransformParams")
		l := fieldLock{action: p.Key("Action").Name()}
		fs := p.Key("Fields")
		for j := 0; j < fs.Len() && j < 1000; j++ {
			l.fields = append(l.fields, fs.Index(j).Text())
		}
		if l.action == "" {
			l.action = "All"
		}
		return l
	}
	return fieldLock{}
}

// formField is a field, or a widget of one, found in the field tree.
type formField struct {
	name   string // full name
	ft     string // field type, inherited
	widget bool   // a widget annotation without a name of its own
}

// formFields maps the object number of every field and widget dictionary
// in rdr's AcroForm tree (within a budget) to what it is.
func formFields(rdr *pdf.Reader) map[uint32]formField {
	out := map[uint32]formField{}
	nodes := 0
	var walk func(v pdf.Value, prefix, ft string, depth int)
	walk = func(v pdf.Value, prefix, ft string, depth int) {
		nodes++
		if depth > 32 || nodes > 10000 || v.Kind() != pdf.Dict {
			return
		}
		t := v.Key("T").Text()
		name := prefix
		if t != "" {
			if prefix != "" {
				name = prefix + "." + t
			} else {
				name = t
			}
		}
		if f := v.Key("FT").Name(); f != "" {
			ft = f
		}
		if id := v.GetPtr().GetID(); id != 0 {
			out[id] = formField{name: name, ft: ft, widget: t == "" && v.Key("Subtype").Name() == "Widget"}
		}
		kids := v.Key("Kids")
		for i := 0; i < kids.Len() && i < 10000; i++ {
			walk(kids.Index(i), name, ft, depth+1)
		}
	}
	fields := rdr.Trailer().Key("Root").Key("AcroForm").Key("Fields")
	for i := 0; i < fields.Len() && i < 10000; i++ {
		walk(fields.Index(i), "", "", 0)
	}
	return out
}

// sameExcept reports whether dictionaries a and b have the same entries,
// leaving out the keys skip names (references compare by number).
func sameExcept(a, b pdf.Value, skip ...string) bool {
	if a.Kind() != pdf.Dict || b.Kind() != pdf.Dict {
		return false
	}
	var x, y bytes.Buffer
	s := func(k string) bool { return slices.Contains(skip, k) }
	return writeEntries(&x, a, s) == nil && writeEntries(&y, b, s) == nil && bytes.Equal(x.Bytes(), y.Bytes())
}

// formFillUpdate reports whether the incremental update in (from, to]
// only fills in form fields, and returns their names: it may rewrite
// non-signature fields and their widgets with new values (/V, /AS) and
// appearances (/AP), write the appearance streams those reference, and
// rewrite the AcroForm (/NeedAppearances, /DA, /DR) or the catalog for it;
// nothing else.
func formFillUpdate(in io.ReaderAt, from, to int64) ([]string, bool) {
	var names []string
	ok := inspectUpdate(in, from, to, func(prev, cur *pdf.Reader, written []uint32) bool {
		names = formFilled(prev, cur, written)
		return names != nil
	})
	if !ok {
		return nil, false
	}
	return names, true
}

// formFilled is formFillUpdate on the documents before and after the
// update and the objects it writes; nil when it is not form filling.
func formFilled(prev, cur *pdf.Reader, written []uint32) []string {
	oldRoot, newRoot := prev.Trailer().Key("Root"), cur.Trailer().Key("Root")
	oldForm, newForm := oldRoot.Key("AcroForm"), newRoot.Key("AcroForm")
	formKeys := []string{"NeedAppearances", "DA", "DR"}
	if !sameExcept(oldRoot, newRoot, "AcroForm") || !sameExcept(oldForm, newForm, formKeys...) {
		return nil
	}
	fields := formFields(prev)
	changed := map[string]bool{}
	var fresh []uint32
	var appearances []pdf.Value
	for _, id := range written {
		if id == oldRoot.GetPtr().GetID() || id == newRoot.GetPtr().GetID() || id == oldForm.GetPtr().GetID() {
			continue // compared above
		}
		f, known := fields[id]
		if !known {
			if _, err := prev.GetObject(id); err == nil {
				return nil // an existing object that is not a field
			}
			fresh = append(fresh, id)
			continue
		}
		if f.ft == "Sig" {
			return nil
		}
		o, _ := prev.GetObject(id)
		n, err := cur.GetObject(id)
		if err != nil || !sameExcept(o, n, "V", "AS", "AP") {
			return nil
		}
		changed[f.name] = true
		appearances = append(appearances, n.Key("AP"))
	}
	if len(changed) == 0 {
		return nil
	}
	// New objects must be appearance streams (or their resources) of the
	// changed widgets.
	reach := reachable(appearances)
	for _, id := range fresh {
		if reach[id] {
			continue
		}
		if v, err := cur.GetObject(id); err == nil && v.Kind() == pdf.Stream && v.Key("Type").Name() == "XRef" {
			continue
		}
		return nil
	}
	var names []string
	for n := range changed {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
