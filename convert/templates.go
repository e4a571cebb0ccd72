package convert

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
)

// The names of the shipped templates. A directory given to LoadTemplates
// overrides one by holding NAME.html.
const (
	// The slips of one dossier (SlipData).
	TemplateReceipt    = "receipt"    // Giấy tiếp nhận hồ sơ và hẹn trả kết quả
	TemplateSupplement = "supplement" // Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ
	TemplateRefusal    = "refusal"    // Phiếu từ chối tiếp nhận giải quyết hồ sơ
	TemplateApology    = "apology"    // Phiếu xin lỗi và hẹn lại ngày trả kết quả
	TemplateControl    = "control"    // Phiếu kiểm soát quá trình giải quyết hồ sơ
	TemplateEvaluation = "evaluation" // Phiếu đánh giá
	// TemplateBook is the tracking book of a period (BookData).
	TemplateBook = "book" // Sổ theo dõi hồ sơ
	// The results of the shipped procedures.
	TemplateBirthCertificate   = "birth-certificate"   // Giấy khai sinh (BirthCertificateData)
	TemplateHouseholdBusiness  = "household-business"  // Giấy chứng nhận đăng ký hộ kinh doanh (HouseholdBusinessData)
	TemplateConstructionPermit = "construction-permit" // Giấy phép xây dựng (ConstructionPermitData)
)

// templateSpec is what Kho knows of a template: its data type (a sample
// value, also used to try the template at load time), its title and page.
type templateSpec struct {
	name      string
	title     string
	landscape bool
	sample    any
}

var specs = []templateSpec{
	{TemplateReceipt, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", false, sampleSlip()},
	{TemplateSupplement, "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", false, sampleSlip()},
	{TemplateRefusal, "Phiếu từ chối tiếp nhận giải quyết hồ sơ", false, sampleSlip()},
	{TemplateApology, "Phiếu xin lỗi và hẹn lại ngày trả kết quả", false, sampleSlip()},
	{TemplateControl, "Phiếu kiểm soát quá trình giải quyết hồ sơ", false, sampleSlip()},
	{TemplateEvaluation, "Phiếu đánh giá", false, sampleSlip()},
	{TemplateBook, "Sổ theo dõi hồ sơ", true, sampleBook()},
	{TemplateBirthCertificate, "Giấy khai sinh", false, sampleBirth()},
	{TemplateHouseholdBusiness, "Giấy chứng nhận đăng ký hộ kinh doanh", false, sampleHousehold()},
	{TemplateConstructionPermit, "Giấy phép xây dựng", false, samplePermit()},
	{TemplatePaperCopy, "Bản chuyển đổi từ văn bản điện tử", false, samplePaperCopy()},
}

// TemplateInfo describes a template for a listing.
type TemplateInfo struct {
	Name string
	// Title is the document's Vietnamese title.
	Title string
	// Overridden is true when the file comes from the agency's directory.
	Overridden bool
}

//go:embed templates
var shippedFS embed.FS

const (
	// commonFile holds the parts every template may use (header, QR,
	// signature); it can be overridden like the others.
	commonFile = "common.html"
	// styleFile is the stylesheet the templates link to.
	styleFile = "kho.css"
	// maxTemplateBytes bounds one file of the directory.
	maxTemplateBytes = 1 << 20
)

// assetExts are the other files of a template directory, sent to the
// converter beside the page (a logo, another stylesheet).
var assetExts = []string{".css", ".png", ".jpg", ".jpeg", ".svg"}

// Templates are the parsed templates of the documents Kho prints: the
// shipped ones, each possibly overridden by a file of an agency's
// directory. They are safe for concurrent use.
type Templates struct {
	byName     map[string]*template.Template
	overridden map[string]bool
	assets     map[string][]byte
}

// LoadTemplates parses the shipped templates and, when dir is not empty,
// the files of dir that override them: NAME.html for a template,
// common.html for the shared parts, kho.css for the stylesheet, and other
// .css/.png/.jpg/.svg files the pages may refer to by name. Every template
// is tried with sample data, so a template that does not parse, names a
// field its data lacks or fails while run is refused here, with the
// file's name, not when a citizen's slip is printed. An unknown .html file
// is refused too (a misspelt name would silently not override).
func LoadTemplates(dir string) (*Templates, error) {
	files := map[string][]byte{}
	overridden := map[string]bool{}
	err := fs.WalkDir(shippedFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := shippedFS.ReadFile(p)
		files[d.Name()] = b
		return err
	})
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Internal, "templates_unreadable", "Không đọc được các mẫu in có sẵn.")
	}
	if dir != "" {
		if err := readTemplateDir(dir, files, overridden); err != nil {
			return nil, err
		}
	}
	ts := &Templates{byName: map[string]*template.Template{}, overridden: map[string]bool{}, assets: map[string][]byte{}}
	for name, b := range files {
		if !strings.HasSuffix(name, ".html") {
			ts.assets[name] = b
		}
	}
	for _, s := range specs {
		file := s.name + ".html"
		t, err := template.New(file).Funcs(funcs).Option("missingkey=error").Parse(string(files[commonFile]))
		if err == nil {
			_, err = t.Parse(string(files[file]))
		}
		if err != nil {
			return nil, templateError(dir, file, overridden, err)
		}
		if err := t.Execute(&boundedBuffer{max: maxPageBytes}, s.sample); err != nil {
			return nil, templateError(dir, file, overridden, err)
		}
		ts.byName[s.name] = t
		ts.overridden[s.name] = overridden[file]
	}
	return ts, nil
}

// readTemplateDir reads the files of an agency's template directory into
// files, marking them overridden.
func readTemplateDir(dir string, files map[string][]byte, overridden map[string]bool) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return kerr.Wrap(err, kerr.Invalid, "templates_unreadable", "Không đọc được thư mục mẫu in.")
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") {
			continue
		}
		ext := strings.ToLower(filepath.Ext(name))
		known := name == commonFile || name == styleFile
		for _, s := range specs {
			known = known || name == s.name+".html"
		}
		switch {
		case known:
		case ext == ".html":
			return kerr.New(kerr.Invalid, "template_unknown",
				fmt.Sprintf("Tệp mẫu %s không ứng với mẫu in nào (tên hợp lệ: %s).", name, strings.Join(TemplateNames(), ".html, ")+".html"),
				"%s: not a template name", filepath.Join(dir, name))
		case slices.Contains(assetExts, ext):
			if err := checkAssetName(name); err != nil {
				return err
			}
		default:
			continue // notes, backups: not ours
		}
		b, err := readBounded(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		files[name] = b
		overridden[name] = true
	}
	return nil
}

// readBounded reads a file of at most maxTemplateBytes.
func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Invalid, "templates_unreadable", "Không đọc được tệp mẫu in "+filepath.Base(path)+".")
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxTemplateBytes+1))
	if err != nil {
		return nil, kerr.Wrap(err, kerr.Invalid, "templates_unreadable", "Không đọc được tệp mẫu in "+filepath.Base(path)+".")
	}
	if len(b) > maxTemplateBytes {
		return nil, kerr.New(kerr.TooLarge, "template_too_large",
			fmt.Sprintf("Tệp mẫu %s quá lớn (tối đa %d MB).", filepath.Base(path), maxTemplateBytes>>20),
			"%s: over %d bytes", path, maxTemplateBytes)
	}
	return b, nil
}

// templateError is the load-time error of a template file; it names the
// agency's files involved (the template's own, and common.html when the
// agency overrides it).
func templateError(dir, file string, overridden map[string]bool, err error) error {
	where, names := file, file
	if overridden[file] {
		where = filepath.Join(dir, file)
	}
	if overridden[commonFile] {
		where += " + " + filepath.Join(dir, commonFile)
		names += " (cùng " + commonFile + ")"
	}
	return kerr.Wrap(fmt.Errorf("%s: %w", where, err), kerr.Invalid, "template_invalid",
		fmt.Sprintf("Mẫu in %s bị lỗi, chưa dùng được: %s", names, templateDetail(err)))
}

// templateDetail is the part of a template error a person can act on (the
// line and what is wrong), without Go's type names.
func templateDetail(err error) string {
	s := err.Error()
	if i := strings.Index(s, ": "); i >= 0 && strings.HasPrefix(s, "template: ") {
		s = s[i+2:]
	}
	return s
}

// TemplateNames are the names of the templates, in the order of the
// slips, then the book, then the results.
func TemplateNames() []string {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.name
	}
	return names
}

// List describes the templates.
func (ts *Templates) List() []TemplateInfo {
	out := make([]TemplateInfo, 0, len(specs))
	for _, s := range specs {
		out = append(out, TemplateInfo{Name: s.name, Title: s.title, Overridden: ts.overridden[s.name]})
	}
	return out
}

// spec returns the spec of name, or a NotFound error.
func spec(name string) (templateSpec, error) {
	for _, s := range specs {
		if s.name == name {
			return s, nil
		}
	}
	return templateSpec{}, kerr.New(kerr.NotFound, "template_not_found", "Không có mẫu in này.",
		"template %q: want one of %v", name, TemplateNames())
}

// HTML writes the page of template name filled with data, whose type must
// be the template's (SlipData for the slips, BookData, or the result's
// own struct). Nothing is written when it fails.
func (ts *Templates) HTML(w io.Writer, name string, data any) error {
	s, err := spec(name)
	if err != nil {
		return err
	}
	if got, want := reflect.TypeOf(data), reflect.TypeOf(s.sample); got != want {
		return kerr.New(kerr.Internal, "template_data_type", "Dữ liệu không khớp với mẫu in.",
			"template %q takes %v, got %v", name, want, got)
	}
	buf := &boundedBuffer{max: maxPageBytes}
	if err := ts.byName[name].Execute(buf, data); err != nil {
		if errors.Is(err, errPageTooLarge) {
			return kerr.New(kerr.TooLarge, "template_page_too_large", "Trang in từ mẫu in "+s.title+" quá lớn.",
				"template %q: page over %d bytes", name, maxPageBytes)
		}
		return kerr.Wrap(err, kerr.Internal, "template_failed", "Không điền được dữ liệu vào mẫu in "+s.title+".")
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// maxPageBytes bounds the page a template writes (a template of the
// directory that loops, data with too many rows).
const maxPageBytes = 16 << 20

var errPageTooLarge = errors.New("page too large")

// boundedBuffer is a buffer whose writes fail past max, which stops the
// template that writes.
type boundedBuffer struct {
	bytes.Buffer
	max int
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.max {
		return 0, errPageTooLarge
	}
	return b.Buffer.Write(p)
}

// PDF fills template name with data (see HTML) and converts the page to
// PDF/A-2b with c (Gotenberg; the demo's convert/basicpdf ignores the
// level and makes a plain PDF, NOT PDF/A). A nil c gives Unavailable
// converter_unavailable.
func (ts *Templates) PDF(ctx context.Context, c Converter, name string, data any) (io.ReadCloser, error) {
	if c == nil || (reflect.ValueOf(c).Kind() == reflect.Pointer && reflect.ValueOf(c).IsNil()) {
		return nil, kerr.New(kerr.Unavailable, "converter_unavailable", msgUnavailable, "no converter configured (kho serve --gotenberg-url)")
	}
	var page bytes.Buffer
	if err := ts.HTML(&page, name, data); err != nil {
		return nil, err
	}
	s, _ := spec(name)
	return c.HTMLToPDF(ctx, page.Bytes(), ts.assets, Options{PDFA: PDFA2b, Landscape: s.landscape})
}

// vietnamTime is the time zone of what the templates print.
var vietnamTime = time.FixedZone("ICT", 7*3600)

// The template functions: dates DD/MM/YYYY and times hh:mm:ss in
// Vietnam's time; a zero time prints as dots to fill in by hand.
var funcs = template.FuncMap{
	"date": func(t time.Time) string {
		if t.IsZero() {
			return "…/…/……"
		}
		return t.In(vietnamTime).Format("02/01/2006")
	},
	"time": func(t time.Time) string {
		if t.IsZero() {
			return "…:…:…"
		}
		return t.In(vietnamTime).Format("15:04:05")
	},
	// dateline is the date of a heading: "ngày 07 tháng 12 năm 2026".
	"dateline": func(t time.Time) string {
		if t.IsZero() {
			return "ngày … tháng … năm ……"
		}
		t = t.In(vietnamTime)
		return fmt.Sprintf("ngày %02d tháng %02d năm %d", t.Day(), int(t.Month()), t.Year())
	},
	"inc": func(i int) int { return i + 1 },
	// lines splits a text at its line breaks (a signer's title on two
	// lines).
	"lines": func(s string) []string { return strings.Split(s, "\n") },
	// qrsrc passes a QR data URI made by QRDataURI to an img src;
	// anything else gives an empty source.
	"qrsrc": func(s string) template.URL {
		if !strings.HasPrefix(s, qrURIPrefix) || strings.ContainsAny(s[len(qrURIPrefix):], "\"'<> \n") {
			return ""
		}
		return template.URL(s)
	},
}
