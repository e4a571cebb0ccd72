package archive

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kho-vn/kho/signing"
)

// TestMarkScanner: the signature mark is found wherever the stream is cut,
// and never in a stream without it.
func TestMarkScanner(t *testing.T) {
	with := []byte("%PDF-1.7\n1 0 obj\n<< /Type /Sig /ByteRange [0 10 20 30] >>\nendobj\n")
	without := bytes.ReplaceAll(with, []byte("/ByteRange"), []byte("/ByteRangX"))
	near := []byte("/ByteRang /ByteRang\n/Byte Range")
	for _, tc := range []struct {
		name string
		data []byte
		want bool
	}{{"with", with, true}, {"without", without, false}, {"near misses", near, false}} {
		for piece := 1; piece <= len(tc.data); piece++ {
			var m markScanner
			for i := 0; i < len(tc.data); i += piece {
				m.feed(tc.data[i:min(i+piece, len(tc.data))])
			}
			if m.found != tc.want {
				t.Fatalf("%s, pieces of %d: found = %v", tc.name, piece, m.found)
			}
		}
	}
}

// TestSummarize: the worst verdict wins, signers are named once in order,
// the level is the lowest, and a document time-stamp counts without being
// a signer.
func TestSummarize(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 0, 0, 123456789, time.UTC)
	who := func(n string) *signing.SignerIdentity { return &signing.SignerIdentity{CommonName: n} }
	rep := &signing.Report{VerifiedAt: at, Signatures: []*signing.SignatureReport{
		{Kind: signing.KindSignature, Signer: who("Nguyễn Văn An"), Verdict: signing.TotalPassed, Level: "B-LTA"},
		{Kind: signing.KindSignature, Signer: who("Ủy ban nhân dân Phường Bến Nghé"), Verdict: signing.Indeterminate, SubIndication: signing.SubTryLater, Level: "B-T"},
		{Kind: signing.KindSignature, Signer: who("Nguyễn Văn An"), Verdict: signing.TotalPassed, Level: "B-LT"},
		{Kind: signing.KindDocTimestamp, Verdict: signing.TotalPassed},
	}}
	got := Summarize(rep)
	if !got.Signed || got.Count != 4 || got.Verdict != signing.Indeterminate || got.SubIndication != signing.SubTryLater ||
		len(got.Signers) != 2 || got.Signers[0] != "Nguyễn Văn An" || got.Level != "B-T" || !got.VerifiedAt.Equal(at.Truncate(time.Millisecond)) {
		t.Errorf("Summarize = %+v", got)
	}
	rep.Signatures[1].Verdict = signing.TotalFailed
	rep.Signatures[1].SubIndication = signing.SubHashFailure
	rep.Signatures[1].Level = ""
	if got := Summarize(rep); got.Verdict != signing.TotalFailed || got.SubIndication != signing.SubHashFailure || got.Level != "B-LT" {
		t.Errorf("with a failure: %+v", got)
	}
	if got := Summarize(&signing.Report{VerifiedAt: at}); got.Signed || got.Count != 0 || got.Verdict != "" || got.Level != "" {
		t.Errorf("no signatures: %+v", got)
	}
}

// BenchmarkMarkScanner is the whole cost verification on store adds to an
// unsigned PDF's upload: scanning its bytes for the signature mark, in the
// 32 KiB pieces the blob store reads. "text" is dictionary-like text dense
// in '/', the worst case; "streams" is random bytes, like compressed
// content streams and images, which are most of a real PDF.
func BenchmarkMarkScanner(b *testing.B) {
	text := bytes.Repeat([]byte("0123456789 obj << /Length 42 /Type /Page >> stream\n"), (4<<20)/52)
	streams := make([]byte, 4<<20)
	rand.NewChaCha8([32]byte{1}).Read(streams)
	for _, c := range []struct {
		name string
		data []byte
	}{{"text", text}, {"streams", bytes.ReplaceAll(streams, []byte("/B"), []byte("/C"))}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.data)))
			for b.Loop() {
				var m markScanner
				for i := 0; i < len(c.data); i += 32 << 10 {
					m.feed(c.data[i:min(i+32<<10, len(c.data))])
				}
				if m.found {
					b.Fatal("found a mark that is not there")
				}
			}
		})
	}
}
