package workflow

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/kerr"
)

// NewDossier is what Create needs: the procedure, the channel and who
// applies. Representative is set when a person or an organisation
// applies on the applicant's behalf.
type NewDossier struct {
	Procedure      string          `json:"procedure"`
	Channel        Channel         `json:"channel"`
	Applicant      Party           `json:"applicant"`
	Representative *Representative `json:"representative,omitempty"`
}

// View is a dossier as the API shows it: the record, its status as
// people read it, and the actions the caller may take now.
type View struct {
	Dossier
	Display Display  `json:"display"`
	Actions []Action `json:"actions"`
}

// Limits of a dossier's text.
const (
	maxReasonRunes  = 2000
	maxItems        = 50
	maxItemRunes    = 500
	maxPartyIDBytes = 64
)

// Create registers a new dossier (status "Mới đăng ký") with the latest
// version of its procedure's process, and gives it its code.
//
// A citizen applies online (channel portal, the default) for themselves,
// or for someone else as their representative (then with the
// authorisation they rely on). A desk officer registers a dossier at the
// desk (channel desk, the default for staff), by post or from the
// national portal, for their own agency. The code is <receiving agency>-
// YYMMDD-NNNN, the number taken from the agency's counter of the day.
func (s *Service) Create(ctx context.Context, a archive.Actor, in NewDossier) (View, error) {
	if err := checkActor(a); err != nil {
		return View{}, err
	}
	var agency string
	var staff *Staff
	switch a.Role {
	case archive.RoleCitizen:
		if in.Channel == "" {
			in.Channel = ChannelPortal
		}
		if in.Channel != ChannelPortal {
			return View{}, invalid("channel_not_allowed", "Công dân nộp hồ sơ trực tuyến qua cổng dịch vụ công.",
				"a citizen may use channel portal, not %q", in.Channel)
		}
		self := in.Applicant.ID == a.Subject && in.Representative == nil
		agent := in.Representative != nil && in.Representative.ID == a.Subject && in.Applicant.ID != a.Subject
		if !self && !agent {
			return View{}, kerr.New(kerr.Permission, "not_own_dossier",
				"Công dân chỉ nộp hồ sơ cho chính mình, hoặc cho người khác với tư cách người được ủy quyền.",
				"citizen %q is neither the applicant %q nor their representative", a.Subject, in.Applicant.ID)
		}
	case archive.RoleStaff:
		m, err := s.member(ctx, a)
		if err != nil {
			return View{}, err
		}
		if !m.Holds(RoleDesk) {
			return View{}, kerr.New(kerr.Permission, "role_not_allowed",
				"Chỉ cán bộ tiếp nhận và trả kết quả được nhập hồ sơ.", "staff %q is not a desk officer", a.Subject)
		}
		if in.Channel == "" {
			in.Channel = ChannelDesk
		}
		if !in.Channel.Valid() || in.Channel == ChannelPortal {
			return View{}, invalid("channel_not_allowed", "Cán bộ một cửa nhập hồ sơ nhận trực tiếp, qua bưu chính hoặc từ Cổng Dịch vụ công quốc gia.",
				"staff may use channel desk, postal or national, not %q", in.Channel)
		}
		agency, staff = m.Agency, &m
	default:
		return View{}, kerr.New(kerr.Permission, "role_not_allowed", "Quản trị hệ thống không nộp hồ sơ.", "role %q may not create dossiers", a.Role)
	}
	app, err := checkParty("applicant", in.Applicant)
	if err != nil {
		return View{}, err
	}
	var rep *Representative
	if in.Representative != nil {
		p, err := checkParty("representative", in.Representative.Party)
		if err != nil {
			return View{}, err
		}
		auth := strings.TrimSpace(in.Representative.Authorization)
		if auth == "" {
			return View{}, invalid("authorization_required", "Người nộp thay cần ghi giấy ủy quyền (số hiệu hoặc mã giấy tờ trong kho).",
				"a representative needs an authorization")
		}
		if err := checkText("authorization", "Giấy ủy quyền", auth, maxNameRunes, false); err != nil {
			return View{}, err
		}
		if p.ID == app.ID {
			return View{}, invalid("representative_is_applicant", "Người nộp thay phải khác người có hồ sơ.", "representative %q is the applicant", p.ID)
		}
		rep = &Representative{Party: p, Authorization: auth}
	}
	proc, err := s.getProcedure(ctx, in.Procedure)
	if err != nil {
		return View{}, err
	}
	if agency == "" {
		agency = proc.Agency
	}
	ag, err := s.getAgency(ctx, agency)
	if err != nil {
		return View{}, err
	}
	handling := ag
	if proc.Agency != agency {
		if handling, err = s.getAgency(ctx, proc.Agency); err != nil {
			return View{}, err
		}
	}
	pr, err := s.getProcess(ctx, proc.Code, 0)
	if err != nil {
		return View{}, err
	}
	now := s.nowUTC()
	n, err := s.store.NextDossierNumber(ctx, agency, CodeDay(now))
	if err != nil {
		return View{}, storeErr("next dossier number", err)
	}
	d := Dossier{
		Code:               DossierCode(agency, now.In(Vietnam), n),
		Agency:             agency,
		AgencyName:         ag.Name,
		HandlingAgency:     handling.Code,
		HandlingAgencyName: handling.Name,
		Procedure:          proc.Code,
		ProcedureName:      proc.Name,
		Level:              proc.Level,
		Field:              proc.Field,
		ProcessVersion:     pr.Version,
		Resolution:         proc.Resolution,
		Channel:            in.Channel,
		Applicant:          app,
		Representative:     rep,
		CreatedBy:          a.Subject,
		Components:         []Filled{},
		Status:             StatusRegistered,
		Step:               pr.Start,
		CreatedAt:          now,
		UpdatedAt:          now,
		Trail:              []TrailEntry{},
		Rev:                1,
	}
	if err := s.store.CreateDossier(ctx, d); err != nil {
		return View{}, storeErr("create dossier", err)
	}
	return s.view(d, a, staff), nil
}

// checkParty checks an applicant or a representative.
func checkParty(which string, p Party) (Party, error) {
	p.ID, p.Name = strings.TrimSpace(p.ID), strings.TrimSpace(p.Name)
	p.Address, p.Phone, p.Email = strings.TrimSpace(p.Address), strings.TrimSpace(p.Phone), strings.TrimSpace(p.Email)
	switch p.Kind {
	case archive.Individual:
		if !archive.ValidIdentityNumber(p.ID) {
			return p, invalid("invalid_identity_number", "Số định danh cá nhân phải gồm 12 chữ số hợp lệ.", "%s ID %q is not a personal identity number", which, p.ID)
		}
	case archive.Organization:
		if !codeRE.MatchString(p.ID) {
			return p, invalid("invalid_organization_id", "Mã số của tổ chức không hợp lệ.", "%s ID %q", which, p.ID)
		}
	default:
		return p, invalid("invalid_party_kind", "Người nộp hồ sơ phải là cá nhân (individual) hoặc tổ chức (organization).", "%s kind %q", which, p.Kind)
	}
	if p.Name == "" {
		return p, invalid("name_required", "Cần nhập họ tên hoặc tên tổ chức.", "%s has no name", which)
	}
	for _, f := range []struct{ field, label, v string }{
		{"name", "Họ tên", p.Name}, {"address", "Địa chỉ", p.Address}, {"phone", "Số điện thoại", p.Phone}, {"email", "Thư điện tử", p.Email},
	} {
		if err := checkText(which+"."+f.field, f.label, f.v, maxNameRunes, false); err != nil {
			return p, err
		}
	}
	return p, nil
}

// Get returns a dossier the caller may see.
func (s *Service) Get(ctx context.Context, a archive.Actor, code string) (View, error) {
	d, staff, err := s.load(ctx, a, code)
	if err != nil {
		return View{}, err
	}
	return s.view(d, a, staff), nil
}

// load returns a dossier the caller may see, with the caller's directory
// entry when they are staff: NotFound for a citizen's request about
// another's dossier (as for one that does not exist), Permission
// "other_agency" for staff of another agency.
func (s *Service) load(ctx context.Context, a archive.Actor, code string) (Dossier, *Staff, error) {
	if err := checkActor(a); err != nil {
		return Dossier{}, nil, err
	}
	var staff *Staff
	if a.Role == archive.RoleStaff {
		m, err := s.member(ctx, a)
		if err != nil {
			return Dossier{}, nil, err
		}
		staff = &m
	}
	if !ValidDossierCode(code) {
		return Dossier{}, nil, errDossierNotFound(code)
	}
	d, err := s.store.GetDossier(ctx, code)
	if kerr.IsKind(err, kerr.NotFound) {
		return Dossier{}, nil, errDossierNotFound(code)
	}
	if err != nil {
		return Dossier{}, nil, storeErr("get dossier", err)
	}
	switch a.Role {
	case archive.RoleCitizen:
		if !isParty(d, a.Subject) {
			return Dossier{}, nil, errDossierNotFound(code)
		}
	case archive.RoleStaff:
		if staff.Agency != d.Agency && staff.Agency != d.HandlingAgency {
			return Dossier{}, nil, kerr.New(kerr.Permission, "other_agency", msgOtherAgency,
				"staff of %s may not reach dossier %s (agencies %s, %s)", staff.Agency, code, d.Agency, d.HandlingAgency)
		}
	}
	return d, staff, nil
}

// isParty reports whether subject is the dossier's applicant or representative.
func isParty(d Dossier, subject string) bool {
	return d.Applicant.ID == subject || (d.Representative != nil && d.Representative.ID == subject)
}

// view is d as the API shows it to a (with staff, a's directory entry).
func (s *Service) view(d Dossier, a archive.Actor, staff *Staff) View {
	v := View{Dossier: d, Display: s.Display(d), Actions: []Action{}}
	for _, r := range actingRoles(d, a, staff) {
		for _, act := range Available(d.State(), r) {
			if r == RoleAppraiser && d.Assignee() != a.Subject {
				continue
			}
			if !slices.Contains(v.Actions, act) {
				v.Actions = append(v.Actions, act)
			}
		}
	}
	return v
}

// Display is the status of d as people read it now.
func (s *Service) Display(d Dossier) Display { return s.displayOf(d) }

// actingRoles are the roles a may act in on d: the applicant's, or the
// positions of a's directory entry that apply to d — the desk's for the
// receiving agency, the others for the competent agency.
func actingRoles(d Dossier, a archive.Actor, staff *Staff) []Role {
	switch {
	case a.Role == archive.RoleCitizen && isParty(d, a.Subject):
		return []Role{RoleApplicant}
	case a.Role == archive.RoleStaff && staff != nil:
		var out []Role
		for _, p := range staff.Positions {
			if agencyOf(d, p) == staff.Agency {
				out = append(out, p)
			}
		}
		return out
	}
	return nil
}

// agencyOf is the agency whose staff act in role r on d.
func agencyOf(d Dossier, r Role) string {
	if r == RoleDesk {
		return d.Agency
	}
	return d.HandlingAgency
}

// ListQuery is a caller's listing of dossiers. A citizen lists their own
// (as applicant or representative); staff list their agency's, by status
// and assignee ("me" for themselves), or the dossiers of one of their
// buckets (Bucket: a key of Counts, e.g. "head.to_assign" — the same
// dossiers the count counts; Status and Assignee then unused); an admin
// names the agency.
type ListQuery struct {
	Agency   string
	Status   Status
	Assignee string
	Bucket   string
	Cursor   string
	Limit    int
}

// Page is one page of dossiers; Next is "" on the last page.
type Page struct {
	Dossiers []View `json:"dossiers"`
	Next     string `json:"next,omitempty"`
}

// List lists dossiers newest first.
func (s *Service) List(ctx context.Context, a archive.Actor, q ListQuery) (Page, error) {
	if err := checkActor(a); err != nil {
		return Page{}, err
	}
	dq := DossierQuery{Status: q.Status, Limit: q.Limit}
	if dq.Limit == 0 {
		dq.Limit = 50
	}
	if dq.Limit < 1 || dq.Limit > 1000 {
		return Page{}, invalid("invalid_limit", "Số bản ghi mỗi trang phải từ 1 đến 1000.", "limit %d", q.Limit)
	}
	if q.Status != "" && !q.Status.Valid() {
		return Page{}, invalid("invalid_status", "Trạng thái hồ sơ không hợp lệ.", "status %q", q.Status)
	}
	var err error
	if dq.After, err = decodeCursor(q.Cursor); err != nil {
		return Page{}, err
	}
	var staff *Staff
	switch a.Role {
	case archive.RoleCitizen:
		if q.Agency != "" || q.Assignee != "" || q.Bucket != "" {
			return Page{}, invalid("invalid_filter", "Công dân chỉ xem danh sách hồ sơ của mình.", "a citizen lists only their own dossiers")
		}
		dq.Party = a.Subject
	case archive.RoleStaff:
		m, err := s.member(ctx, a)
		if err != nil {
			return Page{}, err
		}
		staff = &m
		if q.Agency != "" && q.Agency != m.Agency {
			return Page{}, kerr.New(kerr.Permission, "other_agency", msgOtherAgency, "staff of %s may not list %s", m.Agency, q.Agency)
		}
		dq.Agency, dq.Assignee = m.Agency, q.Assignee
		if q.Assignee == "me" {
			dq.Assignee = a.Subject
		}
		if q.Bucket != "" {
			bq, err := s.bucketQuery(m, q.Bucket)
			if err != nil {
				return Page{}, err
			}
			bq.After, bq.Limit = dq.After, dq.Limit
			dq = bq
		}
	default:
		if q.Bucket != "" {
			return Page{}, kerr.New(kerr.Permission, "staff_only", "Chức năng này dành cho cán bộ xử lý hồ sơ.", "an admin has no buckets")
		}
		if !ValidAgencyCode(q.Agency) {
			return Page{}, invalid("agency_required", "Cần chọn cơ quan để xem danh sách hồ sơ.", "an admin lists one agency's dossiers")
		}
		dq.Agency, dq.Assignee = q.Agency, q.Assignee
	}
	return s.page(ctx, dq, a, staff)
}

// page lists a page of what dq selects as a's views, with the cursor of
// the next page.
func (s *Service) page(ctx context.Context, dq DossierQuery, a archive.Actor, staff *Staff) (Page, error) {
	ds, more, err := s.store.ListDossiers(ctx, dq)
	if err != nil {
		return Page{}, storeErr("list dossiers", err)
	}
	p := Page{Dossiers: make([]View, 0, len(ds))}
	for _, d := range ds {
		p.Dossiers = append(p.Dossiers, s.view(d, a, staff))
	}
	if more && len(ds) > 0 {
		p.Next = base64.RawURLEncoding.EncodeToString([]byte(ds[len(ds)-1].SortKey()))
	}
	return p, nil
}

// decodeCursor reads a page cursor ("" = the first page).
func decodeCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) > 200 {
		return "", invalid("invalid_cursor", "Con trỏ trang không hợp lệ.", "cursor %q", c)
	}
	return string(b), nil
}

// ComponentInput fills a component by reusing a paper of the applicant's
// vault (Reuse) or with an eForm's data (Form): exactly one.
type ComponentInput struct {
	Reuse *ReuseInput `json:"reuse,omitempty"`
	Form  []byte      `json:"-"`
	// Rev, when not 0, is the revision the caller saw (If-Match).
	Rev int64 `json:"-"`
}

// ReuseInput names a paper of the applicant's vault and the version to
// use (0: the current one).
type ReuseInput struct {
	Document string `json:"document"`
	Version  int    `json:"version,omitempty"`
}

// editableBy reports whether role r may change the components of d.
func editable(d Dossier, r Role) bool {
	switch d.Status {
	case StatusRegistered, StatusAwaitingSupplement, StatusIntakeSupplementRequested, StatusSupplementRequested:
		return r == RoleApplicant || r == RoleDesk
	case StatusAwaitingIntake, StatusSupplemented:
		return r == RoleDesk
	}
	return false
}

// component loads d for changing component code: the caller must be the
// applicant or a desk officer of the receiving agency, the status one
// that allows changes, and rev (when not 0) the stored revision.
func (s *Service) component(ctx context.Context, a archive.Actor, code, comp string, rev int64) (Dossier, Component, *Staff, error) {
	d, staff, err := s.load(ctx, a, code)
	if err != nil {
		return Dossier{}, Component{}, nil, err
	}
	roles := actingRoles(d, a, staff)
	role := RoleApplicant
	if !slices.Contains(roles, RoleApplicant) {
		if !slices.Contains(roles, RoleDesk) {
			return Dossier{}, Component{}, nil, kerr.New(kerr.Permission, "role_not_allowed",
				"Chỉ người nộp hồ sơ và cán bộ tiếp nhận được cập nhật thành phần hồ sơ.", "%q may not change the components of %s", a.Subject, code)
		}
		role = RoleDesk
	}
	if rev != 0 && rev != d.Rev {
		return Dossier{}, Component{}, nil, errChanged(code, "revision %d, not %d", d.Rev, rev)
	}
	if !editable(d, role) {
		return Dossier{}, Component{}, nil, kerr.New(kerr.Conflict, "components_locked",
			"Hồ sơ ở trạng thái «"+d.Status.Label()+"» không được thay đổi thành phần hồ sơ.", "dossier %s is %s", code, d.State())
	}
	proc, err := s.getProcedure(ctx, d.Procedure)
	if err != nil {
		return Dossier{}, Component{}, nil, err
	}
	c, ok := proc.Component(comp)
	if !ok {
		return Dossier{}, Component{}, nil, kerr.New(kerr.NotFound, "component_not_found", "Thủ tục không có thành phần hồ sơ này.",
			"procedure %s has no component %q", d.Procedure, comp)
	}
	return d, c, staff, nil
}

// access is why the workflow reads or uses the applicant's vault.
func access(d Dossier) archive.Access {
	return archive.Access{Purpose: "Nộp hồ sơ " + d.ProcedureName, Dossier: d.Code}
}

// SetComponent fills a component by reusing a paper of the applicant's
// vault or with an eForm's data, replacing what filled it before.
//
// A reuse goes through the vault (archive.Service.ReuseVersion) as the
// caller: the paper must be the applicant's (Invalid
// "document_of_another_owner"; a citizen naming someone else's paper gets
// NotFound "document_not_found"), of one of the component's types
// (Invalid "document_type_mismatch"), and valid today — not revoked,
// superseded or expired (Conflict "document_not_reusable"). The version
// used and the vault's verification of its signatures are frozen into the
// dossier.
//
// Form data is validated against the component's eForm; with
// pre-filled fields it is checked against the applicant's vault again
// (forms.Checker.ValidatePrefilled) unless a representative fills it (who
// may not read that vault). Refused fields come back as
// archive.FieldErrors in Invalid "form_data_invalid".
func (s *Service) SetComponent(ctx context.Context, a archive.Actor, code, comp string, in ComponentInput) (View, error) {
	d, c, staff, err := s.component(ctx, a, code, comp, in.Rev)
	if err != nil {
		return View{}, err
	}
	now := s.nowUTC()
	f := Filled{Code: c.Code, By: a.Subject, At: now}
	switch {
	case in.Reuse != nil && in.Form == nil:
		if len(c.TypeCodes) == 0 || !c.Reusable {
			return View{}, invalid("component_not_reusable", "Thành phần hồ sơ này không lấy từ kho giấy tờ.", "component %q is not reusable", c.Code)
		}
		rec, ver, err := s.vault.ReuseVersion(ctx, a, in.Reuse.Document, archive.ReuseRequest{
			Dossier: d.Code, Version: in.Reuse.Version, Purpose: access(d).Purpose, Procedure: d.Procedure, Owner: d.Applicant.ID, TypeCodes: c.TypeCodes})
		if err != nil {
			return View{}, err
		}
		f.Source, f.DocumentID, f.Version, f.TypeCode, f.ReuseID, f.Signature = SourceReuse, rec.DocumentID, rec.Version, rec.TypeCode, rec.ID, ver.Signature
	case in.Form != nil && in.Reuse == nil:
		if c.Form == "" {
			return View{}, invalid("component_not_form", "Thành phần hồ sơ này không phải biểu mẫu điện tử.", "component %q is not a form", c.Code)
		}
		def, err := s.forms.Get(c.Form, 0)
		if err != nil {
			return View{}, err
		}
		chk := forms.Checker{Now: s.now}
		var (
			vals forms.Values
			errs []forms.FieldError
		)
		if a.Role == archive.RoleCitizen && d.Applicant.ID != a.Subject {
			vals, errs = chk.Validate(def, in.Form)
		} else if vals, errs, err = chk.ValidatePrefilled(ctx, def, in.Form, d.Applicant.ID, s.vault.FormSource(a, access(d))); err != nil {
			return View{}, err
		}
		if len(errs) > 0 {
			return View{}, kerr.Wrap(archive.FieldErrors(errs), kerr.Invalid, "form_data_invalid",
				"Dữ liệu biểu mẫu chưa hợp lệ; xem từng trường.")
		}
		f.Source, f.Form = SourceForm, &vals
	default:
		return View{}, invalid("component_input", "Cần chọn một cách nộp thành phần hồ sơ: sử dụng lại giấy tờ trong kho hoặc điền biểu mẫu.",
			"give exactly one of reuse and form")
	}
	return s.attach(ctx, a, staff, d, f)
}

// Upload stores a file into the applicant's vault as a component (source
// "component") of one of the component's types (typeCode "" = its
// first) and fills the component with it. The file goes through the
// vault as the caller, so its rules apply: a representative may not store
// into the applicant's vault (Permission "not_own_vault"). A desk officer
// storing for an applicant without a vault opens it (putForApplicant).
func (s *Service) Upload(ctx context.Context, a archive.Actor, code, comp, typeCode string, rev int64, up archive.Upload) (View, error) {
	d, c, staff, err := s.component(ctx, a, code, comp, rev)
	if err != nil {
		return View{}, err
	}
	if len(c.TypeCodes) == 0 {
		return View{}, invalid("component_not_document", "Thành phần hồ sơ này là biểu mẫu điện tử, không nộp bằng tệp.", "component %q is a form", c.Code)
	}
	if typeCode == "" {
		typeCode = c.TypeCodes[0]
	}
	if !slices.Contains(c.TypeCodes, typeCode) {
		return View{}, invalid("document_type_mismatch", "Loại giấy tờ không đúng với thành phần hồ sơ cần nộp.",
			"type %q is not one of %v", typeCode, c.TypeCodes)
	}
	doc, err := s.putForApplicant(ctx, a, staff, d, archive.NewDocument{
		OwnerID:  d.Applicant.ID,
		Source:   archive.SourceComponent,
		Metadata: archive.Metadata{TypeCode: typeCode, Name: c.Name, Summary: "Thành phần hồ sơ " + d.Code},
		Upload:   up,
	})
	if err != nil {
		return View{}, err
	}
	f := Filled{Code: c.Code, Source: SourceUpload, DocumentID: doc.ID, Version: doc.Current.N, TypeCode: doc.TypeCode,
		Signature: doc.Current.Signature, By: a.Subject, At: s.nowUTC()}
	return s.attach(ctx, a, staff, d, f)
}

// attach puts f in d's components (replacing the component's earlier
// filling) with one guarded update. A lost race is Conflict
// "dossier_changed"; what the vault recorded (the stored file, the reuse
// record) stays, as a paper of the applicant's or a record of the use.
func (s *Service) attach(ctx context.Context, a archive.Actor, staff *Staff, d Dossier, f Filled) (View, error) {
	n := d
	n.Components = slices.DeleteFunc(slices.Clone(d.Components), func(x Filled) bool { return x.Code == f.Code })
	n.Components = append(n.Components, f)
	n.UpdatedAt, n.Rev = f.At, d.Rev+1
	if err := s.updateDossier(ctx, n, d.Status); err != nil {
		return View{}, updateErr(d.Code, err)
	}
	return s.view(n, a, staff), nil
}

// updateErr maps a store's refusal of a guarded update.
func updateErr(code string, err error) error {
	if kerr.IsKind(err, kerr.Conflict) {
		return errChanged(code, "%v", err)
	}
	if kerr.IsKind(err, kerr.NotFound) {
		return errDossierNotFound(code)
	}
	return storeErr("update dossier", err)
}

// missingComponents lists the required components of proc that d has not
// filled.
func missingComponents(d Dossier, proc Procedure) []Component {
	var out []Component
	for _, c := range proc.Components {
		if c.Required && !slices.ContainsFunc(d.Components, func(f Filled) bool { return f.Code == c.Code }) {
			out = append(out, c)
		}
	}
	return out
}

// lastAt is the time of d's last trail entry (zero when none).
func lastAt(d Dossier) time.Time {
	if len(d.Trail) == 0 {
		return time.Time{}
	}
	return d.Trail[len(d.Trail)-1].At
}
