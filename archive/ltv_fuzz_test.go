package archive_test

import (
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// FuzzParseRenewCursor: any after parameter of the renewals list (the API's
// and the page's) is either refused with Invalid invalid_cursor or read
// into a cursor whose String reads back to itself; never a panic.
func FuzzParseRenewCursor(f *testing.F) {
	good := archive.RenewCursor{ExpiresAt: time.Date(2027, 1, 6, 23, 0, 15, 0, time.UTC), ID: archive.NewID(time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC))}
	for _, s := range []string{"", good.String(), "2027-01-06T23:00:15+07:00/" + good.ID, "2027-01-06T23:00:15Z/", "/" + good.ID,
		"2027-13-40T99:00:00Z/" + good.ID, "2027-01-06T23:00:15Z/" + good.ID + "/x", "xyz", "2027-01-06T23:00:15.5Z/" + good.ID} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := archive.ParseRenewCursor(s)
		if err != nil {
			if code, msg := kerr.Public(err); !kerr.IsKind(err, kerr.Invalid) || code != "invalid_cursor" || msg == "" {
				t.Fatalf("ParseRenewCursor(%q): %v", s, err)
			}
			return
		}
		back, err := archive.ParseRenewCursor(c.String())
		if err != nil || !back.ExpiresAt.Equal(c.ExpiresAt) || back.ID != c.ID {
			t.Fatalf("ParseRenewCursor(%q) = %+v; its String %q reads back as %+v, %v", s, c, c.String(), back, err)
		}
	})
}
