package main

import (
	"context"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// vaultStatsInterval is how often the vault-stats job counts the papers
// and reuses stored since its last run (a bounded batch of each).
const vaultStatsInterval = 10 * time.Minute

// vaultLeaders tells the vault who is a leader: a staff member whose own
// entry in the workflow's staff directory is of their agency and holds
// the position of leader. Without an entry: not a leader.
func vaultLeaders(wf *workflow.Service) archive.LeaderCheck {
	return func(ctx context.Context, a archive.Actor) (bool, error) {
		m, err := wf.StaffMember(ctx, a, a.Subject)
		if kerr.IsKind(err, kerr.NotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		return m.Agency == a.Agency && m.Holds(workflow.RoleLeader), nil
	}
}
