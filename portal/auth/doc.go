// Package auth is who may do what, for the JSON API and the web pages.
//
// API tokens: a token is bound to a subject and a role (archive.Actor);
// only the SHA-256 of its secret is stored (Generate, Authenticate, Store).
//
// The web pages' sign-in (Service, over a SignInStore):
//
//   - local accounts (Account): a login name, a display name, one role
//     (citizen, staff, admin), the agency of staff, a citizen's identity
//     number (their sessions act as that vault's owner), a disabled flag;
//     passwords hashed with argon2id in PHC strings, rehashed at sign-in
//     when the parameters change (HashPassword, CheckPassword);
//   - sessions: a cookie __Host-kho_session (Secure, HttpOnly,
//     SameSite=Lax, Path=/) holding 256 random bits, of which only the
//     SHA-256 is stored; an idle timeout and an absolute lifetime; the
//     last use written at most once a minute; a limit of sessions per
//     account that ends the oldest (SignedIn.Ended says which);
//   - CSRF: a synchronizer token per session (HMAC of the session under
//     the server key) in every state-changing form, plus Origin and
//     Sec-Fetch-Site checks (CheckCSRF, CheckOrigin);
//   - throttling of failed sign-ins per account name and per client
//     address, in the store, with exponential back-off (ThrottlePolicy,
//     ThrottledError); expired records go by the leased PurgeJob;
//   - the challenge of public forms: honeypot, signed single-use form
//     token and a question in Vietnamese words (NewChallenge,
//     CheckChallenge; challenge.go says why this one).
//
// Nothing is kept in process memory that another kho serve process needs:
// every kho serve over one store sees the same sessions, counts and used
// tokens. Config.Key must be the same in all of them.
//
// # Using it from a page handler
//
// Wire the service once, and wrap the pages in its middleware:
//
//	svc, err := auth.NewService(auth.Config{Store: meta, Tokens: meta, Key: key, Secure: true,
//		Origin: "https://kho.example.vn"})
//	mux.Handle("/", svc.Middleware(pages))
//	jobs = append(jobs, svc.PurgeJob(10*time.Minute))
//
// Sign-in (POST /dang-nhap), after r.ParseForm():
//
//	if err := svc.CheckOrigin(r); err != nil { … 403 … }
//	in, err := svc.SignIn(ctx, auth.SignInInput{Username: r.PostFormValue("username"),
//		Password: r.PostFormValue("password"), IP: clientIP(r), UserAgent: r.UserAgent()})
//	var te *auth.ThrottledError
//	switch {
//	case errors.As(err, &te): // 429, Retry-After: te.RetryAfterSeconds(); show kerr.Public(err)'s message
//	case err != nil:          // show kerr.Public(err)'s message beside the form (wrong_credentials, …)
//	default:
//		http.SetCookie(w, in.Cookie)
//		// in.Ended: sessions ended by the limit — tell the user which
//		http.Redirect(w, r, "/kho-cua-toi", http.StatusSeeOther)
//	}
//
// Any page that needs someone signed in:
//
//	p, err := auth.PrincipalFrom(r.Context())
//	if err != nil { redirect to the sign-in page (Unauthenticated) or show the error }
//	vault.List(ctx, p.Actor, …)
//
// A form of a signed-in page carries the token in a hidden field:
//
//	<input type="hidden" name="csrf_token" value="{{.CSRF}}">   // .CSRF = p.CSRFToken()
//
// and its POST handler checks it first, after parsing the form:
//
//	if err := svc.CheckCSRF(r, p); err != nil { … 403 csrf_failed … }
//
// Sessions page: svc.ListSessions(ctx, p) (Current marks this one),
// svc.RevokeSession(ctx, p, id), svc.RevokeOtherSessions(ctx, p);
// sign-out: svc.SignOut(ctx, p) and http.SetCookie(w, svc.ClearCookie()).
//
// A public form (no sign-in) shows c, _ := svc.NewChallenge(): a hidden
// field ChallengeTokenField = c.Token, a text field ChallengeAnswerField
// labelled c.Question, and the honeypot HoneypotField hidden by CSS; its
// handler calls svc.CheckChallenge(ctx, r.PostForm) and on an error shows
// the message with a new challenge.
package auth
