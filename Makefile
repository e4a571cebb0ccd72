# The machine pins Go 1.26; go.mod needs 1.27, which the module proxy serves.
export GOTOOLCHAIN := auto

GO ?= go

# make run: where kho serve listens, its data folder, and more flags for it,
# e.g. make run ARGS='--trust pki/roots.pem'. Set them on make's command line
# (a variable of the same name in the environment does not count).
ADDR = 127.0.0.1:8080
DATA = ./data
ARGS =
# make pki: the folder of the test PKI, and the base URL its certificates
# name for OCSP, CRLs, CA certificates and the TSA (it is served there).
PKI = pki
PKI_URL = http://127.0.0.1:18800

.PHONY: build run screenshots lighthouse pki test test-servers test-servers-down bench fmt vet

## build: compile the kho binary into bin/kho
build:
	$(GO) build -o bin/kho ./cmd/kho

## run: build, then serve the demo on the embedded default on 127.0.0.1:8080 with ./data: on a fresh folder it seeds
##      demo accounts (passwords printed), papers and demo signing keys; a folder holding other data is refused (more flags: ARGS='...')
run: build
	bin/kho serve --demo --addr $(ADDR) --data $(DATA) $(ARGS)

## screenshots: start the demo server on a fresh folder and save the main pages (internal/screenshots: Pages) at 1280 and
##              360 px to docs/screenshots/*.png with Debian's Chromium (and axe-core from make test-servers' cache)
screenshots: build
	KHO_BIN=$(CURDIR)/bin/kho $(GO) test -tags screenshots -count=1 -p 1 -timeout 10m ./internal/screenshots -run TestScreenshots -args -out $(CURDIR)/docs/screenshots

## lighthouse: install npm lighthouse (once, into ~/.cache/kho/npm; 13 needs Node 22, Debian 12 has 20), start the demo server and
##             run it 3 times on the main pages, desktop and mobile, with Debian's Chromium; the medians go to bin/lighthouse.md
LIGHTHOUSE_VERSION = 12.8.2
LIGHTHOUSE_DIR = $(HOME)/.cache/kho/npm/lighthouse-$(LIGHTHOUSE_VERSION)
lighthouse: build
	@test -f $(LIGHTHOUSE_DIR)/node_modules/lighthouse/cli/index.js || \
	  npm install --no-audit --no-fund --ignore-scripts -E --prefix $(LIGHTHOUSE_DIR) lighthouse@$(LIGHTHOUSE_VERSION)
	KHO_BIN=$(CURDIR)/bin/kho KHO_LIGHTHOUSE=$(LIGHTHOUSE_DIR)/node_modules/lighthouse/cli/index.js \
	  $(GO) test -tags lighthouse -count=1 -p 1 -timeout 40m ./internal/screenshots -run TestLighthouse -args -out $(CURDIR)/bin/lighthouse.md
	@cat bin/lighthouse.md

## pki: make the test PKI in ./pki (once) and serve its OCSP, CRLs, TSA and CSC on 127.0.0.1:18800 until Ctrl-C
pki:
	@test -f $(PKI)/manifest.json || $(GO) run ./certs-test -out $(PKI) -base-url $(PKI_URL)
	$(GO) run ./certs-test serve -dir $(PKI)

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
