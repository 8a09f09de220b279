# The two commands the README starts with: `make serve` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
BIND   ?= 127.0.0.1:8000

.PHONY: install serve preview test system-deps lint typecheck pytest check-content demo-partner export bench loadtest screenshots wordpress-screenshots clean

NODE_STAMP := node_modules/.installed-stamp

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# axe-core and the Nu Html Checker, pinned in package-lock.json.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

install: $(STAMP)

## Serve the sample content with gunicorn on port 8000.
serve: $(STAMP)
	WIDGET_BIND=$(BIND) $(BIN)/gunicorn --config gunicorn.conf.py

## Preview a folder of articles while you edit it (DIR=...): pages reload on save and show a file's problems.
DIR ?= content/articles
preview: $(STAMP)
	$(BIN)/python -m widget.preview --dir $(DIR)

## The whole suite: lint, types, then every test (installs the Debian packages the tests drive).
test: lint typecheck system-deps pytest

system-deps:
	./scripts/system-deps

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) $(NODE_STAMP)
	$(BIN)/pytest

## The demo partner page on http://localhost:8001 (run `make serve` too).
demo-partner:
	$(PYTHON) -m http.server 8001 --bind 127.0.0.1 --directory demo/partner

## The benchmark: about 15 minutes; BENCH_ARGS=--quick for a 2-minute smoke run.
bench: $(STAMP) system-deps
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## Load and fault tests against gunicorn on 127.0.0.1 (about 4 minutes; writes loadtest/results.md).
loadtest: $(STAMP)
	$(BIN)/python loadtest/run.py

## PNGs of every widget in both themes at phone and desktop widths, under docs/screenshots/.
screenshots: $(STAMP) system-deps
	$(BIN)/python scripts/screenshots.py

## PNGs of a real WordPress post of our article URL: the old server (BEFORE=rev), today's, the plugin.
wordpress-screenshots: $(STAMP) system-deps
	$(BIN)/python scripts/wordpress_screenshots.py $(if $(BEFORE),--before $(BEFORE))

## Write the static export (pages, widgets, static files, nginx.conf) to export/.
export: $(STAMP)
	$(BIN)/flask --app widget export export --force

check-content: $(STAMP)
	$(BIN)/flask --app widget content check

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
