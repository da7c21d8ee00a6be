# Circly — every target runs with the Go toolchain PocketBase v0.40 needs.
export GOTOOLCHAIN := go1.27.3

GO      ?= go
BIN     ?= circly
HTTP    ?= 127.0.0.1:8090
FUZZTIME ?= 5s

.PHONY: build run test test-go e2e sdk sdk-types bench bench-quick bench-go fuzz screenshot vet fmt clean docker

build:
	$(GO) build -trimpath -ldflags "-s -w" -o $(BIN) .

## run: build and serve on $(HTTP) with data in ./pb_data (no configuration needed)
run: build
	./$(BIN) serve --http $(HTTP) --dir ./pb_data

## test: vet + gofmt, every Go test with -race, a short fuzz run, then the end-to-end suite
test: vet test-go fuzz e2e

test-go:
	$(GO) test -race -count=1 ./...

vet:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## fuzz: each fuzz target of ./server, then ./names, for $(FUZZTIME), one after the other
## (go fuzzes one target at a time); longer runs: make fuzz FUZZTIME=1m
FUZZ_TARGETS := FuzzDeviceLoginBody FuzzJoinBody FuzzPollCreateBody FuzzVoteBody FuzzInviteCodeAndLink FuzzNickname FuzzContinuityBody
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $$t for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) ./server; \
	done
	@echo "fuzz FuzzNames for $(FUZZTIME)"
	$(GO) test -run '^$$' -fuzz '^FuzzNames$$' -fuzztime $(FUZZTIME) ./names

## e2e: only the end-to-end suite (real binary + PocketBase JS SDK + headless Chromium),
## after building and type-checking the typed client it uses (see sdk)
e2e: build sdk
	cd e2e && CIRCLY_BIN=$(CURDIR)/$(BIN) npm test

## sdk: build the typed client (sdk/dist) and type-check it, with a usage file and
## e2e/tests/sdk.test.mjs, with tsc (the e2e packages first: that test imports them)
sdk:
	cd e2e && npm ci --no-audit --no-fund --loglevel=error
	cd sdk && npm ci --no-audit --no-fund --loglevel=error && npm test

## sdk-types: regenerate sdk/src/*.gen.ts from the collections and the routes' Go types
sdk-types:
	$(GO) run . sdk-types

## screenshot: PNGs of the invite landing page states in ./screenshots
screenshot: build
	cd e2e && npm ci --no-audit --no-fund --loglevel=error && CIRCLY_BIN=$(CURDIR)/$(BIN) node screenshot.mjs

## bench: end-to-end benchmarks of the real binary (bench/: votes, login,
## results, realtime fan-out, push dispatch, footprint, growth); prints a
## markdown table (about 3 minutes; see BENCHMARKS.md)
bench:
	$(GO) run ./bench

## bench-quick: votes, login and results in under a minute; the last line is
## ratio=0.NN (vote rate / create rate of a bare PocketBase, bench/barepb)
bench-quick:
	$(GO) run ./bench -quick

## bench-go: Go micro-benchmarks (the 10,000-recipient dispatch runs take
## seconds each; `make bench` runs them once, or: -bench Dispatch10k -benchtime 1x)
bench-go:
	$(GO) test -run '^$$' -bench . -skip 'Dispatch10k|Vote64' -benchtime 2000x ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -f $(BIN)
	rm -rf screenshots

docker:
	docker build -t circly .
