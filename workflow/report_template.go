package workflow

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// Report templates (2025 appendix item 24): a saved statistics query
// with its name, the measures shown, a default export format and, when it
// is periodic, a schedule. Shared templates are defined by an admin for
// every member of staff who may see statistics (24.1); personal saved
// reports belong to the member of staff who saved them and are visible to
// nobody else (24.2). A periodic template (24.1, 24.4) makes one stored
// run for each period that closes (report_periodic.go).

// TemplateScope says who a template is for.
type TemplateScope string

// The scopes.
const (
	ScopeShared   TemplateScope = "shared"   // mẫu dùng chung, defined by an admin
	ScopePersonal TemplateScope = "personal" // báo cáo của tôi, its owner's only
)

// Label is the scope as people read it.
func (s TemplateScope) Label() string {
	switch s {
	case ScopeShared:
		return "Mẫu dùng chung"
	case ScopePersonal:
		return "Báo cáo cá nhân"
	}
	return string(s)
}

// RelativePeriod is a period named relative to the day a report runs.
type RelativePeriod string

// The relative periods; "" is the fixed period of the template's query.
const (
	RelLastMonth   RelativePeriod = "last-month"   // tháng trước
	RelLastQuarter RelativePeriod = "last-quarter" // quý trước
	RelLastYear    RelativePeriod = "last-year"    // năm trước
	RelYTD         RelativePeriod = "ytd"          // từ đầu năm
)

// RelativePeriods lists the relative periods in the order forms show them.
var RelativePeriods = []RelativePeriod{RelLastMonth, RelLastQuarter, RelLastYear, RelYTD}

// Label is the relative period as people read it.
func (r RelativePeriod) Label() string {
	switch r {
	case RelLastMonth:
		return "Tháng trước"
	case RelLastQuarter:
		return "Quý trước"
	case RelLastYear:
		return "Năm trước"
	case RelYTD:
		return "Từ đầu năm"
	case "":
		return "Kỳ cố định"
	}
	return string(r)
}

// Resolve is the period r names at now, in Vietnam time: the month,
// quarter or year before now's, or now's year to date.
func (r RelativePeriod) Resolve(now time.Time) (Period, error) {
	t := now.In(Vietnam)
	y, m := t.Year(), int(t.Month())
	switch r {
	case RelLastMonth:
		if m == 1 {
			return Period{Kind: PeriodMonth, Year: y - 1, N: 12}, nil
		}
		return Period{Kind: PeriodMonth, Year: y, N: m - 1}, nil
	case RelLastQuarter:
		q := (m-1)/3 + 1
		if q == 1 {
			return Period{Kind: PeriodQuarter, Year: y - 1, N: 4}, nil
		}
		return Period{Kind: PeriodQuarter, Year: y, N: q - 1}, nil
	case RelLastYear:
		return Period{Kind: PeriodYear, Year: y - 1}, nil
	case RelYTD:
		return Period{Kind: PeriodYTD, Year: y}, nil
	}
	return Period{}, invalid("invalid_relative_period", "Kỳ báo cáo tương đối không hợp lệ.", "relative period %q", r)
}

// Schedule is how often a periodic template makes a run.
type Schedule string

// The schedules; "" is none (the template is run by hand only).
const (
	ScheduleMonthly   Schedule = "monthly"
	ScheduleQuarterly Schedule = "quarterly"
	ScheduleYearly    Schedule = "yearly"
)

// Schedules lists the schedules in the order forms show them.
var Schedules = []Schedule{ScheduleMonthly, ScheduleQuarterly, ScheduleYearly}

// Label is the schedule as people read it.
func (s Schedule) Label() string {
	switch s {
	case ScheduleMonthly:
		return "Hằng tháng"
	case ScheduleQuarterly:
		return "Hằng quý"
	case ScheduleYearly:
		return "Hằng năm"
	case "":
		return "Không định kỳ"
	}
	return string(s)
}

// relative is the period whose close makes a run of s: the month,
// quarter or year before now's.
func (s Schedule) relative() RelativePeriod {
	switch s {
	case ScheduleMonthly:
		return RelLastMonth
	case ScheduleQuarterly:
		return RelLastQuarter
	case ScheduleYearly:
		return RelLastYear
	}
	return ""
}

// LastClosed is the last period of s closed at now (Vietnam time).
func (s Schedule) LastClosed(now time.Time) (Period, error) {
	if s.relative() == "" {
		return Period{}, invalid("invalid_schedule", "Lịch báo cáo định kỳ không hợp lệ.", "schedule %q", s)
	}
	return s.relative().Resolve(now)
}

// Measure is one figure of StatsCounts a report shows; its value is the
// figure's JSON name, as report.Table columns key it.
type Measure string

// The measures, in the order of item 25.
const (
	MeasureReceived      Measure = "received"
	MeasureInProgress    Measure = "inProgress"
	MeasureResolved      Measure = "resolved"
	MeasureOnTime        Measure = "onTime"
	MeasureLate          Measure = "late"
	MeasureOnTimePercent Measure = "onTimePercent"
	MeasureServices      Measure = "services"
)

// Measures lists every measure in the order of item 25.
var Measures = []Measure{MeasureReceived, MeasureInProgress, MeasureResolved, MeasureOnTime, MeasureLate,
	MeasureOnTimePercent, MeasureServices}

// Label is the measure as people read it (a column heading).
func (m Measure) Label() string {
	for _, c := range statsMeasures {
		if c.Key == string(m) {
			return c.Label
		}
	}
	return string(m)
}

// Value is the measure's figure in c.
func (m Measure) Value(c StatsCounts) float64 {
	switch m {
	case MeasureReceived:
		return float64(c.Received)
	case MeasureInProgress:
		return float64(c.InProgress)
	case MeasureResolved:
		return float64(c.Resolved)
	case MeasureOnTime:
		return float64(c.OnTime)
	case MeasureLate:
		return float64(c.Late)
	case MeasureOnTimePercent:
		return c.OnTimePercent()
	case MeasureServices:
		return float64(c.Services)
	}
	return 0
}

// ExportFormat is the file a template is exported to by default.
type ExportFormat string

// The formats (items 23.2, 24.4); HTML is the page itself.
const (
	FormatHTML ExportFormat = "html"
	FormatXLSX ExportFormat = "xlsx"
	FormatDOCX ExportFormat = "docx"
	FormatPDF  ExportFormat = "pdf"
)

// ExportFormats lists the formats in the order forms show them.
var ExportFormats = []ExportFormat{FormatHTML, FormatXLSX, FormatDOCX, FormatPDF}

// Label is the format as people read it.
func (f ExportFormat) Label() string {
	switch f {
	case FormatHTML:
		return "Trang web (in được)"
	case FormatXLSX:
		return "Bảng tính (.xlsx)"
	case FormatDOCX:
		return "Tệp Word (.docx)"
	case FormatPDF:
		return "PDF"
	}
	return string(f)
}

// ReportTemplate is a saved report.
type ReportTemplate struct {
	ID    string        `json:"id"`
	Scope TemplateScope `json:"scope"`
	// Owner is the subject who saved a personal template, or the admin
	// who defined a shared one (who its periodic runs are for); OwnerRole
	// and Agency are that account's role and agency when it was saved.
	Owner     string       `json:"owner"`
	OwnerRole archive.Role `json:"ownerRole"`
	Agency    string       `json:"agency,omitempty"`
	TemplateFields
	Rev       int64     `json:"rev"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// ScopeKey is the key stores list templates by: "shared", or
// "personal:<owner>".
func (t ReportTemplate) ScopeKey() string {
	if t.Scope == ScopePersonal {
		return PersonalScopeKey(t.Owner)
	}
	return string(ScopeShared)
}

// PersonalScopeKey is the ScopeKey of owner's personal templates.
func PersonalScopeKey(owner string) string { return string(ScopePersonal) + ":" + owner }

// StatsQuery is the template's query at now: its relative period
// resolved, the whole re-validated with ParseStatsQuery (Invalid
// "invalid_stats_query" if it no longer parses).
func (t ReportTemplate) StatsQuery(now time.Time) (StatsQuery, error) {
	v, err := url.ParseQuery(t.Query)
	if err != nil {
		return StatsQuery{}, invalid("invalid_stats_query", "Điều kiện thống kê không hợp lệ.", "template query: %v", err)
	}
	if t.Relative != "" {
		p, err := t.Relative.Resolve(now)
		if err != nil {
			return StatsQuery{}, err
		}
		setPeriod(v, p)
	}
	return ParseStatsQuery(v, now)
}

// setPeriod puts p into v as ParseStatsQuery reads it.
func setPeriod(v url.Values, p Period) {
	v.Set("period", string(p.Kind))
	v.Set("year", strconv.Itoa(p.Year))
	v.Del("n")
	if p.N != 0 {
		v.Set("n", strconv.Itoa(p.N))
	}
}

// TemplateFields are what a person chooses of a template.
type TemplateFields struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Query is the statistics query in its URL form (StatsQuery.Values:
	// period=&year=&n=&agency=&groupBy=&f.<dim>=); stored without period,
	// year and n when Relative is set.
	Query    string         `json:"query"`
	Relative RelativePeriod `json:"relative,omitempty"`
	// Measures are the figures shown, in order (at least one).
	Measures []Measure    `json:"measures"`
	Format   ExportFormat `json:"format"`
	// Schedule makes the template periodic ("" none).
	Schedule Schedule `json:"schedule,omitempty"`
	// NotifyEmail, when set, also receives the notice of each periodic
	// run, by e-mail.
	NotifyEmail string `json:"notifyEmail,omitempty"`
}

// TemplateInput is what a person gives to save a template.
type TemplateInput struct {
	// Scope: an admin chooses; staff save personal templates only.
	Scope TemplateScope `json:"scope"`
	TemplateFields
}

// Limits of a template.
const (
	maxTemplateName     = 200
	maxTemplateDesc     = 2000
	maxTemplateQuery    = 8 << 10
	maxTemplateParams   = 200
	maxPersonalTemplate = 200
	maxSharedTemplates  = 500
)

// Field names of TemplateInput, for errors that name the field (the
// page's error summary links to them).
const (
	FieldTemplateName     = "name"
	FieldTemplateDesc     = "description"
	FieldTemplateQuery    = "query"
	FieldTemplateMeasures = "measures"
	FieldTemplateFormat   = "format"
	FieldTemplateSchedule = "schedule"
	FieldTemplateRelative = "relative"
	FieldTemplateEmail    = "notifyEmail"
	FieldTemplateScope    = "scope"
)

// TemplateError is an Invalid error about one field of a TemplateInput.
type TemplateError struct {
	Field string
	Err   error
}

func (e *TemplateError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *TemplateError) Unwrap() error { return e.Err }

func fieldErr(field string, err error) error {
	if err == nil {
		return nil
	}
	return &TemplateError{Field: field, Err: err}
}

// checkTemplateInput validates in as a actor of role saves it, at now,
// and returns the template's fields with the query in its canonical form.
func checkTemplateInput(in TemplateInput, now time.Time) (ReportTemplate, StatsQuery, error) {
	var t ReportTemplate
	name := strings.TrimSpace(in.Name)
	if name == "" {
		return t, StatsQuery{}, fieldErr(FieldTemplateName, invalid("template_name_required", "Hãy nhập tên báo cáo.", "name is empty"))
	}
	if err := checkText("name", "Tên báo cáo", name, maxTemplateName, false); err != nil {
		return t, StatsQuery{}, fieldErr(FieldTemplateName, err)
	}
	desc := strings.TrimSpace(in.Description)
	if err := checkText("description", "Mô tả", desc, maxTemplateDesc, true); err != nil {
		return t, StatsQuery{}, fieldErr(FieldTemplateDesc, err)
	}
	if len(in.Query) > maxTemplateQuery {
		return t, StatsQuery{}, fieldErr(FieldTemplateQuery, invalid("invalid_stats_query", "Điều kiện thống kê quá dài.",
			"query has %d bytes, more than %d", len(in.Query), maxTemplateQuery))
	}
	if n := strings.Count(in.Query, "&") + 1; n > maxTemplateParams {
		return t, StatsQuery{}, fieldErr(FieldTemplateQuery, invalid("invalid_stats_query",
			fmt.Sprintf("Điều kiện thống kê có quá nhiều tham số (tối đa %d).", maxTemplateParams),
			"query has %d parameters, more than %d", n, maxTemplateParams))
	}
	v, err := url.ParseQuery(in.Query)
	if err != nil {
		return t, StatsQuery{}, fieldErr(FieldTemplateQuery, invalid("invalid_stats_query", "Điều kiện thống kê không hợp lệ.", "query: %v", err))
	}
	if in.Relative != "" {
		p, err := in.Relative.Resolve(now)
		if err != nil {
			return t, StatsQuery{}, fieldErr(FieldTemplateRelative, err)
		}
		setPeriod(v, p)
	}
	q, err := ParseStatsQuery(v, now)
	if err != nil {
		return t, StatsQuery{}, fieldErr(FieldTemplateQuery, err)
	}
	canon := q.Values()
	if in.Relative != "" {
		canon.Del("period")
		canon.Del("year")
		canon.Del("n")
	}
	if len(in.Measures) == 0 {
		return t, StatsQuery{}, fieldErr(FieldTemplateMeasures, invalid("template_measures_required", "Hãy chọn ít nhất một chỉ tiêu.", "no measure"))
	}
	var ms []Measure
	for _, m := range in.Measures {
		if !slices.Contains(Measures, m) {
			return t, StatsQuery{}, fieldErr(FieldTemplateMeasures, invalid("invalid_measure", "Chỉ tiêu không hợp lệ.", "measure %q", m))
		}
		if !slices.Contains(ms, m) {
			ms = append(ms, m)
		}
	}
	format := in.Format
	if format == "" {
		format = FormatHTML
	}
	if !slices.Contains(ExportFormats, format) {
		return t, StatsQuery{}, fieldErr(FieldTemplateFormat, invalid("invalid_export_format", "Định dạng kết xuất không hợp lệ.", "format %q", in.Format))
	}
	if in.Schedule != "" && !slices.Contains(Schedules, in.Schedule) {
		return t, StatsQuery{}, fieldErr(FieldTemplateSchedule, invalid("invalid_schedule", "Lịch báo cáo định kỳ không hợp lệ.", "schedule %q", in.Schedule))
	}
	email := strings.TrimSpace(in.NotifyEmail)
	if email != "" {
		if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
			return t, StatsQuery{}, fieldErr(FieldTemplateEmail, invalid("invalid_email", "Địa chỉ thư điện tử không hợp lệ.", "notifyEmail %q", email))
		}
	}
	t = ReportTemplate{TemplateFields: TemplateFields{Name: name, Description: desc, Query: canon.Encode(), Relative: in.Relative,
		Measures: ms, Format: format, Schedule: in.Schedule, NotifyEmail: email}}
	return t, q, nil
}

// StatsSource computes dossier statistics (Service.DossierStats is one):
// Permission when the actor may not see the agency's figures.
type StatsSource interface {
	DossierStats(ctx context.Context, a archive.Actor, q StatsQuery) (DossierStats, error)
}

var _ StatsSource = (*Service)(nil)

// ReportsConfig is what Reports is made of; Store is required.
type ReportsConfig struct {
	Store Store
	// Stats computes the figures of periodic runs (nil: the periodic job
	// fails Unavailable).
	Stats StatsSource
	// Outbox is told of each periodic run (nil: nobody is).
	Outbox Outbox
	// Link is the portal's path of a run (default web.ReportRunURL's:
	// "/bao-cao/mau/<template>/ky/<run>").
	Link func(runID string) string
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Reports keeps report templates and their periodic runs. Every method
// takes the actor first after ctx: admins manage shared templates and
// keep personal ones; staff whose directory entry is active and holds the
// position of head of department or unit leader (who see statistics)
// read shared templates and keep personal ones; anyone else gets
// Permission "reports_not_allowed". Another person's personal template,
// or its runs, is NotFound "report_template_not_found", as one that does
// not exist. Errors: Invalid for bad input (a *TemplateError names the
// field), Conflict "report_template_changed" for a stale revision, and
// what the store returns.
type Reports struct {
	store  Store
	stats  StatsSource
	outbox Outbox
	link   func(string) string
	now    func() time.Time
}

// NewReports returns the report templates over cfg.
func NewReports(cfg ReportsConfig) *Reports {
	r := &Reports{store: cfg.Store, stats: cfg.Stats, outbox: cfg.Outbox, link: cfg.Link, now: cfg.Now}
	if r.now == nil {
		r.now = time.Now
	}
	if r.link == nil {
		r.link = func(id string) string { // portal/web.ReportRunURL
			tpl, _, _ := strings.Cut(id, "-")
			return "/bao-cao/mau/" + tpl + "/ky/" + id
		}
	}
	return r
}

const msgReportsNotAllowed = "Chỉ lãnh đạo đơn vị, lãnh đạo phòng và quản trị hệ thống được dùng mẫu báo cáo."

// reportsCaller is the actor with the agency whose figures they may see
// ("" for an admin: every agency).
type reportsCaller struct {
	archive.Actor
	agency string
}

// caller checks that a may use report templates.
func (r *Reports) caller(ctx context.Context, a archive.Actor) (reportsCaller, error) {
	if err := checkActor(a); err != nil {
		return reportsCaller{}, err
	}
	switch a.Role {
	case archive.RoleAdmin:
		return reportsCaller{Actor: a}, nil
	case archive.RoleStaff:
		m, err := r.store.GetStaff(ctx, a.Subject)
		if kerr.IsKind(err, kerr.NotFound) || (err == nil && !m.Active) {
			return reportsCaller{}, kerr.New(kerr.Permission, "not_in_staff_directory", msgNotStaff, "staff %q has no active directory entry", a.Subject)
		}
		if err != nil {
			return reportsCaller{}, storeErr("get staff", err)
		}
		if err := checkTokenAgency(a, m); err != nil {
			return reportsCaller{}, err
		}
		if m.Holds(RoleHead) || m.Holds(RoleLeader) {
			return reportsCaller{Actor: a, agency: m.Agency}, nil
		}
	}
	return reportsCaller{}, kerr.New(kerr.Permission, "reports_not_allowed", msgReportsNotAllowed, "role %q subject %q holds no head or leader position", a.Role, a.Subject)
}

func errTemplateNotFound(id string) error {
	return kerr.New(kerr.NotFound, "report_template_not_found", "Không tìm thấy mẫu báo cáo.", "no report template %q visible to the caller", id)
}

func errRunNotFound(id string) error {
	return kerr.New(kerr.NotFound, "report_run_not_found", "Không tìm thấy kỳ báo cáo.", "no report run %q visible to the caller", id)
}

const msgTemplateChanged = "Mẫu báo cáo vừa được người khác sửa; vui lòng tải lại rồi thực hiện lại."

// ErrTemplateChanged is the Conflict of a stale revision (errors.Is).
var ErrTemplateChanged = kerr.New(kerr.Conflict, "report_template_changed", msgTemplateChanged, "")

// TemplateChanged is the Conflict a ReportStore returns when a guarded
// change finds another revision (errors.Is ErrTemplateChanged); detail is
// for developers.
func TemplateChanged(detail string, args ...any) error {
	return kerr.New(kerr.Conflict, "report_template_changed", msgTemplateChanged, detail, args...)
}

// visible reports whether c may read t.
func (c reportsCaller) visible(t ReportTemplate) bool {
	return t.Scope == ScopeShared || t.Owner == c.Subject
}

// mayChange reports whether c may edit or delete t.
func (c reportsCaller) mayChange(t ReportTemplate) bool {
	if t.Scope == ScopeShared {
		return c.Role == archive.RoleAdmin
	}
	return t.Owner == c.Subject
}

// checkAgency refuses a staff member's query of another agency: their
// personal templates are of their own agency (set when not given).
func (c reportsCaller) checkAgency(q *StatsQuery, t *ReportTemplate) error {
	if c.Role == archive.RoleAdmin {
		return nil
	}
	if q.Agency != "" && q.Agency != c.agency {
		return fieldErr(FieldTemplateQuery, kerr.New(kerr.Permission, "other_agency", msgOtherAgency,
			"staff of %s saves a query of agency %s", c.agency, q.Agency))
	}
	if q.Agency == "" {
		v, _ := url.ParseQuery(t.Query)
		v.Set("agency", c.agency)
		t.Query = v.Encode()
		q.Agency = c.agency
	}
	return nil
}

// ListTemplates returns the shared templates, then the caller's personal
// ones, each by ID.
func (r *Reports) ListTemplates(ctx context.Context, a archive.Actor) ([]ReportTemplate, error) {
	c, err := r.caller(ctx, a)
	if err != nil {
		return nil, err
	}
	shared, _, err := r.store.ListReportTemplates(ctx, string(ScopeShared), "", maxSharedTemplates)
	if err != nil {
		return nil, storeErr("list report templates", err)
	}
	mine, _, err := r.store.ListReportTemplates(ctx, PersonalScopeKey(c.Subject), "", maxPersonalTemplate)
	if err != nil {
		return nil, storeErr("list report templates", err)
	}
	return append(shared, mine...), nil
}

// Template returns one template the caller may see.
func (r *Reports) Template(ctx context.Context, a archive.Actor, id string) (ReportTemplate, error) {
	c, err := r.caller(ctx, a)
	if err != nil {
		return ReportTemplate{}, err
	}
	return r.visibleTemplate(ctx, c, id)
}

func (r *Reports) visibleTemplate(ctx context.Context, c reportsCaller, id string) (ReportTemplate, error) {
	if !validTemplateID(id) {
		return ReportTemplate{}, errTemplateNotFound(id)
	}
	t, err := r.store.GetReportTemplate(ctx, id)
	if kerr.IsKind(err, kerr.NotFound) || (err == nil && !c.visible(t)) {
		return ReportTemplate{}, errTemplateNotFound(id)
	}
	if err != nil {
		return ReportTemplate{}, storeErr("get report template", err)
	}
	return t, nil
}

// CreateTemplate saves a new template: a shared one (admins only:
// Permission "admin_only" otherwise) or a personal one of the caller.
func (r *Reports) CreateTemplate(ctx context.Context, a archive.Actor, in TemplateInput) (ReportTemplate, error) {
	c, err := r.caller(ctx, a)
	if err != nil {
		return ReportTemplate{}, err
	}
	now := r.now()
	t, q, err := checkTemplateInput(in, now)
	if err != nil {
		return ReportTemplate{}, err
	}
	switch in.Scope {
	case ScopeShared:
		if c.Role != archive.RoleAdmin {
			return ReportTemplate{}, fieldErr(FieldTemplateScope, kerr.New(kerr.Permission, "admin_only",
				"Chỉ quản trị hệ thống được tạo mẫu báo cáo dùng chung.", "role %q may not define a shared template", c.Role))
		}
	case ScopePersonal, "":
		in.Scope = ScopePersonal
	default:
		return ReportTemplate{}, fieldErr(FieldTemplateScope, invalid("invalid_scope", "Phạm vi mẫu báo cáo không hợp lệ.", "scope %q", in.Scope))
	}
	if err := c.checkAgency(&q, &t); err != nil {
		return ReportTemplate{}, err
	}
	t.Scope, t.Owner, t.OwnerRole, t.Agency = in.Scope, c.Subject, c.Role, c.agency
	limit := maxPersonalTemplate
	if t.Scope == ScopeShared {
		limit = maxSharedTemplates
	}
	have, _, err := r.store.ListReportTemplates(ctx, t.ScopeKey(), "", limit)
	if err != nil {
		return ReportTemplate{}, storeErr("list report templates", err)
	}
	if len(have) >= limit {
		return ReportTemplate{}, invalid("too_many_templates", fmt.Sprintf("Đã có %d mẫu báo cáo, là số tối đa; hãy xóa bớt mẫu không dùng.", limit),
			"%s has %d templates", t.ScopeKey(), len(have))
	}
	t.ID = newTemplateID()
	t.Rev = 1
	t.CreatedAt = now.UTC().Truncate(time.Millisecond)
	t.UpdatedAt = t.CreatedAt
	if err := r.store.CreateReportTemplate(ctx, t); err != nil {
		return ReportTemplate{}, storeErr("create report template", err)
	}
	return t, nil
}

// UpdateTemplate replaces the fields of template id at revision rev with
// in (its scope and owner stay). Conflict "report_template_changed" when
// rev is not the stored one.
func (r *Reports) UpdateTemplate(ctx context.Context, a archive.Actor, id string, rev int64, in TemplateInput) (ReportTemplate, error) {
	c, err := r.caller(ctx, a)
	if err != nil {
		return ReportTemplate{}, err
	}
	old, err := r.changeable(ctx, c, id)
	if err != nil {
		return ReportTemplate{}, err
	}
	now := r.now()
	t, q, err := checkTemplateInput(in, now)
	if err != nil {
		return ReportTemplate{}, err
	}
	if in.Scope != "" && in.Scope != old.Scope {
		return ReportTemplate{}, fieldErr(FieldTemplateScope, invalid("scope_fixed", "Không đổi được phạm vi của mẫu báo cáo đã lưu.", "scope %q of %s", in.Scope, old.Scope))
	}
	if err := c.checkAgency(&q, &t); err != nil {
		return ReportTemplate{}, err
	}
	t.ID, t.Scope, t.Owner, t.OwnerRole, t.Agency, t.CreatedAt = old.ID, old.Scope, old.Owner, old.OwnerRole, old.Agency, old.CreatedAt
	t.Rev = rev + 1
	t.UpdatedAt = now.UTC().Truncate(time.Millisecond)
	if err := r.store.UpdateReportTemplate(ctx, t); err != nil {
		return ReportTemplate{}, storeErr("update report template", err)
	}
	return t, nil
}

// DeleteTemplate deletes template id at revision rev. Its stored runs
// stay (they are small), readable as before by whoever could read them.
func (r *Reports) DeleteTemplate(ctx context.Context, a archive.Actor, id string, rev int64) error {
	c, err := r.caller(ctx, a)
	if err != nil {
		return err
	}
	if _, err := r.changeable(ctx, c, id); err != nil {
		return err
	}
	if err := r.store.DeleteReportTemplate(ctx, id, rev); err != nil {
		return storeErr("delete report template", err)
	}
	return nil
}

// changeable returns template id if c may change it: NotFound when c may
// not see it, Permission "admin_only" for a shared one and staff.
func (r *Reports) changeable(ctx context.Context, c reportsCaller, id string) (ReportTemplate, error) {
	t, err := r.visibleTemplate(ctx, c, id)
	if err != nil {
		return t, err
	}
	if !c.mayChange(t) {
		return t, kerr.New(kerr.Permission, "admin_only", "Chỉ quản trị hệ thống được sửa hoặc xóa mẫu báo cáo dùng chung.",
			"role %q may not change shared template %s", c.Role, id)
	}
	return t, nil
}

// RunQuery is the statistics query of template id for the caller now
// ("Chạy báo cáo": the page redirects to the statistics page with it).
func (r *Reports) RunQuery(ctx context.Context, a archive.Actor, id string) (ReportTemplate, StatsQuery, error) {
	t, err := r.Template(ctx, a, id)
	if err != nil {
		return t, StatsQuery{}, err
	}
	q, err := t.StatsQuery(r.now())
	return t, q, err
}

// validTemplateID reports whether id has the shape newTemplateID gives.
func validTemplateID(id string) bool {
	if len(id) != 16 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil && strings.ToLower(id) == id
}

func newTemplateID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
