# The README's two commands. Each creates .venv and installs weft into it first, so both work on
# a fresh machine with nothing but Python 3.11 and access to PyPI.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export RAY_USAGE_STATS_ENABLED := 0
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export NO_ALBUMENTATIONS_UPDATE := 1

.PHONY: demo test install install-test browser bench clean

$(VENV)/.installed: setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q -e .
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

bench: install-test
	$(PY) benchmarks/bench_executors.py
	$(PY) benchmarks/bench_read_extract.py
	$(PY) benchmarks/bench_images.py
	$(PY) benchmarks/bench_train_loader.py
	$(PY) benchmarks/dedup_quality.py
	$(PY) benchmarks/bench_dedup.py
	$(PY) benchmarks/bench_dedup_job.py

clean:
	rm -rf $(VENV) build *.egg-info weft-demo-output
