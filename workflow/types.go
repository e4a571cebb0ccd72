package workflow

// Role is who takes part in a dossier: the applicant, or a member of
// staff in one of their positions (chức danh). Staff hold positions in
// the staff directory (Staff.Positions); the applicant's role comes from
// being the dossier's applicant or their representative.
type Role string

// The roles. Every staff position but RoleArchivist and RoleAdmin acts on
// dossiers.
const (
	RoleApplicant Role = "applicant" // the applicant, or the person applying on their behalf
	RoleDesk      Role = "desk"      // cán bộ tiếp nhận và trả kết quả (one-stop desk)
	RoleAppraiser Role = "appraiser" // cán bộ thẩm định
	RoleHead      Role = "head"      // lãnh đạo phòng (head of department)
	RoleLeader    Role = "leader"    // lãnh đạo đơn vị (unit leader)
	// RoleArchivist keeps the agency's records: converts, digitises,
	// prints paper copies, keeps retention and fixity; acts on no dossier.
	RoleArchivist Role = "archivist" // cán bộ lưu trữ
	RoleAdmin     Role = "admin"     // quản trị: manages the catalogue and staff; acts on no dossier
)

// Roles lists every role in the order docs and tables show them.
var Roles = []Role{RoleApplicant, RoleDesk, RoleAppraiser, RoleHead, RoleLeader, RoleArchivist, RoleAdmin}

// Label is the role as people read it.
func (r Role) Label() string {
	switch r {
	case RoleApplicant:
		return "Người nộp hồ sơ"
	case RoleDesk:
		return "Cán bộ tiếp nhận và trả kết quả"
	case RoleAppraiser:
		return "Cán bộ thẩm định"
	case RoleHead:
		return "Lãnh đạo phòng"
	case RoleLeader:
		return "Lãnh đạo đơn vị"
	case RoleArchivist:
		return "Cán bộ lưu trữ"
	case RoleAdmin:
		return "Quản trị hệ thống"
	}
	return string(r)
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r.Label() != string(r) }

// IsPosition reports whether r is a staff position (every role but the
// applicant's).
func (r Role) IsPosition() bool { return r.Valid() && r != RoleApplicant }

// Channel is how a dossier came in (2025 item 12.3.b).
type Channel string

// The channels.
const (
	ChannelPortal   Channel = "portal"   // online, through this system's portal
	ChannelDesk     Channel = "desk"     // in person at the one-stop desk
	ChannelPostal   Channel = "postal"   // by the public postal service
	ChannelNational Channel = "national" // online, through the national public-service portal
)

// Label is the channel as people read it.
func (c Channel) Label() string {
	switch c {
	case ChannelPortal:
		return "Trực tuyến qua Cổng dịch vụ công"
	case ChannelDesk:
		return "Trực tiếp tại Bộ phận Một cửa"
	case ChannelPostal:
		return "Qua dịch vụ bưu chính công ích"
	case ChannelNational:
		return "Trực tuyến qua Cổng Dịch vụ công quốc gia"
	}
	return string(c)
}

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool { return c.Label() != string(c) }

// Online reports whether the applicant submitted through a portal.
func (c Channel) Online() bool { return c == ChannelPortal || c == ChannelNational }

// Status is a dossier's processing status: exactly the official list
// (2023 appendix II item 4.1; 2025 appendix item 4; GLOSSARY.md). Two
// labels appear twice, as in the rules: "Yêu cầu bổ sung giấy tờ" and
// "Dừng xử lý" at intake and during resolution.
type Status string

// The statuses, by phase.
const (
	// Submission.
	StatusRegistered Status = "registered" // Mới đăng ký
	// Intake.
	StatusAwaitingIntake            Status = "awaiting_intake"             // Đang chờ tiếp nhận
	StatusAwaitingSupplement        Status = "awaiting_supplement"         // Đang chờ bổ sung
	StatusSupplemented              Status = "supplemented"                // Đã bổ sung hồ sơ
	StatusWithdrawalRequested       Status = "withdrawal_requested"        // Yêu cầu rút hồ sơ
	StatusWithdrawn                 Status = "withdrawn"                   // Đã thu hồi
	StatusReceived                  Status = "received"                    // Được tiếp nhận
	StatusIntakeSupplementRequested Status = "intake_supplement_requested" // Yêu cầu bổ sung giấy tờ
	StatusReturned                  Status = "returned"                    // Đã trả lại
	StatusIntakeRefused             Status = "intake_refused"              // Dừng xử lý
	// Resolution.
	StatusProcessing          Status = "processing"           // Đang xử lý
	StatusSupplementRequested Status = "supplement_requested" // Yêu cầu bổ sung giấy tờ
	StatusStopped             Status = "stopped"              // Dừng xử lý
	StatusPaymentRequired     Status = "payment_required"     // Yêu cầu thực hiện nghĩa vụ tài chính
	// Result.
	StatusResolved       Status = "resolved"        // Đã xử lý xong
	StatusAwaitingReturn Status = "awaiting_return" // Chờ trả kết quả
	StatusResultReturned Status = "result_returned" // Đã trả kết quả
	// Any phase.
	StatusApplicantStopped Status = "applicant_stopped" // Dừng thực hiện TTHC
)

// Statuses lists every status in the order of the rules.
var Statuses = []Status{
	StatusRegistered,
	StatusAwaitingIntake, StatusAwaitingSupplement, StatusSupplemented, StatusWithdrawalRequested, StatusWithdrawn,
	StatusReceived, StatusIntakeSupplementRequested, StatusReturned, StatusIntakeRefused,
	StatusProcessing, StatusSupplementRequested, StatusStopped, StatusPaymentRequired,
	StatusResolved, StatusAwaitingReturn, StatusResultReturned,
	StatusApplicantStopped,
}

// Phase is the part of the lifecycle a status belongs to.
type Phase string

// The phases.
const (
	PhaseSubmission Phase = "submission"
	PhaseIntake     Phase = "intake"
	PhaseResolution Phase = "resolution"
	PhaseResult     Phase = "result"
	PhaseAny        Phase = "any"
)

// Label is the status's official Vietnamese label, exactly as the rules
// spell it.
func (s Status) Label() string {
	switch s {
	case StatusRegistered:
		return "Mới đăng ký"
	case StatusAwaitingIntake:
		return "Đang chờ tiếp nhận"
	case StatusAwaitingSupplement:
		return "Đang chờ bổ sung"
	case StatusSupplemented:
		return "Đã bổ sung hồ sơ"
	case StatusWithdrawalRequested:
		return "Yêu cầu rút hồ sơ"
	case StatusWithdrawn:
		return "Đã thu hồi"
	case StatusReceived:
		return "Được tiếp nhận"
	case StatusIntakeSupplementRequested, StatusSupplementRequested:
		return "Yêu cầu bổ sung giấy tờ"
	case StatusReturned:
		return "Đã trả lại"
	case StatusIntakeRefused, StatusStopped:
		return "Dừng xử lý"
	case StatusProcessing:
		return "Đang xử lý"
	case StatusPaymentRequired:
		return "Yêu cầu thực hiện nghĩa vụ tài chính"
	case StatusResolved:
		return "Đã xử lý xong"
	case StatusAwaitingReturn:
		return "Chờ trả kết quả"
	case StatusResultReturned:
		return "Đã trả kết quả"
	case StatusApplicantStopped:
		return "Dừng thực hiện TTHC"
	}
	return string(s)
}

// Phase is the phase s belongs to.
func (s Status) Phase() Phase {
	switch s {
	case StatusRegistered:
		return PhaseSubmission
	case StatusProcessing, StatusSupplementRequested, StatusStopped, StatusPaymentRequired:
		return PhaseResolution
	case StatusResolved, StatusAwaitingReturn, StatusResultReturned:
		return PhaseResult
	case StatusApplicantStopped:
		return PhaseAny
	}
	return PhaseIntake
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return s.Label() != string(s) }

// Final reports whether no action leads out of s.
func (s Status) Final() bool {
	for _, t := range Transitions {
		for _, f := range t.From {
			if f.Status == s {
				return false
			}
		}
	}
	return true
}

// Stage is where a dossier that is being processed (StatusProcessing)
// stands: the status the rules show is the same, "Đang xử lý", while the
// work moves from assignment to appraisal, consultation and approval.
// Other statuses have no stage ("").
type Stage string

// The stages of StatusProcessing.
const (
	StageToAssign   Stage = "to_assign"  // waiting for a head of department to assign it
	StageAppraising Stage = "appraising" // an appraiser is examining it
	StageConsulting Stage = "consulting" // other units are asked for their opinion
	StageAppraised  Stage = "appraised"  // appraised, not yet submitted for approval
	StageToApprove  Stage = "to_approve" // submitted for approval
	StageApproved   Stage = "approved"   // approved (once or more), waiting for the signature
)

// Stages lists the stages of StatusProcessing in order.
var Stages = []Stage{StageToAssign, StageAppraising, StageConsulting, StageAppraised, StageToApprove, StageApproved}

// Label is the stage as people read it.
func (g Stage) Label() string {
	switch g {
	case StageToAssign:
		return "Chờ phân công thẩm định"
	case StageAppraising:
		return "Đang thẩm định"
	case StageConsulting:
		return "Đang lấy ý kiến phối hợp"
	case StageAppraised:
		return "Đã thẩm định, chờ trình phê duyệt"
	case StageToApprove:
		return "Chờ phê duyệt"
	case StageApproved:
		return "Đã phê duyệt, chờ ký duyệt"
	}
	return string(g)
}

// Valid reports whether g is a known stage.
func (g Stage) Valid() bool { return g.Label() != string(g) }

// owner is the position that has the next move at stage g, for the
// status shown to people ("position, department and current handler").
func (g Stage) owner() Role {
	switch g {
	case StageToAssign, StageToApprove:
		return RoleHead
	case StageApproved:
		return RoleLeader
	}
	return RoleAppraiser
}

// State is a status with its stage: what the state machine moves between.
type State struct {
	Status Status `json:"status"`
	Stage  Stage  `json:"stage,omitempty"`
}

// String is "status" or "status/stage".
func (s State) String() string {
	if s.Stage == "" {
		return string(s.Status)
	}
	return string(s.Status) + "/" + string(s.Stage)
}
