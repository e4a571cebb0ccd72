package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/storage/sqlite"
)

// TestServeAuthPurge: kho serve runs the leased auth-purge job, which
// deletes what expired of the sign-in records (a session that ended a
// day ago) and keeps the rest.
func TestServeAuthPurge(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	// The store first, with one expired and one live session, then serve.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, config.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	for i, exp := range []time.Time{now.Add(-24 * time.Hour), now.Add(time.Hour)} {
		x := auth.Session{Hash: string(rune('a'+i)) + "000", ID: string(rune('a' + i)), Username: "an.tran", CreatedAt: now.Add(-25 * time.Hour),
			LastSeen: now.Add(-25 * time.Hour), ExpiresAt: exp}
		if err := st.CreateSession(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	st.Close(ctx)
	startServe(t, map[string]string{"KHO_DATA": dir})
	st, err = sqlite.Open(ctx, filepath.Join(dir, config.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		l, err := st.GetLease(ctx, auth.PurgeJobName)
		if err == nil && !l.LastEnd.IsZero() {
			if l.LastError != "" || l.NextRun.Sub(l.LastEnd) != authPurgeInterval {
				t.Fatalf("auth-purge lease %+v", l)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("auth-purge did not run in 30 s: %+v, %v", l, err)
		}
	}
	left, err := st.ListSessions(ctx, "an.tran", 10)
	if err != nil || len(left) != 1 || left[0].ID != "b" {
		t.Errorf("sessions after the purge = %+v, %v; want the live one only", left, err)
	}
}
