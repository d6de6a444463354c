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
# The multi-call experiment (docs/multicall.md): one binary for every plugin, a hard link per plugin name.
# Not part of build or package. A plugin's name is its directory's (plugins/<name>/src, ipam/<name>/src).
MULTICALL_DIR ?= dist/multicall
MULTICALL_PLUGINS := $(sort $(foreach p,$(wildcard plugins/*/src/*.csproj ipam/*/src/*.csproj),$(notdir $(patsubst %/src/,%,$(dir $(p))))))

.PHONY: help build demo test install clean prereqs conformance package bench soak multicall

help:
	@echo "make build    publish every plugin and tool with native AOT into $(DIST)/"
	@echo "make demo     build, then run the suite live in throwaway network namespaces"
	@echo "make test     install test prerequisites, build, and run every test tier"
	@echo "make install  copy $(DIST)/* to \$$(DESTDIR)$(PREFIX)"
	@echo "make conformance  run the spec kit against ours and the reference, write spec-tests/REPORT.md"
	@echo "make package  release tarball, SHA256SUMS, .deb, OCI image and the LibCni .nupkg files into dist/"
	@echo "make bench    benchmarks side by side with the reference plugins (docs/bench/); BENCH_ARGS=--medium for a shorter run"
	@echo "make soak     full-size fault injection and soak runs"
	@echo "make multicall  the multi-call experiment: one AOT binary + a hard link per plugin in $(MULTICALL_DIR)/ (docs/multicall.md; not shipped)"

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

multicall:
	@mkdir -p .artifacts
	@rm -rf $(MULTICALL_DIR) && mkdir -p $(MULTICALL_DIR)
	@echo "publish packaging/multicall/src/Multicall.csproj (native AOT)"
	@$(DOTNET) publish packaging/multicall/src/Multicall.csproj -c Release -r $(RID) -p:PublishAot=true -p:CniGitCommit=$(GIT_COMMIT) \
		-o .artifacts/publish/multicall -nologo -v:q > .artifacts/publish-multicall.log 2>&1 || { cat .artifacts/publish-multicall.log; exit 1; }
	@if grep -E "warning IL[23][0-9]{3}" .artifacts/publish-multicall.log; then echo "AOT/trim warnings in the multi-call binary"; exit 1; fi
	@cp -f .artifacts/publish/multicall/cni-plugins $(MULTICALL_DIR)/
	@set -e; for p in $(MULTICALL_PLUGINS); do \
		ln $(MULTICALL_DIR)/cni-plugins $(MULTICALL_DIR)/$$p; \
		$(MULTICALL_DIR)/$$p </dev/null 2>&1 | head -1 | grep -q "^CNI $$p plugin " || { echo "cni-plugins does not dispatch '$$p' (add it to packaging/multicall/src/Program.cs)"; exit 1; }; \
	done
	@ls -li $(MULTICALL_DIR)

install:
	install -d $(DESTDIR)$(PREFIX)
	install -m 0755 $(DIST)/* $(DESTDIR)$(PREFIX)/

clean:
	rm -rf dist .artifacts
	$(DOTNET) clean CniPlugins.sln -v:q >/dev/null
