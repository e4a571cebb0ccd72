package mongo

import (
	"context"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/kerr"
)

// Collections of forms.Store.
const (
	collFormDrafts      = "form_drafts"
	collFormDefinitions = "form_definitions"
)

var _ forms.Store = (*Store)(nil)

// indexesForms are the secondary indexes of migration 2.
var indexesForms = []index{
	// ListDrafts: an owner's drafts of one form or all, by ID.
	{collFormDrafts, "owner_form_id", bson.D{{Key: "ownerId", Value: 1}, {Key: "form", Value: 1}, {Key: "_id", Value: 1}}, false},
	// DeleteExpiredDrafts.
	{collFormDrafts, "expires", bson.D{{Key: "expiresAt", Value: 1}}, false},
	// One record per code and version; GetDefinition's latest.
	{collFormDefinitions, "code_version", bson.D{{Key: "code", Value: 1}, {Key: "version", Value: 1}}, true},
}

// migrateForms creates the eForm collections and their indexes
// (idempotent, like migrateV1).
func migrateForms(ctx context.Context, s *Store) error {
	if err := s.createCollections(ctx, collFormDrafts, collFormDefinitions); err != nil {
		return err
	}
	return s.createIndexes(ctx, indexesForms)
}

type draftDoc struct {
	ID        string    `bson:"_id"`
	OwnerID   string    `bson:"ownerId"`
	Form      string    `bson:"form"`
	Version   int       `bson:"version"`
	Sealed    []byte    `bson:"sealed"`
	CreatedAt time.Time `bson:"createdAt"`
	UpdatedAt time.Time `bson:"updatedAt"`
	ExpiresAt time.Time `bson:"expiresAt"`
	Rev       int64     `bson:"rev"`
}

func fromDraft(d forms.StoredDraft) draftDoc {
	return draftDoc{ID: d.ID, OwnerID: d.OwnerID, Form: d.Form, Version: d.Version, Sealed: d.Sealed,
		CreatedAt: utc(d.CreatedAt), UpdatedAt: utc(d.UpdatedAt), ExpiresAt: utc(d.ExpiresAt), Rev: d.Rev}
}

func (d draftDoc) draft() forms.StoredDraft {
	return forms.StoredDraft{ID: d.ID, OwnerID: d.OwnerID, Form: d.Form, Version: d.Version, Sealed: d.Sealed,
		CreatedAt: utc(d.CreatedAt), UpdatedAt: utc(d.UpdatedAt), ExpiresAt: utc(d.ExpiresAt), Rev: d.Rev}
}

func draftNotFound(op string, err error) error {
	return newErr(kerr.NotFound, "draft_not_found", "Không tìm thấy bản nháp.", op, err)
}

func (s *Store) drafts() *mongo.Collection { return s.db.Collection(collFormDrafts) }

func (s *Store) definitions() *mongo.Collection { return s.db.Collection(collFormDefinitions) }

// CreateDraft inserts d. Conflict if d.ID exists.
func (s *Store) CreateDraft(ctx context.Context, d forms.StoredDraft) error {
	_, err := s.drafts().InsertOne(ctx, fromDraft(d))
	if isDup(err) {
		return newErr(kerr.Conflict, "draft_exists", "Bản nháp đã tồn tại.", "create draft "+d.ID, err)
	}
	return classify(err, "create draft")
}

// GetDraft returns the draft with that ID. NotFound if none.
func (s *Store) GetDraft(ctx context.Context, id string) (forms.StoredDraft, error) {
	var d draftDoc
	err := s.drafts().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if isNoDoc(err) {
		return forms.StoredDraft{}, draftNotFound("get draft "+id, err)
	}
	if err != nil {
		return forms.StoredDraft{}, classify(err, "get draft")
	}
	return d.draft(), nil
}

// UpdateDraft replaces the draft's version, data and times when its Rev is
// expectedRev: one update guarded by the revision in its filter.
func (s *Store) UpdateDraft(ctx context.Context, d forms.StoredDraft, expectedRev int64) error {
	var res *mongo.UpdateResult
	err := s.guard(ctx, collFormDrafts+"/"+d.ID, func() (err error) {
		res, err = s.drafts().UpdateOne(ctx,
			bson.D{{Key: "_id", Value: d.ID}, {Key: "rev", Value: expectedRev}},
			bson.D{{Key: "$set", Value: bson.D{
				{Key: "version", Value: d.Version},
				{Key: "sealed", Value: d.Sealed},
				{Key: "updatedAt", Value: utc(d.UpdatedAt)},
				{Key: "expiresAt", Value: utc(d.ExpiresAt)},
				{Key: "rev", Value: expectedRev + 1},
			}}})
		return err
	})
	if err != nil {
		return classify(err, "update draft")
	}
	if res.MatchedCount == 1 {
		return nil
	}
	ok, err := exists(ctx, s.drafts(), d.ID)
	if err != nil {
		return err
	}
	if !ok {
		return draftNotFound("update draft "+d.ID, nil)
	}
	return newErr(kerr.Conflict, "draft_changed", "Bản nháp vừa được lưu từ nơi khác; vui lòng tải lại.", "update draft "+d.ID+": rev is not "+strconv.FormatInt(expectedRev, 10), nil)
}

// ListDrafts returns the owner's drafts of a form ("" = all), by ID.
func (s *Store) ListDrafts(ctx context.Context, ownerID, form string) ([]forms.StoredDraft, error) {
	filter := bson.D{{Key: "ownerId", Value: ownerID}}
	if form != "" {
		filter = append(filter, bson.E{Key: "form", Value: form})
	}
	cur, err := s.drafts().Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, classify(err, "list drafts")
	}
	var ds []draftDoc
	if err := cur.All(ctx, &ds); err != nil {
		return nil, classify(err, "list drafts")
	}
	out := make([]forms.StoredDraft, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.draft())
	}
	return out, nil
}

// DeleteDraft removes a draft. NotFound if none.
func (s *Store) DeleteDraft(ctx context.Context, id string) error {
	res, err := s.drafts().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return classify(err, "delete draft")
	}
	if res.DeletedCount == 0 {
		return draftNotFound("delete draft "+id, nil)
	}
	return nil
}

// DeleteExpiredDrafts removes at most limit drafts expired at now.
func (s *Store) DeleteExpiredDrafts(ctx context.Context, now time.Time, limit int) (int, error) {
	expired := bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$lte", Value: utc(now)}}}}
	cur, err := s.drafts().Find(ctx, expired, options.Find().SetLimit(int64(limit)).SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return 0, classify(err, "find expired drafts")
	}
	var ids []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &ids); err != nil {
		return 0, classify(err, "find expired drafts")
	}
	if len(ids) == 0 {
		return 0, nil
	}
	in := bson.A{}
	for _, x := range ids {
		in = append(in, x.ID)
	}
	res, err := s.drafts().DeleteMany(ctx, append(bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: in}}}}, expired...))
	if err != nil {
		return 0, classify(err, "delete expired drafts")
	}
	return int(res.DeletedCount), nil
}

type definitionDoc struct {
	ID        string    `bson:"_id"` // code "/" version
	Code      string    `bson:"code"`
	Version   int       `bson:"version"`
	Body      []byte    `bson:"body"`
	CreatedAt time.Time `bson:"createdAt"`
}

func (d definitionDoc) definition() forms.StoredDefinition {
	return forms.StoredDefinition{Code: d.Code, Version: d.Version, Body: d.Body, CreatedAt: utc(d.CreatedAt)}
}

// PutDefinition inserts a published definition. Conflict if its code and
// version are taken (the _id and a unique index say so).
func (s *Store) PutDefinition(ctx context.Context, d forms.StoredDefinition) error {
	_, err := s.definitions().InsertOne(ctx, definitionDoc{ID: d.Code + "/" + strconv.Itoa(d.Version), Code: d.Code, Version: d.Version, Body: d.Body, CreatedAt: utc(d.CreatedAt)})
	if isDup(err) {
		return newErr(kerr.Conflict, "form_version_exists", "Phiên bản biểu mẫu này đã được công bố.", "put definition "+d.Code, err)
	}
	return classify(err, "put definition")
}

// GetDefinition returns one version (0: the highest). NotFound if none.
func (s *Store) GetDefinition(ctx context.Context, code string, version int) (forms.StoredDefinition, error) {
	filter := bson.D{{Key: "code", Value: code}}
	opts := options.FindOne().SetSort(bson.D{{Key: "version", Value: -1}})
	if version != 0 {
		filter = append(filter, bson.E{Key: "version", Value: version})
	}
	var d definitionDoc
	err := s.definitions().FindOne(ctx, filter, opts).Decode(&d)
	if isNoDoc(err) {
		return forms.StoredDefinition{}, newErr(kerr.NotFound, "form_not_found", "Không tìm thấy biểu mẫu.", "get definition "+code, err)
	}
	if err != nil {
		return forms.StoredDefinition{}, classify(err, "get definition")
	}
	return d.definition(), nil
}

// ListDefinitions returns every stored definition by code, then version.
func (s *Store) ListDefinitions(ctx context.Context) ([]forms.StoredDefinition, error) {
	cur, err := s.definitions().Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "code", Value: 1}, {Key: "version", Value: 1}}))
	if err != nil {
		return nil, classify(err, "list definitions")
	}
	var ds []definitionDoc
	if err := cur.All(ctx, &ds); err != nil {
		return nil, classify(err, "list definitions")
	}
	out := make([]forms.StoredDefinition, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.definition())
	}
	return out, nil
}
