package sqlite_test

import (
	"testing"

	"github.com/kho-vn/kho/emc/emctest"
)

func TestEMCConformance(t *testing.T) {
	emctest.Run(t, func(t *testing.T) emctest.Store { return open(t) })
}
