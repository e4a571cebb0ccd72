package archive

import "time"

// Unexported validators, exposed to the archive_test package's table and
// fuzz tests.
var (
	ValidateFileName     = validateFileName
	ValidateDocumentType = validateDocumentType
	SearchWords          = searchWords
	DecodeCursor         = decodeCursor
	EncodeCursor         = encodeCursor
	FormatBytes          = formatBytes
)

// ValidateMetadata checks m against t (its schema resolved as when t is
// stored) on the day now gives.
func ValidateMetadata(m Metadata, t DocumentType, now func() time.Time) (Metadata, error) {
	t, def, err := resolveSchema(t)
	if err != nil {
		return m, err
	}
	if m, err = validateMetadata(m, t); err != nil {
		return m, err
	}
	m.Fields, err = validateFields(m.Fields, def, now)
	return m, err
}

// ValidateFields checks typed fields against t's schema.
func ValidateFields(in map[string]any, t DocumentType, now func() time.Time) (map[string]any, error) {
	_, def, err := resolveSchema(t)
	if err != nil {
		return nil, err
	}
	return validateFields(in, def, now)
}

// FieldsChecker resolves t's schema once and returns its fields check.
func FieldsChecker(t DocumentType) (func(in map[string]any, now func() time.Time) (map[string]any, error), error) {
	_, def, err := resolveSchema(t)
	if err != nil {
		return nil, err
	}
	return func(in map[string]any, now func() time.Time) (map[string]any, error) {
		return validateFields(in, def, now)
	}, nil
}

// SetTestHooks installs seams that force interleavings: beforeCommit runs
// when a write's blobs are stored and its metadata is not committed yet,
// beforeCollect when the collector is about to collect a blob it found
// unused. Set them before the service is used.
func SetTestHooks(s *Service, beforeCommit func(), beforeCollect func(hash string)) {
	s.hooks = testHooks{beforeCommit: beforeCommit, beforeCollect: beforeCollect}
}

// CheckRetention is checkRetention, for the retention tests.
var CheckRetention = checkRetention
