package bench_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkUploadFloor splits the POST part of BenchmarkUpload's floor: an
// HTTP POST of the same body over loopback to a handler that only reads it
// ("http"), and one whose handler also hashes it with SHA-256
// ("http+sha256", the one the floor uses), each against a raw driver write
// of the same size in the same run (embedded only). The difference between
// the two is what SHA-256 costs here; the rest is HTTP over loopback.
func BenchmarkUploadFloor(b *testing.B) {
	s := newStack(b, deployments[0])
	for _, us := range uploadSizes {
		for _, h := range []struct {
			name string
			fn   func(io.Reader) error
		}{
			{"http", func(r io.Reader) error { _, err := io.Copy(io.Discard, r); return err }},
			{"http+sha256", func(r io.Reader) error { _, err := io.Copy(sha256.New(), r); return err }},
		} {
			b.Run(us.name+"/"+h.name, func(b *testing.B) {
				srv := httptest.NewServer(floorHandler(h.fn))
				defer srv.Close()
				// The job's raw writes; its API side (and token) go unused.
				j := newUploadJob(b, s, uploadOwner, "", us.size)
				post := func() error { return postTo(srv, j.apiData) }
				api, raw := alternate(b, post, j.write)
				reportRates(b, float64(us.size), median(api), median(raw))
			})
		}
	}
}

// floorHandler answers 201 to a request whose body fn read (400 if fn
// failed).
func floorHandler(fn func(io.Reader) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
}

// postTo POSTs body to srv and wants 201.
func postTo(srv *httptest.Server, body []byte) error {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}
