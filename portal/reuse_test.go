package portal_test

import (
	"net/url"
	"slices"
	"testing"
)

type ledgerEntry struct {
	Lane        string `json:"lane"`
	Seq         int64  `json:"seq"`
	Actor       string `json:"actor"`
	ActorRole   string `json:"actorRole"`
	Action      string `json:"action"`
	ActionLabel string `json:"actionLabel"`
	DocumentID  string `json:"documentId"`
	Version     int    `json:"version"`
	Purpose     string `json:"purpose"`
	Dossier     string `json:"dossier"`
	PrevHash    string `json:"prevHash"`
	Hash        string `json:"hash"`
}

type ledgerPage struct {
	Entries []ledgerEntry `json:"entries"`
	More    bool          `json:"more"`
	Next    string        `json:"next"`
}

type typeStat struct {
	TypeCode  string `json:"typeCode"`
	Documents int64  `json:"documents"`
	Bytes     int64  `json:"bytes"`
	Reuses    int64  `json:"reuses"`
}

func TestReuseStatsAndLedger(t *testing.T) {
	e := newEnv(t)
	idCard := pngImage(t)
	var card document
	e.uploadRaw(rawUpload{token: e.citizenA, contentType: "image/png", disposition: `attachment; filename="cccd.png"`, data: idCard,
		query: url.Values{"type": {"CAN_CUOC"}, "name": {"Căn cước công dân"}, "validUntil": {"2039-05-01"},
			"fields": {`{"soDinhDanh":"` + ownerA + `","hoTen":"Nguyễn Văn An","ngaySinh":"1999-05-12"}`}}}).want(t, 201, "").json(t, &card)
	birth := e.birthCert(e.citizenA, ownerA, "Giấy khai sinh", pdf("ks"))
	// An expired paper of the same type is not reusable.
	e.uploadRaw(rawUpload{token: e.citizenA, contentType: "application/pdf", disposition: `attachment; filename="cu.pdf"`, data: pdf("cũ"),
		query: url.Values{"type": {"CAN_CUOC"}, "name": {"Chứng minh nhân dân cũ"}, "validUntil": {"2015-01-01"},
			"fields": {`{"soDinhDanh":"` + ownerA + `","hoTen":"Nguyễn Văn An","ngaySinh":"1999-05-12"}`}}}).want(t, 201, "")

	reusable := func(token, typ, on string) []string {
		t.Helper()
		q := url.Values{"type": {typ}}
		if on != "" {
			q.Set("on", on)
		}
		var l struct {
			Documents []document `json:"documents"`
		}
		q.Set("purpose", "tiếp nhận hồ sơ")
		e.do(call{method: "GET", path: "/api/v1/owners/" + ownerA + "/reusable?" + q.Encode(), token: token}).want(t, 200, "").json(t, &l)
		var out []string
		for _, d := range l.Documents {
			out = append(out, d.ID)
		}
		return out
	}
	if got := reusable(e.citizenA, "CAN_CUOC", ""); !slices.Equal(got, []string{card.ID}) {
		t.Errorf("reusable CAN_CUOC = %v, want [%s]", got, card.ID)
	}
	// Through a procedure's component: identity papers for a marriage registration.
	if got := reusable(e.staff, "DANG_KY_KET_HON/GIAY_TO_TUY_THAN", "2030-01-01"); !slices.Equal(got, []string{card.ID}) {
		t.Errorf("reusable for DANG_KY_KET_HON/GIAY_TO_TUY_THAN = %v", got)
	}
	if got := reusable(e.citizenA, "CAN_CUOC", "2040-01-01"); len(got) != 0 {
		t.Errorf("reusable after expiry = %v", got)
	}
	e.do(call{method: "GET", path: "/api/v1/owners/" + ownerA + "/reusable", token: e.citizenA, expect: specInvalid}).want(t, 400, "type_required")

	// Staff reuse the card in a dossier.
	dossier := "000.00.31.H29-261123-0001"
	var rec struct {
		ID, DocumentID, OwnerID, TypeCode, Dossier, Purpose, By string
		Version                                                 int
	}
	r := e.do(call{method: "POST", path: "/api/v1/documents/" + card.ID + "/reuse", token: e.staff, contentType: "application/json",
		body: []byte(`{"dossier":"` + dossier + `","purpose":"Đăng ký kết hôn"}`)}).want(t, 201, "")
	r.json(t, &rec)
	if rec.DocumentID != card.ID || rec.OwnerID != ownerA || rec.Dossier != dossier || rec.Version != 1 || rec.By != "canbo01" || rec.TypeCode != "CAN_CUOC" {
		t.Errorf("reuse record = %+v", rec)
	}
	e.do(call{method: "POST", path: "/api/v1/documents/" + card.ID + "/reuse", token: e.staff, contentType: "application/json",
		body: []byte(`{"purpose":"thiếu mã hồ sơ"}`), expect: specInvalid}).want(t, 400, "")
	var rl struct {
		Reuses []struct{ Dossier string } `json:"reuses"`
	}
	e.do(call{method: "GET", path: "/api/v1/documents/" + card.ID + "/reuses", token: e.citizenA}).want(t, 200, "").json(t, &rl)
	if len(rl.Reuses) != 1 || rl.Reuses[0].Dossier != dossier {
		t.Errorf("reuses = %+v", rl)
	}

	// Reads and downloads with a purpose go into the ledger.
	e.do(call{method: "GET", path: "/api/v1/documents/" + birth.ID + "?purpose=" + url.QueryEscape("thẩm định hồ sơ") + "&dossier=" + dossier, token: e.staff}).want(t, 200, "")
	e.do(call{method: "GET", path: "/api/v1/documents/" + birth.ID + "/content?purpose=xem", token: e.citizenA}).want(t, 200, "")

	var stats struct {
		OwnerID       string     `json:"ownerId"`
		UsedBytes     int64      `json:"usedBytes"`
		DocumentCount int64      `json:"documentCount"`
		Reuses        int64      `json:"reuses"`
		ByType        []typeStat `json:"byType"`
	}
	e.do(call{method: "GET", path: "/api/v1/owners/" + ownerA + "/stats", token: e.citizenA}).want(t, 200, "").json(t, &stats)
	wantBytes := int64(len(idCard) + len(pdf("ks")) + len(pdf("cũ")))
	if stats.DocumentCount != 3 || stats.UsedBytes != wantBytes || stats.Reuses != 1 || len(stats.ByType) != 2 {
		t.Errorf("stats = %+v (want 3 documents, %d bytes, 1 reuse)", stats, wantBytes)
	}
	for _, ts := range stats.ByType {
		if ts.TypeCode == "CAN_CUOC" && (ts.Documents != 2 || ts.Reuses != 1) {
			t.Errorf("CAN_CUOC stat = %+v", ts)
		}
	}
	var sys struct {
		ByType []typeStat `json:"byType"`
	}
	e.do(call{method: "GET", path: "/api/v1/stats", token: e.staff}).want(t, 200, "").json(t, &sys)
	if len(sys.ByType) != 2 {
		t.Errorf("system stats = %+v", sys)
	}
	e.do(call{method: "GET", path: "/api/v1/stats", token: e.citizenA}).want(t, 403, "")

	// The ledger, in pages of 3.
	var all []ledgerEntry
	after := ""
	for {
		var lp ledgerPage
		e.do(call{method: "GET", path: "/api/v1/owners/" + ownerA + "/ledger?limit=3&after=" + url.QueryEscape(after), token: e.citizenA}).want(t, 200, "").json(t, &lp)
		all = append(all, lp.Entries...)
		if !lp.More {
			if lp.Next != "" {
				t.Errorf("the last page has next %q", lp.Next)
			}
			break
		}
		after = lp.Next
	}
	// Each lane is an unbroken chain from Seq 1, and the pages list every
	// entry once.
	var actions []string
	prev := map[string]ledgerEntry{}
	for i, en := range all {
		p, ok := prev[en.Lane]
		if en.Lane == "" || (!ok && en.Seq != 1) || (ok && (en.Seq != p.Seq+1 || en.PrevHash != p.Hash)) {
			t.Errorf("entry %d: lane %q seq %d prevHash %s after %+v", i, en.Lane, en.Seq, en.PrevHash, p)
		}
		prev[en.Lane] = en
		actions = append(actions, en.Action)
	}
	for _, a := range []string{"create", "reuse", "read", "download"} {
		if !slices.Contains(actions, a) {
			t.Errorf("ledger actions %v lack %q", actions, a)
		}
	}
	found := false
	for _, en := range all {
		if en.Action == "read" && en.DocumentID == birth.ID && en.Actor == "canbo01" && en.ActorRole == "staff" && en.Purpose == "thẩm định hồ sơ" && en.Dossier == dossier {
			found = true
		}
	}
	if !found {
		t.Errorf("no read entry by canbo01 with purpose and dossier in %+v", all)
	}
	// Filtered by document.
	var lp ledgerPage
	e.do(call{method: "GET", path: "/api/v1/owners/" + ownerA + "/ledger?document=" + card.ID, token: e.citizenA}).want(t, 200, "").json(t, &lp)
	for _, en := range lp.Entries {
		if en.DocumentID != card.ID {
			t.Errorf("ledger?document=%s gave an entry about %s", card.ID, en.DocumentID)
		}
	}
	if len(lp.Entries) < 2 {
		t.Errorf("card ledger = %+v", lp.Entries)
	}
}
