package workflow

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
)

// maxCatalogBytes bounds a catalogue file.
const maxCatalogBytes = 8 << 20

//go:embed catalog/default.json
var defaultCatalog []byte

// DefaultCatalog returns a copy of the catalogue shipped with Kho: the
// agencies, document types, procedures and processes of birth
// registration, business-household registration and the construction
// permit of a detached house, in the format LoadCatalog reads.
func DefaultCatalog() []byte { return bytes.Clone(defaultCatalog) }

// Catalog is the JSON form LoadCatalog reads. DocumentTypes are given to
// the vault's catalogue as they are; each procedure's components bound to
// document types become the vault's mapping (ArchiveProcedure).
type Catalog struct {
	Agencies      []Agency               `json:"agencies"`
	DocumentTypes []archive.DocumentType `json:"documentTypes"`
	Procedures    []Procedure            `json:"procedures"`
	Processes     []Process              `json:"processes"`
}

// CatalogCounts says what LoadCatalog stored.
type CatalogCounts struct {
	Agencies      int `json:"agencies"`
	DocumentTypes int `json:"documentTypes"`
	Procedures    int `json:"procedures"`
	// Processes counts the new process versions; a process equal to the
	// latest stored version adds none.
	Processes int `json:"processes"`
}

func errBadCatalog(err error) error {
	return kerr.Wrap(err, kerr.Invalid, "invalid_catalog", "Tệp danh mục thủ tục không đúng định dạng.")
}

func errCatalogTooLarge() error {
	return kerr.New(kerr.TooLarge, "catalog_too_large", "Tệp danh mục thủ tục quá lớn (tối đa 8 MB).", "catalogue over %d bytes", maxCatalogBytes)
}

// LoadCatalog reads a catalogue (admin) and stores it: first the document
// types and the component mapping in the vault (which checks them all
// before it writes any), then the agencies and procedures, then a new
// version of each process that differs from its latest. Everything is
// checked before anything of the workflow is written. Loading the same
// file again changes nothing but the records' update times.
func (s *Service) LoadCatalog(ctx context.Context, a archive.Actor, r io.Reader) (CatalogCounts, error) {
	if err := checkAdmin(a); err != nil {
		return CatalogCounts{}, err
	}
	lr := &io.LimitedReader{R: r, N: maxCatalogBytes + 1}
	var c Catalog
	if err := decodeExact(lr, &c); err != nil {
		if lr.N <= 0 {
			return CatalogCounts{}, errCatalogTooLarge()
		}
		return CatalogCounts{}, errBadCatalog(err)
	}
	now := s.nowUTC()
	agencies := map[string]Agency{}
	for i, ag := range c.Agencies {
		v, err := validateAgency(ag)
		if err != nil {
			return CatalogCounts{}, withDetail(err, "agencies[%d]", i)
		}
		if _, dup := agencies[v.Code]; dup {
			return CatalogCounts{}, invalid("duplicate_agency", "Mã cơ quan bị trùng trong tệp danh mục.", "agency %q appears twice", v.Code)
		}
		v.UpdatedAt = now
		c.Agencies[i], agencies[v.Code] = v, v
	}
	// The vault's part first: its types are what the procedures refer to.
	var archiveProcs []archive.Procedure
	for _, p := range c.Procedures {
		if ap, ok := ArchiveProcedure(p); ok {
			archiveProcs = append(archiveProcs, ap)
		}
	}
	inTypes := map[string]bool{}
	for _, t := range c.DocumentTypes {
		inTypes[t.Code] = true
	}
	refs := s.refs(ctx, a)
	known := refs.TypeKnown
	refs.TypeKnown = func(code string) (bool, error) {
		if inTypes[code] {
			return true, nil
		}
		return known(code)
	}
	procs := map[string]Procedure{}
	for i, p := range c.Procedures {
		v, err := validateProcedure(p, refs)
		if err != nil {
			return CatalogCounts{}, withDetail(err, "procedures[%d]", i)
		}
		if _, dup := procs[v.Code]; dup {
			return CatalogCounts{}, invalid("duplicate_procedure_code", "Mã thủ tục bị trùng trong tệp danh mục.", "procedure %q appears twice", v.Code)
		}
		if _, ok := agencies[v.Agency]; !ok {
			if _, err := s.getAgency(ctx, v.Agency); err != nil {
				return CatalogCounts{}, withDetail(err, "procedures[%d]", i)
			}
		}
		v.UpdatedAt = now
		c.Procedures[i], procs[v.Code] = v, v
	}
	for i, p := range c.Processes {
		proc, ok := procs[p.Procedure]
		if !ok {
			var err error
			if proc, err = s.getProcedure(ctx, p.Procedure); err != nil {
				return CatalogCounts{}, withDetail(err, "processes[%d]", i)
			}
		}
		ag, ok := agencies[proc.Agency]
		if !ok {
			var err error
			if ag, err = s.getAgency(ctx, proc.Agency); err != nil {
				return CatalogCounts{}, withDetail(err, "processes[%d]", i)
			}
		}
		v, err := validateProcess(p, proc, ag.Departments)
		if err != nil {
			return CatalogCounts{}, withDetail(err, "processes[%d]", i)
		}
		c.Processes[i] = v
	}
	body, err := json.Marshal(struct {
		DocumentTypes []archive.DocumentType `json:"documentTypes"`
		Procedures    []archive.Procedure    `json:"procedures"`
	}{c.DocumentTypes, archiveProcs})
	if err != nil {
		return CatalogCounts{}, kerr.Wrap(err, kerr.Internal, "catalog_encode_failed", "Không chuẩn bị được danh mục giấy tờ.")
	}
	var counts CatalogCounts
	if counts.DocumentTypes, _, err = s.vault.LoadCatalog(ctx, a, bytes.NewReader(body)); err != nil {
		return CatalogCounts{}, err
	}
	for _, ag := range c.Agencies {
		if err := s.store.PutAgency(ctx, ag); err != nil {
			return counts, storeErr("put agency", err)
		}
		counts.Agencies++
	}
	for _, p := range c.Procedures {
		if err := s.store.PutProcedureRecord(ctx, p); err != nil {
			return counts, storeErr("put procedure", err)
		}
		counts.Procedures++
	}
	for _, p := range c.Processes {
		_, added, err := s.addProcessVersion(ctx, a, p, true)
		if err != nil {
			return counts, err
		}
		if added {
			counts.Processes++
		}
	}
	return counts, nil
}

// sameProcess reports whether two processes have the same definition
// (what a version holds, apart from its number and creation).
func sameProcess(a, b Process) bool {
	norm := func(p Process) Process {
		p.Version, p.CreatedAt, p.CreatedBy = 0, time.Time{}, ""
		if len(p.Flows) == 0 {
			p.Flows = nil
		}
		return p
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

// addProcessVersion stores p as the next version of its procedure's
// process; with unlessSame, not when the latest is the same definition.
// Two admins saving at once both get a version: the loser of the insert
// takes the next number.
func (s *Service) addProcessVersion(ctx context.Context, a archive.Actor, p Process, unlessSame bool) (Process, bool, error) {
	for range 5 {
		latest, err := s.store.GetProcess(ctx, p.Procedure, 0)
		switch {
		case kerr.IsKind(err, kerr.NotFound):
			p.Version = 1
		case err != nil:
			return Process{}, false, storeErr("get process", err)
		default:
			if unlessSame && sameProcess(latest, p) {
				return latest, false, nil
			}
			p.Version = latest.Version + 1
		}
		p.CreatedAt, p.CreatedBy = s.nowUTC(), a.Subject
		err = s.store.AddProcess(ctx, p)
		if err == nil {
			return p, true, nil
		}
		if !kerr.IsKind(err, kerr.Conflict) {
			return Process{}, false, storeErr("add process", err)
		}
	}
	return Process{}, false, kerr.New(kerr.Conflict, "process_changed", "Quy trình vừa được lưu từ nơi khác; vui lòng thử lại.", "process of %s: versions kept colliding", p.Procedure)
}

// withDetail prefixes a kerr error's detail with where it happened.
func withDetail(err error, where string, args ...any) error {
	ke := kerr.Outer(err)
	if ke == nil {
		return err
	}
	c := *ke
	prefix := where
	if len(args) > 0 {
		prefix = fmt.Sprintf(where, args...)
	}
	if c.Detail != "" {
		c.Detail = prefix + ": " + c.Detail
	} else {
		c.Detail = prefix
	}
	return &c
}
