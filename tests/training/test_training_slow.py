"""Slow lane: a short training from scratch improves val CER; DDP with 2 CPU processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT
from text_recognizer.lit_models import LineCTCLitModel, load_model_from_checkpoint

pytestmark = pytest.mark.slow


def val_cer(trainer, lit_model, data) -> float:
    (metrics,) = trainer.validate(lit_model, datamodule=data, verbose=False)
    return metrics["val/cer"]


def test_short_training_from_scratch_improves_val_cer(quiet_trainer):
    from text_recognizer.data.modules import FakeDataModule

    data = FakeDataModule(kind="lines", train_size=512, val_size=32, test_size=8, batch_size=16)
    lit_model = LineCTCLitModel("tiny", lr=3e-3, schedule="constant")
    # ~600 steps carry CTC past its all-blank plateau (CER 1.0) on random printed strings.
    trainer = quiet_trainer(
        max_steps=700,
        limit_val_batches=2,
        check_val_every_n_epoch=1000,
        gradient_clip_val=1.0,
        num_sanity_val_steps=0,
    )
    before = val_cer(trainer, lit_model, data)
    trainer.fit(lit_model, datamodule=data)
    after = val_cer(trainer, lit_model, data)
    assert after < 0.7 * before, (before, after)


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
