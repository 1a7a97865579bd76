"""Training sanity checks of evaluation mode: samples of a batch do not influence each other,
and the same input gives the same output (see :mod:`text_recognizer.testing.sanity`)."""

from __future__ import annotations

from typing import Optional, Sequence

import torch
from torch import nn

from text_recognizer.testing.sanity import Batch, Probe, SanityCheckFailed


def calibrate_batchnorm(probe: Probe, batch: Batch) -> int:
    """Set every BatchNorm's running statistics to those of ``batch``; returns how many.

    A fresh model's running statistics (mean 0, variance 1) do not normalise anything, so in
    eval mode its activations grow layer after layer until attention saturates onto blank
    regions and some outputs stop depending on the image at all. Calibrating first makes an
    eval-mode check see the model as it behaves once trained.
    """
    norms = [m for m in probe.module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    momenta = [norm.momentum for norm in norms]
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None  # cumulative average: one pass sets the batch's statistics
    probe.module.train()
    try:
        with torch.no_grad():
            probe.outputs(batch)
    finally:
        for norm, momentum in zip(norms, momenta):
            norm.momentum = momentum
    return len(norms)


def check_batch_independence(
    probe: Probe, batch: Batch, samples: Optional[Sequence[int]] = None
) -> None:
    """In eval mode, sample ``i``'s output depends on sample ``i``'s input and no other's.

    For each ``i`` the gradient of ``outputs[i].sum()`` with respect to the whole input batch
    must be non-zero in row ``i`` and exactly zero in every other row. A reshape or view that
    mixes the batch dimension with another one (``(B, C, T) -> (T, B, C)`` by ``view``
    instead of ``permute``) fails this; BatchNorm in train mode would too, hence eval mode
    (after :func:`calibrate_batchnorm`, which changes the module's running statistics).
    """
    calibrate_batchnorm(probe, batch)
    probe.module.eval()
    key = probe.input_key
    inputs = batch[key].detach().clone().requires_grad_(True)
    outputs = probe.outputs({**batch, key: inputs})
    size = inputs.shape[0]
    if size < 2:
        raise ValueError("batch independence needs a batch of at least 2 samples")
    problems = []
    for i in samples if samples is not None else range(size):
        (grad,) = torch.autograd.grad(
            outputs[i].sum(), inputs, retain_graph=True, allow_unused=True
        )
        if grad is None:  # the input is not in the graph at all (e.g. detached)
            grad = torch.zeros_like(inputs)
        leaks = [j for j in range(size) if j != i and bool(grad[j].any())]
        if leaks:
            problems.append(f"output {i} depends on input(s) {leaks}")
        if not bool(grad[i].any()):
            problems.append(f"output {i} does not depend on its own input")
    if problems:
        raise SanityCheckFailed("samples are not independent: " + "; ".join(problems))


def check_eval_is_deterministic(probe: Probe, batch: Batch) -> None:
    """Two eval-mode forward passes give identical outputs (no dropout or noise left on)."""
    probe.module.eval()
    with torch.no_grad():
        first, second = probe.outputs(batch), probe.outputs(batch)
    if not torch.equal(first, second):
        difference = float((first - second).abs().max())
        raise SanityCheckFailed(
            f"eval-mode outputs differ between two identical calls (max |diff| {difference:.3g}):"
            " something random (dropout?) is active in eval mode"
        )
