package oidc

import "github.com/kho-vn/kho/internal/kerr"

// The stable codes of sign-in failures. Each error this package returns
// carries one of them (kerr.Error.Code), a Vietnamese message for the
// person and an English detail for developers.
const (
	CodeFlowMissing         = "oidc_flow_missing"         // no flow cookie: not started here, or cookies refused
	CodeFlowInvalid         = "oidc_flow_invalid"         // the flow cookie is malformed or its seal does not match
	CodeFlowExpired         = "oidc_flow_expired"         // the person took longer than FlowTTL
	CodeStateMismatch       = "oidc_state_mismatch"       // the callback's state is not the one this browser started
	CodeCancelled           = "oidc_cancelled"            // the person declined at the provider (error=access_denied)
	CodeProviderError       = "oidc_provider_error"       // the provider answered another error to the callback
	CodeCodeMissing         = "oidc_code_missing"         // the callback carries no code
	CodeCodeInvalid         = "oidc_code_invalid"         // the provider refused the code: unknown, expired or used
	CodeProviderUnavailable = "oidc_provider_unavailable" // the provider could not be reached or answered nonsense
	CodeClientRejected      = "oidc_client_rejected"      // the provider refused our client ID or secret
	CodeTokenMissing        = "oidc_token_missing"        // the token response has no ID token
	CodeTokenSignature      = "oidc_token_signature"      // the ID token's signature does not verify
	CodeTokenExpired        = "oidc_token_expired"        // the ID token has expired
	CodeTokenInvalid        = "oidc_token_invalid"        // wrong issuer or audience, malformed, access-token hash wrong
	CodeNonceMismatch       = "oidc_nonce_mismatch"       // the ID token was not issued for this sign-in
	CodeClaimInvalid        = "oidc_claim_invalid"        // a claim is missing, too long or malformed
)

const msgRestart = " Vui lòng đăng nhập lại."

func errFlowMissing() error {
	return kerr.New(kerr.Unauthenticated, CodeFlowMissing,
		"Không tìm thấy phiên đăng nhập đang chờ (trình duyệt cần cho phép cookie)."+msgRestart,
		"no OIDC flow cookie in the callback request")
}

func errFlowInvalid(detail string) error {
	return kerr.New(kerr.Unauthenticated, CodeFlowInvalid,
		"Phiên đăng nhập không hợp lệ."+msgRestart, "flow cookie: %s", detail)
}

func errFlowExpired() error {
	return kerr.New(kerr.Unauthenticated, CodeFlowExpired,
		"Phiên đăng nhập đã hết hạn."+msgRestart, "the OIDC flow cookie has expired")
}

func errStateMismatch() error {
	return kerr.New(kerr.Unauthenticated, CodeStateMismatch,
		"Yêu cầu đăng nhập không khớp với phiên của trình duyệt này."+msgRestart,
		"the callback's state differs from the flow cookie's")
}

func errCancelled(desc string) error {
	return kerr.New(kerr.Unauthenticated, CodeCancelled,
		"Bạn đã huỷ đăng nhập hoặc không đồng ý chia sẻ thông tin với hệ thống.",
		"the provider answered access_denied: %s", desc)
}

func errProvider(code, desc string) error {
	return kerr.New(kerr.Unauthenticated, CodeProviderError,
		"Nhà cung cấp định danh từ chối yêu cầu đăng nhập."+msgRestart,
		"the provider answered error=%q: %s", code, desc)
}

func errCodeMissing() error {
	return kerr.New(kerr.Invalid, CodeCodeMissing,
		"Thiếu mã xác thực từ nhà cung cấp định danh."+msgRestart, "the callback carries no code")
}

func errCodeInvalid(err error) error {
	return kerr.Wrap(err, kerr.Unauthenticated, CodeCodeInvalid,
		"Mã xác thực không hợp lệ, đã hết hạn hoặc đã được dùng."+msgRestart)
}

func errUnavailable(err error) error {
	return kerr.Wrap(err, kerr.Unavailable, CodeProviderUnavailable,
		"Không kết nối được với nhà cung cấp định danh; vui lòng thử lại sau.")
}

func errClientRejected(err error) error {
	return kerr.Wrap(err, kerr.Internal, CodeClientRejected,
		"Hệ thống chưa được cấu hình đúng với nhà cung cấp định danh; vui lòng báo quản trị viên.")
}

func errTokenMissing() error {
	return kerr.New(kerr.Unauthenticated, CodeTokenMissing,
		"Nhà cung cấp định danh không trả về thông tin định danh."+msgRestart,
		"the token response has no id_token")
}

func errTokenSignature(err error) error {
	return kerr.Wrap(err, kerr.Unauthenticated, CodeTokenSignature,
		"Chữ ký của thông tin định danh không hợp lệ."+msgRestart)
}

func errTokenExpired(err error) error {
	return kerr.Wrap(err, kerr.Unauthenticated, CodeTokenExpired,
		"Thông tin định danh đã hết hạn."+msgRestart)
}

func errTokenInvalid(err error) error {
	return kerr.Wrap(err, kerr.Unauthenticated, CodeTokenInvalid,
		"Thông tin định danh không hợp lệ."+msgRestart)
}

func errNonceMismatch() error {
	return kerr.New(kerr.Unauthenticated, CodeNonceMismatch,
		"Thông tin định danh không thuộc lần đăng nhập này."+msgRestart,
		"the ID token's nonce differs from the flow cookie's")
}

func errClaim(name, why string) error {
	return kerr.New(kerr.Unauthenticated, CodeClaimInvalid,
		"Thông tin định danh nhận được không hợp lệ."+msgRestart, "claim %q: %s", name, why)
}
