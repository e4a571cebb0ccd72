package auth_test

import (
	"testing"
	"time"

	"github.com/kho-vn/kho/portal/auth"
)

// BenchmarkHashPassword is one argon2id hash with the default parameters
// (64 MiB, 2 passes, 1 lane): the cost a sign-in pays, and the reference
// of BenchmarkSignIn.
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := auth.HashPassword("mật khẩu của cán bộ 2026", auth.DefaultArgon2); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignIn is a whole sign-in on the embedded store with the
// default parameters: a good password (session made, limit enforced), a
// wrong one and an unknown user (throttle counts written). Wrong and
// unknown must cost the same (no account enumeration by timing), and each
// about one hash.
func BenchmarkSignIn(b *testing.B) {
	for _, c := range []struct{ name, user, pw string }{
		{"good", "an.tran", anPassword},
		{"wrong-password", "an.tran", "mật khẩu sai rồi"},
		{"unknown-user", "khong-co-ai", "mật khẩu sai rồi"},
	} {
		b.Run(c.name, func(b *testing.B) {
			e := newBenchEnv(b)
			in := auth.SignInInput{Username: c.user, Password: c.pw, IP: "203.0.113.7", UserAgent: "Firefox/133.0"}
			for b.Loop() {
				_, err := e.svc.SignIn(b.Context(), in)
				if (err == nil) != (c.name == "good") {
					b.Fatalf("SignIn: %v", err)
				}
			}
		})
	}
}

// newBenchEnv is newEnv with the default argon2id parameters and no
// throttling (a benchmark fails thousands of times in a row).
func newBenchEnv(b *testing.B) *env {
	return newEnvTB(b, func(c *auth.Config) {
		c.Argon2 = auth.DefaultArgon2
		c.Throttle = auth.ThrottlePolicy{AccountFree: 1 << 30, IPFree: 1 << 30, Base: time.Second, Max: time.Second, Window: time.Hour}
	}, auth.DefaultArgon2)
}

// BenchmarkArgon2Params hashes once with each candidate of the default
// parameters (memory MiB, passes; one lane), in the same run, so the
// choice in DefaultArgon2 can be checked against the 50–150 ms a sign-in
// may cost on the machine at hand.
func BenchmarkArgon2Params(b *testing.B) {
	for _, p := range []struct {
		name    string
		mib, tm uint32
	}{{"m19-t2", 19, 2}, {"m46-t1", 46, 1}, {"m64-t1", 64, 1}, {"m64-t2", 64, 2}, {"m64-t3", 64, 3}} {
		params := auth.DefaultArgon2
		params.Memory, params.Time = p.mib*1024, p.tm
		b.Run(p.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := auth.HashPassword("mật khẩu của cán bộ 2026", params); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
