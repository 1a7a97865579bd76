"""Training sanity checks: cheap tests that catch the classic bugs before a GPU-day is spent.

Each ``check_*`` raises :class:`SanityCheckFailed` (an ``AssertionError``, so pytest shows it as
a failed assertion) with a message naming what is wrong, and returns nothing useful otherwise.
They drive a model through a :class:`Probe` (its loss and its per-sample outputs on a batch), so
the same checks run on the LightningModules (:func:`lit_model_probe`) and on small hand-made
modules in the tests that plant each bug on purpose. This module holds the probe and the checks
of the loss at initialisation, gradients and optimizer steps; :mod:`sanity_eval` the checks of
evaluation mode and :mod:`sanity_runs` those that need a Lightning run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import torch
import torch.nn.functional as F
from lightning.pytorch import LightningModule
from torch import nn

Batch = dict[str, Any]


class SanityCheckFailed(AssertionError):
    """A training sanity check found a bug; the message says which and where."""


@dataclass(frozen=True)
class Probe:
    """How the checks drive a model.

    ``module`` owns the parameters under test; ``loss(batch)`` is the training loss;
    ``outputs(batch)`` is ``(B, ...)``, row ``b`` depending on sample ``b`` only, and
    differentiable with respect to ``batch[input_key]``.
    """

    module: nn.Module
    loss: Callable[[Batch], torch.Tensor]
    outputs: Callable[[Batch], torch.Tensor]
    input_key: str = "images"


def lit_model_probe(lit_model: LightningModule) -> Probe:
    """The probe of one of the package's LightningModules (line CTC or paragraph)."""
    kind = getattr(lit_model, "model_kind", None)
    if kind == "line_ctc":

        def outputs(batch: Batch) -> torch.Tensor:
            return lit_model.model(batch["images"], batch["widths"])[0]

    elif kind == "paragraph_transformer":
        from text_recognizer.lit_models.paragraph import teacher_forcing_pair

        def outputs(batch: Batch) -> torch.Tensor:
            tokens, _ = teacher_forcing_pair(
                batch["targets"], batch["target_lengths"], lit_model.vocab
            )
            return lit_model.model(batch["images"], tokens)

    else:
        raise ValueError(f"no probe for {type(lit_model).__name__} (model_kind {kind!r})")
    return Probe(module=lit_model, loss=lit_model.compute_loss, outputs=outputs)


def fail(problem: str, names: Sequence[str], limit: int = 8) -> None:
    if names:
        shown = ", ".join(names[:limit]) + (
            f" and {len(names) - limit} more" if len(names) > limit else ""
        )
        raise SanityCheckFailed(f"{len(names)} parameter(s) {problem}: {shown}")


def _trainable(module: nn.Module) -> list[tuple[str, nn.Parameter]]:
    return [(name, p) for name, p in module.named_parameters() if p.requires_grad]


def snapshot(module: nn.Module) -> dict[str, torch.Tensor]:
    return {name: p.detach().clone() for name, p in module.named_parameters()}


# -- loss at initialisation -------------------------------------------------------------------


def uniform_ctc_loss(batch: Batch, frame_lengths: torch.Tensor, vocab_size: int) -> float:
    """CTC loss (``reduction="mean"``) of a model that predicts the uniform distribution.

    CTC at uniform outputs is not ``ln V``: a label of length L read over T frames has
    probability ``N(T, L) / V**T`` where N counts its alignments, and ``"mean"`` divides by L.
    Computing it with ``F.ctc_loss`` itself gives the exact reference for these lengths.
    """
    frames = int(frame_lengths.max())
    log_probs = torch.full((frames, len(frame_lengths), vocab_size), -math.log(vocab_size))
    return float(
        F.ctc_loss(
            log_probs,
            batch["targets"].cpu(),
            frame_lengths.cpu(),
            batch["target_lengths"].cpu(),
            reduction="mean",
            zero_infinity=True,
        )
    )


def uniform_loss(lit_model: LightningModule, batch: Batch) -> float:
    """The loss a uniform predictor gets on ``batch``: what a fresh model should be close to.

    Cross-entropy (paragraph model): ``ln V``. CTC (line model): :func:`uniform_ctc_loss`.
    """
    vocab_size = len(lit_model.vocab)
    if getattr(lit_model, "model_kind", None) == "line_ctc":
        with torch.no_grad():
            _, frame_lengths = lit_model.model(batch["images"], batch["widths"])
        return uniform_ctc_loss(batch, frame_lengths, vocab_size)
    return math.log(vocab_size)


def check_initial_loss(
    loss: float, reference: float, band: tuple[float, float] = (0.9, 1.25), what: str = "loss"
) -> None:
    """``loss / reference`` must lie in ``band``.

    A fresh model with sensible initialisation predicts close to uniformly, so its loss is
    close to the uniform predictor's. Random logits of standard deviation s add about
    ``s**2 / 2`` nats per prediction (for s up to ~1) to ``ln V`` (4.43 for 84 classes), so
    the default band (-10 %, +25 %) admits logit noise up to s ~ 1.5 and flags an output
    layer initialised too large (confidently wrong from step 0) or a loss that is not what
    it claims (e.g. summed instead of averaged, or computed on the wrong targets).
    """
    ratio = loss / reference
    if not (math.isfinite(loss) and band[0] <= ratio <= band[1]):
        raise SanityCheckFailed(
            f"{what} at initialisation is {loss:.4f}, {ratio:.2f}x the uniform predictor's "
            f"{reference:.4f}; expected {band[0]}x..{band[1]}x"
        )


# -- gradients and optimizer steps ------------------------------------------------------------


def _backward(probe: Probe, batch: Batch) -> torch.Tensor:
    probe.module.zero_grad(set_to_none=True)
    loss = probe.loss(batch)
    loss.backward()
    return loss


def check_no_unused_parameters(probe: Probe, batch: Batch) -> None:
    """Every trainable parameter is in the graph of the loss (its ``.grad`` is not None).

    This is what DistributedDataParallel needs to run without ``find_unused_parameters``:
    a parameter outside the graph would make every rank wait for a gradient that never comes.
    """
    probe.module.train()
    _backward(probe, batch)
    fail(
        "are unused (no gradient after backward)",
        [name for name, p in _trainable(probe.module) if p.grad is None],
    )


def check_every_parameter_learns(
    probe: Probe, batch: Batch, optimizer: torch.optim.Optimizer
) -> None:
    """Every trainable parameter gets a finite, non-zero gradient.

    Checked on the *second* step: residual blocks start with a zero BatchNorm scale (so that
    each block is the identity at init), which makes the gradients of the block's inner
    convolutions exactly zero until one update has moved that scale. A detached layer, a
    parameter that is created but never used, or a branch cut by a wrong ``.data`` stays at
    zero after that too.
    """
    probe.module.train()
    _backward(probe, batch)
    optimizer.step()
    _backward(probe, batch)
    trainable = _trainable(probe.module)
    fail("get no gradient", [name for name, p in trainable if p.grad is None])
    fail(
        "get a NaN/Inf gradient",
        [name for name, p in trainable if not bool(torch.isfinite(p.grad).all())],
    )
    fail("get an all-zero gradient", [name for name, p in trainable if not bool(p.grad.any())])


def freeze(module: nn.Module, prefixes: Iterable[str]) -> list[str]:
    """Set ``requires_grad=False`` on parameters whose name starts with a prefix; their names."""
    prefixes = tuple(prefixes)
    frozen = []
    for name, parameter in module.named_parameters():
        if name.startswith(prefixes):
            parameter.requires_grad_(False)
            frozen.append(name)
    if not frozen:
        raise ValueError(f"no parameter name starts with any of {prefixes}")
    return frozen


def check_step_updates_trainable_only(
    probe: Probe,
    batch: Batch,
    make_optimizer: Callable[[], torch.optim.Optimizer],
    frozen: Iterable[str],
) -> None:
    """After freezing ``frozen`` (name prefixes), optimizer steps change every trainable
    parameter and no frozen one.

    ``make_optimizer`` is called after freezing, as a training script would. Two steps are
    taken and the second is compared, for the zero-initialised residual scales explained in
    :func:`check_every_parameter_learns`; frozen parameters are compared with their values
    before the first step.
    """
    frozen_names = set(freeze(probe.module, frozen))
    optimizer = make_optimizer()
    probe.module.train()
    initial = snapshot(probe.module)
    _backward(probe, batch)
    optimizer.step()
    before = snapshot(probe.module)
    _backward(probe, batch)
    optimizer.step()
    after = snapshot(probe.module)
    fail(
        "did not change after an optimizer step",
        [n for n in after if n not in frozen_names and torch.equal(before[n], after[n])],
    )
    fail(
        "are frozen but changed",
        [n for n in sorted(frozen_names) if not torch.equal(initial[n], after[n])],
    )


def check_all_finite(probe: Probe, batch: Batch) -> None:
    """No NaN/Inf in the outputs, the loss or any gradient (train mode, one backward)."""
    probe.module.train()
    with torch.no_grad():
        outputs = probe.outputs(batch)
    if not bool(torch.isfinite(outputs).all()):
        raise SanityCheckFailed(f"outputs hold {int((~torch.isfinite(outputs)).sum())} NaN/Inf")
    loss = _backward(probe, batch)
    if not math.isfinite(float(loss.detach())):
        raise SanityCheckFailed(f"loss is {float(loss.detach())}")
    fail(
        "have NaN/Inf gradients",
        [
            name
            for name, p in _trainable(probe.module)
            if p.grad is not None and not bool(torch.isfinite(p.grad).all())
        ],
    )
