package emc

import (
	"context"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// The admins' view of the feed: its state, the delivery log, the events
// given up and their retry. Every call is for admins only (Permission
// "admin_only" otherwise): the log names dossiers and officers.

// FeedStatus is the outbox's state.
type FeedStatus struct {
	// Enabled is whether the feed is on (an EMC URL is configured).
	Enabled bool
	SiteID  string
	Pending int64
	Failed  int64
}

// maxPage bounds a page of the log or of the events given up.
const maxPage = 200

func adminOnly(a archive.Actor) error {
	if a.Role != archive.RoleAdmin {
		return kerr.New(kerr.Permission, "admin_only", "Chỉ quản trị viên được xem và gửi lại dữ liệu EMC.", "emc: %s %q is not an admin", a.Role, a.Subject)
	}
	return nil
}

func checkPage(limit int) error {
	if limit < 1 || limit > maxPage {
		return kerr.New(kerr.Invalid, "invalid_limit", "Số bản ghi mỗi trang phải từ 1 đến 200.", "emc: page size %d is outside 1..200", limit)
	}
	return nil
}

// Status counts the pending and failed events (from the outbox's index).
func (s *Service) Status(ctx context.Context, a archive.Actor) (FeedStatus, error) {
	if err := adminOnly(a); err != nil {
		return FeedStatus{}, err
	}
	st := FeedStatus{Enabled: s.cfg.URL != "", SiteID: s.cfg.SiteID}
	var err error
	if st.Pending, err = s.cfg.Store.CountEMCEvents(ctx, Pending); err != nil {
		return FeedStatus{}, err
	}
	st.Failed, err = s.cfg.Store.CountEMCEvents(ctx, Failed)
	return st, err
}

// LogPage is one page of the delivery log, newest first.
type LogPage struct {
	Attempts []Attempt
	// Next continues the listing (the before of the next call); "" at the
	// end.
	Next string
}

// Log returns the delivery log newest first, limit (1..200) at a time,
// before the cursor before ("" = from the newest).
func (s *Service) Log(ctx context.Context, a archive.Actor, before string, limit int) (LogPage, error) {
	if err := adminOnly(a); err != nil {
		return LogPage{}, err
	}
	if err := checkPage(limit); err != nil {
		return LogPage{}, err
	}
	if err := checkCursor(before); err != nil {
		return LogPage{}, err
	}
	as, err := s.cfg.Store.ListEMCAttempts(ctx, before, limit+1)
	if err != nil {
		return LogPage{}, err
	}
	p := LogPage{Attempts: as}
	if len(as) > limit {
		p.Attempts, p.Next = as[:limit], as[limit-1].ID
	}
	return p, nil
}

// FailedPage is one page of the events given up, newest first.
type FailedPage struct {
	Events []Record
	Next   string
}

// Failed returns the events given up, newest first, limit (1..200) at a
// time, before the cursor before (a Record.Pos; "" = from the newest).
func (s *Service) Failed(ctx context.Context, a archive.Actor, before string, limit int) (FailedPage, error) {
	if err := adminOnly(a); err != nil {
		return FailedPage{}, err
	}
	if err := checkPage(limit); err != nil {
		return FailedPage{}, err
	}
	if err := checkCursor(before); err != nil {
		return FailedPage{}, err
	}
	rs, err := s.cfg.Store.ListEMCEvents(ctx, Failed, before, limit+1)
	if err != nil {
		return FailedPage{}, err
	}
	p := FailedPage{Events: rs}
	if len(rs) > limit {
		p.Events, p.Next = rs[:limit], rs[limit-1].Pos()
	}
	return p, nil
}

// checkCursor refuses a cursor that is not one this package wrote.
func checkCursor(c string) error {
	if len(c) > 200 {
		return kerr.New(kerr.Invalid, "invalid_cursor", "Vị trí tiếp tục không hợp lệ.", "emc: cursor of %d bytes", len(c))
	}
	for _, r := range c {
		if r < '-' || r > 'z' {
			return kerr.New(kerr.Invalid, "invalid_cursor", "Vị trí tiếp tục không hợp lệ.", "emc: cursor %q", c)
		}
	}
	return nil
}

// maxRequeue bounds the later events of a dossier a retry puts back.
const maxRequeue = 1000

// Retry puts the event id, given up, back in the outbox, due now, with
// its attempts and age counted afresh, and with it the later events of
// its dossier given up behind it. Conflict "emc_event_not_failed" if it
// is not Failed; NotFound "emc_event_not_found".
func (s *Service) Retry(ctx context.Context, a archive.Actor, id string) (Record, error) {
	if err := adminOnly(a); err != nil {
		return Record{}, err
	}
	if _, _, ok := ParseEventID(id); !ok {
		return Record{}, ErrEventNotFound(id)
	}
	r, err := s.cfg.Store.GetEMCEvent(ctx, id)
	if err != nil {
		return Record{}, err
	}
	if r.State != Failed {
		return Record{}, kerr.New(kerr.Conflict, "emc_event_not_failed", "Sự kiện EMC này không ở trạng thái gửi thất bại.", "emc: event %q is %s", id, r.State)
	}
	now := s.cfg.Now()
	requeue := func(r Record) (Record, error) {
		r.State, r.NextAt, r.CreatedAt, r.Attempts, r.Rev = Pending, now, now, 0, r.Rev+1
		return r, s.cfg.Store.UpdateEMCEvent(ctx, r)
	}
	out, err := requeue(r)
	if err != nil {
		return Record{}, err
	}
	later, err := s.cfg.Store.DossierEMCEvents(ctx, r.Dossier, r.Seq+1, maxRequeue)
	if err != nil {
		return out, err
	}
	for _, l := range later {
		if l.State != Failed {
			continue
		}
		if _, err := requeue(l); err != nil && !kerr.IsKind(err, kerr.Conflict) {
			return out, err
		}
	}
	return out, nil
}
