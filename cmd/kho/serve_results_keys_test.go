package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kho-vn/kho/signing"
	"github.com/kho-vn/kho/workflow"
)

// TestServeResultsSeveralLeaderKeys: --result-leader-key given twice for
// one leader gives them both keys to choose from, each with where it is
// kept (a .p12 file here; pkcs11: and csc: specs are a token and a remote
// service); the same pair twice is refused at start.
func TestServeResultsSeveralLeaderKeys(t *testing.T) {
	e := newSignTestPKI(t)
	_, _, _, err := resultServe(t, e, "", "--result-leader-key", "chutich=ca-nhan")
	if err == nil || !strings.Contains(err.Error(), "duplicate_name") {
		t.Fatalf("the same pair twice: %v", err)
	}
	sig, dc, rs, err := resultServe(t, e, "", "--sign-key", "ca-nhan-2="+filepath.Join(e.dir, "personal.p12"),
		"--sign-key-password-file", "ca-nhan-2="+e.pw, "--result-leader-key", "chutich=ca-nhan-2")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, sc, closeKeys, err := sig.build(ctx, signing.ParseBudget{})
	if err != nil {
		t.Fatal(err)
	}
	defer closeKeys()
	log := slog.New(slog.DiscardHandler)
	docs, err := dc.build(ctx, log, false)
	if err != nil {
		t.Fatal(err)
	}
	got := rs.build(docs, sc, nil, log).Signer.Keys("chutich")
	want := []workflow.KeyChoice{{Name: "ca-nhan", Source: workflow.KeySourceFile, SourceLabel: workflow.KeySourceFile.Label()},
		{Name: "ca-nhan-2", Source: workflow.KeySourceFile, SourceLabel: workflow.KeySourceFile.Label()}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("the leader's keys %+v, want %+v", got, want)
	}
	for spec, kind := range map[string]workflow.KeySourceKind{"pkcs11:token=a;object=b?module-path=/x.so": workflow.KeySourceToken,
		"csc:https://ky.example.vn/csc/v2#id": workflow.KeySourceRemote, "/etc/kho/a.p12": workflow.KeySourceFile} {
		if k := keySourceKind(spec); k != kind {
			t.Errorf("%s: %s, want %s", spec, k, kind)
		}
	}
}
