# Cairn: one non-recursive GNU Makefile.  `make help` lists the targets.
# Project flags live apart from the user's CFLAGS, so `make CFLAGS=-O0` works.

VERSION    := 0.1.0
PREFIX     ?= /usr/local
DESTDIR    ?=
CC         ?= cc
PKG_CONFIG ?= pkg-config
BUILD      ?= build
CFLAGS     ?= -O2 -g
V          ?= 0
Q          := $(if $(filter 1,$(V)),,@)

DATADIR    := $(PREFIX)/share/cairn
PKGS       := sqlite3 gsl jansson libsodium libcrypto
REPORT_PKGS:= xlsxwriter
TEST_PKGS  := cmocka
SERVER_PKGS:= libmicrohttpd

# Debian packages the build, the tests and the demo need (see README),
# and those only the benchmarks' peers need.
DEB_PKGS   := build-essential pkg-config libsqlite3-dev libgsl-dev \
              libxlsxwriter-dev libjansson-dev libsodium-dev libssl-dev libcmocka-dev \
              python3 python3-openpyxl sqlite3 clang-format \
              python3-jsonschema libmicrohttpd-dev gnutls-bin chromium \
              poppler-utils
BENCH_PKGS := time python3-pandas r-cran-lme4 valgrind

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Wformat=2 -Wwrite-strings -Wundef -Wvla
ifeq ($(WERROR),1)
WARN += -Werror
endif
ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
            -fno-omit-frame-pointer
endif
ifeq ($(SAN),thread)
SANFLAGS := -fsanitize=thread -fno-omit-frame-pointer
endif

PC_CFLAGS   = $(shell $(PKG_CONFIG) --cflags $(PKGS) $(REPORT_PKGS) 2>/dev/null)
PC_LIBS     = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
PC_RLIBS    = $(shell $(PKG_CONFIG) --libs $(REPORT_PKGS) 2>/dev/null)
PC_TLIBS    = $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)
PC_TCFLAGS  = $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS) 2>/dev/null)
PC_SCFLAGS  = $(shell $(PKG_CONFIG) --cflags $(SERVER_PKGS) 2>/dev/null)
PC_SLIBS    = $(shell $(PKG_CONFIG) --libs $(SERVER_PKGS) 2>/dev/null)
# The command's libraries that bind most of their own symbols at start-up
# (linked "now"), first in its search order: each of those look-ups then
# passes fewer libraries (about 1 M instructions on every command).
PC_FIRST    = $(shell $(PKG_CONFIG) --libs libcrypto sqlite3 $(REPORT_PKGS) \
                libsodium 2>/dev/null)

CPPFLAGS_P := -std=c11 -D_POSIX_C_SOURCE=200809L -pthread \
              -DCAIRN_VERSION='"$(VERSION)"' \
              -DCAIRN_DATADIR='"$(DATADIR)"'
# Each part sees only what it may use (make check-layers checks the rest):
# the engine its public headers (its internal ones sit next to its
# sources); reports those and its own public header; the command and the
# tests the public headers of both (tests may name an engine internal
# header by its path, for white-box tests).
INC_ENGINE := -Iengine/include
INC_REPORT := -Iengine/include -Ireports/include
INC_CLI    := -Iengine/include -Ireports/include
INC_TEST   := -Iengine/include -Ireports/include -Itests
ALL_CFLAGS  = $(CPPFLAGS_P) $(WARN) $(SANFLAGS) $(PC_CFLAGS) -MMD -MP \
              $(CFLAGS)
# -pthread: a deferred import spills and digests on a second thread
ALL_LDFLAGS = $(SANFLAGS) -pthread $(LDFLAGS)

ENGINE_SRC := $(wildcard engine/src/*.c)
REPORT_SRC := $(wildcard reports/*.c)
CLI_SRC    := $(wildcard engine/cli/*.c)
SERVER_SRC := $(wildcard engine/server/*.c)
TEST_SRC   := $(wildcard tests/test_*.c)
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)

ENGINE_OBJ := $(ENGINE_SRC:%.c=$(BUILD)/obj/%.o)
REPORT_OBJ := $(REPORT_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ    := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
SERVER_OBJ := $(SERVER_SRC:%.c=$(BUILD)/obj/%.o)
LIBSERVER  := $(BUILD)/libcairnserver.a
LIBCAIRN   := $(BUILD)/libcairn.a
LIBREPORTS := $(if $(REPORT_SRC),$(BUILD)/libcairnreports.a)
CAIRN      := $(BUILD)/cairn
TEST_BIN   := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/replay_%)

.PHONY: all test asan tsan tsan-run valgrind fuzz bench bench-deps demo deps install \
        uninstall \
        clean format lint check-symbols check-headers check-layers help
.DEFAULT_GOAL := all
.SECONDARY:

all: $(CAIRN)

help:
	@echo "make            build $(CAIRN)"
	@echo "make deps       install missing Debian packages ($(DEB_PKGS))"
	@echo "make demo       deps + build + score the shipped example"
	@echo "make test       run every test suite; ends with 'N passed, N failed'"
	@echo "make asan       the same suite under ASan+UBSan"
	@echo "make tsan       the suites that start threads under ThreadSanitizer"
	@echo "make lint       check the C layout with clang-format"
	@echo "make check-layers  check what may include and call what"
	@echo "make valgrind   the unit suites under valgrind"
	@echo "make fuzz       build libFuzzer targets with clang (FUZZ_SECONDS=60 runs)"
	@echo "make bench      benchmarks, side by side with their peers"
	@echo "                (installs $(BENCH_PKGS) first)"
	@echo "make install    install to DESTDIR/PREFIX (default $(PREFIX))"

$(BUILD)/obj/engine/src/%.o: engine/src/%.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(INC_ENGINE) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/obj/reports/%.o: reports/%.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(INC_REPORT) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/obj/engine/cli/%.o: engine/cli/%.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(INC_CLI) $(ALL_CFLAGS) -c -o $@ $<

$(LIBCAIRN): $(ENGINE_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/libcairnreports.a: $(REPORT_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

# The web server is a front end like the command: public engine and
# reports headers only, its own include path, libmicrohttpd in http_mhd.c
# alone (the Downloads page writes the same workbooks as `cairn report`).
# cmd_serve.c, the command's one door to it, also sees engine/server.
INC_SERVER := -Iengine/include -Ireports/include
$(BUILD)/obj/engine/server/%.o: engine/server/%.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(INC_SERVER) $(ALL_CFLAGS) $(PC_SCFLAGS) -c -o $@ $<
$(BUILD)/obj/engine/cli/cmd_serve.o: ALL_CFLAGS += -Iengine/server
$(BUILD)/obj/tests/test_server.o: ALL_CFLAGS += -Iengine/server
$(BUILD)/obj/tests/test_dashboard.o: ALL_CFLAGS += -Iengine/server

$(LIBSERVER): $(SERVER_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

$(CAIRN): $(CLI_OBJ) $(LIBSERVER) $(LIBREPORTS) $(LIBCAIRN)
	$(if $(Q),@echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(LIBSERVER) $(LIBREPORTS) \
	    $(LIBCAIRN) $(PC_FIRST) $(PC_SLIBS) $(PC_RLIBS) $(PC_LIBS) -lm

$(BUILD)/tests/test_server $(BUILD)/tests/test_dashboard: \
    $(BUILD)/tests/test_%: $(BUILD)/obj/tests/test_%.o $(LIBSERVER) \
    $(LIBREPORTS) $(LIBCAIRN)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBSERVER) $(LIBREPORTS) $(LIBCAIRN) \
	    $(PC_TLIBS) $(PC_SLIBS) $(PC_RLIBS) $(PC_LIBS) -lm

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(INC_TEST) $(ALL_CFLAGS) $(PC_TCFLAGS) -c -o $@ $<

$(BUILD)/tests/test_%: $(BUILD)/obj/tests/test_%.o $(LIBREPORTS) $(LIBCAIRN)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBREPORTS) $(LIBCAIRN) \
	    $(PC_TLIBS) $(PC_RLIBS) $(PC_LIBS) -lm

# Fuzz targets replayed over their corpora by a plain driver (gcc, make test).
$(BUILD)/tests/replay_%: $(BUILD)/obj/tests/fuzz/%.o \
                         $(BUILD)/obj/tests/fuzz/replay.o $(LIBCAIRN)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/obj/tests/fuzz/replay.o \
	    $(LIBCAIRN) $(PC_LIBS) -lm

# Every exported symbol of the libraries starts with cairn_.
check-symbols: $(LIBCAIRN) $(LIBREPORTS)
	$(Q)bad=$$(nm -g --defined-only $^ 2>/dev/null | awk 'NF==3{print $$3}' \
	    | grep -v '^cairn_' || true); \
	  if [ -n "$$bad" ]; then echo "symbols without cairn_ prefix: $$bad"; \
	  exit 1; fi

# Every public header compiles on its own.
check-headers:
	$(Q)for h in engine/include/cairn.h engine/include/cairn/*.h; do \
	  printf '#include "%s"\n' "$${h#engine/include/}" | \
	  $(CC) $(CPPFLAGS_P) $(INC_ENGINE) $(WARN) -Werror -fsyntax-only \
	    -x c - || exit 1; \
	done
	$(Q)for h in reports/include/*.h; do \
	  printf '#include "%s"\n' "$${h#reports/include/}" | \
	  $(CC) $(CPPFLAGS_P) $(INC_REPORT) $(WARN) -Werror -fsyntax-only \
	    $(PC_CFLAGS) -x c - || exit 1; \
	done

# The architecture's rules (tests/check_layers.sh says which).
check-layers:
	$(Q)CC="$(CC)" CFLAGS_LAYERS="$(CPPFLAGS_P) $(PC_CFLAGS)" \
	    sh tests/check_layers.sh

test: $(CAIRN) $(TEST_BIN) $(REPLAY_BIN) check-symbols check-headers \
      check-layers
	$(Q)BUILD=$(BUILD) CAIRN=$(CAIRN) sh tests/run.sh

asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build/asan SAN=1 CFLAGS="-O1 -g" test

# The suites whose code starts threads (pipe.c: imports, the export, the
# cohort scan; caseload_pipe.c), under ThreadSanitizer in their own build
# directory, and the command suites of the imports' write lock and of the
# web server (libmicrohttpd's polling thread runs the handlers).
TSAN_TESTS := test_store_batch_pipe test_store_cursor_pipe test_export_pipe \
              test_import test_fhir test_redcap test_caseload test_export \
              test_cohort test_aggregate test_attention
TSAN_CLI   := import_lock serve
tsan:
	$(Q)$(MAKE) --no-print-directory BUILD=build/tsan SAN=thread \
	    CFLAGS="-O1 -g" tsan-run

tsan-run: $(CAIRN) $(TSAN_TESTS:%=$(BUILD)/tests/%)
	$(Q)BUILD=$(BUILD) CAIRN=$(CAIRN) UNITS="$(TSAN_TESTS)" \
	    SUITES="$(TSAN_CLI)" TSAN_OPTIONS="halt_on_error=1 exitcode=66" \
	    sh tests/run.sh

valgrind: $(CAIRN) $(TEST_BIN)
	$(Q)BUILD=$(BUILD) CAIRN=$(CAIRN) VALGRIND=1 sh tests/run.sh

FUZZ_SECONDS ?= 30
fuzz:
	$(Q)mkdir -p build/fuzz
	$(Q)for f in $(FUZZ_SRC); do n=$$(basename $$f .c); \
	  clang $(CPPFLAGS_P) $(INC_TEST) -g -O1 -fsanitize=fuzzer,address,undefined \
	    $$(pkg-config --cflags $(PKGS)) -o build/fuzz/$$n $$f $(ENGINE_SRC) \
	    $(PC_LIBS) -lm || exit 1; \
	  mkdir -p build/fuzz/$$n.corpus; \
	  build/fuzz/$$n -max_total_time=$(FUZZ_SECONDS) \
	    build/fuzz/$$n.corpus tests/fuzz/corpus/$${n#fuzz_} || exit 1; \
	done

bench: bench-deps $(CAIRN)
	$(Q)BUILD=$(BUILD) CAIRN=$(CAIRN) sh tests/bench/run.sh

bench-deps:
	$(Q)$(MAKE) --no-print-directory deps DEB_PKGS="$(BENCH_PKGS)"

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)sh examples/demo.sh $(CAIRN)

deps:
	$(Q)missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' \
	    || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then echo "deps: all Debian packages present"; \
	elif [ "$$(id -u)" -ne 0 ]; then \
	  echo "deps: missing:$$missing"; \
	  echo "run: sudo apt-get update && sudo apt-get install -y$$missing"; \
	  exit 1; \
	else \
	  echo "deps: installing$$missing"; \
	  if [ -z "$$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v lock)" ]; \
	  then apt-get update -qq || exit 1; fi; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing \
	    >/dev/null || { apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; } \
	    || exit 1; \
	fi

install: $(CAIRN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(DATADIR)/instruments
	install -m 0755 $(CAIRN) $(DESTDIR)$(PREFIX)/bin/cairn
	install -m 0644 instruments/*.json $(DESTDIR)$(DATADIR)/instruments/
	install -d $(DESTDIR)$(DATADIR)/instruments/codes
	install -m 0644 instruments/codes/*.json \
	    $(DESTDIR)$(DATADIR)/instruments/codes/
	install -d $(DESTDIR)$(DATADIR)/instruments/redcap
	install -m 0644 instruments/redcap/*.json $(DESTDIR)$(DATADIR)/instruments/redcap/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/cairn
	rm -rf $(DESTDIR)$(DATADIR)

C_FILES = $(wildcard engine/include/*.h engine/include/cairn/*.h \
            engine/src/*.c engine/src/*.h engine/cli/*.c engine/cli/*.h \
            engine/server/*.c engine/server/*.h \
            reports/*.c reports/*.h reports/include/*.h tests/*.c tests/*.h \
            tests/fuzz/*.c)

format:
	clang-format -i $(C_FILES)

# The layout of every C file is clang-format's (.clang-format).
lint:
	$(Q)clang-format --dry-run -Werror $(C_FILES)

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
