// Package emc feeds the national monitoring system EMC (Hệ thống thông tin
// giám sát, đo lường mức độ cung cấp và sử dụng dịch vụ số; Circular
// 21/2023/TT-BTTTT art. 10–11, appendix VII): one JSON event for each
// entry of each dossier's trail, recorded durably in an outbox when the
// dossier changes (and by a catch-up job when a process died before it
// could), POSTed in order within each dossier with retries, every
// attempt kept in a delivery log for 400 days (art. 10.2).
//
// The event's shape is published as api/emc-event.schema.json; see
// docs/emc.md for what each field holds and why.
package emc

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/workflow"
)

// Event is what EMC receives of one trail entry of one dossier: the
// fields of appendix VII (PascalCase, as the appendix spells them), its
// ID and time.
type Event struct {
	// EventID is "<dossier code>.<seq>", seq the entry's number in the
	// trail (1 for the first, workflow.TrailEntry.Seq): stable, so that a
	// receiver that sees an event twice knows it.
	EventID string `json:"EventId"`
	// EventTime is when the entry happened, RFC 3339 in Vietnam time.
	EventTime string `json:"EventTime"`
	// CodeProfile is the dossier's code (mã hồ sơ).
	CodeProfile string `json:"CodeProfile"`
	// SiteID is this system's code at EMC (mã số hệ thống thông tin giải
	// quyết TTHC, --emc-site-id).
	SiteID string `json:"SiteId"`
	// CodeTTHC and NameTTHC are the procedure's code and name.
	CodeTTHC string `json:"CodeTTHC"`
	NameTTHC string `json:"NameTTHC"`
	// Status is the dossier's official status after the entry.
	Status Status `json:"Status"`
	// FormsReception is where the dossier is: "Tiếp nhận", "Đang xử lý"
	// or "Trả kết quả" (the appendix's three forms).
	FormsReception string `json:"FormsReception"`
	// FormsPayments is the financial obligation, when the dossier has one
	// (nil: none).
	FormsPayments *Payment `json:"FormsPayments,omitempty"`
	// Level is the procedure's service level: full, partial or info.
	Level string `json:"Level"`
	// IsFromDVCQG: the dossier came through the national public-service
	// portal. IsDVCBC: the result is returned by the public postal
	// service.
	IsFromDVCQG bool `json:"IsFromDVCQG"`
	IsDVCBC     bool `json:"IsDVCBC"`
	// User is who acted: the kind of applicant, or the officer.
	User User `json:"User"`
	// Data is the rest: agencies, action, times, timeliness.
	Data Data `json:"Data"`
}

// Status is a dossier status: its code (workflow.Status) and its official
// label.
type Status struct {
	Code  string `json:"Code"`
	Label string `json:"Label"`
}

// Payment is a dossier's financial obligation. The dossier does not
// record how it was paid, only whether and when.
type Payment struct {
	Amount int64  `json:"Amount"` // đồng
	Paid   bool   `json:"Paid"`
	PaidAt string `json:"PaidAt,omitempty"`
}

// User is who acted on the dossier, with no more personal data than EMC
// needs to count: an applicant's kind (citizen or organisation) and, for
// an organisation only, its code (not personal data); an officer's
// account subject in this system and their position; "system" for the
// system's own entries. A citizen's identity number, name and contacts
// are never sent.
type User struct {
	// Kind is citizen, organization, staff or system.
	Kind string `json:"Kind"`
	// ID is an organisation's code or an officer's subject ("" for a
	// citizen or the system).
	ID string `json:"Id,omitempty"`
	// Role is the officer's position (workflow.Role) for staff.
	Role string `json:"Role,omitempty"`
}

// The kinds of User.
const (
	UserCitizen      = "citizen"
	UserOrganization = "organization"
	UserStaff        = "staff"
	UserSystem       = "system"
)

// Data is the rest of an event ("Dữ liệu khác").
type Data struct {
	// Seq is the entry's number in the trail (1 for the first).
	Seq int `json:"Seq"`
	// Action is the lifecycle action (workflow.Action).
	Action string `json:"Action"`
	// Agency is the receiving agency's code, HandlingAgency the competent
	// one's.
	Agency         string `json:"Agency"`
	HandlingAgency string `json:"HandlingAgency"`
	Field          string `json:"Field,omitempty"`
	// Channel is how the dossier came in (workflow.Channel).
	Channel string `json:"Channel"`
	// The times known at the entry, RFC 3339 in Vietnam time: received,
	// due (the due date set by the latest entry up to this one), resolved
	// and returned.
	ReceivedAt string `json:"ReceivedAt,omitempty"`
	DueAt      string `json:"DueAt,omitempty"`
	ResolvedAt string `json:"ResolvedAt,omitempty"`
	ReturnedAt string `json:"ReturnedAt,omitempty"`
	// Timeliness at the entry: on_time or late once resolved; in_time or
	// overdue before; none when the dossier has no due date (yet).
	Timeliness string `json:"Timeliness"`
}

// The values of Data.Timeliness.
const (
	TimelyNone    = "none"
	TimelyInTime  = "in_time"
	TimelyOverdue = "overdue"
	TimelyOnTime  = "on_time"
	TimelyLate    = "late"
)

// The three forms of appendix VII item 11.
const (
	FormReception  = "Tiếp nhận"
	FormProcessing = "Đang xử lý"
	FormResult     = "Trả kết quả"
)

// EventID is the ID of the event of the seq-th trail entry (from 1) of
// dossier code.
func EventID(code string, seq int) string { return code + "." + strconv.Itoa(seq) }

// ParseEventID splits an event ID into the dossier code and the entry's
// number; ok is false if id does not have that shape.
func ParseEventID(id string) (code string, seq int, ok bool) {
	i := strings.LastIndexByte(id, '.')
	if i < 0 {
		return "", 0, false
	}
	code, n := id[:i], id[i+1:]
	if !workflow.ValidDossierCode(code) || len(n) == 0 || len(n) > 6 || n[0] == '0' || strings.Trim(n, "0123456789") != "" {
		return "", 0, false
	}
	seq, err := strconv.Atoi(n)
	if err != nil || seq < 1 {
		return "", 0, false
	}
	return code, seq, true
}

// rfc3339 is t in Vietnam time, to the second's fraction stored ("" for
// zero).
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(workflow.Vietnam).Format(time.RFC3339Nano)
}

// Build makes the event of the seq-th trail entry (from 1) of d, with the procedure's
// service level and this system's site ID. It uses only what was true
// at the entry (its status, the due date the trail had set by then, the
// times up to its time), so the same entry gives the same event whenever
// it is built.
func Build(d workflow.Dossier, seq int, level workflow.ServiceLevel, siteID string) (Event, error) {
	if seq < 1 || seq > len(d.Trail) {
		return Event{}, fmt.Errorf("emc: dossier %s has no trail entry %d", d.Code, seq)
	}
	e := d.Trail[seq-1]
	at := e.At
	known := func(t time.Time) time.Time {
		if t.IsZero() || t.After(at) {
			return time.Time{}
		}
		return t
	}
	var due time.Time
	for _, x := range d.Trail[:seq] {
		if !x.DueAt.IsZero() {
			due = x.DueAt
		}
	}
	received, resolved, returned := known(d.ReceivedAt), known(d.ResolvedAt), known(d.ReturnedAt)
	if e.To.Status.Phase() != workflow.PhaseResult {
		resolved, returned = time.Time{}, time.Time{}
	}
	ev := Event{
		EventID:     EventID(d.Code, seq),
		EventTime:   rfc3339(at),
		CodeProfile: d.Code,
		SiteID:      siteID,
		CodeTTHC:    d.Procedure,
		NameTTHC:    d.ProcedureName,
		Status:      Status{Code: string(e.To.Status), Label: e.To.Status.Label()},
		Level:       string(level),
		IsFromDVCQG: d.Channel == workflow.ChannelNational,
		// The dossier does not record how its result is returned; when it
		// does, IsDVCBC follows it (docs/emc.md).
		IsDVCBC: false,
		User:    user(d, e),
		Data: Data{Seq: seq, Action: string(e.Action), Agency: d.Agency, HandlingAgency: d.HandlingAgency, Field: d.Field,
			Channel: string(d.Channel), ReceivedAt: rfc3339(received), DueAt: rfc3339(due),
			ResolvedAt: rfc3339(resolved), ReturnedAt: rfc3339(returned), Timeliness: timeliness(at, due, resolved)},
	}
	switch e.To.Status.Phase() {
	case workflow.PhaseResolution:
		ev.FormsReception = FormProcessing
	case workflow.PhaseResult:
		ev.FormsReception = FormResult
	default:
		ev.FormsReception = FormReception
	}
	if p := d.Payment; p != nil {
		ev.FormsPayments = &Payment{Amount: p.Amount, Paid: !known(p.PaidAt).IsZero(), PaidAt: rfc3339(known(p.PaidAt))}
	}
	return ev, nil
}

// user is who made entry e of d.
func user(d workflow.Dossier, e workflow.TrailEntry) User {
	switch {
	case e.Role == workflow.RoleApplicant && d.Applicant.Kind == archive.Organization:
		return User{Kind: UserOrganization, ID: d.Applicant.ID}
	case e.Role == workflow.RoleApplicant:
		return User{Kind: UserCitizen}
	case e.Role.IsPosition() && e.Actor != "":
		return User{Kind: UserStaff, ID: e.Actor, Role: string(e.Role)}
	}
	return User{Kind: UserSystem}
}

// timeliness is the dossier's timeliness at at.
func timeliness(at, due, resolved time.Time) string {
	switch {
	case due.IsZero():
		return TimelyNone
	case !resolved.IsZero() && resolved.After(due):
		return TimelyLate
	case !resolved.IsZero():
		return TimelyOnTime
	case at.After(due):
		return TimelyOverdue
	}
	return TimelyInTime
}
