"""The catalogue of planted bugs: for each property file and each training sanity test, a
realistic bug (an exact snippet of the package and its replacement) and the test that must
catch it. :mod:`scripts.property_mutants` plants them one at a time and runs the tests."""

from __future__ import annotations

from dataclasses import replace

from scripts.mutant import AREAS, Mutant, area_of  # noqa: F401 (the catalogue's API)
from scripts.unseen_bugs import (
    ROUND_1,
    ROUND_2,
    ROUND_3,
    ROUND_4,
    ROUND_5,
    ROUND_6,
    ROUND_7,
    ROUND_8,
    ROUND_9,
    ROUND_10,
    ROUND_11,
    ROUND_12,
)

PROPERTY_TESTS = "tests/properties"
SANITY_TESTS = "tests/testing/test_training_sanity.py"
COVERAGE_TESTS = "tests/validation/test_expectation_coverage.py"
SHIPPED_CONFIG_TESTS = "tests/training/test_shipped_configs_learn.py"


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

# -- the blind spots of issue 17: one class each, caught by the laws written for the class --
BLIND_SPOTS: tuple[Mutant, ...] = (
    Mutant(
        name="paragraph_loss_counts_padding",
        path="text_recognizer/lit_models/paragraph.py",
        original="            ignore_index=self.vocab.pad_index,\n",
        replacement="",
        target=_properties("loss_masking"),
        keyword="paragraph",
        description="padded target positions of the paragraph model count in its loss",
    ),
    Mutant(
        name="kv_cache_first_layers_past_everywhere",
        path="text_recognizer/models/paragraph_transformer.py",
        original="layer_past = None if past is None else past[index]",
        replacement="layer_past = None if past is None else past[0]",
        target=_properties("incremental_decoding"),
        keyword="any_depth",
        description="every layer of a cached step reads the first layer's past (right for one layer)",
    ),
    Mutant(
        name="beam_cache_not_reordered",
        path="text_recognizer/decoding.py",
        original="        past = _reorder(past, parent)\n",
        replacement="",
        target=_properties("incremental_decoding"),
        keyword="full_decoder_gives",
        description="beam search keeps each row's past when its beam switches parent",
    ),
    Mutant(
        name="decoder_position_dropped",
        path="text_recognizer/models/paragraph_transformer.py",
        original="return self.dropout(self.position_1d(x, offset))",
        replacement="return self.dropout(x)",
        target=_properties("position_information"),
        keyword="repeated_token",
        description="the decoder's tokens no longer receive their 1-D position encoding",
    ),
    Mutant(
        name="memory_position_dropped",
        path="text_recognizer/models/paragraph_transformer.py",
        original="features = self.position_2d(self.to_memory(self.encoder(images)))",
        replacement="features = self.to_memory(self.encoder(images))",
        target=_properties("position_information"),
        keyword="uniform_page",
        description="the image memory no longer receives its 2-D position encoding",
    ),
    Mutant(
        name="lr_schedule_stepped_per_epoch",
        path="text_recognizer/lit_models/base.py",
        original='"lr_scheduler": {"scheduler": scheduler, "interval": "step"},',
        replacement='"lr_scheduler": {"scheduler": scheduler, "interval": "epoch"},',
        target=_properties("schedule"),
        keyword=None,
        description="the learning-rate schedule steps once per epoch instead of once per step",
    ),
    Mutant(
        name="line_labels_may_hold_newlines",
        path="text_recognizer/validation/suites.py",
        original="    characters: str = CHARACTERS\n",
        replacement="    characters: str = CHARACTERS + NEWLINE\n",
        target=COVERAGE_TESTS,
        keyword="lines",
        description="the line suite's vocabulary rule allows a newline in a line label",
    ),
    Mutant(
        name="shipped_lr_1000x_too_small",
        path="text_recognizer/training/configs/lines_default.yaml",
        original="  lr: 2.0e-3\n",
        replacement="  lr: 2.0e-6\n",
        target=SHIPPED_CONFIG_TESTS,
        keyword="lines_default",
        description="the default line config's learning rate is a thousand times too small",
    ),
    Mutant(
        name="shipped_key_misspelt",
        path="text_recognizer/training/configs/paragraphs_base.yaml",
        original="  warmup_steps: 1000\n",
        replacement="  warmup_step: 1000\n",
        target="tests/training/test_config.py",
        keyword=None,
        description="a misspelt key in a shipped config (would train with the default warm-up)",
    ),
)

# -- the rest of the pipeline: one or a few realistic bugs per module, caught by its tests --
PIPELINE: tuple[Mutant, ...] = (
    # data: generator, fonts, paper, augmentation
    Mutant(
        name="samples_share_one_rng",
        path="text_recognizer/data/synthetic.py",
        original="np.random.SeedSequence([config.seed, index, _KIND_CODES[config.kind]])",
        replacement="np.random.SeedSequence([config.seed, _KIND_CODES[config.kind]])",
        target="tests/data/test_synthetic.py",
        keyword="different_indices_and_seeds",
        description="every sample of a data set draws from the same generator state",
    ),
    Mutant(
        name="writer_roles_val_before_test",
        path="text_recognizer/data/fonts.py",
        original='roles[name] = "test" if position < test else "val" if position < test + val else "train"',
        replacement='roles[name] = "val" if position < val else "test" if position < test + val else "train"',
        target="tests/data/test_fonts.py",
        keyword="by_rank",
        description="the writer rule hands the first writers of each style to validation, not test",
    ),
    Mutant(
        name="vetting_cache_ignores_a_changed_font_file",
        path="text_recognizer/data/vetting_cache.py",
        original='if isinstance(entry, dict) and entry.get("file") == key:',
        replacement="if isinstance(entry, dict):",
        target="tests/data/test_vetting_cache.py",
        keyword="rewritten_font_file",
        description="a font file replaced under the same path keeps its old, cached vetting",
    ),
    Mutant(
        name="test_split_without_unseen_writer",
        path="text_recognizer/data/fonts.py",
        original=(
            '        by_role["train"] = tuple(f for f in by_role["train"] if f not in by_role["test"])\n'
        ),
        replacement="",
        target="tests/data/test_fonts.py",
        keyword="without_a_test_only_writer",
        description="the writer held out when no test-only font exists still writes training lines",
    ),
    Mutant(
        name="clean_paper_inverted",
        path="text_recognizer/data/paper.py",
        original="        return Image.fromarray(255 - array)\n",
        replacement="        return Image.fromarray(array)\n",
        target="tests/data/test_paper.py",
        keyword="clean_finish",
        description="clean rendering writes white ink on black paper",
    ),
    Mutant(
        name="noise_wraps_around",
        path="text_recognizer/data/paper.py",
        original="return np.clip(np.rint(image), 0, 255).astype(np.uint8)",
        replacement="return np.rint(image).astype(np.uint8)",
        target="tests/data/test_paper.py",
        keyword="saturates",
        description="noisy pixels beyond white wrap around to black instead of clipping",
    ),
    Mutant(
        name="ink_box_drops_last_row",
        path="text_recognizer/data/augment.py",
        original="return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1",
        replacement="return int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])",
        target="tests/data/test_augment.py",
        keyword="crop_to_ink_leaves",
        description="off by one: the ink box ends at the last ink row and column, cutting them",
    ),
    Mutant(
        name="words_run_together",
        path="text_recognizer/data/handwriting.py",
        original="        x += mask.shape[1] + max(space, 1.0)\n",
        replacement="        x += mask.shape[1]\n",
        target="tests/data/test_handwriting.py",
        keyword=None,
        description="the writer leaves no space between words",
    ),
    # preprocessing: the page normalisation and the model's input
    Mutant(
        name="polarity_never_corrected",
        path="text_recognizer/data/page.py",
        original="    inverted = is_inverted(array)\n",
        replacement="    inverted = False\n",
        target="tests/data/test_page.py",
        keyword="inverted_back",
        description="light ink on dark paper is read as it comes (the polarity check is skipped)",
    ),
    Mutant(
        name="paper_light_not_divided_out",
        path="text_recognizer/data/page.py",
        original="flat = np.minimum(array.astype(np.float32) * (255.0 / light), 255.0)",
        replacement="flat = array.astype(np.float32)",
        target="tests/data/test_page.py",
        keyword="shadow_over_half or paper_becomes_white",
        description="shadows and grey paper stay: the paper's light is not divided out",
    ),
    Mutant(
        name="dust_widens_the_text_block",
        path="text_recognizer/data/page.py",
        original="kept = [(a, b) for a, b in runs if profile[a:b].sum() >= MIN_RUN_SHARE * total]",
        replacement="kept = runs",
        target="tests/data/test_page.py",
        keyword="specks_away",
        description="specks of dust count as text, widening the block to the page's corners",
    ),
    Mutant(
        name="sixteen_bit_scaled_by_256",
        path="text_recognizer/data/preprocess.py",
        original='        return values.astype(np.float32) / 257.0\n    if image.mode == "F"',
        replacement='        return values.astype(np.float32) / 256.0\n    if image.mode == "F"',
        target="tests/validation/test_image_stats.py",
        keyword="wide_and_transparent",
        description="16-bit gray is divided by 256, not 257, so every grey level drifts",
    ),
    # models
    Mutant(
        name="attention_heads_merged_wrongly",
        path="text_recognizer/models/paragraph_transformer.py",
        original="return self.out(out.transpose(1, 2).reshape(batch, steps, -1))",
        replacement="return self.out(out.reshape(batch, steps, -1))",
        target=_properties("incremental_decoding"),
        keyword="any_depth",
        description="attention heads are merged without the transpose, mixing steps and heads",
    ),
    # decoding
    Mutant(
        name="end_token_not_scored",
        path="text_recognizer/decoding.py",
        original="        scored = token_log_probs[: stop + 1]\n",
        replacement="        scored = token_log_probs[:stop]\n",
        target=_properties("incremental_decoding"),
        keyword="full_decoder_gives",
        description="the <end> token's probability is left out of a paragraph's score",
    ),
    Mutant(
        name="ctc_run_confidence_is_its_last_frame",
        path="text_recognizer/decoding.py",
        original="confidences[-1] = max(confidences[-1], math.exp(score))",
        replacement="confidences[-1] = math.exp(score)",
        target="tests/models/test_decoding.py",
        keyword="best_frame",
        description="a character's confidence is its run's last frame instead of its best",
    ),
    # losses
    Mutant(
        name="ctc_blank_is_padding",
        path="text_recognizer/lit_models/line.py",
        original="blank=self.vocab.blank_index,",
        replacement="blank=self.vocab.pad_index,",
        target="tests/lit_models/test_lit_models.py",
        keyword="spell",
        description="the CTC loss is told the padding token is the blank",
    ),
    Mutant(
        name="end_token_after_the_padding",
        path="text_recognizer/lit_models/paragraph.py",
        original=(
            "outputs[torch.arange(batch, device=targets.device), target_lengths.long()]"
            " = vocab.end_index"
        ),
        replacement="outputs[:, -1] = vocab.end_index",
        target=_properties("loss_masking"),
        keyword="paragraph",
        description="<end> is placed after the padding instead of after each text",
    ),
    # metrics
    Mutant(
        name="epoch_cer_keeps_last_batch",
        path="text_recognizer/lit_models/metrics.py",
        original="        self.errors += counts.errors\n",
        replacement="        self.errors = counts.errors\n",
        target="tests/lit_models/test_metrics.py",
        keyword="several_batches",
        description="the epoch's CER counts only the last batch's errors",
    ),
    Mutant(
        name="wer_counts_characters",
        path="text_recognizer/metrics.py",
        original='said: Sequence[str] = prediction.split() if unit == "word" else prediction',
        replacement="said: Sequence[str] = prediction",
        target="tests/test_metrics.py",
        keyword="wer_counts",
        description="WER splits into characters, not words (WER equals CER)",
    ),
    # optimisation
    Mutant(
        name="warmup_starts_at_zero",
        path="text_recognizer/lit_models/base.py",
        original="        return (step + 1) / warmup_steps\n",
        replacement="        return step / warmup_steps\n",
        target="tests/properties/test_schedule_properties.py",
        keyword=None,
        description="the warm-up's first step has learning rate 0",
    ),
    Mutant(
        name="biases_and_norms_decayed",
        path="text_recognizer/lit_models/base.py",
        original='is_matrix = parameter.dim() >= 2 and "embedding" not in name',
        replacement="is_matrix = parameter.dim() >= 1",
        target="tests/lit_models/test_lit_models.py",
        keyword="only_matrices",
        description="weight decay is applied to biases, norms and embeddings too",
    ),
    # export and staging
    Mutant(
        name="parity_compares_shapes_only",
        path="text_recognizer/export_parity.py",
        original="passed &= torch.allclose(got.float(), want.float(), atol=atol, rtol=rtol)",
        replacement="passed &= got.shape == want.shape",
        target="tests/inference/test_export_parity.py",
        keyword="other_weights",
        description="the export parity check compares shapes, not values",
    ),
    Mutant(
        name="exported_step_position_from_heads",
        path="text_recognizer/export.py",
        original="            past_keys.shape[3],\n",
        replacement="            past_keys.shape[2],\n",
        target="tests/inference/test_export_parity.py",
        keyword="replays_the_full_decoder",
        description="the exported decoder step takes its position from the heads axis",
    ),
    Mutant(
        name="reordered_vocabulary_accepted",
        path="text_recognizer/staging.py",
        original='if payload["vocab"] != DEFAULT_VOCABULARY.tokens:',
        replacement='if len(payload["vocab"]) != len(DEFAULT_VOCABULARY.tokens):',
        target="tests/inference/test_staging.py",
        keyword="reordered",
        description="a staged model with a reordered vocabulary of the same size loads",
    ),
    # service
    Mutant(
        name="pixel_limit_checks_width_only",
        path="text_recognizer/api/limits.py",
        original="    if width * height > max_pixels:\n",
        replacement="    if width > max_pixels:\n",
        target="tests/api/test_bad_input.py",
        keyword="pixels",
        description="the decompression-bomb guard compares the width, not the area, to the limit",
    ),
    Mutant(
        name="token_prefix_accepted",
        path="text_recognizer/api/access.py",
        original="return hmac.compare_digest(credentials.strip().encode(), token.encode())",
        replacement="return token.startswith(credentials.strip())",
        target="tests/api/test_access.py",
        keyword="wrong_token",
        description="any prefix of the token (an empty one included) is accepted",
    ),
    Mutant(
        name="queue_full_is_a_server_error",
        path="text_recognizer/api/errors.py",
        original='"queue_full": (503,',
        replacement='"queue_full": (500,',
        target="tests/api/test_limits.py",
        keyword="full_queue",
        description="a full queue answers 500 instead of 503 + Retry-After",
    ),
    # expectations
    Mutant(
        name="vocabulary_regex_unanchored",
        path="text_recognizer/validation/expectations.py",
        original='return r"\\A[" + "".join(re.escape(char) for char in characters) + r"]*\\Z"',
        replacement='return r"[" + "".join(re.escape(char) for char in characters) + r"]*"',
        target=COVERAGE_TESTS,
        keyword=None,
        description="the vocabulary regex is not anchored, so any label matches it",
    ),
    Mutant(
        name="rgba_stored_images_allowed",
        path="text_recognizer/validation/suites.py",
        original='supported_modes: tuple[str, ...] = ("L", "RGB")',
        replacement='supported_modes: tuple[str, ...] = ("L", "RGB", "RGBA")',
        target=COVERAGE_TESTS,
        keyword=None,
        description="data sets may store RGBA images (undefined paper under transparency)",
    ),
    Mutant(
        name="held_out_writers_allowed_in_val",
        path="text_recognizer/validation/tables.py",
        original='row["writer"] in held_out and row["split"] != "test"',
        replacement='row["writer"] in held_out and row["split"] == "train"',
        target=COVERAGE_TESTS,
        keyword=None,
        description="a held-out writer in the validation split goes unreported",
    ),
    # calibration
    Mutant(
        name="full_confidence_outside_every_bin",
        path="text_recognizer/calibration.py",
        original="index = np.minimum((conf * bins).astype(int), bins - 1)",
        replacement="index = (conf * bins).astype(int)",
        target="tests/test_calibration.py",
        keyword="last_bin",
        description="lines of confidence 1.0 fall outside the last bin and out of the ECE",
    ),
    Mutant(
        name="temperature_search_keeps_the_worst",
        path="text_recognizer/calibration.py",
        original="        if error < best_error:\n",
        replacement="        if error > best_error:\n",
        target="tests/test_calibration.py",
        keyword="fitted_temperature",
        description="the temperature search compares the wrong way and never moves from 1.0",
    ),
    Mutant(
        name="line_accuracy_below_zero",
        path="text_recognizer/calibration.py",
        original="    return max(0.0, 1.0 - edits / len(truth))\n",
        replacement="    return 1.0 - edits / len(truth)\n",
        target="tests/test_calibration.py",
        keyword="floored_at_zero",
        description="a line with more edits than characters gets a negative accuracy",
    ),
    # inference
    Mutant(
        name="page_confidence_mean_of_lines",
        path="text_recognizer/recognizer.py",
        original="confidence=sum(read) / len(read) if read else 0.0,",
        replacement="confidence=sum(x.confidence for x in lines) / len(lines) if lines else 0.0,",
        target="tests/inference/test_recognizer.py",
        keyword="mean_of_all",
        description="a page's confidence is the mean of its lines', not of its characters'",
    ),
)

HARNESS: tuple[Mutant, ...] = (
    Mutant(
        name="behaviour_perturbation_not_applied",
        path="text_recognizer/testing/behaviour.py",
        original="perturbed = [perturb(images[line.id]) for line in base]",
        replacement="perturbed = [images[line.id] for line in base]",
        target="tests/testing/test_behaviour.py",
        keyword="inverted",
        description="the invariance suites read the clean lines: every perturbation passes",
    ),
)

#: The areas of the pipeline the catalogue must cover (issue 17).
REQUIRED_AREAS = (
    "data",
    "preprocessing",
    "models",
    "decoding",
    "losses",
    "metrics",
    "optimisation",
    "export",
    "service",
    "expectations",
    "calibration",
)

#: The held-out bugs (:mod:`scripts.unseen_bugs`) that the fast lane missed, and the test written
#: for each since: seen now, they join the catalogue. Round 1 (7 of 30 survived, 2026-11-28):
ROUND_1_SURVIVOR_TESTS: dict[str, tuple[str, str | None]] = {
    "sinusoid_frequencies_grow": (_properties("positional"), "geometrically_falling"),
    "ctc_beam_repeat_extends_without_blank": (
        "tests/models/test_decoding.py",
        "scores_its_labelling_exactly",
    ),
    "label_smoothing_hardcoded": (_properties("loss_masking"), "smooths_labels"),
    "cosine_progress_unclamped": (_properties("schedule"), "never_rises"),
    "body_limit_checked_per_chunk": ("tests/api/test_body_limit.py", None),
    "micro_batch_one_over_max": ("tests/api/test_batching.py", "at_most_the_batch_size"),
    "rows_tolerance_floor_dropped": ("tests/validation/test_tables.py", None),
}

#: Round 2's survivors (15 of 30 on 2026-11-28) and their tests.
ROUND_2_SURVIVOR_TESTS: dict[str, tuple[str, str | None]] = {
    "word_wrap_refuses_an_exact_fit": ("tests/data/test_corpus.py", "greedy"),
    "iam_credentials_sent_to_task_server": ("tests/data/test_iam_download.py", None),
    "validation_loader_shuffled": ("tests/data/test_modules.py", "evaluation"),
    "token_embedding_not_scaled": ("tests/models/test_paragraph_transformer.py", "root_of"),
    "autoregressive_beams_start_identical": ("tests/models/test_decoding.py", "trap"),
    "paragraph_validation_capped_by_shortest": (
        "tests/lit_models/test_lit_models.py",
        "twice_the_longest",
    ),
    "line_beam_decoding_ignores_lengths": ("tests/lit_models/test_lit_models.py", "own_frames"),
    "epoch_rates_predictions_and_references_swapped": (
        "tests/lit_models/test_lit_models.py",
        "divide_by_the_references",
    ),
    "calibration_edit_table_first_row_zero": ("tests/test_calibration.py", "agree_with"),
    "legacy_group_scores_the_other_writers": ("tests/inference/test_cli.py", "legacy_group"),
    "best_checkpoint_keeps_highest_cer": ("tests/training/test_experiment.py", "lowest"),
    "checkpoint_weights_loaded_non_strict": (
        "tests/lit_models/test_lit_models.py",
        "does_not_hold",
    ),
    "onnx_export_leaves_paragraph_model_training": (
        "tests/inference/test_export_parity.py",
        "its_models_mode",
    ),
    "staged_model_missing_preprocessing_keys_accepted": (
        "tests/inference/test_staging.py",
        "does_not_record",
    ),
    "inflight_count_leaks_on_error": ("tests/api/test_access.py", "leaves_the_in_flight"),
}


#: Round 3's survivors (13 of 30 on 2026-11-28) and their tests.
ROUND_3_SURVIVOR_TESTS: dict[str, tuple[str, str | None]] = {
    "augment_blurs_when_it_should_not": ("tests/data/test_transforms.py", "blur_strikes"),
    "tar_symlink_resolved_from_the_root": ("tests/data/test_archive.py", "own_folder"),
    "crop_bottom_margin_off_by_one": ("tests/inference/test_segmentation.py", "below_as_above"),
    "single_dark_row_is_a_scanner_edge": ("tests/data/test_page.py", "border_line"),
    "unit_tuple_stride_gets_a_projection": ("tests/models/test_resnet.py", None),
    "lstm_dropout_on_the_first_layer_input": ("tests/models/test_line_ctc.py", "dropout"),
    "zero_temperature_accepted": ("tests/models/test_decoding.py", "temperature"),
    "logged_wer_is_the_cer": ("tests/lit_models/test_lit_models.py", "own_names"),
    "test_epoch_resets_validation_rates": ("tests/lit_models/test_lit_models.py", "epoch_start"),
    "wer_metric_never_reset": ("tests/lit_models/test_metrics.py", "reset"),
    "seed_zero_override_ignored": ("tests/training/test_experiment.py", "zero"),
    "two_line_page_read_as_a_line": ("tests/inference/test_recognizer.py", "wide_page"),
    "disconnect_after_answer_counted_as_499": (
        "tests/api/test_timeouts.py",
        "complete_answer",
    ),
}


#: Round 4's survivors (11 of 30 on 2026-11-28) and their tests. One has none, because no input
#: can show it: archive_bytes_budget_counted_per_member drops the written-bytes total, but that
#: check stands behind the declared-size total (checked first) and the per-member check of
#: bytes against the declared size, so it only fires when those already have.
ROUND_4_SURVIVOR_TESTS: dict[str, tuple[str, str | None]] = {
    "generated_dataset_ignores_no_augment": ("tests/data/test_synthetic.py", "augment_setting"),
    "premultiplied_la_alpha_applied_twice": ("tests/data/test_preprocess.py", "la_twin"),
    "evaluation_calibration_truths_keep_newlines": ("tests/inference/test_cli.py", "perfect"),
    "metric_units_averaged_across_processes": ("tests/lit_models/test_metrics.py", "ddp"),
    "checkpoint_model_returned_in_train_mode": (
        "tests/lit_models/test_lit_models.py",
        "eval_mode",
    ),
    "parity_passes_missing_outputs": ("tests/inference/test_export_parity.py", "fewer"),
    "beam_reading_ignores_fitted_temperature": (
        "tests/inference/test_recognizer.py",
        "staged_temperature",
    ),
    "batch_window_in_seconds": ("tests/api/test_batching.py", "milliseconds"),
    "manifest_path_escape_by_shared_prefix": ("tests/validation/test_expectations.py", "sibling"),
    "black_fraction_excludes_the_black_level": (
        "tests/validation/test_image_stats.py",
        "black_level",
    ),
}


#: Round 5's survivors (4 of 30 on 2026-11-28) and their tests.
ROUND_5_SURVIVOR_TESTS: dict[str, tuple[str, str | None]] = {
    "paragraph_label_smoothing_on_by_default": (
        "tests/lit_models/test_lit_models.py",
        "plain_cross_entropy",
    ),
    "evaluation_reads_images_in_auto_mode": ("tests/inference/test_cli.py", "data_sets_kind"),
    "calibrated_staging_drops_half_precision": (
        "tests/training/test_stage.py",
        "survives_calibration",
    ),
    "max_tokens_cap_one_short": ("tests/inference/test_recognizer.py", "never_ending"),
}

#: Round 6's survivors (25 of 30 killed; measured on d1e892e, with the probes' call records).
ROUND_6_SURVIVOR_TESTS: dict[str, tuple[str, str | None]] = {
    "load_drops_max_tokens": ("tests/inference/test_recognizer.py", "max_tokens_caps"),
    "white_float_colour_array_read_as_0_255": (
        "tests/inference/test_recognizer.py",
        "white_included",
    ),
    "predict_beam_option_ignored": ("tests/cli/test_option_forwarding.py", "beam"),
    "cli_integer_minimum_exclusive": ("tests/cli/test_option_forwarding.py", "minimum"),
    "card_validation_writers_are_the_test_writers": (
        "tests/training/test_stage.py",
        "validation_writers",
    ),
}

#: Round 7 (26 of 30 on 2d475c7): a module argument accepted and ignored, a misspelt setting
#: accepted, a staging option dropped, the card's unseen-writer count inverted.
ROUND_7_SURVIVOR_TESTS: dict[str, tuple[str, str | None]] = {
    "lit_model_ignores_custom_vocabulary": (
        "tests/lit_models/test_module_arguments.py",
        "vocabulary",
    ),
    "unknown_decoding_setting_accepted": (
        "tests/lit_models/test_module_arguments.py",
        "misspelt_decoding",
    ),
    "stage_eval_limit_ignored": ("tests/training/test_stage.py", "eval_limit"),
    "model_card_counts_seen_writers_as_unseen": ("tests/training/test_stage.py", "unseen_only"),
}

#: Round 8 (24 of 30 on 083d070): a cache key short of the renderer's version, a pair's length
#: unchecked, a tolerance accepted and unused, a partial failure exiting 0, latencies in
#: milliseconds, a distribution check reading another check's floor.
ROUND_8_SURVIVOR_TESTS: dict[str, tuple[str, str | None]] = {
    "vetting_cache_key_ignores_pillow_version": ("tests/data/test_vetting_cache.py", "renderer"),
    "config_tuple_length_unchecked": ("tests/training/test_config.py", "pair"),
    "line_parity_ignores_given_tolerance": (
        "tests/inference/test_export_parity.py",
        "tolerance_it_is_given",
    ),
    "predict_exit_zero_on_partial_failure": ("tests/inference/test_cli.py", "exits_2"),
    "request_latency_observed_in_milliseconds": ("tests/api/test_metrics.py", "wall_time"),
    "image_distribution_limit_uses_label_floor": ("tests/validation/test_tables.py", "floor"),
}

#: Round 9 (23 of 30 on 322219e): mostly bounds one step off (``<`` for ``<=``), an integrity
#: check needing both size and hash wrong, a bool taken for a float, a required part dropped.
ROUND_9_SURVIVOR_TESTS: dict[str, tuple[str, str | None]] = {
    "font_bundle_check_needs_size_and_hash_both_wrong": (
        "tests/data/test_font_bundle.py",
        "either",
    ),
    "evaluation_legacy_group_shown_when_it_is_everyone": (
        "tests/inference/test_cli.py",
        "all_or_none",
    ),
    "schema_float_accepts_booleans": ("tests/training/test_config.py", "bool-is-no-float"),
    "model_card_writer_table_drops_at_the_limit": ("tests/training/test_stage.py", "row_limit"),
    "staged_payload_preprocessing_not_required": (
        "tests/inference/test_staging.py",
        "part_it_needs",
    ),
    "array_to_image_uint16_colour_max_255_rescaled": (
        "tests/inference/test_recognizer.py",
        "colour_integer",
    ),
    "cli_prepare_rejects_full_scale": ("tests/cli/test_option_bounds.py", None),
}

#: Round 10's survivors (3 of 30) and the tests written for them once it was measured.
ROUND_10_SURVIVOR_TESTS: dict[str, tuple[str, str | None]] = {
    "integer_image_at_255_read_as_16_bit": ("tests/test_guard_bounds.py", "wide_to_gray"),
    "inline_diff_autojunk_on_long_texts": ("tests/test_metrics.py", "dropped_spaces"),
    "inference_threads_use_every_cpu": ("tests/inference/test_recognizer.py", "half_the_cpus"),
}

#: Round 11's survivors (2 of 30) and the tests written for them once it was measured.
ROUND_11_SURVIVOR_TESTS: dict[str, tuple[str, str | None]] = {
    "bool_array_image_not_scaled_to_white": ("tests/inference/test_recognizer.py", "boolean"),
    "batch_retry_drops_request_mode": ("tests/api/test_batching.py", "keeps_the_requests_mode"),
}
#: Round 12 (26 of 30): a custom vocabulary dropped on its way to collation or decoding, a
#: bytearray not opened as bytes, and a memoryview no longer read (the last already caught by
#: the untaken-code tests written before the round was measured).
ROUND_12_SURVIVOR_TESTS: dict[str, tuple[str, str | None]] = {
    "preprocessor_line_collate_drops_vocabulary": ("tests/test_custom_vocabulary.py", None),
    "line_greedy_decoding_drops_vocabulary": ("tests/test_custom_vocabulary.py", None),
    "open_image_forgets_bytearray": ("tests/data/test_preprocess.py", "bytearray_or"),
    "load_image_forgets_memoryview": ("tests/inference/test_backends.py", "memoryview"),
}


def _with_tests(bugs: tuple[Mutant, ...], tests: dict[str, tuple[str, str | None]]):
    return tuple(
        replace(bug, target=tests[bug.name][0], keyword=tests[bug.name][1])
        for bug in bugs
        if bug.name in tests
    )


HELD_OUT_CAUGHT: tuple[Mutant, ...] = (
    _with_tests(ROUND_1, ROUND_1_SURVIVOR_TESTS)
    + _with_tests(ROUND_2, ROUND_2_SURVIVOR_TESTS)
    + _with_tests(ROUND_3, ROUND_3_SURVIVOR_TESTS)
    + _with_tests(ROUND_4, ROUND_4_SURVIVOR_TESTS)
    + _with_tests(ROUND_5, ROUND_5_SURVIVOR_TESTS)
    + _with_tests(ROUND_6, ROUND_6_SURVIVOR_TESTS)
    + _with_tests(ROUND_7, ROUND_7_SURVIVOR_TESTS)
    + _with_tests(ROUND_8, ROUND_8_SURVIVOR_TESTS)
    + _with_tests(ROUND_9, ROUND_9_SURVIVOR_TESTS)
    + _with_tests(ROUND_10, ROUND_10_SURVIVOR_TESTS)
    + _with_tests(ROUND_11, ROUND_11_SURVIVOR_TESTS)
    + _with_tests(ROUND_12, ROUND_12_SURVIVOR_TESTS)
)

MUTANTS = MUTANTS + BLIND_SPOTS + PIPELINE + HARNESS + HELD_OUT_CAUGHT
