# Two commands on a fresh machine (see README):  make setup demo   and   make test
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The CPU wheel that lies on this project's machines; elsewhere pip downloads the same release.
TORCH_SPEC ?= torch==2.13.0
export TQDM_DISABLE ?= 1

# torch and its CUDA-only dependencies stay out of the lock: torch is installed first, from
# TORCH_SPEC (the CPU wheel), and the lock is installed with --no-deps.
LOCK_EXCLUDED := torch triton cuda-bindings cuda-pathfinder cuda-toolkit nvidia-cublas \
	nvidia-cuda-cccl nvidia-cuda-cupti nvidia-cuda-nvrtc nvidia-cuda-runtime nvidia-cudnn-cu13 \
	nvidia-cufft nvidia-cufile nvidia-cusolver nvidia-cusparse nvidia-cusparselt-cu13 \
	nvidia-nccl-cu13 nvidia-nvjitlink nvidia-nvshmem-cu13 nvidia-nvtx

.PHONY: setup fonts demo test coverage test-slow test-gpu gpu-bundle lint lock bench clean

setup: $(STAMP) fonts

$(STAMP): pyproject.toml requirements/lock.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "$(TORCH_SPEC)"
	$(BIN)/python -m pip install -q --no-deps --require-hashes -r requirements/lock.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

# Regenerate the hash-pinned lock of every dependency (all extras) after changing pyproject.toml.
lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --generate-hashes \
		$(addprefix --no-emit-package ,$(LOCK_EXCLUDED)) -o requirements/lock.txt

# Debian's and npm's handwriting fonts add writers beyond the PyPI ones; each step is skipped
# with a note where apt or npm is absent (the generator then uses the writers it finds).
fonts: $(STAMP)
	bash scripts/install_fonts.sh
	$(BIN)/text-recognizer data fonts --install --quiet

# The main job on the embedded default: unseen-writer samples -> the staged model -> text + CER.
demo: setup
	$(BIN)/text-recognizer demo --out data/demo

# The fast lane, one worker per core: what to run before pushing (README's test command).
test: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" -n auto -p no:cacheprovider

# The fast lane under coverage, as the pull-request gate uploads it (terminal table + XML),
# then the check that every place it never runs is explained (tests/untaken_code.py).
# The plugin imports torch, Lightning and great-expectations before coverage starts tracing.
coverage: $(STAMP)
	$(BIN)/python -m pytest -p tests.coverage_preimport -m "not slow" -n auto -p no:cacheprovider \
		--cov --cov-report=term --cov-report=xml
	$(BIN)/python -m scripts.untaken_code coverage.xml

test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow

test-gpu:
	PYTHONPATH=. python3 -m pytest -m gpu

# What the one-call GPU run (scripts/gpu_run.sh) needs from this machine: the writers' font files
# and the word list, in the ignored .gpu_bundle/ that the device tool carries.
gpu-bundle: $(STAMP)
	$(BIN)/python -m scripts.gpu_bundle .gpu_bundle

# System hooks (mypy, shellcheck, actionlint) run from the venv: it goes first on PATH.
lint: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/pre-commit run --all-files

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .coverage coverage.xml htmlcov
