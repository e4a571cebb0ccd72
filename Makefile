# The machine pins Go 1.26; go.mod needs 1.27, which the module proxy serves.
export GOTOOLCHAIN := auto

GO ?= go

.PHONY: build run test test-servers test-servers-down bench fmt vet

## build: compile the kho binary into bin/kho
build:
	$(GO) build -o bin/kho ./cmd/kho

## run: build, then serve the embedded default on 127.0.0.1:8080 with ./data
run: build
	bin/kho serve --addr 127.0.0.1:8080 --data ./data

## test: start the real test servers, go vet, go test, short fuzz pass, stop the servers
test:
	scripts/test.sh

## test-servers: start the test servers and leave them running (for go test by hand)
test-servers:
	@f=$$(scripts/testenv.sh up) && printf '\nTest servers are up. In your shell:\n  source %s\n  go test ./...\nStop them with: make test-servers-down\n' "$$f"

## test-servers-down: stop the servers started by test-servers
test-servers-down:
	scripts/testenv.sh down

## bench: run the benchmarks with the test servers up (stopped afterwards)
bench:
	scripts/bench.sh

## fmt: gofmt every Go file
fmt:
	gofmt -l -w .

## vet: go vet every package
vet:
	$(GO) vet ./...
