package edge

import (
	"net/http"
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	cases := []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"no proxy trusted: the peer, whatever the header says", "203.0.113.9:4000", []string{"198.51.100.1"}, "203.0.113.9"},
		{"trusted proxy: the address it saw", "10.1.2.3:4000", []string{"198.51.100.7"}, "198.51.100.7"},
		{"a client's own entries left of the proxy's are ignored", "10.1.2.3:4000", []string{"1.2.3.4, 198.51.100.7"}, "198.51.100.7"},
		{"two trusted proxies in a row", "10.1.2.3:4000", []string{"198.51.100.7, 10.9.9.9"}, "198.51.100.7"},
		{"several header lines read as one list", "10.1.2.3:4000", []string{"198.51.100.7", "10.9.9.9"}, "198.51.100.7"},
		{"trusted proxy, no header: the proxy", "10.1.2.3:4000", nil, "10.1.2.3"},
		{"malformed entry stops at the last good address", "10.1.2.3:4000", []string{"198.51.100.7, not-an-ip"}, "10.1.2.3"},
		{"IPv4-mapped IPv6 peer is the IPv4 address", "[::ffff:203.0.113.9]:4000", nil, "203.0.113.9"},
		{"IPv6 loopback proxy", "[::1]:4000", []string{"2001:db8::5"}, "2001:db8::5"},
		{"all entries trusted: the leftmost one", "10.1.2.3:4000", []string{"10.4.4.4, 10.5.5.5"}, "10.4.4.4"},
		{"unparseable RemoteAddr is returned as it is", "pipe", []string{"198.51.100.7"}, "pipe"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _ := http.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.remote
			for _, v := range c.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := ClientIP(r, proxies); got != c.want {
				t.Errorf("ClientIP = %q, want %q", got, c.want)
			}
		})
	}
	t.Run("a header of many trusted hops stops after the bound", func(t *testing.T) {
		r, _ := http.NewRequest("GET", "/", nil)
		r.RemoteAddr = "10.1.2.3:4000"
		r.Header.Set("X-Forwarded-For", "198.51.100.7")
		for range maxForwardedHops + 5 {
			r.Header.Add("X-Forwarded-For", "10.0.0.1")
		}
		if got := ClientIP(r, proxies); got != "10.0.0.1" {
			t.Errorf("ClientIP = %q, want a trusted hop at the bound", got)
		}
	})
}

// FuzzClientIP: any header gives an address that parses, or the peer
// as it came — never a panic, never a string from the header that is not
// an address.
func FuzzClientIP(f *testing.F) {
	f.Add("10.1.2.3:4000", "198.51.100.7, 10.9.9.9")
	f.Add("[::1]:1", "::ffff:1.2.3.4,,")
	f.Add("10.0.0.1:1", "fe80::1%eth0")
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	f.Fuzz(func(t *testing.T, remote, xff string) {
		r, _ := http.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		r.Header.Set("X-Forwarded-For", xff)
		got := ClientIP(r, proxies)
		if got == remote {
			return
		}
		if _, err := netip.ParseAddr(got); err != nil {
			t.Fatalf("ClientIP(%q, %q) = %q: not an address", remote, xff, got)
		}
	})
}
