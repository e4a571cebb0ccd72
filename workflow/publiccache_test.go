package workflow_test

import (
	"bytes"
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kho-vn/kho/storage/sqlite"
	"github.com/kho-vn/kho/workflow"
)

// countingStore counts the dossier reads of a workflow store.
type countingStore struct {
	workflow.Store
	gets atomic.Int64
}

func (c *countingStore) GetDossier(ctx context.Context, code string) (workflow.Dossier, error) {
	c.gets.Add(1)
	return c.Store.GetDossier(ctx, code)
}

// lookupProcess is another kho serve process on e's database, counting its
// dossier reads, with public lookups kept for ttl (0: the default).
func (e *env) lookupProcess(t *testing.T, ttl time.Duration) (*workflow.Service, *countingStore) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), e.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close(context.Background()) })
	cs := &countingStore{Store: st}
	return workflow.New(workflow.Config{Store: cs, Vault: e.vault, Forms: e.forms, Now: e.clock.Now, PublicLookupTTL: ttl}), cs
}

// TestPublicLookupCache: the public lookup, which thousands poll at once,
// reads the store once per code per DefaultPublicLookupTTL; a change made
// through the same process shows at once, one made through another process
// once the TTL has passed; a dossier not found is not remembered.
func TestPublicLookupCache(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	l, cs := e.lookupProcess(t, 0)
	v := e.filledBirth(t)
	_, err := l.PublicLookup(ctx, v.Code)
	wantCode(t, err, "dossier_not_found") // a draft is not public
	if _, err := e.wf.Act(ctx, citizen, v.Code, workflow.ActInput{Action: workflow.ActionSubmit}); err != nil {
		t.Fatal(err)
	}
	before := cs.gets.Load()
	for range 100 {
		p, err := l.PublicLookup(ctx, v.Code) // the not-found answer was not kept
		wantCode(t, err, "")
		if p.Status != workflow.StatusAwaitingIntake {
			t.Fatalf("status %s, want awaiting_intake", p.Status)
		}
	}
	if n := cs.gets.Load() - before; n != 1 {
		t.Fatalf("100 lookups read the store %d times, want 1", n)
	}

	// Received through another process: seen here after the TTL.
	if _, err := e.wf.Act(ctx, desk, v.Code, workflow.ActInput{Action: workflow.ActionReceive}); err != nil {
		t.Fatal(err)
	}
	if p, _ := l.PublicLookup(ctx, v.Code); p.Status != workflow.StatusAwaitingIntake {
		t.Fatalf("within the TTL the status is %s, want the kept awaiting_intake", p.Status)
	}
	e.clock.Add(workflow.DefaultPublicLookupTTL)
	if p, _ := l.PublicLookup(ctx, v.Code); p.Status != workflow.StatusReceived {
		t.Fatalf("after the TTL the status is %s, want received", p.Status)
	}

	// Transferred through this process: seen at once.
	if _, err := l.Act(ctx, desk, v.Code, workflow.ActInput{Action: workflow.ActionTransfer}); err != nil {
		t.Fatal(err)
	}
	p, _ := l.PublicLookup(ctx, v.Code)
	if p.Status != workflow.StatusProcessing {
		t.Fatalf("after this process's transfer the status is %s, want processing", p.Status)
	}

	// With the cache off every lookup reads the store.
	off, ocs := e.lookupProcess(t, -1)
	for range 3 {
		if _, err := off.PublicLookup(ctx, v.Code); err != nil {
			t.Fatal(err)
		}
	}
	if n := ocs.gets.Load(); n != 3 {
		t.Fatalf("3 uncached lookups read the store %d times", n)
	}
}

// TestNoFormsPublished: a workflow given no eForm registry refuses the
// shipped catalogue, whose components are bound to eForms, with
// unknown_form — it does not dereference a nil registry.
func TestNoFormsPublished(t *testing.T) {
	e := newEnv(t)
	wf := workflow.New(workflow.Config{Store: e.store, Vault: e.vault, Now: e.clock.Now})
	_, err := wf.LoadCatalog(context.Background(), admin, bytes.NewReader(workflow.DefaultCatalog()))
	wantCode(t, err, "unknown_form")
}
