"""Padding never reaches a loss: a sample's loss is its own, whatever batch it is in.

Batches pad every target to the longest one. If padded positions count (a lost
``ignore_index``, an ``<end>`` token placed after the padding, a CTC length taken from the
padded width), the loss still falls and the model still memorizes a batch, so only these laws
notice: adding padding changes no loss, and a batch's loss is the right average of its samples'
own losses (per token for the paragraph model's cross-entropy, per line for CTC). And the
cross-entropy over the kept tokens is the configured one: a label smoothing fixed in the code
instead of read from the config trains just as well, so only its definition notices.
"""

from __future__ import annotations

import pytest
import torch

from tests.properties.conftest import random_paragraph_config, trained_looking
from text_recognizer.data.preprocess import collate_lines
from text_recognizer.vocab import DEFAULT_VOCABULARY as VOCAB

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from text_recognizer.testing.strategies import sample_lists  # noqa: E402

RTOL = 1e-5


def paragraph_lit(seed: int, label_smoothing: float):
    from text_recognizer.lit_models import ParagraphLitModel

    torch.manual_seed(seed)
    lit = ParagraphLitModel(
        model_config=random_paragraph_config(2, 2, 4), label_smoothing=label_smoothing
    )
    trained_looking(lit.model, seed)
    return lit.eval()


@pytest.fixture(scope="module")
def line_lit():
    from tests.properties.conftest import with_trained_looking_norms
    from text_recognizer.lit_models import LineCTCLitModel

    torch.manual_seed(0)
    lit = LineCTCLitModel(model_config="tiny")
    with_trained_looking_norms(lit.model)
    return lit.eval()


def paragraph_batch(lengths: list[int], seed: int) -> dict:
    generator = torch.Generator().manual_seed(seed)
    texts = [
        torch.randint(VOCAB.num_specials, len(VOCAB), (n,), generator=generator) for n in lengths
    ]
    targets, target_lengths = VOCAB.pad_batch(texts)
    images = torch.rand(len(lengths), 1, 64, 64, generator=generator)
    return {"images": images, "targets": targets, "target_lengths": target_lengths}


def pad_more(batch: dict, extra: int) -> dict:
    padding = torch.full((batch["targets"].shape[0], extra), VOCAB.pad_index)
    return {**batch, "targets": torch.cat([batch["targets"], padding], dim=1)}


def row(batch: dict, index: int) -> dict:
    """Sample ``index`` alone, its target cut to its own length (no padding at all)."""
    length = int(batch["target_lengths"][index])
    return {
        **{key: value[index : index + 1] for key, value in batch.items() if key != "texts"},
        "targets": batch["targets"][index : index + 1, :length],
        "texts": batch.get("texts", [""] * len(batch["targets"]))[index : index + 1],
    }


def loss(lit, batch: dict) -> float:
    with torch.inference_mode():
        return float(lit.compute_loss(batch))


LENGTHS = st.lists(st.integers(0, 12), min_size=1, max_size=3)


@settings(max_examples=10)
@given(LENGTHS, st.integers(1, 8), st.floats(0.0, 0.2), st.integers(0, 2**31 - 1))
def test_more_target_padding_changes_no_paragraph_loss(lengths, extra, smoothing, seed):
    lit = paragraph_lit(seed, smoothing)
    batch = paragraph_batch(lengths, seed)
    assert loss(lit, pad_more(batch, extra)) == pytest.approx(loss(lit, batch), rel=RTOL)


@settings(max_examples=10)
@given(LENGTHS, st.floats(0.0, 0.2), st.integers(0, 2**31 - 1))
def test_a_paragraph_batch_loss_is_the_token_weighted_mean_of_its_samples_losses(
    lengths, smoothing, seed
):
    lit = paragraph_lit(seed, smoothing)
    batch = paragraph_batch(lengths, seed)
    tokens = [n + 1 for n in lengths]  # each text and its <end>
    alone = [loss(lit, row(batch, index)) for index in range(len(lengths))]
    expected = sum(n * value for n, value in zip(tokens, alone)) / sum(tokens)
    assert loss(lit, batch) == pytest.approx(expected, rel=RTOL)


@settings(max_examples=10)
@given(sample_lists("lines", max_size=4, max_width=128), st.integers(1, 8))
def test_more_target_padding_changes_no_line_loss(line_lit, samples, extra):
    batch = collate_lines(samples)
    assert loss(line_lit, pad_more(batch, extra)) == pytest.approx(loss(line_lit, batch), rel=RTOL)


@settings(max_examples=10)
@given(sample_lists("lines", max_size=4, max_width=128))
def test_a_line_batch_loss_is_the_mean_of_its_lines_own_losses(line_lit, samples):
    batch = collate_lines(samples)
    alone = [loss(line_lit, collate_lines([sample])) for sample in samples]
    assert loss(line_lit, batch) == pytest.approx(sum(alone) / len(alone), rel=RTOL, abs=1e-6)


@settings(max_examples=10)
@given(LENGTHS, st.floats(0.0, 0.5), st.integers(0, 2**31 - 1))
def test_the_paragraph_loss_smooths_labels_by_exactly_the_configured_amount(
    lengths, smoothing, seed
):
    """Label smoothing by definition: ``(1 - e) * NLL + e * (mean over classes of -log p)``,
    averaged over the tokens that are not padding."""
    from text_recognizer.lit_models.paragraph import teacher_forcing_pair

    lit = paragraph_lit(seed, smoothing)
    batch = paragraph_batch(lengths, seed)
    inputs, outputs = teacher_forcing_pair(batch["targets"], batch["target_lengths"], VOCAB)
    with torch.inference_mode():
        log_p = lit(batch["images"], inputs).float().log_softmax(-1)
    kept = outputs != VOCAB.pad_index
    nll = -log_p.gather(-1, outputs.unsqueeze(-1)).squeeze(-1)
    uniform = -log_p.mean(-1)
    expected = ((1 - smoothing) * nll + smoothing * uniform)[kept].mean()
    assert loss(lit, batch) == pytest.approx(float(expected), rel=1e-4)
