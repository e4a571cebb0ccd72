package signing

import (
	"bytes"
	"encoding/json"
	"strings"
)

// legacyKeys are the report keys of before 2026-12-07 that are not plain
// snake_case versions of today's camelCase ones.
var legacyKeys = map[string]string{"subfilter": "subFilter"}

// ReadReport decodes a Report from JSON with today's camelCase keys, or
// with the snake_case keys reports were written with before 2026-12-07
// ("verified_at", "sub_indication", "revocation_source", "subfilter", …):
// reports kept with stored versions stay readable, and are served in
// today's spelling once re-encoded.
func ReadReport(b []byte) (*Report, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	camel, err := json.Marshal(camelKeys(tree))
	if err != nil {
		return nil, err
	}
	var rep Report
	if err := json.Unmarshal(camel, &rep); err != nil {
		return nil, err
	}
	return &rep, nil
}

// camelKeys returns v with every object key in camelCase: "sub_indication"
// becomes "subIndication". A report has no maps keyed by data, so every key
// is a field name.
func camelKeys(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[camelKey(k)] = camelKeys(e)
		}
		return out
	case []any:
		for i, e := range x {
			x[i] = camelKeys(e)
		}
		return x
	}
	return v
}

func camelKey(k string) string {
	if c, ok := legacyKeys[k]; ok {
		return c
	}
	parts := strings.Split(k, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}
