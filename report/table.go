// Package report holds what every report of Kho is made of, whatever
// package owns its data: a Table of figures (dossier statistics in
// workflow, vault statistics in archive), and the ways to give it to
// people — the exports (.xlsx, .docx, PDF), the printable page and the
// SVG charts.
package report

import "time"

// Table is one report as people read it: a title, what it covers, the
// column headings, the rows and an optional total row. Every export and
// every page draws the same Table, so the figures of a page, its
// spreadsheet, its document and its PDF are the same figures.
type Table struct {
	// Title is the report's name ("Thống kê tình hình giải quyết hồ sơ").
	Title string `json:"title"`
	// Subtitle says what it covers: the period, the agency, the filters
	// ("Năm 2026 — Sở Tư pháp — Lĩnh vực: Hộ tịch").
	Subtitle string   `json:"subtitle,omitempty"`
	Columns  []Column `json:"columns"`
	Rows     []Row    `json:"rows"`
	// Total is the row of totals, when the figures add up.
	Total *Row `json:"total,omitempty"`
	// Notes are the footnotes: how a figure is counted, the as-of time.
	Notes []string `json:"notes,omitempty"`
	// MadeAt is when the figures were computed.
	MadeAt time.Time `json:"madeAt"`
}

// Column is one column heading.
type Column struct {
	// Key names the column for programs (the measure or the dimension:
	// "received", "field"); Label is its heading for people.
	Key   string `json:"key"`
	Label string `json:"label"`
	// Kind is the kind of every cell of the column.
	Kind CellKind `json:"kind"`
}

// CellKind is how a cell's value is written.
type CellKind string

// The kinds of cell.
const (
	KindText    CellKind = "text"    // Cell.Text
	KindCount   CellKind = "count"   // Cell.Number, a whole number
	KindPercent CellKind = "percent" // Cell.Number, 0..100, shown with one decimal and "%"
	KindBytes   CellKind = "bytes"   // Cell.Number, bytes, shown as KB/MB/GB
)

// Row is one row: one cell per column, in the columns' order.
type Row struct {
	Cells []Cell `json:"cells"`
}

// Cell is one figure or label. Text is set for KindText; Number for the
// other kinds (and Text, when set, is how it is shown).
type Cell struct {
	Text   string  `json:"text,omitempty"`
	Number float64 `json:"number,omitempty"`
}
