package pdfguard

// value is what the check keeps of a parsed PDF object: scalars, and the
// dictionaries and arrays near the top (keepDepth levels, keepItems
// items); deeper content is only counted.
type value struct {
	kind    byte // 'i' integer, 'r' reference, 'n' name, 'd' dict, 'a' array, 'S' stream, ']' and '>' closing, 'x' anything else
	n       int64
	gen     int64
	name    string
	dict    map[string]*value
	arr     []*value
	dataOff int64 // a stream's data, after "stream" and its end of line
}

const (
	keepDepth = 3
	keepItems = 1 << 16 // in the values of a top-level dictionary (an xref stream's /Index)
	keepDeep  = 64      // deeper down
)

// keep says whether the n+1-th item of an array or dictionary at depth is
// kept.
func keep(depth, n int) bool {
	return depth < keepDepth && (n < keepDeep || depth <= 1 && n < keepItems)
}

// Memory that digitorus/pdf allocates per parsed item (an Object is 128
// bytes; slices grow by doubling; a map entry costs about twice its value).
// Measured 2026-12-07 on a 10,000-page PDF (3 MB) with every page,
// resource and content dictionary resolved: the reader held 89 MB, the
// estimate is 132 MB.
const (
	costItem  = 256
	costArray = 8 * 128
	costDict  = 512
)

// parser parses objects from a lexer the way digitorus/pdf's readObject
// does, adding the memory the reader would allocate to cost and noting
// every /Columns value (a PNG predictor allocates that many bytes).
type parser struct {
	l       *lexer
	back    []token
	cost    int64
	columns func(v value)
	err     error // the first structural refusal
}

func (p *parser) tok() token {
	if n := len(p.back); n > 0 {
		t := p.back[n-1]
		p.back = p.back[:n-1]
		return t
	}
	return p.l.token()
}

func (p *parser) unread(t token) { p.back = append(p.back, t) }

// object parses one object: "N G obj value endobj", a reference "N G R",
// or a bare value. ok is false where digitorus/pdf would stop (panic) or
// at the end of the input. Values are returned by value: only those kept
// (near the top) are allocated.
func (p *parser) object(depth int) (v value, ok bool) {
	if depth > maxNesting {
		p.err = errNesting
		return value{}, false
	}
	t := p.tok()
	switch t.kind {
	case tEOF, tBad:
		return value{}, false
	case tDictOpen:
		return p.dict(depth)
	case tArrayOpen:
		return p.array(depth)
	case tArrayClose:
		return value{kind: ']'}, true
	case tDictClose:
		return value{kind: '>'}, true
	case tName:
		p.cost += int64(t.len)
		return value{kind: 'n', name: t.text}, true
	case tString:
		p.cost += int64(t.len)
		return value{kind: 'x'}, true
	case tKeyword:
		switch t.text {
		case "null", "true", "false", "endobj":
			if t.text == "endobj" {
				p.unread(t)
			}
			return value{kind: 'x'}, true
		}
		return value{}, false // any other keyword: the reader panics
	case tReal:
		return value{kind: 'x'}, true
	}
	// An integer: maybe a reference or an object definition.
	if t.n >= 0 && t.n <= 1<<32-1 {
		t2 := p.tok()
		if t2.kind == tInt && t2.n >= 0 && t2.n <= 1<<16-1 {
			t3 := p.tok()
			if t3.kind == tKeyword && t3.text == "R" {
				return value{kind: 'r', n: t.n, gen: t2.n}, true
			}
			if t3.kind == tKeyword && t3.text == "obj" {
				v, ok := p.object(depth)
				if ok && v.kind != 'S' {
					if t4 := p.tok(); !(t4.kind == tKeyword && t4.text == "endobj") {
						p.unread(t4)
					}
				}
				return v, ok
			}
			p.unread(t3)
		}
		p.unread(t2)
	}
	return value{kind: 'i', n: t.n}, true
}

func (p *parser) array(depth int) (value, bool) {
	p.cost += costItem + costArray
	a := value{kind: 'a'}
	for {
		v, ok := p.object(depth + 1)
		if !ok {
			return a, p.err == nil
		}
		if v.kind == ']' {
			return a, true
		}
		p.cost += costItem
		if keep(depth, len(a.arr)) {
			kept := v // allocated only when kept
			a.arr = append(a.arr, &kept)
		}
	}
}

func (p *parser) dict(depth int) (value, bool) {
	p.cost += costItem + costDict
	d := value{kind: 'd'}
	if depth < keepDepth {
		d.dict = map[string]*value{}
	}
	for {
		k := p.tok()
		if k.kind == tDictClose || k.kind == tEOF {
			break
		}
		if k.kind != tName {
			return value{}, false // the reader panics on a key that is not a name
		}
		v, ok := p.object(depth + 1)
		if !ok {
			return value{}, false
		}
		p.cost += 2 * costItem
		if k.text == "Columns" && p.columns != nil {
			p.columns(v)
		}
		if d.dict != nil && keep(depth, len(d.dict)) {
			kept := v
			d.dict[k.text] = &kept
		}
	}
	t := p.tok()
	if t.kind != tKeyword || t.text != "stream" {
		p.unread(t)
		return d, true
	}
	c, ok := p.l.next()
	if ok && c == '\r' {
		if c, ok = p.l.next(); ok && c != '\n' {
			p.l.back()
		}
	} else if !ok || c != '\n' {
		return value{}, false
	}
	d.kind, d.dataOff = 'S', p.l.offset()
	return d, true
}

// key returns the entry k of a dictionary or stream (nil if absent).
func (v *value) key(k string) *value {
	if v == nil || v.dict == nil {
		return nil
	}
	return v.dict[k]
}

// refs appends the object numbers v refers to, at any kept depth.
func (v *value) refs(out []int64) []int64 {
	if v == nil {
		return out
	}
	switch v.kind {
	case 'r':
		out = append(out, v.n)
	case 'a':
		for _, e := range v.arr {
			out = e.refs(out)
		}
	case 'd', 'S':
		for _, e := range v.dict {
			out = e.refs(out)
		}
	}
	return out
}
