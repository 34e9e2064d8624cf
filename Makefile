# The two commands a newcomer needs: `make run` and `make test`.
# Everything is installed inside the repository (.venv/, node_modules/).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
export NOTIFY_INSTANCE_PATH ?= $(CURDIR)/instance

.PHONY: run test test-postgres assets bench lint clean

$(BIN)/notify: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# DSFR assets, and axe-core for the browser tests' accessibility check. Without npm (or
# offline) the site still works, unstyled, and the accessibility check is skipped.
assets: node_modules/@gouvfr/dsfr/dist/dsfr.min.css node_modules/axe-core/axe.min.js
node_modules/@gouvfr/dsfr/dist/dsfr.min.css node_modules/axe-core/axe.min.js &: package.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --ignore-scripts --no-audit --no-fund || echo "npm install failed: the site will be unstyled"; \
	else echo "npm not found: the site will be unstyled"; fi

# Every demo step, the data load included, builds its links on the port the demo runs on.
run: export NOTIFY_BASE_URL ?= http://127.0.0.1:$(PORT)
run: $(BIN)/notify assets
	NOTIFY_MODE=demo $(BIN)/notify db upgrade
	NOTIFY_MODE=demo $(BIN)/notify tsa init --if-missing
	NOTIFY_MODE=demo $(BIN)/notify demo load > $(NOTIFY_INSTANCE_PATH)/demo.json
	NOTIFY_MODE=demo $(BIN)/notify demo serve --port $(PORT) --credentials $(NOTIFY_INSTANCE_PATH)/demo.json

test: $(BIN)/notify assets
	$(BIN)/pytest

bench: $(BIN)/notify
	$(BIN)/python -m bench

lint: $(BIN)/notify
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) node_modules .pytest_cache
