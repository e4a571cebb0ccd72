package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/testenv"
	"github.com/kho-vn/kho/storage/mongo"
)

// docBlock is a fenced code block of a Markdown file.
type docBlock struct {
	lang, text string
	line       int // of the opening fence
}

// docBlocks returns the fenced blocks of the Markdown file path under the
// heading line (e.g. "## Production"), up to the next heading of any level
// up to the same one. Blocks indented in a list lose their indentation.
func docBlocks(t *testing.T, path, heading string) []docBlock {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	level := len(heading) - len(strings.TrimLeft(heading, "#"))
	var (
		out     []docBlock
		in      bool
		fence   *docBlock
		indent  int
		lines   []string
		sawHead bool
	)
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimLeft(line, " ")
		if fence != nil {
			if trimmed == "```" {
				fence.text = strings.Join(lines, "\n") + "\n"
				out = append(out, *fence)
				fence = nil
				continue
			}
			lines = append(lines, strings.TrimPrefix(line, strings.Repeat(" ", min(indent, len(line)-len(trimmed)))))
			continue
		}
		if h := len(line) - len(strings.TrimLeft(line, "#")); h > 0 && h <= level && strings.HasPrefix(line[h:], " ") {
			in = line == heading
			sawHead = sawHead || in
			continue
		}
		if in && strings.HasPrefix(trimmed, "```") {
			fence = &docBlock{lang: strings.TrimPrefix(trimmed, "```"), line: n}
			indent = len(line) - len(trimmed)
			lines = nil
		}
	}
	if !sawHead {
		t.Fatalf("%s has no heading %q", path, heading)
	}
	if fence != nil {
		t.Fatalf("%s:%d: block not closed", path, fence.line)
	}
	return out
}

// assignment is one NAME=VALUE of an export line.
var assignment = regexp.MustCompile(`^(KHO_[A-Z0-9_]+)=('[^']*'|"[^"]*"|[^\s'"#]+)`)

// splitShell separates a shell block into the variables its export lines
// set (the settings an operator fills in) and the rest (the commands).
func splitShell(t *testing.T, where string, b docBlock) (names []string, commands string) {
	t.Helper()
	var cmds []string
	for i, line := range strings.Split(strings.TrimSuffix(b.text, "\n"), "\n") {
		rest, ok := strings.CutPrefix(line, "export ")
		if !ok {
			cmds = append(cmds, line)
			continue
		}
		for {
			rest = strings.TrimLeft(rest, " ")
			if rest == "" || strings.HasPrefix(rest, "#") {
				break
			}
			m := assignment.FindStringSubmatch(rest)
			if m == nil {
				t.Fatalf("%s:%d: cannot read the export %q (want KHO_NAME=value ...)", where, b.line+1+i, rest)
			}
			names = append(names, m[1])
			rest = rest[len(m[0]):]
		}
	}
	return names, strings.Join(cmds, "\n")
}

// commandLines returns the lines of a script that are neither blank nor
// comments.
func commandLines(script string) []string {
	var out []string
	for _, l := range strings.Split(script, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// shellEnv is the environment of the documented commands: the test's
// values of the documented variables, and the kho binary on PATH.
func shellEnv(vars map[string]string) []string {
	env := cleanEnv("PATH=" + filepath.Dir(khoBin) + string(os.PathListSeparator) + os.Getenv("PATH"))
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		env = append(env, k+"="+vars[k])
	}
	return env
}

// runShell runs script with bash -euo pipefail in env and fails the test
// unless it exits 0.
func runShell(t *testing.T, where string, env []string, script string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
	cmd.Env = env
	cmd.Dir = t.TempDir()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{out.String(), errb.String(), 0}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("%s: %v", where, err)
	}
	if r.code != 0 {
		t.Fatalf("%s: exit %d\nscript:\n%s\nstdout: %s\nstderr: %s", where, r.code, script, r.stdout, r.stderr)
	}
	return r
}

// TestProductionAsDocumented is issue 9 item 7's production check: the
// README's Production section and docs/deployment.md's FerretDB step, run
// as written on MinIO + FerretDB. The documented blocks read their settings
// from environment variables (their `export` lines, with example values);
// the test gives those variables the test servers' values — and only
// those: a block that needs a setting the docs do not export fails here —
// and runs every other line literally with bash. Two `kho serve` processes
// started from the documented command, with no load balancer, share one
// vault: a paper uploaded through one is listed and downloaded through the
// other, both ways; a form draft saved through one opens through the other
// (same drafts key), and not through a third process with another key.
func TestProductionAsDocumented(t *testing.T) {
	s3 := testenv.S3(t)
	mongoURI := testenv.MongoURI(t)
	pgURL := testenv.PostgresURL(t)
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatalf("openssl (Debian openssl) is needed by the documented drafts key step: %v", err)
	}
	keys := t.TempDir()
	db := testenv.UniqueName(t, "prod")
	vars := map[string]string{
		"KHO_MONGO_URI":             mongoURI,
		"KHO_MONGO_DB":              db,
		"KHO_S3_ENDPOINT":           s3.Endpoint,
		"KHO_S3_SECURE":             "false",
		"KHO_S3_BUCKET":             testenv.UniqueName(t, "prod"),
		"KHO_S3_ACCESS_KEY":         s3.AccessKey,
		"KHO_S3_SECRET_KEY":         s3.SecretKey,
		"KHO_DRAFTS_KEY_FILE":       filepath.Join(keys, "etc", "kho", "drafts.key"),
		"KHO_ADDR":                  "127.0.0.1:0",
		"KHO_FERRETDB_POSTGRES_URL": pgURL,
	}
	env := shellEnv(vars)

	// The blocks, and the settings they export.
	readme := docBlocks(t, "../README.md", "## Production")
	deploy := docBlocks(t, "../docs/deployment.md", "## Metadata on FerretDB 1.x instead of MongoDB")
	exported := map[string]bool{}
	var (
		keyStep, serveStep, tokenStep, indexStep, tablesSQL string
	)
	for _, b := range append(slices.Clone(readme), deploy...) {
		where := fmt.Sprintf("block at line %d", b.line)
		if b.lang == "sql" {
			tablesSQL = b.text
			continue
		}
		if b.lang != "sh" {
			t.Fatalf("%s: a %q block; want sh or sql", where, b.lang)
		}
		names, cmds := splitShell(t, where, b)
		for _, n := range names {
			if _, ok := vars[n]; !ok {
				t.Errorf("%s exports %s, which this test does not give a value: add it to vars", where, n)
			}
			exported[n] = true
		}
		lines := commandLines(cmds)
		runs := func(prefix string) bool {
			return slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, prefix) })
		}
		switch {
		case len(lines) == 0:
		case runs("kho serve"):
			if len(lines) != 1 {
				t.Fatalf("%s: want the one command kho serve, got %q", where, lines)
			}
			serveStep = lines[0]
		case runs("kho admin token create"):
			tokenStep = cmds
		case runs("kho admin ferretdb-indexes"):
			indexStep = cmds
		case strings.Contains(cmds, "KHO_DRAFTS_KEY_FILE"):
			keyStep = cmds
		default:
			t.Fatalf("%s: a block this test does not know: %q", where, cmds)
		}
	}
	for _, n := range slices.Sorted(maps.Keys(vars)) {
		if !exported[n] {
			t.Errorf("the documented blocks never set %s, yet the servers need it", n)
		}
	}
	if keyStep == "" || serveStep == "" || tokenStep == "" || indexStep == "" || tablesSQL == "" {
		t.Fatalf("missing a documented step: key %q, serve %q, token %q, FerretDB indexes %q, tables SQL %q", keyStep, serveStep, tokenStep, indexStep, tablesSQL)
	}
	if t.Failed() {
		t.FailNow()
	}

	// The drafts key, as documented.
	runShell(t, "drafts key step", env, keyStep)
	key, err := os.ReadFile(vars["KHO_DRAFTS_KEY_FILE"])
	if err != nil || !regexp.MustCompile(`^[0-9a-f]{64}\n$`).Match(key) {
		t.Fatalf("the drafts key step wrote %q (%v), want 64 hex digits", key, err)
	}
	if fi, err := os.Stat(vars["KHO_DRAFTS_KEY_FILE"]); err != nil || fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("drafts key file mode: %v %v, want no access for group and others", fi.Mode(), err)
	}

	// FerretDB's indexes, as documented, before the first start: the
	// command opens the database itself.
	r := runShell(t, "FerretDB indexes step", env, indexStep)
	if n := strings.Count(r.stdout, "— đã tạo\n"); n != 29 {
		t.Errorf("first run of the FerretDB indexes step made %d indexes, want 29 (_id of documents, dossiers and owners; documents' owner, the ledger's chain, 5 of dossiers, 2 of sessions, _id of retention records and disposal lists, the blob of renditions, paper copies and scans; statistics: 2 of dossiers, 2 of buckets, 1 of counted records; report templates: 2, report runs: 2; the EMC outbox: 3):\n%s%s", n, r.stdout, r.stderr)
	}
	checkFerretGIN(t, pgURL, db, tablesSQL)

	// Two servers, as documented, with no load balancer.
	serve := func(env []string) *server {
		cmd := exec.Command("bash", "-euo", "pipefail", "-c", "exec "+serveStep)
		cmd.Env = env
		return runServer(t, cmd)
	}
	a, b := serve(env), serve(env)
	for _, s := range []*server{a, b} {
		if !strings.Contains(s.logs.String(), "mongodb ") || !strings.Contains(s.logs.String(), "s3 "+s3.Endpoint+"/"+vars["KHO_S3_BUCKET"]) {
			t.Fatalf("the documented server does not use MongoDB and S3:\n%s", s.logs.String())
		}
	}

	// The first administrator's token, as documented.
	r = runShell(t, "token step", env, tokenStep)
	admin := strings.TrimSpace(r.stdout)
	if !strings.HasPrefix(admin, "kho_") {
		t.Fatalf("the token step printed %q", r.stdout)
	}
	meta := []string{"--mongo-uri", mongoURI, "--mongo-db", db}
	registerOwner(t, &client{t: t, base: a.url, token: admin}, citizenID)
	citizen := createToken(t, meta, citizenID, "citizen")
	viaA := &client{t: t, base: a.url, token: citizen}
	viaB := &client{t: t, base: b.url, token: citizen}

	// Uploaded through one, listed and downloaded through the other.
	for _, c := range []struct {
		name     string
		put, get *client
	}{{"A to B", viaA, viaB}, {"B to A", viaB, viaA}} {
		pdf := tinyPDF("Giay to " + c.name)
		doc, _, err := c.put.uploadRaw(citizenID, typeCode, "Giấy tờ "+c.name, "giay-to.pdf", pdf)
		if err != nil {
			t.Fatalf("%s: upload: %v", c.name, err)
		}
		if !slices.ContainsFunc(c.get.listAll(citizenID), func(d archive.Document) bool { return d.ID == doc.ID }) {
			t.Errorf("%s: the other server does not list %s", c.name, doc.ID)
		}
		got, etag := c.get.download(doc.ID)
		if !bytes.Equal(got, pdf) || !strings.Contains(etag, sha(pdf)) {
			t.Errorf("%s: the other server sent %d bytes, ETag %s; want the %d uploaded", c.name, len(got), etag, len(pdf))
		}
	}

	// A draft saved through A opens through B: the same key.
	const form = "/api/v1/forms/TK_KHAI_SINH"
	var draft struct {
		ID   string         `json:"id"`
		Data map[string]any `json:"data"`
	}
	call(t, viaA, "POST", form+"/drafts", nil, "application/json", []byte(`{"hoTen":"Trần Bình Minh"}`), 201, &draft)
	var opened struct {
		Data map[string]any `json:"data"`
	}
	call(t, viaB, "GET", form+"/drafts/"+draft.ID, nil, "", nil, 200, &opened)
	if opened.Data["hoTen"] != "Trần Bình Minh" {
		t.Errorf("the draft through B: %v", opened.Data)
	}
	call(t, viaB, "PUT", form+"/drafts/"+draft.ID, nil, "application/json", []byte(`{"hoTen":"Trần Bình An"}`), 200, nil)
	call(t, viaA, "GET", form+"/drafts/"+draft.ID, nil, "", nil, 200, &opened)
	if opened.Data["hoTen"] != "Trần Bình An" {
		t.Errorf("the draft saved through B, opened through A: %v", opened.Data)
	}

	// A third server made with the same step but its own key cannot.
	other := maps.Clone(vars)
	other["KHO_DRAFTS_KEY_FILE"] = filepath.Join(keys, "other", "drafts.key")
	otherEnv := shellEnv(other)
	runShell(t, "drafts key step (another key)", otherEnv, keyStep)
	c := serve(otherEnv)
	raw := call(t, &client{t: t, base: c.url, token: citizen}, "GET", form+"/drafts/"+draft.ID, nil, "", nil, 500, nil)
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if err := json.Unmarshal(raw, &e); err != nil || e.Error.Code != "draft_unreadable" || bytes.Contains(raw, []byte("Trần Bình")) {
		t.Errorf("a server with another key: %s, want draft_unreadable", raw)
	}
	c.stop()

	// Again after the start: nothing to do.
	r = runShell(t, "FerretDB indexes step, again", env, indexStep)
	if n := strings.Count(r.stdout, "— đã có\n"); n != 29 {
		t.Errorf("second run of the FerretDB indexes step: %s, want all 29 there already", r.stdout)
	}
	a.stop()
	b.stop()
}

// checkFerretGIN runs the documented SQL that lists FerretDB's tables (on
// the test database's schema instead of "kho") and checks that the GIN
// indexes are on the documents' and the ledger's tables.
func checkFerretGIN(t *testing.T, pgURL, schema, tablesSQL string) {
	t.Helper()
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if !strings.Contains(tablesSQL, `"kho".`) {
		t.Fatalf("the documented SQL does not name the schema \"kho\": %s", tablesSQL)
	}
	q := strings.ReplaceAll(tablesSQL, `"kho".`, pgx.Identifier{schema}.Sanitize()+".")
	rows, err := conn.Query(ctx, strings.TrimSuffix(strings.TrimSpace(q), ";"))
	if err != nil {
		t.Fatalf("the documented SQL: %v", err)
	}
	tables := map[string]string{}
	for rows.Next() {
		var coll, table string
		if err := rows.Scan(&coll, &table); err != nil {
			t.Fatal(err)
		}
		tables[coll] = table
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, ix := range []struct{ coll, field string }{{"documents", "ownerId"}, {"ledger", "chain"}} {
		name := mongo.FerretDBGINName(ix.coll, ix.field)
		var def string
		err := conn.QueryRow(ctx, "SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 AND indexname = $3",
			schema, tables[ix.coll], name).Scan(&def)
		if err != nil || !strings.Contains(def, fmt.Sprintf("USING gin (((_jsonb -> '%s'::text)))", ix.field)) {
			t.Errorf("index %s on %s (%q): %q, %v", name, ix.coll, tables[ix.coll], def, err)
		}
	}
}
