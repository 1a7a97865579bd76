"""The catalogue of planted bugs: for each property file and each training sanity test, a
realistic bug (an exact snippet of the package and its replacement) and the test that must
catch it. :mod:`scripts.property_mutants` plants them one at a time and runs the tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

PROPERTY_TESTS = "tests/properties"
SANITY_TESTS = "tests/testing/test_training_sanity.py"


@dataclass(frozen=True)
class Mutant:
    """One planted bug: ``original`` (exactly once in ``path``) becomes ``replacement``.

    ``target`` is the test file expected to catch it, ``keyword`` an optional ``-k``
    expression naming the property or sanity test within it.
    """

    name: str
    path: str
    original: str
    replacement: str
    target: str
    keyword: Optional[str]
    description: str

    @property
    def label(self) -> str:
        """The target as shown in the table."""
        short = Path(self.target).name
        return f"{short} -k {self.keyword}" if self.keyword else short

    def pytest_args(self) -> list[str]:
        return [self.target, *(["-k", self.keyword] if self.keyword else [])]


def _properties(name: str) -> str:
    return f"{PROPERTY_TESTS}/test_{name}_properties.py"


def _sanity(test: str, kind: str) -> dict[str, str]:
    """Target and ``-k`` of the sanity test ``test`` on the ``kind`` ("line" | "paragraph")
    model: the model the bug is planted in."""
    return {"target": SANITY_TESTS, "keyword": f"{test} and {kind}"}


MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        name="cer_normalised_by_prediction",
        path="text_recognizer/metrics.py",
        original="units += len(meant)",
        replacement="units += len(said)",
        target=_properties("cer"),
        keyword="agrees_with_torchmetrics",
        description="CER divides by the prediction's length instead of the reference's",
    ),
    Mutant(
        name="edit_substitution_costs_two",
        path="text_recognizer/metrics.py",
        original="previous[j - 1] + (item_a != item_b),",
        replacement="previous[j - 1] + 2 * (item_a != item_b),",
        target=_properties("cer"),
        keyword="one_edit",
        description="a substitution costs two (delete + insert) instead of one",
    ),
    Mutant(
        name="ctc_collapse_keeps_repeats",
        path="text_recognizer/decoding.py",
        original="        if label != previous and label != blank:",
        replacement="        if label != blank:",
        target=_properties("ctc"),
        keyword="stretching_time",
        description="CTC collapse drops blanks but does not merge repeated frame labels",
    ),
    Mutant(
        name="ctc_collapse_emits_blanks",
        path="text_recognizer/decoding.py",
        original="        if label != previous and label != blank:",
        replacement="        if label != previous:",
        target=_properties("ctc"),
        keyword="never_emits_blanks",
        description="CTC collapse merges repeats but keeps the blank label in its output",
    ),
    Mutant(
        name="ctc_collapse_skips_first_frame",
        path="text_recognizer/decoding.py",
        original="    previous = None\n    for label in frames:\n",
        replacement="    previous = frames[0] if frames else None\n    for label in frames[1:]:\n",
        target=_properties("ctc"),
        keyword="every_alignment",
        description="off by one: CTC collapse starts at the second frame, losing the first label",
    ),
    Mutant(
        name="ctc_collapse_assumes_a_label_first",
        path="text_recognizer/decoding.py",
        original="    out = []\n    previous = None\n    for label in frames:\n",
        replacement=(
            "    out = list(frames[:1])\n    previous = frames[0] if frames else None\n"
            "    for label in frames[1:]:\n"
        ),
        target=_properties("ctc"),
        keyword="every_alignment",
        description="a fast path takes the first frame as a label: a leading blank is emitted",
    ),
    Mutant(
        name="ctc_greedy_blank_does_not_separate",
        path="text_recognizer/decoding.py",
        original="            previous = label\n        results.append(",
        replacement="                previous = label\n        results.append(",
        target=_properties("ctc"),
        keyword="greedy_decoding",
        description="greedy decoding forgets blanks, so 'a - a' decodes to 'a' instead of 'aa'",
    ),
    Mutant(
        name="line_block_output_not_masked",
        path="text_recognizer/models/resnet.py",
        original=(
            "        out = self.relu(self.bn2(self.conv2(out)) + self.shortcut(x))\n"
            "        if mask is not None:\n"
            "            out = out * mask\n"
        ),
        replacement="        out = self.relu(self.bn2(self.conv2(out)) + self.shortcut(x))\n",
        target=_properties("masking"),
        keyword="garbage_in_the_padding",
        description="a residual block leaves padded columns unmasked, leaking into the next block",
    ),
    Mutant(
        name="line_backward_lstm_reads_padding",
        path="text_recognizer/models/line_ctc.py",
        original=(
            "behind, _ = backward_lstm(reverse_within_lengths(x, lengths))\n"
            "            x = torch.cat([ahead, reverse_within_lengths(behind, lengths)], dim=-1)"
        ),
        replacement=(
            "behind, _ = backward_lstm(x.flip(1))\n"
            "            x = torch.cat([ahead, behind.flip(1)], dim=-1)"
        ),
        target=_properties("masking"),
        keyword="alone_gives_the_same_output",
        description="the backward LSTM reverses the padded sequence, so it starts in the padding",
    ),
    Mutant(
        name="decoder_causal_mask_dropped",
        path="text_recognizer/models/paragraph_transformer.py",
        original="attend_query(query, (key, value), past is None)",
        replacement="attend_query(query, (key, value), False)",
        target=_properties("masking"),
        keyword="appending_tokens",
        description="teacher-forced decoder self-attention without its causal mask sees the future",
    ),
    Mutant(
        name="kv_cache_position_offset_ignored",
        path="text_recognizer/models/paragraph_transformer.py",
        original="x = self.embed(tokens.unsqueeze(1), position)",
        replacement="x = self.embed(tokens.unsqueeze(1))",
        target=_properties("masking"),
        keyword="cached_decoding_steps",
        description="a cached decoding step encodes every token at position 0",
    ),
    Mutant(
        name="output_lengths_floor_division",
        path="text_recognizer/models/line_ctc.py",
        original='torch.div(lengths + stride - 1, stride, rounding_mode="floor")',
        replacement='torch.div(lengths, stride, rounding_mode="floor")',
        target=_properties("model_shape"),
        keyword="ceil_divisions",
        description="frame counts use floor instead of ceil division, dropping a partial frame",
    ),
    Mutant(
        name="line_model_returns_raw_logits",
        path="text_recognizer/models/line_ctc.py",
        original="return torch.log_softmax(logits.float(), dim=-1), lengths",
        replacement="return logits.float(), lengths",
        target=_properties("model_shape"),
        keyword="one_frame_per_stride",
        description="the line model returns logits where CTC expects log-probabilities",
    ),
    Mutant(
        name="positional_1d_offset_ignored",
        path="text_recognizer/models/positional.py",
        original="self.table[offset : offset + x.shape[1]]",
        replacement="self.table[: x.shape[1]]",
        target=_properties("positional"),
        keyword="suffix_with_its_offset",
        description="the 1-D encoding ignores its offset, so incremental decoding restarts at 0",
    ),
    Mutant(
        name="positional_2d_columns_copy_rows",
        path="text_recognizer/models/positional.py",
        original="cols = self.table[:width].t().unsqueeze(1).expand(-1, height, width)",
        replacement="cols = self.table[:height].t().unsqueeze(2).expand(-1, height, width)",
        target=_properties("positional"),
        keyword="tells_cells_apart",
        description="copy-paste: the 2-D encoding's column half repeats the row half",
    ),
    Mutant(
        name="preprocess_ink_not_inverted",
        path="text_recognizer/data/preprocess.py",
        original="torch.from_numpy(1.0 - values * (1.0 / 255.0))",
        replacement="torch.from_numpy(values * (1.0 / 255.0))",
        target=_properties("preprocess"),
        keyword="round_trips_to_the_same_gray_levels",
        description="preprocessing keeps gray levels (paper = 1) instead of ink (paper = 0)",
    ),
    Mutant(
        name="paragraph_canvas_not_paper",
        path="text_recognizer/data/preprocess.py",
        original="canvas = torch.zeros(1, PARAGRAPH_HEIGHT, PARAGRAPH_WIDTH)",
        replacement="canvas = torch.ones(1, PARAGRAPH_HEIGHT, PARAGRAPH_WIDTH)",
        target=_properties("preprocess"),
        keyword="paper_outside_the_fitted_area",
        description="the paragraph canvas is filled with ink (white in gray) instead of paper",
    ),
    Mutant(
        name="vocab_decode_drops_first_character",
        path="text_recognizer/vocab.py",
        original="if index >= self.num_specials:",
        replacement="if index > self.num_specials:",
        target=_properties("vocab"),
        keyword="decode_of_any_indices",
        description="off by one: decode treats the first character ('0') as a special token",
    ),
    Mutant(
        name="vocab_error_position_one_based",
        path="text_recognizer/vocab.py",
        original="(first at position {first} of",
        replacement="(first at position {first + 1} of",
        target=_properties("vocab"),
        keyword="refused_by_name",
        description="the refusal names a 1-based position while slicing is 0-based",
    ),
    # -- training sanity tests (issue 6): the four classic bugs, then one per other check --
    Mutant(
        name="zero_grad_dropped",
        path="text_recognizer/lit_models/base.py",
        original="    def configure_optimizers(self):\n",
        replacement=(
            "    def optimizer_zero_grad(self, epoch, batch_idx, optimizer) -> None:\n"
            "        pass  # overridden, and the optimizer.zero_grad() call left out\n"
            "\n"
            "    def configure_optimizers(self):\n"
        ),
        **_sanity("test_gradients_do_not_accumulate_across_steps", "line"),
        description="Lightning's zero_grad hook is overridden without clearing the gradients",
    ),
    Mutant(
        name="line_features_detached",
        path="text_recognizer/models/line_ctc.py",
        original="x = self.rnn(self.project(x), lengths)",
        replacement="x = self.rnn(self.project(x).detach(), lengths)",
        **_sanity("test_every_parameter_gets_a_finite_nonzero_gradient", "line"),
        description="a stray .detach() cuts the encoder and projection off the line loss",
    ),
    Mutant(
        name="line_reshape_mixes_batch",
        path="text_recognizer/models/line_ctc.py",
        original="x = x.permute(0, 3, 1, 2).reshape(batch, frames, channels * height)",
        replacement="x = x.reshape(frames, batch, channels * height).transpose(0, 1)",
        **_sanity("test_samples_are_independent_in_eval_mode", "line"),
        description="a reshape where a permute belongs: frames of different lines interleave",
    ),
    Mutant(
        name="attention_dropout_in_eval",
        path="text_recognizer/models/paragraph_transformer.py",
        original="dropout = self.dropout if self.training else 0.0",
        replacement="dropout = self.dropout",
        **_sanity("test_eval_mode_is_deterministic", "paragraph"),
        description="functional attention dropout is applied in eval mode too",
    ),
    Mutant(
        name="ctc_loss_summed",
        path="text_recognizer/lit_models/line.py",
        original='reduction="mean",',
        replacement='reduction="sum",',
        **_sanity("test_loss_at_init_is_close_to_the_uniform_predictors", "line"),
        description="the CTC loss is summed over characters and samples instead of averaged",
    ),
    Mutant(
        name="decoder_final_norm_skipped",
        path="text_recognizer/models/paragraph_transformer.py",
        original="return self.head(self.norm(x))",
        replacement="return self.head(x)",
        **_sanity("test_no_parameter_is_unused", "paragraph"),
        description="teacher-forced decoding skips the final LayerNorm (cached decoding keeps it)",
    ),
    Mutant(
        name="no_decay_group_dropped",
        path="text_recognizer/lit_models/base.py",
        original='        {"params": no_decay, "weight_decay": 0.0},\n',
        replacement="",
        **_sanity("test_optimizer_steps_change_trainable_and_not_frozen_parameters", "line"),
        description="biases and norms (the no-decay group) never reach the optimizer",
    ),
    Mutant(
        name="ctc_infinite_loss_kept",
        path="text_recognizer/lit_models/line.py",
        original="            zero_infinity=True,\n",
        replacement="",
        **_sanity("test_outputs_loss_and_gradients_are_finite", "line"),
        description="CTC without zero_infinity: a label too long for its line gives an inf loss",
    ),
    Mutant(
        name="configured_lr_ignored",
        path="text_recognizer/lit_models/base.py",
        original=", lr=hp.lr, betas",
        replacement=', lr=hp.get("learning_rate", 1e-3), betas',
        **_sanity("test_learning_rate_zero_leaves_weights_unchanged", "line"),
        description="the optimizer reads a misnamed hyperparameter and falls back to 1e-3",
    ),
    Mutant(
        name="global_rng_reseeded_at_init",
        path="text_recognizer/lit_models/base.py",
        original='                "vocabulary": self.vocab.characters,\n',
        replacement=(
            '                "vocabulary": self.vocab.characters,\n'
            '                "init_seed": torch.seed(),\n'
        ),
        **_sanity("test_same_seed_gives_identical_losses", "line"),
        description="torch.seed() (meant: initial_seed) reseeds the RNG from OS entropy at init",
    ),
    Mutant(
        name="checkpoint_prefix_lstripped",
        path="text_recognizer/lit_models/__init__.py",
        original="key[len(prefix) :]: value",
        replacement="key.lstrip(prefix): value",
        **_sanity("test_checkpoint_save_and_load_gives_identical_predictions", "paragraph"),
        description="str.lstrip strips characters, not a prefix: 'model.encoder' -> 'ncoder'",
    ),
)
