# Benchmark — the programs of tests/bench/, included by the top-level
# Makefile.  See BENCHMARKS.md for the method and the figures.
#
#   make bench            build wxkbd and the bench programs with the normal
#                         (release) flags, then run tests/bench/run.sh:
#                         wrk against the evhttp baseline and wxkbd
#   make bench-build      only build $(BUILD)/bench/*
#   make bench-failover   Redis, then one of two instances killed under
#                         load behind nginx (tests/bench/failover.sh)
#   make bench-stages     the per-stage cost of one safe-mode message, with
#                         the shipped and with a generated 10,000-item
#                         knowledge base
#   make bench-callgrind  instruction counts of the whole handler under
#                         valgrind --tool=callgrind (repeatable)
#
# run.sh reads BENCH_* variables from the environment (BENCH_DURATION,
# BENCH_WORKERS, BENCH_ROUNDS, ...; list at its top), so for instance
#   make bench BENCH_WORKERS=2 BENCH_PIN=0
# passes them through.  Nothing is installed; everything runs on loopback.

BENCH_DIR   := $(BUILD)/bench
BENCH_OBJ   := $(BUILD)/tests/bench
BENCH_BINS  := $(addprefix $(BENCH_DIR)/,baseline gen_requests gen_kb stages)
BENCH_CG_PASSES ?= 20

export BENCH_DURATION BENCH_CONNECTIONS BENCH_THREADS BENCH_WORKERS \
       BENCH_PIN BENCH_REQUESTS BENCH_ROUNDS BENCH_PACED_MS BENCH_TARGETS \
       BENCH_LOG_LEVEL BENCH_KB_ITEMS BENCH_WXKBD \
       BENCH_RETRY_PCT BENCH_NICE BENCH_FAILOVER_SECONDS \
       BENCH_FAILOVER_MS BENCH_FAILOVER_REQUESTS

.PHONY: bench-build bench-stages bench-callgrind bench-failover

bench-build: $(BENCH_BINS)

# The baseline is libevent alone; gen_kb picks its ideographs with the
# knowledge base's normalization.
$(BENCH_DIR)/baseline: $(BENCH_OBJ)/baseline.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

$(BENCH_DIR)/gen_kb: $(BENCH_OBJ)/gen_kb.o $(LIBKB) $(LIBLIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBKB) $(LIBLIB) $(ALL_LDLIBS)

# The generators sign and encrypt with the handlers' own modules; stages
# runs the callback path, so it takes the knowledge base too.  Neither
# needs the daemon library.
$(BENCH_DIR)/gen_requests: $(BENCH_OBJ)/gen_requests.o \
    $(BENCH_OBJ)/bench_gen.o $(LIBCALLBACK) $(LIBKB) $(LIBLIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(LIBCALLBACK) $(LIBKB) \
	  $(LIBLIB) $(ALL_LDLIBS)

$(BENCH_DIR)/stages: $(BENCH_OBJ)/stages.o $(BENCH_OBJ)/bench_gen.o \
    $(LIBCALLBACK) $(LIBKB) $(LIBLIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(LIBCALLBACK) $(LIBKB) \
	  $(LIBLIB) $(ALL_LDLIBS)

bench: $(BUILD)/wxkbd $(BENCH_BINS)
	@if [ -n "$(SAN)" ]; then \
	  echo "bench: SAN is set; the figures need a build without" \
	    "sanitizers" >&2; exit 1; fi
	@BUILD=$(BUILD) tests/bench/run.sh

bench-failover: $(BUILD)/wxkbd $(BENCH_BINS)
	@BUILD=$(BUILD) BENCH_TARGETS=failover tests/bench/run.sh

bench-stages: $(BENCH_BINS)
	$(BENCH_DIR)/stages
	@$(BENCH_DIR)/gen_kb $(BENCH_DIR)/kb10k.json $(BENCH_DIR)/q10k.tsv
	@echo
	$(BENCH_DIR)/stages -k $(BENCH_DIR)/kb10k.json -q $(BENCH_DIR)/q10k.tsv

bench-callgrind: $(BENCH_DIR)/stages
	@command -v valgrind >/dev/null || { echo "bench: valgrind is not" \
	  "installed (apt-get install valgrind)" >&2; exit 1; }
	valgrind --tool=callgrind --toggle-collect=st_whole \
	  --callgrind-out-file=$(BENCH_DIR)/callgrind.out \
	  $(BENCH_DIR)/stages -w -i $(BENCH_CG_PASSES)
	@echo "instructions per message: total Ir / ($(BENCH_CG_PASSES) x 256)"
	callgrind_annotate --inclusive=yes $(BENCH_DIR)/callgrind.out | \
	  sed -n '/file:function/,$$p' | head -n 40
	callgrind_annotate --inclusive=no $(BENCH_DIR)/callgrind.out | \
	  sed -n '/file:function/,$$p' | head -n 25

# make check runs each of them once (tests/integration/bench_tools.sh).
tests: $(BENCH_BINS)
