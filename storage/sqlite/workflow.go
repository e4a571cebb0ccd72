package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

var _ workflow.Store = (*Store)(nil)

// putBody inserts or replaces the record key of table (key column col) as
// JSON, with the extra columns cols (names) set to vals.
func (s *Store) putBody(ctx context.Context, op, table, col, key string, v any, cols []string, vals []any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return s.fail("encode "+op, err)
	}
	names := append([]string{col}, cols...)
	names = append(names, "body")
	args := append([]any{key}, vals...)
	args = append(args, body)
	set := make([]string, 0, len(cols)+1)
	for _, c := range append(cols, "body") {
		set = append(set, c+" = excluded."+c)
	}
	q := `INSERT INTO ` + table + ` (` + strings.Join(names, ", ") + `) VALUES (?` + strings.Repeat(", ?", len(names)-1) + `)
		ON CONFLICT (` + col + `) DO UPDATE SET ` + strings.Join(set, ", ")
	_, err = s.w.ExecContext(ctx, q, args...)
	return s.fail(op, err)
}

// getBody reads the JSON body of one record into v; sql.ErrNoRows when
// there is none.
func (s *Store) getBody(ctx context.Context, op, query string, v any, args ...any) error {
	var body []byte
	if err := s.r.QueryRowContext(ctx, query, args...).Scan(&body); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return err
		}
		return s.fail(op, err)
	}
	return s.fail("decode "+op, json.Unmarshal(body, v))
}

// listBodies reads the JSON bodies a query returns.
func listBodies[T any](ctx context.Context, s *Store, op, query string, args ...any) ([]T, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, s.fail(op, err)
	}
	return jsonRows[T](s, rows, op, op)
}

// PutAgency inserts or replaces the agency with a.Code.
func (s *Store) PutAgency(ctx context.Context, a workflow.Agency) error {
	a.UpdatedAt = utcMs(a.UpdatedAt)
	return s.putBody(ctx, "put agency", "wf_agencies", "code", a.Code, a, nil, nil)
}

// GetAgency returns one agency. NotFound if none.
func (s *Store) GetAgency(ctx context.Context, code string) (workflow.Agency, error) {
	var a workflow.Agency
	err := s.getBody(ctx, "get agency", `SELECT body FROM wf_agencies WHERE code = ?`, &a, code)
	if errors.Is(err, sql.ErrNoRows) {
		return a, notFound("agency_not_found", "Không tìm thấy cơ quan.", "sqlite: no agency %q", code)
	}
	return a, err
}

// ListAgencies returns every agency ordered by Code.
func (s *Store) ListAgencies(ctx context.Context) ([]workflow.Agency, error) {
	return listBodies[workflow.Agency](ctx, s, "list agencies", `SELECT body FROM wf_agencies ORDER BY code`)
}

// PutProcedureRecord inserts or replaces the procedure with p.Code.
func (s *Store) PutProcedureRecord(ctx context.Context, p workflow.Procedure) error {
	p.UpdatedAt = utcMs(p.UpdatedAt)
	return s.putBody(ctx, "put procedure record", "wf_procedures", "code", p.Code, p, nil, nil)
}

// GetProcedureRecord returns one procedure. NotFound if none.
func (s *Store) GetProcedureRecord(ctx context.Context, code string) (workflow.Procedure, error) {
	var p workflow.Procedure
	err := s.getBody(ctx, "get procedure record", `SELECT body FROM wf_procedures WHERE code = ?`, &p, code)
	if errors.Is(err, sql.ErrNoRows) {
		return p, notFound("procedure_not_found", "Không tìm thấy thủ tục hành chính.", "sqlite: no procedure record %q", code)
	}
	return p, err
}

// ListProcedureRecords returns every procedure ordered by Code.
func (s *Store) ListProcedureRecords(ctx context.Context) ([]workflow.Procedure, error) {
	return listBodies[workflow.Procedure](ctx, s, "list procedure records", `SELECT body FROM wf_procedures ORDER BY code`)
}

// AddProcess inserts p. Conflict if its procedure has version p.Version.
func (s *Store) AddProcess(ctx context.Context, p workflow.Process) error {
	p.CreatedAt = utcMs(p.CreatedAt)
	body, err := json.Marshal(p)
	if err != nil {
		return s.fail("encode process", err)
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO wf_processes (procedure_code, version, body) VALUES (?, ?, ?)`, p.Procedure, p.Version, body)
	if isUnique(err) {
		return conflict("process_version_exists", "Phiên bản quy trình đã tồn tại.", "sqlite: process %s version %d exists", p.Procedure, p.Version)
	}
	return s.fail("add process", err)
}

// GetProcess returns version v of a procedure's process (0: the highest).
// NotFound if none.
func (s *Store) GetProcess(ctx context.Context, procedure string, v int) (workflow.Process, error) {
	var p workflow.Process
	var err error
	if v == 0 {
		err = s.getBody(ctx, "get process", `SELECT body FROM wf_processes WHERE procedure_code = ? ORDER BY version DESC LIMIT 1`, &p, procedure)
	} else {
		err = s.getBody(ctx, "get process", `SELECT body FROM wf_processes WHERE procedure_code = ? AND version = ?`, &p, procedure, v)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return p, notFound("process_not_found", "Không tìm thấy quy trình xử lý.", "sqlite: no process %s version %d", procedure, v)
	}
	return p, err
}

// PutStaff inserts or replaces the directory entry of m.Subject.
func (s *Store) PutStaff(ctx context.Context, m workflow.Staff) error {
	m.UpdatedAt = utcMs(m.UpdatedAt)
	return s.putBody(ctx, "put staff", "wf_staff", "subject", m.Subject, m, []string{"agency"}, []any{m.Agency})
}

// GetStaff returns one directory entry. NotFound if none.
func (s *Store) GetStaff(ctx context.Context, subject string) (workflow.Staff, error) {
	var m workflow.Staff
	err := s.getBody(ctx, "get staff", `SELECT body FROM wf_staff WHERE subject = ?`, &m, subject)
	if errors.Is(err, sql.ErrNoRows) {
		return m, notFound("staff_not_found", "Không tìm thấy cán bộ trong danh bạ.", "sqlite: no staff %q", subject)
	}
	return m, err
}

// ListStaff returns the entries of an agency ("" = all) ordered by Subject.
func (s *Store) ListStaff(ctx context.Context, agency string) ([]workflow.Staff, error) {
	if agency == "" {
		return listBodies[workflow.Staff](ctx, s, "list staff", `SELECT body FROM wf_staff ORDER BY subject`)
	}
	return listBodies[workflow.Staff](ctx, s, "list staff", `SELECT body FROM wf_staff WHERE agency = ? ORDER BY subject`, agency)
}

// NextDossierNumber increments the counter of agency on day and returns
// it: one statement on the one writer connection, and SQLite's write lock
// between processes sharing the file.
func (s *Store) NextDossierNumber(ctx context.Context, agency, day string) (int64, error) {
	var n int64
	err := s.w.QueryRowContext(ctx, `INSERT INTO dossier_counters (agency, day, n) VALUES (?, ?, 1)
		ON CONFLICT (agency, day) DO UPDATE SET n = dossier_counters.n + 1 RETURNING n`, agency, day).Scan(&n)
	return n, s.fail("next dossier number", err)
}

// dossierCols are the columns of a dossier after its code, in order.
const dossierCols = `agency, handling_agency, status, stage, assignee, procedure_code, field, applicant_id, representative_id,
	sort_key, received_at, due_at, watch_key, rev, body, stats_pending, stats_month, stats_at`

// dossierArgs are d's values for dossierCols.
func dossierArgs(d workflow.Dossier) ([]any, error) {
	body, err := workflow.EncodeDossier(d)
	if err != nil {
		return nil, err
	}
	rep := ""
	if d.Representative != nil {
		rep = d.Representative.ID
	}
	return append([]any{d.Agency, d.HandlingAgency, string(d.Status), string(d.Stage), d.Assignee(), d.Procedure, d.Field, d.Applicant.ID, rep,
		d.SortKey(), millis(d.ReceivedAt), millis(d.DueAt), nullString(d.WatchKey()), d.Rev, body}, statsArgs(d)...), nil
}

func dossierNotFound(code string) error {
	return notFound("dossier_not_found", "Không tìm thấy hồ sơ.", "sqlite: no dossier %q", code)
}

// CreateDossier inserts d, and its name keys (workflow.Dossier.NameKeys)
// for search, in one transaction. Conflict if d.Code exists.
func (s *Store) CreateDossier(ctx context.Context, d workflow.Dossier) error {
	args, err := dossierArgs(d)
	if err != nil {
		return s.fail("encode dossier", err)
	}
	exists := false
	err = s.inTx(ctx, "create dossier", func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO dossiers (code, `+dossierCols+`) VALUES (?`+strings.Repeat(", ?", len(args))+`)`,
			append([]any{d.Code}, args...)...)
		if isUnique(err) {
			exists = true
		}
		if err != nil {
			return err
		}
		for _, k := range d.NameKeys() {
			if _, err := tx.ExecContext(ctx, `INSERT INTO dossier_names (word, code) VALUES (?, ?)`, k, d.Code); err != nil {
				return err
			}
		}
		return nil
	})
	if exists {
		return conflict("dossier_exists", "Mã hồ sơ đã tồn tại.", "sqlite: dossier %q exists", d.Code)
	}
	return err
}

// GetDossier returns one dossier. NotFound if none.
func (s *Store) GetDossier(ctx context.Context, code string) (workflow.Dossier, error) {
	var body []byte
	err := s.r.QueryRowContext(ctx, `SELECT body FROM dossiers WHERE code = ?`, code).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return workflow.Dossier{}, dossierNotFound(code)
	}
	if err != nil {
		return workflow.Dossier{}, s.fail("get dossier", err)
	}
	d, err := workflow.DecodeDossier(body)
	return d, s.fail("decode dossier", err)
}

// UpdateDossier replaces the dossier when the stored one has Status from
// and Rev d.Rev-1: one UPDATE whose WHERE holds both.
func (s *Store) UpdateDossier(ctx context.Context, d workflow.Dossier, from workflow.Status) error {
	args, err := dossierArgs(d)
	if err != nil {
		return s.fail("encode dossier", err)
	}
	set := strings.Fields(strings.ReplaceAll(dossierCols, ",", " "))
	for i, c := range set {
		set[i] = c + " = ?"
	}
	res, err := s.w.ExecContext(ctx, `UPDATE dossiers SET `+strings.Join(set, ", ")+` WHERE code = ? AND rev = ? AND status = ?`,
		append(args, d.Code, d.Rev-1, string(from))...)
	if err != nil {
		return s.fail("update dossier", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.fail("update dossier", err)
	}
	if n == 1 {
		return nil
	}
	var rev int64
	var status string
	err = s.w.QueryRowContext(ctx, `SELECT rev, status FROM dossiers WHERE code = ?`, d.Code).Scan(&rev, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return dossierNotFound(d.Code)
	}
	if err != nil {
		return s.fail("update dossier", err)
	}
	return kerr.New(kerr.Conflict, "dossier_changed", "Hồ sơ vừa được người khác cập nhật; vui lòng tải lại hồ sơ rồi thực hiện lại.",
		"sqlite: dossier %s is %s at rev %d, not %s at rev %d", d.Code, status, rev, from, d.Rev-1)
}

// maxQueryTerms bounds the statuses and the words of a query.
const maxQueryTerms = 30

// dossierWhere is the WHERE clause of q (without paging) and its
// arguments; agencyCol, when not "", replaces the agency condition of an
// agency query with "agencyCol = ?" (CountDossiers counts either side as
// two indexed counts).
func dossierWhere(q workflow.DossierQuery, agencyCol string) ([]string, []any, error) {
	var where []string
	var args []any
	add := func(w string, a ...any) { where, args = append(where, w), append(args, a...) }
	bad := func(detail string, a ...any) error {
		return kerr.New(kerr.Invalid, "invalid_query", "Truy vấn danh sách hồ sơ không hợp lệ.", "sqlite: "+detail, a...)
	}
	switch {
	case q.Party != "" && q.Agency == "":
		add(`(applicant_id = ? OR representative_id = ?)`, q.Party, q.Party)
	case q.Agency != "" && q.Party == "":
		switch {
		case agencyCol != "":
			add(agencyCol+` = ?`, q.Agency)
		case q.Side == workflow.SideReceiving:
			add(`agency = ?`, q.Agency)
		case q.Side == workflow.SideHandling:
			add(`handling_agency = ?`, q.Agency)
		case q.Side == workflow.SideEither:
			add(`(agency = ? OR handling_agency = ?)`, q.Agency, q.Agency)
		default:
			return nil, nil, bad("side %q", q.Side)
		}
	default:
		return nil, nil, bad("give exactly one of party and agency")
	}
	statuses := slices.Clone(q.Statuses)
	if q.Status != "" && !slices.Contains(statuses, q.Status) {
		statuses = append(statuses, q.Status)
	}
	if len(statuses) > maxQueryTerms || len(q.Words) > maxQueryTerms {
		return nil, nil, bad("%d statuses, %d words", len(statuses), len(q.Words))
	}
	if len(statuses) > 0 {
		marks := strings.Repeat(", ?", len(statuses))[2:]
		vals := make([]any, len(statuses))
		for i, st := range statuses {
			vals[i] = string(st)
		}
		add(`status IN (`+marks+`)`, vals...)
	}
	stages := slices.Clone(q.Stages)
	if q.Stage != "" && !slices.Contains(stages, q.Stage) {
		stages = append(stages, q.Stage)
	}
	if len(stages) > maxQueryTerms {
		return nil, nil, bad("%d stages", len(stages))
	}
	if len(stages) > 0 {
		vals := make([]any, len(stages))
		for i, g := range stages {
			vals[i] = string(g)
		}
		add(`stage IN (`+strings.Repeat(", ?", len(stages))[2:]+`)`, vals...)
	}
	for _, c := range []struct{ col, v string }{{"handling_agency", q.Handling}, {"assignee", q.Assignee}, {"procedure_code", q.Procedure}, {"field", q.Field}} {
		if c.v != "" {
			add(c.col+` = ?`, c.v)
		}
	}
	for _, c := range []struct {
		cond string
		t    time.Time
	}{{"received_at >= ?", q.ReceivedFrom}, {"received_at < ?", q.ReceivedBefore}, {"due_at >= ?", q.DueFrom}, {"due_at < ?", q.DueBefore}} {
		if !c.t.IsZero() {
			add(c.cond, c.t.UnixMilli())
		}
	}
	for _, w := range q.Words {
		add(`code IN (SELECT code FROM dossier_names WHERE word >= ? AND word < ?)`, w, w+"\U0010FFFF")
	}
	return where, args, nil
}

// ListDossiers returns a page of dossiers newest first.
func (s *Store) ListDossiers(ctx context.Context, q workflow.DossierQuery) ([]workflow.Dossier, bool, error) {
	if err := checkLimit(q.Limit); err != nil {
		return nil, false, err
	}
	where, args, err := dossierWhere(q, "")
	if err != nil {
		return nil, false, err
	}
	if q.After != "" {
		where, args = append(where, `sort_key < ?`), append(args, q.After)
	}
	ds, err := s.queryDossiers(ctx, "list dossiers", `SELECT body FROM dossiers WHERE `+strings.Join(where, " AND ")+` ORDER BY sort_key DESC LIMIT ?`,
		append(args, q.Limit+1)...)
	if err != nil {
		return nil, false, err
	}
	more := len(ds) > q.Limit
	if more {
		ds = ds[:q.Limit]
	}
	return ds, more, nil
}

// CountDossiers counts what q selects. The dossiers of either side of an
// agency are counted as two indexed counts — received there, and handled
// there but received elsewhere — not through an OR the planner could
// answer by a scan.
func (s *Store) CountDossiers(ctx context.Context, q workflow.DossierQuery) (int64, error) {
	stmts, err := countStatements(q)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, st := range stmts {
		var n int64
		if err := s.r.QueryRowContext(ctx, st.query, st.args...).Scan(&n); err != nil {
			return 0, s.fail("count dossiers", err)
		}
		total += n
	}
	return total, nil
}

// statement is a query with its arguments.
type statement struct {
	query string
	args  []any
}

// countStatements are the COUNT queries whose sum is q's count.
func countStatements(q workflow.DossierQuery) ([]statement, error) {
	count := func(where []string, args []any) statement {
		return statement{`SELECT COUNT(*) FROM dossiers WHERE ` + strings.Join(where, " AND "), args}
	}
	if q.Agency == "" || q.Party != "" || q.Side != workflow.SideEither {
		where, args, err := dossierWhere(q, "")
		if err != nil {
			return nil, err
		}
		return []statement{count(where, args)}, nil
	}
	received, args, err := dossierWhere(q, "agency")
	if err != nil {
		return nil, err
	}
	handled, hargs, err := dossierWhere(q, "handling_agency")
	if err != nil {
		return nil, err
	}
	return []statement{count(received, args), count(append(handled, `agency <> ?`), append(hargs, q.Agency))}, nil
}

// nullString is s, NULL when empty.
func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// DossiersDueBefore returns the dossiers the deadline scan reads: a range
// of the partial index dossiers_watch (watch_key NOT NULL).
func (s *Store) DossiersDueBefore(ctx context.Context, before time.Time, after string, limit int) ([]workflow.Dossier, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	st := watchStatement(before, after, limit)
	return s.queryDossiers(ctx, "dossiers due before", st.query, st.args...)
}

// queryDossiers decodes the dossiers whose bodies query returns.
func (s *Store) queryDossiers(ctx context.Context, op, query string, args ...any) ([]workflow.Dossier, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	var ds []workflow.Dossier
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, s.fail(op, err)
		}
		d, err := workflow.DecodeDossier(body)
		if err != nil {
			return nil, s.fail("decode dossier", err)
		}
		ds = append(ds, d)
	}
	return ds, s.fail(op, rows.Err())
}

// watchStatement is the query of DossiersDueBefore.
func watchStatement(before time.Time, after string, limit int) statement {
	return statement{`SELECT body FROM dossiers WHERE watch_key < ? AND watch_key > ? ORDER BY watch_key LIMIT ?`,
		[]any{workflow.WatchKeyBefore(before), after, limit}}
}
