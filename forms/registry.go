package forms

import (
	"bytes"
	"embed"
	"encoding/json"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/kho-vn/kho/internal/kerr"
)

//go:embed definitions/*.json
var shipped embed.FS

// Shipped returns the definitions that come with Kho (forms/definitions),
// as a file system whose root holds the *.json files.
func Shipped() fs.FS {
	sub, err := fs.Sub(shipped, "definitions")
	if err != nil {
		panic(err) // the embedded directory exists at build time
	}
	return sub
}

// Registry holds the published definitions by code and version. A
// published version never changes: putting another definition under the
// same code and version is a conflict. It is safe for concurrent use.
//
// Without a store the registry lives in memory: a definition put through
// the admin API is gone after a restart and unknown to other processes.
// With one (SetStore), what PutContext publishes is stored, and
// GetContext and ListContext see what any process published (see
// registry_store.go).
type Registry struct {
	mu    sync.RWMutex
	defs  map[string]map[int]*Definition
	raw   map[string]map[int][]byte // the definition as canonical JSON
	store DefinitionStore           // nil: memory only
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{defs: map[string]map[int]*Definition{}, raw: map[string]map[int][]byte{}}
}

// NewShippedRegistry returns a registry with the shipped definitions.
func NewShippedRegistry() (*Registry, error) {
	r := NewRegistry()
	if _, err := r.LoadFS(Shipped()); err != nil {
		return nil, err
	}
	return r, nil
}

// Put publishes a checked definition in memory (PutContext also stores
// it when the registry has a store). It reports whether it was new; the
// same definition put again is not an error; a different one under a
// published code and version is a Conflict.
func (r *Registry) Put(d *Definition) (bool, error) {
	raw, err := encodeDefinition(d)
	if err != nil {
		return false, err
	}
	return r.putMemory(d, raw)
}

// encodeDefinition checks d if needed and returns the JSON kept for it.
func encodeDefinition(d *Definition) ([]byte, error) {
	if d.idx == nil {
		if err := d.Check(); err != nil {
			return nil, err
		}
	}
	raw, err := json.Marshal(d)
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Internal, "form_definition_encode", "Không thể lưu định nghĩa biểu mẫu.")
	}
	return raw, nil
}

func errVersionExists(code string, version int) error {
	return kerr.New(kerr.Conflict, "form_version_exists",
		"Biểu mẫu "+code+" phiên bản "+itoa(version)+" đã được công bố với nội dung khác; hãy tăng số phiên bản.",
		"form %s version %d is published with other content", code, version)
}

// putMemory publishes d, whose JSON is raw, in memory.
func (r *Registry) putMemory(d *Definition, raw []byte) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.raw[d.Code][d.Version]; ok {
		if bytes.Equal(old, raw) {
			return false, nil
		}
		return false, errVersionExists(d.Code, d.Version)
	}
	if r.defs[d.Code] == nil {
		r.defs[d.Code] = map[int]*Definition{}
		r.raw[d.Code] = map[int][]byte{}
	}
	r.defs[d.Code][d.Version] = d
	r.raw[d.Code][d.Version] = raw
	return true, nil
}

// Get returns a definition by code and version; version 0 means the
// latest. An unknown one is NotFound.
func (r *Registry) Get(code string, version int) (*Definition, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	vs := r.defs[code]
	if version == 0 {
		for v := range vs {
			version = max(version, v)
		}
	}
	if d, ok := vs[version]; ok {
		return d, nil
	}
	if len(vs) == 0 {
		return nil, kerr.New(kerr.NotFound, "form_not_found", "Không tìm thấy biểu mẫu.", "no form %q", code)
	}
	return nil, kerr.New(kerr.NotFound, "form_version_not_found", "Không tìm thấy phiên bản này của biểu mẫu.", "form %q has no version %d", code, version)
}

// List returns every published version, by code then version.
func (r *Registry) List() []Summary {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := []Summary{}
	for _, code := range sortedKeys(r.defs) {
		var vs []int
		for v := range r.defs[code] {
			vs = append(vs, v)
		}
		slices.Sort(vs)
		for _, v := range vs {
			out = append(out, r.defs[code][v].Summary())
		}
	}
	return out
}

// LoadFS parses and publishes every *.json file at the root of fsys and
// returns how many it read. The error names the file that failed; files
// before it stay published.
func (r *Registry) LoadFS(fsys fs.FS) (int, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return 0, kerr.Wrap(err, kerr.Invalid, "form_definitions_unreadable", "Không đọc được thư mục định nghĩa biểu mẫu.")
	}
	n := 0
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		data, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return n, kerr.Wrap(err, kerr.Invalid, "form_definitions_unreadable", "Không đọc được tệp định nghĩa biểu mẫu "+e.Name()+".")
		}
		d, err := Parse(data)
		if err == nil {
			_, err = r.Put(d)
		}
		if err != nil {
			return n, kerr.Wrap(err, kerr.KindOf(err), "form_definition_file_invalid", "Tệp định nghĩa biểu mẫu "+path.Base(e.Name())+" không hợp lệ.")
		}
		n++
	}
	return n, nil
}

// LoadDir publishes every *.json file of a directory (see LoadFS).
func (r *Registry) LoadDir(dir string) (int, error) {
	return r.LoadFS(os.DirFS(dir))
}
