package workflow

import "time"

// Dossier statistics (2025 items 23, 25, 27): the types every reader of
// the figures shares — the leaders' dashboard, the public statistics
// page, report templates and their exports, the API. The engine that
// computes them (stats_engine.go) keeps its aggregates in the metadata
// store; see docs/statistics.md for how each figure is counted.

// LevelInfo is the level of a procedure offered online only as
// information (dịch vụ cung cấp thông tin trực tuyến): its dossiers are
// submitted on paper, at the desk or by post.
const LevelInfo ServiceLevel = "info"

// PeriodKind is the kind of a statistics period.
type PeriodKind string

// The periods of item 25: a month, a quarter, a year, and the year to
// date (from 1 January to now).
const (
	PeriodMonth   PeriodKind = "month"
	PeriodQuarter PeriodKind = "quarter"
	PeriodYear    PeriodKind = "year"
	PeriodYTD     PeriodKind = "ytd"
)

// Period is one statistics period, in Vietnam time: Year, and N the
// month (1..12) or quarter (1..4); N is 0 for a year and the year to
// date.
type Period struct {
	Kind PeriodKind `json:"kind"`
	Year int        `json:"year"`
	N    int        `json:"n,omitempty"`
}

// Dimension is an attribute of a dossier that statistics are grouped or
// filtered by (item 23.1: field, time, unit, status, stage, officer;
// item 25: service level).
type Dimension string

// The dimensions.
const (
	DimAgency          Dimension = "agency"          // the competent agency (HandlingAgency)
	DimReceivingAgency Dimension = "receivingAgency" // the agency that received it (Agency)
	DimProcedure       Dimension = "procedure"
	DimField           Dimension = "field"
	DimLevel           Dimension = "level"   // ServiceLevel: full, partial, info
	DimChannel         Dimension = "channel" // how it came in
	DimStatus          Dimension = "status"  // now
	DimStage           Dimension = "stage"   // now
	DimOfficer         Dimension = "officer" // who handles it now (Handler.Subject)
	DimMonth           Dimension = "month"   // of the period, each figure by its own time
	DimQuarter         Dimension = "quarter"
)

// StatsQuery asks for the figures of one period, optionally for one
// agency, filtered and grouped.
type StatsQuery struct {
	Period Period `json:"period"`
	// Agency is the competent agency's code; "" means every agency the
	// caller may see (admins, the public page).
	Agency string `json:"agency,omitempty"`
	// Filter keeps the dossiers whose attribute is one of the values.
	Filter map[Dimension][]string `json:"filter,omitempty"`
	// GroupBy gives one row per value (at most two dimensions; none: the
	// total only).
	GroupBy []Dimension `json:"groupBy,omitempty"`
}

// StatsCounts are the figures of item 25 for one group.
type StatsCounts struct {
	// Received: received in the period.
	Received int64 `json:"received"`
	// InProgress: received by the period's end (or now, when sooner) and
	// not resolved then.
	InProgress int64 `json:"inProgress"`
	// Resolved: resolved in the period, of the dossiers received in the
	// period's year (item 25.3); OnTime + Late = Resolved.
	Resolved int64 `json:"resolved"`
	OnTime   int64 `json:"onTime"`
	Late     int64 `json:"late"`
	// Services: how many distinct procedures (public services) the
	// dossiers received in the period used (item 25.6).
	Services int64 `json:"services"`
}

// OnTimePercent is OnTime as a percentage of Resolved (100 when nothing
// was resolved).
func (c StatsCounts) OnTimePercent() float64 {
	if c.Resolved == 0 {
		return 100
	}
	return float64(c.OnTime) * 100 / float64(c.Resolved)
}

// StatsRow is one group: its value of each GroupBy dimension (Keys, as
// stored; Labels, as people read them) and its figures.
type StatsRow struct {
	Keys   []string `json:"keys"`
	Labels []string `json:"labels"`
	StatsCounts
}

// DossierStats is the answer to a StatsQuery.
type DossierStats struct {
	Query StatsQuery `json:"query"`
	// PeriodLabel is the period as people read it ("Tháng 03/2026",
	// "Quý I/2026", "Năm 2026", "Từ 01/01/2026 đến 08/12/2026").
	PeriodLabel string `json:"periodLabel"`
	// AgencyName is the agency's name ("" for every agency).
	AgencyName string     `json:"agencyName,omitempty"`
	Rows       []StatsRow `json:"rows"`
	// Total is the figures of every dossier the query selects (Services
	// counts distinct procedures over all rows, so it is not their sum).
	Total StatsCounts `json:"total"`
	// AsOf is the time the figures are complete to: changes after it are
	// not counted yet.
	AsOf time.Time `json:"asOf"`
}

// ServiceLevels lists the levels in the order forms show them.
var ServiceLevels = []ServiceLevel{LevelFull, LevelPartial, LevelInfo}

// Valid reports whether l is one of ServiceLevels.
func (l ServiceLevel) Valid() bool { return l == LevelFull || l == LevelPartial || l == LevelInfo }
