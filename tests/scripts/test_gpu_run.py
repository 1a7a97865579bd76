"""The GPU run's pieces (output limits, timed-training plan, report) and its CPU dry run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import gpu_report, gpu_run
from tests.conftest import REPO_ROOT


def test_a_folder_within_the_limits_has_no_problems(tmp_path: Path) -> None:
    for name in gpu_run.OUTPUT_FILES:
        (tmp_path / name).write_bytes(b"x" * 10)
    assert gpu_run.output_problems(tmp_path) == []


def test_too_many_files_too_large_or_too_deep_are_each_named(tmp_path: Path) -> None:
    for index in range(9):
        (tmp_path / f"f{index}").write_bytes(b"x")
    (tmp_path / "big").write_bytes(b"x" * 101)
    deep = tmp_path / "a" / "b" / "c"
    deep.mkdir(parents=True)
    (deep / "deep.txt").write_bytes(b"x")
    (tmp_path / "link").symlink_to(tmp_path / "big")
    problems = gpu_run.output_problems(tmp_path, max_bytes=100)
    assert "big: 101 bytes > 100" in problems
    assert "a/b/c/deep.txt: deeper than 2 folders" in problems
    assert "link: not a plain file or folder" in problems
    assert any(problem.startswith("11 files > 8") for problem in problems)


def test_a_two_folder_deep_file_is_allowed(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "ok.txt").write_bytes(b"x")
    assert gpu_run.output_problems(tmp_path) == []


def test_a_long_log_keeps_its_end_from_a_line_start(tmp_path: Path) -> None:
    log = tmp_path / "log"
    log.write_bytes(b"".join(b"line %04d\n" % number for number in range(1000)))
    kept = gpu_run.tail_bytes(log, 200)
    assert len(kept) <= 200 and kept.endswith(b"line 0999\n")
    first, second = kept.split(b"\n")[:2]
    assert b"cut" in first and second.startswith(b"line ")
    assert gpu_run.tail_bytes(log, 10**6) == log.read_bytes()


def test_the_step_estimate_fills_the_time_at_the_measured_rate() -> None:
    assert gpu_run.estimate_steps(100, 10, gpu_rate=500.0, safety=1.0) == 5000
    assert gpu_run.estimate_steps(100, 10, gpu_rate=500.0, safety=0.5) == 2500
    assert gpu_run.estimate_steps(100, 10, gpu_rate=None) == 20


def test_the_timed_config_reads_the_generated_lines_and_stops_on_time() -> None:
    from text_recognizer.training.config import load_config, validate_config

    base = load_config("lines_default")
    config = gpu_run.training_config(base, 285, 4000, 15, cuda=True, data_dir="/w/lines")
    validate_config(config)
    data = config["data"]
    assert (data["data_dir"], data["train_size"], data["num_workers"]) == ("/w/lines", None, 15)
    trainer = config["trainer"]
    assert trainer["max_steps"] == 4000 and trainer["max_time"] == "00:00:04:45"
    assert trainer["val_check_interval"] == 666 and trainer["check_val_every_n_epoch"] is None
    assert (trainer["accelerator"], trainer["precision"]) == ("gpu", "bf16-mixed")
    assert config["model"] == base["model"] and config["lit"] == base["lit"]


def test_the_line_rate_is_read_from_the_bf16_eager_row(tmp_path: Path) -> None:
    rows = [
        {"kind": "lines", "mode": "fp32", "samples_per_s": 100.0},
        {"kind": "lines", "mode": "bf16-mixed+compile", "samples_per_s": 900.0},
        {"kind": "lines", "mode": "bf16-mixed", "samples_per_s": 300.0},
    ]
    (tmp_path / "t.json").write_text(json.dumps({"rows": rows}))
    assert gpu_run.line_rate(tmp_path / "t.json") == 300.0
    assert gpu_run.line_rate(tmp_path / "missing.json") is None


def test_gpu_baselines_are_recorded_only_when_none_exist(tmp_path: Path) -> None:
    path = tmp_path / "baselines.json"
    path.write_text(json.dumps({"entries": {"cpu/line": {"steps_to_criterion": 5}}}))
    assert not gpu_run.has_cuda_baselines(path)
    path.write_text(json.dumps({"entries": {"cuda/line-base/batch16/32-true": {}}}))
    assert gpu_run.has_cuda_baselines(path)


# -- the report -------------------------------------------------------------------------------

JUNIT = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">
<testcase classname="tests.testing.test_gpu_lane" name="test_memorizes[line-32-true]" time="7.5"/>
<testcase classname="tests.testing.test_gpu_lane" name="test_parity[paragraph]" time="1.0">
<failure message="CPU and GPU outputs differ by up to 0.01">trace</failure></testcase>
</testsuite></testsuites>"""


def write_run(folder: Path, mode: str = "gpu", speedup: float = 2.5, cer: float = 0.08) -> Path:
    """A minimal OUT_DIR of a GPU run."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "run.json": {
            "mode": mode,
            "device": "NVIDIA H100 80GB HBM3",
            "started": "2026-12-01",
            "parts": [
                {"name": "gpu-lane", "status": 0, "seconds": 80, "limit": 170},
                {"name": "train", "status": 124, "seconds": 300, "limit": 300},
            ],
        },
        "memorization.json": {
            "recorded_baseline": True,
            "history": [
                {
                    "key": "cuda/line-base/batch16/32-true",
                    "converged": True,
                    "steps_to_criterion": 150,
                    "seconds_to_criterion": 6.0,
                },
                {
                    "key": "cuda/paragraph-base/batch16/32-true",
                    "converged": True,
                    "steps_to_criterion": 300,
                    "seconds_to_criterion": 31.0,
                },
            ],
            "baselines": {
                "entries": {
                    "cuda/line-base/batch16/32-true": {"steps_to_criterion": 150},
                    "cpu/line_ctc-tiny/batch4/32-true": {"steps_to_criterion": 1},
                }
            },
        },
        "throughput.json": {
            "device": "H100",
            "finished": True,
            "peak_tflops": {"bf16": 989.4},
            "rows": [
                {
                    "kind": "paragraphs",
                    "mode": "fp32",
                    "batch": 16,
                    "samples_per_s": 100.0,
                    "extra": {"flops_per_step": 2e11},
                },
                {
                    "kind": "paragraphs",
                    "mode": "bf16-mixed",
                    "batch": 16,
                    "samples_per_s": 100.0 * speedup,
                    "extra": {},
                },
            ],
        },
        "training.json": {
            "staged": {"test_cer": cer, "by_writer": {"Breip": {"cer": 0.1}}},
            "committed": {"test_cer": 0.2, "by_writer": {"Breip": {"cer": 0.3}}},
            "comparison": {"beats_committed": cer < 0.2},
        },
    }
    for name, value in files.items():
        (folder / name).write_text(json.dumps(value))
    (folder / "gpu_lane.xml").write_text(JUNIT)
    return folder


def test_the_report_tabulates_each_part_against_its_target(tmp_path: Path) -> None:
    text = gpu_report.render(write_run(tmp_path / "out"))
    assert "CPU dry run" not in text
    assert (
        "| test_parity[paragraph] | failed | 1.0 | CPU and GPU outputs differ by up to 0.01 |"
        in text
    )
    assert "| `cuda/line-base/batch16/32-true` | True | 150 | 6.0 | 10 | yes |" in text
    assert "| `cuda/paragraph-base/batch16/32-true` | True | 300 | 31.0 | 20 | no |" in text
    assert "| train | timed out | 300 | 300 |" in text
    assert "runs 2.50x the samples/s of plain fp32 (target >= 2x: met)" in text
    assert "| Breip | - | 10.00 % | 30.00 % |" in text
    assert "**The new model beats the committed one" in text


def test_a_dry_run_report_says_so_and_is_not_compared_with_gpu_numbers(tmp_path: Path) -> None:
    gpu = gpu_report.key_numbers(write_run(tmp_path / "gpu"))
    text = gpu_report.render(write_run(tmp_path / "dry", mode="cpu dry run"), previous=gpu)
    assert "**CPU dry run: these are not GPU numbers.**" in text
    assert "their numbers are not comparable" in text


def test_the_next_report_compares_with_the_numbers_kept_in_this_one(tmp_path: Path) -> None:
    report = tmp_path / "gpu_report.md"
    report.write_text(gpu_report.render(write_run(tmp_path / "first", speedup=2.0, cer=0.1)))
    previous = gpu_report.previous_numbers(report)
    assert previous["paragraph_speedup"] == 2.0 and previous["timed_training_test_cer"] == 0.1
    text = gpu_report.render(write_run(tmp_path / "second", speedup=3.0, cer=0.05), previous)
    assert "| paragraph best speed-up | 2.00x | 3.00x |" in text
    assert "| timed training test CER | 10.00 % | 5.00 % |" in text


def test_only_the_gpu_baselines_are_merged_into_the_committed_file(tmp_path: Path) -> None:
    committed = tmp_path / "memorization.json"
    committed.write_text(
        json.dumps(
            {
                "factor": 2.0,
                "entries": {"cpu/line_ctc-tiny/batch4/32-true": {"steps_to_criterion": 195}},
            }
        )
    )
    keys = gpu_report.update_baselines(write_run(tmp_path / "out"), committed)
    entries = json.loads(committed.read_text())["entries"]
    assert keys == ["cuda/line-base/batch16/32-true"]
    assert entries["cpu/line_ctc-tiny/batch4/32-true"]["steps_to_criterion"] == 195
    assert entries["cuda/line-base/batch16/32-true"]["steps_to_criterion"] == 150


# -- the stock stack and the dry run ----------------------------------------------------------


def test_the_stock_stack_hides_the_generators_packages_but_not_torch() -> None:
    from scripts import stock_stack

    hidden = set(stock_stack.hidden_modules())
    assert {"torch", "lightning", "numpy", "PIL", "yaml", "pytest"}.isdisjoint(hidden)
    for module in ("wordfreq", "fontpkg", "onnx"):
        pytest.importorskip(module)
        assert module in hidden


def test_a_hidden_package_cannot_be_imported_or_found() -> None:
    pytest.importorskip("wordfreq")
    env = {
        **os.environ,
        "PYTHONPATH": f"{REPO_ROOT / 'scripts' / 'stock_stack_site'}{os.pathsep}{REPO_ROOT}",
        "STOCK_STACK_HIDE": "wordfreq",
        "STOCK_STACK_HIDE_DISTRIBUTIONS": "wordfreq",
    }
    probe = (
        "import importlib.util, importlib.metadata as m\n"
        "import numpy\n"
        "print('find_spec', importlib.util.find_spec('wordfreq'))\n"
        "print('listed', 'wordfreq' in {d.metadata['Name'] for d in m.distributions()})\n"
        "try:\n"
        "    import wordfreq\n"
        "except ModuleNotFoundError as error:\n"
        "    print('import', error)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.stdout.splitlines() == [
        "find_spec None",
        "listed False",
        "import No module named 'wordfreq'",
    ], done.stderr


@pytest.mark.slow
def test_the_dry_run_writes_every_output_within_the_limits(tmp_path: Path) -> None:
    pytest.importorskip("wordfreq")
    pytest.importorskip("fontpkg")
    from scripts.gpu_bundle import make_bundle

    make_bundle(tmp_path / "bundle")
    out = tmp_path / "out"
    env = {
        **os.environ,
        "PYTHON": sys.executable,
        "TEXT_RECOGNIZER_GPU_BUNDLE": str(tmp_path / "bundle"),
        "GPU_RUN_SLACK": "10",  # a loaded 2-core runner is slow; the limits are not under test
    }
    done = subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "gpu_run.sh"), "--dry-run", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=4 * 3600,  # wall time on a loaded machine; about 2 minutes idle
    )
    assert sorted(path.name for path in out.iterdir()) == sorted(gpu_run.OUTPUT_FILES), done.stdout
    assert gpu_run.output_problems(out) == []
    run = json.loads((out / "run.json").read_text())
    assert run["mode"] == "cpu dry run" and run["hidden_modules"] > 0
    fonts = run["bundle"]["fonts"]
    assert fonts["bundled_but_not_found"] == [] and fonts["found"] == fonts["bundled"]
    failed = {part["name"] for part in run["parts"] if part["status"] != 0}
    training = json.loads((out / "training.json").read_text())
    # The committed default may lag the preprocessing; then its evaluation fails, and says why.
    if "evaluate-committed" in failed:
        assert training["committed"]["error"], done.stdout
    assert failed <= {"evaluate-committed"}, done.stdout[-4000:]
    assert training["staged"]["test_samples"] > 0
    rows = json.loads((out / "throughput.json").read_text())["rows"]
    assert len(rows) == 12 and all(row["error"] == "" for row in rows)
    assert "CPU dry run" in (out / "summary.md").read_text()
