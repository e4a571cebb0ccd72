package mongo

import (
	"encoding/json"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/auth"
	"github.com/kho-vn/kho/signing"
)

// The unexported structs below are the stored shape of each record. Dates
// (archive.Date) are stored as "YYYY-MM-DD" strings ("" when not given) so
// that string order is date order; times as BSON datetimes (milliseconds),
// read back in UTC.

// utc returns t in UTC truncated to milliseconds, as BSON keeps it.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// parseDate reads a stored date; a malformed one is an Internal error.
func parseDate(s, field string) (archive.Date, error) {
	d, err := archive.ParseDate(s)
	if err != nil {
		return archive.Date{}, newErr(kerr.Internal, "store_corrupt", "Dữ liệu lưu trữ bị hỏng.", "decode "+field, err)
	}
	return d, nil
}

type ownerDoc struct {
	ID             string    `bson:"_id"`
	Kind           string    `bson:"kind"`
	IdentityNumber string    `bson:"identityNumber"`
	Name           string    `bson:"name"`
	BirthYear      int       `bson:"birthYear"`
	IDIssueDate    string    `bson:"idIssueDate"`
	IDIssuer       string    `bson:"idIssuer"`
	QuotaBytes     int64     `bson:"quotaBytes"`
	UsedBytes      int64     `bson:"usedBytes"`
	DocumentCount  int64     `bson:"documentCount"`
	CreatedAt      time.Time `bson:"createdAt"`
	Rev            int64     `bson:"rev"`
}

func fromOwner(o archive.Owner) ownerDoc {
	return ownerDoc{
		ID: o.ID, Kind: string(o.Kind), IdentityNumber: o.IdentityNumber, Name: o.Name,
		BirthYear: o.BirthYear, IDIssueDate: o.IDIssueDate.String(), IDIssuer: o.IDIssuer,
		QuotaBytes: o.QuotaBytes, UsedBytes: o.UsedBytes, DocumentCount: o.DocumentCount,
		CreatedAt: o.CreatedAt, Rev: o.Rev,
	}
}

func (d ownerDoc) owner() (archive.Owner, error) {
	issued, err := parseDate(d.IDIssueDate, "owner.idIssueDate")
	if err != nil {
		return archive.Owner{}, err
	}
	return archive.Owner{
		ID: d.ID, Kind: archive.OwnerKind(d.Kind), IdentityNumber: d.IdentityNumber, Name: d.Name,
		BirthYear: d.BirthYear, IDIssueDate: issued, IDIssuer: d.IDIssuer,
		QuotaBytes: d.QuotaBytes, UsedBytes: d.UsedBytes, DocumentCount: d.DocumentCount,
		CreatedAt: utc(d.CreatedAt), Rev: d.Rev,
	}, nil
}

type fieldDefDoc struct {
	Name     string `bson:"name"`
	Label    string `bson:"label"`
	Type     string `bson:"type"`
	Required bool   `bson:"required"`
}

type docTypeDoc struct {
	Code        string        `bson:"_id"`
	Name        string        `bson:"name"`
	Description string        `bson:"description"`
	Fields      []fieldDefDoc `bson:"fields"`
	// Schema is the type's eForm definition as JSON text (absent in
	// entries written before schemas; the archive converts Fields then).
	Schema string `bson:"schema,omitempty"`
	// Retention is the type's retention period (absent: for ever).
	Retention *retentionDoc `bson:"retention,omitempty"`
	UpdatedAt time.Time     `bson:"updatedAt"`
}

type retentionDoc struct {
	Permanent bool `bson:"permanent,omitempty"`
	Years     int  `bson:"years,omitempty"`
}

func fromDocType(t archive.DocumentType) docTypeDoc {
	d := docTypeDoc{Code: t.Code, Name: t.Name, Description: t.Description, Schema: string(t.Schema), UpdatedAt: t.UpdatedAt}
	if t.Retention != nil {
		d.Retention = &retentionDoc{Permanent: t.Retention.Permanent, Years: t.Retention.Years}
	}
	for _, f := range t.Fields {
		d.Fields = append(d.Fields, fieldDefDoc{Name: f.Name, Label: f.Label, Type: string(f.Type), Required: f.Required})
	}
	return d
}

func (d docTypeDoc) docType() archive.DocumentType {
	t := archive.DocumentType{Code: d.Code, Name: d.Name, Description: d.Description, UpdatedAt: utc(d.UpdatedAt)}
	if d.Retention != nil {
		t.Retention = &archive.Retention{Permanent: d.Retention.Permanent, Years: d.Retention.Years}
	}
	if d.Schema != "" {
		t.Schema = json.RawMessage(d.Schema)
	}
	for _, f := range d.Fields {
		t.Fields = append(t.Fields, archive.FieldDef{Name: f.Name, Label: f.Label, Type: archive.FieldType(f.Type), Required: f.Required})
	}
	return t
}

type componentDoc struct {
	Code      string   `bson:"code"`
	Name      string   `bson:"name"`
	TypeCodes []string `bson:"typeCodes"`
	Required  bool     `bson:"required"`
}

type procedureDoc struct {
	Code       string         `bson:"_id"`
	Name       string         `bson:"name"`
	Components []componentDoc `bson:"components"`
	UpdatedAt  time.Time      `bson:"updatedAt"`
}

func fromProcedure(p archive.Procedure) procedureDoc {
	d := procedureDoc{Code: p.Code, Name: p.Name, UpdatedAt: p.UpdatedAt, Components: []componentDoc{}}
	for _, c := range p.Components {
		d.Components = append(d.Components, componentDoc{Code: c.Code, Name: c.Name, TypeCodes: c.TypeCodes, Required: c.Required})
	}
	return d
}

func (d procedureDoc) procedure() archive.Procedure {
	p := archive.Procedure{Code: d.Code, Name: d.Name, UpdatedAt: utc(d.UpdatedAt)}
	for _, c := range d.Components {
		p.Components = append(p.Components, archive.Component{Code: c.Code, Name: c.Name, TypeCodes: c.TypeCodes, Required: c.Required})
	}
	return p
}

// metaDoc is archive.Metadata; it is inlined in documentDoc so that list
// filters address top-level fields.
type metaDoc struct {
	TypeCode      string         `bson:"typeCode"`
	Name          string         `bson:"name"`
	Summary       string         `bson:"summary"`
	Number        string         `bson:"number"`
	Issuer        string         `bson:"issuer"`
	IssueDate     string         `bson:"issueDate"`
	ValidFrom     string         `bson:"validFrom"`
	ValidUntil    string         `bson:"validUntil"` // "" = no end given
	Permanent     bool           `bson:"permanent"`
	ValidityScope string         `bson:"validityScope"`
	Status        string         `bson:"status"`
	Fields        map[string]any `bson:"fields,omitempty"`
}

func fromMeta(m archive.Metadata) (metaDoc, error) {
	fields, err := normalizeFields(m.Fields)
	if err != nil {
		return metaDoc{}, err
	}
	return metaDoc{
		TypeCode: m.TypeCode, Name: m.Name, Summary: m.Summary, Number: m.Number, Issuer: m.Issuer,
		IssueDate: m.IssueDate.String(), ValidFrom: m.ValidFrom.String(), ValidUntil: m.ValidUntil.String(),
		Permanent: m.Permanent, ValidityScope: m.ValidityScope, Status: string(m.Status), Fields: fields,
	}, nil
}

func (d metaDoc) meta() (archive.Metadata, error) {
	issue, err := parseDate(d.IssueDate, "issueDate")
	if err != nil {
		return archive.Metadata{}, err
	}
	from, err := parseDate(d.ValidFrom, "validFrom")
	if err != nil {
		return archive.Metadata{}, err
	}
	until, err := parseDate(d.ValidUntil, "validUntil")
	if err != nil {
		return archive.Metadata{}, err
	}
	var fields map[string]any
	if len(d.Fields) > 0 {
		fields = make(map[string]any, len(d.Fields))
		for k, v := range d.Fields {
			fields[k] = plain(v)
		}
	}
	return archive.Metadata{
		TypeCode: d.TypeCode, Name: d.Name, Summary: d.Summary, Number: d.Number, Issuer: d.Issuer,
		IssueDate: issue, ValidFrom: from, ValidUntil: until, Permanent: d.Permanent,
		ValidityScope: d.ValidityScope, Status: archive.Status(d.Status), Fields: fields,
	}, nil
}

// normalizeFields gives a document's typed fields JSON semantics (numbers
// become float64, nested values maps and slices), the same values that the
// embedded store and the JSON API give back.
func normalizeFields(f map[string]any) (map[string]any, error) {
	if len(f) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(f)
	if err != nil {
		return nil, kerr.New(kerr.Invalid, "invalid_fields", "Các trường thông tin của giấy tờ không hợp lệ.", "mongo: fields do not encode as JSON: %v", err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, kerr.New(kerr.Invalid, "invalid_fields", "Các trường thông tin của giấy tờ không hợp lệ.", "mongo: fields do not decode as JSON: %v", err)
	}
	return out, nil
}

// plain converts a decoded BSON value to JSON-like Go values, so that no
// driver type (bson.D, bson.A, int32) leaves the package.
func plain(v any) any {
	switch v := v.(type) {
	case bson.D:
		m := make(map[string]any, len(v))
		for _, e := range v {
			m[e.Key] = plain(e.Value)
		}
		return m
	case bson.M:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = plain(x)
		}
		return m
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = plain(x)
		}
		return m
	case bson.A:
		a := make([]any, len(v))
		for i, x := range v {
			a[i] = plain(x)
		}
		return a
	case []any:
		a := make([]any, len(v))
		for i, x := range v {
			a[i] = plain(x)
		}
		return a
	case int32:
		return float64(v)
	case int64:
		return float64(v)
	case int:
		return float64(v)
	case bson.DateTime:
		return v.Time().UTC().Format(time.RFC3339Nano)
	case bson.Null:
		return nil
	case bson.ObjectID:
		return v.Hex()
	case string, float64, bool, nil:
		return v
	}
	return fmt.Sprint(v)
}

type versionDoc struct {
	N         int       `bson:"n"`
	Blob      string    `bson:"blob"`
	Size      int64     `bson:"size"`
	MediaType string    `bson:"mediaType"`
	FileName  string    `bson:"fileName"`
	Change    string    `bson:"change"`
	CreatedBy string    `bson:"createdBy"`
	CreatedAt time.Time `bson:"createdAt"`
	Meta      metaDoc   `bson:"meta"`
	Source    string    `bson:"source,omitempty"`
	// Signature is absent when the version was not checked.
	Signature *signatureDoc `bson:"signature,omitempty"`
}

// signatureDoc is archive.SignatureSummary. ListDocuments filters on
// current.signature.signed.
type signatureDoc struct {
	Signed        bool      `bson:"signed"`
	Count         int       `bson:"count"`
	Verdict       string    `bson:"verdict"`
	SubIndication string    `bson:"subIndication,omitempty"`
	Signers       []string  `bson:"signers,omitempty"`
	Level         string    `bson:"level,omitempty"`
	VerifiedAt    time.Time `bson:"verifiedAt"`
	Message       string    `bson:"message,omitempty"`
	Report        string    `bson:"report,omitempty"`
	// ExpiresAt is the validation expiry (archive.LTVStore; absent when
	// unknown, which the index ltv_signed_expires_id reads as null).
	ExpiresAt *time.Time `bson:"expiresAt,omitempty"`
}

func fromSignature(s *archive.SignatureSummary) *signatureDoc {
	if s == nil {
		return nil
	}
	return &signatureDoc{Signed: s.Signed, Count: s.Count, Verdict: string(s.Verdict), SubIndication: s.SubIndication,
		Signers: s.Signers, Level: s.Level, VerifiedAt: s.VerifiedAt, Message: s.Message, Report: s.Report, ExpiresAt: expiresAt(s.ExpiresAt)}
}

// expiresAt is the stored form of a validation expiry: nil when unknown.
func expiresAt(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC().Truncate(time.Second)
	return &t
}

func (d *signatureDoc) summary() *archive.SignatureSummary {
	if d == nil {
		return nil
	}
	sum := &archive.SignatureSummary{Signed: d.Signed, Count: d.Count, Verdict: signing.Verdict(d.Verdict), SubIndication: d.SubIndication,
		Signers: d.Signers, Level: d.Level, VerifiedAt: utc(d.VerifiedAt), Message: d.Message, Report: d.Report}
	if d.ExpiresAt != nil {
		sum.ExpiresAt = utc(*d.ExpiresAt)
	}
	return sum
}

func fromVersion(v archive.Version) (versionDoc, error) {
	m, err := fromMeta(v.Meta)
	if err != nil {
		return versionDoc{}, err
	}
	return versionDoc{
		N: v.N, Blob: v.Blob, Size: v.Size, MediaType: v.MediaType, FileName: v.FileName,
		Change: v.Change, CreatedBy: v.CreatedBy, CreatedAt: v.CreatedAt, Meta: m,
		Source: string(v.Source), Signature: fromSignature(v.Signature),
	}, nil
}

func (d versionDoc) version() (archive.Version, error) {
	m, err := d.Meta.meta()
	if err != nil {
		return archive.Version{}, err
	}
	return archive.Version{
		N: d.N, Blob: d.Blob, Size: d.Size, MediaType: d.MediaType, FileName: d.FileName,
		Change: d.Change, CreatedBy: d.CreatedBy, CreatedAt: utc(d.CreatedAt), Meta: m,
		Source: archive.Source(d.Source), Signature: d.Signature.summary(),
	}, nil
}

// blobsOf lists the blobs a version references: its content and its
// signature report.
func (d versionDoc) blobsOf() []string {
	if d.Signature != nil && d.Signature.Report != "" && d.Signature.Report != d.Blob {
		return []string{d.Blob, d.Signature.Report}
	}
	return []string{d.Blob}
}

// documentDoc is a document with its whole version history.
//
// Versions are embedded in the document (an array, oldest first, plus the
// "blobs" array of every version's hash, indexed for BlobReferenced) rather
// than kept in a separate collection, because the store has no
// transactions: appending a version, moving Current and bumping Rev must be
// one atomic write, and only a single-document update gives that. With a
// separate collection a crash between the two writes would leave a version
// that no document points at, or a document whose Current has no version
// record, and every reader would have to repair it. The cost — a document
// grows by about 1 KB per version, far below the 16 MB limit for the few
// dozen versions a paper gets — is paid only by readers that ask for the
// history: GetDocument and ListDocuments project "versions" and "blobs" away.
type documentDoc struct {
	ID           string       `bson:"_id"`
	OwnerID      string       `bson:"ownerId"`
	Source       string       `bson:"source"`
	Meta         metaDoc      `bson:",inline"`
	Current      versionDoc   `bson:"current"`
	VersionCount int          `bson:"versionCount"`
	ReuseCount   int64        `bson:"reuseCount"`
	SearchText   string       `bson:"searchText"`
	CreatedBy    string       `bson:"createdBy"`
	CreatedAt    time.Time    `bson:"createdAt"`
	UpdatedAt    time.Time    `bson:"updatedAt"`
	Rev          int64        `bson:"rev"`
	Versions     []versionDoc `bson:"versions,omitempty"`
	Blobs        []string     `bson:"blobs,omitempty"`
	// SearchVersion is the archive.SearchTextVersion of SearchText's
	// rules; absent (0) in documents stored before it was kept.
	SearchVersion int `bson:"searchVersion,omitempty"`
	// IssuedBy and StatusChange are absent on papers no agency issued
	// and on valid ones.
	IssuedBy     *issuedByDoc     `bson:"issuedBy,omitempty"`
	StatusChange *statusChangeDoc `bson:"statusChange,omitempty"`
}

// issuedByDoc is archive.IssuedBy.
type issuedByDoc struct {
	Kind       string    `bson:"kind"`
	Agency     string    `bson:"agency"`
	AgencyName string    `bson:"agencyName"`
	Dossier    string    `bson:"dossier"`
	Procedure  string    `bson:"procedure,omitempty"`
	Number     string    `bson:"number,omitempty"`
	IssuedAt   time.Time `bson:"issuedAt"`
	By         string    `bson:"by"`
}

func fromIssuedBy(ib *archive.IssuedBy) *issuedByDoc {
	if ib == nil {
		return nil
	}
	return &issuedByDoc{Kind: string(ib.Kind), Agency: ib.Agency, AgencyName: ib.AgencyName, Dossier: ib.Dossier,
		Procedure: ib.Procedure, Number: ib.Number, IssuedAt: ib.IssuedAt, By: ib.By}
}

func (d *issuedByDoc) issuedBy() *archive.IssuedBy {
	if d == nil {
		return nil
	}
	return &archive.IssuedBy{Kind: archive.IssueKind(d.Kind), Agency: d.Agency, AgencyName: d.AgencyName, Dossier: d.Dossier,
		Procedure: d.Procedure, Number: d.Number, IssuedAt: utc(d.IssuedAt), By: d.By}
}

// statusChangeDoc is archive.StatusChange.
type statusChangeDoc struct {
	Status     string    `bson:"status"`
	Agency     string    `bson:"agency"`
	By         string    `bson:"by"`
	At         time.Time `bson:"at"`
	Reason     string    `bson:"reason"`
	ReplacedBy string    `bson:"replacedBy,omitempty"`
}

func fromStatusChange(c *archive.StatusChange) *statusChangeDoc {
	if c == nil {
		return nil
	}
	return &statusChangeDoc{Status: string(c.Status), Agency: c.Agency, By: c.By, At: c.At, Reason: c.Reason, ReplacedBy: c.ReplacedBy}
}

func (d *statusChangeDoc) statusChange() *archive.StatusChange {
	if d == nil {
		return nil
	}
	return &archive.StatusChange{Status: archive.Status(d.Status), Agency: d.Agency, By: d.By, At: utc(d.At), Reason: d.Reason, ReplacedBy: d.ReplacedBy}
}

// issueDoc is archive.IssueRecord; its _id is the record's key.
type issueDoc struct {
	Key        string    `bson:"_id"`
	Agency     string    `bson:"agency"`
	Dossier    string    `bson:"dossier"`
	Kind       string    `bson:"kind"`
	Number     string    `bson:"number"`
	DocumentID string    `bson:"documentId"`
	OwnerID    string    `bson:"ownerId"`
	At         time.Time `bson:"at"`
}

func fromIssue(r archive.IssueRecord) issueDoc {
	return issueDoc{Key: r.Key, Agency: r.Agency, Dossier: r.Dossier, Kind: string(r.Kind), Number: r.Number,
		DocumentID: r.DocumentID, OwnerID: r.OwnerID, At: r.At}
}

func (d issueDoc) issue() archive.IssueRecord {
	return archive.IssueRecord{Key: d.Key, Agency: d.Agency, Dossier: d.Dossier, Kind: archive.IssueKind(d.Kind), Number: d.Number,
		DocumentID: d.DocumentID, OwnerID: d.OwnerID, At: utc(d.At)}
}

// documentProjection leaves out the version history.
func documentProjection() bson.D {
	return bson.D{{Key: "versions", Value: 0}, {Key: "blobs", Value: 0}}
}

func (d documentDoc) document() (archive.Document, error) {
	m, err := d.Meta.meta()
	if err != nil {
		return archive.Document{}, err
	}
	cur, err := d.Current.version()
	if err != nil {
		return archive.Document{}, err
	}
	return archive.Document{
		ID: d.ID, OwnerID: d.OwnerID, Source: archive.Source(d.Source), Metadata: m,
		Current: cur, VersionCount: d.VersionCount, ReuseCount: d.ReuseCount, SearchText: d.SearchText, SearchVersion: d.SearchVersion,
		CreatedBy: d.CreatedBy, CreatedAt: utc(d.CreatedAt), UpdatedAt: utc(d.UpdatedAt), Rev: d.Rev,
		IssuedBy: d.IssuedBy.issuedBy(), StatusChange: d.StatusChange.statusChange(),
	}, nil
}

type reuseDoc struct {
	ID         string    `bson:"_id"`
	DocumentID string    `bson:"documentId"`
	OwnerID    string    `bson:"ownerId"`
	TypeCode   string    `bson:"typeCode"`
	Version    int       `bson:"version"`
	Dossier    string    `bson:"dossier"`
	Purpose    string    `bson:"purpose"`
	Procedure  string    `bson:"procedure,omitempty"`
	By         string    `bson:"by"`
	At         time.Time `bson:"at"`
}

func fromReuse(r archive.ReuseRecord) reuseDoc {
	return reuseDoc{ID: r.ID, DocumentID: r.DocumentID, OwnerID: r.OwnerID, TypeCode: r.TypeCode,
		Version: r.Version, Dossier: r.Dossier, Purpose: r.Purpose, Procedure: r.Procedure, By: r.By, At: r.At}
}

func (d reuseDoc) reuse() archive.ReuseRecord {
	return archive.ReuseRecord{ID: d.ID, DocumentID: d.DocumentID, OwnerID: d.OwnerID, TypeCode: d.TypeCode,
		Version: d.Version, Dossier: d.Dossier, Purpose: d.Purpose, Procedure: d.Procedure, By: d.By, At: utc(d.At)}
}

// ledgerDoc is a ledger entry. Its _id is chain, lane and seq together, so
// that even without the unique (chain, lane, seq) index an entry cannot be
// written twice. Key is archive.LedgerKey, the listing and scan order.
type ledgerDoc struct {
	ID         string    `bson:"_id"`
	Chain      string    `bson:"chain"`
	Lane       string    `bson:"lane"`
	Seq        int64     `bson:"seq"`
	Key        string    `bson:"key"`
	At         time.Time `bson:"at"`
	Actor      string    `bson:"actor"`
	ActorRole  string    `bson:"actorRole"`
	Action     string    `bson:"action"`
	DocumentID string    `bson:"documentId"`
	Version    int       `bson:"version"`
	Purpose    string    `bson:"purpose"`
	Dossier    string    `bson:"dossier"`
	Share      string    `bson:"share,omitempty"`
	Grantee    string    `bson:"grantee,omitempty"`
	PrevHash   string    `bson:"prevHash"`
	Hash       string    `bson:"hash"`
}

// ledgerID is the _id of entry seq of a lane of chain; entries of the lane
// "" (made before lanes existed) keep the _id they had.
func ledgerID(chain, lane string, seq int64) string {
	if lane == "" {
		return fmt.Sprintf("%s/%019d", chain, seq)
	}
	return fmt.Sprintf("%s/%s/%019d", chain, lane, seq)
}

func fromLedger(e archive.LedgerEntry) ledgerDoc {
	return ledgerDoc{ID: ledgerID(e.Chain, e.Lane, e.Seq), Chain: e.Chain, Lane: e.Lane, Seq: e.Seq, Key: archive.LedgerKey(e),
		At: e.At, Actor: e.Actor, ActorRole: string(e.ActorRole), Action: string(e.Action), DocumentID: e.DocumentID,
		Version: e.Version, Purpose: e.Purpose, Dossier: e.Dossier, Share: e.Share, Grantee: e.Grantee, PrevHash: e.PrevHash, Hash: e.Hash}
}

func (d ledgerDoc) entry() archive.LedgerEntry {
	return archive.LedgerEntry{Chain: d.Chain, Lane: d.Lane, Seq: d.Seq, At: utc(d.At), Actor: d.Actor,
		ActorRole: archive.Role(d.ActorRole), Action: archive.Action(d.Action), DocumentID: d.DocumentID,
		Version: d.Version, Purpose: d.Purpose, Dossier: d.Dossier, Share: d.Share, Grantee: d.Grantee, PrevHash: d.PrevHash, Hash: d.Hash}
}

type tokenDoc struct {
	ID        string    `bson:"_id"`
	Hash      string    `bson:"hash"`
	Subject   string    `bson:"subject"`
	Role      string    `bson:"role"`
	Name      string    `bson:"name"`
	CreatedAt time.Time `bson:"createdAt"`
	// ExpiresAt is absent when the token does not expire.
	ExpiresAt *time.Time `bson:"expiresAt,omitempty"`
	Revoked   bool       `bson:"revoked"`
	// Agency is absent on tokens that act for no agency.
	Agency string `bson:"agency,omitempty"`
}

func fromToken(t auth.Token) tokenDoc {
	d := tokenDoc{ID: t.ID, Hash: t.Hash, Subject: t.Subject, Role: string(t.Role), Name: t.Name,
		CreatedAt: t.CreatedAt, Revoked: t.Revoked, Agency: t.Agency}
	if !t.ExpiresAt.IsZero() {
		e := t.ExpiresAt
		d.ExpiresAt = &e
	}
	return d
}

func (d tokenDoc) token() auth.Token {
	t := auth.Token{ID: d.ID, Hash: d.Hash, Subject: d.Subject, Role: archive.Role(d.Role), Name: d.Name,
		CreatedAt: utc(d.CreatedAt), Revoked: d.Revoked, Agency: d.Agency}
	if d.ExpiresAt != nil {
		t.ExpiresAt = utc(*d.ExpiresAt)
	}
	return t
}
