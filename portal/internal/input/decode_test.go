package input_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
)

// TestDecodeStrictNames: member names match field names exactly; what
// encoding/json accepts otherwise is still accepted, and each refusal has
// its code.
func TestDecodeStrictNames(t *testing.T) {
	type body struct {
		Action string `json:"action"`
		Count  int    `json:"count,omitempty"`
		Inner  *struct {
			Name string `json:"name"`
		} `json:"inner,omitempty"`
	}
	for _, c := range []struct {
		in, code string
		want     body
	}{
		{in: `{"action":"receive","count":2}`, want: body{Action: "receive", Count: 2}},
		{in: ` {"action":"x"} `, want: body{Action: "x"}},
		{in: `{"ACtion":"receive"}`, code: "unknown_field"},
		{in: `{"Action":"receive"}`, code: "unknown_field"},
		{in: `{"action":"x","inner":{"NAME":"y"}}`, code: "unknown_field"},
		{in: `{"other":1}`, code: "unknown_field"},
		{in: `{"count":"2"}`, code: "invalid_field_type"},
		{in: `{"action":"x"} {}`, code: "invalid_json"},
		{in: `{"action":`, code: "invalid_json"},
		{in: ``, code: "invalid_json"},
	} {
		var got body
		err := input.DecodeStrict(strings.NewReader(c.in), &got, 1<<10)
		if c.code == "" {
			if err != nil || got.Action != c.want.Action || got.Count != c.want.Count {
				t.Errorf("%s: %+v, %v; want %+v", c.in, got, err, c.want)
			}
			continue
		}
		if !errors.Is(err, &kerr.Error{Code: c.code}) || !kerr.IsKind(err, kerr.Invalid) {
			t.Errorf("%s: %v, want Invalid %s", c.in, err, c.code)
		}
	}
	var got body
	err := input.DecodeStrict(strings.NewReader(``), &got, 1<<10)
	if _, msg := kerr.Public(err); !strings.Contains(msg, "trống") {
		t.Errorf("empty body: %q, want the message for an empty body", msg)
	}
}
