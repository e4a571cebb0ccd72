// Package statsexport is what the statistics page (portal/web) and the
// statistics export API (portal) share: where the figures come from, the
// table they are drawn as, the name of their files.
package statsexport

import (
	"context"
	"fmt"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/report"
	"github.com/kho-vn/kho/workflow"
)

// Source answers dossier statistics: workflow.Service's DossierStats.
// Errors: Permission when a may not see the agency's figures, Invalid for
// a query it cannot answer, Unavailable when the store cannot be read.
type Source interface {
	DossierStats(ctx context.Context, a archive.Actor, q workflow.StatsQuery) (workflow.DossierStats, error)
}

// SourceOf is wf's engine (nil for a nil wf).
func SourceOf(wf *workflow.Service) Source {
	if wf == nil {
		return nil
	}
	return wf
}

// FileName names the files of a period's statistics, without the
// extension: thong-ke-ho-so-2026, thong-ke-ho-so-2026-q1,
// thong-ke-ho-so-2026-t03, thong-ke-ho-so-2026-den-nay.
func FileName(p workflow.Period) string {
	name := fmt.Sprintf("thong-ke-ho-so-%d", p.Year)
	switch p.Kind {
	case workflow.PeriodMonth:
		name += fmt.Sprintf("-t%02d", p.N)
	case workflow.PeriodQuarter:
		name += fmt.Sprintf("-q%d", p.N)
	case workflow.PeriodYTD:
		name += "-den-nay"
	}
	return name
}

// Table is d's table (the engine's DossierStats.Table).
func Table(d workflow.DossierStats) report.Table { return d.Table() }
