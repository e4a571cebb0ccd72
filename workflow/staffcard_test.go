package workflow_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// TestStaffCards: a citizen learns the name, positions and agency of the
// staff among the subjects asked (once each), nothing of others; a
// request of more than MaxStaffCards subjects, or with no actor, is
// refused.
func TestStaffCards(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cards, err := e.wf.StaffCards(ctx, citizen, []string{desk.Subject, outsider.Subject, "khong.co", desk.Subject, citizen.Subject})
	if err != nil {
		t.Fatal(err)
	}
	if len(cards) != 2 {
		t.Fatalf("%d cards, want desk's and outsider's: %+v", len(cards), cards)
	}
	if c := cards[desk.Subject]; c.Name != "Lê Văn Một" || c.Agency != ward ||
		c.Duty() != "cán bộ tiếp nhận và trả kết quả, Ủy ban nhân dân phường Bến Nghé" {
		t.Errorf("desk: %+v, duty %q", c, c.Duty())
	}
	if c := cards[outsider.Subject]; c.Name != "Đỗ Văn Khác" ||
		c.Duty() != "cán bộ tiếp nhận và trả kết quả kiêm lãnh đạo phòng kiêm cán bộ thẩm định kiêm lãnh đạo đơn vị, Ủy ban nhân dân phường Đa Kao" {
		t.Errorf("outsider: %+v, duty %q", c, c.Duty())
	}
	many := make([]string, 0, 101)
	for i := range 101 {
		many = append(many, fmt.Sprintf("canbo%d", i))
	}
	if _, err := e.wf.StaffCards(ctx, citizen, many); !kerr.IsKind(err, kerr.Invalid) {
		t.Errorf("101 subjects: %v, want Invalid", err)
	}
	if _, err := e.wf.StaffCards(ctx, archive.Actor{}, []string{desk.Subject}); !kerr.IsKind(err, kerr.Permission) {
		t.Errorf("no actor: %v, want Permission", err)
	}
}
