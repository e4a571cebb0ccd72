package api

import _ "embed" // for the EMC event's schema

//go:embed emc-event.schema.json
var emcEventSchema []byte

// EMCEventSchema returns the JSON Schema (2020-12) of the event Kho sends
// the national monitoring system EMC for each dossier event (package emc).
func EMCEventSchema() []byte { return append([]byte(nil), emcEventSchema...) }
