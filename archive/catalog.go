package archive

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/kho-vn/kho/internal/kerr"
)

// maxCatalogBytes bounds a catalogue file read by LoadCatalog.
const maxCatalogBytes = 8 << 20

//go:embed catalog/default.json
var defaultCatalog []byte

// DefaultCatalog returns a copy of the starter catalogue shipped with Kho:
// common Vietnamese document types and a few procedures mapping their
// components to them, in the format LoadCatalog reads.
func DefaultCatalog() []byte { return bytes.Clone(defaultCatalog) }

// catalogFile is the JSON form LoadCatalog reads.
type catalogFile struct {
	DocumentTypes []DocumentType `json:"documentTypes"`
	Procedures    []Procedure    `json:"procedures"`
}

func errBadCatalog(err error) error {
	return kerr.Wrap(err, kerr.Invalid, "invalid_catalog", "Tệp danh mục không đúng định dạng.")
}

// loadCatalog decodes and validates the whole file first, then writes types
// before procedures, so that a bad file changes nothing.
func (s *Service) loadCatalog(ctx context.Context, r io.Reader) (int, int, error) {
	lr := &io.LimitedReader{R: r, N: maxCatalogBytes + 1}
	dec := json.NewDecoder(lr)
	dec.DisallowUnknownFields()
	var f catalogFile
	if err := dec.Decode(&f); err != nil {
		if lr.N <= 0 {
			return 0, 0, kerr.New(kerr.TooLarge, "catalog_too_large", "Tệp danh mục quá lớn (tối đa 8 MB).", "catalogue over %d bytes", maxCatalogBytes)
		}
		return 0, 0, errBadCatalog(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if lr.N <= 0 {
			return 0, 0, kerr.New(kerr.TooLarge, "catalog_too_large", "Tệp danh mục quá lớn (tối đa 8 MB).", "catalogue over %d bytes", maxCatalogBytes)
		}
		return 0, 0, errBadCatalog(errors.New("data after the catalogue object"))
	}
	now := s.nowUTC()
	inFile := map[string]bool{}
	types := make([]DocumentType, 0, len(f.DocumentTypes))
	for i, t := range f.DocumentTypes {
		v, err := validateDocumentType(t)
		if err != nil {
			return 0, 0, withDetail(err, "documentTypes[%d]", i)
		}
		if inFile[v.Code] {
			return 0, 0, invalid("duplicate_type_code", "Mã loại giấy tờ bị trùng trong tệp danh mục.", "type %q appears twice", v.Code)
		}
		inFile[v.Code] = true
		v.UpdatedAt = now
		types = append(types, v)
	}
	known := func(code string) (bool, error) {
		if inFile[code] {
			return true, nil
		}
		return s.typeExists(ctx, code)
	}
	procs := make([]Procedure, 0, len(f.Procedures))
	seen := map[string]bool{}
	for i, p := range f.Procedures {
		v, err := validateProcedure(p, known)
		if err != nil {
			return 0, 0, withDetail(err, "procedures[%d]", i)
		}
		if seen[v.Code] {
			return 0, 0, invalid("duplicate_procedure_code", "Mã thủ tục bị trùng trong tệp danh mục.", "procedure %q appears twice", v.Code)
		}
		seen[v.Code] = true
		v.UpdatedAt = now
		procs = append(procs, v)
	}
	for i, t := range types {
		if err := s.store.PutDocumentType(ctx, t); err != nil {
			return i, 0, storeErr("put document type", err)
		}
	}
	for i, p := range procs {
		if err := s.store.PutProcedure(ctx, p); err != nil {
			return len(types), i, storeErr("put procedure", err)
		}
	}
	return len(types), len(procs), nil
}

// typeExists reports whether code is in the catalogue.
func (s *Service) typeExists(ctx context.Context, code string) (bool, error) {
	if !catalogCode.MatchString(code) {
		return false, nil
	}
	_, err := s.store.GetDocumentType(ctx, code)
	switch {
	case err == nil:
		return true, nil
	case kerr.IsKind(err, kerr.NotFound):
		return false, nil
	}
	return false, storeErr("get document type", err)
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
