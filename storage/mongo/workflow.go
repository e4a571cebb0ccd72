package mongo

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// Collections of workflow.Store. Every record keeps the domain record as
// JSON in "body" (as the SQLite driver does: the records are nested and
// read whole), beside the top-level fields that filters and indexes use.
const (
	collAgencies       = "wf_agencies"
	collProcRecords    = "wf_procedures"
	collProcesses      = "wf_processes"
	collStaff          = "wf_staff"
	collDossierCounter = "dossier_counters"
	collDossiers       = "dossiers"
)

var _ workflow.Store = (*Store)(nil)

// indexesWorkflow are the secondary indexes of migration 8. "agencies"
// holds the receiving and the competent agency, "parties" the applicant's
// and the representative's IDs: multikey indexes that serve "an agency's
// dossiers" and "a citizen's own" with one equality each.
var indexesWorkflow = []index{
	{collProcesses, "procedure_version", bson.D{{Key: "procedure", Value: 1}, {Key: "version", Value: 1}}, true},
	{collStaff, "agency_id", bson.D{{Key: "agency", Value: 1}, {Key: "_id", Value: 1}}, false},
	// A citizen's own dossiers, newest first.
	{collDossiers, "parties_sort", bson.D{{Key: "parties", Value: 1}, {Key: "sortKey", Value: -1}}, false},
	// An agency's dossiers by status, newest first.
	{collDossiers, "agencies_status_sort", bson.D{{Key: "agencies", Value: 1}, {Key: "status", Value: 1}, {Key: "sortKey", Value: -1}}, false},
	{collDossiers, "agencies_sort", bson.D{{Key: "agencies", Value: 1}, {Key: "sortKey", Value: -1}}, false},
	// An appraiser's dossiers by status.
	{collDossiers, "assignee_status_sort", bson.D{{Key: "assignee", Value: 1}, {Key: "status", Value: 1}, {Key: "sortKey", Value: -1}}, false},
	// Counts (issue 10 item 8): the desk's by status and due time, the
	// competent agency's and the appraiser's by status, stage and due time.
	{collDossiers, "agencies_status_stage_due", bson.D{{Key: "agencies", Value: 1}, {Key: "status", Value: 1}, {Key: "stage", Value: 1}, {Key: "dueAt", Value: 1}}, false},
	{collDossiers, "agency_status_due", bson.D{{Key: "agency", Value: 1}, {Key: "status", Value: 1}, {Key: "dueAt", Value: 1}}, false},
	{collDossiers, "handling_status_stage_due", bson.D{{Key: "handlingAgency", Value: 1}, {Key: "status", Value: 1}, {Key: "stage", Value: 1}, {Key: "dueAt", Value: 1}}, false},
	{collDossiers, "assignee_status_stage_due", bson.D{{Key: "assignee", Value: 1}, {Key: "status", Value: 1}, {Key: "stage", Value: 1}, {Key: "dueAt", Value: 1}}, false},
	// Search (issue 10 item 9) within an agency: reception time, procedure, field.
	{collDossiers, "agencies_received", bson.D{{Key: "agencies", Value: 1}, {Key: "receivedAt", Value: 1}}, false},
	{collDossiers, "agencies_procedure_sort", bson.D{{Key: "agencies", Value: 1}, {Key: "procedure", Value: 1}, {Key: "sortKey", Value: -1}}, false},
	{collDossiers, "agencies_field_sort", bson.D{{Key: "agencies", Value: 1}, {Key: "field", Value: 1}, {Key: "sortKey", Value: -1}}, false},
	// Name search: a prefix of a name key (an anchored regex) is a range
	// of this index. (Not compound with agencies: two arrays cannot be.)
	{collDossiers, "names_sort", bson.D{{Key: "names", Value: 1}, {Key: "sortKey", Value: -1}}, false},
}

// migrateWorkflow creates the workflow's collections and indexes
// (idempotent, like migrateV1).
func migrateWorkflow(ctx context.Context, s *Store) error {
	if err := s.createCollections(ctx, collAgencies, collProcRecords, collProcesses, collStaff, collDossierCounter, collDossiers); err != nil {
		return err
	}
	return s.createIndexes(ctx, indexesWorkflow)
}

// bodyDoc is a record kept whole as JSON.
type bodyDoc struct {
	ID     string `bson:"_id"`
	Agency string `bson:"agency,omitempty"`
	Body   string `bson:"body"`
}

// putBody inserts or replaces the record id of coll.
func (s *Store) putBody(ctx context.Context, coll, op string, doc bodyDoc) error {
	c := s.db.Collection(coll)
	_, err := c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: doc.ID}}, doc, options.Replace().SetUpsert(true))
	if isDup(err) {
		// Two concurrent upserts of a new record: the loser replaces.
		_, err = c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: doc.ID}}, doc)
	}
	return classify(err, op)
}

// getBody decodes the JSON body of the record id of coll into v; the
// driver's ErrNoDocuments when there is none.
func (s *Store) getBody(ctx context.Context, coll, op, id string, v any) error {
	var d bodyDoc
	err := s.db.Collection(coll).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if err != nil {
		if isNoDoc(err) {
			return err
		}
		return classify(err, op)
	}
	return decodeBody(d.Body, op, v)
}

func decodeBody(body, op string, v any) error {
	if err := json.Unmarshal([]byte(body), v); err != nil {
		return newErr(kerr.Internal, "store_error", "Đã xảy ra lỗi khi truy cập dữ liệu; vui lòng thử lại sau.", "decode "+op, err)
	}
	return nil
}

// findAll is what a find returns, each document D converted by conv.
func findAll[D, T any](ctx context.Context, coll *mongo.Collection, op string, filter bson.D, conv func(D) T, opts ...options.Lister[options.FindOptions]) ([]T, error) {
	cur, err := coll.Find(ctx, filter, opts...)
	if err != nil {
		return nil, classify(err, op)
	}
	var ds []D
	if err := cur.All(ctx, &ds); err != nil {
		return nil, classify(err, op)
	}
	out := make([]T, len(ds))
	for i, d := range ds {
		out[i] = conv(d)
	}
	return out, nil
}

// listBodies decodes the bodies a find returns.
func listBodies[T any](ctx context.Context, coll *mongo.Collection, op string, filter bson.D, opts ...options.Lister[options.FindOptions]) ([]T, error) {
	cur, err := coll.Find(ctx, filter, opts...)
	if err != nil {
		return nil, classify(err, op)
	}
	var ds []bodyDoc
	if err := cur.All(ctx, &ds); err != nil {
		return nil, classify(err, op)
	}
	out := make([]T, 0, len(ds))
	for _, d := range ds {
		var v T
		if err := decodeBody(d.Body, op, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func encodeBody(v any, op string) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", newErr(kerr.Internal, "store_error", "Đã xảy ra lỗi khi truy cập dữ liệu; vui lòng thử lại sau.", "encode "+op, err)
	}
	return string(b), nil
}

var byID = options.Find().SetSort(bson.D{{Key: "_id", Value: 1}})

// PutAgency inserts or replaces the agency with a.Code.
func (s *Store) PutAgency(ctx context.Context, a workflow.Agency) error {
	a.UpdatedAt = utcOrZero(a.UpdatedAt)
	body, err := encodeBody(a, "put agency")
	if err != nil {
		return err
	}
	return s.putBody(ctx, collAgencies, "put agency", bodyDoc{ID: a.Code, Body: body})
}

// GetAgency returns one agency. NotFound if none.
func (s *Store) GetAgency(ctx context.Context, code string) (workflow.Agency, error) {
	var a workflow.Agency
	err := s.getBody(ctx, collAgencies, "get agency", code, &a)
	if isNoDoc(err) {
		return a, newErr(kerr.NotFound, "agency_not_found", "Không tìm thấy cơ quan.", "get agency "+code, err)
	}
	return a, err
}

// ListAgencies returns every agency ordered by Code.
func (s *Store) ListAgencies(ctx context.Context) ([]workflow.Agency, error) {
	return listBodies[workflow.Agency](ctx, s.db.Collection(collAgencies), "list agencies", bson.D{}, byID)
}

// PutProcedureRecord inserts or replaces the procedure with p.Code.
func (s *Store) PutProcedureRecord(ctx context.Context, p workflow.Procedure) error {
	p.UpdatedAt = utcOrZero(p.UpdatedAt)
	body, err := encodeBody(p, "put procedure record")
	if err != nil {
		return err
	}
	return s.putBody(ctx, collProcRecords, "put procedure record", bodyDoc{ID: p.Code, Body: body})
}

// GetProcedureRecord returns one procedure. NotFound if none.
func (s *Store) GetProcedureRecord(ctx context.Context, code string) (workflow.Procedure, error) {
	var p workflow.Procedure
	err := s.getBody(ctx, collProcRecords, "get procedure record", code, &p)
	if isNoDoc(err) {
		return p, newErr(kerr.NotFound, "procedure_not_found", "Không tìm thấy thủ tục hành chính.", "get procedure record "+code, err)
	}
	return p, err
}

// ListProcedureRecords returns every procedure ordered by Code.
func (s *Store) ListProcedureRecords(ctx context.Context) ([]workflow.Procedure, error) {
	return listBodies[workflow.Procedure](ctx, s.db.Collection(collProcRecords), "list procedure records", bson.D{}, byID)
}

// processDoc is one process version.
type processDoc struct {
	ID        string `bson:"_id"` // procedure/version (zero-padded)
	Procedure string `bson:"procedure"`
	Version   int    `bson:"version"`
	Body      string `bson:"body"`
}

// AddProcess inserts p. Conflict if its procedure has version p.Version.
func (s *Store) AddProcess(ctx context.Context, p workflow.Process) error {
	p.CreatedAt = utcOrZero(p.CreatedAt)
	body, err := encodeBody(p, "add process")
	if err != nil {
		return err
	}
	_, err = s.db.Collection(collProcesses).InsertOne(ctx, processDoc{ID: fmt.Sprintf("%s/%09d", p.Procedure, p.Version),
		Procedure: p.Procedure, Version: p.Version, Body: body})
	if isDup(err) {
		return newErr(kerr.Conflict, "process_version_exists", "Phiên bản quy trình đã tồn tại.", fmt.Sprintf("add process %s v%d", p.Procedure, p.Version), err)
	}
	return classify(err, "add process")
}

// GetProcess returns version v of a procedure's process (0: the highest).
// NotFound if none.
func (s *Store) GetProcess(ctx context.Context, procedure string, v int) (workflow.Process, error) {
	filter := bson.D{{Key: "procedure", Value: procedure}}
	opts := options.FindOne().SetSort(bson.D{{Key: "procedure", Value: 1}, {Key: "version", Value: -1}})
	if v != 0 {
		filter = append(filter, bson.E{Key: "version", Value: v})
	}
	var d processDoc
	err := s.db.Collection(collProcesses).FindOne(ctx, filter, opts).Decode(&d)
	if isNoDoc(err) {
		return workflow.Process{}, newErr(kerr.NotFound, "process_not_found", "Không tìm thấy quy trình xử lý.",
			fmt.Sprintf("get process %s v%d", procedure, v), err)
	}
	if err != nil {
		return workflow.Process{}, classify(err, "get process")
	}
	var p workflow.Process
	return p, decodeBody(d.Body, "get process", &p)
}

// PutStaff inserts or replaces the directory entry of m.Subject.
func (s *Store) PutStaff(ctx context.Context, m workflow.Staff) error {
	m.UpdatedAt = utcOrZero(m.UpdatedAt)
	body, err := encodeBody(m, "put staff")
	if err != nil {
		return err
	}
	return s.putBody(ctx, collStaff, "put staff", bodyDoc{ID: m.Subject, Agency: m.Agency, Body: body})
}

// GetStaff returns one directory entry. NotFound if none.
func (s *Store) GetStaff(ctx context.Context, subject string) (workflow.Staff, error) {
	var m workflow.Staff
	err := s.getBody(ctx, collStaff, "get staff", subject, &m)
	if isNoDoc(err) {
		return m, newErr(kerr.NotFound, "staff_not_found", "Không tìm thấy cán bộ trong danh bạ.", "get staff "+subject, err)
	}
	return m, err
}

// ListStaff returns the entries of an agency ("" = all) ordered by Subject.
func (s *Store) ListStaff(ctx context.Context, agency string) ([]workflow.Staff, error) {
	filter := bson.D{}
	if agency != "" {
		filter = bson.D{{Key: "agency", Value: agency}}
	}
	return listBodies[workflow.Staff](ctx, s.db.Collection(collStaff), "list staff", filter, byID)
}

// NextDossierNumber increments the counter {_id: agency/day} and returns
// it: one findAndModify with upsert (on FerretDB, whose updates are not
// atomic, under the record's write lock). Two first upserts racing on
// MongoDB: the loser's insert hits the unique _id and it tries again,
// then as an update.
func (s *Store) NextDossierNumber(ctx context.Context, agency, day string) (int64, error) {
	id := agency + "/" + day
	var out struct {
		N int64 `bson:"n"`
	}
	var err error
	for range 3 {
		err = s.guard(ctx, collDossierCounter+"/"+id, func() error {
			return s.db.Collection(collDossierCounter).FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: id}},
				bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: int64(1)}}}},
				options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&out)
		})
		if !isDup(err) {
			break
		}
	}
	if err != nil {
		return 0, classify(err, "next dossier number")
	}
	return out.N, nil
}

// dossierDoc is a dossier: the record as JSON, and the fields that
// listings, counts and search filter and sort by.
type dossierDoc struct {
	ID             string     `bson:"_id"`
	Agency         string     `bson:"agency"`
	HandlingAgency string     `bson:"handlingAgency"`
	Agencies       []string   `bson:"agencies"`
	Status         string     `bson:"status"`
	Stage          string     `bson:"stage"`
	Assignee       string     `bson:"assignee"`
	Procedure      string     `bson:"procedure"`
	Field          string     `bson:"field"`
	Parties        []string   `bson:"parties"`
	Names          []string   `bson:"names"`
	SortKey        string     `bson:"sortKey"`
	ReceivedAt     *time.Time `bson:"receivedAt"`
	DueAt          *time.Time `bson:"dueAt"`
	// WatchKey is workflow.Dossier.WatchKey, absent when "": the deadline
	// scan's index holds only the dossiers whose clock runs.
	WatchKey string      `bson:"watchKey,omitempty"`
	Stats    statsFields `bson:",inline"`
	Rev      int64       `bson:"rev"`
	Body     string      `bson:"body"`
	// UpdatedAt is the dossier's, for the EMC feed's catch-up (index
	// updated_id).
	UpdatedAt time.Time `bson:"updatedAt"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := utc(t)
	return &u
}

func fromDossier(d workflow.Dossier) (dossierDoc, error) {
	body, err := workflow.EncodeDossier(d)
	if err != nil {
		return dossierDoc{}, newErr(kerr.Internal, "store_error", "Đã xảy ra lỗi khi truy cập dữ liệu; vui lòng thử lại sau.", "encode dossier", err)
	}
	agencies := []string{d.Agency}
	if d.HandlingAgency != d.Agency {
		agencies = append(agencies, d.HandlingAgency)
	}
	parties := []string{d.Applicant.ID}
	if d.Representative != nil {
		parties = append(parties, d.Representative.ID)
	}
	names := d.NameKeys()
	if names == nil {
		names = []string{}
	}
	return dossierDoc{ID: d.Code, Agency: d.Agency, HandlingAgency: d.HandlingAgency, Agencies: agencies, Status: string(d.Status),
		Stage: string(d.Stage), Assignee: d.Assignee(), Procedure: d.Procedure, Field: d.Field, Parties: parties, Names: names,
		SortKey: d.SortKey(), ReceivedAt: timePtr(d.ReceivedAt), DueAt: timePtr(d.DueAt), WatchKey: d.WatchKey(), Stats: statsOf(d), Rev: d.Rev, Body: string(body),
		UpdatedAt: d.UpdatedAt.UTC().Truncate(time.Millisecond)}, nil
}

func (d dossierDoc) dossier() (workflow.Dossier, error) {
	v, err := workflow.DecodeDossier([]byte(d.Body))
	if err != nil {
		return v, newErr(kerr.Internal, "store_error", "Đã xảy ra lỗi khi truy cập dữ liệu; vui lòng thử lại sau.", "decode dossier "+d.ID, err)
	}
	return v, nil
}

func dossierNotFound(code string, err error) error {
	return newErr(kerr.NotFound, "dossier_not_found", "Không tìm thấy hồ sơ.", "dossier "+code, err)
}

// CreateDossier inserts d. Conflict if d.Code exists.
func (s *Store) CreateDossier(ctx context.Context, d workflow.Dossier) error {
	doc, err := fromDossier(d)
	if err != nil {
		return err
	}
	_, err = s.db.Collection(collDossiers).InsertOne(ctx, doc)
	if isDup(err) {
		return newErr(kerr.Conflict, "dossier_exists", "Mã hồ sơ đã tồn tại.", "create dossier "+d.Code, err)
	}
	return classify(err, "create dossier")
}

// GetDossier returns one dossier. NotFound if none.
func (s *Store) GetDossier(ctx context.Context, code string) (workflow.Dossier, error) {
	var doc dossierDoc
	err := s.db.Collection(collDossiers).FindOne(ctx, bson.D{{Key: "_id", Value: code}}).Decode(&doc)
	if isNoDoc(err) {
		return workflow.Dossier{}, dossierNotFound(code, err)
	}
	if err != nil {
		return workflow.Dossier{}, classify(err, "get dossier")
	}
	return doc.dossier()
}

// UpdateDossier replaces the dossier when the stored one has Status from
// and Rev d.Rev-1: one replace whose filter holds both (on FerretDB under
// the record's write lock).
func (s *Store) UpdateDossier(ctx context.Context, d workflow.Dossier, from workflow.Status) error {
	doc, err := fromDossier(d)
	if err != nil {
		return err
	}
	coll := s.db.Collection(collDossiers)
	var res *mongo.UpdateResult
	err = s.guard(ctx, collDossiers+"/"+d.Code, func() (err error) {
		res, err = coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.Code}, {Key: "rev", Value: d.Rev - 1}, {Key: "status", Value: string(from)}}, doc)
		return err
	})
	if err != nil {
		return classify(err, "update dossier")
	}
	if res.MatchedCount == 1 {
		return nil
	}
	ok, err := exists(ctx, coll, d.Code)
	if err != nil {
		return err
	}
	if !ok {
		return dossierNotFound(d.Code, nil)
	}
	return newErr(kerr.Conflict, "dossier_changed", "Hồ sơ vừa được người khác cập nhật; vui lòng tải lại hồ sơ rồi thực hiện lại.",
		fmt.Sprintf("update dossier %s: not %s at rev %d", d.Code, from, d.Rev-1), nil)
}

// maxQueryTerms bounds the statuses and the words of a query.
const maxQueryTerms = 30

// dossierFilter is the filter of q, without paging.
func dossierFilter(q workflow.DossierQuery) (bson.D, error) {
	bad := func(detail string) error {
		return newErr(kerr.Invalid, "invalid_query", "Truy vấn danh sách hồ sơ không hợp lệ.", "list dossiers: "+detail, nil)
	}
	var filter bson.D
	add := func(k string, v any) { filter = append(filter, bson.E{Key: k, Value: v}) }
	switch {
	case q.Party != "" && q.Agency == "":
		add("parties", q.Party)
	case q.Agency != "" && q.Party == "":
		switch q.Side {
		case workflow.SideEither:
			add("agencies", q.Agency)
		case workflow.SideReceiving:
			add("agency", q.Agency)
		case workflow.SideHandling:
			add("handlingAgency", q.Agency)
		default:
			return nil, bad(fmt.Sprintf("side %q", q.Side))
		}
	default:
		return nil, bad("give exactly one of party and agency")
	}
	statuses := slices.Clone(q.Statuses)
	if q.Status != "" && !slices.Contains(statuses, q.Status) {
		statuses = append(statuses, q.Status)
	}
	if len(statuses) > maxQueryTerms || len(q.Words) > maxQueryTerms {
		return nil, bad(fmt.Sprintf("%d statuses, %d words", len(statuses), len(q.Words)))
	}
	switch len(statuses) {
	case 0:
	case 1:
		add("status", string(statuses[0]))
	default:
		in := make(bson.A, len(statuses))
		for i, st := range statuses {
			in[i] = string(st)
		}
		add("status", bson.D{{Key: "$in", Value: in}})
	}
	stages := slices.Clone(q.Stages)
	if q.Stage != "" && !slices.Contains(stages, q.Stage) {
		stages = append(stages, q.Stage)
	}
	if len(stages) > maxQueryTerms {
		return nil, bad(fmt.Sprintf("%d stages", len(stages)))
	}
	switch len(stages) {
	case 0:
	case 1:
		add("stage", string(stages[0]))
	default:
		in := make(bson.A, len(stages))
		for i, g := range stages {
			in[i] = string(g)
		}
		add("stage", bson.D{{Key: "$in", Value: in}})
	}
	for _, c := range []struct{ key, v string }{{"handlingAgency", q.Handling}, {"assignee", q.Assignee}, {"procedure", q.Procedure}, {"field", q.Field}} {
		if c.v != "" {
			add(c.key, c.v)
		}
	}
	for _, c := range []struct {
		key      string
		from, to time.Time
	}{{"receivedAt", q.ReceivedFrom, q.ReceivedBefore}, {"dueAt", q.DueFrom, q.DueBefore}} {
		var r bson.D
		if !c.from.IsZero() {
			r = append(r, bson.E{Key: "$gte", Value: utc(c.from)})
		}
		if !c.to.IsZero() {
			r = append(r, bson.E{Key: "$lt", Value: utc(c.to)})
		}
		if r != nil {
			add(c.key, r)
		}
	}
	if len(q.Words) > 0 {
		// An anchored regex on an array matches when an element begins
		// with the word: a range of the names index.
		and := make(bson.A, len(q.Words))
		for i, w := range q.Words {
			and[i] = bson.D{{Key: "names", Value: bson.D{{Key: "$regex", Value: "^" + regexp.QuoteMeta(w)}}}}
		}
		add("$and", and)
	}
	return filter, nil
}

// ListDossiers returns a page of dossiers newest first.
func (s *Store) ListDossiers(ctx context.Context, q workflow.DossierQuery) ([]workflow.Dossier, bool, error) {
	if q.Limit < 1 || q.Limit > 1000 {
		return nil, false, newErr(kerr.Invalid, "invalid_limit", "Số bản ghi mỗi trang phải từ 1 đến 1000.", fmt.Sprintf("list dossiers: limit %d", q.Limit), nil)
	}
	filter, err := dossierFilter(q)
	if err != nil {
		return nil, false, err
	}
	if q.After != "" {
		filter = append(filter, bson.E{Key: "sortKey", Value: bson.D{{Key: "$lt", Value: q.After}}})
	}
	cur, err := s.db.Collection(collDossiers).Find(ctx, filter,
		options.Find().SetSort(bson.D{{Key: "sortKey", Value: -1}}).SetLimit(int64(q.Limit)+1))
	if err != nil {
		return nil, false, classify(err, "list dossiers")
	}
	out, err := readDossiers(ctx, cur, "list dossiers")
	if err != nil {
		return nil, false, err
	}
	more := len(out) > q.Limit
	if more {
		out = out[:q.Limit]
	}
	return out, more, nil
}

// CountDossiers counts what q selects: one CountDocuments whose filter
// leads with an indexed field (agencies, agency, handlingAgency or
// parties, then status, stage and dueAt).
func (s *Store) CountDossiers(ctx context.Context, q workflow.DossierQuery) (int64, error) {
	filter, err := dossierFilter(q)
	if err != nil {
		return 0, err
	}
	n, err := s.db.Collection(collDossiers).CountDocuments(ctx, filter)
	return n, classify(err, "count dossiers")
}

// indexesDeadlineScan are the indexes of migration 12: the deadline
// scan's range of watch keys (only dossiers whose clock runs have one).
var indexesDeadlineScan = []index{
	{collDossiers, ixWatchKey, bson.D{{Key: "watchKey", Value: 1}}, false},
}

// ixWatchKey is the index DossiersDueBefore names as its hint.
const ixWatchKey = "watch_key"

func migrateDeadlineScan(ctx context.Context, s *Store) error {
	return s.createIndexes(ctx, indexesDeadlineScan)
}

// watchFilter is the filter of DossiersDueBefore: a range of watchKey (a
// string range matches no dossier without the field).
func watchFilter(before time.Time, after string) bson.D {
	r := bson.D{{Key: "$lt", Value: workflow.WatchKeyBefore(before)}}
	if after != "" {
		r = append(r, bson.E{Key: "$gt", Value: after})
	}
	return bson.D{{Key: "watchKey", Value: r}}
}

// DossiersDueBefore returns the dossiers the deadline scan reads: a range
// of the watch_key index, in its order.
func (s *Store) DossiersDueBefore(ctx context.Context, before time.Time, after string, limit int) ([]workflow.Dossier, error) {
	if limit < 1 || limit > 1000 {
		return nil, newErr(kerr.Invalid, "invalid_limit", "Số bản ghi mỗi trang phải từ 1 đến 1000.", fmt.Sprintf("dossiers due before: limit %d", limit), nil)
	}
	cur, err := s.db.Collection(collDossiers).Find(ctx, watchFilter(before, after),
		options.Find().SetSort(bson.D{{Key: "watchKey", Value: 1}}).SetLimit(int64(limit)).SetHint(ixWatchKey))
	if err != nil {
		return nil, classify(err, "dossiers due before")
	}
	return readDossiers(ctx, cur, "dossiers due before")
}

// readDossiers decodes the dossiers of a find.
func readDossiers(ctx context.Context, cur *mongo.Cursor, op string) ([]workflow.Dossier, error) {
	var docs []dossierDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, classify(err, op)
	}
	out := make([]workflow.Dossier, 0, len(docs))
	for _, doc := range docs {
		d, err := doc.dossier()
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}
