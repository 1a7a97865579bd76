"""The logged CER/WER: torchmetrics states that accumulate the package's one implementation."""

from __future__ import annotations

import pytest

from text_recognizer.lit_models.metrics import ErrorRates
from text_recognizer.metrics import character_error_rate, word_error_rate

BATCHES = [
    (["the cat sat", "on"], ["the cat sat", "one"]),
    (["a mat", ""], ["the mat", "today"]),
]


def test_rates_over_several_batches_equal_the_corpus_rates_of_all_of_them():
    rates = ErrorRates()
    for predictions, references in BATCHES:
        rates.update(predictions, references)
    predictions = [text for batch, _ in BATCHES for text in batch]
    references = [text for _, batch in BATCHES for text in batch]
    computed = rates.compute()
    assert float(computed["cer"]) == pytest.approx(character_error_rate(predictions, references))
    assert float(computed["wer"]) == pytest.approx(word_error_rate(predictions, references))


def test_reset_forgets_the_previous_stage():
    rates = ErrorRates()
    rates.update(*BATCHES[1])
    rates.reset()
    rates.update(*BATCHES[0])
    computed = rates.compute()
    assert float(computed["cer"]) == pytest.approx(character_error_rate(*BATCHES[0]))
    assert float(computed["wer"]) == pytest.approx(word_error_rate(*BATCHES[0]))


def test_under_ddp_the_rates_are_the_corpus_rates_over_all_processes():
    """Each process counts its own batches; synced, errors and units must both be summed (an
    averaged count would multiply the rate by the number of processes)."""
    from text_recognizer.lit_models.metrics import EditErrorRate

    here, there = EditErrorRate("char"), EditErrorRate("char")
    here.update(*BATCHES[0])
    there.update(*BATCHES[1])
    others = {"errors": there.errors, "units": there.units}

    def gather(tensor, group=None):
        (name,) = [key for key in others if getattr(here, key) is tensor]
        return [tensor, others[name]]

    here.sync(dist_sync_fn=gather, should_sync=True, distributed_available=lambda: True)
    predictions = BATCHES[0][0] + BATCHES[1][0]
    references = BATCHES[0][1] + BATCHES[1][1]
    synced_rate = float(EditErrorRate.compute(here))  # the rate of the synced states, as is
    assert synced_rate == pytest.approx(character_error_rate(predictions, references))
