# The README's two commands. Each creates .venv and installs weft into it first, so both work on
# a fresh machine with nothing but Python 3.11 and access to PyPI.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export RAY_USAGE_STATS_ENABLED := 0
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export NO_ALBUMENTATIONS_UPDATE := 1

.PHONY: demo test install install-test browser bench bench-venv bench-datatrove clean

$(VENV)/.installed: setup.cfg setup.py pyproject.toml pipeline/extract/cwalk.pyx pipeline/extract/cnesting.pyx pipeline/net/csrcset.pyx filters/clid.pyx filters/ctextstats.pyx
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q -e .
	$(PY) -m compileall -q pipeline filters jobs schemas demo train  # an editable install compiles nothing (benchmarks/bytecode_cache.py)
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install -q -e '.[test]'
	touch $@

# The report's browser test drives Debian's chromium headless (tests/chromium.py); installed here
# when missing (as root, with apt-get: CI and the development machines are Debian).
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the report's browser test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

demo: install
	$(VENV)/bin/weft demo

test: install-test browser
	$(PY) -m pytest

# datatrove for benchmarks/bench_vs_datatrove.py, in a venv of its own (its trafilatura pin
# conflicts with the `bench` extra); never installed into .venv.
DT_VENV := benchmarks/.venv-datatrove
$(DT_VENV)/.installed: benchmarks/requirements-datatrove.txt
	test -x $(DT_VENV)/bin/python || $(PYTHON) -m venv $(DT_VENV)
	$(DT_VENV)/bin/pip install -q -r benchmarks/requirements-datatrove.txt
	touch $@

bench-venv: $(DT_VENV)/.installed

# weft and datatrove side by side on one WARC, one core each: real pages (mean ~183 KB), then
# Common Crawl-sized ones (<= 100 KB).
bench-datatrove: install-test bench-venv
	$(PY) benchmarks/bench_vs_datatrove.py
	$(PY) benchmarks/bench_vs_datatrove.py --max-page-kb 100

bench: install-test bench-venv
	$(PY) benchmarks/bench_executors.py
	$(PY) benchmarks/bench_read_extract.py
	$(PY) benchmarks/bench_images.py
	$(PY) benchmarks/bench_train_loader.py
	$(PY) benchmarks/dedup_quality.py
	$(PY) benchmarks/bench_dedup.py
	$(PY) benchmarks/bench_dedup_job.py
	$(PY) benchmarks/bench_vs_datatrove.py
	$(PY) benchmarks/bench_vs_datatrove.py --max-page-kb 100

clean:
	rm -rf $(VENV) $(DT_VENV) build *.egg-info weft-demo-output
