package workflow

import "slices"

// Action is what someone does to a dossier: one name per kind of step of
// the lifecycle (2025 appendix items 4, 12–18).
type Action string

// The actions.
const (
	ActionSubmit            Action = "submit"
	ActionReceive           Action = "receive"
	ActionRequestSupplement Action = "request_supplement"
	ActionSupplement        Action = "supplement"
	ActionRefuseIntake      Action = "refuse_intake"
	ActionRequestWithdrawal Action = "request_withdrawal"
	ActionWithdraw          Action = "withdraw"
	ActionReturnDossier     Action = "return_dossier"
	ActionTransfer          Action = "transfer"
	ActionAssign            Action = "assign"
	ActionReassign          Action = "reassign"
	ActionAppraise          Action = "appraise"
	ActionConsult           Action = "consult"
	ActionRecordOpinion     Action = "record_opinion"
	ActionReturnForRework   Action = "return_for_rework"
	ActionSubmitForApproval Action = "submit_for_approval"
	ActionApprove           Action = "approve"
	ActionSign              Action = "sign"
	ActionStop              Action = "stop"
	ActionExtend            Action = "extend"
	ActionRequirePayment    Action = "require_payment"
	ActionRecordPayment     Action = "record_payment"
	ActionReturnResult      Action = "return_result"
	ActionReceiveResult     Action = "receive_result"
	ActionApplicantStop     Action = "applicant_stop"
)

// Label is the action as people read it (in the trail, the diagram, the docs).
func (a Action) Label() string {
	switch a {
	case ActionSubmit:
		return "Nộp hồ sơ"
	case ActionReceive:
		return "Tiếp nhận hồ sơ"
	case ActionRequestSupplement:
		return "Yêu cầu bổ sung, hoàn thiện hồ sơ"
	case ActionSupplement:
		return "Bổ sung hồ sơ"
	case ActionRefuseIntake:
		return "Từ chối tiếp nhận"
	case ActionRequestWithdrawal:
		return "Yêu cầu rút hồ sơ"
	case ActionWithdraw:
		return "Rút hồ sơ"
	case ActionReturnDossier:
		return "Trả lại hồ sơ đã rút"
	case ActionTransfer:
		return "Chuyển cơ quan có thẩm quyền giải quyết"
	case ActionAssign:
		return "Phân công thẩm định"
	case ActionReassign:
		return "Phân công thẩm định lại"
	case ActionAppraise:
		return "Thẩm định hồ sơ"
	case ActionConsult:
		return "Lấy ý kiến phối hợp"
	case ActionRecordOpinion:
		return "Cập nhật ý kiến phối hợp"
	case ActionReturnForRework:
		return "Trả lại để xử lý lại"
	case ActionSubmitForApproval:
		return "Trình phê duyệt"
	case ActionApprove:
		return "Phê duyệt"
	case ActionSign:
		return "Ký duyệt kết quả"
	case ActionStop:
		return "Dừng xử lý"
	case ActionExtend:
		return "Gia hạn thời gian giải quyết"
	case ActionRequirePayment:
		return "Yêu cầu thực hiện nghĩa vụ tài chính"
	case ActionRecordPayment:
		return "Xác nhận đã thực hiện nghĩa vụ tài chính"
	case ActionReturnResult:
		return "Chuyển trả kết quả"
	case ActionReceiveResult:
		return "Trả kết quả cho người nhận"
	case ActionApplicantStop:
		return "Dừng thực hiện thủ tục theo yêu cầu"
	}
	return string(a)
}

// Valid reports whether a is an action of the table.
func (a Action) Valid() bool { return a.Label() != string(a) }

// Field is an input an action needs (ActInput's fields).
type Field string

// The fields actions may require.
const (
	FieldReason   Field = "reason"   // why: a refusal, a stop, a supplement, a rework, an extension
	FieldItems    Field = "items"    // what the applicant must add or fix
	FieldAssignee Field = "assignee" // the appraiser assigned
	FieldUnit     Field = "unit"     // the unit consulted
	FieldDeadline Field = "deadline" // by when: a consultation's answer, an extended due date
	FieldOpinion  Field = "opinion"  // an appraisal's conclusion, a unit's answer
	FieldAmount   Field = "amount"   // fees or taxes to pay, in đồng
	FieldReceipt  Field = "receipt"  // the payment's receipt
	FieldReceiver Field = "receiver" // who received the result
)

// Label is the field as people read it.
func (f Field) Label() string {
	switch f {
	case FieldReason:
		return "Lý do"
	case FieldItems:
		return "Nội dung cần bổ sung"
	case FieldAssignee:
		return "Cán bộ được phân công"
	case FieldUnit:
		return "Đơn vị được lấy ý kiến"
	case FieldDeadline:
		return "Thời hạn"
	case FieldOpinion:
		return "Ý kiến"
	case FieldAmount:
		return "Số tiền phải nộp"
	case FieldReceipt:
		return "Biên lai"
	case FieldReceiver:
		return "Người nhận kết quả"
	}
	return string(f)
}

// Transition is one row of the state machine: an action, the states it
// may start from, the state it leads to, the roles that may take it and
// the fields it needs. To with an empty Status keeps the state (an action
// that records something without moving the dossier).
type Transition struct {
	Action   Action
	From     []State
	To       State
	Roles    []Role
	Required []Field
}

// Allows reports whether role r may take the row's action.
func (t Transition) Allows(r Role) bool { return slices.Contains(t.Roles, r) }

// Target is the state the row leads to from s.
func (t Transition) Target(s State) State {
	if t.To.Status == "" {
		return s
	}
	return t.To
}

func st(s Status) State { return State{Status: s} }

func processing(stages ...Stage) []State {
	if len(stages) == 0 {
		stages = Stages
	}
	out := make([]State, len(stages))
	for i, g := range stages {
		out[i] = State{Status: StatusProcessing, Stage: g}
	}
	return out
}

func states(ss ...Status) []State {
	out := make([]State, len(ss))
	for i, s := range ss {
		out[i] = st(s)
	}
	return out
}

// Transitions is the state machine: the one table the service consults,
// the tests walk and docs/workflow.md shows. At most one row matches an
// action and a state (TestMachineTableUnambiguous).
//
// Two rules hold beside it, for every row: staff act only on the
// dossiers of their agency (the receiving agency for the desk, the
// competent agency for the other positions), and an appraiser acts only
// on the dossiers assigned to them.
var Transitions = []Transition{
	// Submission and intake.
	{Action: ActionSubmit, From: states(StatusRegistered), To: st(StatusAwaitingIntake),
		Roles: []Role{RoleApplicant, RoleDesk}},
	{Action: ActionReceive, From: states(StatusAwaitingIntake, StatusSupplemented), To: st(StatusReceived),
		Roles: []Role{RoleDesk}},
	{Action: ActionRequestSupplement, From: states(StatusAwaitingIntake, StatusSupplemented), To: st(StatusAwaitingSupplement),
		Roles: []Role{RoleDesk}, Required: []Field{FieldReason, FieldItems}},
	{Action: ActionRequestSupplement, From: states(StatusReceived), To: st(StatusIntakeSupplementRequested),
		Roles: []Role{RoleDesk}, Required: []Field{FieldReason, FieldItems}},
	{Action: ActionSupplement, From: states(StatusAwaitingSupplement, StatusIntakeSupplementRequested), To: st(StatusSupplemented),
		Roles: []Role{RoleApplicant, RoleDesk}},
	{Action: ActionRefuseIntake, From: states(StatusAwaitingIntake, StatusAwaitingSupplement, StatusSupplemented), To: st(StatusIntakeRefused),
		Roles: []Role{RoleDesk}, Required: []Field{FieldReason}},
	{Action: ActionRequestWithdrawal,
		From: states(StatusAwaitingIntake, StatusAwaitingSupplement, StatusSupplemented, StatusReceived, StatusIntakeSupplementRequested),
		To:   st(StatusWithdrawalRequested), Roles: []Role{RoleApplicant}},
	{Action: ActionWithdraw, From: states(StatusWithdrawalRequested), To: st(StatusWithdrawn),
		Roles: []Role{RoleDesk}},
	{Action: ActionReturnDossier, From: states(StatusWithdrawn), To: st(StatusReturned),
		Roles: []Role{RoleDesk}},

	// Resolution.
	{Action: ActionTransfer, From: states(StatusReceived), To: State{StatusProcessing, StageToAssign},
		Roles: []Role{RoleDesk}},
	{Action: ActionAssign, From: processing(StageToAssign), To: State{StatusProcessing, StageAppraising},
		Roles: []Role{RoleHead}, Required: []Field{FieldAssignee}},
	{Action: ActionReassign, From: processing(StageAppraising, StageConsulting, StageAppraised), To: State{StatusProcessing, StageAppraising},
		Roles: []Role{RoleHead}, Required: []Field{FieldAssignee, FieldReason}},
	{Action: ActionAppraise, From: processing(StageAppraising, StageConsulting, StageAppraised), To: State{StatusProcessing, StageAppraised},
		Roles: []Role{RoleAppraiser}, Required: []Field{FieldOpinion}},
	{Action: ActionRequestSupplement, From: processing(StageAppraising, StageConsulting, StageAppraised), To: st(StatusSupplementRequested),
		Roles: []Role{RoleAppraiser}, Required: []Field{FieldReason, FieldItems}},
	{Action: ActionSupplement, From: states(StatusSupplementRequested), To: State{StatusProcessing, StageAppraising},
		Roles: []Role{RoleApplicant, RoleDesk}},
	{Action: ActionConsult, From: processing(StageAppraising, StageConsulting, StageAppraised), To: State{StatusProcessing, StageConsulting},
		Roles: []Role{RoleAppraiser}, Required: []Field{FieldUnit, FieldDeadline}},
	{Action: ActionRecordOpinion, From: processing(StageConsulting),
		Roles: []Role{RoleAppraiser}, Required: []Field{FieldUnit, FieldOpinion}},
	{Action: ActionSubmitForApproval, From: processing(StageAppraised), To: State{StatusProcessing, StageToApprove},
		Roles: []Role{RoleAppraiser}},
	{Action: ActionReturnForRework, From: processing(StageToApprove, StageApproved), To: State{StatusProcessing, StageAppraising},
		Roles: []Role{RoleHead, RoleLeader}, Required: []Field{FieldReason}},
	{Action: ActionApprove, From: processing(StageToApprove, StageApproved), To: State{StatusProcessing, StageApproved},
		Roles: []Role{RoleHead, RoleLeader}},
	{Action: ActionSign, From: processing(StageApproved), To: st(StatusResolved),
		Roles: []Role{RoleLeader}},
	{Action: ActionRequirePayment, From: processing(StageAppraised, StageApproved), To: st(StatusPaymentRequired),
		Roles: []Role{RoleAppraiser, RoleDesk}, Required: []Field{FieldAmount, FieldReason}},
	{Action: ActionRecordPayment, From: states(StatusPaymentRequired), To: State{StatusProcessing, StageAppraised},
		Roles: []Role{RoleDesk}, Required: []Field{FieldReceipt}},
	{Action: ActionExtend, From: processing(),
		Roles: []Role{RoleHead, RoleLeader}, Required: []Field{FieldDeadline, FieldReason}},
	{Action: ActionStop, From: append(processing(), st(StatusSupplementRequested), st(StatusPaymentRequired)), To: st(StatusStopped),
		Roles: []Role{RoleAppraiser, RoleHead, RoleLeader}, Required: []Field{FieldReason}},

	// Result.
	{Action: ActionReturnResult, From: states(StatusResolved), To: st(StatusAwaitingReturn),
		Roles: []Role{RoleDesk}},
	{Action: ActionReceiveResult, From: states(StatusAwaitingReturn), To: st(StatusResultReturned),
		Roles: []Role{RoleDesk, RoleApplicant}, Required: []Field{FieldReceiver}},

	// The applicant asks to stop (Decree 118/2025 art. 21; 2025 item 17).
	{Action: ActionApplicantStop,
		From: append(append(states(StatusAwaitingIntake, StatusAwaitingSupplement, StatusSupplemented, StatusReceived,
			StatusIntakeSupplementRequested), processing()...), st(StatusSupplementRequested), st(StatusPaymentRequired)),
		To: st(StatusApplicantStopped), Roles: []Role{RoleApplicant}, Required: []Field{FieldReason}},
}

// Actions lists every action of the table once, in table order.
func Actions() []Action {
	var out []Action
	for _, t := range Transitions {
		if !slices.Contains(out, t.Action) {
			out = append(out, t.Action)
		}
	}
	return out
}

// Lookup returns the row of action a that starts from s.
func Lookup(a Action, s State) (Transition, bool) {
	for _, t := range Transitions {
		if t.Action == a && slices.Contains(t.From, s) {
			return t, true
		}
	}
	return Transition{}, false
}

// Available returns the actions role r may take from s, in table order.
func Available(s State, r Role) []Action {
	var out []Action
	for _, t := range Transitions {
		if slices.Contains(t.From, s) && t.Allows(r) && !slices.Contains(out, t.Action) {
			out = append(out, t.Action)
		}
	}
	return out
}

// rolesOf returns every role that some row of action a allows.
func rolesOf(a Action) []Role {
	var out []Role
	for _, t := range Transitions {
		if t.Action != a {
			continue
		}
		for _, r := range t.Roles {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}
