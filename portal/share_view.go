package portal

import (
	"net/http"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal/internal/input"
)

// shareJSON is a share as the API shows it: the stored share and its
// state today, with the state's Vietnamese label.
type shareJSON struct {
	archive.Share
	State      archive.ShareState `json:"state"`
	StateLabel string             `json:"stateLabel"`
}

// sharePageJSON is one page of shares; next is the cursor of the next page.
type sharePageJSON struct {
	Shares []shareJSON `json:"shares"`
	Next   string      `json:"next,omitempty"`
}

func (s *Server) shareView(sh archive.Share) shareJSON {
	st := sh.State(s.today())
	return shareJSON{Share: sh, State: st, StateLabel: st.Label()}
}

func (s *Server) sharePageView(p archive.SharePage) sharePageJSON {
	out := sharePageJSON{Shares: make([]shareJSON, 0, len(p.Shares)), Next: p.Next}
	for _, sh := range p.Shares {
		out.Shares = append(out.Shares, s.shareView(sh))
	}
	return out
}

// shareID returns the {id} path value of a share route; one that cannot
// be a share's gets the answer of a share that does not exist.
func shareID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if !archive.ValidID(id) {
		return "", kerr.New(kerr.NotFound, "share_not_found", "Không tìm thấy thông tin chia sẻ giấy tờ.", "no share %q", input.Printable(id))
	}
	return id, nil
}

// pageQuery reads the cursor and limit of a listing that takes no other
// parameter than those in more.
func pageQuery(r *http.Request, more ...string) (q map[string]string, cursor string, limit int, err error) {
	vals, err := input.Query(r, append([]string{"cursor", "limit"}, more...)...)
	if err != nil {
		return nil, "", 0, err
	}
	n, err := input.IntParam(vals, "limit", 50, 1, 1000)
	if err != nil {
		return nil, "", 0, err
	}
	q = map[string]string{}
	for _, k := range more {
		q[k] = vals.Get(k)
	}
	return q, vals.Get("cursor"), int(n), nil
}
