package main

import (
	"context"
	"fmt"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/storage/mongo"
)

// envFerretDBPostgresURL is the PostgreSQL database FerretDB keeps its data in.
const envFerretDBPostgresURL = "KHO_FERRETDB_POSTGRES_URL"

func ferretDBIndexesCommand() *command {
	return &command{
		name:    "ferretdb-indexes",
		usage:   "kho admin ferretdb-indexes [flags] --mongo-uri URI --postgres-url URL",
		summary: "create the PostgreSQL indexes that kho's queries need on FerretDB 1.x",
		vi:      "Tạo các chỉ mục PostgreSQL mà truy vấn của Kho cần khi chạy trên FerretDB 1.x",
		help: `For metadata on FerretDB 1.x over PostgreSQL instead of MongoDB
(docs/deployment.md). FerretDB turns an equality filter into a condition
that its own btree indexes cannot serve; this command creates GIN
expression indexes that can, on the tables FerretDB made for kho's
collections, which it finds in FerretDB's metadata table of the database
schema. It first opens the store (--mongo-uri, --mongo-db), which applies
kho's migrations, so the collections exist even before the first
'kho serve'. --postgres-url is the database FerretDB itself uses (its
--postgresql-url), with a role that may create indexes there.

Safe to run again: an index that exists is left alone; one whose build was
interrupted is built again. Indexes are built CONCURRENTLY: the servers
keep writing meanwhile. Run it after each upgrade of kho too. On MongoDB
there is nothing to do, and it says so.`,
		run: runFerretDBIndexes,
	}
}

func runFerretDBIndexes(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, true)
	pgURL := fs.String("postgres-url", a.getenv(envFerretDBPostgresURL), "`URL` of the PostgreSQL database FerretDB keeps its data in (its --postgresql-url) [$"+envFerretDBPostgresURL+"]")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return helpOK(err)
	}
	if !cfg.UsesMongo() {
		return &usageError{kerr.New(kerr.Invalid, "mongo_uri_required", "Cần chỉ rõ địa chỉ MongoDB (FerretDB).",
			"pass --mongo-uri URI (or set KHO_MONGO_URI): the FerretDB server kho uses")}
	}
	if err := cfg.Validate(); err != nil {
		return &usageError{err}
	}
	openCtx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	st, err := mongo.Open(openCtx, cfg.MongoURI, cfg.MongoDB, mongo.WithLogger(a.quietLog()))
	if err != nil {
		return err
	}
	defer st.Close(context.WithoutCancel(ctx))
	v, err := st.FerretDBVersion(openCtx)
	if err != nil {
		return err
	}
	if v == "" {
		fmt.Fprintln(a.stdout, "Máy chủ là MongoDB, không phải FerretDB: không cần các chỉ mục này, không có gì để làm.")
		return nil
	}
	if *pgURL == "" {
		return &usageError{kerr.New(kerr.Invalid, "postgres_url_required", "Cần chỉ rõ địa chỉ PostgreSQL của FerretDB.",
			"pass --postgres-url URL (or set %s): the database FerretDB %s keeps its data in", envFerretDBPostgresURL, v)}
	}
	// No deadline: on a large table an index takes as long as it takes;
	// Ctrl-C stops it (the next run builds it again).
	ixs, err := st.CreateFerretDBIndexes(ctx, *pgURL)
	for _, ix := range ixs {
		state := "đã có"
		switch {
		case ix.Rebuilt:
			state = "đã tạo lại"
		case ix.Created:
			state = "đã tạo"
		}
		fmt.Fprintf(a.stdout, "%s.%s: chỉ mục %s trên bảng %q.%q — %s\n", ix.Collection, ix.Field, ix.Name, ix.Schema, ix.Table, state)
	}
	return err
}
