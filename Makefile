# wxkb — build, test, install.  Plain GNU make; see README.md.
#
#   make            build build/wxkbd and build/wxkbctl (strict warnings)
#   make deps       install what is missing to build and run (Debian packages)
#   make test-deps  install what is missing to run every test: Debian
#                   packages, node and the npm packages of the tests
#   make run        build and run wxkbd in the foreground on 127.0.0.1:8080
#   make check      test-deps, build, run every test; last line
#                   "N passed, N failed, N skipped"
#   make asan       the same tests under AddressSanitizer + UBSan (build-asan/)
#   make soak       a 60 s load run on loopback (wrk): answers and memory
#   make install    PREFIX=/usr/local DESTDIR= ...
#   make clean
#
# CFLAGS, CPPFLAGS, LDFLAGS and LDLIBS given on the command line are added
# after the project's own flags (they never replace -std=c11, the include
# paths or the libraries); a change of flags or PREFIX rebuilds.

VERSION   := 0.1.0
BUILD     ?= build
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
SHAREDIR  ?= $(PREFIX)/share/wxkbd
DOCDIR    ?= $(PREFIX)/share/doc/wxkbd
MANDIR    ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR   ?= /lib/systemd/system

CC        ?= cc
PKGS      := libevent libevent_pthreads libcurl jansson expat libutf8proc \
             libsystemd hiredis
# ICU only at build time: kb/gen/kb_fold_gen.c writes kb_fold's tables.
ICU_PKGS  := icu-i18n icu-uc

# The Debian packages, one per line: the only list.  `make deps` installs
# the missing ones of DEB_PKGS, `make test-deps` (and so `make check`)
# those of both lists.
# To build and run wxkbd:
DEB_PKGS := \
	build-essential \
	pkg-config \
	libevent-dev \
	libcurl4-openssl-dev \
	libmbedtls-dev \
	libjansson-dev \
	libexpat1-dev \
	libutf8proc-dev \
	libsystemd-dev \
	libicu-dev \
	libhiredis-dev
# Only for the tests, the fuzzers and the benchmarks:
DEB_TEST_PKGS := \
	libcmocka-dev \
	ca-certificates \
	curl \
	systemd \
	util-linux \
	valgrind \
	wrk \
	faketime \
	clang-14 \
	libclang-rt-14-dev \
	chromium \
	fonts-wqy-microhei \
	prometheus \
	redis-server \
	nginx \
	openssl
# The npm packages of the tests (package-lock.json in each directory).
NPM_DIRS := tests/interop tests/browser

WARN      := -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Wvla \
             -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith \
             -Wcast-qual -Wwrite-strings -Wundef -Wnull-dereference \
             -Werror
HARDEN    := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
OPT       ?= -O2 -g
SAN       ?=
# The project's flags; the user's CFLAGS come after them, so they win.
WXKB_CFLAGS := -std=c11 -D_GNU_SOURCE -DWXKB_VERSION='"$(VERSION)"' \
             $(OPT) $(WARN) $(SAN) -I. \
             $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# Sanitizer builds drop _FORTIFY_SOURCE (it fights ASan's interceptors);
# so does -O0, where glibc refuses it with a warning (-Werror).
ifeq ($(SAN)$(filter -O0,$(OPT) $(CFLAGS)),)
WXKB_CFLAGS += $(HARDEN)
else
WXKB_CFLAGS += $(filter-out -D_FORTIFY_SOURCE=%,$(HARDEN))
endif
ALL_CFLAGS  := $(WXKB_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS := $(SAN) -pie -Wl,-z,relro,-z,now $(LDFLAGS)
ALL_LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lmbedcrypto \
              -lpthread -lm $(LDLIBS)
TEST_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

# The layers, bottom first (docs/architecture.md): each may use only the
# ones before it, and the linker is given them top first without
# --start-group, so a call upwards fails to link.
LIB_SRC     := $(sort $(wildcard lib/*.c))
KB_SRC      := $(sort $(wildcard kb/*.c))
CALLBACK_SRC := $(sort $(wildcard handlers/callback/*.c))
WECHAT_SRC  := $(sort $(wildcard handlers/wechat/*.c))
ADMIN_SRC   := $(sort $(wildcard handlers/admin/*.c))
DAEMON_SRC  := $(filter-out daemon/wxkbd.c daemon/wxkbctl.c, \
                 $(sort $(wildcard daemon/*.c)))
ADMIN_FILES := $(sort $(wildcard handlers/admin/page/*))
UNIT_SRC    := $(sort $(wildcard tests/unit/test_*.c))
# Test programs; hx_*.c are their shared modules, linked, not programs.
TOOL_LIB_SRC := $(sort $(wildcard tests/tools/hx_*.c))
TOOL_SRC    := $(filter-out $(TOOL_LIB_SRC),$(sort $(wildcard tests/tools/*.c)))

# Quiet by default: "CC file"; V=1 shows whole commands.
ifeq ($(V),1)
Q :=
else
Q := @
endif

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

LIBLIB      := $(BUILD)/liblib.a
LIBKB       := $(BUILD)/libkb.a
LIBCALLBACK := $(BUILD)/libcallback.a
LIBWECHAT   := $(BUILD)/libwechat.a
LIBADMIN    := $(BUILD)/libadmin.a
LIBDAEMON   := $(BUILD)/libdaemon.a
LIBTOOLS    := $(BUILD)/libtools.a
LIBS        := $(LIBDAEMON) $(LIBADMIN) $(LIBWECHAT) $(LIBCALLBACK) \
               $(LIBKB) $(LIBLIB)
UNIT_BINS   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
TOOL_BINS   := $(patsubst tests/tools/%.c,$(BUILD)/tests/%,$(TOOL_SRC))

.PHONY: all deps test-deps test-deps-deb FORCE run check asan install clean bench bench-kb soak tests
.DEFAULT_GOAL := all
# Keep test objects between runs (they are intermediate to make).
.SECONDARY:

all: $(BUILD)/wxkbd $(BUILD)/wxkbctl

tests: all $(UNIT_BINS) $(TOOL_BINS)

# Files rewritten only when their text changes, so that make rebuilds
# what depends on them: the flags of every object (another CFLAGS or SAN
# rebuilds everything) and the installed data path, which only server.c
# compiles in (another PREFIX rebuilds that file alone).
FLAGS_FILE := $(BUILD)/gen/flags
FLAGS_TEXT := $(CC) $(ALL_CFLAGS) / $(ALL_LDFLAGS) / $(ALL_LDLIBS)
PATHS_FILE := $(BUILD)/gen/paths
PATHS_TEXT := -DWXKB_SHAREDIR='"$(SHAREDIR)"'
$(FLAGS_FILE): FORCE
	$(call update_file,$(FLAGS_TEXT))
$(PATHS_FILE): FORCE
	$(call update_file,$(PATHS_TEXT))
define update_file
	$(Q)$(shell mkdir -p $(dir $@))$(file >$@.new,$(1))
	$(Q)if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi
endef
$(BUILD)/daemon/server.o: $(PATHS_FILE)
$(BUILD)/daemon/server.o: ALL_CFLAGS += $(PATHS_TEXT)

$(BUILD)/%.o: %.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBLIB): $(call obj,$(LIB_SRC))
$(LIBKB): $(call obj,$(KB_SRC)) $(BUILD)/gen/kb_fold_data.o
$(LIBCALLBACK): $(call obj,$(CALLBACK_SRC))
$(LIBWECHAT): $(call obj,$(WECHAT_SRC))
$(LIBADMIN): $(call obj,$(ADMIN_SRC)) $(BUILD)/gen/admin_assets.o
$(LIBDAEMON): $(call obj,$(DAEMON_SRC))
$(LIBTOOLS): $(call obj,$(TOOL_LIB_SRC))
# The folding tables, generated from ICU (kb/kb_fold.h).  The generator
# runs on the build machine: no sanitizer, no hardening flags needed.
$(BUILD)/gen/kb_fold_gen: kb/gen/kb_fold_gen.c kb/kb_fold.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE -O2 $(WARN) -I. \
	  $(shell pkg-config --cflags $(ICU_PKGS)) -o $@ $< \
	  $(shell pkg-config --libs $(ICU_PKGS))

$(BUILD)/gen/kb_fold_data.c: $(BUILD)/gen/kb_fold_gen
	$(Q)$< >$@.tmp && mv $@.tmp $@

$(BUILD)/gen/kb_fold_data.o: $(BUILD)/gen/kb_fold_data.c $(FLAGS_FILE)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<
# The admin page is compiled in (handlers/admin/embed.sh).
$(BUILD)/gen/admin_assets.c: handlers/admin/embed.sh $(ADMIN_FILES)
	@mkdir -p $(dir $@)
	$(Q)sh handlers/admin/embed.sh $(ADMIN_FILES) >$@.tmp && mv $@.tmp $@

$(BUILD)/gen/admin_assets.o: $(BUILD)/gen/admin_assets.c $(FLAGS_FILE)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBS) $(LIBTOOLS):
	@mkdir -p $(dir $@)
	$(Q)rm -f $@
	$(Q)$(if $^,ar rcs $@ $^,ar rcs $@)

$(BUILD)/wxkbd: $(call obj,daemon/wxkbd.c) $(LIBS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBS) $(ALL_LDLIBS)

$(BUILD)/wxkbctl: $(call obj,daemon/wxkbctl.c) $(LIBS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBS) $(ALL_LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIBS)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBS) $(ALL_LDLIBS) $(TEST_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/tools/%.o $(LIBTOOLS) $(LIBS)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBTOOLS) $(LIBS) $(ALL_LDLIBS) $(TEST_LIBS)

# deb_install LIST: apt-get install the packages of LIST that are not
# installed.  When every one is there nothing is fetched, not even the
# package lists.
define deb_install
	@inst=" $$(dpkg-query -W -f='$${db:Status-Status}:$${Package} ' \
	    $(1) 2>/dev/null) "; missing=""; \
	for p in $(1); do case "$$inst" in *" installed:$$p "*) ;; \
	  *) missing="$$missing $$p";; esac; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" -ne 0 ]; then \
	    echo "missing Debian packages:$$missing" >&2; \
	    echo "install them as root: apt-get install$$missing" >&2; \
	    exit 1; fi; \
	  echo "installing:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get -o DPkg::Lock::Timeout=600 update -qq && \
	  apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
	    --no-install-recommends $$missing >/dev/null; \
	fi
endef

deps:
	$(call deb_install,$(DEB_PKGS))

# node and npm come from Debian unless some node is already installed.
test-deps-deb:
	$(call deb_install,$(DEB_PKGS) $(DEB_TEST_PKGS) \
	  $$(command -v node >/dev/null && command -v npm >/dev/null || \
	  echo nodejs npm))

# npm ci when node_modules is missing or older than the lock file.
NPM_STAMPS := $(addsuffix /node_modules/.package-lock.json,$(NPM_DIRS))
$(NPM_STAMPS): %/node_modules/.package-lock.json: %/package-lock.json \
    %/package.json | test-deps-deb
	cd $* && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

test-deps: test-deps-deb $(NPM_STAMPS)

run: deps all
	mkdir -p $(BUILD)/run
	test -f $(BUILD)/run/kb.json || cp kb/data/wanggezhuang.json $(BUILD)/run/kb.json
	@WXKB_STATE_DIR=$(BUILD)/run WXKB_DEMO=yes \
	  sh daemon/run_banner.sh systemd/wxkbd.conf $(BUILD)/wxkbctl
	WXKB_KB=$(BUILD)/run/kb.json WXKB_STATE_DIR=$(BUILD)/run \
	  WXKB_DEMO=yes $(BUILD)/wxkbd --config systemd/wxkbd.conf

check: test-deps tests
	@BUILD=$(BUILD) tests/run.sh

asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan OPT='-O1 -g' \
	  SAN='-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer' \
	  check

soak: tests
	SOAK_SECONDS=$${SOAK_SECONDS:-60} BUILD=$(BUILD) bash tests/integration/soak.sh

bench-kb: tests
	$(BUILD)/tests/bench_kb kb/data/wanggezhuang.json

# The paths written in the unit and the man pages, as installed.
INSTALL_SED := -e 's|/usr/local/share/doc/wxkbd|$(DOCDIR)|g' \
	-e 's|/usr/local/share/wxkbd|$(SHAREDIR)|g' \
	-e 's|/usr/local/bin|$(BINDIR)|g' \
	-e 's|/etc/wxkbd|$(SYSCONFDIR)/wxkbd|g' \
	-e 's|/lib/systemd/system|$(UNITDIR)|g'

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SHAREDIR) \
	  $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/wxkbd $(DESTDIR)$(UNITDIR) \
	  $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(BUILD)/wxkbd $(BUILD)/wxkbctl $(DESTDIR)$(BINDIR)/
	install -m 0644 kb/data/wanggezhuang.json $(DESTDIR)$(SHAREDIR)/
	install -m 0644 docs/operations.md docs/admin-api.md $(DESTDIR)$(DOCDIR)/
	sed $(INSTALL_SED) systemd/wxkbd.service \
	  >$(DESTDIR)$(UNITDIR)/wxkbd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/wxkbd.service
	test -e $(DESTDIR)$(SYSCONFDIR)/wxkbd/wxkbd.conf || \
	  install -m 0640 systemd/wxkbd.conf $(DESTDIR)$(SYSCONFDIR)/wxkbd/
	for m in docs/*.8 docs/*.1; do [ -f "$$m" ] || continue; \
	  s=$${m##*.}; sed $(INSTALL_SED) $$m \
	    >$(DESTDIR)$(MANDIR)/man$$s/$${m##*/}; \
	  chmod 0644 $(DESTDIR)$(MANDIR)/man$$s/$${m##*/}; done

# The build directory and its fuzz build; a plain `make clean` also the
# sanitizer build, `make clean BUILD=dir` only dir's.
clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) \
	  $(if $(filter build,$(BUILD)),build-asan build-asan-fuzz)

# Fuzzing and benchmarks keep their rules beside their sources.
-include tests/fuzz/fuzz.mk
-include tests/bench/bench.mk

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
