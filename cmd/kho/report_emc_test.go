package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kho-vn/kho/emc"
	"github.com/kho-vn/kho/emc/emctest"
	"github.com/kho-vn/kho/storage/sqlite"
)

// reportGroup is `kho report` with the EMC subcommand, as the statistics
// engine's part registers it.
func reportGroup() *command {
	return &command{name: "report", usage: "kho report COMMAND [flags]", summary: "reports", vi: "Báo cáo", sub: []*command{reportEMCCommand()}}
}

// TestReportEMC: `kho report emc` prints the counts and each event given
// up and exits 1 while there are some; --retry-failed puts them back in
// the queue (pending, attempts counted afresh) and exits 0.
func TestReportEMC(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "kho.db"))
	if err != nil {
		t.Fatal(err)
	}
	at := emctest.Start
	for seq := 1; seq <= 3; seq++ {
		r := emc.Record{ID: emc.EventID(emctest.Dossier(1, at).Code, seq), Dossier: emctest.Dossier(1, at).Code, Seq: seq,
			Event: []byte(`{}`), State: emc.Failed, Attempts: 7, LastError: "HTTP 500", NextAt: at, CreatedAt: at, Rev: 1}
		if seq == 3 {
			r.State = emc.Pending
		}
		if err := st.AddEMCEvent(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	_ = st.Close(ctx)
	run := func(args ...string) (error, string) {
		var out, errb bytes.Buffer
		a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }, now: time.Now}
		err := a.dispatch(ctx, reportGroup(), append([]string{"emc", "--data", dir}, args...))
		return err, out.String()
	}
	err, out := run()
	if code := exitCode(err); code != 1 || !strings.Contains(out, "pending: 1\nfailed: 2\n") ||
		!strings.Contains(out, "failed "+emctest.Dossier(1, at).Code+".1 dossier") || !strings.Contains(out, "HTTP 500") {
		t.Fatalf("status: exit %d (%v)\n%s", code, err, out)
	}
	err, out = run("--retry-failed")
	if err != nil || !strings.Contains(out, "pending: 3\nfailed: 0\n") {
		t.Fatalf("--retry-failed: %v\n%s", err, out)
	}
	st, err = sqlite.Open(ctx, filepath.Join(dir, "kho.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	r, err := st.GetEMCEvent(ctx, emc.EventID(emctest.Dossier(1, at).Code, 2))
	if err != nil || r.State != emc.Pending || r.Attempts != 0 {
		t.Fatalf("after the retry %+v, %v", r, err)
	}
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exitError); ok {
		return ee.code
	}
	return -1
}
