package signing

import (
	"bytes"
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
// add that signature (see signatureAdded). It reads the document within
// budget.
func isSignatureUpdate(in io.ReaderAt, from, to int64, budget *walkBudget) bool {
	return inspectUpdate(in, from, to, func(prev, cur *pdf.Reader, written []uint32) bool {
		open := func() (*pdf.Reader, error) {
			return pdf.NewReader(io.NewSectionReader(&eofGuard{r: in, size: to}, 0, to), to)
		}
		return signatureAdded(prev, cur, written, open, budget)
	})
}

// signatureAdded reports whether the update from prev to cur, which writes
// the objects written, only adds signatures, as the signing tools do —
// Kho's own signer, poppler's pdfsig, PDFBox — and as ISO 32000-2
// §12.8.2.2.2 and EU DSS count as signing, not as a change (open reads cur
// afresh for walkRevision, within walk):
//   - the catalog changes only in /AcroForm, /Version and /Perms;
//   - the AcroForm keeps its fields and gains signature fields; it may gain
//     /DR resources (a font for the new appearances: pdfsig) and change
//     /SigFlags; nothing else (no /XFA, /NeedAppearances, /CO);
//   - a page may gain the new fields' widgets in /Annots, whether the page
//     or its indirect /Annots array is rewritten, and nothing else; a new
//     signature widget there that is not in the AcroForm counts as a new
//     signature field (pdfsig writes them; see orphanSignatures);
//   - every new object belongs to the new fields (widget, signature value,
//     appearances, their fonts and images) or the new /DR entries, or is an
//     empty form XObject that draws nothing (pdfsig writes such streams
//     under numbers that were free, at generation 1);
//   - the catalog, AcroForm, /Fields and /DR objects it rewrites serve in
//     no other role (a /DR font dictionary that is also a page's fonts);
//   - no object that the update did not write refers to a new object (an
//     update that gives a dangling reference of the signed revision
//     something to point at changes what that revision shows).
//
// The update may neither free nor renumber an existing object (openUpdate).
// Existing fields, annotations, page content and resources stay as they
// were, so the values of other fields and their FieldMDP locks are
// untouched; whether DocMDP allows a signature at all is for the caller.
func signatureAdded(prev, cur *pdf.Reader, written []uint32, open func() (*pdf.Reader, error), walk *walkBudget) bool {
	budget := 100000
	isNew := func(id uint32) bool { return !inUse(prev, id) }
	oldRoot, newRoot := prev.Trailer().Key("Root"), cur.Trailer().Key("Root")
	if !sameExcept(oldRoot, newRoot, "AcroForm", "Version", "Perms") {
		return false
	}
	oldForm, newForm := oldRoot.Key("AcroForm"), newRoot.Key("AcroForm")
	if newForm.Kind() != pdf.Dict {
		return false
	}
	formKeys := []string{"Fields", "DR", "SigFlags"}
	if oldForm.Kind() == pdf.Dict {
		if !sameExcept(oldForm, newForm, formKeys...) {
			return false
		}
	} else if slices.ContainsFunc(newForm.Keys(), func(k string) bool { return !slices.Contains(append(formKeys, "DA"), k) }) {
		return false // a new AcroForm holds the signature fields and their defaults only
	}
	// compared: the objects whose rewrite was judged just above or below.
	compared := map[uint32]bool{}
	compare(compared, oldRoot, newRoot, isNew)
	compare(compared, oldForm, newForm, isNew)
	compare(compared, oldForm.Key("Fields"), newForm.Key("Fields"), isNew)
	oldFields, newFields := refIDs(oldForm.Key("Fields")), refIDs(newForm.Key("Fields"))
	for _, id := range oldFields {
		if !slices.Contains(newFields, id) {
			return false // a field removed
		}
	}
	// What the new fields and the new /DR entries reach may be new.
	var roots []pdf.Value
	for i, id := range newFields {
		if slices.Contains(oldFields, id) {
			continue
		}
		f := newForm.Key("Fields").Index(i)
		if f.Key("FT").Name() != "Sig" || id == 0 || id == newForm.Key("Fields").GetPtr().GetID() || !isNew(id) {
			return false // only new signature fields, each an object of its own, may be added
		}
		roots = append(roots, f)
	}
	added, ok := extendedResources(oldForm.Key("DR"), newForm.Key("DR"), compared, isNew, &budget)
	if !ok {
		return false
	}
	roots = append(roots, added...)
	g, ok := walkRevision(open, written, isNew, walk)
	if !ok {
		return false
	}
	// The catalog, AcroForm, /Fields and /DR objects were judged in their
	// roles; they must have no other (a /DR font dictionary that is also a
	// page's font resources would give the page new fonts).
	delete(compared, 0)
	for id := range compared {
		for _, u := range g.uses[id] {
			if !compared[u.holder] && (u.holder != g.trailer || u.key != "Root") {
				return false
			}
		}
	}
	// A new signature widget outside the AcroForm, added to a page's
	// /Annots, is a new signature field too (see orphanSignatures).
	for _, id := range written {
		v, _ := cur.GetObject(id)
		annots := v
		if v.Key("Type").Name() == "Page" {
			annots = v.Key("Annots")
		} else if !g.onlyAnnotsOf(id) {
			continue
		}
		for i := 0; i < annots.Len() && i < maxAnnots; i++ {
			if w := annots.Index(i); isNew(w.GetPtr().GetID()) && w.Key("Subtype").Name() == "Widget" && w.Key("FT").Name() == "Sig" {
				roots = append(roots, w)
			}
		}
	}
	reach := reachable(roots)
	for _, id := range written {
		v, _ := cur.GetObject(id)
		switch {
		case compared[id]:
		case isNew(id) && (reach[id] || emptyForm(v)):
		case isNew(id) && v.Kind() == pdf.Stream && (v.Key("Type").Name() == "XRef" || v.Key("Type").Name() == "ObjStm"):
			// the update's cross-reference stream, or a container of
			// objects judged one by one
		case v.Kind() == pdf.Dict && v.Key("Type").Name() == "Page":
			old, err := prev.GetObject(id)
			if err != nil || !sameDeepExcept(old, v, "Annots", &budget) || !widgetsAdded(old.Key("Annots"), v.Key("Annots"), reach, isNew) {
				return false
			}
		case v.Kind() == pdf.Array && g.onlyAnnotsOf(id):
			// A page's indirect /Annots array, rewritten (or new, the page
			// rewritten to point to it): it gains widgets of the new fields.
			for _, page := range g.uses[id] {
				oldPage, err := prev.GetObject(page.holder)
				if err != nil || !widgetsAdded(oldPage.Key("Annots"), v, reach, isNew) {
					return false
				}
			}
		default:
			return false
		}
	}
	return true
}

// compare records in compared the object of cur, the new version of old,
// as judged by the caller: it is a new object, or old rewritten.
func compare(compared map[uint32]bool, old, cur pdf.Value, isNew func(uint32) bool) {
	if id := cur.GetPtr().GetID(); isNew(id) || id == old.GetPtr().GetID() {
		compared[id] = true
	}
}

// extendedResources reports whether the resource dictionary cur keeps
// every entry of old and only adds some, at most one level down (a font
// added to /Font), and returns the values added. The objects of the
// dictionaries involved go to compared (see compare): their rewrite is
// judged here.
func extendedResources(old, cur pdf.Value, compared map[uint32]bool, isNew func(uint32) bool, budget *int) ([]pdf.Value, bool) {
	if cur.IsNull() {
		return nil, old.IsNull()
	}
	if cur.Kind() != pdf.Dict || (!old.IsNull() && old.Kind() != pdf.Dict) {
		return nil, false
	}
	var added []pdf.Value
	compare(compared, old, cur, isNew)
	for _, k := range cur.Keys() {
		o, n := old.Key(k), cur.Key(k)
		switch {
		case o.IsNull():
			added = append(added, n)
		case sameDeep(o, n, 1, budget):
		case o.Kind() == pdf.Dict && n.Kind() == pdf.Dict:
			compare(compared, o, n, isNew)
			for _, name := range n.Keys() {
				switch {
				case o.Key(name).IsNull():
					added = append(added, n.Key(name))
				case !sameDeep(o.Key(name), n.Key(name), 2, budget):
					return nil, false
				}
			}
			for _, name := range o.Keys() {
				if n.Key(name).IsNull() {
					return nil, false
				}
			}
		default:
			return nil, false
		}
	}
	for _, k := range old.Keys() {
		if cur.Key(k).IsNull() {
			return nil, false
		}
	}
	return added, true
}

// widgetsAdded reports whether the annotation array cur keeps every
// annotation of old and adds only new widget annotations of the new
// signature fields (those in reach).
func widgetsAdded(old, cur pdf.Value, reach map[uint32]bool, isNew func(uint32) bool) bool {
	if cur.Kind() != pdf.Array || (!old.IsNull() && old.Kind() != pdf.Array) {
		return false
	}
	oldIDs, newIDs := refIDs(old), refIDs(cur)
	for _, a := range oldIDs {
		if !slices.Contains(newIDs, a) {
			return false
		}
	}
	for i, a := range newIDs {
		if slices.Contains(oldIDs, a) {
			continue
		}
		if !isNew(a) || !reach[a] || cur.Index(i).Key("Subtype").Name() != "Widget" {
			return false // an annotation that is not the new signature's widget
		}
	}
	return true
}

// emptyForm reports whether v is a form XObject that draws nothing: a
// stream with only the entries of a form XObject and no content but
// white space. Such a stream changes nothing wherever it is referenced.
func emptyForm(v pdf.Value) bool {
	if v.Kind() != pdf.Stream {
		return false
	}
	for _, k := range v.Keys() {
		switch k {
		case "Length", "BBox", "Matrix", "Resources", "FormType", "Filter", "DecodeParms":
		case "Type":
			if v.Key(k).Name() != "XObject" {
				return false
			}
		case "Subtype":
			if v.Key(k).Name() != "Form" {
				return false
			}
		default:
			return false
		}
	}
	data, err := readStreamLimited(v, 1024)
	return err == nil && len(bytes.TrimSpace(data)) == 0
}

// walkBudget bounds what the walks of one Verify may read (walkRevision):
// past it, later updates are not classified as signatures.
type walkBudget struct {
	objects, nodes int
}

// newWalkBudget is the budget of one Verify: about a 40,000-page document
// walked twice, or a small one walked for each of its revisions.
func newWalkBudget() *walkBudget { return &walkBudget{objects: 200000, nodes: 4000000} }

// walkCacheObjects is how many objects walkRevision reads through one
// PDF reader before it opens a fresh one: the reader keeps every object it
// has read, and the walk would otherwise hold the whole document.
const walkCacheObjects = 2048

// use is one reference to an object: by which object, under which key.
type use struct {
	holder uint32
	key    string // the dictionary key; "" for an array element
	page   bool   // the holder is a page
}

// revisionGraph is what walkRevision learnt of a revision.
type revisionGraph struct {
	// uses lists, for every object that the update rewrote or added and
	// that the walk reached, the references to it.
	uses map[uint32][]use
	// trailer is the object number of the trailer: that of the
	// cross-reference stream, or 0 for a classic trailer.
	trailer uint32
}

// onlyAnnotsOf reports whether every reference to object id is a page's
// /Annots.
func (g *revisionGraph) onlyAnnotsOf(id uint32) bool {
	us := g.uses[id]
	return len(us) > 0 && !slices.ContainsFunc(us, func(u use) bool { return u.key != "Annots" || !u.page })
}

// walkRevision walks every object reachable from the trailer of the
// revision open reads (within budget) and fails if an object the update
// did not write refers to a new one (isNew); it records the references to
// the objects the update wrote. It goes depth first, so that an object is
// walked while the reader still holds it from the reference that reached
// it (up to maxWalkDepth levels; deeper ones wait in a queue). The reader
// keeps every object it reads, so the walk opens a fresh one after each
// walkCacheObjects objects, even in the middle of a long array (a flat
// page tree), and reads what it was walking again from it: it holds about
// walkCacheObjects objects at a time, whatever the size of the document.
func walkRevision(open func() (*pdf.Reader, error), written []uint32, isNew func(uint32) bool, budget *walkBudget) (*revisionGraph, bool) {
	w := &walker{open: open, isNew: isNew, budget: budget, wrote: map[uint32]bool{}, seen: map[uint32]bool{}, ok: true}
	var err error
	if w.r, err = open(); err != nil {
		return nil, false
	}
	trailer := w.r.Trailer()
	w.g = &revisionGraph{uses: map[uint32][]use{}, trailer: trailer.GetPtr().GetID()}
	for _, id := range written {
		w.wrote[id] = true
	}
	w.at = walkAt{trailer: true, ptr: trailer.GetPtr()}
	w.value(trailer, nil, "", 0)
	for len(w.queue) > 0 && w.ok {
		id := w.queue[0]
		w.queue = w.queue[1:]
		v, err := w.r.GetObject(id)
		if err != nil {
			continue // a reference to nothing, as in the reader that reached it
		}
		w.count()
		w.descend(id, v)
	}
	if !w.ok {
		return nil, false
	}
	return w.g, true
}

// maxWalkDepth is how deep walkRevision follows references at once; the
// objects below wait in its queue.
const maxWalkDepth = 200

// walker is the state of walkRevision.
type walker struct {
	open    func() (*pdf.Reader, error)
	r       *pdf.Reader
	read    int // objects read through r
	readers int // readers opened: a value read through an older one is read again
	isNew   func(uint32) bool
	budget  *walkBudget
	g       *revisionGraph
	wrote   map[uint32]bool
	seen    map[uint32]bool
	queue   []uint32
	ok      bool
	depth   int
	at      walkAt // the object walked
}

// walkAt is the object a walker is in.
type walkAt struct {
	trailer bool    // the trailer
	ptr     pdf.Ptr // otherwise this object
	page    bool    // a page
}

// step is one step from an object into its direct values: a key or an index.
type step struct {
	key   string
	index int
}

// get reads the object walked with the current reader and follows path
// into it.
func (w *walker) get(path []step) pdf.Value {
	var v pdf.Value
	if w.at.trailer {
		v = w.r.Trailer()
	} else {
		v, _ = w.r.GetObject(w.at.ptr.GetID())
	}
	for _, s := range path {
		if s.key != "" {
			v = v.Key(s.key)
		} else {
			v = v.Index(s.index)
		}
	}
	return v
}

// descend walks object id, read as v, and comes back to the object walked.
func (w *walker) descend(id uint32, v pdf.Value) {
	if w.budget.objects--; w.budget.objects < 0 {
		w.ok = false
		return
	}
	back := w.at
	w.at = walkAt{ptr: v.GetPtr(), page: v.Key("Type").Name() == "Page"}
	w.depth++
	w.value(v, nil, "", 0)
	w.depth--
	w.at = back
}

// count counts one object read, and opens a fresh reader when the current
// one holds walkCacheObjects.
func (w *walker) count() {
	if w.read++; w.read < walkCacheObjects {
		return
	}
	r, err := w.open()
	if err != nil {
		w.ok = false
		return
	}
	w.r, w.read = r, 0
	w.readers++
}

// value walks v, found at path in the object walked under key.
func (w *walker) value(v pdf.Value, path []step, key string, depth int) {
	w.budget.nodes--
	if !w.ok || w.budget.nodes < 0 || depth > maxValueDepth {
		w.ok = false
		return
	}
	if p := v.GetPtr(); p.GetID() != 0 && p != w.at.ptr {
		w.count()
		if w.reference(p.GetID(), key) {
			if w.depth < maxWalkDepth {
				w.descend(p.GetID(), v)
			} else {
				w.queue = append(w.queue, p.GetID())
			}
		}
		return
	}
	readers := w.readers
	again := func() {
		if w.readers != readers { // read again with the fresh reader
			v, readers = w.get(path), w.readers
		}
	}
	switch v.Kind() {
	case pdf.Dict, pdf.Stream:
		for _, k := range v.Keys() {
			w.value(v.Key(k), append(path, step{key: k}), k, depth+1)
			again()
		}
	case pdf.Array:
		for i := 0; i < v.Len(); i++ {
			w.value(v.Index(i), append(path, step{index: i}), "", depth+1)
			again()
		}
	}
}

// reference records that the object walked refers to object id under key,
// and reports whether id is seen for the first time.
func (w *walker) reference(id uint32, key string) bool {
	from := w.at.ptr.GetID()
	if w.isNew(id) && !w.at.trailer && !w.wrote[from] { // the trailer is new with every update
		w.ok = false // an object the update did not touch refers to a new one
		return false
	}
	if w.wrote[id] {
		w.g.uses[id] = append(w.g.uses[id], use{holder: from, key: key, page: w.at.page})
	}
	if w.seen[id] {
		return false
	}
	w.seen[id] = true
	return true
}

// inUse reports whether the cross-reference of r defines object id as in
// use, without reading the object.
func inUse(r *pdf.Reader, id uint32) bool {
	xs := r.Xref()
	return id != 0 && int(id) < len(xs) && xs[id].Ptr().GetID() == id
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
