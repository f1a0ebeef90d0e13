# OpenPEEL: `make demo` builds everything from the bundled sample; `make test` runs the checks.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOME_DIR ?= openpeel-home

STATIC := src/openpeel/web/static
NPM_DIST := web/node_modules

.PHONY: install assets demo test lint typecheck docs docs-check pytest bench clean

$(BIN)/openpeel: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -e . --group dev
	@touch $@

# GOV.UK Frontend (styles compiled with Sass, Arial instead of GDS Transport), Vega, Swagger UI
# and axe-core (for the browser tests),
# from the
# npm registry, served by the app from its own static folder: never from a CDN
$(STATIC)/vega/.built: web/package.json web/package-lock.json web/openpeel.scss Makefile
	cd web && npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(STATIC)/govuk $(STATIC)/vega
	cd web && npx sass --load-path=node_modules --style=compressed --no-source-map \
		--quiet-deps openpeel.scss ../$(STATIC)/govuk/openpeel.css
	cp $(NPM_DIST)/govuk-frontend/dist/govuk/govuk-frontend.min.js $(STATIC)/govuk/
	cp -r $(NPM_DIST)/govuk-frontend/dist/govuk/assets $(STATIC)/govuk/
	rm -rf $(STATIC)/govuk/assets/fonts  # GDS Transport is for GOV.UK services only
	cp $(NPM_DIST)/vega/build/vega.min.js $(NPM_DIST)/vega-lite/build/vega-lite.min.js \
		$(NPM_DIST)/vega-embed/build/vega-embed.min.js $(STATIC)/vega/
	mkdir -p $(STATIC)/swagger
	cp $(NPM_DIST)/swagger-ui-dist/swagger-ui-bundle.js $(NPM_DIST)/swagger-ui-dist/swagger-ui.css \
		$(STATIC)/swagger/
	mkdir -p $(STATIC)/axe  # axe-core: the browser tests' accessibility checks (WCAG 2.2 A/AA)
	cp $(NPM_DIST)/axe-core/axe.min.js $(STATIC)/axe/
	@touch $@

assets: $(STATIC)/vega/.built

install: $(BIN)/openpeel assets

demo: install
	$(BIN)/openpeel demo --home $(HOME_DIR)

lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: install
	$(BIN)/mypy

docs: install
	$(BIN)/openpeel docs dictionary
	$(BIN)/openpeel docs settings
	$(BIN)/openpeel docs indicators
	$(BIN)/openpeel docs framework

docs-check: install
	$(BIN)/openpeel docs dictionary --check
	$(BIN)/openpeel docs settings --check
	$(BIN)/openpeel docs indicators --check
	$(BIN)/openpeel docs framework --check

pytest: install
	$(BIN)/pytest -q

test: lint typecheck docs-check pytest

bench: install
	$(BIN)/python benchmarks/ingest.py --write
	$(BIN)/python benchmarks/indicators.py --write
	$(BIN)/python benchmarks/publishing.py --write
	$(BIN)/python benchmarks/forecast.py --write
	$(BIN)/python benchmarks/spark.py --write
	$(BIN)/python benchmarks/loads.py --write
	$(BIN)/python benchmarks/refresh.py --write

clean:
	rm -rf $(VENV) $(HOME_DIR) .mypy_cache .ruff_cache .pytest_cache web/node_modules \
		$(STATIC)/govuk $(STATIC)/vega $(STATIC)/swagger $(STATIC)/axe
