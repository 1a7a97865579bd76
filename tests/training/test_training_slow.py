"""Slow lane: the FSDL entry point trains with DDP on 2 CPU processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT
from text_recognizer.lit_models import load_model_from_checkpoint

pytestmark = pytest.mark.slow


FAKE_DDP = """
model: {kind: line_ctc, config: tiny}
lit: {lr: 0.001, warmup_steps: 1}
data: {module: fake, train_size: 8, val_size: 4, test_size: 4, batch_size: 2}
trainer: {accelerator: cpu, devices: 2, strategy: ddp, max_steps: 3, val_check_interval: 3,
          check_val_every_n_epoch: null, enable_model_summary: false}
"""


def test_ddp_on_cpu_with_two_processes_trains_and_checkpoints(tmp_path):
    config = tmp_path / "ddp.yaml"
    config.write_text(FAKE_DDP, encoding="utf-8")
    out = tmp_path / "run"
    env = dict(os.environ, OMP_NUM_THREADS="1", PL_DISABLE_FORK="1")
    command = [sys.executable, "training/run_experiment.py", "--config", str(config)]
    command += ["--out", str(out), "--no-test", "--logger", "csv"]
    done = subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "distributed_backend=gloo" in done.stderr + done.stdout
    results = json.loads((out / "results.json").read_text())
    assert results["global_step"] == 3
    model, hparams = load_model_from_checkpoint(results["last_checkpoint"])
    assert hparams["model_kind"] == "line_ctc"
