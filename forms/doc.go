// Package forms holds Kho's eForms (biểu mẫu điện tử tương tác): the
// versioned JSON definition format, server-side validation with a
// Vietnamese message per field, the filled data as canonical JSON and as
// XML, and the shipped definitions (forms/definitions/*.json).
//
// A definition is plain data: every rule (formats, limits, options,
// conditions between fields) is a JSON value that a browser can apply with
// the same meaning; nothing is hidden in Go code. The server re-validates
// everything it receives, pre-filled values included. The format is
// described in docs/forms.md.
//
// Auto-fill (autofill.go) fills fields that declare prefill sources from
// the owner's profile and papers in the vault, recording each value's
// provenance; the server reads the sources again on submission.
package forms
