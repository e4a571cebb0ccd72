package signing

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/certs-test/pki"
	"software.sslmate.com/src/go-pkcs12"
)

// untrusted names the identity of foreignEnv that chains to no trust anchor
// of the test PKI: a leaf under a CA of its own, made by the test.
const untrusted = "untrusted"

// foreignEnv signs PDFs with software other than Kho's: poppler's pdfsig
// over an NSS database (Debian poppler-utils, libnss3-tools) and Apache
// PDFBox 2 with BouncyCastle (Debian libpdfbox2-java, libbcprov-java,
// libbcpkix-java) through testdata/foreign/PdfBoxSign.java, compiled here
// with javac. Each holds the test PKI's signers and the untrusted one.
type foreignEnv struct {
	e         *testEnv
	dir       string            // scratch
	p12       map[string]string // identity → PKCS#12 file (password pki.TestPassword)
	nssdir    string            // "sql:DIR"
	pdfsig    string
	java      string
	classpath string
	subject   map[string]string // identity → signer common name
}

// pdfboxJars are the Debian files PdfBoxSign.java needs, with their packages.
var pdfboxJars = [][2]string{
	{"/usr/share/java/pdfbox2.jar", "libpdfbox2-java"},
	{"/usr/share/java/fontbox2.jar", "libfontbox2-java"},
	{"/usr/share/java/commons-logging.jar", "libcommons-logging-java"},
	{"/usr/share/java/bcprov.jar", "libbcprov-java"},
	{"/usr/share/java/bcpkix.jar", "libbcpkix-java"},
	{"/usr/share/java/bcutil.jar", "libbcutil-java"},
}

// debianFile fails the test when path, from Debian package pkg, is missing
// (skips it under -short outside CI), as testenv.Tool does for commands.
func debianFile(t *testing.T, path, pkg string) {
	t.Helper()
	if _, err := os.Stat(path); err == nil {
		return
	}
	if testing.Short() && os.Getenv("CI") == "" {
		t.Skipf("%s (%s) not installed; skipped with -short", path, pkg)
	}
	t.Fatalf("%s (Debian %s) is not installed; run `make test`, which installs it", path, pkg)
}

func newForeignEnv(t *testing.T) *foreignEnv {
	t.Helper()
	e := getEnv(t)
	f := &foreignEnv{e: e, dir: t.TempDir(), p12: map[string]string{}, subject: map[string]string{}}
	f.pdfsig = pdfsigPath(t)
	certutil := toolPath(t, "certutil", "libnss3-tools")
	pk12util := toolPath(t, "pk12util", "libnss3-tools")
	f.java = toolPath(t, "java", "default-jdk-headless")
	javac := toolPath(t, "javac", "default-jdk-headless")
	var jars []string
	for _, j := range pdfboxJars {
		debianFile(t, j[0], j[1])
		jars = append(jars, j[0])
	}

	// The identities as PKCS#12 files: the test PKI's, and an untrusted one.
	pkiDir := filepath.Join(f.dir, "pki")
	if err := e.pki.WriteDir(pkiDir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{pki.Personal, pki.Seal, pki.Revoked} {
		f.p12[name] = filepath.Join(pkiDir, name+".p12")
		f.subject[name] = e.pki.Identity(name).Cert.Subject.CommonName
	}
	f.p12[untrusted], f.subject[untrusted] = writeUntrustedP12(t, f.dir)

	// The NSS database for pdfsig, each identity under its own nickname.
	f.nssdir = "sql:" + filepath.Join(f.dir, "nss")
	if err := os.Mkdir(filepath.Join(f.dir, "nss"), 0o700); err != nil {
		t.Fatal(err)
	}
	runTool(t, certutil, "-N", "-d", f.nssdir, "--empty-password")
	for _, name := range []string{pki.Personal, pki.Seal, pki.Revoked, untrusted} {
		runTool(t, pk12util, "-i", f.p12[name], "-d", f.nssdir, "-W", pki.TestPassword, "-K", "")
		// pk12util names the key after the subject; rename it.
		nick := ""
		for _, line := range strings.Split(runTool(t, certutil, "-L", "-d", f.nssdir), "\n") {
			if l := strings.TrimSpace(line); strings.HasSuffix(l, "u,u,u") {
				if n := strings.TrimSpace(strings.TrimSuffix(l, "u,u,u")); !slices.Contains([]string{pki.Personal, pki.Seal, pki.Revoked, untrusted}, n) {
					nick = n
				}
			}
		}
		if nick == "" {
			t.Fatalf("no new key in the NSS database after importing %s", name)
		}
		runTool(t, certutil, "--rename", "-n", nick, "--new-n", name, "-d", f.nssdir)
	}

	// The PDFBox signer.
	classes := filepath.Join(f.dir, "classes")
	f.classpath = strings.Join(append([]string{classes}, jars...), string(os.PathListSeparator))
	runTool(t, javac, "-d", classes, "-cp", f.classpath, filepath.Join("testdata", "foreign", "PdfBoxSign.java"))
	return f
}

// writeUntrustedP12 makes a CA of the test's own and a signer under it
// (RSA-2048: pdfsig 22.12 cannot sign with ECDSA keys; digitalSignature + contentCommitment, the usages of the
// test PKI's signers) and writes them as a PKCS#12 file; it returns the
// file and the signer's common name.
func writeUntrustedP12(t *testing.T, dir string) (string, string) {
	t.Helper()
	now := time.Now()
	caKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Untrusted Test CA", Organization: []string{"Không tin cậy"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, BasicConstraintsValid: true, IsCA: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	const cn = "Người ký không tin cậy"
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: cn, Country: []string{"VN"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	p12, err := pkcs12.Modern.Encode(key, cert, []*x509.Certificate{ca}, pki.TestPassword)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, untrusted+".p12")
	if err := os.WriteFile(file, p12, 0o600); err != nil {
		t.Fatal(err)
	}
	return file, cn
}

// runTool runs a command and returns its standard output; a failure fails the test.
func runTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s%s", filepath.Base(name), strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return out.String()
}

// withFiles writes in to a file, runs do with its path and the path of an
// output file, and returns what do wrote there.
func (f *foreignEnv) withFiles(t *testing.T, in []byte, do func(inPath, outPath string)) []byte {
	t.Helper()
	dir := t.TempDir()
	inPath, outPath := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(inPath, in, 0o600); err != nil {
		t.Fatal(err)
	}
	do(inPath, outPath)
	out, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out, in) {
		t.Fatal("the signer did not append an incremental update to its input")
	}
	return out
}

// implementation is a PDF signer: Kho's, pdfsig or PDFBox.
type implementation struct {
	name string
	sign func(t *testing.T, in []byte, identity string) []byte
}

func (f *foreignEnv) implementations() []implementation {
	return []implementation{
		{"kho", func(t *testing.T, in []byte, id string) []byte { return signBytes(t, f.e.signer(t, id, Options{}), in) }},
		{"pdfsig", f.signPdfsig},
		{"pdfbox", f.signPDFBox},
	}
}

func (f *foreignEnv) signPdfsig(t *testing.T, in []byte, identity string) []byte {
	t.Helper()
	return f.withFiles(t, in, func(inPath, outPath string) {
		runTool(t, f.pdfsig, "-add-signature", "-nssdir", f.nssdir, "-nick", identity, "-digest", "SHA256", inPath, outPath)
	})
}

func (f *foreignEnv) signPDFBox(t *testing.T, in []byte, identity string) []byte {
	t.Helper()
	return f.withFiles(t, in, func(inPath, outPath string) {
		f.pdfbox(t, "sign", f.p12[identity], pki.TestPassword, inPath, outPath)
	})
}

// editPDFBox appends text to the first page's content in an incremental
// update written by PDFBox.
func (f *foreignEnv) editPDFBox(t *testing.T, in []byte) []byte {
	t.Helper()
	return f.withFiles(t, in, func(inPath, outPath string) { f.pdfbox(t, "edit", inPath, outPath) })
}

func (f *foreignEnv) pdfbox(t *testing.T, args ...string) {
	t.Helper()
	cache := filepath.Join(f.dir, "pdfbox.cache") // PDFBox's font cache, kept out of $HOME
	runTool(t, f.java, append([]string{"-Dpdfbox.fontcache=" + cache, "-cp", f.classpath, "PdfBoxSign"}, args...)...)
}

func (f *foreignEnv) verify(t *testing.T, pdf []byte) *Report {
	t.Helper()
	return verifyBytes(t, pdf, VerifyOptions{Roots: f.e.pki.Roots(), Checker: f.e.checker()})
}

// wantSig checks one signature of a report: its signer, verdict and
// sub-indication, and the kinds of the changes after it, each allowed or
// not as the signs say ("later_signature" allowed, "-later_signature"
// not).
func wantSig(t *testing.T, rep *Report, i int, signer string, verdict Verdict, sub string, changes ...string) {
	t.Helper()
	if i >= len(rep.Signatures) {
		t.Fatalf("%d signatures, want signature %d", len(rep.Signatures), i)
	}
	s := rep.Signatures[i]
	if s.Signer == nil || s.Signer.CommonName != signer {
		t.Fatalf("signature %d: signer %+v, want %q", i, s.Signer, signer)
	}
	if s.Verdict != verdict || s.SubIndication != sub {
		t.Fatalf("signature %d (%s): %s/%s (%s), want %s/%s; changes %+v", i, signer, s.Verdict, s.SubIndication, s.Detail, verdict, sub, s.Changes)
	}
	var got []string
	for _, c := range s.Changes {
		k := c.Kind
		if !c.Allowed {
			k = "-" + k
		}
		got = append(got, k)
	}
	if !slices.Equal(got, changes) {
		t.Fatalf("signature %d (%s): changes %v, want %v", i, signer, got, changes)
	}
	if s.CoversWholeDocument != (len(changes) == 0) || s.ModifiedAfterSigning != (len(changes) > 0) {
		t.Fatalf("signature %d (%s): covers whole %v, modified after %v, with changes %v", i, signer, s.CoversWholeDocument, s.ModifiedAfterSigning, changes)
	}
}

// wantPdfsigValid checks that poppler finds every signature of pdf
// mathematically valid: the signatures the tools made are sound, whatever
// Kho says of the changes between them.
func wantPdfsigValid(t *testing.T, pdf []byte, n int) {
	t.Helper()
	rep := runPdfsig(t, pdf)
	if len(rep.signatures) != n {
		t.Fatalf("pdfsig sees %d signatures, want %d:\n%s", len(rep.signatures), n, rep.out)
	}
	for i, s := range rep.signatures {
		if s.validation != "Signature is Valid." {
			t.Fatalf("pdfsig, signature %d: %q\n%s", i, s.validation, rep.out)
		}
	}
}

// TestForeignSignatures verifies PDFs signed during the test by poppler's
// pdfsig and by Apache PDFBox, alone, one after the other in every order
// of the three implementations (Kho's included), by untrusted and revoked
// signers, and changed after signing by another tool: Kho's verdict must
// be the expected one in each case.
func TestForeignSignatures(t *testing.T) {
	f := newForeignEnv(t)
	impls := f.implementations()
	foreign := impls[1:]
	personal, seal := f.subject[pki.Personal], f.subject[pki.Seal]
	doc := makePDF(1)

	t.Run("one", func(t *testing.T) {
		for _, im := range foreign {
			t.Run(im.name, func(t *testing.T) {
				signed := im.sign(t, doc, pki.Personal)
				wantPdfsigValid(t, signed, 1)
				rep := f.verify(t, signed)
				if len(rep.Signatures) != 1 {
					t.Fatalf("%d signatures", len(rep.Signatures))
				}
				wantSig(t, rep, 0, personal, TotalPassed, "")
				if s := rep.Signatures[0]; !s.Integrity || !s.CryptoValid || !s.ChainTrusted || s.Revocation != "good" || s.Level != "B-B" {
					t.Fatalf("%+v", s)
				}
			})
		}
	})

	t.Run("sequential", func(t *testing.T) {
		for _, first := range impls {
			for _, second := range impls {
				t.Run(first.name+"-then-"+second.name, func(t *testing.T) {
					two := second.sign(t, first.sign(t, doc, pki.Personal), pki.Seal)
					wantPdfsigValid(t, two, 2)
					rep := f.verify(t, two)
					if len(rep.Signatures) != 2 {
						t.Fatalf("%d signatures", len(rep.Signatures))
					}
					wantSig(t, rep, 0, personal, TotalPassed, "", ChangeLaterSignature)
					wantSig(t, rep, 1, seal, TotalPassed, "")
				})
			}
		}
		// Three signers, three implementations: a citizen, an officer, a leader.
		three := f.signPDFBox(t, f.signPdfsig(t, signBytes(t, f.e.signer(t, pki.Personal, Options{}), doc), pki.Seal), pki.Personal)
		rep := f.verify(t, three)
		wantSig(t, rep, 0, personal, TotalPassed, "", ChangeLaterSignature, ChangeLaterSignature)
		wantSig(t, rep, 1, seal, TotalPassed, "", ChangeLaterSignature)
		wantSig(t, rep, 2, personal, TotalPassed, "")
	})

	t.Run("untrusted", func(t *testing.T) {
		for _, im := range foreign {
			t.Run(im.name, func(t *testing.T) {
				rep := f.verify(t, im.sign(t, doc, untrusted))
				wantSig(t, rep, 0, f.subject[untrusted], Indeterminate, SubNoCertificateChain)
				if s := rep.Signatures[0]; !s.Integrity || !s.CryptoValid || s.ChainTrusted {
					t.Fatalf("%+v", s)
				}
			})
		}
	})

	t.Run("revoked", func(t *testing.T) {
		for _, im := range foreign {
			t.Run(im.name, func(t *testing.T) {
				rep := f.verify(t, im.sign(t, doc, pki.Revoked))
				wantSig(t, rep, 0, f.subject[pki.Revoked], TotalFailed, SubRevoked)
				if s := rep.Signatures[0]; s.Revocation != "revoked" || !s.CryptoValid {
					t.Fatalf("%+v", s)
				}
			})
		}
	})

	t.Run("trusted-then-untrusted", func(t *testing.T) {
		for _, pair := range [][2]implementation{{impls[1], impls[1]}, {impls[2], impls[1]}, {impls[0], impls[2]}, {impls[1], impls[2]}} {
			t.Run(pair[0].name+"-then-"+pair[1].name, func(t *testing.T) {
				two := pair[1].sign(t, pair[0].sign(t, doc, pki.Personal), untrusted)
				rep := f.verify(t, two)
				wantSig(t, rep, 0, personal, TotalPassed, "", ChangeLaterSignature)
				wantSig(t, rep, 1, f.subject[untrusted], Indeterminate, SubNoCertificateChain)
			})
		}
	})

	t.Run("changed-after-signing", func(t *testing.T) {
		for _, im := range foreign {
			t.Run(im.name+"-then-pdfbox-edit", func(t *testing.T) {
				edited := f.editPDFBox(t, im.sign(t, doc, pki.Personal))
				wantPdfsigValid(t, edited, 1) // the signature itself is intact
				wantSig(t, f.verify(t, edited), 0, personal, Indeterminate, SubChangesNotClassified, "-"+ChangeUnclassified)
			})
			t.Run(im.name+"-then-content-replaced", func(t *testing.T) {
				signed := im.sign(t, doc, pki.Personal)
				patched := appendContentUpdate(t, signed, "BT /F1 18 Tf 72 760 Td (Kho test page 9 of 9) Tj ET")
				wantSig(t, f.verify(t, patched), 0, personal, Indeterminate, SubChangesNotClassified, "-"+ChangeUnclassified)
			})
			t.Run(im.name+"-then-byte-flipped", func(t *testing.T) {
				signed := bytes.Clone(im.sign(t, doc, pki.Personal))
				i := bytes.Index(signed, []byte("(Kho test page 1 of 1)"))
				signed[i+1] = 'X'
				wantSig(t, f.verify(t, signed), 0, personal, TotalFailed, SubHashFailure)
			})
		}
		// An edit between two signatures: the first does not pass, the
		// second, which signed the edit, does.
		edited := f.signPdfsig(t, f.editPDFBox(t, f.signPdfsig(t, doc, pki.Personal)), pki.Seal)
		rep := f.verify(t, edited)
		wantSig(t, rep, 0, personal, Indeterminate, SubChangesNotClassified, "-"+ChangeUnclassified, ChangeLaterSignature)
		wantSig(t, rep, 1, seal, TotalPassed, "")
	})

	t.Run("docmdp", func(t *testing.T) {
		// A certification that allows no change: a later signature by
		// another tool is a forbidden change (pdfsig does not refuse to
		// make it, as Kho's signer does).
		locked := signBytes(t, f.e.signer(t, pki.Personal, Options{Certification: CertifyNoChanges}), doc)
		for _, im := range foreign {
			t.Run(im.name+"-after-p1", func(t *testing.T) {
				rep := f.verify(t, im.sign(t, locked, pki.Seal))
				wantSig(t, rep, 0, personal, Indeterminate, SubSigConstraintsFailure, "-"+ChangeLaterSignature)
				wantSig(t, rep, 1, seal, TotalPassed, "")
			})
		}
		// P=2 allows signing.
		open := signBytes(t, f.e.signer(t, pki.Personal, Options{Certification: CertifyFormFilling}), doc)
		rep := f.verify(t, f.signPdfsig(t, open, pki.Seal))
		wantSig(t, rep, 0, personal, TotalPassed, "", ChangeLaterSignature)
		if rep.Signatures[0].DocMDP != 2 {
			t.Fatalf("DocMDP %d", rep.Signatures[0].DocMDP)
		}
	})
}

// appendContentUpdate appends to pdf an incremental update, written by
// hand, that replaces the content stream of the first page (object 5 of
// makePDF) with text.
func appendContentUpdate(t *testing.T, pdf []byte, text string) []byte {
	t.Helper()
	rdr := readerOf(t, pdf)
	page := rdr.Trailer().Key("Root").Key("Pages").Key("Kids").Index(0)
	content := page.Key("Contents").GetPtr()
	if content.GetID() == 0 {
		t.Fatal("the first page has no indirect content stream")
	}
	var b bytes.Buffer
	b.Write(pdf)
	if pdf[len(pdf)-1] != '\n' {
		b.WriteByte('\n')
	}
	off := b.Len()
	fmt.Fprintf(&b, "%d %d obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n", content.GetID(), content.GetGen(), len(text), text)
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 1\n0000000000 65535 f \n%d 1\n%010d %05d n \n", content.GetID(), off, content.GetGen())
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d %d R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n",
		rdr.Trailer().Key("Size").Int64(), rdr.Trailer().Key("Root").GetPtr().GetID(), rdr.Trailer().Key("Root").GetPtr().GetGen(),
		rdr.XrefInformation.StartPos, xref)
	return b.Bytes()
}
