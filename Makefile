# Two commands do all the set-up on a fresh machine: `make release` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RAW ?= data/raw
OUT ?= data/release
# The shipped exports and responses belong to the shipped data: another RAW reads none unless ANNOTATIONS or
# RESPONSES names a folder (the run prints which it read).
ANNOTATIONS ?= $(if $(filter data/raw,$(RAW)),annotation,none)
RESPONSES ?= $(if $(filter data/raw,$(RAW)),data/responses,none)
VERSION ?=
PYTEST_ARGS ?=

.PHONY: release publish test fuzz bench env browser clean-env

# The environment is rebuilt when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

env: $(VENV)/.installed

# With a Label Studio server configured (LABEL_STUDIO_URL, LABEL_STUDIO_API_KEY), pull a fresh export first
# (unless ANNOTATIONS=none); every stored export in $(ANNOTATIONS)/exports/ is read (none: no exports).
release: $(VENV)/.installed
	$(if $(and $(LABEL_STUDIO_URL),$(filter-out none,$(ANNOTATIONS))),$(BIN)/curation annotate pull --raw $(RAW) --out $(OUT) --annotations $(ANNOTATIONS) &&) \
		$(BIN)/curation release --raw $(RAW) --out $(OUT) --annotations $(ANNOTATIONS) --responses $(RESPONSES) \
		$(if $(VERSION),--version $(VERSION)) \
		$(if $(filter data/release,$(OUT)),--card DATASET_CARD.md)

# Dry run unless YES=1: `make publish VERSION=0.1.0 REPO=org/name YES=1` (or RELEASE=data/release/vX.Y.Z; PATH is the shell's).
# The token comes from HF_TOKEN or the stored login, the endpoint from HF_ENDPOINT.
publish: $(VENV)/.installed
	$(BIN)/curation publish $(or $(RELEASE),$(OUT)/v$(VERSION)) $(if $(REPO),--repo $(REPO)) $(if $(YES),--yes)

# Label Studio in its own venv: its pins (pyarrow, numpy, Django) conflict with the project's.
LS_VENV := .ls-venv
$(LS_VENV)/.installed:
	test -x $(LS_VENV)/bin/python || $(PYTHON) -m venv $(LS_VENV)
	$(LS_VENV)/bin/pip install --quiet label-studio==1.23.2
	touch $@

# Debian's Chromium and CJK fonts for the browser tests (Playwright never downloads a browser here).
browser:
	@test -x /usr/bin/chromium && fc-list 2>/dev/null | grep -q "Noto Sans CJK" || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

# ruff (configured in pyproject.toml) first: a lint finding fails the run before the slow tests start.
test: $(VENV)/.installed $(LS_VENV)/.installed browser
	$(BIN)/ruff check .
	LABEL_STUDIO_BIN=$(CURDIR)/$(LS_VENV)/bin/label-studio $(BIN)/python -m pytest $(PYTEST_ARGS)

# The property tests of bad input with many more generated files than `make test` runs (FUZZ_EXAMPLES).
FUZZ_EXAMPLES ?= 300
fuzz: $(VENV)/.installed
	PROPERTY_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q tests/test_properties.py

clean-env:
	rm -rf $(VENV) $(LS_VENV)

# The paraphrase-rich corpus: short real sentences run out near 80k texts (benchmarks/make_paraphrase_corpus.py).
PARAPHRASE_SIZES ?= 10000,50000,80000
CONTAMINATION_GB ?= 1.0
LABELSTUDIO_TASKS ?= 100000
# The package compiled first, as pip compiles an installed one: an editable install (and PYTHONDONTWRITEBYTECODE,
# set on some machines) would have every timed command compile it again.
bench: $(VENV)/.installed $(LS_VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m compileall -q curation
	$(BIN)/python benchmarks/bench_release.py $(if $(SIZES),--sizes $(SIZES))
	$(BIN)/python benchmarks/bench_tagging.py
	$(BIN)/python benchmarks/bench_suggest.py
	$(BIN)/python benchmarks/bench_dedup.py $(if $(DEDUP_SIZES),--sizes $(DEDUP_SIZES))
	$(BIN)/python benchmarks/bench_dedup.py --corpus paraphrase --sizes $(PARAPHRASE_SIZES)
	$(BIN)/python benchmarks/bench_contamination.py --gigabytes $(CONTAMINATION_GB)
	LABEL_STUDIO_BIN=$(CURDIR)/$(LS_VENV)/bin/label-studio $(BIN)/python benchmarks/bench_labelstudio.py --tasks $(LABELSTUDIO_TASKS)
