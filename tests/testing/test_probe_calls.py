"""What a probe records of the calls it makes into the package (testing/probes/calls.py)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch

from text_recognizer.data import fake, page, preprocess
from text_recognizer.errors import GoldenError
from text_recognizer.models.line_ctc import reverse_within_lengths
from text_recognizer.testing import probes
from text_recognizer.testing.probes import calls
from text_recognizer.training.throughput import strict_fp32


def recorded(function, untraced: tuple[str, ...] = ()) -> list[str]:
    """The call lines a probe running ``function`` would record."""
    _, trace = calls.trace_calls(function, untraced)
    return trace.fields()[calls.CALLS_FIELD]


def traced_probe(function, name: str = "stage/traced") -> probes.Probe:
    return probes.Probe(name, function, 1e-4, 1e-4)


def test_a_package_call_is_recorded_with_its_arguments_by_name():
    assert recorded(lambda: preprocess.round_up(79, 16)) == [
        "1x data.preprocess.round_up(value=79, multiple=16)"
    ]


def test_a_default_argument_is_recorded_as_the_callee_received_it():
    (line,) = recorded(lambda: preprocess.round_up(79))
    assert f"multiple={preprocess.WIDTH_MULTIPLE})" in line


def test_identical_calls_are_counted_and_distinct_ones_listed():
    def work():
        for _ in range(3):
            preprocess.round_up(5, 4)
        preprocess.round_up(6, 4)

    assert recorded(work) == [
        "3x data.preprocess.round_up(value=5, multiple=4)",
        "1x data.preprocess.round_up(value=6, multiple=4)",
    ]


def test_calls_are_listed_in_a_fixed_order_whatever_order_they_were_made_in():
    def forwards():
        preprocess.round_up(1, 4)
        preprocess.round_up(2, 4)

    def backwards():
        preprocess.round_up(2, 4)
        preprocess.round_up(1, 4)

    assert recorded(forwards) == recorded(backwards)


def test_only_the_package_is_recorded_not_the_probe_nor_the_libraries():
    def helper_in_the_test(value: int) -> int:
        return value + 1

    assert recorded(lambda: helper_in_the_test(np.sum([1, 2]))) == ["(no package calls)"]


def test_tensors_and_arrays_are_recorded_by_shape_and_dtype_not_values():
    x, lengths = torch.randn(2, 5, 3), torch.tensor([5, 2])
    (line,) = recorded(lambda: reverse_within_lengths(x, lengths))
    assert line == (
        "1x models.line_ctc.reverse_within_lengths(x=Tensor[2,5,3]:float32, "
        "lengths=Tensor[2]:int64)"
    )


def test_floats_are_held_apart_and_located_in_their_call():
    gray = np.zeros((4, 4), dtype=np.uint8)
    _, trace = calls.trace_calls(lambda: page.quantiles(gray, 0.25, 0.5))
    fields = trace.fields()
    assert fields[calls.CALLS_FIELD] == [
        "1x data.page.quantiles(gray=ndarray[4,4]:uint8, shares=(~f, ~f))"
    ]
    assert fields[calls.FLOATS_FIELD].tolist() == [0.25, 0.5]
    assert calls.call_of_float(fields[calls.CALLS_FIELD], 1).startswith("1x data.page.quantiles")


def test_a_float_argument_moved_beyond_the_tolerance_is_a_difference_naming_the_call():
    gray = np.zeros((4, 4), dtype=np.uint8)
    share = [0.5]
    item = traced_probe(lambda: {"rows": page.quantiles(gray, share[0])})
    golden = probes.run_probe(item)
    share[0] = 0.5 + 1e-6
    assert probes.compare_probe(item, golden, probes.run_probe(item)) == []
    share[0] = 0.6
    (problem,) = probes.compare_probe(item, golden, probes.run_probe(item))
    assert problem.startswith(calls.FLOATS_FIELD) and "in 1x data.page.quantiles" in problem


def test_an_argument_that_stops_reaching_its_call_is_a_difference():
    multiple = [16]
    item = traced_probe(lambda: {"width": float(preprocess.round_up(64, multiple[0]))})
    golden = probes.run_probe(item)
    multiple[0] = 32  # same output (64), another argument on the way
    (problem,) = probes.compare_probe(item, golden, probes.run_probe(item))
    assert problem.startswith(calls.CALLS_FIELD)
    assert "round_up(value=64, multiple=16)" in problem
    assert "round_up(value=64, multiple=32)" in problem


def test_temporary_paths_and_object_addresses_are_masked(tmp_path):
    text, floats = calls.summarise_arguments(
        [("path", tmp_path / "a.png"), ("name", f"{tmp_path}/b at 0x7f3a2b1c9d00")]
    )
    assert text == "path=Path('<tmp>'), name='<tmp> at 0x-'" and floats == []


def test_a_path_inside_the_checkout_is_recorded_the_same_wherever_it_is_cloned():
    source = Path(calls.__file__).resolve().parents[3] / "training" / "configs" / "x.yaml"
    text, _ = calls.summarise_arguments([("source", str(source))])
    assert text == "source='<checkout>/training/configs/x.yaml'"


def test_measured_times_are_not_recorded():
    @dataclass
    class Job:
        size: int
        enqueued: float

    text, floats = calls.summarise_arguments(
        [("seconds", 0.123), ("load_seconds", 4.5), ("job", Job(2, 812.5)), ("scale", 0.5)]
    )
    assert text == (
        "seconds=<time>, load_seconds=<time>, job=Job(size=2, enqueued=<time>), scale=~f"
    )
    assert floats == [0.5]


def test_long_sequences_and_deep_nesting_are_summarised():
    text, _ = calls.summarise_arguments(
        [("many", list(range(50))), ("deep", [[[1]]]), ("blob", b"abc"), ("path", Path("x"))]
    )
    assert text == "many=list[50], deep=[[list]], blob=bytes, path=Path('x')"


def test_a_long_call_is_cut_with_a_digest_and_keeps_its_floats_countable():
    call = "f(" + ", ".join(f"share{step}=~f" for step in range(60)) + ")"
    shortened = calls.shorten_call(call)
    assert len(shortened) < calls.MAX_CALL + 3 * 60 and shortened.count(calls.FLOAT_MARK) == 60
    other = calls.shorten_call(call.replace("share59", "share_59"))
    assert shortened != other and shortened[:100] == other[:100]
    assert calls.shorten_call("f(x=1)") == "f(x=1)"


def test_a_function_called_with_many_argument_sets_takes_one_line_with_a_digest():
    def values(offset: int):
        return lambda: [preprocess.round_up(value, 4) for value in range(offset, offset + 40)]

    first, shifted = recorded(values(0)), recorded(values(1))
    (line,) = first
    assert line.startswith("40x data.preprocess.round_up(<40 distinct argument sets>)#")
    assert shifted != first


def test_calls_from_another_thread_are_not_recorded():
    def work():
        worker = threading.Thread(target=lambda: preprocess.round_up(3, 4))
        worker.start()
        worker.join()
        preprocess.round_up(1, 4)

    assert recorded(work) == ["1x data.preprocess.round_up(value=1, multiple=4)"]


def test_a_generator_is_recorded_once_however_often_it_resumes():
    def work():
        with strict_fp32():
            pass

    assert recorded(work) == ["1x training.throughput.strict_fp32()"]


def test_a_cached_function_records_the_same_whether_its_cache_is_cold_or_warm():
    def cold():
        fake._font.cache_clear()
        fake._font(21)
        preprocess.round_up(1, 4)

    def warm():
        fake._font(21)
        preprocess.round_up(1, 4)

    assert recorded(cold) == recorded(warm) == ["1x data.preprocess.round_up(value=1, multiple=4)"]


def test_untraced_calls_are_left_out():
    def work():
        preprocess.round_up(1, 4)
        page.quantiles(np.zeros((2, 2), dtype=np.uint8), 0.5)

    assert recorded(work, untraced=("data.page.",)) == [
        "1x data.preprocess.round_up(value=1, multiple=4)"
    ]


def test_a_memoised_build_runs_once_and_records_nothing_in_any_probe():
    builds = []

    def build():
        builds.append(1)
        return preprocess.round_up(9, 4)

    key = "test_probe_calls/build"
    calls._MEMO.pop(key, None)
    first = recorded(lambda: calls.memoised(key, build))
    again = recorded(lambda: calls.memoised(key, build))
    assert first == again == ["(no package calls)"] and builds == [1]
    calls._MEMO.pop(key, None)


def test_a_traced_probe_may_not_use_the_fields_kept_for_its_calls():
    item = traced_probe(lambda: {calls.CALLS_FIELD: "mine"})
    with pytest.raises(GoldenError, match="kept for its calls"):
        probes.run_probe(item)


def test_an_untraced_probe_records_its_outputs_only():
    item = probes.Probe("stage/plain", lambda: {"x": preprocess.round_up(1, 4)}, 0, 0, trace=False)
    assert set(probes.run_probe(item)) == {"x"}


def test_a_long_list_of_calls_is_written_one_per_line(tmp_path):
    goldens = probes.ProbeGoldens(
        {"stage/a": {calls.CALLS_FIELD: probes.Recorded(text=[f"1x f(i={i})" for i in range(10)])}},
        {},
        "why",
        "now",
        "rev",
    )
    text = goldens.to_json()
    assert '    "1x f(i=3)",\n    "1x f(i=4)"' in text
    path = tmp_path / probes.PROBES_FILE
    path.write_text(text, encoding="utf-8")
    assert probes.read_probe_goldens(path).probes == goldens.probes


def test_a_moved_call_in_a_long_list_is_shown_as_the_lines_that_differ():
    item = traced_probe(lambda: {})
    before = [f"1x f(i={i})" for i in range(12)]
    after = before[:5] + ["1x f(i=five)"] + before[6:]
    golden = {calls.CALLS_FIELD: probes.Recorded(text=before)}
    (problem,) = probes.compare_probe(
        item, golden, {calls.CALLS_FIELD: probes.Recorded(text=after)}
    )
    assert problem.splitlines()[1:] == ["    @@ -6 +6 @@", "    -1x f(i=5)", "    +1x f(i=five)"]
