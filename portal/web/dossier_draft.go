package web

import (
	"errors"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
	"github.com/kho-vn/kho/workflow"
)

// maxDraftFiles is how many files one post of the draft may carry: the
// body is bounded by that many of the vault's largest file.
const maxDraftFiles = 5

// draftPage is a dossier being filled by its applicant: one section per
// component of its procedure.
type draftPage struct {
	Code, Procedure, Status, Self string
	Rev                           int64
	Sections                      []draftSection
	// Saved: the draft was just saved.
	Saved bool
	// Conflict is set when the dossier changed since the page was loaded.
	Conflict string
	// Errors are the error summary's entries, each linking to its control.
	Errors []formError
	// Missing names the required components still missing when a
	// submission was refused.
	Missing   []string
	MaxUpload string
}

// draftSection is one component: how it is filled now and the controls
// that fill it.
type draftSection struct {
	Code, Name string
	Required   bool
	// Now says how the component is filled ("" when it is not).
	Now string
	// Form is the eForm of a form component.
	Form *eform
	// Upload: a file may be uploaded; Types are its document types when
	// there is a choice.
	Upload bool
	Types  []option
	Accept string
	// Pick: the citizen's valid papers of the component's types.
	Pick   bool
	Papers []pickRow
	// Error is the component's own refusal (upload, pick).
	Error string
	// Draft says that the eForm shows the citizen's draft, or that what
	// was just posted was kept as one.
	Draft string
}

// pickRow is a paper of the citizen's vault that may fill a component.
type pickRow struct {
	ID, Label, Detail, Status string
	StatusLabel               string
	Signed, Chosen            bool
}

// draftPost is what a post of the draft carried and what became of it.
type draftPost struct {
	form      url.Values
	fieldErrs map[string]map[string]string // by component, by control ID
	// focus is the control that takes the focus after a row was added or
	// removed.
	focus      string
	compErrs   map[string]string
	summary    []formError
	conflict   string
	missing    []string
	submitFail bool
	// drafted are the eForm components kept as drafts: how many fields
	// each still has to fix.
	drafted map[string]int
}

// dossierDraft is GET /ho-so-cua-toi/{code}/soan: the applicant's draft.
// Anyone else gets what the workflow says of the dossier (404).
func (h *Handler) dossierDraft(w http.ResponseWriter, r *http.Request) {
	a, ok := h.applicant(w, r)
	if !ok {
		return
	}
	h.showDraft(w, r, a, http.StatusOK, nil)
}

// showDraft renders the draft; with p, after a post that was not wholly
// taken, with what was typed and why.
func (h *Handler) showDraft(w http.ResponseWriter, r *http.Request, a archive.Actor, status int, p *draftPost) {
	ctx := r.Context()
	v, err := h.ownDossier(r, a)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	if v.Status != workflow.StatusRegistered && p == nil {
		// Submitted: the confirmation says where it stands.
		http.Redirect(w, r, sentURL(v.Code), http.StatusSeeOther)
		return
	}
	proc, err := h.cfg.Workflow.Procedure(ctx, a, v.Procedure)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	names, err := h.typeNames(r.Context(), a)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	page := &draftPage{Code: v.Code, Procedure: v.ProcedureName, Status: v.Display.Label, Self: draftURL(v.Code), Rev: v.Rev,
		Saved: r.URL.Query().Get("da-luu") == "1" && p == nil, MaxUpload: input.HumanBytes(h.cfg.Vault.Config().MaxUploadBytes)}
	if p != nil {
		page.Conflict, page.Errors, page.Missing = p.conflict, p.summary, p.missing
	}
	filled := map[string]workflow.Filled{}
	for _, f := range v.Components {
		filled[f.Code] = f
	}
	labels := map[string]string{} // vault papers by ID, for provenance
	for _, c := range proc.Components {
		sec := draftSection{Code: c.Code, Name: c.Name, Required: c.Required}
		f, has := filled[c.Code]
		if len(c.TypeCodes) > 0 {
			sec.Upload, sec.Accept = true, "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"
			if len(c.TypeCodes) > 1 {
				for _, t := range c.TypeCodes {
					sec.Types = append(sec.Types, option{t, typeList([]string{t}, names)})
				}
			}
			if c.Reusable {
				sec.Pick = true
				rows, err := h.vaultPapers(r, a, c.TypeCodes, names)
				if err != nil {
					h.renderError(w, r, err)
					return
				}
				for _, row := range rows {
					row.Chosen = has && f.Source == workflow.SourceReuse && f.DocumentID == row.ID
					if p != nil && p.form.Has("kho-"+c.Code) {
						row.Chosen = p.form.Get("kho-"+c.Code) == row.ID
					}
					labels[row.ID] = row.Label
					sec.Papers = append(sec.Papers, row)
				}
			}
		}
		if has {
			sec.Now = filledText(f, names, labels)
		}
		if c.Form != "" {
			form, note, err := h.draftForm(r, a, v, c, f, has, p, labels)
			if err != nil {
				h.renderError(w, r, err)
				return
			}
			sec.Form, sec.Draft = form, note
		}
		if p != nil {
			sec.Error = p.compErrs[c.Code]
		}
		page.Sections = append(page.Sections, sec)
	}
	h.render(w, r, status, "dossier_draft", "Soạn hồ sơ "+v.Code, "procedures", page)
}

// ownDossier is the dossier of the path's {code} when the citizen is its
// applicant: a representative's dossiers are not drafted on these pages
// (NotFound, as for another's).
func (h *Handler) ownDossier(r *http.Request, a archive.Actor) (workflow.View, error) {
	code := r.PathValue("code")
	v, err := h.cfg.Workflow.Get(r.Context(), a, code)
	if err == nil && v.Applicant.ID != a.Subject {
		err = kerr.New(kerr.NotFound, "dossier_not_found", "Không tìm thấy hồ sơ.", "%s is not the applicant of %s", a.Subject, code)
	}
	return v, err
}

// draftForm is component c's eForm: the citizen's draft of it, else the
// stored values (or, never saved, auto-fill's), with their provenance;
// or the posted ones and their errors. note says which draft it shows,
// or that the post was kept as one.
func (h *Handler) draftForm(r *http.Request, a archive.Actor, v workflow.View, c workflow.Component, f workflow.Filled, has bool,
	p *draftPost, labels map[string]string) (form *eform, note string, err error) {
	stored := has && f.Form != nil
	cf, err := h.cfg.Workflow.ComponentForm(r.Context(), a, v.Code, c.Code, !stored)
	if err != nil {
		return nil, "", err
	}
	vals := cf.Prefill
	if stored {
		vals = *f.Form
	}
	var draft *forms.Draft
	if p == nil {
		draft, err = h.formDraft(r, a, v.Code, c.Code, cf.Definition)
		if kerr.IsKind(err, kerr.Integrity) {
			// Sealed with a key since changed: the next save replaces it.
			h.log.WarnContext(r.Context(), "không mở được bản nháp của tờ khai", "dossier", v.Code, "component", c.Code, "err", err)
			_, msg := kerr.Public(err)
			note, err = "Không mở được bản nháp đã lưu của tờ khai: "+msg+" Trang hiện nội dung đã ghi trong hồ sơ.", nil
		}
		if err != nil {
			return nil, "", err
		}
	}
	in := eformInput{values: vals.Data, sources: map[string]string{}}
	if draft != nil {
		in.values = draft.Data
		note = "Đang hiện bản nháp của tờ khai lưu lúc " + Clock(draft.UpdatedAt) + " " + Date(draft.UpdatedAt) +
			". Bản nháp chưa được ghi vào hồ sơ: hãy sửa các trường còn thiếu hoặc chưa đúng rồi lưu lại."
	}
	types := fieldTypes(cf.Definition.Fields, map[string]forms.FieldType{})
	for field, prov := range vals.Provenance {
		if draft != nil && prov.Original == nil && !sameValue(vals.Data[field], draft.Data[field], types[field]) {
			// Changed in the draft since it was filled from there.
			prov.Original = vals.Data[field]
		}
		in.sources[field] = h.provenanceText(r, a, prov, labels)
	}
	if p != nil {
		in.posted, in.errors, in.focus = p.form, p.fieldErrs[c.Code], p.focus
		if n, ok := p.drafted[c.Code]; ok {
			note = "Đã lưu bản nháp của tờ khai; còn " + strconv.Itoa(n) + " trường cần sửa trước khi nộp."
		}
	}
	form = eformOf(cf.Definition, c.Code, in)
	for _, w := range cf.Warnings {
		form.Warnings = append(form.Warnings, w.Message)
	}
	return form, note, nil
}

// formDraft is the citizen's draft of the eForm d of component comp of
// dossier code; nil when there is none or Drafts is not configured.
func (h *Handler) formDraft(r *http.Request, a archive.Actor, code, comp string, d *forms.Definition) (*forms.Draft, error) {
	if h.cfg.Drafts == nil {
		return nil, nil
	}
	dr, err := h.cfg.Drafts.Get(r.Context(), a.Subject, d.Code, h.cfg.Drafts.DerivedID(a.Subject, code, comp))
	if kerr.IsKind(err, kerr.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &dr, nil
}

// keepFormDraft follows the save of component c's eForm (data, of d):
// refused field by field (err), data is kept as the citizen's draft of it
// and p says so; stored in the dossier (err nil), the draft is dropped.
// Without Drafts, nothing.
func (h *Handler) keepFormDraft(r *http.Request, a archive.Actor, code string, c workflow.Component, d *forms.Definition, data []byte, err error, p *draftPost) {
	ds := h.cfg.Drafts
	if ds == nil {
		return
	}
	ctx, id := r.Context(), ds.DerivedID(a.Subject, code, c.Code)
	if err == nil {
		if derr := ds.Delete(ctx, a.Subject, d.Code, id); derr != nil && !kerr.IsKind(derr, kerr.NotFound) {
			h.log.WarnContext(ctx, "không xóa được bản nháp của tờ khai đã lưu vào hồ sơ", "dossier", code, "component", c.Code, "err", derr)
		}
		return
	}
	var fe archive.FieldErrors
	if !errors.As(err, &fe) {
		return
	}
	if _, _, perr := ds.Put(ctx, a.Subject, id, d, data); perr != nil {
		_, msg := kerr.Public(perr)
		p.compErrs[c.Code] = "Không lưu được bản nháp của tờ khai: " + msg
		return
	}
	fields := map[string]bool{}
	for _, e := range fe {
		fields[e.Field] = true
	}
	p.drafted[c.Code] = len(fields)
}

// fieldTypes maps the codes of fs (in groups too) to their types.
func fieldTypes(fs []forms.Field, into map[string]forms.FieldType) map[string]forms.FieldType {
	for i := range fs {
		into[fs[i].Code] = fs[i].Type
		fieldTypes(fs[i].Fields, into)
	}
	return into
}

// sameValue reports whether a field of type t shows x and y alike.
func sameValue(x, y any, t forms.FieldType) bool {
	if x == nil || y == nil {
		return x == nil && y == nil
	}
	isList := func(v any) bool {
		switch v.(type) {
		case []any, []string:
			return true
		}
		return false
	}
	if isList(x) || isList(y) {
		return isList(x) && isList(y) && slices.Equal(stringsOf(x), stringsOf(y))
	}
	return shownValue(x, t) == shownValue(y, t)
}

// provenanceText says where a pre-filled value came from: "Lấy từ: Căn
// cước số …" or "Lấy từ: hồ sơ cá nhân".
func (h *Handler) provenanceText(r *http.Request, a archive.Actor, prov forms.Provenance, labels map[string]string) string {
	text := "hồ sơ cá nhân"
	if prov.Source == "document" {
		text = labels[prov.DocumentID]
		if text == "" {
			rows, err := h.vaultPapers(r, a, []string{prov.DocumentType}, nil)
			if err == nil {
				for _, row := range rows {
					labels[row.ID] = row.Label
				}
			}
			if text = labels[prov.DocumentID]; text == "" {
				text = "giấy tờ trong kho"
			}
		}
	}
	if prov.Original != nil {
		return "Đã sửa giá trị lấy từ: " + text
	}
	return "Lấy từ: " + text
}

// filledText says how a component is filled now.
func filledText(f workflow.Filled, names, labels map[string]string) string {
	switch f.Source {
	case workflow.SourceForm:
		return "Đã lưu biểu mẫu lúc " + Clock(f.At) + " " + Date(f.At) + "."
	case workflow.SourceReuse:
		l := labels[f.DocumentID]
		if l == "" {
			l = typeList([]string{f.TypeCode}, names)
		}
		return "Dùng lại giấy tờ trong kho: " + l + " (phiên bản " + strconv.Itoa(f.Version) + ")."
	case workflow.SourceUpload:
		return "Đã tải lên tệp " + typeList([]string{f.TypeCode}, names) + " lúc " + Clock(f.At) + " " + Date(f.At) + "."
	}
	return "Đã có."
}

// vaultPapers are the citizen's valid papers of the types (at most 20 of
// each), as the pick list shows them.
func (h *Handler) vaultPapers(r *http.Request, a archive.Actor, types []string, names map[string]string) ([]pickRow, error) {
	today := archive.DateOf(h.cfg.Now().In(Vietnam))
	var out []pickRow
	for _, t := range types {
		page, err := h.cfg.Vault.List(r.Context(), a, archive.ListQuery{OwnerID: a.Subject, TypeCode: t, Status: archive.StatusValid, Limit: 20}, archive.Access{})
		if err != nil {
			return nil, err
		}
		for i := range page.Documents {
			d := &page.Documents[i]
			row := rowOf(d, names, today)
			label := row.Name
			if label == "" {
				label = row.TypeName
			}
			if d.Number != "" {
				label += " số " + d.Number
			}
			detail := row.TypeName
			if row.Issuer != "" {
				detail += " · " + row.Issuer
			}
			out = append(out, pickRow{ID: d.ID, Label: label, Detail: detail, Status: string(row.Status), StatusLabel: row.Label, Signed: row.Signed})
		}
	}
	return out, nil
}

// saveDraft is POST /ho-so-cua-toi/{code}/soan: every section's change
// (the eForm, a file, a paper picked from the vault), each guarded by the
// revision the page was loaded at and then by the one it made; with
// lenh=nop, then the submission. Done: the draft again (303, "đã lưu")
// or the confirmation; a stale page: the fresh dossier with the conflict
// notice (409) and what was typed; refused: the draft with the reasons.
func (h *Handler) saveDraft(w http.ResponseWriter, r *http.Request) {
	a, ok := h.applicant(w, r)
	if !ok {
		return
	}
	maxUp := h.cfg.Vault.Config().MaxUploadBytes
	r.Body = http.MaxBytesReader(w, r.Body, maxUp*maxDraftFiles+(1<<20))
	if err := r.ParseMultipartForm(1 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			h.renderError(w, r, kerr.New(kerr.TooLarge, "request_too_large", "Các tệp gửi cùng lúc vượt quá dung lượng cho phép; hãy gửi từng tệp (mỗi tệp tối đa "+
				input.HumanBytes(maxUp)+").", "body over %d bytes", mbe.Limit))
			return
		}
		h.renderError(w, r, badForm(err))
		return
	}
	if r.MultipartForm != nil {
		defer func() { _ = r.MultipartForm.RemoveAll() }()
	}
	if err := h.cfg.CSRF.Check(r); err != nil {
		h.renderError(w, r, err)
		return
	}
	ctx, code := r.Context(), r.PathValue("code")
	v, err := h.ownDossier(r, a)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	proc, err := h.cfg.Workflow.Procedure(ctx, a, v.Procedure)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p := &draftPost{form: r.PostForm, fieldErrs: map[string]map[string]string{}, compErrs: map[string]string{}, drafted: map[string]int{}}
	rev, err := strconv.ParseInt(r.PostForm.Get("rev"), 10, 64)
	if err != nil || rev <= 0 {
		h.renderError(w, r, kerr.New(kerr.Invalid, "invalid_rev", "Biểu mẫu thiếu phiên bản hồ sơ; hãy tải lại trang.", "rev %q", r.PostForm.Get("rev")))
		return
	}
	if lenh := r.PostForm.Get("lenh"); strings.HasPrefix(lenh, "them-dong:") || strings.HasPrefix(lenh, "xoa-dong:") {
		h.changeRows(w, r, a, v, proc, lenh, p)
		return
	}
	filled := map[string]workflow.Filled{}
	for _, f := range v.Components {
		filled[f.Code] = f
	}
	for _, c := range proc.Components {
		nv, err := h.saveComponent(r, a, code, c, filled[c.Code], rev, p)
		if nv.Rev > 0 {
			rev = nv.Rev
		}
		if err != nil && p.refused(c, err) {
			h.showDraft(w, r, a, http.StatusConflict, p)
			return
		}
	}
	if len(p.summary) > 0 {
		if r.PostForm.Get("lenh") == "nop" {
			// Not submitted: say what it lacks, as a refused submission does.
			p.listMissing(h.missing(r, a, code, proc))
		}
		h.showDraft(w, r, a, http.StatusUnprocessableEntity, p)
		return
	}
	if r.PostForm.Get("lenh") != "nop" {
		http.Redirect(w, r, draftURL(code)+"?da-luu=1", http.StatusSeeOther)
		return
	}
	_, err = h.cfg.Workflow.Act(ctx, a, code, workflow.ActInput{Action: workflow.ActionSubmit, Rev: rev})
	switch {
	case err == nil:
		http.Redirect(w, r, sentURL(code), http.StatusSeeOther)
		return
	case isChanged(err):
		p.conflict = msgChanged
		h.showDraft(w, r, a, http.StatusConflict, p)
		return
	}
	_, msg := kerr.Public(err)
	if ke := kerr.Outer(err); ke != nil && ke.Code == "components_missing" {
		p.listMissing(h.missing(r, a, code, proc))
	}
	status := http.StatusUnprocessableEntity
	if len(p.summary) == 0 {
		p.summary, status = []formError{{Field: "nop-ho-so", Message: msg}}, statusOf(err)
	}
	h.showDraft(w, r, a, status, p)
}

// changeRows answers a row's "Thêm dòng" or "Xóa dòng" button (lenh:
// "them-dong:COMP:FIELD" or "xoa-dong:COMP:FIELD:N"): the draft again
// with one row more or less and everything typed kept, nothing saved or
// validated; the focus on the new row's first control, or on the rows.
func (h *Handler) changeRows(w http.ResponseWriter, r *http.Request, a archive.Actor, v workflow.View, proc workflow.Procedure, lenh string, p *draftPost) {
	if v.Status != workflow.StatusRegistered {
		http.Redirect(w, r, sentURL(v.Code), http.StatusSeeOther)
		return
	}
	parts := strings.Split(lenh, ":")
	bad := kerr.New(kerr.Invalid, "invalid_row_action", "Nút thêm hoặc xóa dòng không hợp lệ; hãy tải lại trang.", "lenh %q", lenh)
	if len(parts) < 3 || (parts[0] == "them-dong") != (len(parts) == 3) || len(parts) > 4 {
		h.renderError(w, r, bad)
		return
	}
	comp, code := parts[1], parts[2]
	var f *forms.Field
	for _, c := range proc.Components {
		if c.Code == comp && c.Form != "" {
			cf, err := h.cfg.Workflow.ComponentForm(r.Context(), a, v.Code, c.Code, false)
			if err != nil {
				h.renderError(w, r, err)
				return
			}
			f = rowsField(cf.Definition.Fields, code)
		}
	}
	if f == nil {
		h.renderError(w, r, bad)
		return
	}
	countName := rowCountName(comp, code)
	n := min(max(postedRows(f, p.form, countName), f.MinRows), f.MaxRows)
	if parts[0] == "them-dong" {
		if n < f.MaxRows {
			n++
			if len(f.Fields) > 0 {
				p.focus = controlName(rowScope(comp, code, n), f.Fields[0].Code)
			}
		}
	} else {
		k, err := strconv.Atoi(parts[3])
		if err != nil || k < 1 || k > n {
			h.renderError(w, r, bad)
			return
		}
		if n > f.MinRows {
			shiftRows(p.form, comp, code, k, n)
			n--
		}
		p.focus = controlName(comp, code)
	}
	p.form.Set(countName, strconv.Itoa(n))
	h.showDraft(w, r, a, http.StatusOK, p)
}

// rowsField is the rows field code among fs (in groups too); nil when
// there is none.
func rowsField(fs []forms.Field, code string) *forms.Field {
	for i := range fs {
		if fs[i].Type == forms.TypeRows && fs[i].Code == code {
			return &fs[i]
		}
		if fs[i].Type == forms.TypeGroup {
			if f := rowsField(fs[i].Fields, code); f != nil {
				return f
			}
		}
	}
	return nil
}

// shiftRows drops row k of n of the posted rows field code of component
// comp: the rows after it move up one.
func shiftRows(form url.Values, comp, code string, k, n int) {
	prefix := func(i int) string { return controlName(rowScope(comp, code, i), "") }
	for i := k; i <= n; i++ {
		for name := range form {
			if strings.HasPrefix(name, prefix(i)) {
				delete(form, name)
			}
		}
		if i == n {
			break
		}
		for name, vs := range form {
			if rest, ok := strings.CutPrefix(name, prefix(i+1)); ok {
				form[prefix(i)+rest] = vs
			}
		}
	}
}

// pathControl is the control ID of the validator's field path (code,
// code.from, code[0].sub) in component comp; "" for a path the page has
// no control for.
func pathControl(comp, path string) string {
	m := fieldPathRE.FindStringSubmatch(path)
	if m == nil {
		return ""
	}
	scope := comp
	code := m[1]
	if m[2] != "" {
		i, err := strconv.Atoi(m[2])
		if err != nil {
			return ""
		}
		scope, code = rowScope(comp, m[1], i+1), m[3]
	}
	switch m[4] {
	case "from":
		return rangeName(scope, code, "tu")
	case "to":
		return rangeName(scope, code, "den")
	}
	return controlName(scope, code)
}

// fieldPathRE reads a field path: code, then [row].sub, then .from/.to.
var fieldPathRE = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_]*)(?:\[([0-9]{1,4})\]\.([A-Za-z][A-Za-z0-9_]*))?(?:\.(from|to))?$`)

// missing are the required components of the procedure that dossier code
// does not hold (an eForm kept only as a draft among them); none when the
// dossier cannot be read.
func (h *Handler) missing(r *http.Request, a archive.Actor, code string, proc workflow.Procedure) []workflow.Component {
	fresh, err := h.cfg.Workflow.Get(r.Context(), a, code)
	if err != nil {
		return nil
	}
	have := map[string]bool{}
	for _, f := range fresh.Components {
		have[f.Code] = true
	}
	var out []workflow.Component
	for _, c := range proc.Components {
		if c.Required && !have[c.Code] {
			out = append(out, c)
		}
	}
	return out
}

// listMissing puts the missing components in the error summary.
func (p *draftPost) listMissing(cs []workflow.Component) {
	for _, c := range cs {
		p.missing = append(p.missing, c.Name)
		p.summary = append(p.summary, formError{Field: "tp-" + c.Code, Message: "Còn thiếu: " + c.Name + "."})
	}
}

// msgChanged is the conflict notice of a draft posted from a stale page.
const msgChanged = "Hồ sơ đã được thay đổi ở nơi khác (một trang hoặc thiết bị khác) sau khi bạn mở trang này. " +
	"Dưới đây là hồ sơ mới nhất cùng nội dung bạn vừa nhập; hãy xem lại rồi lưu lần nữa."

// isChanged reports the workflow's refusal of a stale revision.
func isChanged(err error) bool {
	ke := kerr.Outer(err)
	return ke != nil && ke.Code == "dossier_changed"
}

// refused records the refusal of component c's change; true when the
// post must stop (the dossier changed under it).
func (p *draftPost) refused(c workflow.Component, err error) bool {
	if isChanged(err) {
		p.conflict = msgChanged
		return true
	}
	var fe archive.FieldErrors
	if errors.As(err, &fe) {
		errs := map[string]string{}
		for _, e := range fe {
			id := "tp-" + c.Code
			if ctl := pathControl(c.Code, e.Field); ctl != "" {
				id = ctl
				if _, seen := errs[ctl]; !seen {
					errs[ctl] = e.Message
				}
			}
			p.summary = append(p.summary, formError{Field: id, Message: e.Message})
		}
		p.fieldErrs[c.Code] = errs
		return false
	}
	_, msg := kerr.Public(err)
	p.compErrs[c.Code] = msg
	p.summary = append(p.summary, formError{Field: "tp-" + c.Code, Message: c.Name + ": " + msg})
	return false
}

// saveComponent applies the post's change of component c, if any: the
// eForm's data (kept as a draft when it does not validate), an uploaded
// file, or a paper picked from the vault. nv is the dossier after it
// (zero when nothing changed).
func (h *Handler) saveComponent(r *http.Request, a archive.Actor, code string, c workflow.Component, now workflow.Filled, rev int64, p *draftPost) (workflow.View, error) {
	ctx := r.Context()
	if c.Form != "" {
		cf, err := h.cfg.Workflow.ComponentForm(ctx, a, code, c.Code, false)
		if err != nil {
			return workflow.View{}, err
		}
		var kept map[string]any
		if now.Form != nil {
			kept = now.Form.Data
		}
		data, err := eformData(cf.Definition, c.Code, r.PostForm, kept)
		if err != nil {
			return workflow.View{}, kerr.Wrap(err, kerr.Internal, "form_encode", "Không lưu được biểu mẫu.")
		}
		nv, err := h.cfg.Workflow.SetComponent(ctx, a, code, c.Code, workflow.ComponentInput{Form: data, Rev: rev})
		h.keepFormDraft(r, a, code, c, cf.Definition, data, err, p)
		return nv, err
	}
	if len(c.TypeCodes) == 0 {
		return workflow.View{}, nil
	}
	var file *multipart.FileHeader
	if r.MultipartForm != nil {
		if fs := r.MultipartForm.File["tep-"+c.Code]; len(fs) > 0 && fs[0].Size > 0 {
			file = fs[0]
		}
	}
	pick := strings.TrimSpace(r.PostForm.Get("kho-" + c.Code))
	switch {
	case file != nil && pick != "" && !(now.Source == workflow.SourceReuse && now.DocumentID == pick):
		return workflow.View{}, kerr.New(kerr.Invalid, "upload_or_pick", "Hãy chọn một cách: tải tệp lên hoặc chọn giấy tờ trong kho, không chọn cả hai.",
			"component %s has both a file and a pick", c.Code)
	case file != nil:
		f, err := file.Open()
		if err != nil {
			return workflow.View{}, badForm(err)
		}
		defer f.Close()
		return h.cfg.Workflow.Upload(ctx, a, code, c.Code, r.PostForm.Get("loai-"+c.Code), rev,
			archive.Upload{Body: f, Size: file.Size, FileName: cleanFileName(file.Filename)})
	case pick != "" && !(now.Source == workflow.SourceReuse && now.DocumentID == pick):
		return h.cfg.Workflow.SetComponent(ctx, a, code, c.Code, workflow.ComponentInput{Reuse: &workflow.ReuseInput{Document: pick}, Rev: rev})
	}
	return workflow.View{}, nil
}

// dossierSent is GET /ho-so-cua-toi/{code}/da-nop: the confirmation of a
// submitted dossier — its code and where it stands.
func (h *Handler) dossierSent(w http.ResponseWriter, r *http.Request) {
	a, ok := h.applicant(w, r)
	if !ok {
		return
	}
	v, err := h.ownDossier(r, a)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	if v.Status == workflow.StatusRegistered {
		http.Redirect(w, r, draftURL(v.Code), http.StatusSeeOther)
		return
	}
	h.render(w, r, http.StatusOK, "dossier_sent", "Đã nộp hồ sơ "+v.Code, "procedures", v)
}
