package signing

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// oldReport is a report as Kho stored it before 2026-12-07: snake_case keys.
const oldReport = `{"size":1234,"verified_at":"2026-11-20T03:04:05Z","dss":{"certs":2,"ocsps":1,"crls":0},
"signatures":[{"field":"Sig1","kind":"signature","subfilter":"ETSI.CAdES.detached","level":"B-LT",
"signer":{"common_name":"Nguyễn Văn An","serial_number":"CCCD:001099012345","cert_serial":"0a","issuer":"CA","not_before":"2025-01-01T00:00:00Z","not_after":"2027-01-01T00:00:00Z"},
"signing_time":"2026-11-20T03:00:00Z","signing_time_source":"timestamp","byte_range":[0,10,20,30],"integrity":true,"crypto_valid":true,"chain_trusted":true,
"revocation":"good","revocation_source":"dss+online","validated_at":"2026-11-20T03:00:00Z",
"timestamp":{"present":true,"valid":true,"time":"2026-11-20T03:00:00Z","tsa":"TSA","revocation":"good","revocation_source":"dss"},
"covers_whole_document":false,"modified_after_signing":true,"docmdp":2,
"changes":[{"from":30,"to":40,"kind":"later_signature","allowed":true}],
"verdict":"INDETERMINATE","sub_indication":"TRY_LATER","message":"Chưa kiểm tra được.","detail":"x"}]}`

// TestReadReportReadsOldSpellings checks that a report stored with the old
// snake_case keys reads whole, and comes out in camelCase.
func TestReadReportReadsOldSpellings(t *testing.T) {
	rep, err := ReadReport([]byte(oldReport))
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Signatures[0]
	at := time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)
	if rep.Size != 1234 || !rep.VerifiedAt.Equal(at.Add(4*time.Minute+5*time.Second)) || rep.DSS == nil || rep.DSS.Certs != 2 ||
		s.SubFilter != "ETSI.CAdES.detached" || s.Signer == nil || s.Signer.CommonName != "Nguyễn Văn An" || s.Signer.SerialNumber != "CCCD:001099012345" ||
		s.Signer.CertSerial != "0a" || s.Signer.NotAfter.Year() != 2027 || !s.SigningTime.Equal(at) || s.SigningTimeSource != "timestamp" ||
		len(s.ByteRange) != 4 || !s.CryptoValid || !s.ChainTrusted || s.RevocationSource != "dss+online" || !s.ValidatedAt.Equal(at) ||
		s.Timestamp.RevocationSource != "dss" || !s.ModifiedAfterSigning || s.DocMDP != 2 || len(s.Changes) != 1 ||
		s.SubIndication != "TRY_LATER" || s.Kind != KindSignature {
		t.Fatalf("old report read as %+v / %+v", rep, s)
	}
	out, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, old := range []string{"verified_at", "sub_indication", "revocation_source", `"subfilter"`, "common_name", "byte_range"} {
		if strings.Contains(string(out), old) {
			t.Errorf("re-encoded report still says %s: %s", old, out)
		}
	}
	// Today's spelling reads the same, and round-trips.
	again, err := ReadReport(out)
	if err != nil {
		t.Fatal(err)
	}
	out2, _ := json.Marshal(again)
	if string(out2) != string(out) {
		t.Errorf("camelCase report changed on reading:\n%s\n%s", out, out2)
	}
	if _, err := ReadReport([]byte(`{"size":`)); err == nil {
		t.Error("a broken report was read")
	}
}
