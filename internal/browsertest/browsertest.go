// Package browsertest drives Debian's Chromium, headless, from Go tests
// (chromedp) and checks pages with axe-core: the portal's pages are tested
// in a real browser, at desktop and phone widths, by keyboard, and for
// accessibility (WCAG 2.2 AA; serious and critical violations fail).
//
// It finds the browser and axe-core through environment variables that
// scripts/testenv.sh writes into its env file:
//
//	KHO_TEST_CHROMIUM  the browser (default /usr/bin/chromium, Debian's)
//	KHO_TEST_AXE_JS    axe.min.js of npm axe-core 4.x (default: the
//	                   scripts/testenv.sh cache, ~/.cache/kho/npm/axe-core-*)
//
// Like the test servers (internal/testenv), a missing browser or axe-core
// skips the test under -short outside CI and fails it otherwise. No tool
// ever downloads a browser here.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The environment variables scripts/testenv.sh sets.
const (
	EnvChromium = "KHO_TEST_CHROMIUM"
	EnvAxe      = "KHO_TEST_AXE_JS"
)

// DefaultChromium is where Debian's chromium package puts the browser.
const DefaultChromium = "/usr/bin/chromium"

// Widths at which every page is checked.
const (
	DesktopWidth = 1280
	PhoneWidth   = 360
)

// Browser is one headless Chromium for a test (and its subtests).
type Browser struct {
	ctx context.Context // the browser's context: new tabs come from it
	axe string          // axe.min.js
}

// New starts a headless Chromium with the flags that keep it off the
// network (test-services.md, "Browser") and a fresh profile; it stops when
// t ends.
func New(t testing.TB) *Browser {
	t.Helper()
	exe := unkillable(t, findChromium(t))
	axe := loadAxe(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("component-updater", "url-source=http://127.0.0.1:9/"),
		chromedp.Flag("gaia-url", "http://127.0.0.1:9/"),
		// Counted once, the last time given: the whole list here.
		chromedp.Flag("disable-features", "NetworkTimeServiceQuerying,AutofillServerCommunication,OptimizationHints,OptimizationGuideModelDownloading,MediaRouter,Translate"),
		chromedp.WindowSize(DesktopWidth, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx); err != nil {
		cancelBrowser()
		cancelAlloc()
		t.Fatalf("browsertest: start %s: %v", exe, err)
	}
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	return &Browser{ctx: bctx, axe: axe}
}

func findChromium(t testing.TB) string {
	t.Helper()
	exe := os.Getenv(EnvChromium)
	if exe == "" {
		exe = DefaultChromium
	}
	if _, err := os.Stat(exe); err != nil {
		missing(t, fmt.Sprintf("Chromium not found at %s (%s; Debian package chromium)", exe, EnvChromium))
	}
	return exe
}

// debianBrowser is the browser binary Debian's /usr/bin/chromium script
// runs.
const debianBrowser = "/usr/lib/chromium/chromium"

// unkillable runs the browser under a name of its own: Gotenberg, whenever
// it stops its Chromium (a restart after a failed health check, its own
// shutdown), kills every process of the machine whose command line holds
// "chromium/chromium" (pkg/modules/chromium/browser.go, Stop), which took
// down the test's browser in the middle of a walk whenever a Gotenberg of
// the machine restarted. The binary is hard-linked, beside links to its
// resources, into a folder of the test's as "kho-headless" (Chromium finds
// its resources beside /proc/self/exe, and starts its helper processes from
// it too). Where that cannot be done, exe is run as it is.
func unkillable(t testing.TB, exe string) string {
	t.Helper()
	real := exe
	if b, err := os.ReadFile(exe); err == nil && strings.HasPrefix(string(b[:min(len(b), 2)]), "#!") {
		real = debianBrowser // Debian's launcher script
	}
	src := filepath.Dir(real)
	entries, err := os.ReadDir(src)
	if err != nil {
		return exe
	}
	dir := filepath.Join(t.TempDir(), "browser")
	if err := os.Mkdir(dir, 0o755); err != nil {
		return exe
	}
	for _, e := range entries {
		if e.Name() != filepath.Base(real) {
			if err := os.Symlink(filepath.Join(src, e.Name()), filepath.Join(dir, e.Name())); err != nil {
				return exe
			}
		}
	}
	own := filepath.Join(dir, "kho-headless")
	if err := os.Link(real, own); err != nil {
		t.Logf("browsertest: running %s as it is (%v): a Gotenberg restart on this machine may kill it", exe, err)
		return exe
	}
	return own
}

var (
	axeOnce sync.Once
	axeJS   string
	axeErr  error
)

func loadAxe(t testing.TB) string {
	t.Helper()
	axeOnce.Do(func() {
		p := os.Getenv(EnvAxe)
		if p == "" {
			home, _ := os.UserHomeDir()
			cache := os.Getenv("KHO_CACHE")
			if cache == "" {
				cache = filepath.Join(home, ".cache", "kho")
			}
			ms, _ := filepath.Glob(filepath.Join(cache, "npm", "axe-core-4.*", "node_modules", "axe-core", "axe.min.js"))
			sort.Strings(ms)
			if len(ms) > 0 {
				p = ms[len(ms)-1]
			}
		}
		if p == "" {
			axeErr = fmt.Errorf("axe-core not found (%s; scripts/testenv.sh up installs npm axe-core into its cache)", EnvAxe)
			return
		}
		b, err := os.ReadFile(p)
		if err != nil {
			axeErr = fmt.Errorf("axe-core: %v", err)
			return
		}
		axeJS = string(b)
	})
	if axeErr != nil {
		missing(t, axeErr.Error())
	}
	return axeJS
}

// missing skips t under -short outside CI and fails it otherwise.
func missing(t testing.TB, why string) {
	t.Helper()
	if testing.Short() && os.Getenv("CI") == "" {
		t.Skipf("browsertest: %s; skipped with -short", why)
	}
	t.Fatalf("browsertest: %s. Run `make test`, or scripts/testenv.sh up and source its env file", why)
}

// Tab is one browser tab at a viewport width.
type Tab struct {
	Ctx context.Context
	b   *Browser
}

// Tab opens a tab whose viewport is width CSS pixels wide (a phone: a
// mobile viewport with touch); it closes when t ends. Every action in it
// is bounded by a minute.
func (b *Browser) Tab(t testing.TB, width int) *Tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	ctx, cancelTimeout := context.WithTimeout(ctx, time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancel()
	})
	vp := chromedp.EmulateViewport(int64(width), 900)
	if width <= PhoneWidth {
		vp = chromedp.EmulateViewport(int64(width), 780, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2))
	}
	if err := chromedp.Do(ctx, vp); err != nil {
		t.Fatalf("browsertest: viewport %d: %v", width, err)
	}
	return &Tab{Ctx: ctx, b: b}
}

// Do runs chromedp actions in the tab, failing t on error.
func (tb *Tab) Do(t testing.TB, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(tb.Ctx, actions...); err != nil {
		t.Fatalf("browsertest: %v", err)
	}
}

// Eval evaluates a JavaScript expression in the tab's page and decodes
// its value (a promise is awaited), failing t on error.
func Eval[T any](t testing.TB, tb *Tab, expr string) T {
	t.Helper()
	v, err := chromedp.Run(tb.Ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("browsertest: evaluate %.60q: %v", expr, err)
	}
	return v
}

// Violation is one rule axe-core found broken on a page.
type Violation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

func (v Violation) String() string {
	return fmt.Sprintf("%s (%s): %s — %s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "; "))
}

// axeRun runs axe-core on the page with the WCAG 2.x A/AA rules and the
// best practices, and answers the violations.
const axeRun = `axe.run(document, {resultTypes: ["violations"], runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}})
 .then(r => r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help, nodes: v.nodes.map(n => n.target.join(" "))})))`

// Axe runs axe-core on the tab's current page and returns its violations.
func (tb *Tab) Axe(t testing.TB) []Violation {
	t.Helper()
	if !Eval[bool](t, tb, `typeof axe !== "undefined"`) {
		Eval[bool](t, tb, tb.b.axe+";true")
	}
	return Eval[[]Violation](t, tb, axeRun)
}

// Serious returns the serious and critical violations of vs.
func Serious(vs []Violation) []Violation {
	var out []Violation
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			out = append(out, v)
		}
	}
	return out
}

// CheckAccessible loads url in a tab of each width (DesktopWidth and
// PhoneWidth) and fails t on any serious or critical axe violation, and
// on a page wider than the viewport (content that makes a phone scroll
// sideways). Lesser violations are logged.
func (b *Browser) CheckAccessible(t *testing.T, url string) {
	t.Helper()
	for _, w := range []int{DesktopWidth, PhoneWidth} {
		tab := b.Tab(t, w)
		tab.Do(t, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("body")))
		vs := tab.Axe(t)
		for _, v := range vs {
			if s := Serious([]Violation{v}); len(s) == 0 {
				t.Logf("axe at %d px, %s: %s", w, url, v)
			}
		}
		for _, v := range Serious(vs) {
			t.Errorf("axe at %d px, %s: %s", w, url, v)
		}
		overflow := Eval[int](t, tab, `document.documentElement.scrollWidth - document.documentElement.clientWidth`)
		if overflow > 0 {
			t.Errorf("at %d px, %s is %d px wider than the viewport", w, url, overflow)
		}
	}
}
