package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/kho-vn/kho/workflow/calendar"
)

// collCalendars keeps one record per calendar (calendar.Store): _id is
// the agency code, "" for the national calendar.
const collCalendars = "calendars"

var _ calendar.Store = (*Store)(nil)

// migrateCalendars creates the calendars collection (idempotent).
func migrateCalendars(ctx context.Context, s *Store) error {
	return s.createCollections(ctx, collCalendars)
}

type calendarDoc struct {
	Agency    string    `bson:"_id"`
	Rev       int64     `bson:"rev"`
	UpdatedAt time.Time `bson:"updatedAt"`
	UpdatedBy string    `bson:"updatedBy"`
	Body      string    `bson:"body"` // the calendar's JSON, readable in the shell
}

func (s *Store) calendars() *mongo.Collection { return s.db.Collection(collCalendars) }

// GetCalendar implements calendar.Store.
func (s *Store) GetCalendar(ctx context.Context, agency string) (calendar.Record, error) {
	var d calendarDoc
	err := s.calendars().FindOne(ctx, bson.D{{Key: "_id", Value: agency}}).Decode(&d)
	if isNoDoc(err) {
		return calendar.Record{}, calendar.ErrNotFound(agency)
	}
	if err != nil {
		return calendar.Record{}, classify(err, "get calendar")
	}
	return calendar.Record{Agency: d.Agency, Body: []byte(d.Body), Rev: d.Rev, UpdatedAt: utc(d.UpdatedAt), UpdatedBy: d.UpdatedBy}, nil
}

// PutCalendar implements calendar.Store: an insert at revision 1 (the
// unique _id settles concurrent ones), or an update whose filter holds
// the expected revision.
func (s *Store) PutCalendar(ctx context.Context, r calendar.Record, expectedRev int64) error {
	if expectedRev == 0 {
		_, err := s.calendars().InsertOne(ctx, calendarDoc{Agency: r.Agency, Rev: 1, UpdatedAt: utc(r.UpdatedAt), UpdatedBy: r.UpdatedBy, Body: string(r.Body)})
		if isDup(err) {
			return calendar.ErrChanged(r.Agency, expectedRev)
		}
		return classify(err, "put calendar")
	}
	var res *mongo.UpdateResult
	err := s.guard(ctx, collCalendars+"/"+r.Agency, func() (err error) {
		res, err = s.calendars().UpdateOne(ctx,
			bson.D{{Key: "_id", Value: r.Agency}, {Key: "rev", Value: expectedRev}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "updatedAt", Value: utc(r.UpdatedAt)}, {Key: "updatedBy", Value: r.UpdatedBy}, {Key: "body", Value: string(r.Body)}}},
				{Key: "$inc", Value: bson.D{{Key: "rev", Value: int64(1)}}}})
		return err
	})
	if err != nil {
		return classify(err, "put calendar")
	}
	if res.MatchedCount == 1 {
		return nil
	}
	found, err := exists(ctx, s.calendars(), r.Agency)
	if err != nil {
		return err
	}
	if !found {
		return calendar.ErrNotFound(r.Agency)
	}
	return calendar.ErrChanged(r.Agency, expectedRev)
}
