package portal

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
)

// documentJSON is a document as the API shows it: the stored document
// and its status on the server's today (valid documents past their
// validity period show "expired").
type documentJSON struct {
	archive.Document
	Effective archive.Status `json:"effectiveStatus"`
	// Signature is the current version's signature summary (absent when
	// it was not checked).
	Signature *archive.SignatureSummary `json:"signature,omitempty"`
}

func (s *Server) documentView(d archive.Document) documentJSON {
	return documentJSON{Document: d, Effective: d.EffectiveStatus(s.today()), Signature: d.Current.Signature}
}

func (s *Server) documentViews(ds []archive.Document) []documentJSON {
	out := make([]documentJSON, 0, len(ds))
	for _, d := range ds {
		out = append(out, s.documentView(d))
	}
	return out
}

// revETag is the entity tag of a document's metadata: its revision.
func revETag(rev int64) string { return `"` + strconv.FormatInt(rev, 10) + `"` }

// expectedRev reads a document's If-Match: absent or "*" gives 0
// (whatever is current); otherwise one quoted revision as sent in ETag.
func expectedRev(r *http.Request) (int64, error) { return ifMatchRev(r, "giấy tờ") }

// ifMatchRev reads If-Match as expectedRev does; of names what the ETag
// is of, for the message.
func ifMatchRev(r *http.Request, of string) (int64, error) {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	if v == "" || v == "*" {
		return 0, nil
	}
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		if n, err := strconv.ParseInt(v[1:len(v)-1], 10, 64); err == nil && n > 0 {
			return n, nil
		}
	}
	return 0, kerr.New(kerr.Invalid, "invalid_if_match", "Tiêu đề If-Match không hợp lệ; hãy gửi lại ETag của "+of+" (ví dụ \"3\").",
		"If-Match must be one quoted revision as given in ETag, or *")
}

// documentID returns the {id} path value; an ID that cannot exist gets the
// same answer as one that does not.
func documentID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if !archive.ValidID(id) {
		return "", kerr.New(kerr.NotFound, "document_not_found", "Không tìm thấy giấy tờ.", "no document %q", input.Printable(id))
	}
	return id, nil
}

// documentChange reads what a change to one document needs: the document
// ID and the revision If-Match expects (0: whatever is current).
func documentChange(r *http.Request) (string, int64, error) {
	id, err := documentID(r)
	if err != nil {
		return "", 0, err
	}
	rev, err := expectedRev(r)
	return id, rev, err
}

// documentAccess reads what a read of one document needs: the query's
// purpose and dossier (recorded in the ledger) and the document ID.
func documentAccess(r *http.Request) (string, archive.Access, error) {
	acc, err := queryAccess(r)
	if err != nil {
		return "", acc, err
	}
	id, err := documentID(r)
	return id, acc, err
}

// queryAccess reads the purpose and dossier of a read whose query takes
// no other parameter.
func queryAccess(r *http.Request) (archive.Access, error) {
	q, err := input.Query(r, withAccess()...)
	if err != nil {
		return archive.Access{}, err
	}
	return accessOf(q)
}

// withAccess returns the query parameters a read of an owner's data
// allows: names, and the purpose and dossier that go into the ledger.
func withAccess(names ...string) []string {
	return append(names, "purpose", "dossier")
}

// accessOf reads why the caller reads an owner's data from the query:
// purpose (staff and admin must give it; the vault refuses a read without
// one with "purpose_required") and the dossier, if any. Both are recorded
// in the owner's ledger.
func accessOf(q url.Values) (archive.Access, error) {
	var acc archive.Access
	var err error
	if acc.Purpose, err = input.TextParam(q, "purpose", 500); err != nil {
		return acc, err
	}
	if acc.Dossier, err = input.TextParam(q, "dossier", 100); err != nil {
		return acc, err
	}
	return acc, nil
}

// ownerFor picks the owner a request is about: the one given, else the
// caller's own vault for a citizen; staff and admin must name one.
func ownerFor(a archive.Actor, given string) (string, error) {
	if given != "" {
		return given, nil
	}
	if a.Role == archive.RoleCitizen {
		return a.Subject, nil
	}
	return "", kerr.New(kerr.Invalid, "owner_required", "Cần chỉ rõ chủ sở hữu kho (owner).", "staff and admin must give the owner")
}
