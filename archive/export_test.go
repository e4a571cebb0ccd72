package archive

// Unexported validators, exposed to the archive_test package's table and
// fuzz tests.
var (
	ValidateFileName     = validateFileName
	ValidateFields       = validateFields
	ValidateMetadata     = validateMetadata
	ValidateDocumentType = validateDocumentType
	SearchWords          = searchWords
	DecodeCursor         = decodeCursor
	EncodeCursor         = encodeCursor
	FormatBytes          = formatBytes
)
