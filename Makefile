# wxkb — build, test, install.  Plain GNU make; see README.md.
#
#   make            build build/wxkbd and build/wxkbctl (strict warnings)
#   make deps       apt-get install the Debian packages that are missing
#   make run        build and run wxkbd in the foreground on 127.0.0.1:8080
#   make check      build and run every test; last line "N passed, N failed"
#   make asan       the same tests under AddressSanitizer + UBSan (build-asan/)
#   make soak       a 60 s load run on loopback (wrk): answers and memory
#   make install    PREFIX=/usr/local DESTDIR= ...
#   make clean

VERSION   := 0.1.0
BUILD     ?= build
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
SHAREDIR  ?= $(PREFIX)/share/wxkbd
MANDIR    ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR   ?= /lib/systemd/system

CC        ?= cc
PKGS      := libevent libevent_pthreads libcurl jansson expat libutf8proc \
             libsystemd hiredis
DEB_PKGS  := build-essential pkg-config libevent-dev libcurl4-openssl-dev \
             libmbedtls-dev libjansson-dev libexpat1-dev libutf8proc-dev \
             libsystemd-dev libcmocka-dev libhiredis-dev redis-server

WARN      := -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Wvla \
             -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith \
             -Wcast-qual -Wwrite-strings -Wundef -Wnull-dereference \
             -Werror
HARDEN    := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
OPT       ?= -O2 -g
SAN       ?=
CFLAGS    ?=
CFLAGS    += -std=c11 -D_GNU_SOURCE -DWXKB_VERSION='"$(VERSION)"' \
             -DWXKB_SHAREDIR='"$(SHAREDIR)"' \
             $(OPT) $(WARN) $(SAN) -I. \
             $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# Sanitizer builds drop _FORTIFY_SOURCE (it fights ASan's interceptors).
ifeq ($(SAN),)
CFLAGS    += $(HARDEN)
endif
LDFLAGS   += $(SAN) -pie -Wl,-z,relro,-z,now
LDLIBS    += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lmbedcrypto -lpthread
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
TOOL_SRC    := $(sort $(wildcard tests/tools/*.c))

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
LIBS        := $(LIBDAEMON) $(LIBADMIN) $(LIBWECHAT) $(LIBCALLBACK) \
               $(LIBKB) $(LIBLIB)
UNIT_BINS   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
TOOL_BINS   := $(patsubst tests/tools/%.c,$(BUILD)/tests/%,$(TOOL_SRC))

.PHONY: all deps run check asan install clean bench bench-kb soak tests
.DEFAULT_GOAL := all
# Keep test objects between runs (they are intermediate to make).
.SECONDARY:

all: $(BUILD)/wxkbd $(BUILD)/wxkbctl

tests: all $(UNIT_BINS) $(TOOL_BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIBLIB): $(call obj,$(LIB_SRC))
$(LIBKB): $(call obj,$(KB_SRC))
$(LIBCALLBACK): $(call obj,$(CALLBACK_SRC))
$(LIBWECHAT): $(call obj,$(WECHAT_SRC))
$(LIBADMIN): $(call obj,$(ADMIN_SRC)) $(BUILD)/gen/admin_assets.o
$(LIBDAEMON): $(call obj,$(DAEMON_SRC))
# The admin page is compiled in (handlers/admin/embed.sh).
$(BUILD)/gen/admin_assets.c: handlers/admin/embed.sh $(ADMIN_FILES)
	@mkdir -p $(dir $@)
	$(Q)sh handlers/admin/embed.sh $(ADMIN_FILES) >$@.tmp && mv $@.tmp $@

$(BUILD)/gen/admin_assets.o: $(BUILD)/gen/admin_assets.c
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(LIBS):
	@mkdir -p $(dir $@)
	$(Q)rm -f $@
	$(Q)$(if $^,ar rcs $@ $^,ar rcs $@)

$(BUILD)/wxkbd: $(call obj,daemon/wxkbd.c) $(LIBS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIBS) $(LDLIBS)

$(BUILD)/wxkbctl: $(call obj,daemon/wxkbctl.c) $(LIBS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIBS) $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIBS)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIBS) $(LDLIBS) $(TEST_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/tools/%.o $(LIBS)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIBS) $(LDLIBS) $(TEST_LIBS)

deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' \
	    || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $$missing; \
	fi

run: deps all
	mkdir -p $(BUILD)/run
	test -f $(BUILD)/run/kb.json || cp kb/data/wanggezhuang.json $(BUILD)/run/kb.json
	WXKB_KB=$(BUILD)/run/kb.json WXKB_STATE_DIR=$(BUILD)/run \
	  $(BUILD)/wxkbd --config systemd/wxkbd.conf

check: deps tests
	@BUILD=$(BUILD) tests/run.sh

asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan OPT='-O1 -g' \
	  SAN='-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer' \
	  check

soak: tests
	SOAK_SECONDS=$${SOAK_SECONDS:-60} BUILD=$(BUILD) bash tests/integration/soak.sh

bench-kb: tests
	$(BUILD)/tests/bench_kb kb/data/wanggezhuang.json

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SHAREDIR) \
	  $(DESTDIR)$(SYSCONFDIR)/wxkbd $(DESTDIR)$(UNITDIR) \
	  $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(BUILD)/wxkbd $(BUILD)/wxkbctl $(DESTDIR)$(BINDIR)/
	install -m 0644 kb/data/wanggezhuang.json $(DESTDIR)$(SHAREDIR)/
	sed 's|/usr/local/bin/|$(BINDIR)/|' systemd/wxkbd.service \
	  >$(DESTDIR)$(UNITDIR)/wxkbd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/wxkbd.service
	test -e $(DESTDIR)$(SYSCONFDIR)/wxkbd/wxkbd.conf || \
	  install -m 0640 systemd/wxkbd.conf $(DESTDIR)$(SYSCONFDIR)/wxkbd/
	for m in docs/*.8 docs/*.1; do [ -f "$$m" ] || continue; \
	  s=$${m##*.}; install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done

clean:
	rm -rf build build-asan

# Fuzzing and benchmarks keep their rules beside their sources.
-include tests/fuzz/fuzz.mk
-include tests/bench/bench.mk

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
