# nic_rx_dma: RX DMA block + Linux driver model with page_pool, co-simulated under cocotb.
#
#   make sim     co-simulation of the RTL with the driver model (SIM=icarus|verilator)
#   make test    the whole test suite, both simulators
#   make lint    ruff on the Python; verilator --lint-only -Wall on hdl/ at every DATA_W, and the width lint
#   make waves   GTKWave on the last wave file, with the saved layout
#   make coverage  functional + Verilator code coverage of the RTL suite (COVERAGE_ARGS=--strict)
#   make soak    a million frames of co-simulation under faults, in shards (SOAK_FRAMES=N)
#   make bench   what recycling buys and how many buffers it needs (BENCH=quick: a subset)
#
# Set-up is part of every target: scripts/setup.sh creates .venv with the pinned packages and
# installs Icarus Verilog and liblz4-dev when they are missing (as root), or says what to install.

VENV    := .venv
PY      := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export PYTHONWARNINGS := ignore::DeprecationWarning

JOBS    ?= 2
DATA_WS := 64 128 256 512

.PHONY: all setup sim sim-matrix test test-rtl test-pymodel lint waves clean coverage formal soak bench

all: test

setup:
	@./scripts/setup.sh

# Co-simulation options are make variables (make sim FRAMES=5000 ...): make hands variables from
# the command line and the environment to the script, and tb/cosim/options.py, the one table of
# options, reads and checks them (scripts/sim.py --options lists them).

sim: setup
	$(PY) scripts/sim.py

sim-matrix: setup
	$(PY) scripts/sim.py --matrix

waves: setup
	$(PY) scripts/waves.py

test: setup lint
	$(PY) -m pytest -n $(JOBS) -q tests/

test-pymodel: setup
	$(PY) -m pytest -q tests/pymodel

test-rtl: setup
	$(PY) -m pytest -n $(JOBS) -q tests/test_rtl.py

# the smallest legal parameters (tb/common/params.py SMALL) as verilator -G flags
SMALL_G = $(shell $(PY) -c 'from tb.common.params import SMALL; print(" ".join(f"-G{k}={v}" for k, v in SMALL.items()))' 2>/dev/null)

lint: setup
	@echo "ruff check . (configuration in pyproject.toml)"
	@$(PY) -m ruff check --quiet .
	@for w in $(DATA_WS); do \
	  echo "verilator --lint-only -Wall -GDATA_W=$$w hdl/*.v"; \
	  verilator --lint-only -Wall --quiet -GDATA_W=$$w --top-module nic_rx_dma hdl/*.v || exit 1; \
	  echo "verilator --lint-only -Wall -GDATA_W=$$w $(SMALL_G) hdl/*.v"; \
	  verilator --lint-only -Wall --quiet -GDATA_W=$$w $(SMALL_G) --top-module nic_rx_dma hdl/*.v || exit 1; \
	  lat=$$($(PY) -c "from tb.common.params import LATENCY; print(' '.join(f'-G{k}={v}' for k, v in LATENCY[$$w].items()))"); \
	  echo "verilator --lint-only -Wall -GDATA_W=$$w $$lat hdl/*.v  (sized for memory latency)"; \
	  verilator --lint-only -Wall --quiet -GDATA_W=$$w $$lat --top-module nic_rx_dma hdl/*.v || exit 1; \
	  echo "verilator --lint-only -Wall -GDATA_W=$$w --top-module nic_tx_dma hdl/*.v"; \
	  verilator --lint-only -Wall --quiet -GDATA_W=$$w --top-module nic_tx_dma hdl/*.v || exit 1; \
	  echo "verilator --lint-only -Wall -GDATA_W=$$w --top-module nic_dma hdl/*.v"; \
	  verilator --lint-only -Wall --quiet -GDATA_W=$$w --top-module nic_dma hdl/*.v || exit 1; \
	done
	@echo "scripts/lint_width.py (pointer arithmetic widened by an operand or its context)"
	@$(PY) scripts/lint_width.py

# the RTL suite at DATA_W 64 and 512 on coverage builds of both simulators (SIM= picks one):
# cover points with their holes, and Verilator line/toggle coverage (sim_build/coverage/html)
coverage: setup
	@./scripts/setup.sh --coverage
	$(PY) scripts/rtl_coverage.py -n $(JOBS) $(COVERAGE_ARGS)

# SymbiYosys at small parameters: each property family proven or bounded, then the mutants
# that must each fail with their family named (docs/FORMAL.md); FORMAL_ARGS=--jobs-only etc.
formal: setup
	$(PY) scripts/formal.py $(FORMAL_ARGS)

# the soak's shards (tb/cosim/soak.py) over JOBS cores, merged into results/soak.json and shown
# as the README's table; SOAK_FRAMES=N for a shorter one, SOAK_SELECT=K/M for one machine's part
SOAK_FRAMES ?= 1000000
soak: setup
	@SOAK_FRAMES=$(SOAK_FRAMES) SOAK_OUT=$(CURDIR)/results/soak.json \
	  $(PY) -m pytest -n $(JOBS) -q -m soak tests/soak; status=$$?; \
	  $(PY) scripts/soak.py show results/soak.json; exit $$status

# the benchmark on the reference NIC: results/bench_*.json and PNG plots (docs/PERFORMANCE.md)
bench: setup
	$(PY) scripts/bench.py $(if $(filter quick,$(BENCH)),--quick)

clean:
	rm -rf sim_build .pytest_cache
