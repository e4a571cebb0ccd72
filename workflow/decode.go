package workflow

import (
	jsonv1 "encoding/json"
	jsonv2 "encoding/json/v2"
	"io"
)

// exactJSON are encoding/json's options with member names matched
// exactly ("Agencies" is not "agencies") and unknown members refused.
var exactJSON = jsonv2.JoinOptions(jsonv1.DefaultOptionsV1(),
	jsonv2.MatchCaseInsensitiveNames(false), jsonv2.RejectUnknownMembers(true))

// decodeExact decodes the one JSON value r holds (nothing may follow it)
// into v with exactJSON.
func decodeExact(r io.Reader, v any) error { return jsonv2.UnmarshalRead(r, v, exactJSON) }
