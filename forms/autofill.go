package forms

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// Sources of a pre-filled value (PrefillSource.Source, Provenance.Source).
const (
	SourceProfile  = "profile"  // the owner's profile in the vault
	SourceDocument = "document" // a field of a valid paper in the owner's vault
)

// ProfilePaths are the entries of an owner's profile a field may be
// pre-filled from (PrefillSource.Path with Source "profile"):
//
//	identityNumber  the 12-digit personal identity number (or the organisation's code)
//	fullName        the owner's name
//	birthYear       the year of birth (a number)
//	idIssueDate     the identity paper's issue date, "YYYY-MM-DD"
//	idIssuer        the identity paper's issuing authority
//	ownerKind       "individual" or "organization"
var ProfilePaths = []string{"identityNumber", "fullName", "birthYear", "idIssueDate", "idIssuer", "ownerKind"}

// maxPrefillSources bounds a field's Prefill list.
const maxPrefillSources = 5

// PrefillSource is one place a field's value may come from: an entry of
// the owner's profile ({"source": "profile", "path": "fullName"}) or a
// field of the newest valid paper of a type in the owner's vault
// ({"source": "document", "type": "CAN_CUOC", "field": "hoTen"}).
type PrefillSource struct {
	Source string `json:"source"`
	Path   string `json:"path,omitempty"`
	Type   string `json:"type,omitempty"`
	Field  string `json:"field,omitempty"`
}

var docTypeRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// valueTypesExcept lists the types that hold a value, but t.
func valueTypesExcept(t FieldType) []FieldType {
	return slices.DeleteFunc(slices.Clone(fieldTypes), func(x FieldType) bool { return !x.hasValue() || x == t })
}

// prefill checks a field's Prefill list.
func (c *checker) prefill(f *Field, p string) {
	if f.Prefill != nil && len(f.Prefill) == 0 {
		c.add(p+".prefill", "an empty prefill list; leave it out")
	}
	if len(f.Prefill) > maxPrefillSources {
		c.add(p+".prefill", "at most %d sources", maxPrefillSources)
		return
	}
	if f.PrefillEditable != nil && len(f.Prefill) == 0 {
		c.add(p+".prefillEditable", "prefillEditable needs a prefill list")
	}
	for i, s := range f.Prefill {
		sp := fmt.Sprintf("%s.prefill[%d]", p, i)
		switch s.Source {
		case SourceProfile:
			if !slices.Contains(ProfilePaths, s.Path) {
				c.add(sp+".path", "unknown profile path %q (one of %s)", s.Path, strings.Join(ProfilePaths, ", "))
			}
			if s.Type != "" || s.Field != "" {
				c.add(sp, "a profile source has only a path")
			}
		case SourceDocument:
			if !docTypeRE.MatchString(s.Type) {
				c.add(sp+".type", "document type code %q must be 1 to 64 letters, digits, . _ -", s.Type)
			}
			if !fieldCodeRE.MatchString(s.Field) {
				c.add(sp+".field", "document field %q must be a letter then letters, digits or _ (at most 64)", s.Field)
			}
			if s.Path != "" {
				c.add(sp+".path", "a document source has a type and a field, no path")
			}
		default:
			c.add(sp+".source", "source must be %q or %q", SourceProfile, SourceDocument)
		}
	}
}

// editable reports whether a pre-filled value of f may be changed.
func (f *Field) editable() bool { return f.PrefillEditable == nil || *f.PrefillEditable }

// Vault is what auto-fill reads of an owner's vault, on behalf of the one
// caller it was made for; the vault's own rules decide what that caller
// may read (archive.Service.FormSource makes one). Errors: Permission when
// the caller may not read the owner's vault; NotFound when there is
// nothing to read; Unavailable or Internal when the vault fails.
type Vault interface {
	// Profile returns the owner's profile by ProfilePaths entry; entries
	// the vault does not know are absent, and an owner without a record
	// has an empty profile.
	Profile(ctx context.Context, ownerID string) (map[string]any, error)
	// NewestValid returns the newest valid paper of the type in the
	// owner's vault, read through the vault so that the read is in the
	// owner's access ledger with purpose. NotFound when there is none.
	NewestValid(ctx context.Context, ownerID, typeCode, purpose string) (VaultDocument, error)
}

// VaultDocument is a vault paper as auto-fill reads it.
type VaultDocument struct {
	ID       string
	Version  int // the version read (the current one)
	TypeCode string
	Name     string
	Fields   map[string]any
}

// Prefill fills d's fields that declare a Prefill list from ownerID's
// profile and valid papers, read through vault, with the default Checker.
func Prefill(ctx context.Context, d *Definition, ownerID string, vault Vault) (Values, []FieldError, error) {
	return Checker{}.Prefill(ctx, d, ownerID, vault)
}

// Prefill fills d's fields that declare a Prefill list: for each, the
// first of its sources that gives a value the field accepts. The values
// are normalised like Validate's, and Provenance names, for each, its
// source: the profile entry, or the paper's ID, version, type and field.
// Every paper read is in the owner's ledger (once per type). A value a
// field refuses (a malformed number in an old paper) is left out with a
// warning. The caller's right to read the vault is checked even when d
// pre-fills nothing. Errors are the vault's (Permission for another
// citizen's vault); a missing paper or profile entry is no error.
func (c Checker) Prefill(ctx context.Context, d *Definition, ownerID string, vault Vault) (Values, []FieldError, error) {
	out := Values{Form: d.Code, Version: d.Version, Data: map[string]any{}, Provenance: map[string]Provenance{}}
	if d.idx == nil {
		return out, nil, kerr.New(kerr.Internal, "form_definition_unchecked", "Biểu mẫu chưa được kiểm tra.", "prefill of unchecked definition %s", d.Code)
	}
	profile, err := vault.Profile(ctx, ownerID)
	if err != nil {
		return out, nil, err
	}
	purpose := "Tự động điền biểu mẫu " + d.Code
	docs := map[string]*VaultDocument{} // by type; nil: none
	var warnings []FieldError
	v := c.newValidation(d)
	for _, fi := range d.idx.order {
		f := fi.f
		if len(f.Prefill) == 0 || fi.rows != nil {
			continue
		}
		for _, src := range f.Prefill {
			var raw any
			prov := Provenance{Source: src.Source}
			desc := ""
			switch src.Source {
			case SourceProfile:
				raw, prov.Path, desc = profile[src.Path], src.Path, profileDesc
			case SourceDocument:
				doc, seen := docs[src.Type]
				if !seen {
					sd, err := vault.NewestValid(ctx, ownerID, src.Type, purpose)
					switch {
					case err == nil:
						doc = &sd
					case kerr.IsKind(err, kerr.NotFound):
					default:
						return out, nil, err
					}
					docs[src.Type] = doc
				}
				if doc == nil {
					continue
				}
				raw = doc.Fields[src.Field]
				prov.DocumentID, prov.DocumentVersion, prov.DocumentType, prov.DocumentField = doc.ID, doc.Version, doc.TypeCode, src.Field
				if out.docNames == nil {
					out.docNames = map[string]string{}
				}
				out.docNames[doc.ID] = doc.Name
				desc = documentDesc(doc)
			}
			in, ok := prefillInput(f, raw)
			if !ok {
				continue
			}
			v.errs = nil
			clean := v.value(f, in, f.Code, f.Label)
			if len(v.errs) > 0 || clean == nil {
				for _, e := range v.errs {
					warnings = append(warnings, FieldError{Field: f.Code, Code: "prefill_value_invalid",
						Message: f.Label + ": giá trị lấy từ " + desc + " không hợp lệ nên không được điền sẵn (" + e.Message + ")"})
				}
				continue
			}
			out.Data[f.Code] = clean
			out.Provenance[f.Code] = prov
			break
		}
	}
	return out, warnings, nil
}

const profileDesc = "thông tin cá nhân của chủ kho dữ liệu"

func documentDesc(doc *VaultDocument) string {
	name := strings.TrimSpace(doc.Name)
	if name == "" {
		name = doc.TypeCode
	}
	return "giấy tờ «" + shortText(name) + "» trong kho dữ liệu"
}

func provenanceDesc(p Provenance, docNames map[string]string) string {
	if p.Source == SourceProfile {
		return profileDesc
	}
	return documentDesc(&VaultDocument{TypeCode: p.DocumentType, Name: docNames[p.DocumentID]})
}

// prefillInput turns a source's value into the input a field of f takes,
// as plain JSON values; false when there is nothing to fill.
func prefillInput(f *Field, raw any) (any, bool) {
	if raw == nil {
		return nil, false
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, false
	}
	tree, _, err := readTree(b, treeLimits{maxDepth: 16, maxValues: DefaultMaxDataValues})
	if err != nil {
		return nil, false
	}
	switch f.Type {
	case TypeSpin, TypeSlider:
		if s, ok := tree.(string); ok {
			tree = json.Number(strings.TrimSpace(s))
		}
	case TypeCheckbox, TypeDropdown:
		if s, ok := tree.(string); ok && f.multi() {
			tree = []any{s}
		}
	case TypeText, TypeTextarea, TypeSearch, TypeRadio, TypeDate, TypeTime:
		if n, ok := tree.(json.Number); ok {
			tree = n.String()
		}
	}
	switch x := tree.(type) {
	case string:
		return x, strings.TrimSpace(x) != ""
	case bool:
		return nil, false
	case []any:
		return x, len(x) > 0
	}
	return tree, tree != nil
}

// CheckPrefilled compares submitted values, which Validate accepted, with
// fresh, what Prefill gives now for the same owner (the server reads the
// sources again; a client's provenance is never trusted). For each visible
// pre-filled field: the same value gets fresh's provenance; another value
// (or none) is a correction, recorded with the source's value as
// Provenance.Original, or, when the field has "prefillEditable": false, a
// field error "prefill_not_editable". A field the source gives nothing for
// counts as typed by the user.
func (c Checker) CheckPrefilled(d *Definition, submitted, fresh Values) (Values, []FieldError) {
	out := submitted
	out.Provenance = map[string]Provenance{}
	if d.idx == nil {
		return out, []FieldError{{Code: "form_definition_unchecked", Message: "Biểu mẫu chưa được kiểm tra; không thể nhận dữ liệu."}}
	}
	v := c.newValidation(d)
	st := &scopeState{clean: submitted.Data, visible: map[*fieldInfo]bool{}}
	var errs []FieldError
	for _, path := range sortedKeys(fresh.Data) {
		fi := d.idx.byCode[path]
		if fi == nil || fi.rows != nil || !v.visible(fi, st) {
			continue
		}
		want := fresh.Data[path]
		prov := fresh.Provenance[path]
		got, has := submitted.Data[path]
		if has && bytes.Equal(canonicalOf(got), canonicalOf(want)) {
			out.Provenance[path] = prov
			continue
		}
		if !fi.f.editable() {
			errs = append(errs, FieldError{Field: path, Code: "prefill_not_editable",
				Message: fi.f.Label + ": trường này lấy từ " + provenanceDesc(prov, fresh.docNames) + " và không được sửa."})
			continue
		}
		prov.Original = want
		out.Provenance[path] = prov
	}
	if len(out.Provenance) == 0 {
		out.Provenance = nil
	}
	return out, errs
}

// ValidatePrefilled validates submitted data for ownerID (see Validate),
// then reads the pre-fill sources again through vault and checks the
// pre-filled fields (see CheckPrefilled). Errors of the data and of the
// pre-filled fields come back together; err is the vault's. Data that is
// not readable at all (not JSON, too large) is refused without reading
// the vault.
func (c Checker) ValidatePrefilled(ctx context.Context, d *Definition, data []byte, ownerID string, vault Vault) (Values, []FieldError, error) {
	vals, errs := c.Validate(d, data)
	if dataRefused(errs) { // unreadable data: nothing to compare, no paper read
		return vals, errs, nil
	}
	fresh, _, err := c.Prefill(ctx, d, ownerID, vault)
	if err != nil {
		return Values{Form: d.Code, Version: d.Version, Data: map[string]any{}}, nil, err
	}
	bad := map[string]bool{}
	for _, e := range errs {
		bad[e.Field] = true
	}
	for p := range fresh.Data {
		if bad[p] {
			delete(fresh.Data, p)
		}
	}
	vals, perrs := c.CheckPrefilled(d, vals, fresh)
	return vals, append(errs, perrs...), nil
}

// newValidation returns a validation of d with c's clock.
func (c Checker) newValidation(d *Definition) *validation {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	return &validation{c: c, d: d, today: now().In(Vietnam)}
}

// canonicalOf is v's canonical JSON, for comparing values.
func canonicalOf(v any) []byte {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	tree, _, err := readTree(raw, treeLimits{maxDepth: 64})
	if err != nil {
		return nil
	}
	var b bytes.Buffer
	writeCanonical(&b, tree)
	return b.Bytes()
}
