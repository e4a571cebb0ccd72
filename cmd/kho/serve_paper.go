package main

import (
	"context"
	"log/slog"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/notify"
)

// paperNotifier tells the owner of a vault, in the portal, that an agency
// issued, revoked or replaced one of their papers (archive.Config.OnPaper).
// The key is the paper and the change, so a retried issue tells once. A
// message that cannot be queued is logged: the change itself stands.
func paperNotifier(notes *notify.Service, log *slog.Logger) func(context.Context, archive.PaperEvent) {
	return func(ctx context.Context, e archive.PaperEvent) {
		m, err := notify.PaperMessage(notify.Paper{Change: string(e.Action), DocumentID: e.DocumentID, Name: e.Name,
			Agency: e.Agency.Name, Dossier: e.Dossier, Reason: e.Reason, At: e.At})
		if err == nil {
			m.Key = "paper/" + e.DocumentID + "/" + string(e.Action)
			m.To = notify.Recipient{Subject: e.OwnerID}
			m.Channels = []notify.Channel{notify.InApp}
			_, err = notes.Enqueue(context.WithoutCancel(ctx), m)
		}
		if err != nil {
			log.Warn("không báo được cho chủ kho về giấy tờ cơ quan cấp hoặc thu hồi", "document", e.DocumentID, "action", e.Action, "err", err)
		}
	}
}
