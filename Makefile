# shipsim: plain GNU make. Sources are found by folder; each binary's main lives in its folder's
# main.c, everything else in a folder is library code the unit tests can link.
#
#   make            build bin/shipsim, bin/syncd, bin/mockplat, bin/mockcarrier (-O2)
#   make run        build and run the default scenario (results/<name>-<stamp>/)
#   make test       build under ASan+UBSan into build/san/ and run unit + integration tests
#   make bench      optimised build, then the benchmark (results/bench/bench.json)
#   make deps       install the Debian packages the project needs, only when some are missing
#   make check-style, make clean

SHELL        := /bin/bash
CC           ?= cc
PKGS         := libevent libevent_pthreads libcurl libcjson sqlite3 libcrypto
DEBS         := build-essential pkg-config libevent-dev libcurl4-openssl-dev libcjson-dev \
                libsqlite3-dev libssl-dev libcmocka-dev gnuplot-nox clang-format wrk nginx-light \
                chromium clang libclang-rt-dev valgrind python3 iproute2
SANITIZE     ?=
ifeq ($(SANITIZE),1)
BUILD        ?= build/san
BIN          ?= build/san/bin
OPT          := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
else ifeq ($(SANITIZE),fuzz)
# libFuzzer build (make fuzz, with CC=clang): library code instrumented for coverage + ASan/UBSan.
BUILD        ?= build/fuzz
BIN          ?= build/fuzz/bin
OPT          := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
                -fno-sanitize-recover=all
else
BUILD        ?= build/rel
BIN          ?= bin
OPT          := -O2 -g
endif
CPPFLAGS     += -Isim -Imocks -D_GNU_SOURCE
CFLAGS       += -std=c17 -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -MMD -MP $(OPT)
LDFLAGS      += $(OPT)
PKG_CFLAGS    = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS      = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LIBS          = $(PKG_LIBS) -lm

# Library folders. Each program and test links only the folders it uses, so a half-built folder
# never breaks another's build.
LIBDIRS      := sim/run sim/report sim/check sim/load mocks/plat mocks/carrier mocks/truth \
                mocks/fault sim/core sim/scenario sim/common
libsrc        = $(filter-out $(1)/main.c,$(wildcard $(1)/*.c))
archive       = $(if $(call libsrc,$(1)),$(BUILD)/lib$(subst /,_,$(1)).a)
archives      = $(foreach d,$(1),$(call archive,$(d)))
link_archives = -Wl,--start-group $(call archives,$(1)) -Wl,--end-group

DIRS_shipsim     := sim/run sim/report sim/check sim/load sim/scenario sim/common
DIRS_syncd       := sim/core sim/common
DIRS_mockplat    := mocks/plat mocks/truth mocks/fault sim/scenario sim/common
DIRS_mockcarrier := mocks/carrier mocks/fault sim/scenario sim/common
PROGS        := shipsim:sim/run syncd:sim/core mockplat:mocks/plat mockcarrier:mocks/carrier
BINS          = $(foreach p,$(PROGS),$(BIN)/$(word 1,$(subst :, ,$(p))))

# tests/unit/test_<folder>_<module>.c links the folders of its group; integration tests talk HTTP
# and link common and scenario only.
DIRS_T_common    := sim/common
DIRS_T_scenario  := sim/scenario sim/common
DIRS_T_core      := sim/core sim/common
DIRS_T_fault     := $(DIRS_mockplat)
DIRS_T_truth     := $(DIRS_mockplat)
DIRS_T_plat      := $(DIRS_mockplat)
DIRS_T_carrier   := $(DIRS_mockcarrier)
DIRS_T_run       := $(DIRS_shipsim)
DIRS_T_load      := $(DIRS_shipsim)
DIRS_T_check     := $(DIRS_shipsim)
DIRS_T_report    := $(DIRS_shipsim)
test_group    = $(word 2,$(subst _, ,$(1)))
test_dirs     = $(or $(DIRS_T_$(call test_group,$(1))),sim/scenario sim/common)

UNIT_SRC     := $(wildcard tests/unit/test_*.c)
UNIT_BINS     = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
# tests/fuzz/fuzz_<group>_<name>.c: libFuzzer entry points (make fuzz). Each also builds with the
# normal compiler into replay_fuzz_<group>_<name>, a unit test that replays its saved corpus
# tests/fixtures/fuzz/<group>_<name>/ (seeds and regression inputs) through the same entry point.
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES   := $(patsubst tests/fuzz/%.c,%,$(FUZZ_SRC))
REPLAY_BINS   = $(patsubst %,$(BUILD)/tests/replay_%,$(FUZZ_NAMES))
UNIT_BINS    += $(REPLAY_BINS)
INTEG_SRC    := $(wildcard tests/integration/test_*.c)
INTEG_BINS    = $(patsubst tests/integration/%.c,$(BUILD)/tests/%,$(INTEG_SRC))
INTEG_SH     := $(wildcard tests/integration/test_*.sh)

.PHONY: all run test test-build unit integration bench deps check-style check-deps clean stress fuzz \
        fuzz-build fuzz-run test-valgrind test-sabotage
all: $(BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@echo "CC $<"
	@$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -c $< -o $@

define archive_rule
$(BUILD)/lib$(subst /,_,$(1)).a: $(patsubst %.c,$(BUILD)/%.o,$(call libsrc,$(1)))
	@echo "AR $$@"
	@rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach d,$(LIBDIRS),$(if $(call libsrc,$(d)),$(eval $(call archive_rule,$(d)))))

define prog_rule
$(BIN)/$(1): $(BUILD)/$(2)/main.o $(call archives,$(DIRS_$(1)))
	@mkdir -p $$(@D)
	@echo "LD $$@"
	@$(CC) $(LDFLAGS) $$< $(call link_archives,$(DIRS_$(1))) $(LIBS) -o $$@
endef
$(foreach p,$(PROGS),$(eval $(call prog_rule,$(word 1,$(subst :, ,$(p))),$(word 2,$(subst :, ,$(p))))))

define unit_rule
$(BUILD)/tests/$(1): $(BUILD)/tests/unit/$(1).o $(call archives,$(call test_dirs,$(1)))
	@mkdir -p $$(@D)
	@echo "LD $$@"
	@$(CC) $(LDFLAGS) $$< $(call link_archives,$(call test_dirs,$(1))) $(LIBS) -lcmocka -o $$@
endef
$(foreach t,$(patsubst tests/unit/%.c,%,$(UNIT_SRC)),$(eval $(call unit_rule,$(t))))

define integ_rule
$(BUILD)/tests/$(1): $(BUILD)/tests/integration/$(1).o $(call archives,sim/scenario sim/common)
	@mkdir -p $$(@D)
	@echo "LD $$@"
	@$(CC) $(LDFLAGS) $$< $(call link_archives,sim/scenario sim/common) $(LIBS) -lcmocka -o $$@
endef
$(foreach t,$(patsubst tests/integration/%.c,%,$(INTEG_SRC)),$(eval $(call integ_rule,$(t))))

# --- packages ---------------------------------------------------------------------------------
deps:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# --- the main job -----------------------------------------------------------------------------
SCENARIO ?= scenarios/default.json
run: deps
	@$(MAKE) --no-print-directory all
	$(BIN)/shipsim run $(SCENARIO)

stress: deps
	@$(MAKE) --no-print-directory all
	$(BIN)/shipsim run scenarios/monthly-stress.json

# --- tests ------------------------------------------------------------------------------------
# Sanitized build in build/san; integration tests find the binaries through SHIPSIM_BIN.
NPROC        := $(shell nproc 2>/dev/null || echo 2)
test: deps
	@$(MAKE) --no-print-directory SANITIZE=1 -j$(NPROC) test-build
	@$(MAKE) --no-print-directory SANITIZE=1 unit integration

# everything the tests run, built in parallel before they run one at a time
test-build: $(UNIT_BINS) $(BINS) $(INTEG_BINS)

unit: $(UNIT_BINS)
	@export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1; \
	fail=0; pass=0; for t in $(UNIT_BINS); do \
	  echo "== $$t"; if $$t; then pass=$$((pass+1)); else fail=$$((fail+1)); echo "FAILED: $$t"; fi; \
	done; echo "unit: $$pass passed, $$fail failed"; [ $$fail = 0 ]

integration: $(BINS) $(INTEG_BINS)
	@export SHIPSIM_BIN=$(abspath $(BIN)) SHIPSIM_ROOT=$(CURDIR) \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1; \
	fail=0; pass=0; for t in $(INTEG_BINS) $(INTEG_SH); do \
	  echo "== $$t"; start=$$SECONDS; \
	  if $$( [[ $$t == *.sh ]] && echo bash ) $$t; then pass=$$((pass+1)); \
	  else fail=$$((fail+1)); echo "FAILED: $$t"; fi; echo "   ($$((SECONDS-start)) s)"; \
	done; echo "integration: $$pass passed, $$fail failed"; [ $$fail = 0 ]

bench: deps
	@$(MAKE) --no-print-directory all
	@if [ -x bench/run.sh ]; then bash bench/run.sh; else echo "bench: bench/run.sh not present yet"; exit 1; fi

# --- fuzzing and valgrind (issue 11, RELIABILITY.md) ------------------------------------------
# make fuzz: every tests/fuzz/fuzz_*.c built with clang + libFuzzer + ASan/UBSan (library objects
# in build/fuzz), each run FUZZ_SECONDS (default 60). New coverage goes to build/fuzz/corpus/<t>;
# crash, leak, timeout and oom inputs are written to tests/fixtures/fuzz/<t>/ as regression
# inputs (commit them: make test replays them) and fail the target.
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   ?= -timeout=10 -rss_limit_mb=2048 -max_len=65536
fuzz_dirs     = $(or $(DIRS_T_$(word 2,$(subst _, ,$(1)))),sim/scenario sim/common)

define replay_rule
$(BUILD)/tests/replay_$(1): $(BUILD)/tests/fuzz/$(1).o $(BUILD)/tests/fuzz/replay.o \
                            $(call archives,$(call fuzz_dirs,$(1)))
	@mkdir -p $$(@D)
	@echo "LD $$@"
	@$(CC) $(LDFLAGS) $$< $(BUILD)/tests/fuzz/replay.o $(call link_archives,$(call fuzz_dirs,$(1))) \
	  $(LIBS) -lcmocka -o $$@
$(BUILD)/fuzzers/$(1): $(BUILD)/tests/fuzz/$(1).o $(call archives,$(call fuzz_dirs,$(1)))
	@mkdir -p $$(@D)
	@echo "LD $$@"
	@$(CC) $(LDFLAGS) -fsanitize=fuzzer $$< $(call link_archives,$(call fuzz_dirs,$(1))) \
	  $(LIBS) -o $$@
endef
$(foreach t,$(FUZZ_NAMES),$(eval $(call replay_rule,$(t))))

fuzz: deps
	@$(MAKE) --no-print-directory CC=clang SANITIZE=fuzz fuzz-run

fuzz-build: $(patsubst %,$(BUILD)/fuzzers/%,$(FUZZ_NAMES))

fuzz-run: fuzz-build
	@export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1; \
	fail=0; for t in $(FUZZ_NAMES); do \
	  c=$${t#fuzz_}; mkdir -p $(BUILD)/corpus/$$c tests/fixtures/fuzz/$$c; \
	  echo "== fuzz $$t ($(FUZZ_SECONDS) s)"; \
	  if $(BUILD)/fuzzers/$$t $(FUZZ_FLAGS) -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	       -artifact_prefix=tests/fixtures/fuzz/$$c/ $(BUILD)/corpus/$$c tests/fixtures/fuzz/$$c \
	       > $(BUILD)/fuzzers/$$t.log 2>&1; then \
	    grep -E '^(stat::number_of_executed_units|stat::new_units_added)' $(BUILD)/fuzzers/$$t.log | tr '\n' ' '; echo; \
	  else fail=$$((fail+1)); echo "FAILED: $$t (log $(BUILD)/fuzzers/$$t.log; input saved in tests/fixtures/fuzz/$$c/)"; \
	    grep -m5 -E 'ERROR|SUMMARY|Assertion' $(BUILD)/fuzzers/$$t.log; fi; \
	done; echo "fuzz: $$fail target(s) failed"; [ $$fail = 0 ]

# make test-valgrind: the unit tests and a smoke run of each binary (start, /healthz, /metrics,
# SIGTERM) under valgrind, zero errors and zero definite leaks. Plain -O1 build in build/vg.
VG_BUILD     ?= build/vg
test-valgrind: deps
	@$(MAKE) --no-print-directory BUILD=$(VG_BUILD) BIN=$(VG_BUILD)/bin OPT="-O1 -g" all \
	  $(patsubst $(BUILD)/%,$(VG_BUILD)/%,$(UNIT_BINS))
	@bash tests/valgrind/run.sh $(VG_BUILD)
# (a build error fails the target before valgrind runs; run.sh also fails on any missing binary)

# make test-sabotage: a wrong core catches fire (issue 9). syncd is built once per test-only
# SYNCD_SABOTAGE_* switch (listed in tests/sabotage/run.sh) into build/sab-<switch>/, and the scenario made to
# catch that bug must fail. Several minutes; not part of make test.
test-sabotage: deps
	@bash tests/sabotage/run.sh

# --- hygiene ----------------------------------------------------------------------------------
ALL_C := $(shell find sim mocks tests -name '*.[ch]' 2>/dev/null)
check-style:
	@bad=$$(grep -nE '\b(sprintf|strcpy|strcat|atoi|strtok|gets)[[:space:]]*\(' $(ALL_C) || true); \
	if [ -n "$$bad" ]; then echo "banned calls:"; echo "$$bad"; exit 1; fi
	@clang-format --dry-run --Werror $(ALL_C) && echo "check-style: ok"

# common depends on no other project folder; core never reads a scenario.
check-deps:
	@bad=$$(grep -nE '#include "(scenario|run|load|check|report|core|fault|truth|plat|carrier)/' sim/common/*.[ch]; \
	        grep -nE '#include "(scenario|run|load|check|report|fault|truth|plat|carrier)/' sim/core/*.[ch]); \
	if [ -n "$$bad" ]; then echo "check-deps: forbidden includes:"; echo "$$bad"; exit 1; fi; echo "check-deps: ok"

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
