"""GPU lane: the staged ("base") models memorize 16 samples in bf16 and fp32, CPU/GPU parity,
a finite bf16 step, and DDP readiness. Run with ``PYTHONPATH=. python3 -m pytest -m gpu``.

Needs only torch, Lightning, torchmetrics, numpy and Pillow: batches come from the committed
PNG fixtures, not from the synthetic generator (no fonts or word lists on the GPU runner).
Wall-time targets (H100 class, start-up included): 16 lines in under 15 s, 16 paragraphs in
under 60 s.
"""

from __future__ import annotations

import math

import pytest
import torch

from tests.testing.memorization_fixtures import device_name, load_batch, track
from text_recognizer.lit_models import LineCTCLitModel, ParagraphLitModel
from text_recognizer.testing.memorize import (
    LossRecorder,
    memorize,
    quiet_trainer,
    repeated_batch_loader,
)
from text_recognizer.testing.sanity import check_no_unused_parameters, lit_model_probe

pytestmark = pytest.mark.gpu

#: kind -> (fixture kind, factory of the staged model, lr, step budget, wall-time target in s,
#: steps between criterion checks). Not yet tuned on a GPU (none was available when written):
#: the first GPU run should record the baselines and, if needed, adjust lr / budget here.
STAGED = {
    "line": (
        "lines",
        lambda: LineCTCLitModel("base", schedule="constant", weight_decay=0.0),
        3e-3,
        600,
        15.0,
        10,
    ),
    "paragraph": (
        "paragraphs",
        lambda: ParagraphLitModel("base", schedule="constant", weight_decay=0.0),
        5e-4,
        600,
        60.0,
        20,  # an autoregressive decode of 16 paragraphs costs ~100 steps: check less often
    ),
}
PRECISIONS = ["bf16-mixed", "32-true"]


@pytest.fixture(scope="module")
def batches():
    return {kind: load_batch(STAGED[kind][0], 16) for kind in STAGED}


@pytest.fixture(autouse=True)
def _exact_fp32():
    """fp32 means fp32: no TF32 in matmuls or convolutions while these tests run."""
    saved = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


@pytest.mark.parametrize("precision", PRECISIONS)
@pytest.mark.parametrize("kind", sorted(STAGED))
def test_staged_model_memorizes_sixteen_samples(kind, precision, batches):
    _, factory, lr, budget, target_seconds, every = STAGED[kind]
    result = memorize(
        factory,
        batches[kind],
        max_steps=budget,
        lr=lr,
        device="cuda",
        precision=precision,
        check_every=every,
    )
    assert result.converged, result.failure_message()
    track(f"cuda/{kind}-base/batch16/{precision}", result, device=device_name("cuda"))
    assert (
        result.seconds_to_criterion < target_seconds
    ), f"memorized in {result.seconds_to_criterion:.1f} s, target {target_seconds} s"


@pytest.mark.parametrize("kind", sorted(STAGED))
def test_forward_pass_matches_between_cpu_and_gpu(kind, batches):
    torch.manual_seed(0)
    lit_model = STAGED[kind][1]().eval()
    batch = {key: value[:4] for key, value in batches[kind].items()}
    with torch.no_grad():
        on_cpu = lit_model_probe(lit_model).outputs(batch)
        gpu_batch = {
            key: value.cuda() if torch.is_tensor(value) else value for key, value in batch.items()
        }
        on_gpu = lit_model_probe(lit_model.cuda()).outputs(gpu_batch).cpu()
    # fp32 with different kernels and summation orders: log-probs / logits agree to ~1e-5;
    # 1e-3 absolute leaves room for cuDNN's LSTM and convolution algorithms.
    difference = float((on_cpu.float() - on_gpu.float()).abs().max())
    assert difference < 1e-3, f"CPU and GPU outputs differ by up to {difference:.3g}"


@pytest.mark.parametrize("kind", sorted(STAGED))
def test_bf16_training_step_has_finite_loss(kind, batches):
    torch.manual_seed(0)
    lit_model = STAGED[kind][1]()
    losses = LossRecorder()
    trainer = quiet_trainer(2, [losses], device="cuda", precision="bf16-mixed")
    trainer.fit(lit_model, train_dataloaders=repeated_batch_loader(batches[kind], 2))
    assert len(losses.losses) == 2 and all(
        math.isfinite(loss) for loss in losses.losses
    ), f"bf16 losses: {losses.losses}"


@pytest.mark.parametrize("kind", sorted(STAGED))
def test_every_parameter_is_used_so_ddp_needs_no_unused_parameter_search(kind, batches):
    torch.manual_seed(0)
    lit_model = STAGED[kind][1]().cuda()
    batch = {
        key: value.cuda() if torch.is_tensor(value) else value
        for key, value in batches[kind].items()
    }
    check_no_unused_parameters(lit_model_probe(lit_model), batch)
