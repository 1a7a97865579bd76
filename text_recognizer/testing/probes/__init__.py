"""Pipeline probes: each stage's behaviour on a fixed, seeded input, recorded and held to it.

Laws over random inputs (``tests/properties``) pin down what must hold for *every* input, and
examples pin down the cases someone thought of. Neither notices a quiet change whose output
still looks plausible: a probability inverted, a margin one pixel short, a dropout in one more
place, a metric that forgets to reset. A probe runs one public piece of the pipeline (data,
preprocessing, model, decoding, loss, metric, schedule, training glue, a short fit, inference,
the service, refusals) on an input fixed by its code and seed, and records what came out; the
golden file holds those records. A probe tells *change*, not *wrongness*: when a change is
deliberate, regenerate the goldens with its reason (``text-recognizer regress probes --reason
"WHY"``), which appends an entry naming every probe that moved to
``tests/regression/goldens/CHANGELOG.md``.

A probe is a function returning ``{field: value}``, registered with :func:`probe`. Values are
tensors, arrays, numbers and booleans (held to the probe's ``atol``/``rtol``; integers and
booleans exactly) or strings and lists of strings (exactly). Images are recorded as small
summaries (see :func:`image_summary`), never whole, so a file stays reviewable.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import torch

from text_recognizer.errors import GoldenError
from text_recognizer.io import atomic_write_text
from text_recognizer.testing.changelog import ChangelogEntry, append_changelog
from text_recognizer.testing.probes import calls

PROBES_FILE = "probes.json"
FORMAT = 1
REGENERATE_PROBES = 'text-recognizer regress probes --reason "WHY"'
#: The modules that register probes, one per stage of the pipeline.
PROBE_MODULES = (
    "data",
    "preprocessing",
    "models",
    "decoding",
    "training",
    "fitting",
    "inference",
    "export",
    "service",
    "expectations",
    "refusals",
    "cli",
)
#: A field's values are a summary, not a dump: more than this is refused when recording.
MAX_VALUES = 2048
#: Float32 kernels differ between CPUs by ~1e-6 on these small inputs; a real change moves a
#: recorded value by far more.
DEFAULT_ATOL = 1e-4
DEFAULT_RTOL = 1e-4

ProbeFunction = Callable[[], dict[str, Any]]


@dataclass(frozen=True)
class Probe:
    name: str
    run: ProbeFunction
    atol: float
    rtol: float
    #: Optional extras the probe imports (e.g. ``("fastapi",)``); without them it is skipped.
    requires: tuple[str, ...] = ()
    #: Record the calls the probe makes into the package, with their arguments (see
    #: :mod:`~text_recognizer.testing.probes.calls`); ``untraced`` names calls left out.
    trace: bool = True
    untraced: tuple[str, ...] = ()

    def missing(self) -> list[str]:
        """The required modules this environment lacks."""
        import importlib.util

        return [module for module in self.requires if importlib.util.find_spec(module) is None]


_REGISTRY: dict[str, Probe] = {}


def probe(
    name: str,
    atol: float = DEFAULT_ATOL,
    rtol: float = DEFAULT_RTOL,
    requires: tuple[str, ...] = (),
    trace: bool = True,
    untraced: tuple[str, ...] = (),
):
    """Register ``function`` as the probe ``name`` (``"stage/what"``).

    ``trace=False`` records outputs only, for a probe whose calls depend on a thread's timing;
    ``untraced`` leaves out the calls starting with those names (``"module.qualname"``).
    """

    def register(function: ProbeFunction) -> ProbeFunction:
        if name in _REGISTRY:
            raise ValueError(f"probe {name!r} is registered twice")
        _REGISTRY[name] = Probe(name, function, atol, rtol, tuple(requires), trace, tuple(untraced))
        return function

    return register


def all_probes() -> dict[str, Probe]:
    """Every registered probe, by name (importing the probe modules once)."""
    for module in PROBE_MODULES:
        importlib.import_module(f"{__name__}.{module}")
    return dict(sorted(_REGISTRY.items()))


def image_summary(image: Any, grid: int = 8) -> dict[str, Any]:
    """Size, mean, spread, dark share and a ``grid``x``grid`` block-mean map of a gray image.

    Enough to see a blur, a shift, a lost margin or an inverted polarity; small enough to read.
    """
    if isinstance(image, torch.Tensor):
        gray = image.detach().double().cpu().numpy().squeeze()
    else:
        gray = np.asarray(image, dtype=np.float64)
    height, width = gray.shape
    rows = np.array_split(np.arange(height), min(grid, height))
    columns = np.array_split(np.arange(width), min(grid, width))
    blocks = [[gray[np.ix_(r, c)].mean() for c in columns] for r in rows]
    threshold = (gray.max() + gray.min()) / 2
    return {
        "size": [height, width],
        "mean": float(gray.mean()),
        "std": float(gray.std()),
        "dark_share": float((gray < threshold).mean()) if gray.max() > gray.min() else 0.0,
        "blocks": np.asarray(blocks),
    }


def describe_error(error: BaseException, *folders: str | os.PathLike) -> str:
    """``"ErrorClass: first line"`` of ``error``, the same wherever and whenever it was raised:
    ``folders`` (a probe's temporary folders) shown as ``<tmp>``, other temporary folders'
    paths (``tempfile``'s ``/tmp/tmp...``, ``/tmp/probe...``) as ``<path>``, object addresses
    blanked, cut at 240 characters."""
    message = (str(error).splitlines() or [""])[0]
    for folder in folders:
        if str(folder):
            for form in sorted({str(Path(folder).resolve()), str(folder)}, key=len, reverse=True):
                message = message.replace(form, "<tmp>")
    message = re.sub(r"/tmp/(?:tmp|probe|pytest)[^\s'\"]*", "<path>", message)
    message = calls.ADDRESS.sub("0x-", message)
    return f"{type(error).__name__}: {message[:240]}"


def outcome(attempt: Callable[[], Any], *folders: str | os.PathLike) -> str:
    """``"ok"``, or :func:`describe_error` of what ``attempt()`` raised: a refusal recorded."""
    try:
        attempt()
    except Exception as error:  # a probe records whatever is raised
        return describe_error(error, *folders)
    return "ok"


# -- recording and comparing ------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    """One field: numbers (shape, values, tolerance; exact when integral) or exact text."""

    shape: list[int] | None = None
    values: list[float] | None = None
    exact: bool = False
    text: list[str] | str | None = None

    def to_json(self) -> dict[str, Any]:
        if self.text is not None:
            return {"text": self.text}
        return {"shape": self.shape, "values": self.values, "exact": self.exact}

    @classmethod
    def from_json(cls, payload: dict[str, Any]) -> "Recorded":
        if "text" in payload:
            return cls(text=payload["text"])
        return cls(list(payload["shape"]), list(payload["values"]), bool(payload["exact"]))


def _flatten(prefix: str, value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(f"{prefix}.{key}" if prefix else str(key), item)
    else:
        yield prefix, value


def record_value(field: str, value: Any) -> Recorded:
    """A probe's field as recorded; a value the format cannot hold is named."""
    if isinstance(value, str) or (
        isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value)
    ):
        return Recorded(text=value if isinstance(value, str) else list(value))
    if isinstance(value, torch.Tensor):
        array = value.detach().cpu().numpy()
    else:
        array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise GoldenError(f"probe field {field!r}: cannot record a {type(value).__name__}")
    if array.size > MAX_VALUES:
        raise GoldenError(
            f"probe field {field!r} holds {array.size} values (at most {MAX_VALUES}): "
            "record a summary (image_summary, a few statistics) instead"
        )
    exact = array.dtype.kind in "biu"
    values = [float(v) if exact else float(f"{v:.7g}") for v in array.astype(np.float64).ravel()]
    return Recorded(list(array.shape), values, exact)


def run_probe(item: Probe) -> dict[str, Recorded]:
    """``item``'s fields as recorded: torch and numpy seeded the same way every run, on one
    torch thread (a float sum's order depends on the thread count, and one is fastest here)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(0)
        np.random.seed(0)
        if item.trace:
            outputs, trace = calls.trace_calls(item.run, item.untraced)
        else:
            outputs = item.run()
    finally:
        torch.set_num_threads(threads)
    if item.trace:
        clash = sorted(set(outputs) & {calls.CALLS_FIELD, calls.FLOATS_FIELD})
        if clash:
            raise GoldenError(f"probe {item.name!r}: field {clash[0]!r} is kept for its calls")
        outputs = {**outputs, **trace.fields()}
    return {field: record_value(field, value) for field, value in _flatten("", outputs)}


def compare_probe(item: Probe, golden: dict[str, Recorded], got: dict[str, Recorded]) -> list[str]:
    """One line per field that is missing, new, reshaped or outside its tolerance."""
    problems = [f"{field}: no longer produced" for field in golden if field not in got]
    problems += [f"{field}: new field, not in the goldens" for field in got if field not in golden]
    for field in golden.keys() & got.keys():
        want, have = golden[field], got[field]
        if want.text is not None or have.text is not None:
            if want.text != have.text:
                problems.append(_text_change(field, want.text, have.text))
            continue
        if want.shape != have.shape:
            problems.append(f"{field}: shape {have.shape} != golden {want.shape}")
            continue
        expected, actual = np.asarray(want.values), np.asarray(have.values)
        if want.exact or have.exact:
            allowed = np.zeros_like(expected)
        else:
            allowed = item.atol + item.rtol * np.abs(expected)
        diff = np.abs(actual - expected)
        if expected.size and bool((diff > allowed).any()):
            worst = int(diff.argmax())
            where = ""
            if field == calls.FLOATS_FIELD and isinstance(golden.get(calls.CALLS_FIELD), Recorded):
                made = golden[calls.CALLS_FIELD].text
                where = f", in {calls.call_of_float(list(made or []), worst)}"
            problems.append(
                f"{field}: max |diff| {diff[worst]:.4g} at index {worst}{where} "
                f"(got {actual[worst]:.6g}, golden {expected[worst]:.6g}; "
                + ("exact)" if not allowed.any() else f"atol {item.atol:g}, rtol {item.rtol:g})")
            )
    return sorted(problems)


#: Lines of a text field's difference shown before the rest is counted.
MAX_DIFF_LINES = 24
#: A text list longer than this is compared, and stored, one item per line.
SHORT_TEXT_LIST = 8


def _text_change(field: str, want: list[str] | str | None, have: list[str] | str | None) -> str:
    """A text field that moved: short ones side by side, lists as the lines that differ."""
    short = SHORT_TEXT_LIST
    if not isinstance(want, list) or not isinstance(have, list) or len(want) + len(have) <= short:
        return f"{field}: {have!r} != golden {want!r}"
    import difflib

    lines = [
        line
        for line in difflib.unified_diff(want, have, "golden", "now", n=0, lineterm="")
        if not line.startswith(("---", "+++"))
    ]
    shown = lines[:MAX_DIFF_LINES]
    more = f"\n    ... {len(lines) - len(shown)} more lines" if len(lines) > len(shown) else ""
    body = "\n".join(f"    {line}" for line in shown)
    return f"{field}: {len(want)} golden lines, {len(have)} now; differences:\n{body}{more}"


# -- the golden file ----------------------------------------------------------------------------


def environment() -> dict[str, str]:
    """The versions a recording depends on (named when a comparison fails)."""
    import PIL

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "pillow": PIL.__version__,
        "machine": platform.machine(),
    }


@dataclass(frozen=True)
class ProbeGoldens:
    probes: dict[str, dict[str, Recorded]]
    environment: dict[str, str]
    reason: str
    created: str
    git_revision: str

    def to_json(self) -> str:
        """One line per field, so a diff of a regeneration shows exactly the fields that moved."""
        header = {
            "format": FORMAT,
            "regenerate": REGENERATE_PROBES,
            "created": self.created,
            "git_revision": self.git_revision,
            "reason": self.reason,
            "environment": self.environment,
        }
        lines = ["{"] + [
            f" {json.dumps(key)}: {json.dumps(value)}," for key, value in header.items()
        ]
        lines.append(' "probes": {')
        for index, (name, fields) in enumerate(sorted(self.probes.items())):
            lines.append(f"  {json.dumps(name)}: {{")
            entries = sorted(fields.items())
            for position, (field, value) in enumerate(entries):
                comma = "," if position < len(entries) - 1 else ""
                if isinstance(value.text, list) and len(value.text) > SHORT_TEXT_LIST:
                    # A long text list, one item per line: a diff then shows the items that moved.
                    lines.append(f'   {json.dumps(field)}: {{"text": [')
                    items = [f"    {json.dumps(text)}" for text in value.text]
                    lines.append(",\n".join(items))
                    lines.append(f"   ]}}{comma}")
                    continue
                lines.append(f"   {json.dumps(field)}: {json.dumps(value.to_json())}{comma}")
            lines.append("  }" + ("," if index < len(self.probes) - 1 else ""))
        lines += [" }", "}"]
        return "\n".join(lines) + "\n"


def read_probe_goldens(path: str | os.PathLike) -> ProbeGoldens:
    """The recorded probes; a missing or unreadable file names the command that writes it."""
    path = Path(path)
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        if payload.get("format") != FORMAT:
            raise ValueError(f"format {payload.get('format')!r}, expected {FORMAT}")
        probes = {
            name: {field: Recorded.from_json(value) for field, value in fields.items()}
            for name, fields in payload["probes"].items()
        }
        return ProbeGoldens(
            probes,
            dict(payload["environment"]),
            payload["reason"],
            payload["created"],
            payload["git_revision"],
        )
    except FileNotFoundError:
        raise GoldenError(f"no probe goldens at {path}; write them with {REGENERATE_PROBES}")
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise GoldenError(
            f"probe goldens {path} are unreadable ({error}); rewrite them with "
            f"{REGENERATE_PROBES}"
        ) from error


def mismatch_report(name: str, problems: list[str], recorded: dict[str, str]) -> str:
    """The failure message of one probe: what moved, and how to accept it if deliberate."""
    lines = [f"probe {name!r} no longer behaves as recorded:"]
    lines += [f"  {problem}" for problem in problems]
    now = environment()
    moved = [
        f"{key} {recorded.get(key)} -> {now[key]}" for key in now if recorded.get(key) != now[key]
    ]
    if moved:
        lines.append(f"  (recorded with other versions: {', '.join(moved)})")
    lines.append(f"If this change is deliberate: {REGENERATE_PROBES}")
    return "\n".join(lines)


def regenerate_probes(reason: str, goldens_dir: str | os.PathLike) -> tuple[Path, "ChangelogEntry"]:
    """Run every probe, write the goldens and append a changelog entry naming what moved."""
    import datetime

    from text_recognizer.provenance import git_revision

    if not reason or not reason.strip():
        raise GoldenError("regenerating the probe goldens needs a reason (--reason)")
    path = Path(goldens_dir) / PROBES_FILE
    previous = read_probe_goldens(path) if path.is_file() else None
    probes = all_probes()
    lacking = sorted({module for item in probes.values() for module in item.missing()})
    if lacking:
        raise GoldenError(
            f"recording every probe needs {', '.join(lacking)}: install the 'serve' and "
            "'dev' extras first"
        )
    recorded = {name: run_probe(item) for name, item in probes.items()}
    changes = [] if previous else [f"first recording of {len(recorded)} probes"]
    for name, fields in recorded.items():
        if previous is None:
            break
        if name not in previous.probes:
            changes.append(f"{name}: new probe")
        else:
            problems = compare_probe(probes[name], previous.probes[name], fields)
            changes += [f"{name}: {problem}" for problem in problems]
    if previous is not None:
        changes += [f"{name}: removed" for name in previous.probes if name not in recorded]
    goldens = ProbeGoldens(
        recorded,
        environment(),
        reason,
        datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        git_revision(short=True),
    )
    atomic_write_text(path, goldens.to_json())
    entry = ChangelogEntry(
        file=PROBES_FILE,
        reason=reason,
        metric="probes recorded",
        old_metric=float(len(previous.probes)) if previous else None,
        new_metric=float(len(recorded)),
        old_model=None,
        new_model="pipeline probes",
        changes=changes,
    )
    append_changelog(goldens_dir, [entry])
    return path, entry
