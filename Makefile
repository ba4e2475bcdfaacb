# manim-diffusion: set-up, demo, tests and benchmarks.
# `make demo` renders the smiley scene; `make test` runs ruff, mypy and pytest.

PY      ?= python3
VENV    := .venv
PIP     := $(VENV)/bin/pip
PYTHON  := $(VENV)/bin/python
TORCH   := torch==2.13.0
QUALITY ?= -qm
# pytest workers: one per core (2 on CI); `make test TEST_WORKERS=0` runs in one process.
TEST_WORKERS ?= auto
PIPQ    := -q --disable-pip-version-check

.PHONY: all venv sysdeps install install-test demo test bench docs clean

all: install

venv: $(VENV)/bin/python

$(VENV)/bin/python:
	$(PY) -m venv $(VENV)

# manim builds pycairo and manimpango from source: it needs the cairo/pango headers.
sysdeps:
	@if pkg-config --exists cairo pangocairo 2>/dev/null; then \
		echo "sysdeps: cairo and pangocairo found"; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "sysdeps: installing libcairo2-dev libpango1.0-dev pkg-config"; \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libcairo2-dev libpango1.0-dev pkg-config; \
	else \
		echo "sysdeps: cairo/pango development files are missing; run:"; \
		echo "    sudo apt-get install -y libcairo2-dev libpango1.0-dev pkg-config"; \
		exit 1; \
	fi

# torch first, pinned to the local CPU wheel; constraints.txt keeps it (and pillow<13)
# pinned while pip resolves the package's own range (torch>=2.1).
$(VENV)/.installed: pyproject.toml constraints.txt | $(VENV)/bin/python
	$(PIP) install $(PIPQ) $(TORCH) -c constraints.txt
	$(PIP) install $(PIPQ) -e . -c constraints.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install $(PIPQ) -e '.[test]' -c constraints.txt
	touch $@

install: venv sysdeps $(VENV)/.installed

install-test: install $(VENV)/.installed-test

$(VENV)/.installed-docs: $(VENV)/.installed
	$(PIP) install $(PIPQ) -e '.[docs]' -c constraints.txt
	touch $@

# The documentation site, offline, into docs/_build/html; `make docs DOCS=--quick` renders
# the examples at manim's lowest quality (as CI's test does).
docs: install $(VENV)/.installed-docs
	OMP_NUM_THREADS=1 $(PYTHON) docs/build.py $(DOCS)

demo: install
	$(VENV)/bin/manim render $(QUALITY) scenes/ddpm_smiley.py DDPMSmiley

test: install-test
	$(VENV)/bin/ruff check manim_diffusion tests scenes benchmarks examples media docs
	@# mypy's worker processes can fail to start on a loaded machine ("Failed to establish
	@# connection with worker"): then the check runs again in one process.
	$(VENV)/bin/mypy || MYPY_NUM_WORKERS=0 $(VENV)/bin/mypy
	OMP_WAIT_POLICY=PASSIVE $(PYTHON) -m pytest -q -n $(TEST_WORKERS) --dist worksteal \
		--hypothesis-profile=ci --durations=15

# Every benchmark: Markdown tables on stdout, all figures in benchmarks/results.json.
# `make bench BENCH="--quick"` checks the machinery; BENCH="--only cloud trails" a part.
# smalldiffusion is the training section's peer. --no-deps: its requirements would pull
# torchvision, whose PyPI wheel brings a CUDA build of torch; it runs without it.
BENCH_PEERS := smalldiffusion==0.5.0 einops==0.8.2 accelerate==1.15.0 safetensors==0.8.0 \
	psutil pyyaml

bench: install
	$(PIP) install -q --no-deps $(BENCH_PEERS)
	$(PYTHON) benchmarks/run_all.py $(BENCH)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .mypy_cache media/videos \
		media/images benchmarks/results.json
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
