package workflow

import (
	"context"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// StaffCard is how a staff member is named to the people whose papers
// they handled (the access ledger's "who"): what an officer's badge
// shows — name, positions and agency — and nothing else of the directory.
type StaffCard struct {
	Name       string
	Positions  []Role
	Agency     string // the agency's code
	AgencyName string // "" when the agency is no longer in the directory
}

// Duty is the card's positions and agency as a sentence continues them:
// "cán bộ tiếp nhận và trả kết quả, Ủy ban nhân dân phường Bến Nghé"
// (positions joined by "kiêm"; "cán bộ" when it holds none).
func (c StaffCard) Duty() string {
	ps := make([]string, 0, len(c.Positions))
	for _, p := range c.Positions {
		ps = append(ps, strings.ToLower(p.Label()))
	}
	duty := strings.Join(ps, " kiêm ")
	if duty == "" {
		duty = "cán bộ"
	}
	if c.AgencyName != "" {
		duty += ", " + c.AgencyName
	}
	return duty
}

// MaxStaffCards bounds the subjects of one StaffCards call.
const MaxStaffCards = 100

// StaffCards names the staff members among subjects, for anyone
// authenticated: a citizen reads who opened their papers. Subjects not in
// the directory are absent from the map. Each distinct subject and agency
// is read once; more than MaxStaffCards distinct subjects is Invalid
// "too_many_subjects" (a page asks for the few it shows).
func (s *Service) StaffCards(ctx context.Context, a archive.Actor, subjects []string) (map[string]StaffCard, error) {
	if err := checkActor(a); err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, sub := range subjects {
		want[sub] = true
	}
	if len(want) > MaxStaffCards {
		return nil, invalid("too_many_subjects", "Yêu cầu quá nhiều cán bộ cùng lúc.", "%d subjects, at most %d", len(want), MaxStaffCards)
	}
	cards := make(map[string]StaffCard, len(want))
	agencies := map[string]string{}
	for sub := range want {
		m, err := s.store.GetStaff(ctx, sub)
		if kerr.IsKind(err, kerr.NotFound) {
			continue
		}
		if err != nil {
			return nil, storeErr("get staff", err)
		}
		name, seen := agencies[m.Agency]
		if !seen && m.Agency != "" {
			ag, err := s.store.GetAgency(ctx, m.Agency)
			switch {
			case err == nil:
				name = ag.Name
			case !kerr.IsKind(err, kerr.NotFound):
				return nil, storeErr("get agency", err)
			}
			agencies[m.Agency] = name
		}
		cards[sub] = StaffCard{Name: m.Name, Positions: m.Positions, Agency: m.Agency, AgencyName: name}
	}
	return cards, nil
}
