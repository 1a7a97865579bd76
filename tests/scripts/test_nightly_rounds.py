"""The nightly job measures every held-out round: one matrix entry per round of
``scripts.unseen_bugs``, so a new round cannot be merged and then never planted again."""

from __future__ import annotations

from pathlib import Path

import yaml

from scripts.unseen_bugs import ROUNDS

NIGHTLY = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "nightly.yml"


def test_the_nightly_held_out_job_runs_one_entry_per_round():
    job = yaml.safe_load(NIGHTLY.read_text())["jobs"]["kill-rate-held-out"]
    assert job["strategy"]["matrix"]["round"] == sorted(ROUNDS, key=int)


def test_each_entry_plants_only_its_own_round():
    job = yaml.safe_load(NIGHTLY.read_text())["jobs"]["kill-rate-held-out"]
    commands = " ".join(step.get("run", "") for step in job["steps"])
    assert "ROUNDS['${{ matrix.round }}']" in commands and '--only "${names[@]}"' in commands
