package portal_test

import (
	"slices"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/kho-vn/kho/api"
	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/portal"
)

// specOperations returns every "METHOD /path" of api/openapi.yaml.
func specOperations(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, op := range specScopes(t) {
		out = append(out, op.method+" "+op.path)
	}
	return out
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc, err := libopenapi.NewDocument([]byte(api.OpenAPI()))
	if err != nil {
		t.Fatal(err)
	}
	if v := doc.GetVersion(); v != "3.1.0" {
		t.Fatalf("openapi version %q, want 3.1.0", v)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("openapi.yaml: %v", e)
		}
	}
}

// TestRoutesMatchOpenAPI checks that every route the mux serves is in the
// OpenAPI document and every operation of the document is served.
func TestRoutesMatchOpenAPI(t *testing.T) {
	s := portal.New(portal.Config{}, &archive.Service{}, nil, nil)
	routes := s.Routes()
	spec := specOperations(t)
	if len(routes) == 0 || len(spec) == 0 {
		t.Fatalf("no routes (%d) or no operations (%d)", len(routes), len(spec))
	}
	for _, r := range routes {
		if !slices.Contains(spec, r) {
			t.Errorf("route %q is not in api/openapi.yaml", r)
		}
	}
	for _, op := range spec {
		if !slices.Contains(routes, op) {
			t.Errorf("operation %q of api/openapi.yaml is not served", op)
		}
	}
}

func TestNewHTTPServerTimeouts(t *testing.T) {
	s := portal.New(portal.Config{}, &archive.Service{}, nil, nil)
	hs := s.NewHTTPServer("127.0.0.1:0")
	if hs.ReadHeaderTimeout != 10*time.Second || hs.IdleTimeout != 120*time.Second || hs.WriteTimeout != 0 || hs.Handler == nil {
		t.Errorf("server timeouts: header %v idle %v write %v", hs.ReadHeaderTimeout, hs.IdleTimeout, hs.WriteTimeout)
	}
	if got := s.Config().MaxUploadBytes; got != 50<<20 {
		t.Errorf("default MaxUploadBytes = %d", got)
	}
}
