package forms

import (
	"bytes"
	"context"
	"io"

	"github.com/kho-vn/kho/signing"
)

// SignData signs filled data: it returns the values' canonical JSON (the
// bytes signed, see CanonicalJSON) and a detached CMS (CAdES-BES, or B-T
// with opts.TSAURL) over them from signing.SignData. Anyone verifies the
// pair with signing.VerifyData; a changed byte is HASH_FAILURE.
//
// Errors: those of CanonicalJSON and of signing.SignData (the Checker's
// certificate checks, Invalid key_missing, checker_missing…).
func SignData(ctx context.Context, key signing.KeySource, v Values, opts signing.DataOptions) (data, sig []byte, err error) {
	data, err = v.CanonicalJSON()
	if err != nil {
		return nil, nil, err
	}
	sig, err = signing.SignData(ctx, key, bytes.NewReader(data), opts)
	if err != nil {
		return nil, nil, err
	}
	return data, sig, nil
}

// SignPDF renders the filled form as PDF/A-3B with its canonical JSON and
// XML attached (Render with opts.PDFA set) and signs the file with s
// (PAdES), so that one signature covers the printed form and the data it
// carries. The signed PDF is written to out. A Signer made with a visible
// appearance anchored on SignatureHint draws the signature in the form's
// signature block.
//
// Errors: those of Render and of Signer.Sign.
func SignPDF(ctx context.Context, s *signing.Signer, d *Definition, v Values, out io.Writer, opts RenderOptions) (signing.Result, error) {
	opts.PDFA = true
	var pdf bytes.Buffer
	if err := Render(ctx, d, v, &pdf, opts); err != nil {
		return signing.Result{}, err
	}
	return s.Sign(ctx, bytes.NewReader(pdf.Bytes()), int64(pdf.Len()), out)
}
