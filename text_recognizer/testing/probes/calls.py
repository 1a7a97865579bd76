"""The calls a probe makes into the package, with the arguments each received, recorded.

A probe's outputs show what a piece of the pipeline *returned*; they say nothing of how it got
there. Many quiet bugs live on the way: an option that no longer reaches the call it configures
(``stage(half=True)`` exporting float32 weights once calibration is on), a default that changed
(label smoothing on by default), a limit one short (``max_tokens - 1``), a mode forced where the
caller asked for ``auto``. Each changes the arguments some function inside the package receives,
often long before an output moves enough for a probe's tolerance to notice.

:func:`trace_calls` runs a function under :func:`sys.setprofile` and keeps, for every call into
``text_recognizer`` (outside :mod:`text_recognizer.testing`), its qualified name and its
arguments summarised: scalars and short strings as they are, tensors and arrays by shape and
dtype, images by mode and size, dataclasses by their fields, temporary paths masked, floats
kept apart so that they are compared with the probe's tolerance rather than as text. Identical
calls are counted rather than repeated, so a loop one iteration short shows as a count moved.

Only the calling thread is traced (:func:`sys.setprofile` is per thread): a worker thread's call
count depends on timing.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import inspect
import os
import re
import sys
from pathlib import Path, PurePath
from types import CodeType, FrameType
from typing import Any, Callable

import numpy as np
import torch

_PACKAGE_DIR = str(Path(__file__).resolve().parents[2]) + os.sep
#: The checkout (or install) the package runs from, masked in records: a clone elsewhere records
#: the same.
CHECKOUT = str(Path(__file__).resolve().parents[3]) + os.sep
_TESTING_DIR = os.path.join(_PACKAGE_DIR, "testing") + os.sep
#: Generator and coroutine frames resume with a "call" event each time: only the first counts,
#: told by the RESUME instruction the frame stands at (argument 0: the start; Python >= 3.11).
_RESUMABLE = (
    inspect.CO_GENERATOR
    | inspect.CO_COROUTINE
    | inspect.CO_ITERABLE_COROUTINE
    | inspect.CO_ASYNC_GENERATOR
)
#: How much of a string, a sequence or a nesting is shown before it is summarised.
MAX_TEXT = 48
MAX_ITEMS = 6
MAX_DEPTH = 2
#: Floats recorded for one probe's calls, at most (the first ones).
MAX_FLOATS = 512
#: Fields a traced probe records besides its own.
CALLS_FIELD = "package_calls"
FLOATS_FIELD = "package_call_floats"
FLOAT_MARK = "~f"
#: Arguments (and fields) that carry a measured time, and any named ``*_seconds``: shown as
#: ``<time>``, since no two runs agree on them.
WALL_CLOCK = frozenset(
    {
        "seconds",
        "seconds_per_sample",
        "elapsed",
        "deadline",
        "remaining",
        "started",
        "enqueued",
        "now",
    }
)
#: Distinct argument sets of one function shown one per line, at most (see CallTrace.fields).
MAX_VARIANTS = 16
#: A call's text beyond this is cut, and a digest of the whole appended, to keep lines readable.
MAX_CALL = 240
_TEMPORARY = re.compile(r"/tmp/[^\s'\",)]*|/var/folders/[^\s'\",)]*")
#: An object's address in a repr: blanked, as no two runs agree on it.
ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")


@dataclasses.dataclass
class CallTrace:
    """Distinct calls, each with its count and the floats it carried."""

    calls: list[str] = dataclasses.field(default_factory=list)
    counts: list[int] = dataclasses.field(default_factory=list)
    floats: list[list[float]] = dataclasses.field(default_factory=list)
    _index: dict[str, int] = dataclasses.field(default_factory=dict, repr=False)

    def add(self, signature: str, floats: list[float], count: int = 1) -> None:
        """Count a call; a repeated one keeps the floats of its first occurrence."""
        position = self._index.get(signature)
        if position is None:
            self._index[signature] = len(self.calls)
            self.calls.append(signature)
            self.counts.append(count)
            self.floats.append(list(floats))
        else:
            self.counts[position] += count

    def fields(self) -> dict[str, Any]:
        """What a probe records: :data:`CALLS_FIELD`, one ``"COUNTx module.function(arguments)"``
        per distinct call (held exactly), and :data:`FLOATS_FIELD`, the floats shown as ``~f``
        in them, in order (held to the probe's tolerance; at most :data:`MAX_FLOATS`).

        A function called with more than :data:`MAX_VARIANTS` distinct arguments (a per-word or
        per-sample helper) takes one line: its calls, its distinct argument sets and a digest of
        them all, in order; a change still shows, as that function's digest moving.
        """
        names = [call.split("(", 1)[0] for call in self.calls]
        groups: dict[str, list[int]] = {}
        for position, name in enumerate(names):
            groups.setdefault(name, []).append(position)
        made: list[str] = []
        floats: list[float] = []
        # Sorted, not in call order: a set's iteration order changes from process to process.
        for position in sorted(range(len(self.calls)), key=self.calls.__getitem__):
            members = groups[names[position]]
            if len(members) <= MAX_VARIANTS:
                made.append(f"{self.counts[position]}x {self.calls[position]}")
                floats += self.floats[position]
            elif position == min(members, key=self.calls.__getitem__):
                made.append(self._collapsed(names[position], members))
        recorded: dict[str, Any] = {CALLS_FIELD: made or ["(no package calls)"]}
        if floats:
            recorded[FLOATS_FIELD] = np.asarray(floats[:MAX_FLOATS], dtype=np.float64)
        return recorded

    def _collapsed(self, name: str, members: list[int]) -> str:
        digest = hashlib.sha1()
        for position in sorted(members, key=self.calls.__getitem__):
            digest.update(f"{self.counts[position]}x {self.calls[position]}\n".encode("utf-8"))
        total = sum(self.counts[position] for position in members)
        return f"{total}x {name}(<{len(members)} distinct argument sets>)#{digest.hexdigest()[:10]}"


def call_of_float(calls: list[str], index: int) -> str:
    """The recorded call that carried float number ``index`` of :data:`FLOATS_FIELD`."""
    seen = 0
    for call in calls:
        here = call.count(FLOAT_MARK)
        if index < seen + here:
            return call
        seen += here
    return "(beyond the recorded calls)"


class _Summariser:
    """Arguments as short, stable text; floats replaced by ``~f`` and collected in order."""

    def __init__(self) -> None:
        self.floats: list[float] = []

    def __call__(self, value: Any, depth: int = 0) -> str:
        if value is None or isinstance(value, (bool, enum.Enum)):
            return repr(value)
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            return self.float(value)
        if isinstance(value, str):
            return repr(_mask(value)[:MAX_TEXT])
        if isinstance(value, bytes):
            return "bytes"  # a serialised archive's length varies from run to run
        if isinstance(value, PurePath):
            return f"Path({_mask(str(value))[:MAX_TEXT]!r})"
        if isinstance(value, torch.Tensor):
            shape = ",".join(str(int(size)) for size in value.shape)
            return f"Tensor[{shape}]:{str(value.dtype).removeprefix('torch.')}"
        if isinstance(value, np.ndarray):
            return f"ndarray[{','.join(str(size) for size in value.shape)}]:{value.dtype}"
        if isinstance(value, np.generic):
            return self(value.item(), depth)
        if isinstance(value, torch.nn.Module):
            return type(value).__name__
        if _is_image(value):
            return f"Image[{value.mode},{value.width}x{value.height}]"
        if depth >= MAX_DEPTH:
            return type(value).__name__
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            inner = ", ".join(
                self.named(field.name, getattr(value, field.name), depth + 1)
                for field in dataclasses.fields(value)
            )
            return f"{type(value).__name__}({inner})"
        if isinstance(value, (list, tuple)):
            if len(value) > MAX_ITEMS:
                return f"{type(value).__name__}[{len(value)}]"
            inner = ", ".join(self(item, depth + 1) for item in value)
            return f"[{inner}]" if isinstance(value, list) else f"({inner})"
        if isinstance(value, dict):
            if len(value) > MAX_ITEMS:
                return f"dict[{len(value)}]"
            inner = ", ".join(self.named(str(key), item, depth + 1) for key, item in value.items())
            return "{" + _mask(inner) + "}"
        return type(value).__name__

    def named(self, name: str, value: Any, depth: int = 0) -> str:
        """``name=value``; a measured time as ``<time>``, since no two runs agree on it."""
        if isinstance(value, float) and (name in WALL_CLOCK or name.endswith("_seconds")):
            return f"{name}=<time>"
        return f"{name}={self(value, depth)}"

    def float(self, value: float) -> str:
        if not np.isfinite(value):
            return repr(value)
        self.floats.append(value)
        return FLOAT_MARK


def _is_image(value: Any) -> bool:
    module = type(value).__module__
    return module.startswith("PIL.") and hasattr(value, "mode") and hasattr(value, "width")


def _mask(text: str) -> str:
    """Temporary folders, the checkout's own path and object addresses made the same on every
    machine."""
    text = text.replace(CHECKOUT, "<checkout>/")
    return ADDRESS.sub("0x-", _TEMPORARY.sub("<tmp>", text))


def _traced(code: CodeType) -> bool:
    filename = code.co_filename
    if not filename.startswith(_PACKAGE_DIR) or filename.startswith(_TESTING_DIR):
        return False
    if not code.co_flags & inspect.CO_OPTIMIZED:
        return False  # a class body, run once, on the first import
    return not code.co_name.startswith("<")  # comprehensions and lambdas: their caller is enough


def _arguments(frame: FrameType) -> list[tuple[str, Any]]:
    code = frame.f_code
    count = code.co_argcount + code.co_kwonlyargcount
    count += bool(code.co_flags & inspect.CO_VARARGS) + bool(code.co_flags & inspect.CO_VARKEYWORDS)
    names = code.co_varnames[:count]
    local = frame.f_locals
    return [(name, local[name]) for name in names if name in local and name != "self"]


def shorten_call(signature: str) -> str:
    """``signature``, or past :data:`MAX_CALL` characters its start, the ``~f`` marks of the
    rest (so floats stay countable per call) and a digest of the whole."""
    if len(signature) <= MAX_CALL:
        return signature
    digest = hashlib.sha1(signature.encode("utf-8")).hexdigest()[:10]
    cut = signature[: MAX_CALL - 16]
    hidden = signature.count(FLOAT_MARK) - cut.count(FLOAT_MARK)
    floats = f"[{','.join([FLOAT_MARK] * hidden)}]" if hidden else ""  # kept countable
    return f"{cut}...{floats}#{digest}"


#: The code of every ``functools``-cached function in the package: see :func:`_note_cached`.
_CACHED: set[CodeType] = set()


def _note_cached(namespace: dict[str, Any]) -> None:
    """Remember the cached functions in a module's namespace.

    A cached function's body runs only on a miss, so whether its calls show would depend on
    which probes ran before in the same process: those bodies, and all they call, go unrecorded,
    hit or miss. (Clearing the caches instead costs seconds: the corpus is filtered again.)
    """
    for value in list(namespace.values()):
        wrapped = getattr(value, "__wrapped__", None)
        if hasattr(value, "cache_info") and hasattr(wrapped, "__code__"):
            _CACHED.add(wrapped.__code__)


#: Package modules whose cached functions are noted (a module defines them when imported).
_NOTED: set[str] = set()


def _note_loaded_modules() -> None:
    for name, module in list(sys.modules.items()):
        if name in _NOTED or not name.startswith("text_recognizer."):
            continue
        if not name.startswith("text_recognizer.testing"):
            _note_cached(vars(module))
        _NOTED.add(name)


#: Results built once per process by :func:`memoised`.
_MEMO: dict[str, Any] = {}


def memoised(key: str, build: Callable[[], Any]) -> Any:
    """``build()``, run once per process and shared by every probe that asks for ``key``.

    The build runs with no trace, whichever probe asks first, so what a probe records does
    not depend on the order probes ran in; the probes record what the build's result says.
    (Tracing a great-expectations run would also cost seconds for each.)
    """
    if key not in _MEMO:
        previous = sys.getprofile()
        sys.setprofile(None)
        try:
            _MEMO[key] = build()
        finally:
            sys.setprofile(previous)
        _note_loaded_modules()  # modules the build imported, unseen by the hook
    return _MEMO[key]


_IGNORED, _RECORDED, _IMPORT, _CACHED_BODY = range(4)


def summarise_arguments(arguments: list[tuple[str, Any]]) -> tuple[str, list[float]]:
    """``"name=value, ..."`` as a call is recorded, and the floats shown in it as ``~f``."""
    summarise = _Summariser()
    return ", ".join(summarise.named(key, value) for key, value in arguments), summarise.floats


def _record(trace: CallTrace, name: str, frame: FrameType) -> None:
    arguments, floats = summarise_arguments(_arguments(frame))
    trace.add(shorten_call(f"{name}({arguments})"), floats)


def trace_calls(
    function: Callable[[], Any], untraced: tuple[str, ...] = ()
) -> tuple[Any, CallTrace]:
    """``function()``'s result and the package calls it made (see the module's docstring).

    ``untraced``: calls whose ``module.qualname`` (without ``text_recognizer.``) starts with one
    of these are left out, for a call whose arguments differ from run to run (a file size that
    serialisation varies, a readiness poll whose count depends on a thread's timing).
    """
    trace = CallTrace()
    # What each code object is, decided on its first call: the hook runs on every call and
    # return in the process (the library's too), so it must be quick to leave.
    verdicts: dict[CodeType, tuple[int, str]] = {}
    importing = 0  # module bodies running now: what they call happens on a first import only
    cached = 0  # cached functions' bodies running now (see _note_cached)

    def verdict(code: CodeType, globals_: dict[str, Any]) -> tuple[int, str]:
        """What ``code`` is, and the ``module.qualname`` a recorded call is listed under."""
        if code.co_name == "<module>":
            return _IMPORT, ""
        if code in _CACHED:
            return _CACHED_BODY, ""
        if not _traced(code):
            return _IGNORED, ""
        module = globals_.get("__name__", "?").removeprefix("text_recognizer.")
        name = f"{module}.{code.co_qualname}"
        if untraced and name.startswith(untraced):
            return _IGNORED, ""
        return _RECORDED, name

    def profile(frame: FrameType, event: str, _arg: Any) -> None:
        nonlocal importing, cached
        if event == "call":
            code = frame.f_code
            known = verdicts.get(code)
            if known is None:
                known = verdicts[code] = verdict(code, frame.f_globals)
            kind, name = known
            if kind == _IGNORED:
                return
            if kind == _IMPORT:
                importing += 1
            elif kind == _CACHED_BODY:
                cached += 1
            elif not (importing or cached):
                if code.co_flags & _RESUMABLE and code.co_code[frame.f_lasti + 1] & 3:
                    return  # a generator resumed (its RESUME names why: 0 is the first entry)
                _record(trace, name, frame)
        elif event == "return":
            kind = verdicts.get(frame.f_code, (_IGNORED, ""))[0]
            if kind == _IMPORT:
                importing -= 1
                if frame.f_code.co_filename.startswith(_PACKAGE_DIR):
                    _note_cached(frame.f_globals)
            elif kind == _CACHED_BODY:
                cached -= 1

    _note_loaded_modules()
    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        result = function()
    finally:
        sys.setprofile(previous)
    return result, trace
