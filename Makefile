# Kabinet: `make run` to try it, `make test` for the whole suite. Both set up what they need.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
PORT    ?= 5000
# The links in e-mails follow the port `make run PORT=5055` serves on, unless BASE_URL is set in the environment.
BASE_URL ?= http://127.0.0.1:$(PORT)
DEV_ENV := KABINET_ENV=development BASE_URL=$(BASE_URL)
APT_PACKAGES := chromium postgresql zbar-tools wrk nginx redis-server systemd openssl

.PHONY: run test test-sqlite test-postgresql lint system translations bench bench-peak clean requirements

# Every package, dependencies of dependencies too, pinned with its hashes: pip refuses a file that does not match.
$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.txt
	touch $(STAMP)

# After editing requirements.in or requirements-dev.in (what the code imports, pinned): the locked files, with hashes.
# Resolved on Debian's own Python, the one production runs (docs/DEPLOY.md): redis needs async-timeout below 3.11.3,
# and a file resolved on a newer Python leaves it out, so pip refuses it on Debian 12's 3.11.2.
TOOLS := .venv-tools
PIP_COMPILE := $(TOOLS)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
requirements:
	test -x $(TOOLS)/bin/pip-compile || { /usr/bin/python3 -m venv $(TOOLS) && $(TOOLS)/bin/pip install --quiet pip-tools==7.6.0; }
	$(PIP_COMPILE) -o requirements.txt requirements.in
	$(PIP_COMPILE) -o requirements-dev.txt requirements-dev.in

# Debian packages the tests and benchmarks drive for real; installed when we may (root), else the tests say what is missing.
# Another apt at work (unattended upgrades on a fresh machine) holds its lock: wait up to 5 minutes for it, not fail.
system:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing$$missing"; apt-get -o DPkg::Lock::Timeout=300 update -qq && \
	      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq $$missing >/dev/null; \
	  else echo "Not root: cannot install$$missing (the tests that need them will say so)"; fi; \
	fi

translations: $(STAMP)
	@$(BIN)/pybabel compile --use-fuzzy -d translations -D messages >/dev/null 2>&1 || $(BIN)/pybabel compile -d translations

run: $(STAMP) translations
	$(DEV_ENV) $(BIN)/flask --app wsgi db upgrade
	$(DEV_ENV) $(BIN)/flask --app wsgi demo load
	$(DEV_ENV) $(BIN)/flask --app wsgi run --host 127.0.0.1 --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .

test: $(STAMP) system translations lint test-sqlite test-postgresql

# In parallel, a worker per core: each has its own database (SQLite file or PostgreSQL cluster), SMTP port and browser;
# an idle worker takes tests from the busy one (worksteal), so the long browser walks do not end the run alone.
test-sqlite: $(STAMP) translations
	KABINET_TEST_DB=sqlite $(BIN)/pytest -q -n auto --dist worksteal

test-postgresql: $(STAMP) translations
	KABINET_TEST_DB=postgresql $(BIN)/pytest -q -n auto --dist worksteal

bench: $(STAMP) system translations
	$(BIN)/python bench/load.py

# The month-end peak (bench/peak.py): TENANTS tenants submit their readings within WINDOW seconds, on SQLite and
# PostgreSQL; then where the cabinet page's time goes (bench/pagecost.py).
TENANTS ?= 2000
WINDOW  ?= 300
bench-peak: $(STAMP) system translations
	$(BIN)/python bench/peak.py --tenants $(TENANTS) --window $(WINDOW)
	$(BIN)/python bench/pagecost.py --top 15

clean:
	rm -rf $(VENV) $(TOOLS) test-artifacts .pytest_cache
