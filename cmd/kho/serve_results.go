package main

import (
	"flag"
	"log/slog"
	"slices"
	"strings"

	"github.com/kho-vn/kho/internal/config"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/portal"
	"github.com/kho-vn/kho/signing"
	"github.com/kho-vn/kho/workflow"
)

// serveResults says which of the server's signing keys (--sign-key) sign
// dossiers' results: each leader's personal keys by the leader's staff
// subject (several: the leader chooses one when signing), and each
// agency's seal by its code. A leader with no key cannot issue
// (Permission leader_key_missing); an agency with no seal cannot either
// (503 seal_key_missing).
type serveResults struct {
	leaders multiValues // staff subject → key names
	seals   namedValues // agency code → key name
	// kinds is where each key named is kept (validate fills it from its
	// --sign-key SPEC).
	kinds map[string]workflow.KeySourceKind
}

// multiValues is a repeatable NAME=VALUE flag whose NAME may be given
// again with another VALUE (the same pair twice is refused).
type multiValues struct {
	names  []string
	values map[string][]string
}

func (n *multiValues) String() string {
	var parts []string
	for _, k := range n.names {
		for _, v := range n.values[k] {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, ",")
}

func (n *multiValues) Set(s string) error {
	var one namedValues
	if err := one.Set(s); err != nil {
		return err
	}
	name := one.names[0]
	value := one.values[name]
	if n.values == nil {
		n.values = map[string][]string{}
	}
	if slices.Contains(n.values[name], value) {
		return kerr.New(kerr.Invalid, "duplicate_name", "Cặp "+name+"="+value+" được khai báo hai lần.", "%q is given twice", s)
	}
	if _, seen := n.values[name]; !seen {
		n.names = append(n.names, name)
	}
	n.values[name] = append(n.values[name], value)
	return nil
}

// keySourceKind is where the key of spec (see openSignKey) is kept.
func keySourceKind(spec string) workflow.KeySourceKind {
	switch scheme, _, _ := strings.Cut(spec, ":"); scheme {
	case "pkcs11":
		return workflow.KeySourceToken
	case "csc":
		return workflow.KeySourceRemote
	}
	return workflow.KeySourceFile
}

func (c *serveResults) bind(fs *flag.FlagSet, _ config.Getenv) {
	fs.Var(&c.leaders, "result-leader-key", "a personal key (a --sign-key NAME) the leader SUBJECT signs dossiers' results with, `SUBJECT=NAME`; repeatable, also for one SUBJECT (the leader then chooses the key when signing)")
	fs.Var(&c.seals, "result-seal-key", "the seal key (a --sign-key NAME) of agency CODE, applied after the leader's signature on its results, `CODE=NAME`; repeatable")
}

// validate checks that every key named is a --sign-key and every agency
// code has the shape of one.
func (c *serveResults) validate(sig *serveSigning) error {
	c.kinds = map[string]workflow.KeySourceKind{}
	var pairs [][2]string
	for _, who := range c.leaders.names {
		for _, name := range c.leaders.values[who] {
			pairs = append(pairs, [2]string{who, name})
		}
	}
	for _, who := range c.seals.names {
		pairs = append(pairs, [2]string{who, c.seals.values[who]})
	}
	for _, p := range pairs {
		who, name := p[0], p[1]
		spec, ok := sig.keys.values[name]
		if !ok {
			return kerr.New(kerr.Invalid, "sign_key_unknown", "Không có khóa ký tên "+name+" (--sign-key "+name+"=…).",
				"--result-leader-key or --result-seal-key %s names key %q, which --sign-key does not define", who, name)
		}
		c.kinds[name] = keySourceKind(spec)
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
	ks := &workflow.KeySigner{Leaders: map[string][]workflow.LeaderKey{}, Seals: map[string]signing.KeySource{}}
	if sc != nil {
		ks.Checker, ks.TSAURL, ks.Budget = sc.Checker, sc.TSAURL, sc.Budget
		for _, who := range c.leaders.names {
			for _, name := range c.leaders.values[who] {
				ks.Leaders[who] = append(ks.Leaders[who], workflow.LeaderKey{Name: name, Source: c.kinds[name], Key: sc.Keys[name]})
			}
		}
		for _, who := range c.seals.names {
			ks.Seals[who] = sc.Keys[c.seals.values[who]]
		}
	}
	if len(ks.Leaders) == 0 || len(ks.Seals) == 0 {
		log.Warn("Chưa cấu hình khóa ký kết quả (--result-leader-key, --result-seal-key): chưa cấp được kết quả giải quyết hồ sơ")
	} else {
		log.Info("Khóa ký kết quả", "leaders", strings.Join(c.leaders.names, ","), "seals", strings.Join(c.seals.names, ","))
	}
	return &workflow.Results{Templates: docs.templates, Converter: docs.converter, Signer: ks, Vault: vault, PublicURL: docs.publicURL}
}
