package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

const msgDocNotFound = "Không tìm thấy giấy tờ."

func errDocNotFound(id string) error {
	return notFound("document_not_found", msgDocNotFound, "sqlite: no document %q", id)
}

// normDoc puts d's times in the stored form (UTC milliseconds).
func normDoc(d *archive.Document) {
	d.CreatedAt = utcMs(d.CreatedAt)
	d.UpdatedAt = utcMs(d.UpdatedAt)
	d.Current.CreatedAt = utcMs(d.Current.CreatedAt)
	if d.IssuedBy != nil {
		ib := *d.IssuedBy
		ib.IssuedAt = utcMs(ib.IssuedAt)
		d.IssuedBy = &ib
	}
	if d.StatusChange != nil {
		sc := *d.StatusChange
		sc.At = utcMs(sc.At)
		d.StatusChange = &sc
	}
	if d.Current.Signature != nil {
		sig := *d.Current.Signature
		sig.VerifiedAt = utcMs(sig.VerifiedAt)
		sig.ExpiresAt = utcSec(sig.ExpiresAt)
		d.Current.Signature = &sig
	}
}

// docColumns are the columns scanDoc reads, in its order.
const docColumns = `id, owner_id, search_text, search_version, version_count, reuse_count, rev, body`

// storedDoc is a document's body column. The current version's metadata
// is nearly always the document's own; it is then left out (and restored on
// reading), which halves the body and the time to decode a page.
type storedDoc struct {
	archive.Document
	CurrentMetaSame bool `json:"currentMetaSame,omitempty"`
}

func encodeDoc(d archive.Document) ([]byte, error) {
	sd := storedDoc{Document: d}
	if reflect.DeepEqual(d.Current.Meta, d.Metadata) {
		sd.Current.Meta = archive.Metadata{}
		sd.CurrentMetaSame = true
	}
	return json.Marshal(sd)
}

// scanDoc decodes one row of docColumns; the columns win over body.
func scanDoc(sc interface{ Scan(...any) error }) (archive.Document, error) {
	var (
		sd                storedDoc
		id, owner, search string
		searchV, versions int
		reuses, rev       int64
		body              []byte
	)
	if err := sc.Scan(&id, &owner, &search, &searchV, &versions, &reuses, &rev, &body); err != nil {
		return archive.Document{}, err
	}
	if err := json.Unmarshal(body, &sd); err != nil {
		return archive.Document{}, err
	}
	d := sd.Document
	if sd.CurrentMetaSame {
		d.Current.Meta = d.Metadata
		d.Current.Meta.Fields = maps.Clone(d.Fields)
	}
	d.ID, d.OwnerID, d.SearchText, d.SearchVersion, d.VersionCount, d.ReuseCount, d.Rev = id, owner, search, searchV, versions, reuses, rev
	return d, nil
}

func encodeVersion(v archive.Version) ([]byte, error) {
	v.CreatedAt = utcMs(v.CreatedAt)
	if v.Signature != nil {
		sig := *v.Signature
		sig.VerifiedAt = utcMs(sig.VerifiedAt)
		sig.ExpiresAt = utcSec(sig.ExpiresAt)
		v.Signature = &sig
	}
	return json.Marshal(v)
}

// CreateDocument inserts d (Rev 1) and its first version d.Current.
// Conflict if d.ID exists.
func (s *Store) CreateDocument(ctx context.Context, d archive.Document) error {
	return s.createDocuments(ctx, []archive.Document{d})
}

// createDocuments inserts docs in one transaction, as CreateDocument
// would one by one; it stops at the first error and inserts none. Only
// CreateDocument and the benchmark's seeding use it.
func (s *Store) createDocuments(ctx context.Context, docs []archive.Document) error {
	var exists string
	err := s.inTx(ctx, "create document", func(tx *txn) error {
		for _, d := range docs {
			err := insertDocument(ctx, tx, d)
			if isUnique(err) {
				exists = d.ID
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if exists != "" {
		return conflict("document_exists", "Giấy tờ đã tồn tại.", "sqlite: document %q exists", exists)
	}
	return err
}

func insertDocument(ctx context.Context, tx *txn, d archive.Document) error {
	normDoc(&d)
	d.Rev = 1
	if d.VersionCount < 1 {
		d.VersionCount = 1
	}
	d.ReuseCount = 0
	body, err := encodeDoc(d)
	if err != nil {
		return err
	}
	vbody, err := encodeVersion(d.Current)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO documents (id, owner_id, type_code, status, valid_from, valid_until, permanent,
			search_text, search_version, current_size, version_count, reuse_count, rev, body, signed)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
		d.ID, d.OwnerID, d.TypeCode, string(d.Status), d.ValidFrom.String(), d.ValidUntil.String(), d.Permanent,
		d.SearchText, d.SearchVersion, d.Current.Size, d.VersionCount, d.Rev, body, signedColumn(d.Current.Signature))
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO versions (document_id, n, blob, body, report_blob) VALUES (?, ?, ?, ?, ?)`,
		d.ID, d.Current.N, d.Current.Blob, vbody, reportBlob(d.Current.Signature))
	return err
}

// signedColumn is the documents.signed value of a signature summary.
func signedColumn(sig *archive.SignatureSummary) any {
	if sig == nil {
		return nil
	}
	return sig.Signed
}

// reportBlob is the versions.report_blob value of a signature summary.
func reportBlob(sig *archive.SignatureSummary) string {
	if sig == nil {
		return ""
	}
	return sig.Report
}

// GetDocument returns a document with its current version. NotFound if none.
func (s *Store) GetDocument(ctx context.Context, id string) (archive.Document, error) {
	d, err := scanDoc(s.r.QueryRowContext(ctx, `SELECT `+docColumns+` FROM documents WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return archive.Document{}, errDocNotFound(id)
	}
	if err != nil {
		return archive.Document{}, s.fail("get document", err)
	}
	return d, nil
}

// UpdateDocument replaces the document's metadata, Status and Current with
// d's, appending d.Current as a new version when d.VersionCount is greater
// than the stored one — only if the stored Rev is expectedRev. The reuse
// counter, owner and creation fields are kept. Conflict if the Rev differs;
// NotFound if no document; Invalid if d.Current.N is not d.VersionCount.
func (s *Store) UpdateDocument(ctx context.Context, d archive.Document, expectedRev int64) error {
	if d.Current.N != d.VersionCount {
		return kerr.New(kerr.Invalid, "invalid_version_number", msgStoreError,
			"sqlite: current version %d is not the version count %d", d.Current.N, d.VersionCount)
	}
	normDoc(&d)
	vbody, err := encodeVersion(d.Current)
	if err != nil {
		return s.fail("encode version", err)
	}
	var outcome error
	err = s.inTx(ctx, "update document", func(tx *txn) error {
		var (
			rev      int64
			versions int
			owner    string
			body     []byte
		)
		err := tx.QueryRowContext(ctx, `SELECT rev, version_count, owner_id, body FROM documents WHERE id = ?`, d.ID).
			Scan(&rev, &versions, &owner, &body)
		if errors.Is(err, sql.ErrNoRows) {
			outcome = errDocNotFound(d.ID)
			return nil
		}
		if err != nil {
			return err
		}
		if rev != expectedRev {
			outcome = conflict("document_changed", "Giấy tờ đã được thay đổi bởi người khác; vui lòng tải lại và thử lại.",
				"sqlite: document %q is at revision %d, not %d", d.ID, rev, expectedRev)
			return nil
		}
		if d.VersionCount < versions {
			outcome = kerr.New(kerr.Invalid, "invalid_version_number", msgStoreError,
				"sqlite: version count %d is below the stored %d", d.VersionCount, versions)
			return nil
		}
		// Keep what an update does not change.
		var old storedDoc
		if err := json.Unmarshal(body, &old); err != nil {
			return err
		}
		d.OwnerID, d.Source, d.CreatedBy, d.CreatedAt = owner, old.Source, old.CreatedBy, old.CreatedAt
		d.IssuedBy = old.IssuedBy
		d.Rev = rev + 1
		d.ReuseCount = 0 // the column holds it
		nb, err := encodeDoc(d)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE documents SET type_code = ?, status = ?, valid_from = ?, valid_until = ?, permanent = ?,
				search_text = ?, search_version = ?, current_size = ?, version_count = ?, rev = ?, body = ?, signed = ?
			WHERE id = ?`,
			d.TypeCode, string(d.Status), d.ValidFrom.String(), d.ValidUntil.String(), d.Permanent,
			d.SearchText, d.SearchVersion, d.Current.Size, d.VersionCount, d.Rev, nb, signedColumn(d.Current.Signature), d.ID); err != nil {
			return err
		}
		if d.VersionCount > versions {
			if _, err := tx.ExecContext(ctx, `INSERT INTO versions (document_id, n, blob, body, report_blob) VALUES (?, ?, ?, ?, ?)`,
				d.ID, d.Current.N, d.Current.Blob, vbody, reportBlob(d.Current.Signature)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return outcome
}

// ListVersions returns every version of a document, oldest first. NotFound
// if no document.
func (s *Store) ListVersions(ctx context.Context, id string) ([]archive.Version, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM versions WHERE document_id = ? ORDER BY n`, id)
	if err != nil {
		return nil, s.fail("list versions", err)
	}
	defer rows.Close()
	var out []archive.Version
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, s.fail("list versions", err)
		}
		var v archive.Version
		if err := json.Unmarshal(body, &v); err != nil {
			return nil, s.fail("decode version", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("list versions", err)
	}
	if len(out) == 0 {
		// Every document has a version; none means no document.
		return nil, errDocNotFound(id)
	}
	return out, nil
}

// GetVersion returns version n. NotFound if no such document or version.
func (s *Store) GetVersion(ctx context.Context, id string, n int) (archive.Version, error) {
	var body []byte
	err := s.r.QueryRowContext(ctx, `SELECT body FROM versions WHERE document_id = ? AND n = ?`, id, n).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return archive.Version{}, notFound("version_not_found", "Không tìm thấy phiên bản giấy tờ.", "sqlite: no version %d of document %q", n, id)
	}
	if err != nil {
		return archive.Version{}, s.fail("get version", err)
	}
	var v archive.Version
	if err := json.Unmarshal(body, &v); err != nil {
		return archive.Version{}, s.fail("decode version", err)
	}
	return v, nil
}

// ListDocuments returns at most q.Limit of q.OwnerID's documents matching
// q, newest first, and whether more follow. Invalid if OwnerID is empty or
// Limit is outside 1..1000.
func (s *Store) ListDocuments(ctx context.Context, q archive.DocQuery) ([]archive.Document, bool, error) {
	if q.OwnerID == "" {
		return nil, false, kerr.New(kerr.Invalid, "owner_required", "Cần chỉ rõ chủ kho dữ liệu.", "sqlite: DocQuery.OwnerID is empty")
	}
	if err := checkLimit(q.Limit); err != nil {
		return nil, false, err
	}
	var (
		where strings.Builder
		args  []any
	)
	where.WriteString("owner_id = ?")
	args = append(args, q.OwnerID)
	if q.After != "" {
		where.WriteString(" AND id < ?")
		args = append(args, q.After)
	}
	if len(q.TypeCodes) > 0 {
		where.WriteString(" AND type_code IN (?" + strings.Repeat(", ?", len(q.TypeCodes)-1) + ")")
		for _, c := range q.TypeCodes {
			args = append(args, c)
		}
	}
	if q.Status != "" {
		where.WriteString(" AND status = ?")
		args = append(args, string(q.Status))
	}
	if len(q.Words) > 0 {
		// Every word, or (with SearchVersion) a text made by older rules,
		// for the caller to recompute.
		where.WriteString(" AND (")
		for i, w := range q.Words {
			if i > 0 {
				where.WriteString(" AND ")
			}
			where.WriteString("instr(search_text, ?) > 0")
			args = append(args, w)
		}
		if q.SearchVersion > 0 {
			where.WriteString(" OR search_version < ?")
			args = append(args, q.SearchVersion)
		}
		where.WriteString(")")
	}
	if !q.ValidOn.IsZero() {
		day := q.ValidOn.String()
		where.WriteString(" AND (valid_from = '' OR valid_from <= ?) AND (permanent <> 0 OR valid_until = '' OR valid_until >= ?)")
		args = append(args, day, day)
	}
	if !q.ExpiredOn.IsZero() {
		where.WriteString(" AND permanent = 0 AND valid_until <> '' AND valid_until < ?")
		args = append(args, q.ExpiredOn.String())
	}
	if q.Signed != nil {
		if *q.Signed {
			where.WriteString(" AND signed = 1")
		} else {
			where.WriteString(" AND (signed IS NULL OR signed = 0)")
		}
	}
	args = append(args, q.Limit+1)
	// documents_owner_id serves the order and the page boundary; the other
	// filters are checked on that owner's rows only.
	rows, err := s.r.QueryContext(ctx,
		`SELECT `+docColumns+` FROM documents INDEXED BY documents_owner_id WHERE `+where.String()+` ORDER BY id DESC LIMIT ?`,
		args...)
	if err != nil {
		return nil, false, s.fail("list documents", err)
	}
	defer rows.Close()
	docs := make([]archive.Document, 0, min(q.Limit+1, 64))
	for rows.Next() {
		d, err := scanDoc(rows)
		if err != nil {
			return nil, false, s.fail("list documents", err)
		}
		docs = append(docs, d)
	}
	if err := rows.Err(); err != nil {
		return nil, false, s.fail("list documents", err)
	}
	more := len(docs) > q.Limit
	if more {
		docs = docs[:q.Limit]
	}
	return docs, more, nil
}

// SetSearchText stores each update's text and version where the document
// is still at u.Rev and indexed by older rules, in one transaction; Rev
// does not change. Other documents are left alone.
func (s *Store) SetSearchText(ctx context.Context, updates []archive.SearchTextUpdate) error {
	if len(updates) == 0 {
		return nil
	}
	return s.inTx(ctx, "set search text", func(tx *txn) error {
		for _, u := range updates {
			if _, err := tx.ExecContext(ctx, `UPDATE documents SET search_text = ?, search_version = ?
				WHERE id = ? AND rev = ? AND search_version < ?`, u.Text, u.Version, u.ID, u.Rev, u.Version); err != nil {
				return err
			}
		}
		return nil
	})
}

// IncReuse adds 1 to the document's ReuseCount without touching Rev.
// NotFound if no document.
func (s *Store) IncReuse(ctx context.Context, id string) error {
	res, err := s.w.ExecContext(ctx, `UPDATE documents SET reuse_count = reuse_count + 1 WHERE id = ?`, id)
	if err != nil {
		return s.fail("count reuse", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.fail("count reuse", err)
	}
	if n == 0 {
		return errDocNotFound(id)
	}
	return nil
}

// BlobReferenced reports whether any version of any document points at blob.
func (s *Store) BlobReferenced(ctx context.Context, blob string) (bool, error) {
	var one int
	err := s.r.QueryRowContext(ctx, `SELECT 1 FROM versions WHERE blob = ?
		UNION ALL SELECT 1 FROM versions WHERE report_blob = ? LIMIT 1`, blob, blob).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, s.fail("blob referenced", err)
	}
	return true, nil
}

// SetSignature replaces the Signature of version n, and of the current
// version when n is current, without changing Rev. NotFound if no such
// document or version.
func (s *Store) SetSignature(ctx context.Context, id string, n int, sig *archive.SignatureSummary) error {
	var outcome error
	err := s.inTx(ctx, "set signature", func(tx *txn) error {
		var vbody []byte
		err := tx.QueryRowContext(ctx, `SELECT body FROM versions WHERE document_id = ? AND n = ?`, id, n).Scan(&vbody)
		if errors.Is(err, sql.ErrNoRows) {
			outcome = notFound("version_not_found", "Không tìm thấy phiên bản giấy tờ.", "sqlite: no version %d of document %q", n, id)
			return nil
		}
		if err != nil {
			return err
		}
		var v archive.Version
		if err := json.Unmarshal(vbody, &v); err != nil {
			return err
		}
		v.Signature = sig
		nb, err := encodeVersion(v)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE versions SET body = ?, report_blob = ? WHERE document_id = ? AND n = ?`,
			nb, reportBlob(sig), id, n); err != nil {
			return err
		}
		d, err := scanDoc(tx.QueryRowContext(ctx, `SELECT `+docColumns+` FROM documents WHERE id = ?`, id))
		if err != nil {
			return err
		}
		if d.VersionCount != n {
			return nil
		}
		d.Current.Signature = sig
		normDoc(&d)
		d.ReuseCount = 0 // the column holds it
		db, err := encodeDoc(d)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE documents SET body = ?, signed = ? WHERE id = ?`, db, signedColumn(sig), id)
		return err
	})
	if err != nil {
		return s.fail("set signature", err)
	}
	return outcome
}

// TypeStats returns per-type counts ordered by TypeCode, for one owner
// (ownerID != "") or for all.
func (s *Store) TypeStats(ctx context.Context, ownerID string) ([]archive.TypeStat, error) {
	var (
		rows *sql.Rows
		err  error
	)
	const cols = `SELECT type_code, count(*), coalesce(sum(current_size), 0), coalesce(sum(reuse_count), 0) FROM documents`
	if ownerID != "" {
		rows, err = s.r.QueryContext(ctx, cols+` WHERE owner_id = ? GROUP BY type_code ORDER BY type_code`, ownerID)
	} else {
		rows, err = s.r.QueryContext(ctx, cols+` GROUP BY type_code ORDER BY type_code`)
	}
	if err != nil {
		return nil, s.fail("type stats", err)
	}
	defer rows.Close()
	var out []archive.TypeStat
	for rows.Next() {
		var ts archive.TypeStat
		if err := rows.Scan(&ts.TypeCode, &ts.Documents, &ts.Bytes, &ts.Reuses); err != nil {
			return nil, s.fail("type stats", err)
		}
		out = append(out, ts)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("type stats", err)
	}
	return out, nil
}

// AddReuse inserts r. Conflict if r.ID exists.
func (s *Store) AddReuse(ctx context.Context, r archive.ReuseRecord) error {
	r.At = utcMs(r.At)
	body, err := json.Marshal(r)
	if err != nil {
		return s.fail("encode reuse", err)
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO reuses (id, document_id, at, body) VALUES (?, ?, ?, ?)`,
		r.ID, r.DocumentID, millis(r.At), body)
	if isUnique(err) {
		return conflict("reuse_exists", "Bản ghi tái sử dụng đã tồn tại.", "sqlite: reuse record %q exists", r.ID)
	}
	return s.fail("add reuse", err)
}

// ListReuses returns a document's reuse records, oldest first.
func (s *Store) ListReuses(ctx context.Context, documentID string) ([]archive.ReuseRecord, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM reuses WHERE document_id = ? ORDER BY at, id`, documentID)
	if err != nil {
		return nil, s.fail("list reuses", err)
	}
	defer rows.Close()
	var out []archive.ReuseRecord
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, s.fail("list reuses", err)
		}
		var r archive.ReuseRecord
		if err := json.Unmarshal(body, &r); err != nil {
			return nil, s.fail("decode reuse", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("list reuses", err)
	}
	return out, nil
}
