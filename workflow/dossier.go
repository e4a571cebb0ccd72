package workflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/forms"
)

// Dossier is one application for one procedure (hồ sơ). The record holds
// everything about it, its trail included, so that every change is one
// atomic update of one record.
type Dossier struct {
	// Code is <agency code>-YYMMDD-NNNN (Circular 01/2018/TT-VPCP art. 19).
	Code string `json:"code"`
	// Agency is the receiving agency: the code's prefix. HandlingAgency is
	// the competent agency; it is Agency until a transfer names another.
	Agency             string `json:"agency"`
	AgencyName         string `json:"agencyName"`
	HandlingAgency     string `json:"handlingAgency"`
	HandlingAgencyName string `json:"handlingAgencyName"`

	Procedure     string `json:"procedure"`
	ProcedureName string `json:"procedureName"`
	Field         string `json:"field"`
	// Level is the procedure's service level when the dossier was made
	// ("" for dossiers made before it was recorded: statistics count
	// them at their procedure's level, docs/statistics.md).
	Level          ServiceLevel `json:"level,omitempty"`
	ProcessVersion int          `json:"processVersion"`
	// Resolution is the procedure's resolution time when the dossier was
	// made: what its due date is computed from.
	Resolution ResolutionTime `json:"resolution"`
	Channel    Channel        `json:"channel"`
	// Applicant is whose dossier it is: the owner of the vault its
	// components come from and its result goes to. Representative is the
	// person or organisation that applied on their behalf, when one did.
	Applicant      Party           `json:"applicant"`
	Representative *Representative `json:"representative,omitempty"`
	CreatedBy      string          `json:"createdBy"`

	Components []Filled `json:"components"`

	Status Status `json:"status"`
	Stage  Stage  `json:"stage,omitempty"`
	// Step is the current step of the process (Process.Steps).
	Step    string   `json:"step,omitempty"`
	Handler *Handler `json:"handler,omitempty"`

	Supplement    *SupplementRequest `json:"supplementRequest,omitempty"`
	Reason        string             `json:"reason,omitempty"` // of the last refusal, stop or withdrawal
	Payment       *Payment           `json:"payment,omitempty"`
	Consultations []Consultation     `json:"consultations,omitempty"`
	Approvals     []Approval         `json:"approvals,omitempty"`
	Appraisal     string             `json:"appraisal,omitempty"` // the last appraisal's conclusion
	Receiver      *Receiver          `json:"resultReceiver,omitempty"`
	Extensions    int                `json:"extensions,omitempty"`
	// Lateness is what the deadline scan found of DueAt (near, overdue;
	// nil: on time, or not looked at since DueAt last changed).
	Lateness *Lateness `json:"lateness,omitempty"`
	// Result is the paper the dossier issued, or whose number it reserved
	// (IssueResult).
	Result *IssuedResult `json:"result,omitempty"`

	CreatedAt   time.Time `json:"createdAt"`
	SubmittedAt time.Time `json:"submittedAt,omitzero"`
	ReceivedAt  time.Time `json:"receivedAt,omitzero"`
	// DueAt is when the dossier is due (the appointment for the result);
	// StepDueAt when the current step is.
	DueAt      time.Time `json:"dueAt,omitzero"`
	StepDueAt  time.Time `json:"stepDueAt,omitzero"`
	ResolvedAt time.Time `json:"resolvedAt,omitzero"`
	ReturnedAt time.Time `json:"returnedAt,omitzero"`
	UpdatedAt  time.Time `json:"updatedAt"`

	Trail []TrailEntry `json:"trail"`
	// Rev guards every change: a store applies an update only when the
	// stored Rev (and Status) are the ones the change started from.
	Rev int64 `json:"rev"`
}

// State is the dossier's status and stage.
func (d Dossier) State() State { return State{Status: d.Status, Stage: d.Stage} }

// SortKey orders dossiers newest first in listings: the creation time in
// milliseconds (fixed width), then the code.
func (d Dossier) SortKey() string {
	return fmt.Sprintf("%013d/%s", max(d.CreatedAt.UnixMilli(), 0), d.Code)
}

// ApplicantFold is the applicant's name folded for search (lower case,
// no diacritics: archive.Fold), with the representative's when there is one.
func (d Dossier) ApplicantFold() string {
	s := archive.Fold(d.Applicant.Name)
	if d.Representative != nil {
		s += " " + archive.Fold(d.Representative.Name)
	}
	return strings.TrimSpace(s)
}

// maxNameKeys bounds the name keys of a dossier.
const maxNameKeys = 32

// NameKeys are what name search matches (DossierQuery.Words): "p:" and
// each folded word (archive.Fold, split at what is not a letter or a
// digit) of the name of each person — the applicant and the
// representative of kind individual — and "o:" and each word of each
// organisation's name; at most 32, each once.
func (d Dossier) NameKeys() []string {
	var out []string
	add := func(p Party) {
		prefix := "p:"
		if p.Kind == archive.Organization {
			prefix = "o:"
		}
		for _, w := range FoldWords(p.Name) {
			if k := prefix + w; len(out) < maxNameKeys && !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	add(d.Applicant)
	if d.Representative != nil {
		add(d.Representative.Party)
	}
	return out
}

// FoldWords is s folded (archive.Fold) and split at every character that
// is not a letter or a digit.
func FoldWords(s string) []string {
	return strings.FieldsFunc(archive.Fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// Assignee is the subject of the assigned appraiser ("" = none).
func (d Dossier) Assignee() string {
	if d.Handler == nil {
		return ""
	}
	return d.Handler.Subject
}

// Party is a person or an organisation: an applicant or a representative.
// ID is the vault owner ID (the 12-digit personal identity number, or the
// organisation's code).
type Party struct {
	Kind    archive.OwnerKind `json:"kind"`
	ID      string            `json:"id"`
	Name    string            `json:"name"`
	Address string            `json:"address,omitempty"`
	Phone   string            `json:"phone,omitempty"`
	Email   string            `json:"email,omitempty"`
}

// Representative is who applied on the applicant's behalf: an authorised
// person or organisation, with the authorisation they rely on.
type Representative struct {
	Party
	// Authorization names the power of attorney or other paper (its
	// number, or the ID of its document in the representative's vault).
	Authorization string `json:"authorization"`
}

// Source says how a component was filled.
type Source string

// The sources of a filled component.
const (
	SourceUpload Source = "upload" // a file stored into the applicant's vault as a component
	SourceForm   Source = "form"   // an eForm's data
	SourceReuse  Source = "reuse"  // a paper already in the applicant's vault
)

// Filled is one component of a dossier as it was filled.
type Filled struct {
	Code   string `json:"code"`
	Source Source `json:"source"`
	// The paper (upload and reuse): its document in the applicant's vault,
	// the version used and its type.
	DocumentID string `json:"documentId,omitempty"`
	Version    int    `json:"version,omitempty"`
	TypeCode   string `json:"typeCode,omitempty"`
	// ReuseID is the vault's reuse record (reuse).
	ReuseID string `json:"reuseId,omitempty"`
	// Signature is the verification of the version used, frozen when it
	// was attached: what the vault knew of its signatures then.
	Signature *archive.SignatureSummary `json:"signature,omitempty"`
	// Form is the eForm's clean values with their provenance (form).
	Form *forms.Values `json:"form,omitempty"`
	By   string        `json:"by"`
	At   time.Time     `json:"at"`
}

// Handler is the staff member a dossier is assigned to, as they were when
// assigned (for the status shown to people).
type Handler struct {
	Subject        string `json:"subject"`
	Name           string `json:"name"`
	Department     string `json:"department"`
	DepartmentName string `json:"departmentName"`
}

// SupplementRequest is what the applicant was asked to add or fix.
type SupplementRequest struct {
	Reason string    `json:"reason"`
	Items  []string  `json:"items"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// Payment is a financial obligation the applicant must meet.
type Payment struct {
	Amount  int64     `json:"amount"` // đồng
	Reason  string    `json:"reason"`
	Receipt string    `json:"receipt,omitempty"`
	PaidAt  time.Time `json:"paidAt,omitzero"`
}

// Consultation is one request for another unit's opinion.
type Consultation struct {
	Unit       string    `json:"unit"`
	Request    string    `json:"request,omitempty"`
	Deadline   time.Time `json:"deadline"`
	By         string    `json:"by"`
	At         time.Time `json:"at"`
	Opinion    string    `json:"opinion,omitempty"`
	AnsweredAt time.Time `json:"answeredAt,omitzero"`
}

// Approval is one approval of the draft result (there may be several).
type Approval struct {
	By   string    `json:"by"`
	Name string    `json:"name"`
	Role Role      `json:"role"`
	Note string    `json:"note,omitempty"`
	At   time.Time `json:"at"`
}

// Receiver is who received the result: the applicant or a person they
// authorised.
type Receiver struct {
	Name          string `json:"name"`
	ID            string `json:"id,omitempty"`
	Authorization string `json:"authorization,omitempty"` // set when an authorised person received it
}

// TrailEntry is one transition in a dossier's trail (2025 item 8.1): who,
// when, from which state to which, by which action, with what note.
type TrailEntry struct {
	Seq    int       `json:"seq"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Name   string    `json:"name,omitempty"`
	Role   Role      `json:"role"`
	Action Action    `json:"action"`
	From   State     `json:"from"`
	To     State     `json:"to"`
	Note   string    `json:"note,omitempty"`
	// Reason and Items are the action's reason and the items it asked for
	// (a supplement request); DueAt is the dossier's due time the action
	// set, when it changed it (reception, a restart after a supplement,
	// an extension). The slips are printed from them again, the same,
	// whatever happened since.
	Reason string    `json:"reason,omitempty"`
	Items  []string  `json:"items,omitempty"`
	DueAt  time.Time `json:"dueAt,omitzero"`
}

// codeRE matches a dossier code: an agency code, the day (YYMMDD) and a
// number of at least four digits.
var dossierCodeRE = regexp.MustCompile(`^([0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[0-9A-Z]{3})-(\d{6})-(\d{4,9})$`)

// ValidDossierCode reports whether s has the shape of a dossier code.
func ValidDossierCode(s string) bool { return dossierCodeRE.MatchString(s) }

// DossierCode makes the code of the n-th dossier of agency on day: the
// number has four digits, more from the 10 000th (Circular 01/2018 art. 19).
func DossierCode(agency string, day time.Time, n int64) string {
	return agency + "-" + day.Format("060102") + "-" + fmt.Sprintf("%04d", n)
}

// CodeDay is the counter key of a day: "YYMMDD" in Vietnam time.
func CodeDay(t time.Time) string { return t.In(Vietnam).Format("060102") }

// parseDossierCode splits a code into agency, day and number.
func parseDossierCode(s string) (agency, day string, n int64, ok bool) {
	m := dossierCodeRE.FindStringSubmatch(s)
	if m == nil {
		return "", "", 0, false
	}
	n, err := strconv.ParseInt(m[3], 10, 64)
	return m[1], m[2], n, err == nil
}

// Vietnam is the time zone of dossier codes, dates and deadlines (UTC+7).
var Vietnam = time.FixedZone("ICT", 7*3600)

// EncodeDossier is the JSON a store keeps of d, every time in UTC to the
// millisecond (what stores return).
func EncodeDossier(d Dossier) ([]byte, error) { return json.Marshal(d.utc()) }

// DecodeDossier reads what EncodeDossier wrote. Numbers in eForm data stay
// exact (json.Number), as forms.Values holds them.
func DecodeDossier(b []byte) (Dossier, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var d Dossier
	err := dec.Decode(&d)
	return d, err
}

// utc returns d with every time in UTC truncated to the millisecond,
// sharing nothing mutable with d.
func (d Dossier) utc() Dossier {
	t := func(x *time.Time) {
		if !x.IsZero() {
			*x = x.UTC().Truncate(time.Millisecond)
		}
	}
	for _, x := range []*time.Time{&d.CreatedAt, &d.SubmittedAt, &d.ReceivedAt, &d.DueAt, &d.StepDueAt, &d.ResolvedAt, &d.ReturnedAt, &d.UpdatedAt} {
		t(x)
	}
	d.Components = slices.Clone(d.Components)
	for i := range d.Components {
		c := &d.Components[i]
		t(&c.At)
		if c.Signature != nil {
			sig := *c.Signature
			t(&sig.VerifiedAt)
			c.Signature = &sig
		}
	}
	d.Trail = slices.Clone(d.Trail)
	for i := range d.Trail {
		t(&d.Trail[i].At)
		t(&d.Trail[i].DueAt)
	}
	d.Consultations = slices.Clone(d.Consultations)
	for i := range d.Consultations {
		t(&d.Consultations[i].Deadline)
		t(&d.Consultations[i].At)
		t(&d.Consultations[i].AnsweredAt)
	}
	d.Approvals = slices.Clone(d.Approvals)
	for i := range d.Approvals {
		t(&d.Approvals[i].At)
	}
	if d.Supplement != nil {
		s := *d.Supplement
		t(&s.At)
		d.Supplement = &s
	}
	if d.Result != nil {
		r := *d.Result
		t(&r.ReservedAt)
		t(&r.IssuedAt)
		d.Result = &r
	}
	if d.Payment != nil {
		p := *d.Payment
		t(&p.PaidAt)
		d.Payment = &p
	}
	if d.Lateness != nil {
		l := *d.Lateness
		t(&l.Due)
		t(&l.Since)
		t(&l.NewDue)
		d.Lateness = &l
	}
	return d
}
