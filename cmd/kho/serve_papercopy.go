package main

import "github.com/kho-vn/kho/archive"

// paperCopy is the configuration of the paper copies of electronic papers
// (archive.PaperCopier): the templates over Gotenberg, the QR codes to
// --public-url. nil — the page and the API answer 503 — without Gotenberg
// (the demo's basicpdf does not lay out the copy's frame) or without a
// public URL (the QR code would lead nowhere).
func (d *documents) paperCopy() *archive.PaperCopyConfig {
	if d == nil || d.converter == nil || d.basic || d.publicURL == "" {
		return nil
	}
	return &archive.PaperCopyConfig{Templates: d.templates, Converter: d.converter, PublicURL: d.publicURL}
}
