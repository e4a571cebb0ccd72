package archive

import (
	"context"
	"strings"

	"github.com/kho-vn/kho/internal/kerr"
)

// maxConvertBatch bounds the papers of one batch.
const maxConvertBatch = 10000

// ConvertItem is one version of a batch of conversions.
type ConvertItem struct {
	DocumentID string `json:"documentId"`
	Version    int    `json:"version"` // 0 = current
	FileName   string `json:"fileName,omitempty"`
}

// ConvertPlan lists the papers of an owner whose current version can be
// converted to t (Convertible) and has no rendition as t yet, newest
// first, at most 10,000: the batch an archivist converts for that owner.
// Staff and admin only (Permission "staff_only"), with a purpose; each
// page of the owner's papers read is recorded in the owner's ledger
// ("list").
func (s *Service) ConvertPlan(ctx context.Context, a Actor, ownerID string, t Target, acc Access) ([]ConvertItem, error) {
	if err := checkConverter(a); err != nil {
		return nil, err
	}
	if !t.Valid() {
		return nil, invalid("invalid_target", "Định dạng đích không hợp lệ (pdf hoặc pdfa-2b).", "target %q", t)
	}
	acc, err := readAccess(a, acc)
	if err != nil {
		return nil, err
	}
	ownerID = strings.TrimSpace(ownerID)
	if _, err := s.getOwner(ctx, ownerID); err != nil {
		return nil, err
	}
	var items []ConvertItem
	after := ""
	for {
		docs, more, err := s.store.ListDocuments(ctx, DocQuery{OwnerID: ownerID, After: after, Limit: 500})
		if err != nil {
			return nil, storeErr("list documents", err)
		}
		if err := s.recordView(ctx, a, ActionList, ownerID, "", acc); err != nil {
			return nil, err
		}
		for _, d := range docs {
			after = d.ID
			if !Convertible(d.Current, t) {
				continue
			}
			if _, err := s.store.GetRendition(ctx, RenditionKey(d.ID, d.Current.N, t)); err == nil {
				continue
			} else if !kerr.IsKind(err, kerr.NotFound) {
				return nil, storeErr("get rendition", err)
			}
			items = append(items, ConvertItem{DocumentID: d.ID, Version: d.Current.N, FileName: d.Current.FileName})
			if len(items) >= maxConvertBatch {
				return items, nil
			}
		}
		if !more || len(docs) == 0 {
			return items, nil
		}
	}
}

// ConvertAll converts each item to t (Convert) one after another and
// calls each, when not nil, with every result as it comes. A file that
// fails has its own error in its result and the batch goes on with the
// rest; only a cancelled ctx stops it (the items not reached then fail
// with Unavailable "request_cancelled"). It returns every result, in the
// items' order, and how many failed.
func (s *Service) ConvertAll(ctx context.Context, a Actor, items []ConvertItem, t Target, acc Access, each func(ConvertResult)) ([]ConvertResult, int) {
	out := make([]ConvertResult, 0, len(items))
	failed := 0
	for _, it := range items {
		var res ConvertResult
		if err := ctx.Err(); err != nil {
			res = ConvertResult{DocumentID: it.DocumentID, Version: it.Version, FileName: it.FileName,
				Err: kerr.Wrap(err, kerr.Unavailable, "request_cancelled", "Công việc chuyển đổi đã bị dừng trước khi tới tệp này.")}
		} else {
			var err error
			res, err = s.Convert(ctx, a, it.DocumentID, it.Version, t, acc)
			res.Err = err
			if res.FileName == "" {
				res.FileName = it.FileName
			}
		}
		if res.Err != nil {
			failed++
		}
		out = append(out, res)
		if each != nil {
			each(res)
		}
	}
	return out, failed
}
