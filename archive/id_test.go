package archive

import (
	"sort"
	"testing"
	"time"
)

func TestNewIDSortsByTime(t *testing.T) {
	base := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	var ids []string
	for i := 0; i < 100; i++ {
		id := NewID(base.Add(time.Duration(i) * time.Millisecond))
		if !ValidID(id) {
			t.Fatalf("NewID gave %q, which ValidID refuses", id)
		}
		ids = append(ids, id)
	}
	if !sort.StringsAreSorted(ids) {
		t.Fatalf("IDs made later do not sort later: %v", ids[:5])
	}
	if NewID(base) == NewID(base) {
		t.Fatal("two IDs in the same millisecond are equal")
	}
}

func TestValidIDRefuses(t *testing.T) {
	for _, s := range []string{"", "abc", "../../etc/passwd000000000", "8zzzzzzzzzzzzzzzzzzzzzzzzz", "0123456789abcdefghjkmnpqrI"} {
		if ValidID(s) {
			t.Errorf("ValidID(%q) = true", s)
		}
	}
}

func TestFold(t *testing.T) {
	cases := map[string]string{
		"Giấy khai sinh":              "giay khai sinh",
		"ĐĂNG KÝ  KẾT HÔN":            "dang ky ket hon",
		"Căn cước công dân\tgắn chip": "can cuoc cong dan gan chip",
		"Quyết định số 12/QĐ-UBND":    "quyet dinh so 12/qd-ubnd",
	}
	for in, want := range cases {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEntryHashCoversEveryField(t *testing.T) {
	e := LedgerEntry{Chain: "001099000001", Seq: 2, At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Actor: "001099000001", ActorRole: RoleCitizen, Action: ActionDownload, DocumentID: "x", Version: 1, Purpose: "xem", PrevHash: "ab"}
	h := EntryHash(e)
	mut := []func(*LedgerEntry){
		func(e *LedgerEntry) { e.Chain = "y" }, func(e *LedgerEntry) { e.Seq = 3 },
		func(e *LedgerEntry) { e.At = e.At.Add(time.Millisecond) }, func(e *LedgerEntry) { e.Actor = "z" },
		func(e *LedgerEntry) { e.ActorRole = RoleStaff }, func(e *LedgerEntry) { e.Action = ActionRead },
		func(e *LedgerEntry) { e.DocumentID = "w" }, func(e *LedgerEntry) { e.Version = 2 },
		func(e *LedgerEntry) { e.Purpose = "khác" }, func(e *LedgerEntry) { e.Dossier = "d" },
		func(e *LedgerEntry) { e.PrevHash = "cd" },
	}
	for i, m := range mut {
		c := e
		m(&c)
		if EntryHash(c) == h {
			t.Errorf("change %d did not change the hash", i)
		}
	}
	e.Hash = "anything"
	if EntryHash(e) != h {
		t.Error("the Hash field itself must not be hashed")
	}
}
