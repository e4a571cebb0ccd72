package api

import (
	"go/ast"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// bannedTerms are words that must not name a citizen's paper in what
// people read: the glossary (../shared/GLOSSARY.md) fixes "giấy tờ" for a
// document. A PDF as a file is "tệp PDF"; "văn bản" stays only where it
// means text ("đoạn văn bản neo", "văn bản thuần").
var bannedTerms = []struct {
	re  *regexp.Regexp
	say string
}{
	{words(`tài liệu`), `"giấy tờ" (a citizen's paper) or "tệp" (a file)`},
	{words(`văn bản`), `"giấy tờ", or "đoạn văn bản"/"văn bản thuần" where text is meant`},
	{words(`chứng từ|văn kiện|tư liệu`), `"giấy tờ"`},
}

// words matches the alternatives of alt as whole words, ignoring case:
// "bằng chứng từng chuỗi" does not hold "chứng từ". (RE2's \b knows only
// ASCII letters.)
func words(alt string) *regexp.Regexp {
	return regexp.MustCompile(`(?i)(?:^|[^\p{L}\p{M}])(` + alt + `)(?:$|[^\p{L}\p{M}])`)
}

// allowedText are the phrases with "văn bản" that mean text, not a paper,
// and the law's own words for converting an electronic document to paper
// (Decree 45/2020/NĐ-CP art. 18: the mark "Bản chuyển đổi từ văn bản điện
// tử"), which a paper copy must carry as written.
var allowedText = regexp.MustCompile(`(?i)đoạn văn bản|văn bản thuần|từ văn bản điện tử|văn bản điện tử sang (?:văn bản )?giấy`)

// checkTerms reports the banned words of one piece of text people read.
func checkTerms(t *testing.T, where, s string) {
	t.Helper()
	s = allowedText.ReplaceAllString(norm.NFC.String(s), "")
	for _, b := range bannedTerms {
		if m := b.re.FindStringSubmatch(s); m != nil {
			t.Errorf("%s: %q — say %s", where, m[1], b.say)
		}
	}
}

// TestOneTermForAPaper greps every string of the Go sources (messages,
// templates, labels), api/openapi.yaml and the shipped catalogue and form
// definitions for the words the glossary does not use for a citizen's
// paper.
func TestOneTermForAPaper(t *testing.T) {
	strs := 0
	walkSources(t, func(rel string, f *ast.File) {
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			strs++
			checkTerms(t, rel, s)
			return true
		})
	})
	if strs < 1000 {
		t.Fatalf("only %d strings found: the walk missed the sources", strs)
	}
	checkTerms(t, "api/openapi.yaml", OpenAPI())
	for _, pattern := range []string{"../forms/definitions/*.json", "../archive/catalog/*"} {
		files, _ := filepath.Glob(pattern)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			checkTerms(t, strings.TrimPrefix(f, "../"), string(b))
		}
	}
}
