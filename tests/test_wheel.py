"""The wheel works on its own: built from the checkout, installed into a fresh virtualenv, and
run from a folder outside any checkout, it trains from a shipped config on data it generates,
stages the checkpoint, predicts and validates data. It ships the package only: no scripts.

Slow lane: it installs torch (``pip install torch==2.13.0``; set ``TORCH_INDEX_URL`` where the
default index serves CUDA builds) and the wheel's ``synth`` and ``validation`` extras.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow

INSTALL_TIMEOUT_S = 1200
STEP_TIMEOUT_S = 600


def run(
    command: list[str], cwd: Path, timeout: int = STEP_TIMEOUT_S
) -> subprocess.CompletedProcess:
    """``command`` in ``cwd`` with an environment that cannot see the checkout."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "PYTEST_ADDOPTS", "VIRTUAL_ENV") and not key.startswith("COV_")
    }
    env.update(OMP_NUM_THREADS="1", TQDM_DISABLE="1", GX_ANALYTICS_ENABLED="false")
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def succeeded(done: subprocess.CompletedProcess) -> bool:
    if done.returncode != 0:
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n")
    return done.returncode == 0


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out)]
    assert succeeded(run(command + [str(REPO_ROOT)], cwd=out))
    (built,) = out.glob("text_recognizer-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """The bin folder of a fresh virtualenv holding torch and the wheel with two extras."""
    venv = tmp_path_factory.mktemp("venv")
    assert succeeded(run([sys.executable, "-m", "venv", str(venv)], cwd=venv))
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    index = os.environ.get("TORCH_INDEX_URL")
    torch = pip + ["torch==2.13.0"] + (["--extra-index-url", index] if index else [])
    assert succeeded(run(torch, cwd=venv, timeout=INSTALL_TIMEOUT_S))
    extras = pip + [f"{wheel}[synth,validation]"]
    assert succeeded(run(extras, cwd=venv, timeout=INSTALL_TIMEOUT_S))
    return venv / "bin"


def test_the_wheel_ships_the_package_and_its_configs_only(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    distribution = "-".join(wheel.name.split("-")[:2])  # text_recognizer-0.1.0
    assert {name.split("/")[0] for name in names} == {
        "text_recognizer",
        f"{distribution}.dist-info",
    }
    assert "text_recognizer/training/configs/lines_tiny.yaml" in names
    assert not [name for name in names if re.search(r"property_mutants|load_test|conftest", name)]


def test_the_installed_wheel_trains_stages_predicts_and_validates_outside_a_checkout(
    installed, tmp_path
):
    cli = str(installed / "text-recognizer")
    work = tmp_path / "work"
    work.mkdir()
    generate = [cli, "data", "generate", "--kind", "lines", "--n", "40", "--seed", "3"]
    assert succeeded(run(generate + ["--out", "data"], cwd=work))

    train = [cli, "train", "--config", "lines_tiny", "--out", "run", "--data-dir", "data"]
    train += ["--max-steps", "2", "--batch-size", "4", "--no-test", "--logger", "csv"]
    assert succeeded(run(train, cwd=work))
    checkpoint = json.loads((work / "run" / "results.json").read_text())["last_checkpoint"]

    assert succeeded(run([cli, "stage", checkpoint, "--out", "model", "--keep"], cwd=work))
    image = sorted((work / "data").rglob("*.png"))[0]
    predicted = run(
        [cli, "predict", str(image), "--model", "model", "--mode", "line", "--json"], cwd=work
    )
    assert succeeded(predicted)
    assert json.loads(predicted.stdout)["kind"] == "lines"

    validated = run([cli, "data", "validate", "data", "--report", "report.html"], cwd=work)
    assert validated.returncode in (0, 1), validated.stderr[-3000:]  # 1: an expectation failed
    assert "Data validation" in (work / "report.html").read_text()
