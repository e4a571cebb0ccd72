// Package web is the portal's server-rendered pages: html/template pages
// with embedded templates and assets, beside the JSON API (package portal),
// calling the domain services directly (never the API over HTTP). Pages
// work without JavaScript; a little script (static/app.js) adds a busy
// indicator and, where the browser has the BarcodeDetector API, a camera
// scan of QR codes. After Miniflux's internal/ui: one handler struct
// (Handler), one file per page, one routes file.
//
// The addresses are Vietnamese without diacritics:
//
//	GET  /                    trang chủ: what Kho is, links to the public pages
//	GET  /tra-cuu             tra cứu hồ sơ: the form, or ?ma=CODE
//	GET  /tra-cuu/{code}      the public status of one dossier (the QR code of
//	                          slips and results points here)
//	GET  /xac-thuc            xác thực giấy tờ: the verifier form, or ?ma=CODE
//	POST /xac-thuc            verify an uploaded PDF (and a code if given)
//	GET  /static/{file}       assets with content-hashed names, cached for a year
//	     /dang-nhap           sign-in (built by portal/auth's pages; linked here)
//	     /kho-cua-toi         "Kho của tôi" (signed in; linked here)
//
// Every page sets the API's security headers and a strict
// Content-Security-Policy (no inline script or style). Errors are shown as
// a page with their Vietnamese message and the request ID.
package web
