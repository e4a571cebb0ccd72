package workflow

import (
	"bytes"
	"context"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/signing"
)

// KeySigner is the ResultSigner over the server's signing keys: each
// leader signs with their own personal key, chosen by their staff subject
// (Leaders), and the agency's seal is the key of the competent agency
// (Seals). kho serve fills both maps from keys of its key set named by
// --result-leader-key SUBJECT=KEY and --result-seal-key AGENCY=KEY.
//
// Both signatures are PAdES approval signatures made with signing.Signer:
// B-T when TSAURL is set, otherwise B-B.
type KeySigner struct {
	Leaders map[string]signing.KeySource
	Seals   map[string]signing.KeySource
	// Checker runs the checks of each certificate before it signs (required).
	Checker  *signing.Checker
	TSAURL   string
	Budget   signing.ParseBudget
	Location string
	Contact  string
}

var _ ResultSigner = (*KeySigner)(nil)

// Ready is Permission "leader_key_missing" when r.Leader has no key,
// Unavailable "seal_key_missing" when r.Agency has no seal.
func (k *KeySigner) Ready(r SignRequest) error {
	if k.Leaders[r.Leader] == nil {
		return kerr.New(kerr.Permission, "leader_key_missing",
			"Lãnh đạo ký duyệt chưa được cấu hình chữ ký số cá nhân trên hệ thống.", "no personal key for leader %q", r.Leader)
	}
	if k.Seals[r.Agency] == nil {
		return kerr.New(kerr.Unavailable, "seal_key_missing",
			"Cơ quan chưa được cấu hình con dấu số (chữ ký số của cơ quan) trên hệ thống.", "no seal key for agency %q", r.Agency)
	}
	return nil
}

// SignResult signs pdf with r.Leader's key, then with r.Agency's seal.
// Permission "leader_key_missing" when the leader has no key; Unavailable
// "seal_key_missing" when the agency has no seal; the signer's errors
// otherwise.
func (k *KeySigner) SignResult(ctx context.Context, r SignRequest, pdf []byte) ([]byte, error) {
	if err := k.Ready(r); err != nil {
		return nil, err
	}
	leader, seal := k.Leaders[r.Leader], k.Seals[r.Agency]
	level := signing.LevelBB
	if k.TSAURL != "" {
		level = signing.LevelBT
	}
	opts := signing.Options{Level: level, TSAURL: k.TSAURL, Checker: k.Checker, Budget: k.Budget, Location: k.Location, Contact: k.Contact}
	steps := []struct {
		key    signing.KeySource
		name   string
		reason string
	}{
		{leader, r.LeaderName, "Ký duyệt kết quả giải quyết hồ sơ " + r.Dossier + ", số " + r.Number},
		{seal, r.AgencyName, "Đóng dấu cơ quan: " + r.AgencyName},
	}
	for _, st := range steps {
		o := opts
		o.Name, o.Reason = st.name, st.reason
		s, err := signing.New(st.key, o)
		if err != nil {
			return nil, err
		}
		var out bytes.Buffer
		if _, err := s.Sign(ctx, bytes.NewReader(pdf), int64(len(pdf)), &out); err != nil {
			return nil, err
		}
		pdf = out.Bytes()
	}
	return pdf, nil
}
