# Two commands do everything on a fresh machine:
#   make repro   set up .venv if needed, run `dvc repro` on the bundled sample corpus
#   make test    set up .venv if needed, run the test suite
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
export PATH := $(abspath $(BIN)):$(PATH)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup repro test lint browser harness-tools clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned: the CPU build lies on this machine's disk (see README)
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

repro: $(STAMP)
	$(BIN)/dvc repro
	@echo
	@echo "Outputs:"
	@echo "  tables   $(CURDIR)/data/processed/ (theme tables in data/processed/tables/)"
	@echo "  metrics  $(CURDIR)/metrics/tagging.json"
	@echo "  report   $(CURDIR)/reports/index.html"

test: $(STAMP) browser harness-tools
	$(BIN)/python -m pytest -q

# Headless Chromium for the report's browser test: installed when missing, if we can.
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium and chromium-driver (apt)"; \
	    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else \
	    echo "note: chromium/chromedriver missing and not root with apt: the browser test will be skipped"; \
	  fi; \
	fi

# LibreOffice Writer and the fonts of the layout harness (tests/harness: .docx -> PDF in a
# grid of producer layouts): installed when missing, if we can.
harness-tools:
	@if ! command -v soffice >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing libreoffice-writer-nogui and fonts (apt)"; \
	    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      libreoffice-writer-nogui fonts-liberation fonts-dejavu-core >/dev/null; \
	  else \
	    echo "note: soffice missing and not root with apt: the slow layout-harness tests will be skipped"; \
	  fi; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests benchmarks

clean:
	rm -rf data/processed data/cache reports
