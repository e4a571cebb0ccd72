// Package forms will hold eForm definitions, validation, auto-fill from the
// vault with provenance, drafts and rendering to PDF/JSON/XML. It is issue
// 4's work; nothing is implemented yet.
package forms
