"""Exported TorchScript/ONNX models match the eager model within the stated tolerance.

The tolerance (``export_parity.PARITY_ATOL``/``PARITY_RTOL``) is documented in the export module.
These checks use shapes the export never saw, so a size frozen by tracing would fail them.
"""

from __future__ import annotations

import pytest
import torch

from text_recognizer import export, export_parity
from text_recognizer.errors import ExportParityError
from text_recognizer.staging import load_staged


def line_batch(widths: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    images = torch.zeros(len(widths), 1, 40, max(widths) + 16)
    for row, width in enumerate(widths):
        images[row, :, :, :width] = torch.rand(1, 40, width)
    return images, torch.tensor(widths)


def test_torchscript_lines_match_eager_on_unseen_shapes(staged_lines):
    staged = load_staged(staged_lines.folder)
    scripted = export.load_torchscript(staged_lines.folder / "model.ts")
    images, widths = line_batch([37, 250, 129])
    results = export_parity.check_parity(
        staged.model, images, widths, {"ts": {"forward": scripted}}
    )
    assert all(result.passed for result in results), results


def test_onnx_lines_match_eager_on_unseen_shapes(staged_lines):
    pytest.importorskip("onnxruntime")
    staged = load_staged(staged_lines.folder)
    runner = export.onnx_runner(export.onnx_session(staged_lines.folder / "model.onnx"))
    for widths in ([37, 250, 129], [500]):
        images, lengths = line_batch(widths)
        results = export_parity.check_parity(
            staged.model, images, lengths, {"onnx": {"forward": runner}}
        )
        assert all(result.passed for result in results), results


@pytest.mark.slow  # stages a paragraph model: ~10 s of tracing and export on 2 cores
def test_paragraph_exports_match_eager_over_decoder_steps(staged_paragraphs):
    pytest.importorskip("onnxruntime")
    folder = staged_paragraphs.folder
    staged = load_staged(folder)
    scripted = export.load_torchscript(folder / "model.ts")
    backends = {
        "torchscript": {"encode": scripted.encode, "decode_step": scripted.decode_step},
        "onnx": {
            "encode": export.onnx_runner(export.onnx_session(folder / "model.onnx")),
            "decode_step": export.onnx_runner(export.onnx_session(folder / "model.decoder.onnx")),
        },
    }
    images = torch.rand(3, 1, 512, 512)
    results = export_parity.check_parity(staged.model, images, None, backends, steps=5)
    assert [result.backend for result in results] == ["torchscript", "onnx"]
    assert all(result.passed for result in results), results


def test_parity_check_catches_a_model_with_other_weights(staged_lines):
    staged = load_staged(staged_lines.folder)
    other = load_staged(staged_lines.folder).model
    with torch.no_grad():
        other.head.weight.mul_(1.05)  # a bias shift would cancel in log_softmax
    images, widths = line_batch([64, 90])
    results = export_parity.check_parity(
        staged.model, images, widths, {"other": {"forward": other}}
    )
    assert not results[0].passed
    with pytest.raises(ExportParityError, match="other forward"):
        export_parity.require_parity(results)


@pytest.mark.parametrize("steps", [1, 3, 6])
def test_the_exported_decoder_step_replays_the_full_decoder_step_by_step(steps):
    """The wrapper every paragraph export traces, run eagerly on random weights: feeding tokens
    one at a time with the growing past gives the logits of the whole teacher-forced decoder.
    (Export parity compares backends with this wrapper, so it cannot see the wrapper's bugs.)"""
    from text_recognizer.models import build_model
    from text_recognizer.vocab import DEFAULT_VOCABULARY

    torch.manual_seed(steps)
    model = build_model("paragraph_transformer", "tiny").eval()
    config = model.config
    images = torch.rand(2, 1, config.image_height, config.image_width)
    tokens = torch.randint(0, len(DEFAULT_VOCABULARY), (2, steps))
    tokens[:, 0] = DEFAULT_VOCABULARY.start_index
    with torch.inference_mode():
        full = model(images, tokens)
        rollout = export_parity._paragraph_rollout(
            export.ParagraphEncoder(model), export.ParagraphDecoderStep(model), images, tokens
        )
    step_logits = torch.stack(rollout[2 : 2 + steps], dim=1)
    torch.testing.assert_close(step_logits, full, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("kind", ["line_ctc", "paragraph_transformer"])
@pytest.mark.parametrize("training", [False, True])
def test_every_export_part_is_in_its_models_mode(kind, training):
    """Exporters put the module they export back into *its own* mode, recursively: a wrapper
    created in train mode around an eval model would leave the model training after export
    (dropout on, BatchNorm statistics updating) and be traced with dropout."""
    from text_recognizer.models import build_model

    model = build_model(kind, "tiny").train(training)
    for part in export.export_parts(model):
        modes = {module.training for module in part.module.modules()}
        assert modes == {training}, part.name


@pytest.mark.parametrize("kept", [0, 1])
def test_a_backend_returning_fewer_outputs_than_eager_fails_parity(kept):
    """zip() stops at the shorter tuple: the outputs a backend lost must fail, not be skipped."""
    expected = [torch.ones(2, 3), torch.tensor([3, 1])]
    result = export_parity.compare("onnx", "forward", expected, expected[:kept])
    assert not result.passed


def test_equal_outputs_pass_parity_and_a_changed_length_fails_it():
    expected = [torch.ones(2, 3), torch.tensor([3, 1])]
    assert export_parity.compare("onnx", "forward", expected, list(expected)).passed
    lengths = [expected[0], torch.tensor([3, 2])]
    assert not export_parity.compare("onnx", "forward", expected, lengths).passed


def _shifted_backends(model: torch.nn.Module, shift: float) -> dict:
    """A backend computing exactly what eager does, plus ``shift`` on the scores."""
    if isinstance(model, export_parity.LineCTC):

        def forward(images, widths):
            log_probs, lengths = model(images, widths)
            return log_probs + shift, lengths

        return {"shifted": {"forward": forward}}
    step = export_parity.ParagraphDecoderStep(model)

    def decode_step(*inputs):
        logits, *past = step(*inputs)
        return (logits + shift, *past)

    return {
        "shifted": {"encode": export_parity.ParagraphEncoder(model), "decode_step": decode_step}
    }


@pytest.mark.parametrize("kind", ["line_ctc", "paragraph_transformer"])
def test_the_parity_check_uses_the_tolerance_it_is_given(kind):
    from text_recognizer.models import build_model

    torch.manual_seed(0)
    model = build_model(kind, "tiny").eval()
    if kind == "line_ctc":
        images, widths = line_batch([48, 30])
    else:
        images, widths = torch.rand(1, 1, 512, 512), None
    backends = _shifted_backends(model, 1e-2)

    def passed(**tolerance) -> bool:
        results = export_parity.check_parity(model, images, widths, backends, steps=3, **tolerance)
        return all(result.passed for result in results)

    assert not passed()  # 1e-2 is beyond the default 1e-4 + 1e-4 * |b|
    assert passed(atol=0.1, rtol=0.0)
    assert not passed(atol=1e-3, rtol=1e-3)
