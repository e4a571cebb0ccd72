package workflow

import (
	"context"

	"github.com/kho-vn/kho/archive"
)

// IssuedLister lists the papers an agency issued for a dossier
// (archive.IssueStore's ListIssued).
type IssuedLister interface {
	ListIssued(ctx context.Context, agency, dossier string) ([]archive.IssueRecord, error)
}

// DossierPapers returns the IDs of the vault papers a dossier holds, in
// order and without repeats: its components' papers, its result, and every
// other paper the receiving or handling agency issued for it (results,
// refusals). What a transfer of the dossier (a BagIt export) carries.
// Errors are the lister's.
func DossierPapers(ctx context.Context, issued IssuedLister, d Dossier) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, c := range d.Components {
		add(c.DocumentID)
	}
	if d.Result != nil {
		add(d.Result.DocumentID)
	}
	agencies := []string{d.Agency}
	if d.HandlingAgency != "" && d.HandlingAgency != d.Agency {
		agencies = append(agencies, d.HandlingAgency)
	}
	for _, agency := range agencies {
		recs, err := issued.ListIssued(ctx, agency, d.Code)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			add(r.DocumentID)
		}
	}
	return ids, nil
}
