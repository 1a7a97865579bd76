"""Every option of the inference commands reaches the call it configures.

An option that is parsed and then dropped still parses, prints and exits 0; only the call it
should configure can tell. Each test stands in for that call, records what it received and stops
the command there.
"""

from __future__ import annotations

import argparse

import pytest

from text_recognizer.cli import main
from text_recognizer.cli.common import int_at_least


class Reached(Exception):
    """Raised by a stand-in once it has recorded its arguments: the command goes no further."""


@pytest.fixture
def received(monkeypatch) -> dict:
    """Stand-ins for Recognizer.load, evaluate_folder and stage; what each was called with."""
    from text_recognizer import evaluation, recognizer
    from text_recognizer.training import stage as staging

    calls: dict = {}

    def stand_in(name: str, stop: bool):
        def record(*args, **kwargs):
            calls[name] = (args, kwargs)
            if stop:
                raise Reached(name)
            return object()

        return record

    monkeypatch.setattr(recognizer.Recognizer, "load", stand_in("load", stop=False))
    monkeypatch.setattr(recognizer, "default_threads", lambda: 3)
    monkeypatch.setattr(evaluation, "evaluate_folder", stand_in("evaluate_folder", stop=True))
    monkeypatch.setattr(staging, "stage", stand_in("stage", stop=True))
    return calls


def test_predict_passes_model_backend_beam_and_threads_to_the_recognizer(received):
    with pytest.raises(AttributeError):  # the stand-in recognizer cannot predict
        main(["predict", "a.png", "--model", "m", "--backend", "torchscript", "--beam", "4"])
    args, kwargs = received["load"]
    assert args == ("m",)
    assert kwargs == {"backend": "torchscript", "threads": 3, "beam_width": 4}


def test_predict_decodes_greedily_unless_asked_for_a_beam(received):
    with pytest.raises(AttributeError):
        main(["predict", "a.png"])
    assert received["load"][1]["beam_width"] == 1


def test_evaluate_passes_backend_split_limit_and_batch_size_on(received):
    argv = ["evaluate", "--model", "m", "--data", "d", "--split", "val", "--limit", "7"]
    with pytest.raises(Reached):
        main(argv + ["--batch-size", "5", "--backend", "onnx"])
    assert received["load"] == (("m",), {"backend": "onnx", "threads": 3})
    args, kwargs = received["evaluate_folder"]
    assert (args[1:], kwargs) == (("d", "val", 7, 5), {})


def test_stage_passes_every_option_on(received):
    argv = ["stage", "c.ckpt", "--out", "o", "--samples", "2", "--seed", "5", "--keep", "onnx"]
    argv += ["--half", "--eval-data", "e", "--eval-limit", "6", "--calibration-data", "k"]
    with pytest.raises(Reached):
        main(argv + ["--calibration-limit", "9"])
    assert received["stage"] == (
        ("c.ckpt", "o"),
        {
            "samples": 2,
            "seed": 5,
            "formats": ["onnx"],
            "half": True,
            "eval_data": "e",
            "eval_limit": 6,
            "calibration_data": "k",
            "calibration_limit": 9,
        },
    )


def test_stage_keeps_both_exports_in_float32_by_default(received):
    with pytest.raises(Reached):
        main(["stage", "c.ckpt", "--out", "o"])
    kwargs = received["stage"][1]
    assert kwargs["formats"] == ["torchscript", "onnx"] and kwargs["half"] is False
    assert (kwargs["samples"], kwargs["seed"], kwargs["calibration_limit"]) == (4, 0, 800)


@pytest.mark.parametrize("minimum", [0, 1, 8])
def test_an_integer_option_accepts_its_minimum_and_refuses_one_less(minimum):
    parse = int_at_least(minimum)
    assert parse(str(minimum)) == minimum and parse(str(minimum + 1)) == minimum + 1
    with pytest.raises(argparse.ArgumentTypeError, match=f">= {minimum}, got {minimum - 1}"):
        parse(str(minimum - 1))
