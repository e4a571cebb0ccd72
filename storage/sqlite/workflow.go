package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

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
const dossierCols = `agency, handling_agency, status, assignee, procedure_code, applicant_id, representative_id,
	applicant_fold, sort_key, received_at, due_at, rev, body`

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
	return []any{d.Agency, d.HandlingAgency, string(d.Status), d.Assignee(), d.Procedure, d.Applicant.ID, rep,
		d.ApplicantFold(), d.SortKey(), millis(d.ReceivedAt), millis(d.DueAt), d.Rev, body}, nil
}

func dossierNotFound(code string) error {
	return notFound("dossier_not_found", "Không tìm thấy hồ sơ.", "sqlite: no dossier %q", code)
}

// CreateDossier inserts d. Conflict if d.Code exists.
func (s *Store) CreateDossier(ctx context.Context, d workflow.Dossier) error {
	args, err := dossierArgs(d)
	if err != nil {
		return s.fail("encode dossier", err)
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO dossiers (code, `+dossierCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		append([]any{d.Code}, args...)...)
	if isUnique(err) {
		return conflict("dossier_exists", "Mã hồ sơ đã tồn tại.", "sqlite: dossier %q exists", d.Code)
	}
	return s.fail("create dossier", err)
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

// ListDossiers returns a page of dossiers newest first.
func (s *Store) ListDossiers(ctx context.Context, q workflow.DossierQuery) ([]workflow.Dossier, bool, error) {
	if err := checkLimit(q.Limit); err != nil {
		return nil, false, err
	}
	var where []string
	var args []any
	switch {
	case q.Party != "" && q.Agency == "":
		where = append(where, `(applicant_id = ? OR representative_id = ?)`)
		args = append(args, q.Party, q.Party)
	case q.Agency != "" && q.Party == "":
		where = append(where, `(agency = ? OR handling_agency = ?)`)
		args = append(args, q.Agency, q.Agency)
	default:
		return nil, false, kerr.New(kerr.Invalid, "invalid_query", "Truy vấn danh sách hồ sơ không hợp lệ.", "sqlite: give exactly one of party and agency")
	}
	if q.Status != "" {
		where, args = append(where, `status = ?`), append(args, string(q.Status))
	}
	if q.Assignee != "" {
		where, args = append(where, `assignee = ?`), append(args, q.Assignee)
	}
	if q.After != "" {
		where, args = append(where, `sort_key < ?`), append(args, q.After)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM dossiers WHERE `+strings.Join(where, " AND ")+` ORDER BY sort_key DESC LIMIT ?`,
		append(args, q.Limit+1)...)
	if err != nil {
		return nil, false, s.fail("list dossiers", err)
	}
	defer rows.Close()
	var ds []workflow.Dossier
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, false, s.fail("list dossiers", err)
		}
		d, err := workflow.DecodeDossier(body)
		if err != nil {
			return nil, false, s.fail("decode dossier", err)
		}
		ds = append(ds, d)
	}
	if err := rows.Err(); err != nil {
		return nil, false, s.fail("list dossiers", err)
	}
	more := len(ds) > q.Limit
	if more {
		ds = ds[:q.Limit]
	}
	return ds, more, nil
}
