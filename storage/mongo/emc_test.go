package mongo_test

import (
	"testing"

	"github.com/kho-vn/kho/emc/emctest"
)

// TestEMCConformance runs the emc.Store suite, each subtest on a fresh
// database, checking the durability settings of every command.
func TestEMCConformance(t *testing.T) {
	w := watchCommands()
	emctest.Run(t, func(t *testing.T) emctest.Store { return openWatched(t, w) })
	w.check(t)
}
