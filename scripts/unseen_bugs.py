"""A held-out catalogue of realistic bugs, written without reading the tests.

:mod:`scripts.planted_bugs` lists bugs with the test written to catch each; its kill rate says
how well the suite catches the bugs it was written against. These 30 bugs (spread over the
pipeline: data, preprocessing, models, decoding, losses, metrics, optimisation, export, service
and expectations) were written from the package's modules alone, never looking under ``tests/``,
so their kill rate estimates how well the suite catches bugs it was *not* written against::

    python -m scripts.kill_rate --catalogue scripts.unseen_bugs --lane-only

Each bug names the whole fast lane (``target="tests"``) rather than one test. Once a surviving
bug gets a test of its own, the set is no longer unseen for that bug: later rounds should add
fresh bugs, written the same way, rather than count it again.
"""

from __future__ import annotations

from scripts.planted_bugs import Mutant

MUTANTS: tuple[Mutant, ...] = (
    # -- data: generator, data sets, splits, manifest ------------------------------------------
    Mutant(
        name="iam_writer_in_two_splits_goes_to_train",
        path="text_recognizer/data/iam_splits.py",
        original="_SPLIT_PRECEDENCE[split] > _SPLIT_PRECEDENCE[previous]",
        replacement="_SPLIT_PRECEDENCE[split] < _SPLIT_PRECEDENCE[previous]",
        target="tests",
        keyword=None,
        description="a writer listed in two IAM task files takes the less held-out split",
    ),
    Mutant(
        name="paragraph_label_lines_joined_by_spaces",
        path="text_recognizer/data/synthetic.py",
        original='    return image, "\\n".join(lines)\n',
        replacement='    return image, " ".join(lines)\n',
        target="tests",
        keyword=None,
        description="a synthetic paragraph's label joins its lines with spaces, losing newlines",
    ),
    Mutant(
        name="fake_dataset_serves_one_past_the_end",
        path="text_recognizer/data/datasets.py",
        original=(
            "        if not 0 <= index < self.length:\n"
            '            raise IndexError(f"index {index} is out of range for '
            '{self.length} samples")\n'
            "        image, text = render_fake("
        ),
        replacement=(
            "        if not 0 <= index <= self.length:\n"
            '            raise IndexError(f"index {index} is out of range for '
            '{self.length} samples")\n'
            "        image, text = render_fake("
        ),
        target="tests",
        keyword=None,
        description="off by one: the fake data set renders index == length instead of refusing it",
    ),
    Mutant(
        name="validation_split_augmented",
        path="text_recognizer/data/modules.py",
        original='        if split != "train":\n            return None\n',
        replacement='        if split == "test":\n            return None\n',
        target="tests",
        keyword=None,
        description="the validation split gets the training augmentation (only test is spared)",
    ),
    Mutant(
        name="duplicate_manifest_ids_accepted",
        path="text_recognizer/data/manifest.py",
        original=(
            "    if len(set(ids)) != len(ids):\n"
            '        raise ManifestError(f"manifest for {root} has duplicate ids")\n'
        ),
        replacement="",
        target="tests",
        keyword=None,
        description="a manifest whose rows share an id is written without complaint",
    ),
    # -- preprocessing: page normalisation and the model's input ------------------------------
    Mutant(
        name="crop_margin_from_block_width",
        path="text_recognizer/data/page.py",
        original="pad = int(round(margin * (bottom - top)))",
        replacement="pad = int(round(margin * (right - left)))",
        target="tests",
        keyword=None,
        description="the paper kept around the text block scales with its width, not its height",
    ),
    Mutant(
        name="scanner_edge_negative_zero_slice",
        path="text_recognizer/data/page.py",
        original="    cleaned[height - bottom :] = False\n",
        replacement="    cleaned[-bottom:] = False\n",
        target="tests",
        keyword=None,
        description="with no bottom edge, [-0:] clears every row once any other edge is found",
    ),
    Mutant(
        name="transparency_composited_on_black",
        path="text_recognizer/data/preprocess.py",
        original="    return gray * alpha + 255.0 * (1.0 - alpha)\n",
        replacement="    return gray * alpha\n",
        target="tests",
        keyword=None,
        description="transparent pixels are composited on black instead of white paper",
    ),
    Mutant(
        name="batch_width_not_rounded_to_16",
        path="text_recognizer/data/preprocess.py",
        original="padded_width = round_up(int(sample_widths.max()))",
        replacement="padded_width = int(sample_widths.max())",
        target="tests",
        keyword=None,
        description="line batches are padded to the widest line, not to a multiple of 16",
    ),
    # -- models --------------------------------------------------------------------------------
    Mutant(
        name="column_mask_keeps_one_padded_column",
        path="text_recognizer/models/line_ctc.py",
        original="(columns < lengths.unsqueeze(1))",
        replacement="(columns <= lengths.unsqueeze(1))",
        target="tests",
        keyword=None,
        description="off by one: the width mask lets the first padded column through",
    ),
    Mutant(
        name="cross_attention_reads_self_attention_norm",
        path="text_recognizer/models/paragraph_transformer.py",
        original="self.cross_attention.attend(self.norm_cross(x), memory, False)",
        replacement="self.cross_attention.attend(self.norm_self(x), memory, False)",
        target="tests",
        keyword=None,
        description="copy-paste: cross-attention normalises with the self-attention LayerNorm",
    ),
    Mutant(
        name="first_resnet_stage_strided",
        path="text_recognizer/models/resnet.py",
        original="stride = 2 if index > 0 and block_index == 0 else 1",
        replacement="stride = 2 if block_index == 0 else 1",
        target="tests",
        keyword=None,
        description="the first stage halves the resolution too, so the encoder's stride doubles",
    ),
    Mutant(
        name="sinusoid_frequencies_grow",
        path="text_recognizer/models/positional.py",
        original="(-math.log(10000.0) / dim)",
        replacement="(math.log(10000.0) / dim)",
        target="tests",
        keyword=None,
        description="wrong sign: position frequencies grow to 10^4 instead of shrinking to 10^-4",
    ),
    # -- decoding ------------------------------------------------------------------------------
    Mutant(
        name="temperature_multiplies_log_probs",
        path="text_recognizer/decoding.py",
        original="torch.log_softmax(log_probs / temperature, dim=-1)",
        replacement="torch.log_softmax(log_probs * temperature, dim=-1)",
        target="tests",
        keyword=None,
        description="a temperature above 1 sharpens the distribution instead of flattening it",
    ),
    Mutant(
        name="ctc_beam_repeat_extends_without_blank",
        path="text_recognizer/decoding.py",
        original="extended[1] = _log_add(extended[1], p_blank + score)",
        replacement="extended[1] = _log_add(extended[1], total + score)",
        target="tests",
        keyword=None,
        description="CTC beam search doubles a letter repeated over frames with no blank between",
    ),
    Mutant(
        name="beam_best_row_ignores_batch_offset",
        path="text_recognizer/decoding.py",
        original="best = scores.argmax(dim=-1) + offsets.squeeze(1)",
        replacement="best = scores.argmax(dim=-1)",
        target="tests",
        keyword=None,
        description="beam search returns rows of the first image's beams for every image",
    ),
    # -- losses --------------------------------------------------------------------------------
    Mutant(
        name="ctc_input_and_target_lengths_swapped",
        path="text_recognizer/lit_models/line.py",
        original='            lengths,\n            batch["target_lengths"],\n',
        replacement='            batch["target_lengths"],\n            lengths,\n',
        target="tests",
        keyword=None,
        description="swapped arguments: CTC gets the label lengths as frame counts and vice versa",
    ),
    Mutant(
        name="teacher_forcing_targets_shifted",
        path="text_recognizer/lit_models/paragraph.py",
        original="    outputs[:, :-1] = targets\n",
        replacement="    outputs[:, 1:] = targets\n",
        target="tests",
        keyword=None,
        description="off by one: the expected outputs are shifted right, repeating the input",
    ),
    Mutant(
        name="label_smoothing_hardcoded",
        path="text_recognizer/lit_models/paragraph.py",
        original="label_smoothing=self.hparams.label_smoothing,",
        replacement="label_smoothing=0.1,",
        target="tests",
        keyword=None,
        description="the paragraph loss ignores the configured label smoothing and uses 0.1",
    ),
    # -- metrics and calibration ---------------------------------------------------------------
    Mutant(
        name="edit_trim_overlaps_prefix_and_suffix",
        path="text_recognizer/metrics.py",
        original="while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:",
        replacement="while end_a > 0 and end_b > 0 and a[end_a - 1] == b[end_b - 1]:",
        target="tests",
        keyword=None,
        description="the shared suffix may overlap the shared prefix: edit('aa', 'a') is 0",
    ),
    Mutant(
        name="rate_of_empty_reference_divides_by_zero",
        path="text_recognizer/metrics.py",
        original="return self.errors / max(self.units, 1)",
        replacement="return self.errors / self.units",
        target="tests",
        keyword=None,
        description="an empty reference no longer counts as one unit: its rate divides by zero",
    ),
    Mutant(
        name="ece_unweighted_mean_over_bins",
        path="text_recognizer/calibration.py",
        original=(
            "return sum(item.count * abs(item.confidence - item.accuracy) for item in table) / total"
        ),
        replacement=(
            "return sum(abs(item.confidence - item.accuracy) for item in table) / len(table)"
        ),
        target="tests",
        keyword=None,
        description="the ECE averages the bins' gaps over all bins instead of weighting by count",
    ),
    # -- optimisation --------------------------------------------------------------------------
    Mutant(
        name="cosine_progress_unclamped",
        path="text_recognizer/lit_models/base.py",
        original=(
            "progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))"
        ),
        replacement="progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)",
        target="tests",
        keyword=None,
        description="past the last step the cosine schedule climbs back up instead of holding",
    ),
    Mutant(
        name="warmup_at_least_configured",
        path="text_recognizer/lit_models/base.py",
        original="warmup = min(hp.warmup_steps, max(1, total // 10))",
        replacement="warmup = max(hp.warmup_steps, max(1, total // 10))",
        target="tests",
        keyword=None,
        description="min/max swapped: a short run warms up for all its steps and never decays",
    ),
    # -- export and staging --------------------------------------------------------------------
    Mutant(
        name="staged_model_left_in_train_mode",
        path="text_recognizer/staging.py",
        original="    model.to(device).eval()\n",
        replacement="    model.to(device)\n",
        target="tests",
        keyword=None,
        description="a loaded staged model stays in train mode: dropout and batch statistics on",
    ),
    Mutant(
        name="onnx_line_width_not_dynamic",
        path="text_recognizer/export.py",
        original='                    "images": {0: "batch", 3: "width"},\n',
        replacement='                    "images": {0: "batch"},\n',
        target="tests",
        keyword=None,
        description="the ONNX line model is exported with its image width frozen to the example's",
    ),
    # -- service -------------------------------------------------------------------------------
    Mutant(
        name="body_limit_checked_per_chunk",
        path="text_recognizer/api/parsing.py",
        original="        received += len(chunk)\n",
        replacement="        received = len(chunk)\n",
        target="tests",
        keyword=None,
        description="the streamed byte limit checks each chunk alone, not the running total",
    ),
    Mutant(
        name="micro_batch_one_over_max",
        path="text_recognizer/api/batching.py",
        original="while len(jobs) < self.max_batch_size:",
        replacement="while len(jobs) <= self.max_batch_size:",
        target="tests",
        keyword=None,
        description="off by one: the micro-batcher gathers one request more than the batch size",
    ),
    # -- validation / expectations -------------------------------------------------------------
    Mutant(
        name="total_variation_not_halved",
        path="text_recognizer/validation/split_distances.py",
        original="return 0.5 * sum(abs(first[k] / n - second[k] / m) for k in keys)",
        replacement="return sum(abs(first[k] / n - second[k] / m) for k in keys)",
        target="tests",
        keyword=None,
        description="the total-variation distance is not halved, so it runs 0..2 against its limit",
    ),
    Mutant(
        name="rows_tolerance_floor_dropped",
        path="text_recognizer/validation/tables.py",
        original="allowed = max(1, round(config.rows_tolerance * label_lines))",
        replacement="allowed = round(config.rows_tolerance * label_lines)",
        target="tests",
        keyword=None,
        description="short paragraphs lose the one-row tolerance of the text-rows check",
    ),
)
