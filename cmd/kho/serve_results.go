package main

import (
	"flag"
	"log/slog"
	"strings"

	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal"
	"github.com/kho-vn/kho/signing"
	"github.com/kho-vn/kho/workflow"
)

// serveResults says which of the server's signing keys (--sign-key) sign
// dossiers' results: each leader's personal key by the leader's staff
// subject, and each agency's seal by its code. A leader with no key
// cannot issue (Permission leader_key_missing); an agency with no seal
// cannot either (503 seal_key_missing).
type serveResults struct {
	leaders namedValues // staff subject → key name
	seals   namedValues // agency code → key name
}

func (c *serveResults) bind(fs *flag.FlagSet, _ config.Getenv) {
	fs.Var(&c.leaders, "result-leader-key", "the personal key (a --sign-key NAME) the leader SUBJECT signs dossiers' results with, `SUBJECT=NAME`; repeatable")
	fs.Var(&c.seals, "result-seal-key", "the seal key (a --sign-key NAME) of agency CODE, applied after the leader's signature on its results, `CODE=NAME`; repeatable")
}

// validate checks that every key named is a --sign-key and every agency
// code has the shape of one.
func (c *serveResults) validate(sig *serveSigning) error {
	for _, nv := range []*namedValues{&c.leaders, &c.seals} {
		for _, who := range nv.names {
			name := nv.values[who]
			if _, ok := sig.keys.values[name]; !ok {
				return kerr.New(kerr.Invalid, "sign_key_unknown", "Không có khóa ký tên "+name+" (--sign-key "+name+"=…).",
					"--result-leader-key or --result-seal-key %s names key %q, which --sign-key does not define", who, name)
			}
		}
	}
	for _, code := range c.seals.names {
		if !workflow.ValidAgencyCode(code) {
			return kerr.New(kerr.Invalid, "invalid_agency_code", "Mã định danh cơ quan không hợp lệ (dạng 000.00.31.H29).",
				"--result-seal-key %q", code)
		}
	}
	return nil
}

// build makes the workflow's Results: the documents' templates and
// converter (nil converter: issuing answers 503 converter_unavailable),
// the keys of sc (nil: no keys, every issue refused for the missing
// key), and the vault.
func (c *serveResults) build(docs *documents, sc *portal.Signing, vault workflow.ResultVault, log *slog.Logger) *workflow.Results {
	ks := &workflow.KeySigner{Leaders: map[string]signing.KeySource{}, Seals: map[string]signing.KeySource{}}
	if sc != nil {
		ks.Checker, ks.TSAURL, ks.Budget = sc.Checker, sc.TSAURL, sc.Budget
		for _, m := range []struct {
			to map[string]signing.KeySource
			nv *namedValues
		}{{ks.Leaders, &c.leaders}, {ks.Seals, &c.seals}} {
			for _, who := range m.nv.names {
				m.to[who] = sc.Keys[m.nv.values[who]]
			}
		}
	}
	if len(ks.Leaders) == 0 || len(ks.Seals) == 0 {
		log.Warn("Chưa cấu hình khóa ký kết quả (--result-leader-key, --result-seal-key): chưa cấp được kết quả giải quyết hồ sơ")
	} else {
		log.Info("Khóa ký kết quả", "leaders", strings.Join(c.leaders.names, ","), "seals", strings.Join(c.seals.names, ","))
	}
	return &workflow.Results{Templates: docs.templates, Converter: docs.converter, Signer: ks, Vault: vault, PublicURL: docs.publicURL}
}
