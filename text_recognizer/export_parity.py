"""Parity of exported models with the eager one: every exported part (TorchScript, ONNX) must
reproduce the eager outputs on the same inputs within a stated tolerance, or staging stops."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import torch
from torch import nn

from text_recognizer.errors import ExportParityError
from text_recognizer.export import ParagraphDecoderStep, ParagraphEncoder, empty_past
from text_recognizer.models.line_ctc import LineCTC
from text_recognizer.models.paragraph_transformer import ParagraphTransformer

#: Parity tolerance of exported vs eager outputs, elementwise ``|a - b| <= ATOL + RTOL * |b|``
#: (``torch.allclose``). Outputs are log-probabilities/logits of magnitude <= ~30; float32
#: kernels that differ only in summation order stay ~1e-5 apart, while a real export bug
#: (wrong weights, a lost mask, a frozen shape) moves them by >= 1e-2.
PARITY_ATOL = 1e-4
PARITY_RTOL = 1e-4


@dataclass(frozen=True)
class ParityResult:
    """How far one exported backend is from eager on one comparison."""

    backend: str
    part: str
    max_abs_diff: float
    passed: bool


def compare(
    backend: str,
    part: str,
    expected: Sequence[torch.Tensor],
    actual: Sequence[torch.Tensor],
    atol: float = PARITY_ATOL,
    rtol: float = PARITY_RTOL,
) -> ParityResult:
    """Compare output tuples elementwise (float outputs with tolerance, integer ones exactly)."""
    worst = 0.0
    passed = len(expected) == len(actual)
    for want, got in zip(expected, actual):
        want, got = want.detach().cpu(), got.detach().cpu()
        if want.shape != got.shape:
            return ParityResult(backend, part, float("inf"), False)
        if not want.is_floating_point():
            same = torch.equal(want.long(), got.long())
            passed &= same
            worst = max(worst, 0.0 if same else float("inf"))
            continue
        if want.numel():
            worst = max(worst, float((want.float() - got.float()).abs().max()))
        passed &= torch.allclose(got.float(), want.float(), atol=atol, rtol=rtol)
    return ParityResult(backend, part, worst, bool(passed))


Runner = Callable[..., Sequence[torch.Tensor]]


def _paragraph_rollout(
    encode: Runner, step: Runner, images: torch.Tensor, tokens: torch.Tensor
) -> list[torch.Tensor]:
    """Encoder outputs, then each step's (logits, keys, values) when fed ``tokens`` (B, L)."""
    memory_keys, memory_values = encode(images)
    outputs = [memory_keys, memory_values]
    shape = list(memory_keys.shape)
    shape[3] = 0
    past_keys = past_values = torch.zeros(shape, dtype=memory_keys.dtype)
    for position in range(tokens.shape[1]):
        logits, past_keys, past_values = step(
            tokens[:, position], memory_keys, memory_values, past_keys, past_values
        )
        outputs.append(logits)
    return outputs + [past_keys, past_values]


def check_parity(
    model: nn.Module,
    images: torch.Tensor,
    widths: torch.Tensor | None,
    backends: dict[str, dict[str, Runner]],
    steps: int = 8,
    atol: float = PARITY_ATOL,
    rtol: float = PARITY_RTOL,
) -> list[ParityResult]:
    """Compare every exported backend with eager ``model`` on a preprocessed batch.

    ``backends``: backend name -> part name -> callable (TorchScript methods or ONNX runners).
    Paragraph decoder steps are compared over ``steps`` tokens chosen greedily by the eager
    model, so each backend sees the same prefix and the same growing past.
    """
    model.eval()
    results = []
    with torch.inference_mode():
        if isinstance(model, LineCTC):
            expected = model(images, widths)
            for backend, parts in backends.items():
                actual = parts["forward"](images, widths)
                results.append(compare(backend, "forward", expected, actual, atol, rtol))
            return results
        if not isinstance(model, ParagraphTransformer):
            raise ExportParityError(f"no parity check for {type(model).__name__}")
        encoder, step = ParagraphEncoder(model), ParagraphDecoderStep(model)
        tokens = _greedy_tokens(model, images, steps)
        expected = _paragraph_rollout(encoder, step, images, tokens)
        for backend, parts in backends.items():
            actual = _paragraph_rollout(parts["encode"], parts["decode_step"], images, tokens)
            results.append(compare(backend, "encode+decode_step", expected, actual, atol, rtol))
    return results


def _greedy_tokens(model: ParagraphTransformer, images: torch.Tensor, steps: int) -> torch.Tensor:
    """The first ``steps`` tokens (``<start>`` first) eager greedy decoding feeds the decoder."""
    from text_recognizer.vocab import DEFAULT_VOCABULARY

    encoder, step = ParagraphEncoder(model), ParagraphDecoderStep(model)
    memory_keys, memory_values = encoder(images)
    past_keys, past_values = empty_past(model, images.shape[0])
    token = torch.full((images.shape[0],), DEFAULT_VOCABULARY.start_index, dtype=torch.long)
    fed = [token]
    for _ in range(steps - 1):
        logits, past_keys, past_values = step(
            fed[-1], memory_keys, memory_values, past_keys, past_values
        )
        fed.append(logits.argmax(dim=-1))
    return torch.stack(fed, dim=1)


def require_parity(results: Sequence[ParityResult]) -> None:
    """Raise :class:`ExportParityError` listing every comparison outside the tolerance."""
    failed = [result for result in results if not result.passed]
    if failed:
        listed = "; ".join(
            f"{result.backend} {result.part}: max |diff| {result.max_abs_diff:.3g}"
            for result in failed
        )
        raise ExportParityError(
            f"exported model differs from eager beyond atol={PARITY_ATOL}, rtol={PARITY_RTOL}: "
            f"{listed}"
        )
