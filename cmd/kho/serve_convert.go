package main

import (
	"context"
	"flag"
	"log/slog"
	"time"

	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/convert/basicpdf"
	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/kerr"
)

const (
	envGotenbergURL = "KHO_GOTENBERG_URL"
	envTemplates    = "KHO_TEMPLATES"
	envPublicURL    = "KHO_PUBLIC_URL"
	// converterProbeTimeout bounds the health check at start.
	converterProbeTimeout = 5 * time.Second
)

// serveConvert is the document configuration of `kho serve`: the
// Gotenberg server that renders PDFs, the agency's template directory and
// the public URL the QR codes of slips point to.
type serveConvert struct {
	gotenbergURL string
	timeout      time.Duration
	maxPDF       int64
	templates    string
	publicURL    string
}

func (c *serveConvert) bind(fs *flag.FlagSet, getenv config.Getenv) {
	fs.StringVar(&c.gotenbergURL, "gotenberg-url", getenv(envGotenbergURL), "`URL` of the Gotenberg 8 server that renders slips and results to PDF/A (http://HOST:PORT; user:password@ for its basic authentication); none: the features that print answer 503 converter_unavailable [$"+envGotenbergURL+"]")
	fs.DurationVar(&c.timeout, "gotenberg-timeout", convert.DefaultTimeout, "how long one conversion may take, to the PDF's last byte")
	c.maxPDF = convert.DefaultMaxPDFBytes
	fs.Func("gotenberg-max-pdf", "largest PDF `SIZE` read back from Gotenberg, e.g. 64MB (default 64MB)", func(v string) error {
		n, err := config.ParseSize(v)
		if err == nil && n <= 0 {
			err = kerr.New(kerr.Invalid, "invalid_size", "Dung lượng phải lớn hơn 0.", "--gotenberg-max-pdf %q", v)
		}
		c.maxPDF = n
		return err
	})
	fs.StringVar(&c.templates, "templates", getenv(envTemplates), "`DIR` of the agency's templates (NAME.html, common.html, kho.css, images) overriding the shipped slips and results; a broken one stops the start [$"+envTemplates+"]")
	fs.StringVar(&c.publicURL, "public-url", getenv(envPublicURL), "public `URL` of the portal: the QR code of a slip points to URL/tra-cuu/CODE [$"+envPublicURL+"]")
}

// documents is what `kho serve` prints with: the converter (nil when no
// Gotenberg is configured), the templates and the public URL of the
// lookup.
type documents struct {
	converter convert.Converter
	// basic is true when converter is the demo's built-in basicpdf (no
	// PDF/A, no office files).
	basic     bool
	templates *convert.Templates
	publicURL string
}

// msgBasicPDF is what the start says when the demo prints with basicpdf.
const msgBasicPDF = "Bản demo chưa có Gotenberg (--gotenberg-url): phiếu và kết quả được in bằng bộ chuyển PDF có sẵn — bản PDF đơn giản, không phải PDF/A — chỉ dùng để thử"

// build checks the configuration, loads the templates (a broken one stops
// the start) and makes the converter. An unreachable Gotenberg is only
// warned about: it may come up later, and each conversion says so. The
// demo (demo true) without --gotenberg-url prints with the built-in
// basicpdf, whose PDFs are NOT PDF/A; nothing else ever uses it.
func (c *serveConvert) build(ctx context.Context, log *slog.Logger, demo bool) (*documents, error) {
	if c.timeout <= 0 {
		return nil, kerr.New(kerr.Invalid, "invalid_duration", "Thời gian chờ chuyển đổi tệp phải lớn hơn 0.", "--gotenberg-timeout %v", c.timeout)
	}
	if c.publicURL != "" {
		if _, err := convert.LookupURL(c.publicURL, "X"); err != nil {
			return nil, err
		}
	}
	ts, err := convert.LoadTemplates(c.templates)
	if err != nil {
		return nil, err
	}
	conv, err := convert.NewConverter(convert.GotenbergConfig{URL: c.gotenbergURL, Timeout: c.timeout, MaxPDFBytes: c.maxPDF})
	if err != nil {
		return nil, err
	}
	docs := &documents{converter: conv, templates: ts, publicURL: c.publicURL}
	if g, ok := conv.(*convert.Gotenberg); ok {
		pctx, cancel := context.WithTimeout(ctx, converterProbeTimeout)
		defer cancel()
		if err := g.Health(pctx); err != nil {
			log.Warn("Chưa kết nối được dịch vụ chuyển đổi tệp (Gotenberg); sẽ thử lại khi cần in", "url", g.URL(), "err", err)
		}
	} else if demo {
		log.Warn(msgBasicPDF)
		docs.converter, docs.basic = basicpdf.New(), true
	} else {
		log.Warn("Chưa cấu hình dịch vụ chuyển đổi tệp (--gotenberg-url): chưa in được phiếu và kết quả")
	}
	if c.publicURL == "" {
		log.Warn("Chưa cấu hình địa chỉ công khai (--public-url): phiếu in ra không có mã QR tra cứu")
	}
	return docs, nil
}
