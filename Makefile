# Two commands do all the set-up on a fresh machine (see README.md):
#   make demo   - local broker + worker + sample claims, decisions printed, everything stopped
#   make test   - the whole test suite (unit + integration on a real Apache Kafka broker)
# Both install what they need first: system packages, the broker jars, the broker image, the venv.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: setup system venv demo test unit integration check bench schemas clean

setup: system venv

# apt packages, docker engine, Maven fetch of the broker, broker image (idempotent, cached).
system:
	bash .ci/install-system

venv: $(VENV)/.installed policy/compiled-sources.sha256

# Dependencies first, with the pure-Python engine; the compiled one is the next target.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip 'setuptools>=68' wheel
	CLAIMS_ADJ_PURE_PYTHON=1 $(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The engine compiled by mypyc (setup.py), rebuilt whenever a policy source changes: `import
# policy` refuses compiled modules older than their sources (policy/compiled.py).
policy/compiled-sources.sha256: $(VENV)/.installed setup.py $(wildcard policy/*.py policy/rules/*.py models/*.py)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -c 'import policy; print("policy engine compiled:", policy.COMPILED)'

demo: setup
	$(BIN)/claims-adjudicator demo

test: setup
	bash .ci/test-suite

unit: venv
	$(BIN)/pytest -m "not integration" -q

integration: setup
	bash .ci/test-suite integration

check: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: venv
	$(BIN)/python bench/engine_throughput.py

schemas: venv
	$(BIN)/python -m models.schema_export

clean:
	deploy/kafka/local-broker stop || true
	rm -rf $(VENV) deploy/kafka/.cache build policy/compiled-sources.sha256
	find . -name '*.so' -not -path './.git/*' -not -path './.venv/*' -print -delete

.PHONY: worker-image wheel-check

# The worker container image (deploy/worker/build-worker-image: sdist, wheelhouse, debootstrapped
# bases, multi-stage build; cached by a hash of its inputs). Prints the tag last.
worker-image:
	deploy/worker/build-worker-image

# sdist and wheel built the standard way, installed in fresh venvs, the samples decided by both
# engines (.ci/wheel-check). Needs the package index, not the dev venv.
wheel-check:
	bash .ci/wheel-check

.PHONY: bench-e2e bench-e2e-lifecycle bench-e2e-smoke bench-recovery

# bench/recovery: how long decisions stop through broker and worker faults (broker down 20 s,
# a worker joining, leaving, killed, killed and restarted), on the integration tests' broker;
# figures and targets printed, exactly one decision per claim asserted (about 6 min). CI runs it.
bench-recovery: setup
	bash .ci/test-suite bench/recovery/recovery_times.py -s

# bench/e2e: raw aiokafka pipeline, Quix Streams app and our worker, each exactly-once and
# at-least-once, on the same claims and one local broker, every peer running the worker's step:
# backlog throughput, CPU per claim, latency at 25/50/75 % load, burst drain; table on stdout,
# JSON + PNG in bench/e2e/out/. Full run < 10 min on 2 cores (prints the target: our worker >=
# Quix, exactly-once). The lifecycle run adds, per peer, a backlog where one claim in ten pends
# and earlier pends are followed up by records received (prints the target: within 10 % of the
# plain backlog). The smoke (CI, a few minutes) runs the lifecycle stream too: every peer
# decides every claim once and every follow-up once more.
bench-e2e: venv $(VENV)/.bench-installed
	$(BIN)/python -m bench.e2e

bench-e2e-lifecycle: venv $(VENV)/.bench-installed
	$(BIN)/python -m bench.e2e --follow-ups 0.1

bench-e2e-smoke: venv $(VENV)/.bench-installed
	$(BIN)/python -m bench.e2e --smoke --follow-ups 0.1

# The `bench` extra's requirements only: `pip install -e '.[bench]'` would rebuild the engine.
$(VENV)/.bench-installed: $(VENV)/.installed pyproject.toml
	$(BIN)/python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["bench"]))' > $(VENV)/bench-requirements.txt
	$(BIN)/pip install --quiet -r $(VENV)/bench-requirements.txt
	touch $@
