// Package bench holds Kho's end-to-end benchmarks (issue 2 item 9), in its
// _test.go files: uploads through the real HTTP API compared with raw
// driver writes of the same sizes, and listing through the API over a vault
// of 100,000 documents. They run against the embedded default (SQLite +
// local files) and against MinIO + FerretDB started by scripts/testenv.sh.
// BenchmarkDossierDay is issue 10 item 12's simulated day of dossiers
// (scripts/bench-dossiers.sh runs it beside kho serve with vegeta).
// docs/benchmarks.md records the results; scripts/bench.sh reproduces them.
package bench
