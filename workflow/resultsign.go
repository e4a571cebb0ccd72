package workflow

import (
	"bytes"
	"context"
	"slices"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/signing"
)

// KeySourceKind says where a signing key is kept.
type KeySourceKind string

// The key sources kho serve opens (--sign-key NAME=SPEC).
const (
	KeySourceFile   KeySourceKind = "file"   // a PKCS#12 (or PEM) file on the server
	KeySourceToken  KeySourceKind = "pkcs11" // a key on a PKCS#11 token (HSM, USB token)
	KeySourceRemote KeySourceKind = "remote" // a credential on a remote signing service (CSC API)
)

// Label is the source as people read it.
func (k KeySourceKind) Label() string {
	switch k {
	case KeySourceFile:
		return "Tệp chứng thư (PKCS#12) trên máy chủ"
	case KeySourceToken:
		return "Thiết bị ký số (PKCS#11)"
	case KeySourceRemote:
		return "Dịch vụ ký số từ xa"
	}
	return "Khóa ký số"
}

// LeaderKey is one of a leader's personal keys: the name the leader
// chooses it by, where it is kept, and the key.
type LeaderKey struct {
	Name   string
	Source KeySourceKind
	Key    signing.KeySource
}

// KeyChoice is a key a leader may sign results with, as the pages and the
// API show it.
type KeyChoice struct {
	Name        string        `json:"name"`
	Source      KeySourceKind `json:"source"`
	SourceLabel string        `json:"sourceLabel"`
}

// KeySigner is the ResultSigner over the server's signing keys: each
// leader signs with one of their own personal keys, listed by their staff
// subject (Leaders) and chosen by name (SignRequest.Key; the only one when
// they have one), and the agency's seal is the key of the competent agency
// (Seals). kho serve fills both maps from keys of its key set named by
// --result-leader-key SUBJECT=KEY (repeatable for one subject) and
// --result-seal-key AGENCY=KEY.
//
// Both signatures are PAdES approval signatures made with signing.Signer:
// B-T when TSAURL is set, otherwise B-B.
type KeySigner struct {
	Leaders map[string][]LeaderKey
	Seals   map[string]signing.KeySource
	// Checker runs the checks of each certificate before it signs (required).
	Checker  *signing.Checker
	TSAURL   string
	Budget   signing.ParseBudget
	Location string
	Contact  string
}

var _ ResultSigner = (*KeySigner)(nil)

// Keys lists leader's keys in the order configured.
func (k *KeySigner) Keys(leader string) []KeyChoice {
	var out []KeyChoice
	for _, lk := range k.Leaders[leader] {
		if lk.Key != nil {
			out = append(out, KeyChoice{Name: lk.Name, Source: lk.Source, SourceLabel: lk.Source.Label()})
		}
	}
	return out
}

// leaderKey is the key r.Leader chose (r.Key), or their only one.
func (k *KeySigner) leaderKey(r SignRequest) (signing.KeySource, error) {
	keys := slices.DeleteFunc(slices.Clone(k.Leaders[r.Leader]), func(lk LeaderKey) bool { return lk.Key == nil })
	switch {
	case len(keys) == 0:
		return nil, kerr.New(kerr.Permission, "leader_key_missing",
			"Lãnh đạo ký duyệt chưa được cấu hình chữ ký số cá nhân trên hệ thống.", "no personal key for leader %q", r.Leader)
	case r.Key == "" && len(keys) == 1:
		return keys[0].Key, nil
	case r.Key == "":
		return nil, kerr.New(kerr.Invalid, "sign_key_required",
			"Bạn có nhiều khóa ký số; hãy chọn khóa dùng để ký.", "leader %q has %d keys and chose none", r.Leader, len(keys))
	}
	i := slices.IndexFunc(keys, func(lk LeaderKey) bool { return lk.Name == r.Key })
	if i < 0 {
		// The same answer whether the name is another leader's key or
		// none: a leader learns nothing of others' keys.
		return nil, kerr.New(kerr.Invalid, "sign_key_unknown",
			"Khóa ký số đã chọn không phải khóa của bạn; hãy chọn lại trong danh sách.", "leader %q has no key %q", r.Leader, r.Key)
	}
	return keys[i].Key, nil
}

// Ready is Permission "leader_key_missing" when r.Leader has no key,
// Invalid "sign_key_required" when they have several and chose none,
// Invalid "sign_key_unknown" when r.Key is not one of theirs,
// Unavailable "seal_key_missing" when r.Agency has no seal.
func (k *KeySigner) Ready(r SignRequest) error {
	if _, err := k.leaderKey(r); err != nil {
		return err
	}
	if k.Seals[r.Agency] == nil {
		return kerr.New(kerr.Unavailable, "seal_key_missing",
			"Cơ quan chưa được cấu hình con dấu số (chữ ký số của cơ quan) trên hệ thống.", "no seal key for agency %q", r.Agency)
	}
	return nil
}

// SignResult signs pdf with r.Leader's chosen key, then with r.Agency's
// seal. Ready's errors; the signer's otherwise.
func (k *KeySigner) SignResult(ctx context.Context, r SignRequest, pdf []byte) ([]byte, error) {
	if err := k.Ready(r); err != nil {
		return nil, err
	}
	leader, err := k.leaderKey(r)
	if err != nil {
		return nil, err
	}
	seal := k.Seals[r.Agency]
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
