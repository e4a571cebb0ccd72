package api

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// camelCase is the spelling of every JSON key Kho writes.
var camelCase = regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)

// foreignFormats are files whose JSON keys follow someone else's format,
// not Kho's API.
var foreignFormats = map[string]string{
	"signing/remote_csc.go":       "the Cloud Signature Consortium API v2 (SAD, PIN, OTP, OAuth's error_description)",
	"certs-test/pki/files.go":     "the test PKI's manifest file, read by scripts and tests, never served",
	"certs-test/pki/csc.go":       "the test PKI's remote signing service, which speaks the CSC API v2",
	"internal/testenv/mailpit.go": "Mailpit's HTTP API (its message summaries and messages), read by tests",
	"portal/auth/oidc/oidc.go":    "OpenID Connect Discovery 1.0 (the provider's jwks_uri), read from the provider",
	"emc/event.go":                "the EMC monitoring system's event (2023 circular, appendix VII: CodeProfile, SiteId, CodeTTHC…), validated by api/emc-event.schema.json",
}

// TestJSONKeysAreCamelCase walks every struct of the module's Go sources
// (tests aside) and every property of api/openapi.yaml: a JSON key that is
// not camelCase fails, wherever it is emitted — documents, signature
// reports, forms, errors.
func TestJSONKeysAreCamelCase(t *testing.T) {
	checked := 0
	walkSources(t, func(rel string, f *ast.File) {
		if _, ok := foreignFormats[rel]; ok {
			return
		}
		ast.Inspect(f, func(n ast.Node) bool {
			st, ok := n.(*ast.StructType)
			if !ok {
				return true
			}
			for _, field := range st.Fields.List {
				if field.Tag == nil {
					continue
				}
				tag, _ := strconv.Unquote(field.Tag.Value)
				name, _, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ",")
				if name == "" || name == "-" {
					continue
				}
				checked++
				if !camelCase.MatchString(name) {
					t.Errorf("%s: JSON key %q is not camelCase", rel, name)
				}
			}
			return true
		})
	})
	if checked < 200 {
		t.Fatalf("only %d JSON keys found: the walk missed the sources", checked)
	}

	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(OpenAPI()), &doc); err != nil {
		t.Fatal(err)
	}
	props := 0
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode, yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, path+"["+strconv.Itoa(i)+"]")
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i].Value, n.Content[i+1]
				if k == "properties" && v.Kind == yaml.MappingNode {
					for j := 0; j < len(v.Content); j += 2 {
						props++
						if name := v.Content[j].Value; !camelCase.MatchString(name) {
							t.Errorf("openapi.yaml %s.properties: key %q is not camelCase", path, name)
						}
					}
				}
				if k == "required" && v.Kind == yaml.SequenceNode {
					for _, r := range v.Content {
						if !camelCase.MatchString(r.Value) {
							t.Errorf("openapi.yaml %s.required: key %q is not camelCase", path, r.Value)
						}
					}
				}
				walk(v, path+"."+k)
			}
		}
	}
	walk(&doc, "$")
	if props < 100 {
		t.Fatalf("only %d schema properties found in openapi.yaml", props)
	}
}

// walkSources parses every Go file of the module but tests and testdata,
// and calls fn with its path from the module root (slash-separated).
func walkSources(t *testing.T, fn func(rel string, f *ast.File)) {
	t.Helper()
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != ".." && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("..", path)
		fn(filepath.ToSlash(rel), f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
