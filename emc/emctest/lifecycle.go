// Package emctest holds what the tests of the EMC feed share: a generated
// lifecycle (every row of the dossier state machine, from every state it
// starts from, by every role it allows) and the conformance suite of
// emc.Store that both metadata drivers run.
package emctest

import (
	"fmt"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/workflow"
)

// Agency is the receiving agency of the generated dossiers; Other the
// competent one of those that were transferred.
const (
	Agency = "000.00.31.H29"
	Other  = "000.00.12.H29"
)

// Start is when the generated dossiers are created: Monday 07/12/2026
// 09:00 in Vietnam.
var Start = time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)

// Dossier is a dossier of agency numbered n (its code), created at at,
// with no trail yet: a birth registration, online through the portal, of
// a citizen.
func Dossier(n int, at time.Time) workflow.Dossier {
	at = at.UTC().Truncate(time.Millisecond)
	code := workflow.DossierCode(Agency, at, int64(n))
	return workflow.Dossier{Code: code, Agency: Agency, AgencyName: "Ủy ban nhân dân phường Bến Nghé", HandlingAgency: Agency,
		HandlingAgencyName: "Ủy ban nhân dân phường Bến Nghé", Procedure: "DANG_KY_KHAI_SINH", ProcedureName: "Đăng ký khai sinh",
		Field: "Hộ tịch", ProcessVersion: 1, Channel: workflow.ChannelPortal,
		Applicant: workflow.Party{Kind: archive.Individual, ID: "001099012345", Name: "Nguyễn Văn An", Email: "an@example.vn", Phone: "0912345678"},
		CreatedBy: "001099012345", Status: workflow.StatusRegistered, CreatedAt: at, UpdatedAt: at, Rev: 1}
}

// Append adds the trail entry of action by role, taking d from its state
// to `to`, at at, and sets what the action sets on the record (reception
// and due times, resolution, return, payment).
func Append(d *workflow.Dossier, action workflow.Action, role workflow.Role, to workflow.State, at time.Time) {
	at = at.UTC().Truncate(time.Millisecond)
	actor := "001099012345"
	if role != workflow.RoleApplicant {
		actor = "canbo." + string(role)
	}
	e := workflow.TrailEntry{Seq: len(d.Trail) + 1, At: at, Actor: actor, Role: role, Action: action, From: d.State(), To: to}
	switch action {
	case workflow.ActionReceive:
		d.ReceivedAt = at
		d.DueAt = at.Add(5 * 24 * time.Hour)
		e.DueAt = d.DueAt
	case workflow.ActionExtend:
		d.DueAt = d.DueAt.Add(3 * 24 * time.Hour)
		e.DueAt = d.DueAt
	case workflow.ActionRequirePayment:
		d.Payment = &workflow.Payment{Amount: 50_000, Reason: "Lệ phí"}
	case workflow.ActionRecordPayment:
		if d.Payment != nil {
			d.Payment.PaidAt, d.Payment.Receipt = at, "BL-0001"
		}
	case workflow.ActionTransfer:
		d.HandlingAgency, d.HandlingAgencyName = Other, "Ủy ban nhân dân phường Đa Kao"
	}
	if to.Status == workflow.StatusResolved {
		d.ResolvedAt = at
	}
	if to.Status == workflow.StatusResultReturned {
		d.ReturnedAt = at
	}
	d.Status, d.Stage = to.Status, to.Stage
	d.Trail = append(d.Trail, e)
	d.UpdatedAt = at
	d.Rev++
}

// Lifecycle is the generated lifecycle: one dossier for every row of the
// state machine (workflow.Transitions), every state it starts from and
// every role it allows, whose last trail entry is that transition; the
// dossiers vary in applicant kind (citizens and organisations), channel
// (portal, desk, postal, national), payment and timeliness (on time,
// late, overdue). Each dossier's trail begins with its submission and
// reception, as far as its state needs them.
func Lifecycle() []workflow.Dossier {
	var out []workflow.Dossier
	channels := []workflow.Channel{workflow.ChannelPortal, workflow.ChannelDesk, workflow.ChannelPostal, workflow.ChannelNational}
	n := 0
	for _, t := range workflow.Transitions {
		for _, from := range t.From {
			for _, role := range t.Roles {
				n++
				at := Start.Add(time.Duration(n) * time.Minute)
				d := Dossier(n, Start)
				d.Channel = channels[n%len(channels)]
				if n%3 == 0 {
					d.Applicant = workflow.Party{Kind: archive.Organization, ID: fmt.Sprintf("03%08d", n), Name: "Công ty TNHH Ánh Dương"}
				}
				if from.Status != workflow.StatusRegistered {
					Append(&d, workflow.ActionSubmit, workflow.RoleApplicant, workflow.State{Status: workflow.StatusAwaitingIntake}, at)
					at = at.Add(time.Hour)
				}
				if from.Status.Phase() != workflow.PhaseSubmission && from.Status.Phase() != workflow.PhaseIntake || from.Status == workflow.StatusReceived {
					Append(&d, workflow.ActionReceive, workflow.RoleDesk, workflow.State{Status: workflow.StatusReceived}, at)
					at = at.Add(time.Hour)
				}
				if n%5 == 0 {
					Append(&d, workflow.ActionRequirePayment, workflow.RoleAppraiser, workflow.State{Status: workflow.StatusPaymentRequired}, at)
					at = at.Add(time.Hour)
				}
				if d.State() != from {
					// Reach the row's start through a recorded move.
					Append(&d, workflow.ActionTransfer, workflow.RoleDesk, from, at)
					at = at.Add(time.Hour)
				}
				if n%4 == 0 {
					// Late: the row's action comes after the due date.
					at = at.Add(10 * 24 * time.Hour)
				}
				Append(&d, t.Action, role, t.Target(from), at)
				out = append(out, d)
			}
		}
	}
	return out
}
