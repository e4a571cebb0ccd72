package main

import (
	"bytes"
	"encoding/json"
	"io"

	"github.com/kho-vn/kho/internal/textrule"
)

// term returns text that came from a server, a store or a file as it may
// be printed to a terminal: control, bidirectional and other format
// characters escaped (textrule.Escape), so that a citizen's document name
// cannot drive staff's terminal (ESC sequences) or disguise itself (U+202E).
// Every value a table or summary prints goes through it.
func term(s string) string { return textrule.Escape(s) }

// printJSON writes v as indented JSON with the characters a terminal would
// act on written as \u escapes (textrule.EscapeJSON): encoding/json escapes
// C0 controls but not C1 controls nor the bidirectional overrides. The JSON
// value is the same.
func printJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(textrule.EscapeJSON(b), '\n'))
	return err
}

// writeEscapedJSON writes JSON text that the server sent, re-indented, with
// the same escaping as printJSON.
func writeEscapedJSON(w io.Writer, raw []byte) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return err
	}
	buf.WriteByte('\n')
	_, err := w.Write(textrule.EscapeJSON(buf.Bytes()))
	return err
}
