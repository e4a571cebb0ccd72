package signing

import (
	"io"
	"slices"

	"github.com/digitorus/pdf"
)

// sameDeep reports whether a and b are the same PDF value, references
// resolved (a writer may inline what was a reference, as pdfsign does with
// a page's /Resources); streams compare by object number. It spends at
// most *budget nodes and says false when they run out.
func sameDeep(a, b pdf.Value, depth int, budget *int) bool {
	*budget--
	if *budget < 0 || depth > maxValueDepth || a.Kind() != b.Kind() {
		return false
	}
	switch a.Kind() {
	case pdf.Null:
		return true
	case pdf.Bool:
		return a.Bool() == b.Bool()
	case pdf.Integer, pdf.Real:
		return a.Float64() == b.Float64()
	case pdf.String:
		return a.RawString() == b.RawString()
	case pdf.Name:
		return a.Name() == b.Name()
	case pdf.Stream:
		return a.GetPtr() == b.GetPtr()
	case pdf.Array:
		if a.Len() != b.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			if !sameDeep(a.Index(i), b.Index(i), depth+1, budget) {
				return false
			}
		}
		return true
	case pdf.Dict:
		ka, kb := a.Keys(), b.Keys()
		if !slices.Equal(ka, kb) {
			return false
		}
		for _, k := range ka {
			if k == "Parent" || k == "P" { // back links: compare by number, not by walking up
				if a.Key(k).GetPtr() != b.Key(k).GetPtr() {
					return false
				}
				continue
			}
			if !sameDeep(a.Key(k), b.Key(k), depth+1, budget) {
				return false
			}
		}
		return true
	}
	return false
}

// refIDs returns the object numbers of the elements of arr.
func refIDs(arr pdf.Value) []uint32 {
	var out []uint32
	for i := 0; i < arr.Len() && i < 10000; i++ {
		out = append(out, arr.Index(i).GetPtr().GetID())
	}
	return out
}

// isSignatureUpdate reports whether the incremental update in (from, to],
// which ends where a later signature's byte range ends, does no more than
// add that signature: new signature fields in the AcroForm (the old fields
// kept), their widgets added to a page's /Annots (the page otherwise the
// same), and new objects reachable from the new fields (signature value,
// appearance streams, their fonts and images). The catalog may change only
// in /AcroForm, /Version and /Perms.
func isSignatureUpdate(in io.ReaderAt, from, to int64) bool {
	return inspectUpdate(in, from, to, func(prev, cur *pdf.Reader, written []uint32) bool {
		budget := 100000
		oldRoot, newRoot := prev.Trailer().Key("Root"), cur.Trailer().Key("Root")
		if !sameExcept(oldRoot, newRoot, "AcroForm", "Version", "Perms") {
			return false
		}
		oldForm, newForm := oldRoot.Key("AcroForm"), newRoot.Key("AcroForm")
		oldFields, newFields := refIDs(oldForm.Key("Fields")), refIDs(newForm.Key("Fields"))
		for _, id := range oldFields {
			if !slices.Contains(newFields, id) {
				return false // a field removed
			}
		}
		// What the new fields reach may be new.
		var roots []pdf.Value
		var added []uint32
		for i, id := range newFields {
			if slices.Contains(oldFields, id) {
				continue
			}
			f := newForm.Key("Fields").Index(i)
			if f.Key("FT").Name() != "Sig" {
				return false // only signature fields may be added
			}
			added = append(added, id)
			roots = append(roots, f)
		}
		reach := reachable(roots)
		for _, id := range written {
			_, err := prev.GetObject(id)
			existed := err == nil
			v, _ := cur.GetObject(id)
			switch {
			case id == newRoot.GetPtr().GetID() || id == oldRoot.GetPtr().GetID() || (id != 0 && id == oldForm.GetPtr().GetID()):
				// compared above
			case !existed && (reach[id] || (v.Kind() == pdf.Stream && v.Key("Type").Name() == "XRef")):
			case existed && v.Key("Type").Name() == "Page":
				old, _ := prev.GetObject(id)
				if !sameDeepExcept(old, v, "Annots", &budget) {
					return false
				}
				oldAnnots, newAnnots := refIDs(old.Key("Annots")), refIDs(v.Key("Annots"))
				for _, a := range oldAnnots {
					if !slices.Contains(newAnnots, a) {
						return false
					}
				}
				for _, a := range newAnnots {
					if !slices.Contains(oldAnnots, a) && !slices.Contains(added, a) && !reach[a] {
						return false // an annotation that is not the new signature's widget
					}
				}
			default:
				return false
			}
		}
		return true
	})
}

// sameDeepExcept is sameDeep on two dictionaries, leaving out key skip.
func sameDeepExcept(a, b pdf.Value, skip string, budget *int) bool {
	if a.Kind() != pdf.Dict || b.Kind() != pdf.Dict {
		return false
	}
	ka := slices.DeleteFunc(a.Keys(), func(k string) bool { return k == skip })
	kb := slices.DeleteFunc(b.Keys(), func(k string) bool { return k == skip })
	if !slices.Equal(ka, kb) {
		return false
	}
	for _, k := range ka {
		if k == "Parent" {
			if a.Key(k).GetPtr() != b.Key(k).GetPtr() {
				return false
			}
			continue
		}
		if !sameDeep(a.Key(k), b.Key(k), 1, budget) {
			return false
		}
	}
	return true
}

// reachable returns the numbers of the objects reachable from roots (roots
// included when indirect), within a budget, not following the back links
// /P (to a page) and /Parent.
func reachable(roots []pdf.Value) map[uint32]bool {
	reach := map[uint32]bool{}
	nodes := 0
	var walk func(v pdf.Value, parent pdf.Ptr, depth int)
	walk = func(v pdf.Value, parent pdf.Ptr, depth int) {
		nodes++
		if depth > 16 || nodes > 20000 {
			return
		}
		// A value whose pointer differs from its holder's is an indirect
		// object of its own; a direct one carries its holder's pointer.
		if p := v.GetPtr(); p.GetID() != 0 && p != parent {
			if reach[p.GetID()] {
				return
			}
			reach[p.GetID()] = true
		}
		switch v.Kind() {
		case pdf.Dict, pdf.Stream:
			for _, k := range v.Keys() {
				if k != "P" && k != "Parent" {
					walk(v.Key(k), v.GetPtr(), depth+1)
				}
			}
		case pdf.Array:
			for i := 0; i < v.Len() && i < 1000; i++ {
				walk(v.Index(i), v.GetPtr(), depth+1)
			}
		}
	}
	for _, r := range roots {
		walk(r, pdf.Ptr{}, 0)
	}
	return reach
}
