package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// migrations is the schema, in order: migration i+1 is migrations[i]. A
// released migration is never edited; changes are new entries. Open applies
// the ones schema_migrations does not list, each in its own transaction.
//
// Conventions: times are INTEGER milliseconds since the Unix epoch (NULL =
// zero time); dates are TEXT "YYYY-MM-DD" (” = not given), so text order
// is date order; body holds the record as JSON, and the queried or counted
// fields have their own columns, which win over body when read.
var migrations = []string{
	// 1: the vault and the tokens.
	`
CREATE TABLE owners (
	id             TEXT PRIMARY KEY,
	quota_bytes    INTEGER NOT NULL DEFAULT 0,
	used_bytes     INTEGER NOT NULL DEFAULT 0,
	document_count INTEGER NOT NULL DEFAULT 0,
	rev            INTEGER NOT NULL,
	body           TEXT NOT NULL
);

CREATE TABLE document_types (
	code TEXT PRIMARY KEY,
	body TEXT NOT NULL
);

CREATE TABLE procedures (
	code TEXT PRIMARY KEY,
	body TEXT NOT NULL
);

CREATE TABLE documents (
	id            TEXT PRIMARY KEY,
	owner_id      TEXT NOT NULL,
	type_code     TEXT NOT NULL,
	status        TEXT NOT NULL,
	valid_from    TEXT NOT NULL,
	valid_until   TEXT NOT NULL,
	permanent     INTEGER NOT NULL,
	search_text   TEXT NOT NULL,
	current_size  INTEGER NOT NULL,
	version_count INTEGER NOT NULL,
	reuse_count   INTEGER NOT NULL DEFAULT 0,
	rev           INTEGER NOT NULL,
	body          TEXT NOT NULL
);
-- An owner's documents newest first, with pagination (ListDocuments).
CREATE INDEX documents_owner_id ON documents (owner_id, id);
-- Per-owner and global statistics, covered (TypeStats).
CREATE INDEX documents_owner_type ON documents (owner_id, type_code, current_size, reuse_count);
CREATE INDEX documents_type ON documents (type_code, current_size, reuse_count);

CREATE TABLE versions (
	document_id TEXT NOT NULL REFERENCES documents (id),
	n           INTEGER NOT NULL,
	blob        TEXT NOT NULL,
	body        TEXT NOT NULL,
	PRIMARY KEY (document_id, n)
);
-- BlobReferenced.
CREATE INDEX versions_blob ON versions (blob);

CREATE TABLE reuses (
	id          TEXT PRIMARY KEY,
	document_id TEXT NOT NULL,
	at          INTEGER,
	body        TEXT NOT NULL
);
CREATE INDEX reuses_document ON reuses (document_id, at, id);

CREATE TABLE ledger (
	chain       TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	document_id TEXT NOT NULL,
	body        TEXT NOT NULL,
	PRIMARY KEY (chain, seq)
) WITHOUT ROWID;
-- A document's entries within its owner's chain (ListLedger with DocumentID).
CREATE INDEX ledger_document ON ledger (chain, document_id, seq);

CREATE TABLE ledger_heads (
	chain TEXT PRIMARY KEY,
	seq   INTEGER NOT NULL,
	hash  TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE tokens (
	id         TEXT PRIMARY KEY,
	hash       TEXT NOT NULL UNIQUE,
	subject    TEXT NOT NULL,
	role       TEXT NOT NULL,
	name       TEXT NOT NULL,
	created_at INTEGER,
	expires_at INTEGER,
	revoked    INTEGER NOT NULL DEFAULT 0
);
`,
	// 2: signature summaries. signed is the current version's
	// Signature.Signed (NULL: not checked); report_blob is a version's
	// signature report blob ('' = none), which BlobReferenced must see.
	`
ALTER TABLE documents ADD COLUMN signed INTEGER;
ALTER TABLE versions ADD COLUMN report_blob TEXT NOT NULL DEFAULT '';
CREATE INDEX versions_report_blob ON versions (report_blob);
`,
	// 3: eForms: drafts (sealed: the data is encrypted by forms.Drafts)
	// and the definitions published through the API.
	`
CREATE TABLE form_drafts (
	id         TEXT PRIMARY KEY,
	owner_id   TEXT NOT NULL,
	form       TEXT NOT NULL,
	version    INTEGER NOT NULL,
	sealed     BLOB NOT NULL,
	created_at INTEGER,
	updated_at INTEGER,
	expires_at INTEGER,
	rev        INTEGER NOT NULL
);
-- ListDrafts: an owner's drafts of one form or of all.
CREATE INDEX form_drafts_owner ON form_drafts (owner_id, form, id);
-- DeleteExpiredDrafts.
CREATE INDEX form_drafts_expires ON form_drafts (expires_at);

CREATE TABLE form_definitions (
	code       TEXT NOT NULL,
	version    INTEGER NOT NULL,
	body       BLOB NOT NULL,
	created_at INTEGER,
	PRIMARY KEY (code, version)
) WITHOUT ROWID;
`,
	// 4: leases of background jobs (internal/jobs). Times are milliseconds;
	// until 0 = not held, next_run 0 = due at once.
	`
CREATE TABLE job_leases (
	job        TEXT PRIMARY KEY,
	holder     TEXT NOT NULL DEFAULT '',
	token      INTEGER NOT NULL DEFAULT 0,
	until      INTEGER NOT NULL DEFAULT 0,
	next_run   INTEGER NOT NULL DEFAULT 0,
	cursor     TEXT NOT NULL DEFAULT '',
	last_start INTEGER,
	last_end   INTEGER,
	last_error TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
`,
	// 5: intents of unfinished uploads (archive.UploadStore): the intents,
	// by creation time for the collector; the blobs each names, by hash for
	// the collector's check (created_at copied from the intent); the
	// charges the uploads hold on their owners' usage.
	`
CREATE TABLE upload_intents (
	id         TEXT PRIMARY KEY,
	created_at INTEGER NOT NULL,
	body       TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX upload_intents_created ON upload_intents (created_at, id);

CREATE TABLE upload_blobs (
	hash       TEXT NOT NULL,
	upload_id  TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	seq        INTEGER NOT NULL,
	PRIMARY KEY (hash, upload_id)
) WITHOUT ROWID;
CREATE INDEX upload_blobs_upload ON upload_blobs (upload_id, seq);

CREATE TABLE upload_charges (
	id       TEXT PRIMARY KEY,
	owner_id TEXT NOT NULL,
	bytes    INTEGER NOT NULL,
	docs     INTEGER NOT NULL
) WITHOUT ROWID;
`,
	// 6: the version of the rules that made a document's search_text
	// (archive.SearchTextVersion); 0 for the documents stored before,
	// whose text a word search recomputes when it meets them. Adding a
	// column with a constant default rewrites no row.
	`
ALTER TABLE documents ADD COLUMN search_version INTEGER NOT NULL DEFAULT 0;
`,
	// 7: ledger lanes and checkpoints. An owner's ledger becomes several
	// hash chains (lanes); entries made before are the lane '' of their
	// owner, copied as they are (body and hash unchanged), with their
	// listing key (archive.LedgerKey) computed from the time in the body.
	// The per-chain heads are replaced by the Merkle log of lane heads and
	// its signed checkpoints, both append-only.
	`
CREATE TABLE ledger_lanes (
	chain       TEXT NOT NULL,
	lane        TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	key         TEXT NOT NULL,
	document_id TEXT NOT NULL,
	body        TEXT NOT NULL,
	PRIMARY KEY (chain, lane, seq)
) WITHOUT ROWID;
INSERT INTO ledger_lanes (chain, lane, seq, key, document_id, body)
	SELECT chain, '', seq,
		printf('%013d/%s//%019d',
			CAST(strftime('%s', json_extract(body, '$.at')) AS INTEGER) * 1000
				+ CAST(substr(strftime('%f', json_extract(body, '$.at')), 4) AS INTEGER),
			chain, seq),
		document_id, body
	FROM ledger;
DROP TABLE ledger;
DROP TABLE ledger_heads;
ALTER TABLE ledger_lanes RENAME TO ledger;
-- LedgerSince (the checkpoint job): entries of all owners by time.
CREATE UNIQUE INDEX ledger_key ON ledger (key);
-- ListLedger: an owner's entries, all lanes, by time.
CREATE INDEX ledger_chain_key ON ledger (chain, key);
-- ListLedger with DocumentID.
CREATE INDEX ledger_document ON ledger (chain, document_id, key);

CREATE TABLE ledger_log (
	n      INTEGER PRIMARY KEY,
	chain  TEXT NOT NULL,
	lane   TEXT NOT NULL,
	seq    INTEGER NOT NULL,
	hash   TEXT NOT NULL,
	hashes BLOB NOT NULL
);
-- LaneLeaves: an owner's lanes and their newest leaves.
CREATE INDEX ledger_log_lane ON ledger_log (chain, lane, seq);

CREATE TABLE ledger_checkpoints (
	size INTEGER PRIMARY KEY,
	body TEXT NOT NULL
);
`,
	// 8: working-time calendars (workflow/calendar.Store): the national
	// one (agency '') and the agencies' own, each one record whose body is
	// the calendar as JSON, guarded by rev.
	`
CREATE TABLE calendars (
	agency     TEXT PRIMARY KEY,
	rev        INTEGER NOT NULL,
	updated_at INTEGER,
	updated_by TEXT NOT NULL,
	body       TEXT NOT NULL
) WITHOUT ROWID;
`,
	// 9: notifications (notify.Store): in-app notifications, listed by
	// recipient newest first (pos: time and ID) and counted unread; the
	// outbox of e-mail and SMS deliveries, read by state and due time.
	// body is the record as JSON; the other columns are its indexed parts.
	`
CREATE TABLE notifications (
	id        TEXT PRIMARY KEY,
	recipient TEXT NOT NULL,
	pos       TEXT NOT NULL,
	unread    INTEGER NOT NULL,
	body      TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX notifications_recipient_pos ON notifications (recipient, pos);
CREATE INDEX notifications_recipient_unread ON notifications (recipient, unread);

CREATE TABLE notify_outbox (
	id    TEXT PRIMARY KEY,
	state TEXT NOT NULL,
	due   INTEGER NOT NULL,
	rev   INTEGER NOT NULL,
	claim TEXT NOT NULL,
	body  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX notify_outbox_due ON notify_outbox (state, due);
`,
	// 10: the register of papers agencies issued into vaults
	// (archive.IssueRecord): one row per issue key (agency/dossier/kind/
	// number), which makes an issue idempotent; ListIssued reads one
	// dossier's rows by key prefix on the primary key.
	`
CREATE TABLE issued (
	key         TEXT PRIMARY KEY,
	document_id TEXT NOT NULL,
	body        TEXT NOT NULL
) WITHOUT ROWID;
`,
	// 11: the agency a staff or admin token acts for (auth.Token.Agency);
	// '' for the tokens made before.
	`
ALTER TABLE tokens ADD COLUMN agency TEXT NOT NULL DEFAULT '';
`,
	// 12: the dossier lifecycle (workflow.Store): agencies, procedures and
	// process versions, the staff directory, the per-agency, per-day
	// counters of dossier codes, and dossiers. A dossier's record (its
	// trail included) is body; the columns are what listings and search
	// select and sort by (sort_key: workflow.Dossier.SortKey).
	`
CREATE TABLE wf_agencies (
	code TEXT PRIMARY KEY,
	body TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE wf_procedures (
	code TEXT PRIMARY KEY,
	body TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE wf_processes (
	procedure_code TEXT NOT NULL,
	version        INTEGER NOT NULL,
	body           TEXT NOT NULL,
	PRIMARY KEY (procedure_code, version)
) WITHOUT ROWID;

CREATE TABLE wf_staff (
	subject TEXT PRIMARY KEY,
	agency  TEXT NOT NULL,
	body    TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX wf_staff_agency ON wf_staff (agency, subject);

CREATE TABLE dossier_counters (
	agency TEXT NOT NULL,
	day    TEXT NOT NULL,
	n      INTEGER NOT NULL,
	PRIMARY KEY (agency, day)
) WITHOUT ROWID;

CREATE TABLE dossiers (
	code              TEXT PRIMARY KEY,
	agency            TEXT NOT NULL,
	handling_agency   TEXT NOT NULL,
	status            TEXT NOT NULL,
	stage             TEXT NOT NULL,
	assignee          TEXT NOT NULL,
	procedure_code    TEXT NOT NULL,
	field             TEXT NOT NULL,
	applicant_id      TEXT NOT NULL,
	representative_id TEXT NOT NULL,
	sort_key          TEXT NOT NULL,
	received_at       INTEGER,
	due_at            INTEGER,
	rev               INTEGER NOT NULL,
	body              TEXT NOT NULL
) WITHOUT ROWID;
-- A citizen's own dossiers, as applicant or representative, newest first.
CREATE INDEX dossiers_applicant ON dossiers (applicant_id, sort_key);
CREATE INDEX dossiers_representative ON dossiers (representative_id, sort_key);
-- An agency's dossiers (received or handled) by status, newest first.
CREATE INDEX dossiers_agency_status ON dossiers (agency, status, sort_key);
CREATE INDEX dossiers_handling_status ON dossiers (handling_agency, status, sort_key);
-- An appraiser's dossiers by status.
CREATE INDEX dossiers_assignee_status ON dossiers (assignee, status, sort_key);
-- Counts (issue 10 item 8): the desk's by status and due time, the
-- competent agency's and the appraiser's by status, stage and due time.
CREATE INDEX dossiers_agency_due ON dossiers (agency, status, due_at);
CREATE INDEX dossiers_handling_due ON dossiers (handling_agency, status, stage, due_at);
CREATE INDEX dossiers_assignee_due ON dossiers (assignee, status, stage, due_at);
-- Search (issue 10 item 9) within an agency: reception time, procedure, field.
CREATE INDEX dossiers_agency_received ON dossiers (agency, received_at);
CREATE INDEX dossiers_handling_received ON dossiers (handling_agency, received_at);
CREATE INDEX dossiers_procedure ON dossiers (procedure_code, sort_key);
CREATE INDEX dossiers_field ON dossiers (field, sort_key);
-- Name search: the name keys of each dossier (workflow.Dossier.NameKeys),
-- written with the dossier, fixed after.
CREATE TABLE dossier_names (
	word TEXT NOT NULL,
	code TEXT NOT NULL,
	PRIMARY KEY (word, code)
) WITHOUT ROWID;
`,
	// 13: the deadline scan's index (workflow.Dossier.WatchKey): the due
	// time and code of the dossiers whose clock runs and that are not yet
	// found overdue; NULL, and out of the partial index, for the others.
	`
ALTER TABLE dossiers ADD COLUMN watch_key TEXT;
UPDATE dossiers SET watch_key = printf('%013d/%s', due_at, code)
	WHERE due_at IS NOT NULL AND status IN ('received', 'processing', 'payment_required');
CREATE INDEX dossiers_watch ON dossiers (watch_key) WHERE watch_key IS NOT NULL;
`,
	// 14: shares of papers with consent (archive.ShareStore). active_until
	// is the share's last day while it is not revoked, NULL once it is:
	// the grantee's listing reads only the index range of active shares.
	`
CREATE TABLE shares (
	id           TEXT PRIMARY KEY,
	owner_id     TEXT NOT NULL,
	document_id  TEXT NOT NULL,
	grantee      TEXT NOT NULL,
	active_until TEXT,
	body         TEXT NOT NULL
);
CREATE INDEX shares_owner ON shares (owner_id, id);
CREATE INDEX shares_document ON shares (document_id, id);
CREATE INDEX shares_grantee_active ON shares (grantee, active_until, id) WHERE active_until IS NOT NULL;
`,
	// 15: the web portal's sign-in (auth.SignInStore): local accounts;
	// sessions, found by the hash of their secret, listed by account
	// (sessions_username) and purged by expiry; the counts of failed
	// sign-ins and the used nonces of challenge tokens, both purged by
	// expiry. Times are milliseconds.
	`
CREATE TABLE accounts (
	username            TEXT PRIMARY KEY,
	display_name        TEXT NOT NULL,
	role                TEXT NOT NULL,
	agency              TEXT NOT NULL,
	citizen_id          TEXT NOT NULL,
	disabled            INTEGER NOT NULL,
	password_hash       TEXT NOT NULL,
	password_changed_at INTEGER,
	created_at          INTEGER,
	updated_at          INTEGER,
	rev                 INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE sessions (
	hash       TEXT PRIMARY KEY,
	id         TEXT NOT NULL UNIQUE,
	username   TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	last_seen  INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	user_agent TEXT NOT NULL,
	ip         TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_username ON sessions (username, created_at, id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE auth_throttles (
	key        TEXT PRIMARY KEY,
	failures   INTEGER NOT NULL,
	last       INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX auth_throttles_expires ON auth_throttles (expires_at);

CREATE TABLE auth_nonces (
	nonce      TEXT PRIMARY KEY,
	expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX auth_nonces_expires ON auth_nonces (expires_at);
`,
	// 16: fixity checking (archive.FixityStore); see migrationFixity.
	migrationFixity,
	// 17: paper copies of electronic papers (archive, arc-paper).
	`
CREATE TABLE paper_copies (
	id          TEXT PRIMARY KEY,
	code        TEXT NOT NULL UNIQUE,
	document_id TEXT NOT NULL,
	blob        TEXT NOT NULL,
	body        BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX paper_copies_document ON paper_copies (document_id, id);
CREATE INDEX paper_copies_blob ON paper_copies (blob);
`,
	// 18: long-term validation renewal (archive.LTVStore): the current
	// version's validation expiry, read from the body (RFC 3339, UTC whole
	// seconds), for the papers due; and the signed papers without one, for
	// the backfill. Both partial: papers that are not signed are not in them.
	`
CREATE INDEX documents_ltv_due ON documents (json_extract(body, '$.current.signature.expiresAt'), id)
	WHERE json_extract(body, '$.current.signature.expiresAt') IS NOT NULL;
CREATE INDEX documents_ltv_unknown ON documents (id)
	WHERE signed = 1 AND json_extract(body, '$.current.signature.expiresAt') IS NULL;
`,
	// 19: archive — retention (archive.RetentionStore): one record per agency
	// record, its state and last day indexed so that what is due is one
	// range; disposal lists.
	`
CREATE TABLE retention (
	document_id  TEXT PRIMARY KEY,
	state        TEXT NOT NULL,
	retain_until TEXT NOT NULL,
	rev          INTEGER NOT NULL,
	body         TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX retention_due ON retention (state, retain_until, document_id);
CREATE TABLE disposal_lists (
	id    TEXT PRIMARY KEY,
	state TEXT NOT NULL,
	rev   INTEGER NOT NULL,
	body  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX disposal_lists_state ON disposal_lists (state, id);
`,
	// 20: the batches of digitisation (archive.ScanStore): the batch as
	// JSON beside what the store filters on; pending batches found by
	// expiry (scans_expiry) and by their PDF's blob (scans_blob). Times are
	// milliseconds.
	`
CREATE TABLE scans (
	id         TEXT PRIMARY KEY,
	rev        INTEGER NOT NULL,
	status     TEXT NOT NULL,
	expires_at INTEGER NOT NULL,
	blob       TEXT NOT NULL,
	body       BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX scans_expiry ON scans (status, expires_at, id);
CREATE INDEX scans_blob ON scans (blob, status);
`,
	// 21: the archive's renditions (archive.RenditionStore): one per
	// (document, version, target) key, listed by document and found by
	// blob for the collector.
	`
CREATE TABLE renditions (
	key         TEXT PRIMARY KEY,
	document_id TEXT NOT NULL,
	blob        TEXT NOT NULL,
	body        TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX renditions_document ON renditions (document_id, key);
CREATE INDEX renditions_blob ON renditions (blob);
`,
	// 22: fixity over the pending batches' PDFs (archive.FixitySourceStore);
	// see migrationFixitySources.
	migrationFixitySources,
	// Reports — Dossier statistics engine (st-engine): see migrationStats.
	migrationStats,
	// Reports — Report templates, saved and periodic reports (st-templates):
	// report templates and their periodic runs (workflow.ReportStore); see
	// migrationReportTemplates.
	migrationReportTemplates,
	// 25: the EMC feed's outbox and delivery log, the dossiers by update
	// time (emc.Store); see migrationEMC.
	migrationEMC,
	// 26: the vault statistics' aggregates (archive.VaultStatsStore); see
	// migrationVaultStats.
	migrationVaultStats,
}

// migrate brings the schema up to date. It is idempotent and safe when
// several processes open the same file at once: each migration is checked
// and applied inside one write transaction.
func (s *Store) migrate(ctx context.Context) error {
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL
	)`
	if _, err := s.w.DB.ExecContext(ctx, create); err != nil {
		return s.fail("create schema_migrations", err)
	}
	var newest sql.NullInt64
	if err := s.w.QueryRowContext(ctx, "SELECT max(version) FROM schema_migrations").Scan(&newest); err != nil {
		return s.fail("read schema version", err)
	}
	if newest.Int64 > int64(len(migrations)) {
		return kerr.New(kerr.Internal, "schema_too_new",
			"Cơ sở dữ liệu được tạo bởi phiên bản Kho mới hơn; vui lòng nâng cấp chương trình.",
			"sqlite: %s has schema version %d; this program knows up to %d", s.path, newest.Int64, len(migrations))
	}
	for i, m := range migrations {
		version := i + 1
		err := s.inTx(ctx, "migrate", func(tx *txn) error {
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE version = ?", version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.Tx.ExecContext(ctx, m); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", version, time.Now().UnixMilli())
			return err
		})
		if err != nil {
			return kerr.Wrap(err, kerr.KindOf(err), "schema_migration_failed", msgStoreError)
		}
	}
	return nil
}

// SchemaVersion returns the newest migration applied to the database.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	if err := s.r.QueryRowContext(ctx, "SELECT max(version) FROM schema_migrations").Scan(&v); err != nil {
		return 0, s.fail("read schema version", err)
	}
	return int(v.Int64), nil
}
