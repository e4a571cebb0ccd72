// Package web is the portal's server-rendered pages: html/template pages
// with embedded templates and assets, beside the JSON API (package portal),
// calling the domain services directly (never the API over HTTP). Pages
// work without JavaScript; a little script (static/app.js) adds a busy
// indicator and, where the browser has the BarcodeDetector API, a camera
// scan of QR codes (the verifier's and the lookup's). After Miniflux's internal/ui: one handler struct
// (Handler), one file per page, one routes file.
//
// The addresses are Vietnamese without diacritics:
//
//	GET  /                    trang chủ: what Kho is, links to the public pages
//	GET  /tra-cuu             tra cứu hồ sơ: the form (with the QR scan), or ?ma=CODE
//	GET  /tra-cuu/{code}      the public status of one dossier (the QR code of
//	                          slips and results points here)
//	GET  /xac-thuc            xác thực giấy tờ: the verifier form, or ?ma=CODE
//	POST /xac-thuc            verify an uploaded PDF (and a code if given)
//	GET  /can-bo              an officer's desk: the counts of 2025 item 20, and
//	                          with ?nhom=KEY that bucket's list (?trang= pages)
//	GET  /can-bo/ho-so/{code} a dossier for staff: asks the purpose, then with
//	                          ?muc-dich= shows it (read recorded in the ledger)
//	POST /can-bo/ho-so/{code} one workflow action (CSRF token, rev, purpose)
//	GET  /can-bo/ho-so/{code}/phieu/{kind}
//	                          a slip as PDF, printed for ?muc-dich=
//	POST /can-bo/ky-nhieu     the leader signs the chosen dossiers of their list
//	                          waiting for signature (ho-so=CODE@REV, at most 50;
//	                          key= the key chosen; CSRF), one result per dossier
//	GET  /can-bo/so-hoa       digitise a citizen's paper: ?loai=TYPE, the form
//	POST /can-bo/so-hoa       the scan (multipart, CSRF first) into their vault
//	GET  /static/{file}       assets with content-hashed names, cached for a year
//	GET  /dang-nhap           sign-in form (?tiep=/path: where to go after, local only)
//	POST /dang-nhap           sign in (Config.Auth's SignIn): wrong password,
//	                          throttling (429) and, after a failure, the challenge;
//	                          past the session limit, which sessions ended
//	GET  /dang-nhap/oidc      OpenID Connect sign-in (Config.OIDC, as VNeID) and
//	     /dang-nhap/oidc/callback: the citizen ID claim opens a citizen's session
//	POST /dang-xuat           sign out (CSRF)
//	GET  /tai-khoan/phien     one's sessions: device, address, created, last seen
//	POST /tai-khoan/phien/thu-hoi       end one (field id; CSRF)
//	POST /tai-khoan/phien/thu-hoi-khac  end all but this one (CSRF)
//	GET  /kho-cua-toi         "Kho của tôi": the signed-in citizen's papers,
//	                          ?q= words, ?loai= type, ?tinh-trang= status,
//	                          ?sau= the next page; storage used
//	GET  /kho-cua-toi/nhat-ky "Ai đã xem giấy tờ của tôi": the access ledger
//	GET  /kho-cua-toi/{id}    one paper: fields, versions, the PDF in a frame
//	GET  /kho-cua-toi/{id}/phien-ban/{n}
//	                          version n's bytes: inline (a PDF, framed by the
//	                          portal only) or, with ?tai=1, a download
//	GET  /kho-cua-toi/{id}/phien-ban/{n}/pdf
//	                          an office version's PDF rendition (Config.Converter)
//	POST /kho-cua-toi/{id}/chia-se  share the paper (CSRF): doi-tuong, ma,
//	                          muc-dich, den-ngay DD/MM/YYYY
//	GET  /kho-cua-toi/chia-se "Giấy tờ tôi đã chia sẻ": every share, every state
//	POST /kho-cua-toi/chia-se/{share}/thu-hoi  revoke (CSRF; ly-do, tu, ?tiep=)
//	GET  /duoc-chia-se        "Được chia sẻ với tôi": active shares to the
//	                          person, or to a staff member's agency
//	GET  /duoc-chia-se/{id}   a shared paper; …/tep its file, …/pdf an office
//	                          file's rendition (each use in the owner's ledger)
//	GET  /ho-so-cua-toi       "Hồ sơ của tôi": the signed-in citizen's dossiers
//	                          (applicant or representative), ?sau= the next page
//	GET  /ho-so-cua-toi/{code}
//	                          one dossier: status, components, trail, slips,
//	                          result, the applicant's actions
//	POST /ho-so-cua-toi/{code}
//	                          one of the applicant's actions (CSRF, rev)
//	POST /ho-so-cua-toi/{code}/thanh-phan/{comp}
//	                          a supplement's file (field tep, multipart) or a
//	                          vault paper to reuse (field giay-to) for a component
//	GET  /ho-so-cua-toi/{code}/phieu/{kind}
//	                          a slip the applicant may print, as a PDF download
//	GET  /dich-vu             "Dịch vụ công": the procedures a citizen may apply for
//	GET  /dich-vu/{procedure} one procedure: components, fees, time, what the vault
//	                          holds for it; POST starts an online dossier (CSRF)
//	GET  /ho-so-cua-toi/{code}/soan
//	                          the applicant's draft: the eForm auto-filled (each
//	                          value's source shown), uploads, papers picked from
//	                          the vault; POST saves it (Lưu nháp) or submits it
//	GET  /ho-so-cua-toi/{code}/da-nop
//	                          the submitted dossier's code and what comes next
//	GET  /quan-tri            administration (admins only; 403 to anyone else):
//	                          tai-khoan (accounts), ma-truy-cap (API tokens),
//	                          co-quan (agencies, departments, staff), thu-tuc
//	                          (procedures, processes with their diagram, loading
//	                          a catalogue), loai-giay-to (document types),
//	                          bieu-mau (eForms), ngay-nghi (holidays); every change
//	                          a POST with CSRF and the revision it changes
//
// The "Kho của tôi" pages are a citizen's own (Config.Identify): a visitor
// not signed in is sent to /dang-nhap?tiep=<the address> (303), staff get
// 403, and the vault's own rules make another citizen's paper a 404. The
// "Hồ sơ của tôi" pages are 404 to anyone but the dossier's applicant or
// representative: another citizen, staff and admin alike.
//
// Pages of a signed-in person send a visitor who is not (Config.Identify)
// to /dang-nhap?tiep=PATH (303); every POST form carries Config.CSRF's
// token and its handler checks it first.
//
// With Config.Auth the pages pass through its session middleware: a page
// that needs someone signed in redirects (303) to SignInURL(path), and
// every POST form carries the CSRF token (Config.CSRF) in the field
// "csrf". The JSON API does not read the session cookie.
//
// Every page sets the API's security headers and a strict
// Content-Security-Policy (no inline script or style; a paper's page alone
// may frame the portal's own content, frame-src 'self'). Errors are shown as
// a page with their Vietnamese message and the request ID.
package web
