# `make run` opens Hearth; `make test` runs every check. Both set up .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Hearth needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "Installing Hearth and its parts (llama-cpp-python compiles from source: a few minutes)…"
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/hearth

test: $(STAMP)
	$(BIN)/ruff check app tests bench scripts packaging build.spec
	$(BIN)/ruff format --check app tests bench scripts packaging build.spec
	$(BIN)/lint-imports
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest

bench: $(STAMP)
	for b in bench/bench_*.py; do QT_QPA_PLATFORM=offscreen $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build dist *.egg-info

# ---- installers (packaging/README.md) ----
# The frozen app for this system: dist/hearth (dist/Hearth.app on macOS), self-tested.
DIST_BUNDLE := $(if $(filter Darwin,$(shell uname -s)),dist/Hearth.app,dist/hearth)
DIST_EXE := $(if $(filter Darwin,$(shell uname -s)),$(DIST_BUNDLE)/Contents/MacOS/hearth,$(DIST_BUNDLE)/hearth)

.PHONY: dist test-bundle icons deb

dist: $(STAMP)
	$(BIN)/pyinstaller build.spec --noconfirm
	QT_QPA_PLATFORM=offscreen $(DIST_EXE) --self-test
	@du -sh $(DIST_BUNDLE)

# The frozen app's own tests: self-test, a one-message chat on a tiny GGUF, the window, size.
test-bundle: dist
	HEARTH_TEST_BUNDLE=$(DIST_BUNDLE) QT_QPA_PLATFORM=offscreen $(BIN)/pytest -m bundle tests/app/test_bundle.py

icons: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python packaging/make_icons.py

deb: dist
	packaging/linux/build_deb.sh cpu
