package pki

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// Handler serves every responder of the PKI on one mux:
//
//	POST /ocsp, GET /ocsp/{base64}   OCSP (OCSPHandler)
//	GET  /crl/{root,intermediate}.crl CRLs (CRLHandler)
//	GET  /ca/{root,intermediate}.crt  CA certificates (CAHandler)
//	POST /tsa                         RFC 3161 time stamps (TSAHandler)
//	POST /csc/v2/...                  remote signing, CSC API v2 (CSCHandler, token CSCTestToken, PIN CSCTestPIN)
func (p *PKI) Handler() http.Handler {
	mux := http.NewServeMux()
	ocspH, crlH, caH, tsaH := p.OCSPHandler(), p.CRLHandler(), p.CAHandler(), p.TSAHandler()
	mux.Handle("/ocsp", ocspH)
	mux.Handle("/ocsp/", ocspH)
	mux.Handle("/crl/", crlH)
	mux.Handle("/ca/", caH)
	mux.Handle("/tsa", tsaH)
	mux.Handle("/csc/v2/", p.CSCHandler(CSCOptions{}))
	return mux
}

// Server is the PKI's responders running on a listener.
type Server struct {
	// PKI is the PKI served.
	PKI *PKI
	// URL is the base URL of the server (http://host:port).
	URL  string
	srv  *http.Server
	done chan error
}

// Serve starts serving p.Handler on ln in the background. The certificates
// name p.BaseURL; it should be the listener's address (see StartServer).
func (p *PKI) Serve(ln net.Listener) *Server {
	s := &Server{
		PKI:  p,
		URL:  "http://" + ln.Addr().String(),
		srv:  &http.Server{Handler: p.Handler(), ReadHeaderTimeout: 10 * time.Second},
		done: make(chan error, 1),
	}
	go func() {
		err := s.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	return s
}

// Close stops the server, waiting up to five seconds for requests in flight.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if serr := <-s.done; err == nil {
		err = serr
	}
	return err
}

// StartServer opens a listener on 127.0.0.1 with a free port, generates a
// PKI whose certificates name that listener (opts.BaseURL is ignored) and
// serves it. The caller must Close the server. Errors are of kind
// Unavailable (no port) or Internal.
func StartServer(ctx context.Context, opts Options) (*Server, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Unavailable, "pki_listen_failed", "Không mở được cổng cho máy chủ hạ tầng khoá thử nghiệm.")
	}
	opts.BaseURL = "http://" + ln.Addr().String()
	p, err := Generate(opts)
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	return p.Serve(ln), nil
}
