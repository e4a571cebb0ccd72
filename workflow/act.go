package workflow

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// ActInput is one action on a dossier with the fields it needs (see the
// Required fields of its row in Transitions). Fields an action does not
// use are ignored.
//
// The time of an action is the server's, and an entry is never dated
// before the trail's last one, so the trail cannot be back-dated whatever
// the clocks of the processes say. The one exception is At: see there.
type ActInput struct {
	Action Action `json:"action"`
	// Rev, when not 0, is the revision the caller saw (If-Match): another
	// one is Conflict "dossier_changed".
	Rev      int64     `json:"-"`
	Reason   string    `json:"reason,omitempty"`
	Items    []string  `json:"items,omitempty"`
	Note     string    `json:"note,omitempty"`
	Assignee string    `json:"assignee,omitempty"`
	Unit     string    `json:"unit,omitempty"`
	Deadline time.Time `json:"deadline,omitzero"`
	Opinion  string    `json:"opinion,omitempty"`
	// Agency is the competent agency a transfer sends the dossier to
	// ("" = the procedure's).
	Agency   string    `json:"agency,omitempty"`
	Amount   int64     `json:"amount,omitempty"`
	Receipt  string    `json:"receipt,omitempty"`
	Receiver *Receiver `json:"receiver,omitempty"`
	// At, when set, is when a desk officer says a paper dossier (channel
	// desk or postal) was submitted or received, entered after the fact.
	// It may be neither in the future (Invalid "action_in_future") nor
	// before the trail's last entry (Invalid "action_backdated"). Any
	// other action, role or channel: Invalid "client_time_refused".
	At *time.Time `json:"at,omitempty"`
	// Key, for the sign action, names the leader's personal key to sign
	// the result with (Service.SignKeys lists them; "" = their only one):
	// Invalid "sign_key_required" when they have several, Invalid
	// "sign_key_unknown" when it is not one of theirs — nothing signed.
	Key string `json:"key,omitempty"`
}

// has reports whether in gives field f.
func (in ActInput) has(f Field) bool {
	switch f {
	case FieldReason:
		return strings.TrimSpace(in.Reason) != ""
	case FieldItems:
		return slices.ContainsFunc(in.Items, func(s string) bool { return strings.TrimSpace(s) != "" })
	case FieldAssignee:
		return strings.TrimSpace(in.Assignee) != ""
	case FieldUnit:
		return strings.TrimSpace(in.Unit) != ""
	case FieldDeadline:
		return !in.Deadline.IsZero()
	case FieldOpinion:
		return strings.TrimSpace(in.Opinion) != ""
	case FieldAmount:
		return in.Amount > 0
	case FieldReceipt:
		return strings.TrimSpace(in.Receipt) != ""
	case FieldReceiver:
		return in.Receiver != nil && strings.TrimSpace(in.Receiver.Name) != ""
	}
	return false
}

// ErrFieldRequired returns the error of an action missing field f:
// Invalid "<field>_required".
func ErrFieldRequired(a Action, f Field) error {
	return invalid(string(f)+"_required", fmt.Sprintf("Thao tác «%s» cần nhập «%s».", a.Label(), f.Label()),
		"action %s needs %s", a, f)
}

// normalize trims in's text and checks it.
func (in *ActInput) normalize() error {
	in.Reason, in.Note, in.Assignee = strings.TrimSpace(in.Reason), strings.TrimSpace(in.Note), strings.TrimSpace(in.Assignee)
	in.Unit, in.Opinion, in.Agency, in.Receipt = strings.TrimSpace(in.Unit), strings.TrimSpace(in.Opinion), strings.TrimSpace(in.Agency), strings.TrimSpace(in.Receipt)
	items := in.Items[:0:0]
	for _, it := range in.Items {
		if it = strings.TrimSpace(it); it != "" {
			items = append(items, it)
		}
	}
	in.Items = items
	if len(in.Items) > maxItems {
		return invalid("too_many_items", "Danh sách nội dung cần bổ sung quá dài (tối đa 50 mục).", "%d items", len(in.Items))
	}
	for _, it := range in.Items {
		if err := checkText("items", FieldItems.Label(), it, maxItemRunes, false); err != nil {
			return err
		}
	}
	for _, t := range []struct {
		field, label, v string
		max             int
		multi           bool
	}{
		{"reason", FieldReason.Label(), in.Reason, maxReasonRunes, true},
		{"note", "Ghi chú", in.Note, maxReasonRunes, true},
		{"assignee", FieldAssignee.Label(), in.Assignee, 128, false},
		{"unit", FieldUnit.Label(), in.Unit, maxNameRunes, false},
		{"opinion", FieldOpinion.Label(), in.Opinion, maxReasonRunes, true},
		{"receipt", FieldReceipt.Label(), in.Receipt, maxNameRunes, false},
	} {
		if err := checkText(t.field, t.label, t.v, t.max, t.multi); err != nil {
			return err
		}
	}
	if r := in.Receiver; r != nil {
		r.Name, r.ID, r.Authorization = strings.TrimSpace(r.Name), strings.TrimSpace(r.ID), strings.TrimSpace(r.Authorization)
		for _, t := range []struct{ field, label, v string }{
			{"receiver.name", "Người nhận kết quả", r.Name}, {"receiver.id", "Số giấy tờ của người nhận", r.ID},
			{"receiver.authorization", "Giấy ủy quyền nhận kết quả", r.Authorization},
		} {
			if err := checkText(t.field, t.label, t.v, maxNameRunes, false); err != nil {
				return err
			}
		}
	}
	if in.Amount < 0 || in.Amount > 1e13 {
		return invalid("invalid_amount", "Số tiền không hợp lệ.", "amount %d", in.Amount)
	}
	if in.Agency != "" && !ValidAgencyCode(in.Agency) {
		return invalid("invalid_agency_code", "Mã định danh cơ quan không hợp lệ (dạng 000.00.31.H29).", "agency %q", in.Agency)
	}
	return nil
}

// Act takes an action on a dossier: the row of Transitions for the
// action and the dossier's state decides whether it may happen, who may
// take it and what it needs; the new state and the trail entry are
// written in one update guarded by the status and revision the action
// started from. Nothing changes when it is refused:
//
//   - NotFound "dossier_not_found": not the caller's (citizen) or none;
//   - Permission "other_agency": staff of another agency;
//   - Invalid "unknown_action";
//   - Conflict "dossier_changed": If-Match names another revision, or
//     another action won the race;
//   - Conflict "illegal_transition": no row leads from the state;
//   - Permission "role_not_allowed": the caller holds none of the row's
//     roles; "other_agency" when they hold one in another agency;
//     "not_assignee" for an appraiser the dossier is not assigned to;
//   - Invalid "<field>_required": a required field is missing, and the
//     checks of the fields given ("invalid_assignee", "deadline_in_past",
//     "invalid_extension", "no_open_consultation", "components_missing",
//     text rules);
//   - Invalid "client_time_refused", "action_in_future",
//     "action_backdated": a time given (ActInput.At) that may not be.
//
// With Config.Results set, the sign action is IssueResult: the result is
// made, signed and issued into the applicant's vault first; and after a
// refusal at intake or a stop, the uploaded files go to the applicant's
// vault as a refused dossier's (StoreRefusedFiles).
func (s *Service) Act(ctx context.Context, a archive.Actor, code string, in ActInput) (View, error) {
	if in.Action == ActionSign && s.results != nil {
		return s.issueResult(ctx, a, code, in.Rev, in.Key)
	}
	v, err := s.act(ctx, a, code, in, nil)
	if err == nil {
		s.afterRefusal(ctx, a, v)
	}
	return v, err
}

// act is Act; edit, when set, changes the new record before it is written.
func (s *Service) act(ctx context.Context, a archive.Actor, code string, in ActInput, edit func(*Dossier)) (View, error) {
	d, staff, err := s.load(ctx, a, code)
	if err != nil {
		return View{}, err
	}
	if !in.Action.Valid() {
		return View{}, invalid("unknown_action", "Thao tác không có trong quy trình xử lý hồ sơ.", "action %q is not known", in.Action)
	}
	if in.Rev != 0 && in.Rev != d.Rev {
		return View{}, errChanged(code, "revision %d, not %d", d.Rev, in.Rev)
	}
	row, ok := Lookup(in.Action, d.State())
	if !ok {
		return View{}, kerr.New(kerr.Conflict, "illegal_transition",
			fmt.Sprintf("Không thể «%s» khi hồ sơ đang ở trạng thái «%s».", in.Action.Label(), d.Status.Label()),
			"no transition %s from %s", in.Action, d.State())
	}
	role, err := actingRole(d, a, staff, row)
	if err != nil {
		return View{}, err
	}
	if err := in.normalize(); err != nil {
		return View{}, err
	}
	for _, f := range row.Required {
		if !in.has(f) {
			return View{}, ErrFieldRequired(in.Action, f)
		}
	}
	now, err := s.actionTime(d, role, in)
	if err != nil {
		return View{}, err
	}
	dl, err := s.deadlinesFor(ctx, d.HandlingAgency)
	if err != nil {
		return View{}, err
	}
	n, note, err := s.apply(ctx, d, row, role, a, staff, in, now, dl)
	if err != nil {
		return View{}, err
	}
	to := row.Target(d.State())
	n.Status, n.Stage = to.Status, to.Stage
	pr, err := s.cachedProcess(ctx, d.Procedure, d.ProcessVersion)
	if err != nil {
		return View{}, err
	}
	if next, ok := pr.Next(d.Step, in.Action); ok {
		n.Step, n.StepDueAt = next.Code, time.Time{}
		if next.DeadlineMinutes > 0 {
			n.StepDueAt = dl.AddWorking(now, time.Duration(next.DeadlineMinutes)*time.Minute).UTC().Truncate(time.Millisecond)
		}
	}
	name := ""
	if staff != nil {
		name = staff.Name
	} else if a.Role == archive.RoleCitizen {
		name = d.Applicant.Name
		if d.Representative != nil && d.Representative.ID == a.Subject {
			name = d.Representative.Name
		}
	}
	n.Trail = append(slices.Clone(d.Trail), TrailEntry{Seq: len(d.Trail) + 1, At: now, Actor: a.Subject, Name: name, Role: role,
		Action: in.Action, From: d.State(), To: to, Note: note, Reason: in.Reason, Items: in.Items, DueAt: changedDue(d, n)})
	n.UpdatedAt, n.Rev = later(s.nowUTC(), now), d.Rev+1
	n.Lateness = n.lateness() // a new due time is not late yet
	if edit != nil {
		edit(&n)
	}
	if err := s.updateDossier(ctx, n, d.Status); err != nil {
		return View{}, updateErr(code, err)
	}
	s.notified(ctx, n)
	return s.view(n, a, staff), nil
}

// actionTime is when the action happens: the server's clock, never before
// the trail's last entry (another process's clock may have been ahead),
// or the time a desk officer gives for a paper dossier's intake (ActInput.At).
func (s *Service) actionTime(d Dossier, role Role, in ActInput) (time.Time, error) {
	now, last := s.nowUTC(), lastAt(d)
	if in.At == nil {
		return later(now, last), nil
	}
	if role != RoleDesk || (in.Action != ActionSubmit && in.Action != ActionReceive) || d.Channel.Online() {
		return time.Time{}, invalid("client_time_refused",
			"Thời điểm xử lý do hệ thống ghi nhận; chỉ cán bộ tiếp nhận được ghi thời điểm nộp, tiếp nhận hồ sơ giấy.",
			"%s by %s on a %s dossier takes the server's time", in.Action, role, d.Channel)
	}
	at := in.At.UTC().Truncate(time.Millisecond)
	if at.After(now) {
		return time.Time{}, invalid("action_in_future", "Thời điểm xử lý không được sau thời điểm hiện tại.",
			"at %s is after now %s", at.Format(time.RFC3339Nano), now.Format(time.RFC3339Nano))
	}
	if at.Before(last) {
		return time.Time{}, invalid("action_backdated",
			"Thời điểm xử lý không được trước thao tác đã ghi gần nhất của hồ sơ ("+last.In(Vietnam).Format("15:04:05 02/01/2006")+").",
			"at %s is before the trail's last entry %s", at.Format(time.RFC3339Nano), last.Format(time.RFC3339Nano))
	}
	return at, nil
}

// later is the later of two times.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// actingRole is the role of row a acts in on d: the first of the row's
// roles the caller holds for d, an appraiser only on the dossiers
// assigned to them.
func actingRole(d Dossier, a archive.Actor, staff *Staff, row Transition) (Role, error) {
	roles := actingRoles(d, a, staff)
	notAssignee := false
	for _, r := range row.Roles {
		if !slices.Contains(roles, r) {
			continue
		}
		if r == RoleAppraiser && d.Assignee() != a.Subject {
			notAssignee = true
			continue
		}
		return r, nil
	}
	if notAssignee {
		return "", kerr.New(kerr.Permission, "not_assignee", "Hồ sơ không được phân công cho bạn thẩm định.",
			"dossier %s is assigned to %q, not %q", d.Code, d.Assignee(), a.Subject)
	}
	if staff != nil && slices.ContainsFunc(row.Roles, staff.Holds) {
		return "", kerr.New(kerr.Permission, "other_agency", msgOtherAgency,
			"staff of %s holds a role of %s but not for this dossier's agency", staff.Agency, row.Action)
	}
	labels := make([]string, len(row.Roles))
	for i, r := range row.Roles {
		labels[i] = strings.ToLower(r.Label())
	}
	return "", kerr.New(kerr.Permission, "role_not_allowed",
		fmt.Sprintf("Thao tác «%s» chỉ dành cho %s.", row.Action.Label(), strings.Join(labels, ", ")),
		"%s %q may not take %s", a.Role, a.Subject, row.Action)
}

// apply makes the changes of the action other than its state: dates,
// requests, handler, consultations, approvals. It returns the changed
// dossier (sharing nothing mutable with d) and the trail entry's note.
func (s *Service) apply(ctx context.Context, d Dossier, row Transition, role Role, a archive.Actor, staff *Staff, in ActInput, now time.Time, dl Deadlines) (Dossier, string, error) {
	n := d
	var note []string
	add := func(f string, args ...any) { note = append(note, fmt.Sprintf(f, args...)) }
	due := func(from time.Time) time.Time {
		if d.Resolution.IsZero() {
			return time.Time{}
		}
		return dl.AddWorking(from, d.Resolution.Working()).UTC().Truncate(time.Millisecond)
	}
	if in.Reason != "" {
		add("Lý do: %s", in.Reason)
	}
	switch in.Action {
	case ActionSubmit, ActionReceive, ActionSupplement:
		proc, err := s.getProcedure(ctx, d.Procedure)
		if err != nil {
			return n, "", err
		}
		if miss := missingComponents(d, proc); len(miss) > 0 {
			names := make([]string, len(miss))
			for i, c := range miss {
				names[i] = c.Name
			}
			return n, "", invalid("components_missing", "Hồ sơ còn thiếu thành phần bắt buộc: "+strings.Join(names, "; ")+".",
				"%d required components are not filled", len(miss))
		}
		switch {
		case in.Action == ActionSubmit:
			n.SubmittedAt = now
		case in.Action == ActionReceive:
			n.ReceivedAt, n.DueAt, n.Supplement = now, due(now), nil
			if !n.DueAt.IsZero() {
				add("Hẹn trả kết quả: %s", longDate(n.DueAt))
			}
		case row.Target(d.State()).Status == StatusProcessing:
			// A supplement during resolution restarts the clock (2025 item 15.8).
			n.DueAt, n.Supplement = due(now), nil
			if !n.DueAt.IsZero() {
				add("Thời hạn giải quyết tính lại, hẹn trả kết quả: %s", longDate(n.DueAt))
			}
		}
	case ActionRequestSupplement:
		n.Supplement = &SupplementRequest{Reason: in.Reason, Items: in.Items, By: a.Subject, At: now}
		add("Nội dung cần bổ sung: %s", strings.Join(in.Items, "; "))
	case ActionRefuseIntake, ActionStop, ActionApplicantStop, ActionRequestWithdrawal:
		n.Reason = in.Reason
	case ActionTransfer:
		if in.Agency != "" && in.Agency != d.HandlingAgency {
			ag, err := s.getAgency(ctx, in.Agency)
			if err != nil {
				return n, "", err
			}
			n.HandlingAgency, n.HandlingAgencyName = ag.Code, ag.Name
		}
		add("Cơ quan có thẩm quyền giải quyết: %s", nonEmpty(n.HandlingAgencyName, n.HandlingAgency))
	case ActionAssign, ActionReassign:
		h, err := s.appraiser(ctx, d, in.Assignee)
		if err != nil {
			return n, "", err
		}
		n.Handler = &h
		add("Phân công: %s (%s)", h.Name, nonEmpty(h.DepartmentName, h.Department))
	case ActionAppraise:
		n.Appraisal = in.Opinion
		add("Kết quả thẩm định: %s", in.Opinion)
	case ActionConsult:
		if !in.Deadline.After(now) {
			return n, "", invalid("deadline_in_past", "Thời hạn lấy ý kiến phải sau thời điểm hiện tại.", "deadline %s is not after %s", in.Deadline, now)
		}
		n.Consultations = append(slices.Clone(d.Consultations), Consultation{Unit: in.Unit, Request: in.Note,
			Deadline: in.Deadline.UTC().Truncate(time.Millisecond), By: a.Subject, At: now})
		add("Lấy ý kiến: %s, thời hạn trả lời %s", in.Unit, in.Deadline.In(Vietnam).Format("15:04:05 02/01/2006"))
	case ActionRecordOpinion:
		i := slices.IndexFunc(d.Consultations, func(c Consultation) bool { return c.Unit == in.Unit && c.AnsweredAt.IsZero() })
		if i < 0 {
			return n, "", invalid("no_open_consultation", "Không có yêu cầu lấy ý kiến nào đang chờ đơn vị này trả lời.",
				"no open consultation of %q", in.Unit)
		}
		n.Consultations = slices.Clone(d.Consultations)
		n.Consultations[i].Opinion, n.Consultations[i].AnsweredAt = in.Opinion, now
		add("Ý kiến của %s: %s", in.Unit, in.Opinion)
	case ActionApprove:
		name := ""
		if staff != nil {
			name = staff.Name
		}
		n.Approvals = append(slices.Clone(d.Approvals), Approval{By: a.Subject, Name: name, Role: role, Note: in.Note, At: now})
	case ActionSign:
		n.ResolvedAt = now
		if r := d.Result; r != nil {
			add("Cấp %s số %s vào kho dữ liệu của người nộp", r.Name, r.Number)
		}
	case ActionRequirePayment:
		n.Payment = &Payment{Amount: in.Amount, Reason: in.Reason}
		add("Số tiền phải nộp: %s đồng", formatMoney(in.Amount))
	case ActionRecordPayment:
		p := Payment{}
		if d.Payment != nil {
			p = *d.Payment
		}
		p.Receipt, p.PaidAt = in.Receipt, now
		n.Payment = &p
		add("Biên lai: %s", in.Receipt)
	case ActionExtend:
		if !in.Deadline.After(now) || (!d.DueAt.IsZero() && !in.Deadline.After(d.DueAt)) {
			return n, "", invalid("invalid_extension", "Thời hạn gia hạn phải sau thời hạn giải quyết hiện tại.",
				"new due %s is not after %s (now %s)", in.Deadline, d.DueAt, now)
		}
		n.DueAt, n.Extensions = in.Deadline.UTC().Truncate(time.Millisecond), d.Extensions+1
		add("Gia hạn đến %s", longDate(n.DueAt))
	case ActionReceiveResult:
		r := *in.Receiver
		n.Receiver, n.ReturnedAt = &r, now
		who := "Người nhận: " + r.Name
		if r.Authorization != "" {
			who += " (được ủy quyền: " + r.Authorization + ")"
		}
		add("%s", who)
	}
	if in.Note != "" && in.Action != ActionConsult {
		add("Ghi chú: %s", in.Note)
	}
	return n, strings.Join(note, "; "), nil
}

// appraiser returns the handler an assignment names: an active appraiser
// of the dossier's competent agency (Invalid "invalid_assignee" otherwise).
func (s *Service) appraiser(ctx context.Context, d Dossier, subject string) (Handler, error) {
	m, err := s.store.GetStaff(ctx, subject)
	if err != nil && !kerr.IsKind(err, kerr.NotFound) {
		return Handler{}, storeErr("get staff", err)
	}
	if err != nil || !m.Active || !m.Holds(RoleAppraiser) || m.Agency != d.HandlingAgency {
		return Handler{}, invalid("invalid_assignee", "Người được phân công phải là cán bộ thẩm định của cơ quan giải quyết hồ sơ.",
			"%q is not an active appraiser of %s", subject, d.HandlingAgency)
	}
	h := Handler{Subject: m.Subject, Name: m.Name, Department: m.Department}
	if ag, err := s.store.GetAgency(ctx, m.Agency); err == nil {
		if dep, ok := ag.Department(m.Department); ok {
			h.DepartmentName = dep.Name
		}
	}
	return h, nil
}
