package mongo

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// The collections of report templates and their periodic runs
// (workflow.ReportStore).
const (
	collReportTemplates = "report_templates"
	collReportRuns      = "report_runs"
)

var _ workflow.ReportStore = (*Store)(nil)

// The indexes: a person's (or the shared) templates by scope key in ID
// order; the scheduled ones in ID order (the periodic job's cursor); a
// template's runs in ID order (RunID sorts by period).
var indexesReportTemplates = []index{
	{collReportTemplates, "scope_id", bson.D{{Key: "scopeKey", Value: 1}, {Key: "_id", Value: 1}}, false},
	{collReportTemplates, "scheduled_id", bson.D{{Key: "scheduled", Value: 1}, {Key: "_id", Value: 1}}, false},
	{collReportRuns, "template_id", bson.D{{Key: "template", Value: 1}, {Key: "_id", Value: 1}}, false},
}

// migrateReportTemplates creates the collections and indexes (idempotent).
func migrateReportTemplates(ctx context.Context, s *Store) error {
	if err := s.createCollections(ctx, collReportTemplates, collReportRuns); err != nil {
		return err
	}
	return s.createIndexes(ctx, indexesReportTemplates)
}

// templateDoc is a stored template: its JSON beside what is filtered on.
type templateDoc struct {
	ID        string `bson:"_id"`
	ScopeKey  string `bson:"scopeKey"`
	Scheduled bool   `bson:"scheduled"`
	Rev       int64  `bson:"rev"`
	Body      string `bson:"body"`
}

// reportRunDoc is a stored run.
type reportRunDoc struct {
	ID       string `bson:"_id"`
	Template string `bson:"template"`
	Body     string `bson:"body"`
}

func (s *Store) reportTemplates() *mongo.Collection { return s.db.Collection(collReportTemplates) }
func (s *Store) reportRuns() *mongo.Collection      { return s.db.Collection(collReportRuns) }

func templateDocOf(t workflow.ReportTemplate, op string) (templateDoc, error) {
	t.CreatedAt, t.UpdatedAt = utcOrZero(t.CreatedAt), utcOrZero(t.UpdatedAt)
	body, err := encodeBody(t, op)
	return templateDoc{ID: t.ID, ScopeKey: t.ScopeKey(), Scheduled: t.Schedule != "", Rev: t.Rev, Body: body}, err
}

func errTemplateMissing(id string) error {
	return newErr(kerr.NotFound, "report_template_not_found", "Không tìm thấy mẫu báo cáo.", "mongo: no report template "+id, nil)
}

// CreateReportTemplate implements workflow.ReportStore.
func (s *Store) CreateReportTemplate(ctx context.Context, t workflow.ReportTemplate) error {
	d, err := templateDocOf(t, "create report template")
	if err != nil {
		return err
	}
	_, err = s.reportTemplates().InsertOne(ctx, d)
	if isDup(err) {
		return kerr.New(kerr.Conflict, "report_template_exists", "Mẫu báo cáo đã có.", "mongo: report template %q exists", t.ID)
	}
	return classify(err, "create report template")
}

// GetReportTemplate implements workflow.ReportStore.
func (s *Store) GetReportTemplate(ctx context.Context, id string) (workflow.ReportTemplate, error) {
	var d templateDoc
	var t workflow.ReportTemplate
	err := s.reportTemplates().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if isNoDoc(err) {
		return t, errTemplateMissing(id)
	}
	if err != nil {
		return t, classify(err, "get report template")
	}
	return t, decodeBody(d.Body, "get report template", &t)
}

// UpdateReportTemplate implements workflow.ReportStore: one replace whose
// filter holds the expected revision.
func (s *Store) UpdateReportTemplate(ctx context.Context, t workflow.ReportTemplate) error {
	d, err := templateDocOf(t, "update report template")
	if err != nil {
		return err
	}
	var res *mongo.UpdateResult
	err = s.guard(ctx, collReportTemplates+"/"+t.ID, func() (err error) {
		res, err = s.reportTemplates().ReplaceOne(ctx, bson.D{{Key: "_id", Value: t.ID}, {Key: "rev", Value: t.Rev - 1}}, d)
		return err
	})
	if err != nil {
		return classify(err, "update report template")
	}
	return s.guardedTemplate(ctx, res.MatchedCount, t.ID, t.Rev-1)
}

// DeleteReportTemplate implements workflow.ReportStore.
func (s *Store) DeleteReportTemplate(ctx context.Context, id string, rev int64) error {
	var res *mongo.DeleteResult
	err := s.guard(ctx, collReportTemplates+"/"+id, func() (err error) {
		res, err = s.reportTemplates().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "rev", Value: rev}})
		return err
	})
	if err != nil {
		return classify(err, "delete report template")
	}
	return s.guardedTemplate(ctx, res.DeletedCount, id, rev)
}

// guardedTemplate tells a guarded change that matched nothing apart:
// the template is missing (NotFound) or at another revision (Conflict).
func (s *Store) guardedTemplate(ctx context.Context, n int64, id string, rev int64) error {
	if n == 1 {
		return nil
	}
	found, err := exists(ctx, s.reportTemplates(), id)
	if err != nil {
		return err
	}
	if !found {
		return errTemplateMissing(id)
	}
	return workflow.TemplateChanged("mongo: report template %s is not at revision %d", id, rev)
}

// ListReportTemplates implements workflow.ReportStore.
func (s *Store) ListReportTemplates(ctx context.Context, scopeKey, after string, limit int) ([]workflow.ReportTemplate, bool, error) {
	if err := fixityLimit("list report templates", limit); err != nil {
		return nil, false, err
	}
	filter := bson.D{{Key: "scopeKey", Value: scopeKey}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}}
	ts, err := listBodies[workflow.ReportTemplate](ctx, s.reportTemplates(), "list report templates", filter,
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)+1).SetHint("scope_id"))
	if err != nil {
		return nil, false, err
	}
	more := len(ts) > limit
	return ts[:min(len(ts), limit)], more, nil
}

// ScheduledReportTemplates implements workflow.ReportStore.
func (s *Store) ScheduledReportTemplates(ctx context.Context, after string, limit int) ([]workflow.ReportTemplate, error) {
	if err := fixityLimit("scheduled report templates", limit); err != nil {
		return nil, err
	}
	filter := bson.D{{Key: "scheduled", Value: true}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}}
	return listBodies[workflow.ReportTemplate](ctx, s.reportTemplates(), "scheduled report templates", filter,
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)).SetHint("scheduled_id"))
}

// CreateReportRun implements workflow.ReportStore: the run's _id (one per
// template and period) settles two processes making it at once.
func (s *Store) CreateReportRun(ctx context.Context, r workflow.ReportRun) error {
	r.MadeAt = utcOrZero(r.MadeAt)
	r.Stats.AsOf = utcOrZero(r.Stats.AsOf)
	body, err := encodeBody(r, "create report run")
	if err != nil {
		return err
	}
	_, err = s.reportRuns().InsertOne(ctx, reportRunDoc{ID: r.ID, Template: r.Template, Body: body})
	if isDup(err) {
		return kerr.New(kerr.Conflict, "report_run_exists", "Kỳ báo cáo này đã được lập.", "mongo: report run %q exists", r.ID)
	}
	return classify(err, "create report run")
}

// GetReportRun implements workflow.ReportStore.
func (s *Store) GetReportRun(ctx context.Context, id string) (workflow.ReportRun, error) {
	var d reportRunDoc
	var r workflow.ReportRun
	err := s.reportRuns().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if isNoDoc(err) {
		return r, newErr(kerr.NotFound, "report_run_not_found", "Không tìm thấy kỳ báo cáo.", "mongo: no report run "+id, nil)
	}
	if err != nil {
		return r, classify(err, "get report run")
	}
	return r, decodeBody(d.Body, "get report run", &r)
}

// ListReportRuns implements workflow.ReportStore.
func (s *Store) ListReportRuns(ctx context.Context, template, before string, limit int) ([]workflow.ReportRun, bool, error) {
	if err := fixityLimit("list report runs", limit); err != nil {
		return nil, false, err
	}
	filter := bson.D{{Key: "template", Value: template}}
	if before != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: before}}})
	}
	cur, err := s.reportRuns().Find(ctx, filter,
		options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetLimit(int64(limit)+1).SetHint("template_id"))
	if err != nil {
		return nil, false, classify(err, "list report runs")
	}
	var ds []reportRunDoc
	if err := cur.All(ctx, &ds); err != nil {
		return nil, false, classify(err, "list report runs")
	}
	more := len(ds) > limit
	ds = ds[:min(len(ds), limit)]
	out := make([]workflow.ReportRun, len(ds))
	for i, d := range ds {
		if err := decodeBody(d.Body, "list report runs", &out[i]); err != nil {
			return nil, false, err
		}
	}
	return out, more, nil
}
