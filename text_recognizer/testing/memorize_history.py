"""The memory of memorization runs: a history of every run, and a recorded baseline of steps
to criterion that a later run may not exceed by more than :data:`REGRESSION_FACTOR`, so a model
that got slower to learn fails a test instead of passing quietly."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

import torch

from text_recognizer.testing.memorize import MemorizationResult

#: Steps-to-criterion may grow to this multiple of the recorded baseline before a test fails.
#: Random initialisation and thread scheduling move it by tens of percent; a doubling means the
#: model or its training got slower to learn, which is what the check is for.
REGRESSION_FACTOR = 2.0


def history_record(key: str, result: MemorizationResult, **context: Any) -> dict[str, Any]:
    """One JSON-able line of the memorization history."""
    import datetime

    return {
        "key": key,
        "at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "converged": result.converged,
        "steps_to_criterion": result.steps_to_criterion,
        "seconds_to_criterion": result.seconds_to_criterion,
        "steps_run": result.steps_run,
        "final_loss": result.final_loss,
        "final_cer": result.final_cer,
        "torch": torch.__version__,
        **context,
    }


def _read_json(path: Path, default: Any) -> Any:
    import json

    if not path.exists():
        return default
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ValueError(f"{path} is not valid JSON ({error}); fix or delete it") from None


def append_history(path: str | os.PathLike, record: dict[str, Any]) -> list[dict[str, Any]]:
    """Append ``record`` to the JSON list in ``path`` (created if missing); the whole list."""
    import json

    from text_recognizer.io import atomic_write_text

    path = Path(path)
    history = _read_json(path, [])
    if not isinstance(history, list):
        raise ValueError(f"{path} should hold a JSON list of runs")
    history.append(record)
    atomic_write_text(path, json.dumps(history, indent=1) + "\n")
    return history


def read_baseline(path: str | os.PathLike) -> dict[str, Any]:
    """``{"factor": float, "entries": {key: {"steps_to_criterion": int, ...}}}``."""
    baseline = _read_json(Path(path), {"factor": REGRESSION_FACTOR, "entries": {}})
    baseline.setdefault("factor", REGRESSION_FACTOR)
    baseline.setdefault("entries", {})
    return baseline


def regression_problem(
    baseline: dict[str, Any], key: str, result: MemorizationResult
) -> Optional[str]:
    """Why ``result`` regressed past the baseline's factor, or None when it did not.

    >>> base = {"factor": 2.0, "entries": {"k": {"steps_to_criterion": 50}}}
    >>> ok = MemorizationResult(100, 1.0, 0.1, 0.0, True, 100, 1.0, ())
    >>> regression_problem(base, "k", ok) is None
    True
    >>> slow = MemorizationResult(110, 1.0, 0.1, 0.0, True, 110, 1.0, ())
    >>> print(regression_problem(base, "k", slow))
    k: 110 steps to criterion, more than 2.0x the recorded baseline of 50
    """
    entry = baseline["entries"].get(key)
    if entry is None:
        raise KeyError(key)
    limit = baseline["factor"] * entry["steps_to_criterion"]
    steps = result.steps_to_criterion
    if steps is None or steps > limit:
        shown = "no convergence" if steps is None else f"{steps} steps to criterion"
        return (
            f"{key}: {shown}, more than {baseline['factor']}x the recorded baseline of "
            f"{entry['steps_to_criterion']}"
        )
    return None


def record_baseline(
    path: str | os.PathLike, key: str, result: MemorizationResult, **context: Any
) -> None:
    """Write ``result`` as the baseline of ``key`` (other keys are kept)."""
    import json

    from text_recognizer.io import atomic_write_text

    if not result.converged:
        raise ValueError(f"{key} did not converge; refusing to record it as a baseline")
    baseline = read_baseline(path)
    record = history_record(key, result, **context)
    baseline["entries"][key] = {
        name: record[name] for name in ("steps_to_criterion", "seconds_to_criterion", "at", "torch")
    } | context
    atomic_write_text(Path(path), json.dumps(baseline, indent=1, sort_keys=True) + "\n")
