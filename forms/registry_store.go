package forms

import (
	"bytes"
	"context"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// SetStore makes the registry keep the definitions PutContext publishes in
// store, and find in it those that other processes published. Definitions
// loaded from files (the shipped ones, --forms DIR) stay in memory only:
// every process loads them itself. Call SetStore before the registry is
// used.
func (r *Registry) SetStore(store DefinitionStore) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.store = store
}

func (r *Registry) storeOf() DefinitionStore {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.store
}

// PutContext publishes a definition, in the store when the registry has
// one, and reports whether it was new. The same definition again is not an
// error; another under a code and version published by any process (or
// loaded from a file) is Conflict "form_version_exists". Errors of the
// store come back as they are (Unavailable, Internal).
func (r *Registry) PutContext(ctx context.Context, d *Definition) (bool, error) {
	raw, err := encodeDefinition(d)
	if err != nil {
		return false, err
	}
	st := r.storeOf()
	if st == nil {
		return r.putMemory(d, raw)
	}
	r.mu.RLock()
	old, known := r.raw[d.Code][d.Version]
	r.mu.RUnlock()
	if known {
		if bytes.Equal(old, raw) {
			return false, nil
		}
		return false, errVersionExists(d.Code, d.Version)
	}
	err = st.PutDefinition(ctx, StoredDefinition{Code: d.Code, Version: d.Version, Body: raw, CreatedAt: time.Now().UTC()})
	switch {
	case err == nil:
		if _, err := r.putMemory(d, raw); err != nil {
			return false, err
		}
		return true, nil
	case kerr.IsKind(err, kerr.Conflict):
		got, gerr := st.GetDefinition(ctx, d.Code, d.Version)
		if gerr != nil {
			return false, gerr
		}
		if !bytes.Equal(got.Body, raw) {
			return false, errVersionExists(d.Code, d.Version)
		}
		if _, err := r.putMemory(d, raw); err != nil {
			return false, err
		}
		return false, nil
	}
	return false, err
}

// GetContext returns a definition by code and version (0: the latest),
// looking in the store too when the registry has one: a version another
// process published is found, and the latest is the highest of memory and
// store. NotFound "form_not_found" or "form_version_not_found" if none.
func (r *Registry) GetContext(ctx context.Context, code string, version int) (*Definition, error) {
	st := r.storeOf()
	if st == nil || !formCodeRE.MatchString(code) {
		return r.Get(code, version)
	}
	if version > 0 {
		if d, err := r.Get(code, version); err == nil {
			return d, nil
		}
	}
	sd, err := st.GetDefinition(ctx, code, version)
	switch {
	case kerr.IsKind(err, kerr.NotFound):
		return r.Get(code, version)
	case err != nil:
		return nil, err
	}
	if version == 0 {
		if d, err := r.Get(code, 0); err == nil && d.Version >= sd.Version {
			return d, nil
		}
	}
	if err := r.cache(sd); err != nil {
		return nil, err
	}
	return r.Get(code, sd.Version)
}

// ListContext returns every published version, by code then version,
// those in the store included when the registry has one. A stored
// definition that no longer parses is left out (GetContext reports it).
func (r *Registry) ListContext(ctx context.Context) ([]Summary, error) {
	if st := r.storeOf(); st != nil {
		sds, err := st.ListDefinitions(ctx)
		if err != nil {
			return nil, err
		}
		for _, sd := range sds {
			r.mu.RLock()
			_, known := r.raw[sd.Code][sd.Version]
			r.mu.RUnlock()
			if !known {
				_ = r.cache(sd)
			}
		}
	}
	return r.List(), nil
}

// cache parses a stored definition and keeps it in memory. When memory
// already holds another one under its code and version (a file loaded at
// start), memory wins.
func (r *Registry) cache(sd StoredDefinition) error {
	d, err := Parse(sd.Body)
	if err == nil && (d.Code != sd.Code || d.Version != sd.Version) {
		err = kerr.New(kerr.Internal, "form_definition_stored_invalid", "", "stored under %s/%d but is %s/%d", sd.Code, sd.Version, d.Code, d.Version)
	}
	if err != nil {
		return kerr.Wrap(err, kerr.Internal, "form_definition_stored_invalid",
			"Định nghĩa biểu mẫu "+sd.Code+" phiên bản "+itoa(sd.Version)+" trong cơ sở dữ liệu không đọc được.")
	}
	raw, err := encodeDefinition(d)
	if err != nil {
		return err
	}
	_, _ = r.putMemory(d, raw)
	return nil
}
