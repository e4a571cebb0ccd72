package signing

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/digitorus/pdf"
	"github.com/kho-vn/kho/certs-test/pki"
)

// dssOf reads the DSS of pdf.
func dssOf(t *testing.T, doc []byte) *validationData {
	t.Helper()
	rdr, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	d, err := readDSS(rdr)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestSignLTAndLTA(t *testing.T) {
	e := getEnv(t)
	xrefStream, err := os.ReadFile("testdata/one-page-xref-stream.pdf")
	if err != nil {
		t.Fatal(err)
	}
	signedBefore := signBytes(t, e.signer(t, pki.Seal, Options{Level: LevelBT, TSAURL: e.tsaURL}), makePDF(2))
	inputs := []struct {
		name string
		pdf  []byte
		sigs int // signatures before ours
	}{
		{"xref table", makePDF(1), 0},
		{"xref stream, catalog in an object stream", xrefStream, 0},
		{"already signed", signedBefore, 1},
	}
	for _, in := range inputs {
		for _, level := range []Level{LevelBLT, LevelBLTA} {
			t.Run(in.name+"/"+level.String(), func(t *testing.T) {
				out := signBytes(t, e.signer(t, pki.Personal, Options{Level: level, TSAURL: e.tsaURL}), in.pdf)
				if !bytes.HasPrefix(out, in.pdf) {
					t.Fatal("not an incremental update of the input")
				}
				qpdfCheck(t, out)
				d := dssOf(t, out)
				if len(d.certs) < 4 || len(d.ocsps)+len(d.crls) < 3 {
					t.Fatalf("DSS: %d certs, %d OCSPs, %d CRLs", len(d.certs), len(d.ocsps), len(d.crls))
				}
				// Our verifier, offline: every signature and time-stamp
				// passes, ours at the level asked for.
				vr := verifyBytes(t, out, VerifyOptions{Roots: e.pki.Roots(), Checker: offlineChecker(e)})
				for i, s := range vr.Signatures {
					if s.Verdict != TotalPassed && !(i < in.sigs && s.SubIndication == SubTryLater) {
						t.Fatalf("verify entry %d: %s/%s %s %+v", i, s.Verdict, s.SubIndication, s.Detail, s.Changes)
					}
				}
				if got := vr.Signatures[in.sigs].Level; got != level.String() {
					t.Fatalf("level %s, want %s", got, level)
				}
				rep := runPdfsig(t, out)
				want := in.sigs + 1
				if level == LevelBLTA {
					want++
				}
				if len(rep.signatures) != want {
					t.Fatalf("pdfsig sees %d signatures, want %d:\n%s", len(rep.signatures), want, rep.out)
				}
				for i, s := range rep.signatures {
					if level == LevelBLTA && i == len(rep.signatures)-1 {
						// pdfsig 22.12 cannot check document time-stamps:
						// it shows their type as "unknown", not verified.
						if s.subFilter != "unknown" || !s.whole || s.signer != e.pki.Identity(pki.TSA).Cert.Subject.CommonName {
							t.Fatalf("pdfsig on the document time-stamp: %+v\n%s", s, rep.out)
						}
						continue
					}
					if s.validation != "Signature is Valid." {
						t.Fatalf("pdfsig signature %d: %+v\n%s", i+1, s, rep.out)
					}
				}
			})
		}
	}
}

// qpdfCheck runs `qpdf --check` on doc: an independent check that the
// incremental updates (cross-reference sections, trailers, object streams)
// are well formed.
func qpdfCheck(t *testing.T, doc []byte) {
	t.Helper()
	bin := toolPath(t, "qpdf", "qpdf")
	f := t.TempDir() + "/doc.pdf"
	if err := os.WriteFile(f, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--check", f).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "No syntax or stream encoding errors found") {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
}
