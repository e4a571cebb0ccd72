package mongo_test

import (
	"testing"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/archive/archivetest"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/forms/formstest"
	"github.com/kho-vn/kho/internal/jobs"
	"github.com/kho-vn/kho/internal/jobs/jobstest"
	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/portal/auth/authtest"
)

// TestConformance runs the archive.Store suite, each subtest on a fresh database.
func TestConformance(t *testing.T) {
	archivetest.Run(t, func(t *testing.T) archive.Store { return openFresh(t) })
}

// TestAuthConformance runs the auth.Store suite, each subtest on a fresh database.
func TestAuthConformance(t *testing.T) {
	authtest.RunAuth(t, func(t *testing.T) auth.Store { return openFresh(t) })
}

// TestFormsConformance runs the forms.Store suite, each subtest on a fresh database.
func TestFormsConformance(t *testing.T) {
	formstest.Run(t, func(t *testing.T) forms.Store { return openFresh(t) })
}

// TestJobsConformance runs the jobs.Store suite, each subtest on a fresh database.
func TestJobsConformance(t *testing.T) {
	jobstest.Run(t, func(t *testing.T) jobs.Store { return openFresh(t) })
}
