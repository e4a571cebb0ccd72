// Package archive is the vault (Kho quản lý dữ liệu điện tử của tổ chức, cá
// nhân): owners, document types, documents with immutable versions, reuse,
// per-owner statistics and quotas, and the hash-chained access ledger.
//
// The package declares the metadata store it consumes (Store, in store.go);
// storage/sqlite and storage/mongo implement it and both pass the conformance
// suite in archive/archivetest. Blobs live in a storage.Bucket.
package archive

import (
	"encoding/json"
	"fmt"
	"time"
)

// Role is what an authenticated caller may do.
type Role string

// The roles.
const (
	RoleCitizen Role = "citizen" // an owner: sees and changes only their own vault
	RoleStaff   Role = "staff"   // agency staff: reads and writes any owner's vault, for a purpose
	RoleAdmin   Role = "admin"   // administrator: everything staff can, plus catalogue, quotas, tokens
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleCitizen || r == RoleStaff || r == RoleAdmin }

// Actor is who is acting: the subject of an authenticated token and its role.
// A citizen's Subject is their owner ID (identity number).
type Actor struct {
	Subject string `json:"subject"`
	Role    Role   `json:"role"`
	// Agency is the code of the agency (mã định danh cơ quan) a staff or
	// admin token acts for; "" for citizens and for staff of no agency.
	// Only an actor of an agency issues, revokes and supersedes papers in
	// its name (Service.Issue).
	Agency string `json:"agency,omitempty"`
}

// OwnerKind says whether an owner is a person or an organisation.
type OwnerKind string

// The owner kinds.
const (
	Individual   OwnerKind = "individual"
	Organization OwnerKind = "organization"
)

// Owner is a person or an organisation that has a vault.
//
// ID is the identity number (12-digit personal ID, or the organisation's
// code) when there is one; otherwise it is derived from name, birth year,
// issue date and issuing authority of the identity paper (2025 appendix item
// 5.1.b) — see OwnerKey.
type Owner struct {
	ID             string    `json:"id"`
	Kind           OwnerKind `json:"kind"`
	IdentityNumber string    `json:"identityNumber,omitempty"`
	Name           string    `json:"name,omitempty"`
	BirthYear      int       `json:"birthYear,omitempty"`
	IDIssueDate    Date      `json:"idIssueDate,omitzero"`
	IDIssuer       string    `json:"idIssuer,omitempty"`
	// QuotaBytes is the storage quota; 0 means the service default applies.
	QuotaBytes int64 `json:"quotaBytes"`
	// UsedBytes and DocumentCount are maintained by Store.AddUsage.
	UsedBytes     int64     `json:"usedBytes"`
	DocumentCount int64     `json:"documentCount"`
	CreatedAt     time.Time `json:"createdAt"`
	Rev           int64     `json:"rev"`
}

// FieldType is the type of a typed extra field of a document type.
type FieldType string

// The field types.
const (
	FieldString FieldType = "string"
	FieldNumber FieldType = "number"
	FieldDate   FieldType = "date" // "YYYY-MM-DD"
	FieldBool   FieldType = "bool"
)

// FieldDef defines one typed extra field of a document type (2025 item 28.4).
type FieldDef struct {
	Name     string    `json:"name"`  // key in Document.Fields, [a-zA-Z][a-zA-Z0-9_]*
	Label    string    `json:"label"` // Vietnamese label
	Type     FieldType `json:"type"`
	Required bool      `json:"required,omitempty"`
}

// DocumentType is one entry of the document-type catalogue (mã loại giấy tờ).
//
// Its typed fields are described by Schema, an eForm definition of kind
// "documentType" (package forms; docs/forms.md) whose code is the type's
// code. On input a type may instead name a definition shipped with Kho
// (SchemaRef) or give the old field list (Fields), which is converted; the
// stored type always holds the whole definition in Schema, and Fields is
// then a read-only summary of its single-valued fields for older clients.
type DocumentType struct {
	Code        string          `json:"code"`
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Schema      json.RawMessage `json:"schema,omitempty"`
	SchemaRef   *SchemaRef      `json:"schemaRef,omitempty"`
	Fields      []FieldDef      `json:"fields,omitempty"`
	// Retention is how long its papers are kept as agency records
	// (retention.go); nil: for ever.
	Retention *Retention `json:"retention,omitempty"`
	UpdatedAt time.Time  `json:"updatedAt"`
}

// Component is one required part (thành phần hồ sơ) of a procedure, mapped
// to the document types that satisfy it (2025 item 28.1).
type Component struct {
	Code      string   `json:"code"`
	Name      string   `json:"name"`
	TypeCodes []string `json:"typeCodes"`
	Required  bool     `json:"required,omitempty"`
}

// Procedure is an administrative procedure (thủ tục hành chính) and its components.
type Procedure struct {
	Code       string      `json:"code"`
	Name       string      `json:"name"`
	Components []Component `json:"components"`
	UpdatedAt  time.Time   `json:"updatedAt"`
}

// Source says how a document came into the vault (2025 item 29).
type Source string

// The sources.
const (
	SourceUpload    Source = "upload"    // uploaded by the citizen
	SourceComponent Source = "component" // a component of a dossier
	SourceResult    Source = "result"    // a result issued by an agency
	SourceDigitised Source = "digitised" // scanned from paper
	SourceImported  Source = "imported"  // imported from another vault
	SourceRejected  Source = "rejected"  // from a dossier refused at intake (29.2)
)

// Valid reports whether s is a known source.
func (s Source) Valid() bool {
	switch s {
	case SourceUpload, SourceComponent, SourceResult, SourceDigitised, SourceImported, SourceRejected:
		return true
	}
	return false
}

// Status is the stored status of a document. "expired" is never stored: it
// is derived from the validity period (see Document.EffectiveStatus).
type Status string

// The statuses.
const (
	StatusValid      Status = "valid"
	StatusSuperseded Status = "superseded"
	StatusRevoked    Status = "revoked"
	StatusExpired    Status = "expired" // derived only
)

// Valid reports whether s may be stored.
func (s Status) Valid() bool {
	return s == StatusValid || s == StatusSuperseded || s == StatusRevoked
}

// Version is one immutable version of a document. Every content change and
// every metadata change makes a new version; a metadata-only version points
// at the same blob as the one before it.
type Version struct {
	N         int       `json:"n"`    // 1, 2, 3, …
	Blob      string    `json:"blob"` // lowercase hex SHA-256 of the content
	Size      int64     `json:"size"`
	MediaType string    `json:"mediaType"`
	FileName  string    `json:"fileName"`
	Change    string    `json:"change"` // "create", "content" or "metadata"
	CreatedBy string    `json:"createdBy"`
	CreatedAt time.Time `json:"createdAt"`
	// Meta is the document's metadata as it was at this version.
	Meta Metadata `json:"meta"`
	// Source is SourceResult for a version the agency made by signing the
	// one before it (Service.SignVersion); "" otherwise.
	Source Source `json:"source,omitempty"`
	// Signature is what the vault's verifier made of this version's
	// signatures; nil when it was not checked (not a PDF, no verifier).
	Signature *SignatureSummary `json:"signature,omitempty"`
}

// Metadata is the descriptive part of a document, kept with every version.
type Metadata struct {
	TypeCode      string         `json:"typeCode"`
	Name          string         `json:"name"`
	Summary       string         `json:"summary,omitempty"`
	Number        string         `json:"number,omitempty"` // số hiệu
	Issuer        string         `json:"issuer,omitempty"`
	IssueDate     Date           `json:"issueDate,omitzero"`
	ValidFrom     Date           `json:"validFrom,omitzero"`
	ValidUntil    Date           `json:"validUntil,omitzero"` // zero with Permanent false: no end given
	Permanent     bool           `json:"permanent,omitempty"`
	ValidityScope string         `json:"validityScope,omitempty"`
	Status        Status         `json:"status"`
	Fields        map[string]any `json:"fields,omitempty"` // typed extra fields of the document type
}

// Document is one paper in an owner's vault, with its current version.
type Document struct {
	ID      string `json:"id"`
	OwnerID string `json:"ownerId"`
	Source  Source `json:"source"`
	Metadata
	// Current is the latest version; VersionCount is its N.
	Current      Version `json:"current"`
	VersionCount int     `json:"versionCount"`
	ReuseCount   int64   `json:"reuseCount"`
	// SearchText is the folded (lowercase, no diacritics) text that word
	// search matches against: the name, summary and free-text typed fields
	// (see SearchText). SearchVersion is the SearchTextVersion of the rules
	// that made it; 0 for documents stored before versions were kept.
	SearchText    string    `json:"-"`
	SearchVersion int       `json:"-"`
	CreatedBy     string    `json:"createdBy"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
	// Rev guards every update: a store applies an update only when the
	// stored Rev equals the caller's expected Rev, and then increments it.
	Rev int64 `json:"rev"`
	// IssuedBy is set on a paper an agency issued into the vault
	// (Service.Issue, Service.StoreRefused); it never changes after.
	IssuedBy *IssuedBy `json:"issuedBy,omitempty"`
	// StatusChange says who revoked or superseded the paper, when and why
	// (Service.Revoke, Service.Supersede); nil while it is valid.
	StatusChange *StatusChange `json:"statusChange,omitempty"`
}

// IssueKind says what an agency put into a vault.
type IssueKind string

// The issue kinds.
const (
	IssueResult  IssueKind = "result"  // the signed result of a dossier (kết quả giải quyết)
	IssueRefusal IssueKind = "refusal" // a file of a dossier refused at intake (2025 item 29.2)
	// IssueDigitised is a paper a staff member scanned for its owner
	// (Service.Digitise): IssuedBy names the staff member and their
	// agency, who digitised it — not who issued the paper (Metadata.Issuer).
	IssueDigitised IssueKind = "digitised"
)

// IssuedBy records which agency issued a paper, for which dossier; for a
// digitised paper (Kind IssueDigitised), which agency's staff member
// scanned it and when (Dossier empty).
type IssuedBy struct {
	Kind       IssueKind `json:"kind"`
	Agency     string    `json:"agency"` // agency code, e.g. 000.00.31.H29
	AgencyName string    `json:"agencyName"`
	Dossier    string    `json:"dossier"`
	// Procedure is the code of the dossier's procedure, when known.
	Procedure string    `json:"procedure,omitempty"`
	Number    string    `json:"number,omitempty"` // the paper's number (số hiệu); for a refusal, the file's position
	IssuedAt  time.Time `json:"issuedAt"`
	By        string    `json:"by"` // the staff subject who issued it
}

// StatusChange records the issuing agency's revocation or replacement of
// a paper.
type StatusChange struct {
	Status     Status    `json:"status"` // revoked or superseded
	Agency     string    `json:"agency"`
	By         string    `json:"by"`
	At         time.Time `json:"at"`
	Reason     string    `json:"reason"`
	ReplacedBy string    `json:"replacedBy,omitempty"` // the new paper's ID, when superseded
}

// IssueRecord is one entry of the register of issued papers: the key of
// one issue (IssueKey) and the document it made. The register makes an
// issue idempotent and answers which papers a dossier issued.
type IssueRecord struct {
	Key        string    `json:"key"`
	Agency     string    `json:"agency"`
	Dossier    string    `json:"dossier"`
	Kind       IssueKind `json:"kind"`
	Number     string    `json:"number"`
	DocumentID string    `json:"documentId"`
	OwnerID    string    `json:"ownerId"`
	At         time.Time `json:"at"`
}

// IssueKey is the register key of an issue: agency, dossier, kind and
// number joined by "/". Agency and dossier never hold "/", so the keys of
// one dossier are those with the prefix IssueKeyPrefix(agency, dossier).
func IssueKey(agency, dossier string, kind IssueKind, number string) string {
	return IssueKeyPrefix(agency, dossier) + string(kind) + "/" + number
}

// IssueKeyPrefix is the common prefix of the register keys of one dossier.
func IssueKeyPrefix(agency, dossier string) string { return agency + "/" + dossier + "/" }

// EffectiveStatus is the stored status, or StatusExpired when the document
// is valid but its validity period ended before day.
func (d *Document) EffectiveStatus(day Date) Status {
	if d.Status == StatusValid && !d.Permanent && !d.ValidUntil.IsZero() && d.ValidUntil.Before(day) {
		return StatusExpired
	}
	return d.Status
}

// ReuseRecord records one reuse of a document in a dossier (2025 item 28.2–28.3).
type ReuseRecord struct {
	ID         string `json:"id"`
	DocumentID string `json:"documentId"`
	OwnerID    string `json:"ownerId"`
	TypeCode   string `json:"typeCode"`
	Version    int    `json:"version"`
	Dossier    string `json:"dossier"`
	Purpose    string `json:"purpose,omitempty"`
	// Procedure is the code of the dossier's procedure, when known.
	Procedure string    `json:"procedure,omitempty"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
}

// Action is what a ledger entry records.
type Action string

// The ledger actions. The first group changes or reads one paper; the
// second records a staff or admin read of an owner's data that shows more
// than one paper, or none (such an entry has no DocumentID, except
// ActionVersions and ActionReuses, which name the paper).
const (
	ActionCreate   Action = "create"
	ActionVersion  Action = "version"
	ActionUpdate   Action = "update"
	ActionRead     Action = "read"
	ActionDownload Action = "download"
	ActionReuse    Action = "reuse"
	ActionShare    Action = "share"   // the owner shared a paper (Service.ShareDocument)
	ActionUnshare  Action = "unshare" // the owner revoked a share (Service.RevokeShare)
	// An agency's acts on a paper it issued (Service.Issue, Revoke, Supersede).
	ActionIssue     Action = "issue"
	ActionRevoke    Action = "revoke"
	ActionSupersede Action = "supersede"
	// ActionPaperCopy: staff printed a paper copy of the paper (PaperCopier.Print).
	ActionPaperCopy Action = "paper_copy"

	ActionList     Action = "list"     // a listing or search of the owner's papers
	ActionVersions Action = "versions" // the list of a paper's versions
	ActionReusable Action = "reusable" // the owner's papers reusable for a type or component
	ActionReuses   Action = "reuses"   // the dossiers a paper was reused in
	ActionProfile  Action = "profile"  // the owner's record (name, identity paper)
	ActionStats    Action = "stats"    // the owner's storage and reuse statistics
	ActionLedger   Action = "ledger"   // the owner's access ledger
	ActionDossier  Action = "dossier"  // a dossier of the owner's, read by staff (RecordDossierRead)
)

// Label is the action as a person reads it, in Vietnamese; an action this
// version does not know shows as its code.
func (a Action) Label() string {
	switch a {
	case ActionCreate:
		return "Lưu giấy tờ mới"
	case ActionVersion:
		return "Thêm phiên bản mới"
	case ActionUpdate:
		return "Sửa thông tin giấy tờ"
	case ActionRead:
		return "Xem thông tin giấy tờ"
	case ActionDownload:
		return "Tải xuống giấy tờ"
	case ActionReuse:
		return "Sử dụng lại giấy tờ trong hồ sơ"
	case ActionShare:
		return "Chia sẻ giấy tờ"
	case ActionUnshare:
		return "Thu hồi chia sẻ giấy tờ"
	case ActionIssue:
		return "Cơ quan cấp giấy tờ vào kho"
	case ActionRevoke:
		return "Cơ quan thu hồi giấy tờ"
	case ActionSupersede:
		return "Cơ quan thay thế giấy tờ"
	case ActionPaperCopy:
		return "Chuyển đổi giấy tờ điện tử sang bản giấy"
	case ActionList:
		return "Xem danh sách giấy tờ"
	case ActionVersions:
		return "Xem các phiên bản của giấy tờ"
	case ActionReusable:
		return "Tra cứu giấy tờ sử dụng lại được"
	case ActionReuses:
		return "Xem các hồ sơ đã sử dụng lại giấy tờ"
	case ActionProfile:
		return "Xem thông tin chủ kho dữ liệu"
	case ActionStats:
		return "Xem thống kê kho dữ liệu"
	case ActionLedger:
		return "Xem nhật ký truy cập"
	case ActionDossier:
		return "Xem hồ sơ thủ tục hành chính"
	}
	if l, ok := retentionLabel(a); ok {
		return l
	}
	return string(a)
}

// LedgerEntry is one entry of an owner's access ledger.
//
// An owner's ledger (Chain = the owner ID) is the union of a few hash
// chains, its lanes: each writer — one slot of one `kho serve` process —
// appends only to its own lane, so an append needs no read of anyone
// else's tail and never races another writer. Seq counts from 1 within
// the lane; PrevHash is the Hash of entry Seq-1 of the same lane ("" for
// Seq 1); Hash is computed by EntryHash. Entries written before lanes
// existed form the lane "" of their owner (Lane is then absent from the
// hashed encoding, so their hashes are unchanged). Periodic checkpoints
// (checkpoint.go) commit to every lane's head outside the database.
type LedgerEntry struct {
	Chain      string    `json:"chain"`
	Lane       string    `json:"lane,omitempty"`
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"`
	ActorRole  Role      `json:"actorRole"`
	Action     Action    `json:"action"`
	DocumentID string    `json:"documentId,omitempty"`
	Version    int       `json:"version,omitempty"`
	Purpose    string    `json:"purpose,omitempty"`
	Dossier    string    `json:"dossier,omitempty"`
	// Share and Grantee name the share an entry is about (its creation,
	// revocation, or a grantee's read or download through it) and its
	// grantee (Share.GranteeKey); "" otherwise, and then absent from the
	// hashed encoding, so that older entries' hashes are unchanged.
	Share    string `json:"share,omitempty"`
	Grantee  string `json:"grantee,omitempty"`
	PrevHash string `json:"prevHash"`
	Hash     string `json:"hash"`
}

// LedgerKey is the position of e in its owner's ledger listing: the time
// of the entry (milliseconds, fixed width), then owner, lane and Seq, so
// that keys are unique and sort in time order across lanes and owners.
// Stores index it; the listing pages by it, and the checkpoint job scans
// the entries appended since its last run by it.
func LedgerKey(e LedgerEntry) string {
	return fmt.Sprintf("%013d/%s/%s/%019d", e.At.UTC().UnixMilli(), e.Chain, e.Lane, e.Seq)
}

// LedgerKeyAt is the smallest key of any entry at or after t: the start
// of a scan by time.
func LedgerKeyAt(t time.Time) string { return fmt.Sprintf("%013d/", max(t.UTC().UnixMilli(), 0)) }

// LaneHead is the last entry of one lane of an owner's ledger, as a
// checkpoint commits to it.
type LaneHead struct {
	Chain string `json:"chain"`
	Lane  string `json:"lane"`
	Seq   int64  `json:"seq"`
	Hash  string `json:"hash"`
}

// Date is a calendar day without time zone. The zero Date means "not given".
// It encodes as "YYYY-MM-DD" in JSON and in stores, so that string order is
// date order.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses "YYYY-MM-DD". The empty string gives the zero Date.
func ParseDate(s string) (Date, error) {
	if s == "" {
		return Date{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q is not YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// DateOf returns the day of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// IsZero reports whether d is not given.
func (d Date) IsZero() bool { return d == Date{} }

// String returns "YYYY-MM-DD", or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Vietnamese returns "DD/MM/YYYY", the form people read.
func (d Date) Vietnamese() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%02d/%02d/%04d", d.Day, int(d.Month), d.Year)
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.String() < e.String() }

// MarshalJSON encodes d as "YYYY-MM-DD".
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON decodes "YYYY-MM-DD" or "".
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("date must be a string YYYY-MM-DD")
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}
