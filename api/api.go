// Package api holds the OpenAPI 3.1 description of Kho's HTTP API
// (/api/v1). The portal serves it at /api/v1/openapi.yaml and its tests
// validate every request and response against it.
package api

import _ "embed" // for the OpenAPI document

//go:embed openapi.yaml
var openapi string

// OpenAPI returns the OpenAPI 3.1 document (YAML) describing /api/v1.
func OpenAPI() string { return openapi }
