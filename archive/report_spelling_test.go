package archive_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kho-vn/kho/archive"
)

// TestOldSignatureReportServedCamelCase stores a signature report blob as
// Kho wrote them before 2026-12-07 (snake_case keys) with a version: the
// report endpoint's source, SignatureReport, serves it in camelCase.
func TestOldSignatureReportServedCamelCase(t *testing.T) {
	ctx := context.Background()
	v := newVault(t, archive.Config{})
	d, err := v.Put(ctx, citizenA, birthCert("", pdfBytes("đã ký")))
	wantCode(t, err, "")
	old := `{"size":1234,"verified_at":"2026-11-20T03:04:05Z","signatures":[{"field":"Sig1","kind":"signature","subfilter":"ETSI.CAdES.detached",` +
		`"signer":{"common_name":"Nguyễn Văn An","cert_serial":"0a","issuer":"CA","not_before":"2025-01-01T00:00:00Z","not_after":"2027-01-01T00:00:00Z"},` +
		`"byte_range":[0,1,2,3],"integrity":true,"crypto_valid":true,"chain_trusted":false,"revocation":"not_checked","revocation_source":"online",` +
		`"validated_at":"2026-11-20T03:00:00Z","timestamp":{"present":false,"valid":false},"covers_whole_document":true,"modified_after_signing":false,` +
		`"verdict":"INDETERMINATE","sub_indication":"NO_CERTIFICATE_CHAIN_FOUND"}]}`
	h, _, err := v.bucket.Put(ctx, strings.NewReader(old), 1<<20)
	wantCode(t, err, "")
	sum := archive.SignatureSummary{Signed: true, Count: 1, Verdict: "INDETERMINATE", Report: h}
	if err := v.store.SetSignature(ctx, d.ID, 1, &sum); err != nil {
		t.Fatal(err)
	}
	_, body, err := v.SignatureReport(ctx, citizenA, d.ID, 1, archive.Access{})
	wantCode(t, err, "")
	for _, want := range []string{`"verifiedAt":"2026-11-20T03:04:05Z"`, `"subFilter":"ETSI.CAdES.detached"`, `"commonName":"Nguyễn Văn An"`,
		`"revocationSource":"online"`, `"subIndication":"NO_CERTIFICATE_CHAIN_FOUND"`, `"coversWholeDocument":true`, `"byteRange":[0,1,2,3]`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("served report lacks %s: %s", want, body)
		}
	}
	if strings.Contains(string(body), "_at\"") || strings.Contains(string(body), "sub_indication") {
		t.Errorf("served report keeps snake_case keys: %s", body)
	}
}
