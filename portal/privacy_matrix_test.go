package portal_test

// The machinery of the cross-owner privacy matrix (privacy_test.go holds
// its rows): reading the owner-scoped inputs of every operation from
// api/openapi.yaml, the server with every feature on, owner A's papers,
// and the runner that tries each row as citizen B.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel/high/base"

	"github.com/kho-vn/kho/api"
	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/certs-test/pki"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/notify"
	"github.com/kho-vn/kho/signing"
	"github.com/kho-vn/kho/workflow"
)

// The kinds of thing an input can name, as x-kho-scope spells them.
const (
	scopeOwner    = "owner"
	scopeDocument = "document"
	scopeVersion  = "version"
	scopeDraft    = "draft"
	scopeNote     = "notification"
	scopeDossier  = "dossier"
	scopeShare    = "share"
)

// scopeSegments: a path parameter right after one of these segments names
// that kind of thing (/owners/{id}, /documents/{id}, /versions/{n},
// /drafts/{id}).
var scopeSegments = map[string]string{"owners": scopeOwner, "documents": scopeDocument, "versions": scopeVersion, "drafts": scopeDraft,
	"notifications": scopeNote, "dossiers": scopeDossier, "shares": scopeShare}

// scopeNames: a query parameter or a request-body property with one of
// these names names that kind of thing, wherever it is. The list is what
// keeps a new owner-scoped input from slipping in unmarked: x-kho-scope
// must name every input found this way (it may name more, such as the
// reused version in a reuse request).
var scopeNames = map[string]string{
	"owner": scopeOwner, "ownerId": scopeOwner, "identityNumber": scopeOwner,
	"document": scopeDocument, "documentId": scopeDocument, "documents": scopeDocument,
	"documentVersion": scopeVersion,
	"draft":           scopeDraft, "draftId": scopeDraft,
}

// specOp is one operation of api/openapi.yaml as the matrix sees it.
type specOp struct {
	id, method, path string
	// inputs are every parameter and request-body property, as
	// "in.name" ("path.id", "query.owner", "body.metadata.ownerId").
	inputs map[string]bool
	// named are the inputs whose place or name says they name an owner,
	// a document, a version or a draft (scopeSegments, scopeNames).
	named map[string]string
	// scope is the operation's x-kho-scope: input to kind.
	scope map[string]string
	// scopeErr is set when x-kho-scope cannot be read.
	scopeErr error
}

var (
	specOpsOnce sync.Once
	specOpsList []specOp
	specOpsErr  error
)

// specScopes reads every operation of api/openapi.yaml with its inputs and
// its x-kho-scope.
func specScopes(t *testing.T) []specOp {
	t.Helper()
	specOpsOnce.Do(func() { specOpsList, specOpsErr = readSpecScopes() })
	if specOpsErr != nil {
		t.Fatalf("api/openapi.yaml: %v", specOpsErr)
	}
	return specOpsList
}

func readSpecScopes() ([]specOp, error) {
	doc, err := libopenapi.NewDocument([]byte(api.OpenAPI()))
	if err != nil {
		return nil, err
	}
	m, err := doc.BuildV3Model()
	if err != nil {
		return nil, err
	}
	var out []specOp
	for path, item := range m.Model.Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			so := specOp{id: op.OperationId, method: strings.ToUpper(method), path: path,
				inputs: map[string]bool{}, named: map[string]string{}}
			segs := strings.Split(path, "/")
			for _, p := range slices.Concat(item.Parameters, op.Parameters) {
				key := p.In + "." + p.Name
				so.inputs[key] = true
				switch p.In {
				case "path":
					if i := slices.Index(segs, "{"+p.Name+"}"); i > 0 {
						if kind, ok := scopeSegments[segs[i-1]]; ok {
							so.named[key] = kind
						}
					}
				case "query":
					if kind, ok := scopeNames[p.Name]; ok {
						so.named[key] = kind
					}
				}
			}
			if op.RequestBody != nil && op.RequestBody.Content != nil {
				for _, mt := range op.RequestBody.Content.FromOldest() {
					walkBody(mt.Schema, "body", 0, &so)
				}
			}
			if op.Extensions != nil {
				if n, ok := op.Extensions.Get("x-kho-scope"); ok && n != nil {
					if err := n.Decode(&so.scope); err != nil {
						so.scopeErr = err
					}
				}
			}
			out = append(out, so)
		}
	}
	return out, nil
}

// walkBody records the properties of a request-body schema, following
// references, allOf/oneOf/anyOf and array items, to a bounded depth.
func walkBody(sp *base.SchemaProxy, prefix string, depth int, so *specOp) {
	if sp == nil || depth > 8 {
		return
	}
	s := sp.Schema()
	if s == nil {
		return
	}
	for _, sub := range slices.Concat(s.AllOf, s.OneOf, s.AnyOf) {
		walkBody(sub, prefix, depth+1, so)
	}
	if s.Items != nil && s.Items.IsA() {
		walkBody(s.Items.A, prefix, depth+1, so)
	}
	if s.Properties == nil {
		return
	}
	for name, p := range s.Properties.FromOldest() {
		key := prefix + "." + name
		so.inputs[key] = true
		if kind, ok := scopeNames[name]; ok {
			so.named[key] = kind
		}
		walkBody(p, key, depth+1, so)
	}
}

// The parties of the matrix.
type party int

const (
	partyA      party = iota // owner A, a citizen
	partyStaff               // a staff member
	partyAdmin               // an administrator
	partyIssuer              // a staff member of agency A (Token.Agency), who issues papers
)

// privacyRow is the matrix's row for one owner-scoped operation: the ways
// citizen B can name owner A's things through it.
type privacyRow struct {
	op string // operationId in api/openapi.yaml
	// bare rows start from a server where A has nothing yet: their
	// control makes A's record (registration), and B tries after it.
	bare  bool
	cases []privacyCase
}

// privacyCase is one request that names A's things through some of the
// operation's x-kho-scope inputs.
type privacyCase struct {
	name   string
	inputs []string // the x-kho-scope inputs this request fills with A's things
	// req is the request, without a token. The positive control makes it
	// as A (or by), B makes it too (or bReq when B's must differ).
	req  func(f *fixture) call
	bReq func(f *fixture) call
	// The positive control: by (A unless set) gets exactly ok, and its
	// answer (body or headers) contains shows, when set: the call really
	// reached A's thing.
	by    party
	ok    int
	shows func(f *fixture) string
	// B's answer: exactly this status and error code ("" with a 2xx).
	status int
	code   string
}

// fixture is a server with every feature on and owner A's things in it.
type fixture struct {
	*signingEnv
	card  document // A's identity card: a signed PDF with typed fields
	draft string   // A's draft of the birth declaration
	note  string   // A's in-app notification
	// dossier is A's birth registration: every required component
	// filled (the card reused), not yet submitted.
	dossier string
	// share is A's share of the card's version 1 with agency A, for
	// secretPurpose, active for a month.
	share string
	// secrets are what B must never see of A's, unless B's own request
	// holds it.
	secrets []string
}

// The owner and draft IDs that stand for "something that does not exist":
// B naming them must get the same answer as B naming A's.
const (
	ghostOwner = "001099054321"
	ghostDraft = "aaaaaaaaaaaaaaaaaaaaaaaaaa"
	ghostNote  = "bbbbbbbbbbbbbbbbbbbbbbbbbb"
	// ghostDossier is a well-formed dossier code that no dossier has.
	ghostDossier = "000.00.31.H29-261207-9999"
	// ghostShare is a well-formed share ID that no share has.
	ghostShare = "01kdvdna03ambpse1de7s2pa8g"
)

// ghostDoc is a well-formed document ID that no document has.
var ghostDoc = archive.NewID(time.Now())

// What A's things hold.
const (
	secretName    = "Trần Thị Bích Ngọc"
	secretSummary = "Thẻ số 123/2021 cấp tại Hà Nội — bí mật"
	secretAddress = "12 Lý Thường Kiệt, Hà Nội"
	secretBirth   = "2000-02-29"
	secretDraft   = "Bích Ngọc nháp bí mật"
	secretDossier = "000.00.31.H29-261207-0042"
	secretFile    = "cccd-bich-ngoc.pdf"
	secretNote    = "Hồ sơ của Bích Ngọc đã có kết quả"
	secretPurpose = "Bích Ngọc xét tuyển viên chức"
)

var (
	signedCardOnce sync.Once
	signedCard     []byte
)

// newFixture starts a server with verification of stored PDFs against the
// test PKI, the signing keys and TSA, the shipped forms and drafts — every
// feature a row could otherwise pass by being switched off — and, unless
// bare, puts A's things in it: A's owner record, a signed identity card
// (verified on store: TOTAL-PASSED), one reuse of it and a draft.
func newFixture(t *testing.T, bare bool) *fixture {
	t.Helper()
	se := newSigningEnv(t, withLedgerKey(newLedgerKey(t)), withPaperCopies(t))
	f := &fixture{signingEnv: se}
	if se.server.Config().Signing == nil || se.server.Config().Verifier == nil || se.server.Config().Drafts == nil || se.server.Config().Forms == nil ||
		se.vault.LedgerVerifierKey() == "" {
		t.Fatal("the matrix's server lacks a feature")
	}
	f.secrets = []string{secretName, "Bích Ngọc", secretSummary, "123/2021", secretAddress, "Lý Thường Kiệt", secretBirth,
		secretDraft, secretDossier, secretFile, "cccd-bich-ngoc", ownerA, secretNote, secretPurpose}
	if bare {
		return f
	}
	f.do(call{method: "POST", path: "/api/v1/owners", token: f.citizenA, contentType: "application/json",
		body: []byte(`{"kind":"individual","identityNumber":"` + ownerA + `","name":"` + secretName + `","birthYear":2000}`)}).want(t, 201, "")
	signedCardOnce.Do(func() { signedCard = se.signLocally(t, pki.Personal, signing.LevelBT, onePage(t)) })
	fields, _ := json.Marshal(map[string]string{"soDinhDanh": ownerA, "hoTen": secretName, "ngaySinh": secretBirth, "noiCuTru": secretAddress})
	q := url.Values{"type": {"CAN_CUOC"}, "name": {"Căn cước của " + secretName}, "summary": {secretSummary}, "fields": {string(fields)}}
	f.uploadRaw(rawUpload{token: f.citizenA, query: q, contentType: "application/pdf", disposition: `attachment; filename="` + secretFile + `"`, data: signedCard}).
		want(t, 201, "").json(t, &f.card)
	if s := f.card.Signature; s == nil || !s.Signed || s.Verdict != "TOTAL-PASSED" {
		t.Fatalf("A's card was not verified on store: %+v", s)
	}
	f.do(call{method: "POST", path: "/api/v1/documents/" + f.card.ID + "/reuse", token: f.citizenA, contentType: "application/json",
		body: []byte(`{"dossier":"` + secretDossier + `"}`)}).want(t, 201, "")
	var dr struct {
		ID string `json:"id"`
	}
	f.do(call{method: "POST", path: "/api/v1/forms/TK_KHAI_SINH/drafts", token: f.citizenA, contentType: "application/json",
		body: []byte(`{"hoTenMe":"` + secretDraft + `"}`)}).want(t, 201, "").json(t, &dr)
	f.draft = dr.ID
	rc, err := se.server.Config().Notifications.Enqueue(context.Background(), notify.Message{Key: "matrix/A", Kind: notify.KindResult,
		To: notify.Recipient{Subject: ownerA}, Channels: []notify.Channel{notify.InApp}, Subject: secretNote, Ref: secretDossier})
	if err != nil {
		t.Fatalf("A's notification: %v", err)
	}
	f.note = rc.ID
	f.dossier = f.newDossier(t, archive.Actor{Subject: ownerA, Role: archive.RoleCitizen}, ownerA, secretName, true).Code
	var sh struct {
		ID string `json:"id"`
	}
	f.do(call{method: "POST", path: "/api/v1/documents/" + f.card.ID + "/shares", token: f.citizenA, contentType: "application/json",
		body: []byte(shareBody(1))}).want(t, 201, "").json(t, &sh)
	f.share = sh.ID
	f.secrets = append(f.secrets, f.card.ID, f.card.Current.Blob, f.draft, f.note, f.share)
	if _, err := f.vault.Checkpoint(context.Background(), ""); err != nil {
		t.Fatalf("checkpoint of A's ledger: %v", err)
	}
	return f
}

// shareBody is a request to share version n of a paper with agency A for
// secretPurpose, until a month from today.
func shareBody(n int) string {
	return `{"granteeKind":"agency","grantee":"` + agencyA + `","purpose":"` + secretPurpose + `","validUntil":"` +
		time.Now().AddDate(0, 1, 0).Format(time.DateOnly) + `","version":` + strconv.Itoa(n) + `}`
}

// with returns the fixture reporting to t (a case's subtest).
func (f *fixture) with(t *testing.T) *fixture {
	e := *f.env
	e.t = t
	se := *f.signingEnv
	se.env = &e
	c := *f
	c.signingEnv = &se
	return &c
}

func (f *fixture) tokenOf(p party) string {
	switch p {
	case partyStaff:
		return f.staff
	case partyAdmin:
		return f.admin
	case partyIssuer:
		return f.issuer
	}
	return f.citizenA
}

// issued returns the ID of a result agency A issued into A's vault with
// number n, issuing it on first use (an issue is idempotent by number):
// the thing the positive controls of revoke and supersede act on, as A's
// card is no issued paper.
func (f *fixture) issued(n string) string {
	f.t.Helper()
	a := archive.Actor{Subject: "canbo.ubnd", Role: archive.RoleStaff, Agency: agencyA}
	body := pdf("ket qua " + n)
	d, err := f.vault.Issue(context.Background(), a, archive.IssueRequest{Owner: ownerA, TypeCode: "KHAC", Name: "Kết quả " + n,
		Number: n, Agency: archive.Agency{Code: agencyA, Name: "Ủy ban nhân dân Phường Bến Nghé"}, Dossier: agencyA + "-261207-0100",
		Upload: archive.Upload{Body: bytes.NewReader(body), Size: int64(len(body)), FileName: "ket-qua.pdf"}})
	if err != nil {
		f.t.Fatalf("issue %s: %v", n, err)
	}
	return d.ID
}

// ghost returns c with every identifier of A's replaced by one of nothing.
func (f *fixture) ghost(c call) call {
	pairs := []string{ownerA, ghostOwner}
	if f.card.ID != "" {
		pairs = append(pairs, f.card.ID, ghostDoc)
	}
	if f.draft != "" {
		pairs = append(pairs, f.draft, ghostDraft)
	}
	if f.note != "" {
		pairs = append(pairs, f.note, ghostNote)
	}
	if f.dossier != "" {
		pairs = append(pairs, f.dossier, ghostDossier)
	}
	if f.share != "" {
		pairs = append(pairs, f.share, ghostShare)
	}
	r := strings.NewReplacer(pairs...)
	c.path = r.Replace(c.path)
	c.body = []byte(r.Replace(string(c.body)))
	c.contentType = r.Replace(c.contentType)
	h := map[string]string{}
	for k, v := range c.header {
		h[k] = r.Replace(v)
	}
	c.header = h
	return c
}

// holds reports whether c (path, headers or body) contains s.
func (c call) holds(s string) bool {
	if strings.Contains(c.path, s) || bytes.Contains(c.body, []byte(s)) {
		return true
	}
	if u, err := url.PathUnescape(c.path); err == nil && strings.Contains(u, s) {
		return true
	}
	if u, err := url.QueryUnescape(c.path); err == nil && strings.Contains(u, s) {
		return true
	}
	for _, v := range c.header {
		if strings.Contains(v, s) {
			return true
		}
	}
	return false
}

// head makes c as a HEAD request, outside the spec-checking client (the
// API describes no HEAD operation; every GET route answers one).
func (f *fixture) head(c call) result {
	f.t.Helper()
	req, err := http.NewRequest("HEAD", f.srv.URL+c.path, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, header: resp.Header, body: b}
}

// brief is b for a failure message: text cut short, or its size when it
// is not text.
func brief(b []byte) string {
	if !utf8.Valid(b) || bytes.ContainsFunc(b, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' }) {
		return fmt.Sprintf("(%d bytes, not text)", len(b))
	}
	return truncate(b)
}

// vaultState is what B's refused calls must leave as it was: A's owner
// record, card, draft and ledger.
type vaultState struct {
	owner   archive.Owner
	card    archive.Document
	draft   forms.StoredDraft
	notes   []notify.Notification
	dossier workflow.Dossier
	share   archive.Share
	ledger  int
	ownerOK bool
}

func (f *fixture) state(t *testing.T) vaultState {
	t.Helper()
	ctx := context.Background()
	var s vaultState
	var err error
	s.owner, err = f.store.GetOwner(ctx, ownerA)
	s.ownerOK = err == nil
	if f.card.ID != "" {
		if s.card, err = f.store.GetDocument(ctx, f.card.ID); err != nil {
			t.Fatal(err)
		}
	}
	if s.notes, err = f.store.ListNotifications(ctx, ownerA, "", 100); err != nil {
		t.Fatal(err)
	}
	if f.draft != "" {
		if s.draft, err = f.store.GetDraft(ctx, f.draft); err != nil {
			t.Fatal(err)
		}
	}
	if f.dossier != "" {
		if s.dossier, err = f.store.GetDossier(ctx, f.dossier); err != nil {
			t.Fatal(err)
		}
	}
	if f.share != "" {
		if s.share, err = f.store.GetShare(ctx, f.share); err != nil {
			t.Fatal(err)
		}
	}
	es, _, err := f.vault.Ledger(ctx, archive.Actor{Subject: ownerA, Role: archive.RoleCitizen}, ownerA, "", "", 1000, archive.Access{})
	if err != nil {
		t.Fatal(err)
	}
	s.ledger = len(es)
	return s
}

// leaks reports the secrets of A's that r shows and req does not hold.
func (f *fixture) leaks(req call, r result) []string {
	var out []string
	var hdr strings.Builder
	for k, vs := range r.header {
		hdr.WriteString(k + ": " + strings.Join(vs, " ") + "\n")
	}
	for _, s := range f.secrets {
		if req.holds(s) {
			continue
		}
		if bytes.Contains(r.body, []byte(s)) || strings.Contains(hdr.String(), s) {
			out = append(out, s)
		}
	}
	return out
}

// runPrivacyRow runs one row on its own server: per case, B's request
// (exact refusal, nothing of A's in the answer, nothing of A's changed),
// the same request naming things that do not exist (the same answer, so
// B learns nothing from it), then the positive control. A bare row makes
// its control first. Finally B is nowhere in A's ledger.
func runPrivacyRow(t *testing.T, row privacyRow) {
	rf := newFixture(t, row.bare)
	for _, c := range row.cases {
		t.Run(c.name, func(t *testing.T) {
			f := rf.with(t)
			control := func() {
				t.Helper()
				req := c.req(f)
				req.token = f.tokenOf(c.by)
				r := f.do(req)
				if r.status != c.ok {
					t.Fatalf("positive control: status %d, want %d: %s", r.status, c.ok, brief(r.body))
				}
				if c.shows != nil {
					want := c.shows(f)
					var all strings.Builder
					all.Write(r.body)
					for k, vs := range r.header {
						all.WriteString(k + ": " + strings.Join(vs, " "))
					}
					if !strings.Contains(all.String(), want) {
						t.Errorf("positive control: the answer does not show %q: %s", want, brief(r.body))
					}
				}
			}
			if row.bare {
				control()
			}
			req := c.req(f)
			if c.bReq != nil {
				req = c.bReq(f)
			}
			req.token = f.citizenB
			for _, in := range c.inputs {
				// The request names A's thing through each input it claims.
				var id string
				switch kind := f.scopeKind(t, row.op, in); kind {
				case scopeOwner:
					id = ownerA
				case scopeDocument:
					id = f.card.ID
				case scopeDraft:
					id = f.draft
				case scopeNote:
					id = f.note
				case scopeDossier:
					id = f.dossier
				case scopeShare:
					id = f.share
				}
				if id != "" && !req.holds(id) {
					t.Errorf("the request claims %s but does not name A's %s (%s)", in, f.scopeKind(t, row.op, in), id)
				}
			}
			before := f.state(t)
			r := f.do(req)
			if r.status != c.status || r.code(t) != c.code {
				t.Errorf("citizen B: %d %q, want %d %q: %s", r.status, r.code(t), c.status, c.code, brief(r.body))
			}
			if l := f.leaks(req, r); len(l) > 0 {
				t.Errorf("citizen B's answer shows A's %q: %s", l, brief(r.body))
			}
			if after := f.state(t); !reflect.DeepEqual(before, after) {
				t.Errorf("citizen B's call changed A's vault:\nbefore %+v\nafter  %+v", before, after)
			}
			// The same request about things that do not exist: the
			// same answer, so that B cannot tell A's things exist.
			g := f.do(f.ghost(req))
			var eb, gb errorBody
			_ = json.Unmarshal(r.body, &eb)
			_ = json.Unmarshal(g.body, &gb)
			if g.status != r.status || gb.Error.Code != eb.Error.Code || gb.Error.Message != eb.Error.Message ||
				(r.status < 300 && !bytes.Equal(g.body, r.body)) {
				t.Errorf("B tells A's things from none: %d %s, but for none %d %s", r.status, brief(r.body), g.status, brief(g.body))
			}
			if req.method == "GET" {
				// Every GET route answers HEAD too: the same status,
				// no body, nothing of A's in the headers.
				h := f.head(req)
				if h.status != r.status || len(h.body) != 0 {
					t.Errorf("citizen B's HEAD: %d with %d bytes, GET was %d", h.status, len(h.body), r.status)
				}
				if l := f.leaks(req, h); len(l) > 0 {
					t.Errorf("citizen B's HEAD shows A's %q in its headers", l)
				}
			}
			if !row.bare {
				control()
			}
		})
	}
	es, _, err := rf.vault.Ledger(context.Background(), archive.Actor{Subject: ownerA, Role: archive.RoleCitizen}, ownerA, "", "", 1000, archive.Access{})
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range es {
		if en.Actor == ownerB {
			t.Errorf("B is in A's ledger: %+v", en)
		}
	}
}

// scopeKind is what input in names for operation op, by its x-kho-scope.
func (f *fixture) scopeKind(t *testing.T, op, in string) string {
	t.Helper()
	for _, so := range specScopes(t) {
		if so.id == op {
			return so.scope[in]
		}
	}
	return ""
}

// checkMatrixCoverage fails for every owner-scoped operation without a
// row, every input a row leaves untried, every input that names an owner,
// a document, a version or a draft without being in x-kho-scope, and
// every operation that is neither in the matrix nor declared unscoped.
//
// An operation in public answers anyone about the thing it names, by
// design, and shows nothing personal of it (its own test says so): it
// needs no x-kho-scope and has no row.
func checkMatrixCoverage(t *testing.T, rows []privacyRow, unscoped, public map[string]string) {
	t.Helper()
	byOp := map[string]privacyRow{}
	for _, r := range rows {
		if _, dup := byOp[r.op]; dup {
			t.Errorf("two rows for %s: keep one row per operation", r.op)
		}
		byOp[r.op] = r
	}
	seen := map[string]bool{}
	for _, so := range specScopes(t) {
		seen[so.id] = true
		what := so.method + " " + so.path + " (" + so.id + ")"
		if so.scopeErr != nil {
			t.Errorf("%s: x-kho-scope is not a map of input to kind: %v", what, so.scopeErr)
		}
		for in, kind := range so.scope {
			if !so.inputs[in] {
				t.Errorf("%s: x-kho-scope names %s, which is not an input of the operation", what, in)
			}
			if kind != scopeOwner && kind != scopeDocument && kind != scopeVersion && kind != scopeDraft && kind != scopeNote && kind != scopeDossier && kind != scopeShare {
				t.Errorf("%s: x-kho-scope %s: unknown kind %q", what, in, kind)
			}
		}
		if reason, ok := public[so.id]; ok {
			if len(so.scope) > 0 || unscoped[so.id] != "" {
				t.Errorf("%s is public by design (%s) but also has x-kho-scope or an unscoped reason", what, reason)
			}
			continue
		}
		for _, in := range slices.Sorted(maps.Keys(so.named)) {
			if so.scope[in] != so.named[in] {
				t.Errorf("%s: input %s names the %s but x-kho-scope says %q: mark it in api/openapi.yaml and add it to the privacy matrix",
					what, in, so.named[in], so.scope[in])
			}
		}
		row, hasRow := byOp[so.id]
		reason, isUnscoped := unscoped[so.id]
		switch {
		case len(so.scope) > 0 && isUnscoped:
			t.Errorf("%s is owner-scoped (x-kho-scope) but listed as unscoped: %s", what, reason)
		case len(so.scope) > 0 && !hasRow:
			t.Errorf("%s is owner-scoped (x-kho-scope %v) but has no row in the privacy matrix", what, so.scope)
		case len(so.scope) == 0 && hasRow:
			t.Errorf("%s has a row but no x-kho-scope in api/openapi.yaml", what)
		case len(so.scope) == 0 && !isUnscoped:
			t.Errorf("%s is new: decide whether it is owner-scoped (x-kho-scope and a row in the privacy matrix) or not (the unscoped list, with why)", what)
		}
		if !hasRow {
			continue
		}
		tried := map[string]bool{}
		for _, c := range row.cases {
			if c.ok == 0 || c.status == 0 || (c.status >= 400) != (c.code != "") {
				t.Errorf("%s, case %q: a positive control status and B's exact status and code are needed", what, c.name)
			}
			for _, in := range c.inputs {
				if _, ok := so.scope[in]; !ok {
					t.Errorf("%s, case %q: %s is not in x-kho-scope", what, c.name, in)
				}
				tried[in] = true
			}
		}
		for in := range so.scope {
			if !tried[in] {
				t.Errorf("%s: no case of its row names A's things through %s", what, in)
			}
		}
		refused := false
		for _, c := range row.cases {
			refused = refused || c.status >= 400
		}
		if !refused {
			t.Errorf("%s: no case of its row is refused to B", what)
		}
	}
	for op := range byOp {
		if !seen[op] {
			t.Errorf("row %s: no such operation in api/openapi.yaml", op)
		}
	}
	for op := range unscoped {
		if !seen[op] {
			t.Errorf("unscoped %s: no such operation in api/openapi.yaml", op)
		}
	}
	for op := range public {
		if !seen[op] {
			t.Errorf("public %s: no such operation in api/openapi.yaml", op)
		}
	}
}
