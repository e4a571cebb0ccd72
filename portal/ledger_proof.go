package portal

import (
	"net/http"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
)

// ownerLedgerProof answers, for each lane of the owner's ledger, its head
// as of the latest checkpoint with the RFC 6962 inclusion proof of that
// head in the signed checkpoint: what `kho audit check-proof` checks
// with the server's public key alone. A citizen gets only their own; a
// staff or admin read is recorded in the owner's ledger (`ledger`).
func (s *Server) ownerLedgerProof(w http.ResponseWriter, r *http.Request) {
	acc, err := queryAccess(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.vault.Proof(r.Context(), actorOf(r), r.PathValue("id"), acc)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// checkpointJSON is the latest checkpoint with the key it is signed with.
type checkpointJSON struct {
	Checkpoint  archive.Checkpoint `json:"checkpoint"`
	VerifierKey string             `json:"verifierKey"`
}

// latestCheckpoint answers the latest signed checkpoint of the ledger: the
// Merkle log's size and root, signed and time-stamped. Public: it names
// no owner.
func (s *Server) latestCheckpoint(w http.ResponseWriter, r *http.Request) {
	if _, err := input.Query(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	cp, err := s.vault.LatestCheckpoint(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, checkpointJSON{Checkpoint: cp, VerifierKey: s.vault.LedgerVerifierKey()})
}

// ledgerKey answers the public key the ledger's checkpoints are signed
// with, as text (golang.org/x/mod/sumdb/note verifier key). Public.
func (s *Server) ledgerKey(w http.ResponseWriter, r *http.Request) {
	if _, err := input.Query(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	k := s.vault.LedgerVerifierKey()
	if k == "" {
		s.writeError(w, r, kerr.New(kerr.NotFound, "checkpoints_off", "Máy chủ này không chốt nhật ký truy cập (chưa có khóa ký).", "the server has no ledger checkpoint key"))
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write([]byte(k + "\n"))
}
