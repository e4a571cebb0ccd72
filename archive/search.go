package archive

import (
	"context"
	"strings"

	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/kerr"
)

// SearchTextVersion numbers the rules of SearchText. A document whose
// stored SearchVersion is lower was indexed by older rules; its text is
// recomputed when a word search of its owner meets it (Service.List) or
// when it is next changed, never by a pass over the whole store.
//
//	0: the name and summary (documents stored before versions were kept)
//	1: the name, summary, number, issuer and the free-text typed fields
const SearchTextVersion = 1

// maxSearchTextBytes bounds a document's search text. The name and
// summary come first; the typed fields fill what is left, short ones
// before long ones.
const maxSearchTextBytes = 4096

// maxRefreshRounds bounds how many store pages one List may read to fill
// a page when documents with old search text turn out not to match, and
// maxReindexWrites how many recomputed texts it stores (the others are
// recomputed again by a later search), so that the first search of a
// large vault stays one request's work.
const (
	maxRefreshRounds = 3
	maxReindexWrites = 200
)

// SearchText is what word search matches for metadata m of a type whose
// schema is def (nil: none), under the rules of SearchTextVersion: folded
// (see Fold), the name, summary, number and issuer, then the values of
// the typed fields a person types as free text — text fields (names,
// places, identity and other numbers), search fields (a catalogue value
// such as an ethnic group) and textarea fields, inside sections and
// dynamic rows too. Choices (radio, checkbox, dropdown: stored as option
// codes), dates, times, numbers and files are left out. It holds at most
// 4,096 bytes, cut between words. The vault computes it; tests and bulk
// loaders that write to a store directly use it too.
func SearchText(m Metadata, def *forms.Definition) string {
	var b strings.Builder
	// add appends s and reports whether there is room for more.
	add := func(s string) bool {
		f := Fold(s)
		if f == "" {
			return true
		}
		room := maxSearchTextBytes - b.Len()
		if b.Len() > 0 {
			room-- // the separating space
		}
		full := len(f) > room
		if full {
			// Keep the words that fit whole: f[room] may be the space
			// right after the last of them.
			if room <= 0 {
				return false
			}
			i := strings.LastIndexByte(f[:room+1], ' ')
			if i <= 0 {
				return false
			}
			f = f[:i]
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f)
		return !full
	}
	for _, s := range []string{m.Name, m.Summary, m.Number, m.Issuer} {
		if !add(s) {
			return b.String()
		}
	}
	if def == nil || len(m.Fields) == 0 {
		return b.String()
	}
	var short, long []string
	fieldTexts(def.Fields, m.Fields, &short, &long)
	for _, s := range append(short, long...) {
		if !add(s) {
			break
		}
	}
	return b.String()
}

// fieldTexts appends the string values of the free-text fields among
// fields, found in data: text and search values to short, textarea values
// to long. Sections hold their fields' values in data itself; each row of
// dynamic rows is a map like data.
func fieldTexts(fields []forms.Field, data map[string]any, short, long *[]string) {
	for _, f := range fields {
		switch f.Type {
		case forms.TypeGroup:
			fieldTexts(f.Fields, data, short, long)
		case forms.TypeRows:
			rows, _ := data[f.Code].([]any)
			for _, r := range rows {
				if row, ok := r.(map[string]any); ok {
					fieldTexts(f.Fields, row, short, long)
				}
			}
		case forms.TypeText, forms.TypeSearch:
			if v, ok := data[f.Code].(string); ok {
				*short = append(*short, v)
			}
		case forms.TypeTextarea:
			if v, ok := data[f.Code].(string); ok {
				*long = append(*long, v)
			}
		}
	}
}

// indexText sets d's search text from its metadata under the current
// rules, with def the schema of its type.
func indexText(d *Document, def *forms.Definition) {
	d.SearchText, d.SearchVersion = SearchText(d.Metadata, def), SearchTextVersion
}

// reindex recomputes d's search text when it was made by older rules,
// reading its type's schema (once per type: schemas caches them). It
// reports false, leaving d as it was, when the schema cannot be read now.
func (s *Service) reindex(ctx context.Context, d *Document, schemas map[string]*forms.Definition) bool {
	if d.SearchVersion >= SearchTextVersion {
		return true
	}
	def, ok := schemas[d.TypeCode]
	if !ok {
		var err error
		if _, def, err = s.docType(ctx, d.TypeCode); err != nil {
			// A type gone from the catalogue (Invalid) or with a broken
			// schema (Integrity) indexes without typed fields; a store
			// that cannot answer now leaves the text for later.
			if k := kerr.KindOf(err); k != kerr.Invalid && k != kerr.Integrity {
				s.log.WarnContext(ctx, "search text not recomputed: cannot read the document type", "type", d.TypeCode, "err", err)
				return false
			}
			def = nil
		}
		if schemas != nil {
			schemas[d.TypeCode] = def
		}
	}
	indexText(d, def)
	return true
}

// listDocuments runs q for List. Without words it is the store's page.
// With words it also asks for the owner's documents whose search text was
// made by older rules (whatever their text), recomputes it, keeps those
// that match and stores the new text in one batch, so that papers stored
// before a rule change are found and then indexed without a pass over the
// whole store. When such documents were dropped it reads on, at most
// maxRefreshRounds pages, to fill the page; it stores at most
// maxReindexWrites texts. It returns the documents and the ID to continue
// after ("" when nothing follows).
func (s *Service) listDocuments(ctx context.Context, q DocQuery) ([]Document, string, error) {
	if len(q.Words) == 0 {
		docs, more, err := s.store.ListDocuments(ctx, q)
		if err != nil {
			return nil, "", storeErr("list documents", err)
		}
		if more && len(docs) > 0 {
			return docs, docs[len(docs)-1].ID, nil
		}
		return docs, "", nil
	}
	q.SearchVersion = SearchTextVersion
	limit := q.Limit
	var out []Document
	schemas := map[string]*forms.Definition{}
	written := 0
	for round := 1; ; round++ {
		docs, more, err := s.store.ListDocuments(ctx, q)
		if err != nil {
			return nil, "", storeErr("list documents", err)
		}
		var updates []SearchTextUpdate
		dropped := 0
		for _, d := range docs {
			if d.SearchVersion < SearchTextVersion {
				if s.reindex(ctx, &d, schemas) && written+len(updates) < maxReindexWrites {
					updates = append(updates, SearchTextUpdate{ID: d.ID, Rev: d.Rev, Text: d.SearchText, Version: d.SearchVersion})
				}
				if !containsAll(d.SearchText, q.Words) {
					dropped++
					continue
				}
			}
			out = append(out, d)
		}
		if len(updates) > 0 {
			// The text is derived: when storing it fails, the next search
			// recomputes it.
			written += len(updates)
			if err := s.store.SetSearchText(ctx, updates); err != nil {
				s.log.WarnContext(ctx, "recomputed search text not stored", "documents", len(updates), "err", err)
			}
		}
		if !more || len(docs) == 0 {
			return out, "", nil
		}
		after := docs[len(docs)-1].ID
		if dropped == 0 || len(out) >= limit || round == maxRefreshRounds {
			return out, after, nil
		}
		q.After, q.Limit = after, limit-len(out)
	}
}

// containsAll reports whether every word occurs in text.
func containsAll(text string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}
