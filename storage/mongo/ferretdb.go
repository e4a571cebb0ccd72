package mongo

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kho-vn/kho/internal/kerr"
)

// FerretDB 1.x on PostgreSQL keeps each database in a schema of that name,
// each collection in a table named "<collection>_<hash>" with one jsonb
// column, and the mapping in the schema's metadata table. It pushes an
// equality filter {f: v} down as `_jsonb->'f' @> '"v"'`, which the btree
// indexes it makes for createIndexes cannot serve: without help every such
// query reads the whole table. A GIN index on the expression (_jsonb->'f')
// serves it (docs/deployment.md; docs/benchmarks.md for the figures).

// ferretDBMetadataTable is FerretDB 1.x's table of collections in each
// database schema: {_id: collection, table: table name, indexes: […]}.
const ferretDBMetadataTable = "_ferretdb_database_metadata"

// ferretDBGIN lists the fields whose equality filters FerretDB needs a GIN
// index for: the one list, used by CreateFerretDBIndexes (kho admin
// ferretdb-indexes), the tests and the benchmark.
var ferretDBGIN = []struct{ coll, field string }{
	// A read by _id and every guarded update (_id with rev, status…):
	// FerretDB sends _id as `@>` too, which its own unique btree on _id
	// cannot serve — without these each read and update of one record
	// reads the whole table, and a day of dossiers slows as it grows.
	{collDocuments, "_id"},
	{collDossiers, "_id"},
	{collOwners, "_id"},
	// ListDocuments (every shape has ownerId), TypeStats of one owner.
	{collDocuments, "ownerId"},
	// The access ledger's reads of one chain (ledger.go: LastLedger,
	// ListLedger): change the field here when the ledger's changes.
	{collLedger, "chain"},
	// Dossiers (workflow.go): the listings, counts and search of an
	// agency (either side, or one), of an appraiser and of a citizen.
	{collDossiers, "agencies"},
	{collDossiers, "agency"},
	{collDossiers, "handlingAgency"},
	{collDossiers, "assignee"},
	{collDossiers, "parties"},
	// Sessions (signin.go): an account's (ListSessions), one by its
	// public ID (DeleteSession).
	{collSessions, "username"},
	{collSessions, "id"},
	// Archive — retention (retention.go): each record's read and guarded
	// update by _id. The due range (state, retainUntil) is a range that
	// FerretDB 1.x does not push down: on FerretDB it reads the table.
	{collRetention, "_id"},
	{collDisposal, "_id"},
	// Archive — the records that hold blobs (rendition.go, papercopy.go,
	// scans.go): the collector's and fixity's lookups of one blob.
	{collRenditions, "blob"},
	{collPaperCopies, "blob"},
	{collScans, "blob"},
	// Reports — Dossier statistics engine (stats_engine.go): the pending
	// dossiers ({statsPending: true}), the dossiers of a bucket
	// (handlingAgency above, with statsMonth), a bucket's and a counted
	// record's replace by _id, an agency's buckets.
	{collDossiers, "statsPending"},
	{collDossiers, "statsMonth"},
	{collStatsBuckets, "_id"},
	{collStatsBuckets, "agency"},
	{collStatsCounted, "_id"},
	// Reports — report templates (report_templates.go): a template's and
	// a run's read and guarded change by _id, a person's list by scope
	// key, a template's runs.
	{collReportTemplates, "_id"},
	{collReportTemplates, "scopeKey"},
	{collReportRuns, "_id"},
	{collReportRuns, "template"},
	// Reports — EMC feed (emc.go): each event's read and guarded update by
	// _id, a dossier's events, the events in a state. The ranges (pos,
	// the dossiers' updatedAt) are not pushed down by FerretDB 1.x: there
	// the catch-up reads the dossiers' table; MongoDB's indexes serve them.
	{collEMCEvents, "_id"},
	{collEMCEvents, "dossier"},
	{collEMCEvents, "state"},
}

// FerretDBIndex is one GIN index of ferretDBGIN as CreateFerretDBIndexes
// found or made it.
type FerretDBIndex struct {
	Collection string // kho's collection, e.g. "documents"
	Field      string // the top-level field, e.g. "ownerId"
	Schema     string // FerretDB's schema: the database name
	Table      string // FerretDB's table of the collection, e.g. "documents_009017e5"
	Name       string // the index, e.g. "kho_documents_ownerid_gin"
	// Created is false when a valid index of that name and expression
	// existed already; Rebuilt is true when one existed but was invalid
	// (an interrupted build) or had another expression or table.
	Created, Rebuilt bool
}

// FerretDBGINName is the stable name of the GIN index on field of coll.
func FerretDBGINName(coll, field string) string {
	var b strings.Builder
	b.WriteString("kho_" + coll + "_")
	for _, r := range strings.ToLower(field) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	b.WriteString("_gin")
	return b.String()
}

// ferretDBGINExpr is the indexed expression as PostgreSQL prints it
// (pg_get_expr), e.g. (_jsonb -> 'ownerId'::text).
func ferretDBGINExpr(field string) string {
	return "(_jsonb -> " + pgLiteral(field) + "::text)"
}

// FerretDBVersion returns the version of the FerretDB server the store is
// connected to, or "" when it is not FerretDB (MongoDB).
func (s *Store) FerretDBVersion(ctx context.Context) (string, error) {
	var info struct {
		FerretDB string `bson:"ferretdbVersion"`
	}
	err := s.db.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info)
	if err != nil {
		return "", classify(err, "buildInfo")
	}
	return info.FerretDB, nil
}

// CreateFerretDBIndexes creates the GIN indexes of ferretDBGIN on the
// PostgreSQL tables behind the store's collections, connecting to the
// PostgreSQL database that FerretDB 1.x uses (pgURL, as given to FerretDB's
// --postgresql-url). The collections exist once the store is open (Open
// applies the migrations). It is idempotent: an index is created only when
// no valid index of its stable name and expression exists; an invalid one
// left by an interrupted build is dropped and built again. Indexes are
// built CONCURRENTLY, so the servers keep writing meanwhile. It also sets
// the database's plan_cache_mode to force_custom_plan, without which
// PostgreSQL's generic plans of FerretDB's prepared queries use none of
// them.
//
// Errors: Invalid when the store is not on FerretDB, pgURL is malformed or
// the PostgreSQL database is not FerretDB 1.x's; NotFound when FerretDB has
// no table for a collection; Unavailable when PostgreSQL cannot be reached.
func (s *Store) CreateFerretDBIndexes(ctx context.Context, pgURL string) ([]FerretDBIndex, error) {
	v, err := s.FerretDBVersion(ctx)
	if err != nil {
		return nil, err
	}
	if v == "" {
		return nil, kerr.New(kerr.Invalid, "not_ferretdb", "Máy chủ cơ sở dữ liệu không phải FerretDB: không cần các chỉ mục này.",
			"mongo: database %s is not on FerretDB", s.db.Name())
	}
	cfg, err := pgx.ParseConfig(pgURL)
	if err != nil {
		return nil, &kerr.Error{Kind: kerr.Invalid, Code: "invalid_postgres_url", Message: "Địa chỉ PostgreSQL không hợp lệ.",
			Detail: "mongo: FerretDB's PostgreSQL URL", Err: errors.New(redactPG(err.Error()))}
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, &kerr.Error{Kind: kerr.Unavailable, Code: "postgres_unavailable", Message: "Không kết nối được PostgreSQL của FerretDB.",
			Detail: "mongo: connect to FerretDB's PostgreSQL", Err: err}
	}
	defer conn.Close(context.WithoutCancel(ctx))

	// FerretDB sends the field of each filter as a bind parameter
	// (_jsonb->$1 @> $2) through prepared statements: PostgreSQL's generic
	// plan, which it switches to after five runs, cannot match an index on
	// (_jsonb->'field') and reads the whole table. Plan each run with its
	// values (a session reads this when it starts: FerretDB's pooled
	// connections take it as they are renewed, or when FerretDB restarts).
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{cfg.Database}.Sanitize()+" SET plan_cache_mode = force_custom_plan"); err != nil {
		return nil, &kerr.Error{Kind: kerr.Unavailable, Code: "postgres_unavailable", Message: "Không cấu hình được PostgreSQL của FerretDB.",
			Detail: "mongo: set plan_cache_mode on FerretDB's database", Err: err}
	}
	schema := s.db.Name()
	out := make([]FerretDBIndex, 0, len(ferretDBGIN))
	for _, g := range ferretDBGIN {
		ix := FerretDBIndex{Collection: g.coll, Field: g.field, Schema: schema, Name: FerretDBGINName(g.coll, g.field)}
		if ix.Table, err = ferretDBTable(ctx, conn, schema, g.coll); err != nil {
			return out, err
		}
		if err := ensureGIN(ctx, conn, &ix); err != nil {
			return out, err
		}
		out = append(out, ix)
	}
	return out, nil
}

// ferretDBTable returns the table FerretDB keeps coll of the database
// schema in.
func ferretDBTable(ctx context.Context, conn *pgx.Conn, schema, coll string) (string, error) {
	q := fmt.Sprintf(`SELECT _jsonb->>'table' FROM %s WHERE _jsonb->>'_id' = $1`, pgx.Identifier{schema, ferretDBMetadataTable}.Sanitize())
	var table string
	err := conn.QueryRow(ctx, q, coll).Scan(&table)
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &pe) && (pe.Code == "42P01" || pe.Code == "3F000"): // undefined_table, invalid_schema_name
		return "", kerr.New(kerr.Invalid, "not_ferretdb_postgres", "Cơ sở dữ liệu PostgreSQL này không chứa dữ liệu FerretDB của kho.",
			"mongo: no table %s.%s in this PostgreSQL database: give the URL that FerretDB 1.x uses (its --postgresql-url)", schema, ferretDBMetadataTable)
	case errors.Is(err, pgx.ErrNoRows):
		return "", kerr.New(kerr.NotFound, "ferretdb_collection_missing", "FerretDB chưa có bảng cho bộ sưu tập của kho.",
			"mongo: FerretDB has no table for collection %s.%s", schema, coll)
	case err != nil:
		return "", pgErr(err, "find FerretDB's table of "+coll)
	}
	return table, nil
}

// ensureGIN makes ix's index exist, valid, with its expression, on its
// table; it sets ix.Created and ix.Rebuilt.
func ensureGIN(ctx context.Context, conn *pgx.Conn, ix *FerretDBIndex) error {
	var (
		table, method, expr string
		valid               bool
	)
	err := conn.QueryRow(ctx, `SELECT t.relname, am.amname, coalesce(pg_get_expr(i.indexprs, i.indrelid), ''), i.indisvalid
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am am ON am.oid = c.relam
WHERE n.nspname = $1 AND c.relname = $2`, ix.Schema, ix.Name).Scan(&table, &method, &expr, &valid)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return pgErr(err, "look up index "+ix.Name)
	case table == ix.Table && method == "gin" && expr == ferretDBGINExpr(ix.Field) && valid:
		return nil
	default:
		ix.Rebuilt = true
		if _, err := conn.Exec(ctx, "DROP INDEX CONCURRENTLY IF EXISTS "+pgx.Identifier{ix.Schema, ix.Name}.Sanitize()); err != nil {
			return pgErr(err, "drop index "+ix.Name)
		}
	}
	create := fmt.Sprintf("CREATE INDEX CONCURRENTLY IF NOT EXISTS %s ON %s USING gin ((_jsonb -> %s))",
		pgx.Identifier{ix.Name}.Sanitize(), pgx.Identifier{ix.Schema, ix.Table}.Sanitize(), pgLiteral(ix.Field))
	if _, err := conn.Exec(ctx, create); err != nil {
		return pgErr(err, "create index "+ix.Name)
	}
	// The planner estimates `@>` with the statistics of the index's
	// expression, which ANALYZE gathers.
	if _, err := conn.Exec(ctx, "ANALYZE "+pgx.Identifier{ix.Schema, ix.Table}.Sanitize()); err != nil {
		return pgErr(err, "analyze "+ix.Table)
	}
	ix.Created = true
	return nil
}

// pgLiteral quotes s as a PostgreSQL string literal.
func pgLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// pgErr classifies an error of PostgreSQL.
func pgErr(err error, op string) error {
	kind, code, msg := kerr.Internal, "postgres_failed", "Thao tác trên PostgreSQL của FerretDB thất bại."
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		kind, code, msg = kerr.Unavailable, "postgres_unavailable", "Không kết nối được PostgreSQL của FerretDB."
	}
	return &kerr.Error{Kind: kind, Code: code, Message: msg, Detail: "mongo: " + op, Err: err}
}

// urlPassword matches the password of a URL's user information.
var urlPassword = regexp.MustCompile(`(://[^:/@\s]*):[^@\s]*@`)

// redactPG hides every URL password that pgx's parse error may quote.
func redactPG(s string) string { return urlPassword.ReplaceAllString(s, "$1:xxxxx@") }
