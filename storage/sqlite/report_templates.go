package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/kho-vn/kho/workflow"
)

var _ workflow.ReportStore = (*Store)(nil)

// migrationReportTemplates makes the tables of report templates and their
// periodic runs (workflow.ReportStore): a template as JSON beside its
// scope key and schedule, listed by scope, or when scheduled, in ID order; a run as JSON,
// one per template and period (its ID), listed by template in ID order.
const migrationReportTemplates = `
CREATE TABLE report_templates (
	id        TEXT PRIMARY KEY,
	scope_key TEXT NOT NULL,
	schedule  TEXT NOT NULL,
	rev       INTEGER NOT NULL,
	body      TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX report_templates_scope ON report_templates (scope_key, id);
CREATE INDEX report_templates_scheduled ON report_templates (id) WHERE schedule <> '';
CREATE TABLE report_runs (
	id          TEXT PRIMARY KEY,
	template_id TEXT NOT NULL,
	body        TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX report_runs_template ON report_runs (template_id, id);
`

func errTemplateMissing(id string) error {
	return notFound("report_template_not_found", "Không tìm thấy mẫu báo cáo.", "sqlite: no report template %q", id)
}

func errTemplateChanged(id string, rev int64) error {
	return workflow.TemplateChanged("sqlite: report template %s is not at revision %d", id, rev)
}

// CreateReportTemplate implements workflow.ReportStore.
func (s *Store) CreateReportTemplate(ctx context.Context, t workflow.ReportTemplate) error {
	t.CreatedAt, t.UpdatedAt = utcMs(t.CreatedAt), utcMs(t.UpdatedAt)
	body, err := json.Marshal(t)
	if err != nil {
		return s.fail("encode report template", err)
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO report_templates (id, scope_key, schedule, rev, body) VALUES (?, ?, ?, ?, ?)`,
		t.ID, t.ScopeKey(), string(t.Schedule), t.Rev, string(body))
	if isUnique(err) {
		return conflict("report_template_exists", "Mẫu báo cáo đã có.", "sqlite: report template %q exists", t.ID)
	}
	return s.fail("create report template", err)
}

// GetReportTemplate implements workflow.ReportStore.
func (s *Store) GetReportTemplate(ctx context.Context, id string) (workflow.ReportTemplate, error) {
	var t workflow.ReportTemplate
	err := s.getBody(ctx, "get report template", `SELECT body FROM report_templates WHERE id = ?`, &t, id)
	if errors.Is(err, sql.ErrNoRows) {
		return t, errTemplateMissing(id)
	}
	return t, err
}

// UpdateReportTemplate implements workflow.ReportStore: the revision is
// in the WHERE clause.
func (s *Store) UpdateReportTemplate(ctx context.Context, t workflow.ReportTemplate) error {
	t.CreatedAt, t.UpdatedAt = utcMs(t.CreatedAt), utcMs(t.UpdatedAt)
	body, err := json.Marshal(t)
	if err != nil {
		return s.fail("encode report template", err)
	}
	res, err := s.w.ExecContext(ctx, `UPDATE report_templates SET scope_key = ?, schedule = ?, rev = ?, body = ? WHERE id = ? AND rev = ?`,
		t.ScopeKey(), string(t.Schedule), t.Rev, string(body), t.ID, t.Rev-1)
	return s.guardedTemplate(ctx, "update report template", res, err, t.ID, t.Rev-1)
}

// DeleteReportTemplate implements workflow.ReportStore.
func (s *Store) DeleteReportTemplate(ctx context.Context, id string, rev int64) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM report_templates WHERE id = ? AND rev = ?`, id, rev)
	return s.guardedTemplate(ctx, "delete report template", res, err, id, rev)
}

// guardedTemplate tells a guarded change that touched no row apart: the
// template is missing (NotFound) or at another revision (Conflict).
func (s *Store) guardedTemplate(ctx context.Context, op string, res sql.Result, err error, id string, rev int64) error {
	if err != nil {
		return s.fail(op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.fail(op, err)
	} else if n == 1 {
		return nil
	}
	var one int
	err = s.r.QueryRowContext(ctx, `SELECT 1 FROM report_templates WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return errTemplateMissing(id)
	}
	if err != nil {
		return s.fail(op, err)
	}
	return errTemplateChanged(id, rev)
}

// ListReportTemplates implements workflow.ReportStore.
func (s *Store) ListReportTemplates(ctx context.Context, scopeKey, after string, limit int) ([]workflow.ReportTemplate, bool, error) {
	if err := checkLimit(limit); err != nil {
		return nil, false, err
	}
	ts, err := listBodies[workflow.ReportTemplate](ctx, s, "list report templates",
		`SELECT body FROM report_templates WHERE scope_key = ? AND id > ? ORDER BY id LIMIT ?`, scopeKey, after, limit+1)
	if err != nil {
		return nil, false, err
	}
	more := len(ts) > limit
	return ts[:min(len(ts), limit)], more, nil
}

// ScheduledReportTemplates implements workflow.ReportStore.
func (s *Store) ScheduledReportTemplates(ctx context.Context, after string, limit int) ([]workflow.ReportTemplate, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	return listBodies[workflow.ReportTemplate](ctx, s, "scheduled report templates",
		`SELECT body FROM report_templates INDEXED BY report_templates_scheduled WHERE schedule <> '' AND id > ? ORDER BY id LIMIT ?`, after, limit)
}

// CreateReportRun implements workflow.ReportStore.
func (s *Store) CreateReportRun(ctx context.Context, r workflow.ReportRun) error {
	r.MadeAt = utcMs(r.MadeAt)
	r.Stats.AsOf = utcMs(r.Stats.AsOf)
	body, err := json.Marshal(r)
	if err != nil {
		return s.fail("encode report run", err)
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO report_runs (id, template_id, body) VALUES (?, ?, ?)`, r.ID, r.Template, string(body))
	if isUnique(err) {
		return conflict("report_run_exists", "Kỳ báo cáo này đã được lập.", "sqlite: report run %q exists", r.ID)
	}
	return s.fail("create report run", err)
}

// GetReportRun implements workflow.ReportStore.
func (s *Store) GetReportRun(ctx context.Context, id string) (workflow.ReportRun, error) {
	var r workflow.ReportRun
	err := s.getBody(ctx, "get report run", `SELECT body FROM report_runs WHERE id = ?`, &r, id)
	if errors.Is(err, sql.ErrNoRows) {
		return r, notFound("report_run_not_found", "Không tìm thấy kỳ báo cáo.", "sqlite: no report run %q", id)
	}
	return r, err
}

// ListReportRuns implements workflow.ReportStore.
func (s *Store) ListReportRuns(ctx context.Context, template, before string, limit int) ([]workflow.ReportRun, bool, error) {
	if err := checkLimit(limit); err != nil {
		return nil, false, err
	}
	q, args := `SELECT body FROM report_runs WHERE template_id = ? ORDER BY id DESC LIMIT ?`, []any{template, limit + 1}
	if before != "" {
		q, args = `SELECT body FROM report_runs WHERE template_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, []any{template, before, limit + 1}
	}
	rs, err := listBodies[workflow.ReportRun](ctx, s, "list report runs", q, args...)
	if err != nil {
		return nil, false, err
	}
	more := len(rs) > limit
	return rs[:min(len(rs), limit)], more, nil
}
