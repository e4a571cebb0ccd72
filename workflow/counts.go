package workflow

import (
	"context"
	"slices"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// DefaultNearDeadline is how close to its due time a dossier counts as
// near its deadline when Config.NearDeadline is 0.
const DefaultNearDeadline = 24 * time.Hour

// Counts is what a member of staff sees on their desk (2025 item 20): for
// each position they hold, the number of dossiers in each of that
// position's buckets, in their agency.
type Counts struct {
	Agency string       `json:"agency"`
	Groups []CountGroup `json:"groups"`
}

// CountGroup is the buckets of one position.
type CountGroup struct {
	Role    Role     `json:"role"`
	Label   string   `json:"label"`
	Buckets []Bucket `json:"buckets"`
}

// Bucket is one count. Its Key lists the same dossiers (ListQuery.Bucket).
type Bucket struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Count int64  `json:"count"`
}

// bucket is a bucket's definition: its key (role "." name), its label,
// and the query of its dossiers for a member of agency at now.
type bucket struct {
	role  Role
	name  string
	label string
	query func(agency, subject string, now time.Time, near time.Duration) DossierQuery
}

func (b bucket) key() string { return string(b.role) + "." + b.name }

// Statuses grouped as the buckets count them.
var (
	supplementStatuses = []Status{StatusAwaitingSupplement, StatusIntakeSupplementRequested, StatusSupplementRequested}
	activeStatuses     = []Status{StatusReceived, StatusProcessing, StatusPaymentRequired}
	appraisalStages    = []Stage{StageAppraising, StageConsulting, StageAppraised}
)

// buckets are the counts of item 20, by position. Every one is a query
// the stores answer from an index (by side of the agency or assignee,
// then status, stage and due time); none reads the dossiers themselves.
var buckets = []bucket{
	// 1. The desk (of the receiving agency).
	{RoleDesk, "to_receive", "Hồ sơ chờ tiếp nhận", func(ag, _ string, _ time.Time, _ time.Duration) DossierQuery {
		return DossierQuery{Agency: ag, Side: SideReceiving, Status: StatusAwaitingIntake}
	}},
	{RoleDesk, "awaiting_supplement", "Hồ sơ chờ bổ sung", func(ag, _ string, _ time.Time, _ time.Duration) DossierQuery {
		return DossierQuery{Agency: ag, Side: SideReceiving, Statuses: supplementStatuses}
	}},
	{RoleDesk, "to_return", "Hồ sơ chờ trả kết quả", func(ag, _ string, _ time.Time, _ time.Duration) DossierQuery {
		return DossierQuery{Agency: ag, Side: SideReceiving, Statuses: []Status{StatusResolved, StatusAwaitingReturn}}
	}},
	{RoleDesk, "supplemented", "Hồ sơ đã bổ sung, chờ tiếp nhận", func(ag, _ string, _ time.Time, _ time.Duration) DossierQuery {
		return DossierQuery{Agency: ag, Side: SideReceiving, Status: StatusSupplemented}
	}},
	{RoleDesk, "in_progress", "Hồ sơ đang xử lý", func(ag, _ string, _ time.Time, _ time.Duration) DossierQuery {
		return DossierQuery{Agency: ag, Side: SideReceiving, Statuses: activeStatuses}
	}},
	{RoleDesk, "refused", "Hồ sơ từ chối", func(ag, _ string, _ time.Time, _ time.Duration) DossierQuery {
		return DossierQuery{Agency: ag, Side: SideReceiving, Statuses: []Status{StatusIntakeRefused, StatusStopped}}
	}},
	{RoleDesk, "near_deadline", "Hồ sơ sắp hết hạn", func(ag, _ string, now time.Time, near time.Duration) DossierQuery {
		return DossierQuery{Agency: ag, Side: SideReceiving, Statuses: activeStatuses, DueFrom: now, DueBefore: now.Add(near)}
	}},
	{RoleDesk, "all", "Tất cả hồ sơ", func(ag, _ string, _ time.Time, _ time.Duration) DossierQuery {
		return DossierQuery{Agency: ag, Side: SideReceiving}
	}},
	// 2. The appraiser (the dossiers assigned to them).
	{RoleAppraiser, "appraising", "Hồ sơ đang thẩm định", func(ag, sub string, _ time.Time, _ time.Duration) DossierQuery {
		return DossierQuery{Agency: ag, Side: SideHandling, Assignee: sub, Status: StatusProcessing, Stages: appraisalStages}
	}},
	{RoleAppraiser, "appraising_overdue", "Hồ sơ đang thẩm định quá hạn", func(ag, sub string, now time.Time, _ time.Duration) DossierQuery {
		return DossierQuery{Agency: ag, Side: SideHandling, Assignee: sub, Status: StatusProcessing, Stages: appraisalStages, DueBefore: now}
	}},
	{RoleAppraiser, "awaiting_supplement", "Hồ sơ chờ bổ sung", func(ag, sub string, _ time.Time, _ time.Duration) DossierQuery {
		return DossierQuery{Agency: ag, Side: SideHandling, Assignee: sub, Status: StatusSupplementRequested}
	}},
	{RoleAppraiser, "submitted", "Hồ sơ đang trình ký", func(ag, sub string, _ time.Time, _ time.Duration) DossierQuery {
		return DossierQuery{Agency: ag, Side: SideHandling, Assignee: sub, Status: StatusProcessing, Stages: []Stage{StageToApprove, StageApproved}}
	}},
	// 3. The head of department (of the competent agency).
	{RoleHead, "to_assign", "Hồ sơ chờ phân công thẩm định", func(ag, _ string, _ time.Time, _ time.Duration) DossierQuery {
		return DossierQuery{Agency: ag, Side: SideHandling, Status: StatusProcessing, Stage: StageToAssign}
	}},
	{RoleHead, "to_assign_overdue", "Hồ sơ chờ phân công thẩm định quá hạn", func(ag, _ string, now time.Time, _ time.Duration) DossierQuery {
		return DossierQuery{Agency: ag, Side: SideHandling, Status: StatusProcessing, Stage: StageToAssign, DueBefore: now}
	}},
	{RoleHead, "to_approve", "Hồ sơ chờ duyệt", func(ag, _ string, _ time.Time, _ time.Duration) DossierQuery {
		return DossierQuery{Agency: ag, Side: SideHandling, Status: StatusProcessing, Stage: StageToApprove}
	}},
	{RoleHead, "to_sign", "Hồ sơ chờ lãnh đạo đơn vị ký duyệt", func(ag, _ string, _ time.Time, _ time.Duration) DossierQuery {
		return DossierQuery{Agency: ag, Side: SideHandling, Status: StatusProcessing, Stage: StageApproved}
	}},
	// 4. The unit leader.
	{RoleLeader, "to_sign", "Hồ sơ chờ ký duyệt", func(ag, _ string, _ time.Time, _ time.Duration) DossierQuery {
		return DossierQuery{Agency: ag, Side: SideHandling, Status: StatusProcessing, Stage: StageApproved}
	}},
	{RoleLeader, "to_approve", "Hồ sơ chờ duyệt", func(ag, _ string, _ time.Time, _ time.Duration) DossierQuery {
		return DossierQuery{Agency: ag, Side: SideHandling, Status: StatusProcessing, Stage: StageToApprove}
	}},
	{RoleLeader, "overdue", "Hồ sơ đang xử lý quá hạn", func(ag, _ string, now time.Time, _ time.Duration) DossierQuery {
		return DossierQuery{Agency: ag, Side: SideHandling, Status: StatusProcessing, Stages: Stages, DueBefore: now}
	}},
}

// BucketKeys lists the key of every bucket, in the order Counts shows them.
func BucketKeys() []string {
	out := make([]string, len(buckets))
	for i, b := range buckets {
		out[i] = b.key()
	}
	return out
}

// BucketQuery is the store query of bucket key for the member subject of
// agency at now (ok false for an unknown key): what Counts counts and
// List with Bucket lists.
func BucketQuery(key, agency, subject string, now time.Time, near time.Duration) (DossierQuery, bool) {
	i := slices.IndexFunc(buckets, func(b bucket) bool { return b.key() == key })
	if i < 0 {
		return DossierQuery{}, false
	}
	return buckets[i].query(agency, subject, now, near), true
}

// Counts returns the counts of the caller's desk (staff only: Permission
// "staff_only" otherwise): a group for each position they hold, each
// bucket one indexed count in their agency.
func (s *Service) Counts(ctx context.Context, a archive.Actor) (Counts, error) {
	m, err := s.staffOnly(ctx, a)
	if err != nil {
		return Counts{}, err
	}
	now := s.nowUTC()
	out := Counts{Agency: m.Agency, Groups: []CountGroup{}}
	for _, r := range Roles {
		if !m.Holds(r) {
			continue
		}
		g := CountGroup{Role: r, Label: r.Label(), Buckets: []Bucket{}}
		for _, b := range buckets {
			if b.role != r {
				continue
			}
			n, err := s.store.CountDossiers(ctx, b.query(m.Agency, m.Subject, now, s.near))
			if err != nil {
				return Counts{}, storeErr("count dossiers", err)
			}
			g.Buckets = append(g.Buckets, Bucket{Key: b.key(), Label: b.label, Count: n})
		}
		if len(g.Buckets) > 0 {
			out.Groups = append(out.Groups, g)
		}
	}
	return out, nil
}

// staffOnly returns the caller's directory entry; Permission "staff_only"
// for a caller who is not staff.
func (s *Service) staffOnly(ctx context.Context, a archive.Actor) (Staff, error) {
	if err := checkActor(a); err != nil {
		return Staff{}, err
	}
	if a.Role != archive.RoleStaff {
		return Staff{}, kerr.New(kerr.Permission, "staff_only", "Chức năng này dành cho cán bộ xử lý hồ sơ.", "role %q is not staff", a.Role)
	}
	return s.member(ctx, a)
}

// bucketQuery is the query of the bucket key for member m: Invalid
// "unknown_bucket" for a key that is none, Permission "role_not_allowed"
// for a bucket of a position m does not hold.
func (s *Service) bucketQuery(m Staff, key string) (DossierQuery, error) {
	i := slices.IndexFunc(buckets, func(b bucket) bool { return b.key() == key })
	if i < 0 {
		return DossierQuery{}, invalid("unknown_bucket", "Nhóm hồ sơ không hợp lệ.", "bucket %q is not one of %v", key, BucketKeys())
	}
	b := buckets[i]
	if !m.Holds(b.role) {
		return DossierQuery{}, kerr.New(kerr.Permission, "role_not_allowed", "Nhóm hồ sơ này dành cho "+b.role.Label()+".",
			"staff %q does not hold %s", m.Subject, b.role)
	}
	return b.query(m.Agency, m.Subject, s.nowUTC(), s.near), nil
}
