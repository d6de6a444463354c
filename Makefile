# CniPlugins: build, demo, test, install. Run `make help` for the list.
SHELL := /bin/bash
DOTNET ?= dotnet
RID ?= linux-x64
DIST ?= dist/bin
DESTDIR ?=
PREFIX ?= /opt/cni/bin
GIT_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
VERSION := $(shell cat VERSION)

# Every executable: plugins, IPAM plugins and tools. The binary's name is its AssemblyName (= CNI type).
EXECUTABLES := $(sort $(wildcard plugins/*/src/*.csproj ipam/*/src/*.csproj libcni/src/cnitool/*.csproj))

.PHONY: help build demo test install clean prereqs conformance package bench soak

help:
	@echo "make build    publish every plugin and tool with native AOT into $(DIST)/"
	@echo "make demo     build, then run the suite live in throwaway network namespaces"
	@echo "make test     install test prerequisites, build, and run every test tier"
	@echo "make install  copy $(DIST)/* to \$$(DESTDIR)$(PREFIX)"
	@echo "make conformance  run the spec kit against ours and the reference, write spec-tests/REPORT.md"
	@echo "make package  release tarball, SHA256SUMS, .deb, OCI image and the LibCni .nupkg files into dist/"
	@echo "make bench    benchmarks side by side with the reference plugins (docs/bench/); BENCH_ARGS=--medium for a shorter run"
	@echo "make soak     full-size fault injection and soak runs"

build:
	@mkdir -p $(DIST) .artifacts
	@set -e; for proj in $(EXECUTABLES); do \
		name=$$(basename $$proj .csproj); \
		out=.artifacts/publish/$$name; log=.artifacts/publish-$$name.log; \
		echo "publish $$proj (native AOT)"; \
		$(DOTNET) publish $$proj -c Release -r $(RID) -p:PublishAot=true -p:CniGitCommit=$(GIT_COMMIT) -o $$out -nologo -v:q > $$log 2>&1 || { cat $$log; exit 1; }; \
		if grep -E "warning IL[23][0-9]{3}" $$log; then echo "AOT/trim warnings in $$proj"; exit 1; fi; \
		for bin in $$(find $$out -maxdepth 1 -type f -perm -u+x ! -name '*.dbg' ! -name '*.so'); do cp -f $$bin $(DIST)/; done; \
	done
	@ls -l $(DIST)

prereqs:
	@scripts/install-prereqs

demo: prereqs build
	@scripts/in-private-netns scripts/demo

test: prereqs build
	@scripts/run-tests

conformance: prereqs build
	@scripts/conformance

package: prereqs build
	@scripts/package

bench: prereqs build
	@scripts/bench.d/build-empty
	@scripts/in-private-netns scripts/bench $(BENCH_ARGS)

soak: prereqs build
	@scripts/soak

install:
	install -d $(DESTDIR)$(PREFIX)
	install -m 0755 $(DIST)/* $(DESTDIR)$(PREFIX)/

clean:
	rm -rf dist .artifacts
	$(DOTNET) clean CniPlugins.sln -v:q >/dev/null
