package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/config"
)

// PathArchiveFixity is the archive's fixity page.
const PathArchiveFixity = PathArchive + "/toan-ven"

// How many runs and findings the fixity page shows.
const (
	fixityPageRuns     = 20
	fixityPageFindings = 200
)

// fixityPage is what templates/archive_fixity.html shows.
type fixityPage struct {
	LastPass     *fixityRunRow
	Runs         []fixityRunRow
	Findings     []fixityFindingRow
	MoreFindings bool
}

type fixityRunRow struct {
	Start, StartMachine, End, PassStart string
	Took                                string
	Trigger                             string
	Checked, Mismatches, Missing        int
	Bytes                               string
	PassDone                            bool
	Error                               string
}

type fixityFindingRow struct {
	Blob, Short   string
	Kind          string
	Size          string
	First, Last   string
	FirstMachine  string
	Documents     []fixityUserRow
	MoreDocuments bool
	Detail        string
}

// fixityUserRow is a record that references a failed blob: the paper
// ("" for a pending batch, which has none yet), its owner, and what the
// record is when it is not one of the paper's versions.
type fixityUserRow struct {
	DocumentID, OwnerID  string
	RecordKind, RecordID string
}

// fixityUsers names the records of a finding for people.
func fixityUsers(us []archive.BlobUser) []fixityUserRow {
	out := make([]fixityUserRow, 0, len(us))
	for _, u := range us {
		row := fixityUserRow{DocumentID: u.DocumentID, OwnerID: u.OwnerID, RecordID: u.RecordID}
		switch u.Via {
		case archive.ViaRendition:
			row.RecordKind = "bản chuyển đổi PDF"
		case archive.ViaPaperCopy:
			row.RecordKind = "bản chuyển đổi sang giấy"
		case archive.ViaScan:
			row.RecordKind = "lô số hoá chờ xác nhận"
		}
		out = append(out, row)
	}
	return out
}

// archiveFixity is GET /luu-tru/toan-ven: the fixity checks of the stored
// blobs — the last finished pass, the open findings with the papers and
// owners they affect, the latest runs. Archivists and admins only.
func (h *Handler) archiveFixity(w http.ResponseWriter, r *http.Request) {
	a, _, ok := h.archivistActor(w, r)
	if !ok {
		return
	}
	st, err := h.cfg.Vault.Fixity(r.Context(), a, fixityPageRuns, fixityPageFindings)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p := fixityPage{MoreFindings: st.MoreFindings}
	if st.LastPass != nil {
		row := fixityRow(*st.LastPass)
		p.LastPass = &row
	}
	for _, run := range st.Runs {
		p.Runs = append(p.Runs, fixityRow(run))
	}
	for _, f := range st.Findings {
		kind := "Nội dung bị sai lệch"
		if f.Kind == archive.FixityMissing {
			kind = "Mất tệp"
		}
		p.Findings = append(p.Findings, fixityFindingRow{Blob: f.Blob, Short: f.Blob[:min(12, len(f.Blob))], Kind: kind,
			Size: viSize(f.Size), First: DateTime(f.FirstSeen), Last: DateTime(f.LastSeen), FirstMachine: MachineTime(f.FirstSeen),
			Documents: fixityUsers(f.Documents), MoreDocuments: f.MoreDocuments, Detail: f.Detail})
	}
	h.render(w, r, http.StatusOK, "archive_fixity", "Kiểm tra toàn vẹn", "archive", p)
}

func fixityRow(run archive.FixityRun) fixityRunRow {
	trigger := "Tác vụ định kỳ"
	if run.Trigger == "command" {
		trigger = "Lệnh kho archive fixity"
	}
	return fixityRunRow{Start: DateTime(run.Start), StartMachine: MachineTime(run.Start), End: DateTime(run.End),
		PassStart: DateTime(run.PassStart), Took: viDuration(run.Duration()), Trigger: trigger,
		Checked: run.Checked, Mismatches: run.Mismatches, Missing: run.Missing, Bytes: viSize(run.Bytes),
		PassDone: run.PassDone, Error: run.Error}
}

// viSize is a byte count with a decimal comma: "1,5 MB".
func viSize(n int64) string { return strings.Replace(config.FormatSize(n), ".", ",", 1) }

// viDuration is a short duration in Vietnamese: "1,234 giây", "3 phút 5 giây".
func viDuration(d time.Duration) string {
	if d < time.Minute {
		return strings.Replace(fmt.Sprintf("%.3f giây", d.Seconds()), ".", ",", 1)
	}
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d giờ %d phút %d giây", h, m, s)
	}
	return fmt.Sprintf("%d phút %d giây", m, s)
}
