//go:build lighthouse

package screenshots

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/internal/browsertest"
)

var (
	lhOut  = flag.String("out", "", "markdown `FILE` the table is written to (besides the test log)")
	lhRuns = flag.Int("runs", 3, "runs of each page and form factor (the table shows medians)")
)

// lighthousePages are the pages Lighthouse measures: those of Pages a
// visitor opens first, and the first page of each signed-in part: "Kho
// của tôi", "Dịch vụ công" and "Hồ sơ của tôi" (a citizen), the desk.
var lighthousePages = []string{"trang-chu", "xac-thuc", "tra-cuu", "dang-nhap", "kho-cua-toi", "dich-vu", "ho-so-cua-toi", "can-bo"}

// lhChromeFlags keep Debian's Chromium off the network (test-services.md,
// "Browser"); --disable-features counts once, so it repeats the list
// chrome-launcher passes.
var lhChromeFlags = strings.Join([]string{"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-dev-shm-usage", "--disable-component-update", "--disable-sync",
	"--component-updater=url-source=http://127.0.0.1:9/", "--gaia-url=http://127.0.0.1:9/",
	"--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,CalculateNativeWinOcclusion,InterestFeedContentSuggestions," +
		"CertificateTransparencyComponentUpdater,AutofillServerCommunication,PrivacySandboxSettings4,RenderDocument," +
		"NetworkTimeServiceQuerying,OptimizationGuideModelDownloading"}, " ")

// lhFigures are one Lighthouse run's figures (milliseconds, CLS, scores 0-100).
type lhFigures struct{ fcp, lcp, si, tbt, cls, perf, a11y float64 }

// findLighthouse is npm lighthouse's CLI: $KHO_LIGHTHOUSE, else the one
// make lighthouse installs into ~/.cache/kho/npm.
func findLighthouse(t *testing.T) string {
	if p := os.Getenv("KHO_LIGHTHOUSE"); p != "" {
		return p
	}
	home, _ := os.UserHomeDir()
	m, _ := filepath.Glob(filepath.Join(home, ".cache/kho/npm/lighthouse-*/node_modules/lighthouse/cli/index.js"))
	if len(m) == 0 {
		t.Fatal("npm lighthouse not found: run make lighthouse, or set KHO_LIGHTHOUSE to its cli/index.js")
	}
	return m[len(m)-1]
}

// runLighthouse measures url once in formFactor (desktop or mobile); an
// error when Lighthouse fails to finish.
func runLighthouse(t *testing.T, cli, url, formFactor string, cookie *http.Cookie) (lhFigures, error) {
	t.Helper()
	args := []string{cli, url, "--output=json", "--output-path=stdout", "--quiet", "--only-categories=performance,accessibility",
		"--chrome-flags=" + lhChromeFlags, "--max-wait-for-load=30000"}
	if formFactor == "desktop" {
		args = append(args, "--preset=desktop")
	}
	if cookie != nil {
		h, _ := json.Marshal(map[string]string{"Cookie": cookie.Name + "=" + cookie.Value})
		args = append(args, "--extra-headers="+string(h))
	}
	cmd := exec.Command("node", args...)
	chromium := os.Getenv(browsertest.EnvChromium)
	if chromium == "" {
		chromium = browsertest.DefaultChromium
	}
	cmd.Env = append(os.Environ(), "CHROME_PATH="+chromium)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return lhFigures{}, fmt.Errorf("%v: %s", err, firstLine(stderr.String()))
	}
	var rep struct {
		FinalDisplayedURL string `json:"finalDisplayedUrl"`
		RuntimeError      *struct{ Code, Message string }
		Audits            map[string]struct {
			NumericValue *float64 `json:"numericValue"`
		}
		Categories map[string]struct{ Score *float64 }
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("lighthouse %s: %v", url, err)
	}
	if rep.RuntimeError != nil {
		return lhFigures{}, fmt.Errorf("%s %s", rep.RuntimeError.Code, rep.RuntimeError.Message)
	}
	if rep.FinalDisplayedURL != url {
		t.Fatalf("lighthouse %s ended at %s (signed out?)", url, rep.FinalDisplayedURL)
	}
	audit := func(id string) float64 {
		a, ok := rep.Audits[id]
		if !ok || a.NumericValue == nil {
			t.Fatalf("lighthouse %s: no %s", url, id)
		}
		return *a.NumericValue
	}
	score := func(id string) float64 {
		c, ok := rep.Categories[id]
		if !ok || c.Score == nil {
			t.Fatalf("lighthouse %s: no %s score", url, id)
		}
		return *c.Score * 100
	}
	return lhFigures{fcp: audit("first-contentful-paint"), lcp: audit("largest-contentful-paint"), si: audit("speed-index"),
		tbt: audit("total-blocking-time"), cls: audit("cumulative-layout-shift"), perf: score("performance"), a11y: score("accessibility")}, nil
}

// firstLine is the first line of s.
func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// median of xs (not empty).
func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

// TestLighthouse runs Lighthouse -runs times on each of lighthousePages,
// desktop and mobile (Lighthouse's throttling: simulated slow 4G and a
// 4× slower CPU), against the demo server, and writes the medians as a
// markdown table with the goals: on localhost first content < 1 s and
// largest content < 1.5 s; the 2023 circular's < 3 s, < 4 s and speed
// index < 5.8 s.
func TestLighthouse(t *testing.T) {
	cli := findLighthouse(t)
	d := startDemo(t)
	byName := map[string]Page{}
	for _, p := range Pages {
		byName[p.Name] = p
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Lighthouse %s, %s, %d runs each (medians); demo server (`kho serve --demo`, embedded store) on 127.0.0.1.\n\n",
		lighthouseVersion(cli), time.Now().Format("02/01/2006"), *lhRuns)
	b.WriteString("| page | form factor | runs | FCP ms | LCP ms | speed index ms | TBT ms | CLS | performance | accessibility | FCP < 1 s, LCP < 1.5 s | circular (3 s / 4 s / 5.8 s) |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n")
	session := map[string]*http.Cookie{}
	for _, name := range lighthousePages {
		p, ok := byName[name]
		if !ok {
			t.Fatalf("page %s is not in Pages", name)
		}
		if p.As != "" && session[p.As] == nil {
			session[p.As] = d.session(t, p.As)
		}
		for _, ff := range []string{"desktop", "mobile"} {
			var fcp, lcp, si, tbt, cls, perf, a11y []float64
			// Chromium on a loaded machine now and then closes the page
			// under Lighthouse ("Target closed"): a failed run is logged
			// and made again, up to 3 more runs; the table counts the runs.
			failed := 0
			for len(fcp) < *lhRuns && failed <= 3 {
				f, err := runLighthouse(t, cli, d.base+d.path(p), ff, session[p.As])
				if err != nil {
					failed++
					t.Logf("lighthouse %s (%s) failed: %v", p.Name, ff, err)
					continue
				}
				fcp, lcp, si, tbt, cls = append(fcp, f.fcp), append(lcp, f.lcp), append(si, f.si), append(tbt, f.tbt), append(cls, f.cls)
				perf, a11y = append(perf, f.perf), append(a11y, f.a11y)
			}
			if len(fcp) == 0 {
				t.Fatalf("lighthouse %s (%s): no run finished", p.Name, ff)
			}
			m := lhFigures{median(fcp), median(lcp), median(si), median(tbt), median(cls), median(perf), median(a11y)}
			yes := func(ok bool) string {
				if ok {
					return "yes"
				}
				return "**no**"
			}
			fmt.Fprintf(&b, "| %s (`%s`) | %s | %d | %.0f | %.0f | %.0f | %.0f | %.3f | %.0f | %.0f | %s | %s |\n", p.Name, p.Path, ff, len(fcp),
				m.fcp, m.lcp, m.si, m.tbt, m.cls, m.perf, m.a11y, yes(m.fcp < 1000 && m.lcp < 1500), yes(m.fcp < 3000 && m.lcp < 4000 && m.si < 5800))
		}
	}
	t.Log("\n" + b.String())
	if *lhOut != "" {
		if err := os.WriteFile(*lhOut, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// lighthouseVersion asks the CLI its version.
func lighthouseVersion(cli string) string {
	out, err := exec.Command("node", cli, "--version").Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}
