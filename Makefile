# Thin wrapper: meson is the build system; this only enters the Debian 13
# root (tools/devroot.sh) when the host lacks the dependencies.
#   make check      build and run the whole test suite
#   make demo       colorize a sample (or INPUT=photo.jpg MODE=nir|gray HINTS=hints.png OUTPUT=out.png)
#   make sanitize   the test suite under ASan + UBSan
#   make fuzz       the libFuzzer targets, FUZZ_SECONDS (60) each (clang, build dir FUZZ_BUILD)
#   make bench      benchmarks (DEVICE=cpu|opencl)
#   make shell      a shell with the build dependencies
#   make format     clang-format the C sources
RUN := tools/devroot.sh
BUILD ?= build/main
ASAN_BUILD ?= build/asan
FUZZ_BUILD ?= $(BUILD)-fuzz
FUZZ_SECONDS ?= 60
PREFIX ?= $(CURDIR)/build/prefix
, := ,
# The private prefix keeps GEGL's and GIMP's layout so that XDG_DATA_HOME and
# GIMP3_DIRECTORY can point the applications at it without touching the system.
PRIVATE_DIRS = -Dgegl-plugindir=$(PREFIX)/share/gegl-0.4/plug-ins -Dgimp-plugindir=$(PREFIX)/gimp3/plug-ins \
  -Dgimp-scriptsdir=$(PREFIX)/gimp3/scripts
MESON_SETUP = [ -f $(1)/build.ninja ] || meson setup $(1) --prefix=$(PREFIX) $(PRIVATE_DIRS) $(2)

.PHONY: all build check demo sanitize fuzz bench shell format install clean

all: build

build:
	$(RUN) sh -c '$(call MESON_SETUP,$(BUILD)) && meson compile -C $(BUILD)'

# The test suite, then each fuzz target for FUZZ_SECONDS; fails when either does.
check:
	status=0; \
	$(RUN) sh -c '$(call MESON_SETUP,$(BUILD)) && meson compile -C $(BUILD) && meson test -C $(BUILD) --print-errorlogs' || status=1; \
	$(MAKE) fuzz || status=1; \
	exit $$status

install:
	$(RUN) sh -c '$(call MESON_SETUP,$(BUILD)) && meson install -C $(BUILD) --quiet'

demo:
	BUILD=$(BUILD) PREFIX=$(PREFIX) INPUT='$(INPUT)' MODE='$(MODE)' HINTS='$(HINTS)' OUTPUT='$(OUTPUT)' tools/demo.sh

sanitize:
	$(RUN) sh -c '$(call MESON_SETUP,$(ASAN_BUILD),-Db_sanitize=address$(,)undefined -Db_lundef=false) && meson compile -C $(ASAN_BUILD) && meson test -C $(ASAN_BUILD) --print-errorlogs'

# A clang build dir of its own (tests/fuzz/meson.build), CPU core only; the
# runs' corpora, logs and crash inputs go to $(FUZZ_BUILD)/fuzz-run.
fuzz:
	$(RUN) sh -c '{ [ -f $(FUZZ_BUILD)/build.ninja ] || CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=true -Dopencl=disabled; } && meson compile -C $(FUZZ_BUILD) fuzz-model-file fuzz-graph-json && sh tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)'

# Every benchmark's report, then the core benchmark's closing "bench: ..." line
# once, as the last line (meson's own summary would otherwise follow it).
bench:
	$(RUN) sh -c '$(call MESON_SETUP,$(BUILD)) && meson compile -C $(BUILD) && meson compile -C $(BUILD) bench-hint-model && { DEVICE=$(or $(DEVICE),cpu) meson test -C $(BUILD) --benchmark --verbose --no-rebuild 2>&1; echo "meson-exit=$$?"; } | tee $(BUILD)/bench.log | grep --line-buffered -v -e "^bench: " -e "^meson-exit=" ; grep -h "^bench: " $(BUILD)/bench.log | tail -n 1; grep -q "^meson-exit=0" $(BUILD)/bench.log'

shell:
	$(RUN) --shell

# git lists the files here: the Debian 13 root has clang-format but no git
format:
	$(RUN) clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build
