package portal_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/storage"
)

// ledgerOf reads owner A's whole ledger as A, whose own reads of it are
// not recorded.
func (e *env) ledgerOf(t *testing.T) []ledgerEntry {
	t.Helper()
	var lp ledgerPage
	e.do(call{method: "GET", path: "/api/v1/owners/" + ownerA + "/ledger?limit=1000", token: e.citizenA}).want(t, 200, "").json(t, &lp)
	return lp.Entries
}

// TestStaffReadsAreInTheLedger is issue 9 item 3: every read of a
// citizen's data by staff names its purpose and is in the citizen's
// ledger — listings, versions, reuses, reusable papers, the profile,
// statistics, the ledger itself, and the eForm operations that read the
// vault — while the citizen's own views of their vault add nothing.
func TestStaffReadsAreInTheLedger(t *testing.T) {
	e := newEnv(t)
	const js = "application/json"
	e.do(call{method: "POST", path: "/api/v1/owners", token: e.citizenA, contentType: js,
		body: []byte(`{"kind":"individual","identityNumber":"` + ownerA + `","name":"Trần Thị Bích Ngọc"}`)}).want(t, 201, "")
	q := url.Values{"type": {"CAN_CUOC"}, "name": {"Căn cước của Ngọc"}, "validUntil": {"2099-01-01"},
		"fields": {`{"soDinhDanh":"` + ownerA + `","hoTen":"Trần Thị Bích Ngọc","ngaySinh":"2000-02-29","noiCuTru":"12 Lý Thường Kiệt, Hà Nội"}`}}
	var card document
	e.uploadRaw(rawUpload{token: e.citizenA, query: q, contentType: "application/pdf", disposition: `attachment; filename="cccd.pdf"`, data: pdf("thẻ căn cước")}).
		want(t, 201, "").json(t, &card)
	e.do(call{method: "POST", path: "/api/v1/documents/" + card.ID + "/reuse", token: e.staff, contentType: js,
		body: []byte(`{"dossier":"HS-0"}`)}).want(t, 201, "")

	doc := "/api/v1/documents/" + card.ID
	owner := "/api/v1/owners/" + ownerA
	form := []byte(birthForm("Trần Thị Bích Ngọc", ownerA))
	reads := []struct {
		name     string
		call     call
		action   string // the entry the read appends
		document bool   // the entry names the paper
	}{
		{"list", call{method: "GET", path: "/api/v1/documents?owner=" + ownerA}, "list", false},
		{"search", call{method: "GET", path: "/api/v1/documents?owner=" + ownerA + "&q=" + url.QueryEscape("căn cước")}, "list", false},
		{"versions", call{method: "GET", path: doc + "/versions"}, "versions", true},
		{"reuses", call{method: "GET", path: doc + "/reuses"}, "reuses", true},
		{"reusable", call{method: "GET", path: owner + "/reusable?type=CAN_CUOC"}, "reusable", false},
		{"profile", call{method: "GET", path: owner}, "profile", false},
		{"stats", call{method: "GET", path: owner + "/stats"}, "stats", false},
		{"ledger", call{method: "GET", path: owner + "/ledger"}, "ledger", false},
		{"metadata", call{method: "GET", path: doc}, "read", true},
		{"download", call{method: "GET", path: doc + "/content"}, "download", true},
		{"download version", call{method: "GET", path: doc + "/versions/1/content"}, "download", true},
		// The eForm operations read the profile, then the paper they use.
		{"prefill", call{method: "POST", path: "/api/v1/forms/TK_KHAI_SINH/prefill?owner=" + ownerA}, "profile,read", false},
		{"validate", call{method: "POST", path: "/api/v1/forms/TK_KHAI_SINH/validate?owner=" + ownerA, contentType: js, body: form}, "profile,read", false},
		{"export", call{method: "POST", path: "/api/v1/forms/TK_KHAI_SINH/export?format=json&owner=" + ownerA, contentType: js, body: form}, "profile,read", false},
	}
	for _, rd := range reads {
		t.Run(rd.name, func(t *testing.T) {
			before := len(e.ledgerOf(t))
			sep := "?"
			if strings.Contains(rd.call.path, "?") {
				sep = "&"
			}
			for _, tok := range []string{e.staff, e.admin} {
				c := rd.call
				c.token = tok
				e.do(c).want(t, 400, "purpose_required")
				c.path += sep + "purpose=" + url.QueryEscape("   ")
				e.do(c).want(t, 400, "purpose_required")
			}
			if n := len(e.ledgerOf(t)); n != before {
				t.Fatalf("refused reads added %d entries", n-before)
			}

			c := rd.call
			c.token = e.staff
			purpose := "thẩm định " + rd.name
			c.path += sep + "purpose=" + url.QueryEscape(purpose) + "&dossier=HS-" + strings.ReplaceAll(rd.name, " ", "-")
			e.do(c).want(t, 200, "")
			es := e.ledgerOf(t)[before:]
			var actions []string
			for _, en := range es {
				actions = append(actions, en.Action)
				if en.Actor != "canbo01" || en.ActorRole != "staff" || en.Dossier != "HS-"+strings.ReplaceAll(rd.name, " ", "-") ||
					!strings.HasPrefix(en.Purpose, purpose) || en.ActionLabel == "" || en.ActionLabel == en.Action {
					t.Errorf("entry %+v", en)
				}
				if en.Action == "read" && rd.call.method == "POST" && en.Purpose != purpose+" — Tự động điền biểu mẫu TK_KHAI_SINH" {
					t.Errorf("the paper read for the form has purpose %q", en.Purpose)
				}
			}
			if got := strings.Join(actions, ","); got != rd.action {
				t.Fatalf("entries %s, want %s: %+v", got, rd.action, es)
			}
			if d := es[len(es)-1].DocumentID; (d == card.ID) != (rd.document || strings.HasSuffix(rd.action, "read")) || (d != "" && d != card.ID) {
				t.Errorf("entry's document %q", d)
			}
		})
	}

	// An admin's quota change answers with the owner's record: that read
	// is recorded too, with the change as its purpose.
	before := len(e.ledgerOf(t))
	e.do(call{method: "PUT", path: owner + "/quota", token: e.admin, contentType: js, body: []byte(`{"quotaBytes":1000000}`)}).want(t, 200, "")
	if es := e.ledgerOf(t)[before:]; len(es) != 1 || es[0].Action != "profile" || es[0].Actor != "quantri" || es[0].Purpose != "Điều chỉnh hạn mức lưu trữ" {
		t.Errorf("quota change: %+v", es)
	}

	// The labels people read.
	labels := map[string]string{}
	for _, en := range e.ledgerOf(t) {
		labels[en.Action] = en.ActionLabel
	}
	for action, want := range map[string]string{"list": "Xem danh sách giấy tờ", "download": "Tải xuống giấy tờ",
		"profile": "Xem thông tin chủ kho dữ liệu", "reuse": "Sử dụng lại giấy tờ trong hồ sơ"} {
		if labels[action] != want || archive.Action(action).Label() != want {
			t.Errorf("label of %s: %q in the API, %q in code, want %q", action, labels[action], archive.Action(action).Label(), want)
		}
	}

	// The citizen's own views of their vault add nothing; their reads of
	// a paper are recorded as before.
	before = len(e.ledgerOf(t))
	for _, rd := range reads {
		c := rd.call
		c.token = e.citizenA
		if rd.action == "read" || rd.action == "download" {
			continue
		}
		e.do(c).want(t, 200, "")
	}
	// prefill, validate and export read the paper for the pre-filled
	// fields: those reads are recorded, as before; the listings, versions,
	// reuses, profile, statistics and ledger are not.
	es := e.ledgerOf(t)[before:]
	if len(es) != 3 {
		t.Errorf("the owner's own views added %+v", es)
	}
	for _, en := range es {
		if en.Action != "read" || en.Actor != ownerA || en.Purpose != "Tự động điền biểu mẫu TK_KHAI_SINH" {
			t.Errorf("the owner's own views added %+v", en)
		}
	}
	before = len(e.ledgerOf(t))
	e.do(call{method: "GET", path: doc, token: e.citizenA}).want(t, 200, "")
	e.do(call{method: "GET", path: doc + "/content", token: e.citizenA}).want(t, 200, "")
	if es := e.ledgerOf(t)[before:]; len(es) != 2 || es[0].Action != "read" || es[1].Action != "download" || es[1].Actor != ownerA {
		t.Errorf("the owner's own reads of a paper: %+v", es)
	}

	// Citizen B reads none of it, and leaves nothing in A's ledger.
	before = len(e.ledgerOf(t))
	for _, rd := range reads {
		c := rd.call
		c.token = e.citizenB
		if r := e.do(c); r.status != 403 && r.status != 404 {
			t.Errorf("B: %s %s → %d", c.method, c.path, r.status)
		}
	}
	for _, en := range e.ledgerOf(t)[before:] {
		t.Errorf("B's attempt recorded in A's ledger: %+v", en)
	}
}

// TestDownloadRecordedOnlyWhenBytesSent is issue 9 item 3: a download is
// in the ledger when bytes were sent (200, 206), not for a 304, a 416, a
// HEAD (a read of the document instead) or a blob that cannot be read.
func TestDownloadRecordedOnlyWhenBytesSent(t *testing.T) {
	e := newEnv(t)
	data := pdf(strings.Repeat("nội dung ", 20))
	d := e.birthCert(e.citizenA, ownerA, "Giấy khai sinh", data)
	content := "/api/v1/documents/" + d.ID + "/content?purpose=" + url.QueryEscape("thẩm định")
	downloads := func() []ledgerEntry {
		var out []ledgerEntry
		for _, en := range e.ledgerOf(t) {
			if en.Action == "download" {
				out = append(out, en)
			}
		}
		return out
	}
	etag := `"` + d.Current.Blob + `"`
	steps := []struct {
		name   string
		call   call
		status int
		entry  bool
	}{
		{"200", call{method: "GET", path: content}, 200, true},
		{"206", call{method: "GET", path: content, header: map[string]string{"Range": "bytes=0-9"}}, 206, true},
		{"304", call{method: "GET", path: content, header: map[string]string{"If-None-Match": etag}}, 304, false},
		{"416", call{method: "GET", path: content, header: map[string]string{"Range": fmt.Sprintf("bytes=%d-", len(data)+100)}}, 416, false},
		{"HEAD", call{method: "HEAD", path: content, expect: specSkip}, 200, false},
		{"412", call{method: "GET", path: content, header: map[string]string{"If-Match": `"0000"`}}, 412, false},
	}
	for _, st := range steps {
		before := len(downloads())
		c := st.call
		c.token = e.staff
		r := e.do(c).want(t, st.status, "")
		after := downloads()
		if got := len(after) - before; got != map[bool]int{true: 1, false: 0}[st.entry] {
			t.Fatalf("%s: %d download entries added, want entry=%v", st.name, got, st.entry)
		}
		if st.entry {
			if en := after[len(after)-1]; en.Actor != "canbo01" || en.Purpose != "thẩm định" || en.DocumentID != d.ID || en.Version != 1 {
				t.Errorf("%s: entry %+v", st.name, en)
			}
			if st.status == 206 && string(r.body) != string(data[:10]) {
				t.Errorf("206 body %q", r.body)
			}
		}
	}
	// The HEAD showed the file's name, size and hash: a read.
	es := e.ledgerOf(t)
	if last := es[len(es)-1]; last.Action != "read" || last.Actor != "canbo01" {
		t.Errorf("HEAD recorded as %+v", last)
	}

	// The stored bytes are gone (damage): an error, not a cut-off 200,
	// and no download entry.
	filepath.WalkDir(e.blobDir, func(p string, de os.DirEntry, err error) error {
		if err == nil && de.Type().IsRegular() && de.Name() == d.Current.Blob {
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
		}
		return nil
	})
	before := len(downloads())
	e.do(call{method: "GET", path: content, token: e.staff}).want(t, 500, "content_missing")
	e.do(call{method: "GET", path: content, token: e.staff, header: map[string]string{"Range": "bytes=5-9"}}).want(t, 500, "content_missing")
	if n := len(downloads()) - before; n != 0 {
		t.Errorf("%d download entries for content that could not be read", n)
	}
}

// gatedBlobs lets a test hold the first read of a blob, while hold is
// set, until the request that reads it has ended (its context is done),
// as when a client goes away before the first byte.
type gatedBlobs struct {
	*storage.Bucket
	hold    *atomic.Bool
	reading chan struct{}
}

func (g gatedBlobs) NewReadSeeker(ctx context.Context, hash string, size int64) io.ReadSeekCloser {
	rs := g.Bucket.NewReadSeeker(context.WithoutCancel(ctx), hash, size)
	if !g.hold.Load() {
		return g.Bucket.NewReadSeeker(ctx, hash, size)
	}
	return &gatedReader{ctx: ctx, reading: g.reading, ReadSeekCloser: rs}
}

type gatedReader struct {
	io.ReadSeekCloser
	ctx     context.Context
	reading chan struct{}
	waited  bool
}

func (r *gatedReader) Read(p []byte) (int, error) {
	if !r.waited {
		r.waited = true
		r.reading <- struct{}{}
		select {
		case <-r.ctx.Done():
		case <-time.After(10 * time.Second):
		}
	}
	return r.ReadSeekCloser.Read(p)
}

// TestDownloadClientGoneRecordsNothing: a client that leaves before the
// first byte of a download leaves no download in the ledger, although
// the server had opened the content and its blob read then succeeded.
func TestDownloadClientGoneRecordsNothing(t *testing.T) {
	var hold atomic.Bool
	reading := make(chan struct{}, 1)
	e := newEnv(t, func(o *envOptions) {
		o.blobs = func(b *storage.Bucket) archive.Blobs { return gatedBlobs{Bucket: b, hold: &hold, reading: reading} }
	})
	d := e.birthCert(e.citizenA, ownerA, "Giấy khai sinh", pdf("rời đi"))
	path := "/api/v1/documents/" + d.ID + "/content?purpose=xem"
	downloads := func() int {
		n := 0
		for _, en := range e.ledgerOf(t) {
			if en.Action == "download" {
				n++
			}
		}
		return n
	}

	hold.Store(true)
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: kho\r\nAuthorization: Bearer %s\r\n\r\n", path, e.staff)
	select {
	case <-reading:
	case <-time.After(10 * time.Second):
		t.Fatal("the server never read the content")
	}
	conn.Close()
	e.logs.waitRequest(t, "GET", "/api/v1/documents/"+d.ID+"/content")
	hold.Store(false)
	if n := downloads(); n != 0 {
		t.Errorf("%d download entries for a client gone before the first byte", n)
	}

	// The same download, with the client staying, is recorded.
	e.do(call{method: "GET", path: path, token: e.staff}).want(t, 200, "")
	if n := downloads(); n != 1 {
		t.Errorf("%d download entries after one download, want 1", n)
	}
}
