# Fuzzing — libFuzzer targets of tests/fuzz/, included by the top-level
# Makefile.  See tests/fuzz/README.md.
#
#   make fuzz            build every target, fuzz each for FUZZ_SECONDS
#   make fuzz-regress    run each target once over its corpus and its
#                        regression inputs, no fuzzing (fast, for CI)
#   make fuzz-build      only build ($(FUZZ_BUILD)/fuzz_*)
#   make fuzz-clean
#
# Module sources are compiled again here with clang and the sanitizers, so
# a half-written file elsewhere in the tree only breaks the targets that
# link it: handler targets take the protocol modules of handlers/callback/,
# fuzz_config daemon/config.c, and every target kb/ and lib/.

FUZZ_CC      ?= $(shell command -v clang-14 2>/dev/null || echo clang)
FUZZ_BUILD   ?= $(BUILD)-fuzz
FUZZ_SECONDS ?= 30
FUZZ_FLAGS   ?=

FUZZ_TARGETS := fuzz_wx_msg fuzz_wx_crypto fuzz_wx_query fuzz_wx_sig \
                fuzz_callback fuzz_config fuzz_kb_load fuzz_kb_norm \
                fuzz_kb_match fuzz_kb_snapshot

# Longest input per target: a little over each parser's own limit where
# that is cheap, so the limit itself is exercised.
FUZZ_MAXLEN_fuzz_wx_msg    := 16384
FUZZ_MAXLEN_fuzz_wx_crypto := 4096
FUZZ_MAXLEN_fuzz_wx_query  := 2300
FUZZ_MAXLEN_fuzz_wx_sig    := 1024
FUZZ_MAXLEN_fuzz_callback  := 8192
FUZZ_MAXLEN_fuzz_config    := 4096
FUZZ_MAXLEN_fuzz_kb_load   := 16384
FUZZ_MAXLEN_fuzz_kb_norm   := 4096
FUZZ_MAXLEN_fuzz_kb_match  := 4200
FUZZ_MAXLEN_fuzz_kb_snapshot := 65536

FUZZ_MAXLENS := $(foreach t,$(FUZZ_TARGETS),$(t)=$(FUZZ_MAXLEN_$(t)))

FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
               -fno-omit-frame-pointer
# clang's -Wformat=2 also flags the v*printf wrappers of config.c and
# log.c; module warnings are shown but do not stop the fuzz build, since
# the strict gcc build already gates them.
FUZZ_MODWARN := $(filter-out -Werror,$(WARN)) -Wno-format-nonliteral
FUZZ_WARN    := $(WARN) -Wno-format-nonliteral
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -O1 -g $(FUZZ_SAN) -I. \
                $(shell pkg-config --cflags $(PKGS) 2>/dev/null)

# Every target links the layers it needs, top first (see the Makefile).
FUZZ_WX_SRC  := $(CALLBACK_SRC)
FUZZ_CFG_SRC := daemon/config.c
FUZZ_KB_SRC  := $(KB_SRC) $(BUILD)/gen/kb_fold_data.c
FUZZ_LIB_SRC := $(LIB_SRC)

# The lines of a libFuzzer log that say what went wrong.
FUZZ_GREP := ^==[0-9]+==ERROR|^SUMMARY|invariant failed

fuzz_obj = $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(1))
FUZZ_MODOBJ := $(sort $(call fuzz_obj,$(FUZZ_WX_SRC) $(FUZZ_CFG_SRC) \
               $(FUZZ_KB_SRC) $(FUZZ_LIB_SRC)))
FUZZ_BINS   := $(addprefix $(FUZZ_BUILD)/,$(FUZZ_TARGETS))

.PHONY: fuzz fuzz-build fuzz-regress fuzz-clean

fuzz-build: $(FUZZ_BINS)

$(FUZZ_MODOBJ): $(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_MODWARN) -fsanitize=fuzzer-no-link \
	  -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/obj/tests/fuzz/%.o: tests/fuzz/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_WARN) -fsanitize=fuzzer-no-link \
	  -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/libwx.a: $(call fuzz_obj,$(FUZZ_WX_SRC))
$(FUZZ_BUILD)/libcfg.a: $(call fuzz_obj,$(FUZZ_CFG_SRC))
$(FUZZ_BUILD)/libkb.a: $(call fuzz_obj,$(FUZZ_KB_SRC))
$(FUZZ_BUILD)/liblib.a: $(call fuzz_obj,$(FUZZ_LIB_SRC))
$(FUZZ_BUILD)/libwx.a $(FUZZ_BUILD)/libcfg.a $(FUZZ_BUILD)/libkb.a \
  $(FUZZ_BUILD)/liblib.a:
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(addprefix $(FUZZ_BUILD)/,fuzz_wx_msg fuzz_wx_crypto fuzz_wx_query \
  fuzz_wx_sig fuzz_callback): $(FUZZ_BUILD)/libwx.a
$(FUZZ_BUILD)/fuzz_config: $(FUZZ_BUILD)/libcfg.a

# Archives in layer order, top first, after the target's own object.
$(FUZZ_BINS): $(FUZZ_BUILD)/%: $(FUZZ_BUILD)/obj/tests/fuzz/%.o \
    $(FUZZ_BUILD)/libkb.a $(FUZZ_BUILD)/liblib.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< \
	  $(filter %/libwx.a %/libcfg.a,$^) $(FUZZ_BUILD)/libkb.a \
	  $(FUZZ_BUILD)/liblib.a $(ALL_LDLIBS)

# Each target fuzzes into a fresh scratch directory (first corpus
# argument, the only one libFuzzer writes to) seeded from the repository
# corpus and the regression inputs, which stay untouched.  Crashes are
# kept as $(FUZZ_BUILD)/artifacts/<target>-crash-*.
fuzz: $(FUZZ_BINS)
	@mkdir -p $(FUZZ_BUILD)/artifacts $(FUZZ_BUILD)/logs; \
	fail=0; \
	for t in $(FUZZ_TARGETS); do \
	  work=$$(mktemp -d "$${TMPDIR:-/tmp}/wxkb-fuzz.XXXXXX"); \
	  maxlen=$$(printf '%s\n' $(FUZZ_MAXLENS) | sed -n "s/^$$t=//p"); \
	  log=$(FUZZ_BUILD)/logs/$$t.log; \
	  $(FUZZ_BUILD)/$$t -max_total_time=$(FUZZ_SECONDS) \
	    -max_len=$$maxlen -timeout=25 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$t- $(FUZZ_FLAGS) \
	    $$work $$(for d in corpus regress; do \
	      [ ! -d tests/fuzz/$$d/$$t ] || echo tests/fuzz/$$d/$$t; done) \
	    >$$log 2>&1; \
	  rc=$$?; \
	  runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log); \
	  if [ $$rc -eq 0 ]; then \
	    printf 'ok    %-16s %ss, %s runs\n' $$t $(FUZZ_SECONDS) "$$runs"; \
	  else \
	    fail=1; \
	    printf 'FAIL  %-16s exit %d, log %s\n' $$t $$rc $$log; \
	    grep -E "$(FUZZ_GREP)|artifact_prefix" $$log | \
	      sed 's/^/      | /' | head -n 20; \
	  fi; \
	  rm -rf "$$work"; \
	done; \
	exit $$fail

# One run of every stored input per target; no new inputs are made.
fuzz-regress: $(FUZZ_BINS)
	@mkdir -p $(FUZZ_BUILD)/logs; \
	fail=0; \
	for t in $(FUZZ_TARGETS); do \
	  files=$$(find tests/fuzz/corpus/$$t tests/fuzz/regress/$$t \
	    -type f ! -name .gitkeep 2>/dev/null | sort); \
	  n=$$(printf '%s\n' $$files | grep -c .); \
	  log=$(FUZZ_BUILD)/logs/$$t-regress.log; \
	  if [ $$n -eq 0 ]; then \
	    printf 'ok    %-16s no inputs\n' $$t; continue; \
	  fi; \
	  if $(FUZZ_BUILD)/$$t $$files >$$log 2>&1; then \
	    printf 'ok    %-16s %d inputs\n' $$t $$n; \
	  else \
	    fail=1; \
	    printf 'FAIL  %-16s log %s\n' $$t $$log; \
	    grep -E "^Running:|$(FUZZ_GREP)" $$log | \
	      sed 's/^/      | /' | tail -n 20; \
	  fi; \
	done; \
	exit $$fail

fuzz-clean:
	rm -rf $(FUZZ_BUILD)

-include $(shell find $(FUZZ_BUILD) -name '*.d' 2>/dev/null)
