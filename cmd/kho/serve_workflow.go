package main

import (
	"bytes"
	"context"
	"log/slog"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/workflow"
)

// serveWorkflow returns the dossier lifecycle over the metadata store,
// with the shipped procedure catalogue (agencies, procedures, processes
// and their document types) loaded into an empty store. A store that
// has procedures is left as its admins made it. Each seam sets the
// Config's fields of one part (slips, deadlines, notifications...).
func serveWorkflow(ctx context.Context, meta workflow.Store, vault *archive.Service, reg *forms.Registry, log *slog.Logger, seams ...func(*workflow.Config)) (*workflow.Service, error) {
	cfg := workflow.Config{Store: meta, Vault: vault, Forms: reg, Log: log}
	for _, seam := range seams {
		seam(&cfg)
	}
	wf := workflow.New(cfg)
	ps, err := wf.Procedures(ctx, systemActor())
	if err != nil {
		return nil, err
	}
	if len(ps) > 0 {
		return wf, nil
	}
	n, err := wf.LoadCatalog(ctx, systemActor(), bytes.NewReader(workflow.DefaultCatalog()))
	if err != nil {
		return nil, err
	}
	log.Info("Đã nạp danh mục thủ tục hành chính mặc định", "agencies", n.Agencies, "procedures", n.Procedures, "processes", n.Processes)
	return wf, nil
}

// printerSeam prints the slips and the tracking book with docs (no
// converter: 503 converter_unavailable).
func printerSeam(docs *documents) func(*workflow.Config) {
	return func(c *workflow.Config) {
		c.Printer = workflow.ConvertPrinter{Templates: docs.templates, Converter: docs.converter, PublicURL: docs.publicURL}
	}
}

// resultsSeam makes and issues the dossiers' results with results
// (serveResults.build; nil: the sign action issues no paper).
func resultsSeam(results *workflow.Results) func(*workflow.Config) {
	return func(c *workflow.Config) { c.Results = results }
}
