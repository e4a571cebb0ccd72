package forms

import "encoding/json"

// Values is the clean data of a filled form: what Validate accepted,
// normalised, for the definition's code and version.
//
// Data maps field codes to values of these Go types:
//
//	text, textarea, search, radio, single dropdown   string
//	checkbox, multiple dropdown                      []string (in the order of the options)
//	date                                             string "YYYY-MM-DD" (people type and read DD/MM/YYYY)
//	time                                             string "hh:mm"
//	dateRange, timeRange                             Range
//	spin, slider                                     json.Number (shortest exact decimal)
//	file                                             []File
//	rows                                             []map[string]any (each row like Data)
//
// Empty and hidden fields are absent.
type Values struct {
	Form    string         `json:"form"`
	Version int            `json:"version"`
	Data    map[string]any `json:"data"`
	// Provenance records, by field path ("hoTen", "conCai[0].hoTen"),
	// where a value came from when it was not typed by the user. Auto-fill
	// fills it; Validate keeps what the caller gives.
	Provenance map[string]Provenance `json:"provenance,omitempty"`

	docNames map[string]string // names of the papers Prefill read, by ID, for messages
}

// Provenance is where one value came from.
type Provenance struct {
	// Source is "profile" (the owner's profile) or "document" (a field of
	// a paper in the vault).
	Source string `json:"source"`
	// DocumentID, DocumentVersion and DocumentField name the vault paper,
	// the version read and its field, for Source "document".
	DocumentID      string `json:"documentId,omitempty"`
	DocumentVersion int    `json:"documentVersion,omitempty"`
	DocumentField   string `json:"documentField,omitempty"`
	// DocumentType is the paper's type code, for Source "document".
	DocumentType string `json:"documentType,omitempty"`
	// Path is the profile entry read ("fullName"), for Source "profile".
	Path string `json:"path,omitempty"`
	// Original is the pre-filled value when the user corrected it: the
	// value the source gave, while the data holds the user's (or nothing
	// when the user emptied the field).
	Original any `json:"original,omitempty"`
}

// Range is the value of a date range ("YYYY-MM-DD") or time range
// ("hh:mm").
type Range struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// File describes an attached file; its bytes are stored elsewhere (the
// vault), by SHA256.
type File struct {
	Name      string `json:"name"`
	MediaType string `json:"mediaType"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256,omitempty"`
}

// FieldError is one refused value: the field's path in the data
// ("hoTen", "conCai[1].ngaySinh"; empty for the whole form), a stable code
// of the rule, and a Vietnamese message for the person filling the form.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

var _ json.Marshaler = Bound{}
