"""Held-out rounds of realistic bugs, written without reading the tests.

:mod:`scripts.planted_bugs` lists bugs with the test written to catch each; its kill rate says
how well the suite catches the bugs it was written against. Each round here holds 30 bugs spread
over the pipeline (data, preprocessing, models, decoding, losses, metrics, optimisation, export,
service and expectations), written from the package's modules alone, never looking under
``tests/``: its kill rate estimates how well the suite catches bugs it was *not* written
against::

    python -m scripts.kill_rate --catalogue scripts.unseen_bugs --lane-only --workers 2

Each bug names the whole fast lane (``target="tests"``) rather than one test. Once a round is
measured, its survivors get their tests and join the catalogue; the round is then no longer
unseen, so the next measurement needs a fresh round, written the same way, rather than the old
ones counted again. Measured: round 1, 23 of 30 (76.7 %); round 2, written after round 1's
survivors got tests, 15 of 30 (50.0 %); round 3, after round 2's, 17 of 30 (56.7 %); round 4,
against the first pipeline probes (text_recognizer/testing/probes), 19 of 30 (63.3 %); round 5,
once the probes covered every stage, 26 of 30 (86.7 %); round 6, once the probes also recorded
the calls they make, 25 of 30 (83.3 %); round 7, once every command-line option had its probe,
26 of 30 (86.7 %); round 8, once module constructors had their sweeps too, 24 of 30 (80.0 %); round 9, after
round 8's survivors got their tests, 23 of 30 (76.7 %), five of its seven survivors a bound one
step off; round 10, once every guard was run at its limit and one step past it, 27 of 30
(90.0 %); round 11, once decisions against a named limit were too and round 10's survivors had
their tests, 28 of 30 (93.3 %); round 12, once round 11's survivors had theirs, 26 of 30
(86.7 %), three of its four survivors a custom vocabulary or an input type dropped on the way.
"""

from __future__ import annotations

from scripts.mutant import Mutant

#: Round 1, 2026-11-28: 23 of 30 killed (76.7 %); the 7 survivors now have tests and sit in
#: the catalogue (:data:`scripts.planted_bugs.HELD_OUT_CAUGHT`).
ROUND_1: tuple[Mutant, ...] = (
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

#: Round 2, 2026-11-28, written after round 1's survivors got their tests: 15 of 30 killed
#: (50.0 %); the 15 survivors now have tests and sit in the catalogue too.
ROUND_2: tuple[Mutant, ...] = (
    # -- data: corpus, downloads, EMNIST, IAM, data modules --------------------------------------
    Mutant(
        name="word_wrap_refuses_an_exact_fit",
        path="text_recognizer/data/corpus.py",
        original="elif len(current) + 1 + len(word) <= width:",
        replacement="elif len(current) + 1 + len(word) < width:",
        target="tests",
        keyword=None,
        description="off by one: a word that exactly fills the wrap width goes to the next line",
    ),
    Mutant(
        name="resumed_download_truncates_part",
        path="text_recognizer/data/download.py",
        original='            mode = "ab"\n',
        replacement='            mode = "wb"\n',
        target="tests",
        keyword=None,
        description="a resumed (206) download opens the .part for writing, losing the bytes so far",
    ),
    Mutant(
        name="emnist_glyphs_left_transposed",
        path="text_recognizer/data/emnist.py",
        original="np.ascontiguousarray(images.transpose(0, 2, 1))",
        replacement="np.ascontiguousarray(images)",
        target="tests",
        keyword=None,
        description="EMNIST glyphs are inverted but not transposed back: each lies mirrored on its diagonal",
    ),
    Mutant(
        name="iam_credentials_sent_to_task_server",
        path="text_recognizer/data/iam_download.py",
        original=(
            "    return paths + [download(task.url, directory / task.filename, "
            "progress=stderr_progress)]\n"
        ),
        replacement=(
            "    return paths + [\n"
            "        download(\n"
            "            task.url, directory / task.filename, headers=headers, "
            "progress=stderr_progress\n"
            "        )\n"
            "    ]\n"
        ),
        target="tests",
        keyword=None,
        description="the IAM account's basic-auth header is also sent to the plain-http task server",
    ),
    Mutant(
        name="validation_loader_shuffled",
        path="text_recognizer/data/modules.py",
        original='        shuffle = split == "train"\n',
        replacement='        shuffle = split != "test"\n',
        target="tests",
        keyword=None,
        description="the validation loader shuffles, so its batches differ from epoch to epoch",
    ),
    # -- preprocessing: page normalisation, model input, segmentation ---------------------------
    Mutant(
        name="text_span_drops_its_last_ink_row",
        path="text_recognizer/data/page.py",
        original="    return start + int(inked[0]), start + int(inked[-1]) + 1\n",
        replacement="    return start + int(inked[0]), start + int(inked[-1])\n",
        target="tests",
        keyword=None,
        description="off by one: the text block ends at its last ink row and column, cutting them",
    ),
    Mutant(
        name="row_percentile_position_over_size",
        path="text_recognizer/data/page.py",
        original="        position = percent / 100.0 * (size - 1)\n",
        replacement="        position = percent / 100.0 * size\n",
        target="tests",
        keyword=None,
        description="percentiles interpolate at p * n instead of p * (n - 1): the median drifts up",
    ),
    Mutant(
        name="paragraph_fit_uses_larger_scale",
        path="text_recognizer/data/preprocess.py",
        original="scale = min(PARAGRAPH_WIDTH / width, PARAGRAPH_HEIGHT / height)",
        replacement="scale = max(PARAGRAPH_WIDTH / width, PARAGRAPH_HEIGHT / height)",
        target="tests",
        keyword=None,
        description="min/max swapped: a page is scaled to fill the canvas, then squashed by the cap",
    ),
    Mutant(
        name="line_box_padding_crosses_its_band",
        path="text_recognizer/segmentation.py",
        original="                top=max(top, top + int(rows[0]) - pad),\n",
        replacement="                top=max(0, top + int(rows[0]) - pad),\n",
        target="tests",
        keyword=None,
        description="a line's top padding is clamped to the page, not its band: it takes rows above",
    ),
    # -- models ----------------------------------------------------------------------------------
    Mutant(
        name="token_embedding_not_scaled",
        path="text_recognizer/models/paragraph_transformer.py",
        original="x = self.embedding(tokens) * math.sqrt(self.config.d_model)",
        replacement="x = self.embedding(tokens)",
        target="tests",
        keyword=None,
        description="token embeddings lose their sqrt(d_model) scale and drown in the positions",
    ),
    Mutant(
        name="memory_flattened_by_reshape",
        path="text_recognizer/models/paragraph_transformer.py",
        original="return self.dropout(features.flatten(2).transpose(1, 2))",
        replacement=(
            "return self.dropout(features.flatten(2).reshape(features.shape[0], -1, "
            "features.shape[1]))"
        ),
        target="tests",
        keyword=None,
        description="a reshape where a transpose belongs: memory cells mix channels and positions",
    ),
    Mutant(
        name="preset_overrides_ignored",
        path="text_recognizer/models/__init__.py",
        original=(
            "dataclasses.replace(PRESETS[kind][name], **overrides) if overrides else "
            "PRESETS[kind][name]"
        ),
        replacement=(
            "dataclasses.replace(PRESETS[kind][name], **overrides) if overrides is None else "
            "PRESETS[kind][name]"
        ),
        target="tests",
        keyword=None,
        description="**overrides is never None, so a preset's overrides are silently dropped",
    ),
    # -- decoding --------------------------------------------------------------------------------
    Mutant(
        name="ctc_prefix_beams_keep_the_worst",
        path="text_recognizer/decoding.py",
        original="key=lambda item: -_log_add(item[1][0], item[1][1])",
        replacement="key=lambda item: _log_add(item[1][0], item[1][1])",
        target="tests",
        keyword=None,
        description="reversed sort: CTC prefix beam search keeps the least likely prefixes",
    ),
    Mutant(
        name="autoregressive_beams_start_identical",
        path="text_recognizer/decoding.py",
        original=(
            "    scores = torch.full((batch, beam_width), -math.inf, device=device)\n"
            "    scores[:, 0] = 0.0"
        ),
        replacement="    scores = torch.zeros((batch, beam_width), device=device)",
        target="tests",
        keyword=None,
        description="every beam starts live, so all beams pick the same tokens: beam = greedy",
    ),
    Mutant(
        name="decoding_one_step_past_max_length",
        path="text_recognizer/decoding.py",
        original="return min(max_length or limit, limit) - 1  # the <start> token takes one position",
        replacement="return min(max_length or limit, limit)",
        target="tests",
        keyword=None,
        description="off by one: decoding forgets <start>'s position and emits one token too many",
    ),
    # -- losses and LightningModules -------------------------------------------------------------
    Mutant(
        name="paragraph_validation_capped_by_shortest",
        path="text_recognizer/lit_models/paragraph.py",
        original='max_length = 2 * int(batch["target_lengths"].max()) + 16',
        replacement='max_length = 2 * int(batch["target_lengths"].min()) + 16',
        target="tests",
        keyword=None,
        description="validation decoding is capped by the shortest reference, cutting long ones",
    ),
    Mutant(
        name="line_beam_decoding_ignores_lengths",
        path="text_recognizer/lit_models/line.py",
        original="ctc_beam_search(log_probs, lengths, self.vocab, self.hparams.beam_width)",
        replacement=(
            "ctc_beam_search(log_probs, vocab=self.vocab, beam_width=self.hparams.beam_width)"
        ),
        target="tests",
        keyword=None,
        description="beam decoding of a line batch reads the frames of its padding too",
    ),
    Mutant(
        name="epoch_rates_predictions_and_references_swapped",
        path="text_recognizer/lit_models/base.py",
        original='rates.update(texts, batch["texts"])',
        replacement='rates.update(batch["texts"], texts)',
        target="tests",
        keyword=None,
        description="swapped arguments: validation CER and WER are normalised by the predictions",
    ),
    # -- metrics, calibration, evaluation --------------------------------------------------------
    Mutant(
        name="unequal_corpora_silently_truncated",
        path="text_recognizer/metrics.py",
        original=(
            "    if len(predictions) != len(references):\n"
            '        raise ValueError(f"{len(predictions)} predictions for '
            '{len(references)} references")\n'
        ),
        replacement="",
        target="tests",
        keyword=None,
        description="predictions and references of different counts are zipped, not refused",
    ),
    Mutant(
        name="calibration_edit_table_first_row_zero",
        path="text_recognizer/calibration.py",
        original="    table[0, :] = np.arange(len(truth) + 1)\n",
        replacement="",
        target="tests",
        keyword=None,
        description="the edit table's first row is left at 0: missing truth prefixes cost nothing",
    ),
    Mutant(
        name="legacy_group_scores_the_other_writers",
        path="text_recognizer/evaluation.py",
        original="if record.writer in LEGACY_TEST_WRITERS]",
        replacement="if record.writer not in LEGACY_TEST_WRITERS]",
        target="tests",
        keyword=None,
        description="wrong polarity: the legacy-writers group is scored on every other writer",
    ),
    # -- optimisation, training config, experiment, checkpoints ----------------------------------
    Mutant(
        name="best_checkpoint_keeps_highest_cer",
        path="text_recognizer/training/experiment.py",
        original='            monitor="val/cer",\n            mode="min",\n            save_last=True,\n',
        replacement=(
            '            monitor="val/cer",\n            mode="max",\n            save_last=True,\n'
        ),
        target="tests",
        keyword=None,
        description="the 'best' checkpoint (tested and staged) is the one with the highest CER",
    ),
    Mutant(
        name="plausible_range_excludes_its_floor",
        path="text_recognizer/training/config.py",
        original="if isinstance(value, (int, float)) and not low <= value <= high:",
        replacement="if isinstance(value, (int, float)) and not low < value <= high:",
        target="tests",
        keyword=None,
        description="a config value at its range's floor (weight_decay 0, no warm-up) is refused",
    ),
    Mutant(
        name="checkpoint_weights_loaded_non_strict",
        path="text_recognizer/lit_models/__init__.py",
        original="    model.load_state_dict(state)\n",
        replacement="    model.load_state_dict(state, strict=False)\n",
        target="tests",
        keyword=None,
        description="a checkpoint missing weights loads silently, leaving them at random init",
    ),
    # -- export and staging ----------------------------------------------------------------------
    Mutant(
        name="onnx_export_leaves_paragraph_model_training",
        path="text_recognizer/export.py",
        original=(
            "        # A new Module starts in train mode; exporters restore the wrapper's mode "
            "recursively,\n"
            "        # which would switch the wrapped model to train mode (dropout on, BatchNorm "
            "updating).\n"
            "        self.train(model.training)\n"
            "\n"
            "    def forward(\n"
            "        self,\n"
            "        tokens: torch.Tensor,\n"
        ),
        replacement="\n    def forward(\n        self,\n        tokens: torch.Tensor,\n",
        target="tests",
        keyword=None,
        description="the decoder-step wrapper starts in train mode: ONNX export leaves the model so",
    ),
    Mutant(
        name="staged_model_missing_preprocessing_keys_accepted",
        path="text_recognizer/staging.py",
        original='payload["preprocessing"].get(key) != value',
        replacement='payload["preprocessing"].get(key, value) != value',
        target="tests",
        keyword=None,
        description="a staged model that does not record a preprocessing constant loads anyway",
    ),
    # -- service ---------------------------------------------------------------------------------
    Mutant(
        name="inflight_count_leaks_on_error",
        path="text_recognizer/api/service.py",
        original=(
            "        self.inflight += 1\n"
            "        try:\n"
            "            yield\n"
            "        finally:\n"
            "            self.inflight -= 1\n"
        ),
        replacement="        self.inflight += 1\n        yield\n        self.inflight -= 1\n",
        target="tests",
        keyword=None,
        description="a failed request never leaves the in-flight count, which creeps up to the limit",
    ),
    Mutant(
        name="readyz_answers_200_when_not_ready",
        path="text_recognizer/api/app.py",
        original=(
            "            return JSONResponse(error.to_body(), status_code=error.status, "
            "headers=error.headers)\n"
            '        return {"status": "ready"'
        ),
        replacement=(
            "            return JSONResponse(error.to_body(), status_code=200, "
            "headers=error.headers)\n"
            '        return {"status": "ready"'
        ),
        target="tests",
        keyword=None,
        description="wrong status code: /readyz says 200 while loading, so traffic is routed there",
    ),
    # -- validation / expectations ---------------------------------------------------------------
    Mutant(
        name="duplicate_images_keyed_by_id",
        path="text_recognizer/validation/expectations.py",
        original='{"column_list": ["split", "sha256"]}',
        replacement='{"column_list": ["split", "id"]}',
        target="tests",
        keyword=None,
        description="wrong key: the within-split duplicate check compares ids, which never repeat",
    ),
    Mutant(
        name="image_stats_ignore_polarity",
        path="text_recognizer/validation/image_stats.py",
        original="    oriented = 255 - array if page.inverted else array\n",
        replacement="    oriented = array\n",
        target="tests",
        keyword=None,
        description="intensity and saturation of a light-on-dark scan are taken as it comes",
    ),
)

#: Round 3, 2026-11-28, written after round 2's survivors got their tests: 17 of 30 killed
#: (56.7 %); the 13 survivors now have tests and sit in the catalogue.
ROUND_3: tuple[Mutant, ...] = (
    Mutant(
        name="augment_blurs_when_it_should_not",
        path="text_recognizer/data/transforms.py",
        original="blur = rng.random() < self.blur_probability",
        replacement="blur = rng.random() > self.blur_probability",
        target="tests",
        keyword=None,
        description=(
            "the train-time augmentation blurs an image with one minus the "
            "configured probability"
        ),
    ),
    Mutant(
        name="iam_component_box_width_height_swapped",
        path="text_recognizer/data/iam_forms.py",
        original=(
            'return (x, y, x + _int_attribute(cmp, "width", name), y + '
            '_int_attribute(cmp, "height", name))'
        ),
        replacement=(
            'return (x, y, x + _int_attribute(cmp, "height", name), y + '
            '_int_attribute(cmp, "width", name))'
        ),
        target="tests",
        keyword=None,
        description="an IAM ink component's box takes its width as its height and vice versa",
    ),
    Mutant(
        name="label_batches_padded_with_blank",
        path="text_recognizer/vocab.py",
        original="batch = torch.full((len(sequences), width), self.pad_index, dtype=torch.long)",
        replacement=(
            "batch = torch.full((len(sequences), width), self.blank_index, " "dtype=torch.long)"
        ),
        target="tests",
        keyword=None,
        description=(
            "padded label batches are filled with the blank token instead of the " "padding token"
        ),
    ),
    Mutant(
        name="fake_splits_share_their_samples",
        path="text_recognizer/data/fake.py",
        original="rng = np.random.default_rng([seed, SPLITS.index(split), index])",
        replacement="rng = np.random.default_rng([seed, index])",
        target="tests",
        keyword=None,
        description="fake samples ignore their split, so val and test repeat the training images",
    ),
    Mutant(
        name="tar_symlink_resolved_from_the_root",
        path="text_recognizer/data/archive.py",
        original="if not (destination.parent / link).resolve().is_relative_to(root.resolve()):",
        replacement="if not (root / link).resolve().is_relative_to(root.resolve()):",
        target="tests",
        keyword=None,
        description=(
            "a tar symlink's target is resolved from the archive root, not from "
            "the link's folder"
        ),
    ),
    Mutant(
        name="line_cut_at_start_of_lowest_gap",
        path="text_recognizer/segmentation.py",
        original="return start + (first + last) // 2",
        replacement="return start + first",
        target="tests",
        keyword=None,
        description=(
            "two lines are cut at the top of the emptiest stretch between them, "
            "not at its middle"
        ),
    ),
    Mutant(
        name="crop_bottom_margin_off_by_one",
        path="text_recognizer/segmentation.py",
        original="max(0, pad - (box.height - 1 - int(rows[-1])))",
        replacement="max(0, pad - (box.height - int(rows[-1])))",
        target="tests",
        keyword=None,
        description=(
            "off by one: a cropped line stopped by its band gets one row too " "little bottom paper"
        ),
    ),
    Mutant(
        name="single_dark_row_is_a_scanner_edge",
        path="text_recognizer/data/page.py",
        original="return depth if depth >= 2 else 0",
        replacement="return depth if depth >= 1 else 0",
        target="tests",
        keyword=None,
        description=(
            "a single dark border row (a stroke or a ruled line) is removed as a " "scanner edge"
        ),
    ),
    Mutant(
        name="exif_rotation_applied_to_unrotated_only",
        path="text_recognizer/data/preprocess.py",
        original="if image.getexif().get(ExifTags.Base.Orientation, 1) != 1:",
        replacement="if image.getexif().get(ExifTags.Base.Orientation, 1) == 1:",
        target="tests",
        keyword=None,
        description="wrong polarity: phone photos with an EXIF rotation are read sideways",
    ),
    Mutant(
        name="unit_tuple_stride_gets_a_projection",
        path="text_recognizer/models/resnet.py",
        original="needs_projection = stride not in (1, (1, 1)) or in_channels != out_channels",
        replacement="needs_projection = stride != 1 or in_channels != out_channels",
        target="tests",
        keyword=None,
        description=(
            "a residual block with stride (1, 1) gets a needless 1x1 projection "
            "instead of the identity"
        ),
    ),
    Mutant(
        name="lstm_dropout_on_the_first_layer_input",
        path="text_recognizer/models/line_ctc.py",
        original="            if index > 0:\n                x = self.dropout(x)",
        replacement="            if index >= 0:\n                x = self.dropout(x)",
        target="tests",
        keyword=None,
        description="the bidirectional LSTM drops out its projected input, not only between layers",
    ),
    Mutant(
        name="decoder_mlp_loses_its_residual",
        path="text_recognizer/models/paragraph_transformer.py",
        original="x = x + self.dropout(self.mlp(self.norm_mlp(x)))",
        replacement="x = self.dropout(self.mlp(self.norm_mlp(x)))",
        target="tests",
        keyword=None,
        description=(
            "the decoder layer's feed-forward block replaces its input instead of " "adding to it"
        ),
    ),
    Mutant(
        name="ctc_beam_blank_drops_label_ending_paths",
        path="text_recognizer/decoding.py",
        original="stay[0] = _log_add(stay[0], total + blank_score)",
        replacement="stay[0] = _log_add(stay[0], p_blank + blank_score)",
        target="tests",
        keyword=None,
        description=(
            "a blank after a prefix that ends in its label loses that path's "
            "probability in beam search"
        ),
    ),
    Mutant(
        name="paragraph_confidence_ignores_end_step",
        path="text_recognizer/decoding.py",
        original="confidence=geometric_mean(log_prob, len(scored)),",
        replacement="confidence=geometric_mean(log_prob, len(tokens)),",
        target="tests",
        keyword=None,
        description=(
            "a paragraph's confidence averages the <end> token's log-probability "
            "over the characters only"
        ),
    ),
    Mutant(
        name="zero_temperature_accepted",
        path="text_recognizer/decoding.py",
        original="if temperature <= 0 or not math.isfinite(temperature):",
        replacement="if temperature < 0 or not math.isfinite(temperature):",
        target="tests",
        keyword=None,
        description="a temperature of 0 is accepted and divides the log-probabilities by zero",
    ),
    Mutant(
        name="logged_wer_is_the_cer",
        path="text_recognizer/lit_models/base.py",
        original='self.log(f"{stage}/wer", rates.wer, batch_size=size)',
        replacement='self.log(f"{stage}/wer", rates.cer, batch_size=size)',
        target="tests",
        keyword=None,
        description="copy-paste: the logged validation and test WER is the CER",
    ),
    Mutant(
        name="test_epoch_resets_validation_rates",
        path="text_recognizer/lit_models/base.py",
        original='self.rates["test"].reset()',
        replacement='self.rates["val"].reset()',
        target="tests",
        keyword=None,
        description=(
            "copy-paste: a test epoch resets the validation rates, so test rates "
            "pile up across runs"
        ),
    ),
    Mutant(
        name="paragraph_decoding_cap_polarity_inverted",
        path="text_recognizer/lit_models/paragraph.py",
        original="if not self.trainer.predicting:",
        replacement="if self.trainer.predicting:",
        target="tests",
        keyword=None,
        description=(
            "wrong polarity: prediction is capped by the references while "
            "validation decodes to the max"
        ),
    ),
    Mutant(
        name="wer_metric_never_reset",
        path="text_recognizer/lit_models/metrics.py",
        original="        self.cer.reset()\n        self.wer.reset()\n",
        replacement="        self.cer.reset()\n",
        target="tests",
        keyword=None,
        description="ErrorRates.reset clears the CER only, so the WER accumulates across epochs",
    ),
    Mutant(
        name="reliability_bin_accuracy_is_its_confidence",
        path="text_recognizer/calibration.py",
        original="accuracy=float(acc[chosen].mean()) if count else 0.0,",
        replacement="accuracy=float(conf[chosen].mean()) if count else 0.0,",
        target="tests",
        keyword=None,
        description=(
            "copy-paste: a reliability bin's accuracy is its mean confidence, so "
            "the ECE is always 0"
        ),
    ),
    Mutant(
        name="calibration_reports_ece_before_as_after",
        path="text_recognizer/calibration.py",
        original='"line_ece_after": round(after.line_ece, 4),',
        replacement='"line_ece_after": round(before.line_ece, 4),',
        target="tests",
        keyword=None,
        description=(
            "copy-paste: the calibration record's line ECE after the fit is the " "one before it"
        ),
    ),
    Mutant(
        name="one_cycle_warmup_takes_the_smaller_share",
        path="text_recognizer/lit_models/base.py",
        original="return max(0.1, 2.0 / (steps + 1))",
        replacement="return min(0.1, 2.0 / (steps + 1))",
        target="tests",
        keyword=None,
        description="min/max swapped: OneCycle's warm-up share shrinks to two steps on long runs",
    ),
    Mutant(
        name="data_reserved_keys_polarity_inverted",
        path="text_recognizer/training/config.py",
        original='if section == "data" and config["data"].get("module") != "fake":',
        replacement='if section == "data" and config["data"].get("module") == "fake":',
        target="tests",
        keyword=None,
        description=(
            "wrong polarity: the fake data module accepts data_dir while the real "
            "modules refuse it"
        ),
    ),
    Mutant(
        name="seed_zero_override_ignored",
        path="text_recognizer/training/experiment.py",
        original='if getattr(args, "seed", None) is not None:',
        replacement='if getattr(args, "seed", None):',
        target="tests",
        keyword=None,
        description="a --seed 0 on the command line is falsy and leaves the config's seed in place",
    ),
    Mutant(
        name="two_line_page_read_as_a_line",
        path="text_recognizer/recognizer.py",
        original="if width / height < MIN_LINE_ASPECT or text_rows(page) >= 2:",
        replacement="if width / height < MIN_LINE_ASPECT or text_rows(page) > 2:",
        target="tests",
        keyword=None,
        description="off by one: auto mode sends a wide two-line paragraph to the line model",
    ),
    Mutant(
        name="staged_weights_halved_unless_asked",
        path="text_recognizer/staging.py",
        original="    if half:\n        state = {",
        replacement="    if not half:\n        state = {",
        target="tests",
        keyword=None,
        description=(
            "wrong polarity: staging stores float16 weights by default and float32 "
            "when half is asked"
        ),
    ),
    Mutant(
        name="disconnect_after_answer_counted_as_499",
        path="text_recognizer/api/middleware.py",
        original="exchange.disconnected = not exchange.completed",
        replacement="exchange.disconnected = True",
        target="tests",
        keyword=None,
        description=(
            "a client closing after a complete answer is counted as a disconnect "
            "(499), not its status"
        ),
    ),
    Mutant(
        name="bearer_token_may_contain_spaces",
        path="text_recognizer/api/settings.py",
        original="33 <= ord(char) <= 126",
        replacement="32 <= ord(char) <= 126",
        target="tests",
        keyword=None,
        description=(
            "a bearer token with spaces, unsendable in a header, is accepted by " "the settings"
        ),
    ),
    Mutant(
        name="ink_present_check_bounds_from_above",
        path="text_recognizer/validation/expectations.py",
        original='{"column": "ink_fraction", "min_value": c.min_ink_fraction}',
        replacement='{"column": "ink_fraction", "max_value": c.min_ink_fraction}',
        target="tests",
        keyword=None,
        description=(
            "wrong key: the ink check caps the ink fraction at the minimum instead "
            "of requiring it"
        ),
    ),
    Mutant(
        name="validation_report_ok_when_any_passes",
        path="text_recognizer/validation/report.py",
        original="return all(outcome.success for outcome in self.outcomes)",
        replacement="return any(outcome.success for outcome in self.outcomes)",
        target="tests",
        keyword=None,
        description="a validation report is ok as soon as one expectation holds",
    ),
)

#: Every round: what the nightly job and ``--catalogue scripts.unseen_bugs`` plant. Once measured,
#: a round is no longer unseen, so nightly this checks that its bugs *stay* caught; the next
#: measurement of unseen bugs needs a fresh round (``--only`` its names).
#: Round 4, 2026-11-28, written after round 3's survivors got their tests and while the
#: pipeline probes (text_recognizer/testing/probes) were being built; measured on 437543c (the
#: first 146 probes): 19 of 30 killed (63.3 %). 10 of the 11 survivors now have tests; the 11th
#: cannot be observed (see ROUND_4_SURVIVOR_TESTS).
ROUND_4: tuple[Mutant, ...] = (
    # -- data: generator, downloads, archives ---------------------------------------------------
    Mutant(
        name="archive_bytes_budget_counted_per_member",
        path="text_recognizer/data/archive.py",
        original="_check_count_and_total(info.filename, 0, written + produced, limits)",
        replacement="_check_count_and_total(info.filename, 0, produced, limits)",
        target="tests",
        keyword=None,
        description="the zip bomb's byte limit is checked per member, not over the whole archive",
    ),
    Mutant(
        name="existing_download_trusted_without_checksum",
        path="text_recognizer/data/download.py",
        original=(
            "    if dest.exists():\n"
            "        if sha256:\n"
            "            verify_sha256(dest, sha256)\n"
            "        return dest\n"
        ),
        replacement="    if dest.exists():\n        return dest\n",
        target="tests",
        keyword=None,
        description="a file already at the destination is returned without checking its SHA-256",
    ),
    Mutant(
        name="generated_dataset_ignores_no_augment",
        path="text_recognizer/data/synthetic.py",
        original="config = SyntheticConfig(kind=kind, seed=seed, augment=augment)",
        replacement="config = SyntheticConfig(kind=kind, seed=seed)",
        target="tests",
        keyword=None,
        description="generate_dataset drops its augment argument: --no-augment sets are augmented",
    ),
    # -- preprocessing and augmentation ---------------------------------------------------------
    Mutant(
        name="crop_margin_padded_with_ink",
        path="text_recognizer/data/page.py",
        original="return np.pad(block, pad, constant_values=255) if pad else block",
        replacement="return np.pad(block, pad) if pad else block",
        target="tests",
        keyword=None,
        description="the text block's margin is padded with 0 (black ink) instead of white paper",
    ),
    Mutant(
        name="premultiplied_la_alpha_applied_twice",
        path="text_recognizer/data/preprocess.py",
        original="return gray + 255.0 * (1.0 - alpha)  # gray is already premultiplied",
        replacement="return gray * alpha + 255.0 * (1.0 - alpha)  # composite on white",
        target="tests",
        keyword=None,
        description="premultiplied 'La' images are multiplied by alpha again: half-transparent ink "
        "comes out too dark",
    ),
    Mutant(
        name="augmentation_fills_corners_white",
        path="text_recognizer/data/transforms.py",
        original="            fillcolor=paper,\n",
        replacement="            fillcolor=255,\n",
        target="tests",
        keyword=None,
        description="rotated/sheared training images get pure white corners instead of the "
        "image's paper level",
    ),
    # -- models ---------------------------------------------------------------------------------
    Mutant(
        name="line_stem_output_not_masked",
        path="text_recognizer/models/line_ctc.py",
        original="        x = x * column_mask(lengths, x.shape[-1], x.dtype)\n",
        replacement="",
        target="tests",
        keyword=None,
        description="the line stem's output is not re-masked, so padding (BatchNorm bias) leaks "
        "into the first block and a line's output depends on its batch",
    ),
    Mutant(
        name="kv_cache_values_from_past_keys",
        path="text_recognizer/models/paragraph_transformer.py",
        original="value = torch.cat([past[1], value], dim=2)",
        replacement="value = torch.cat([past[0], value], dim=2)",
        target="tests",
        keyword=None,
        description="incremental decoding extends the value cache with the past keys",
    ),
    Mutant(
        name="sinusoid_odd_columns_are_sines",
        path="text_recognizer/models/positional.py",
        original="table[:, 1::2] = torch.cos(position * frequency)",
        replacement="table[:, 1::2] = torch.sin(position * frequency)",
        target="tests",
        keyword=None,
        description="the odd columns of the position table hold sines, duplicating the even ones",
    ),
    # -- decoding and confidence ----------------------------------------------------------------
    Mutant(
        name="beam_memory_tiled_not_interleaved",
        path="text_recognizer/decoding.py",
        original=("(key.repeat_interleave(beam_width, 0), value.repeat_interleave(beam_width, 0))"),
        replacement="(key.repeat(beam_width, 1, 1, 1), value.repeat(beam_width, 1, 1, 1))",
        target="tests",
        keyword=None,
        description="beam search tiles the image memory instead of interleaving it: with more "
        "than one image, beams attend to another image's memory",
    ),
    Mutant(
        name="empty_ctc_reading_fully_confident",
        path="text_recognizer/decoding.py",
        original="sum(shown_confidences) / len(shown_confidences) if shown_confidences else 0.0",
        replacement="sum(shown_confidences) / len(shown_confidences) if shown_confidences else 1.0",
        target="tests",
        keyword=None,
        description="a CTC reading with no characters gets confidence 1.0 instead of 0",
    ),
    Mutant(
        name="temperature_fit_squares_the_mean_gap",
        path="text_recognizer/calibration.py",
        original="error = float(np.mean((confidence - accuracy) ** 2))",
        replacement="error = float(np.mean(confidence - accuracy) ** 2)",
        target="tests",
        keyword=None,
        description="the temperature fit minimises the squared mean gap, not the mean squared gap",
    ),
    # -- losses ---------------------------------------------------------------------------------
    Mutant(
        name="paragraph_loss_against_decoder_inputs",
        path="text_recognizer/lit_models/paragraph.py",
        original="            outputs,\n            ignore_index=self.vocab.pad_index,\n",
        replacement="            inputs,\n            ignore_index=self.vocab.pad_index,\n",
        target="tests",
        keyword=None,
        description="the cross-entropy targets are the decoder inputs (<start> text), so the "
        "model learns to copy its input instead of predicting the next token",
    ),
    Mutant(
        name="line_decoding_setting_inverted",
        path="text_recognizer/lit_models/line.py",
        original='if self.hparams.decoding == "beam":',
        replacement='if self.hparams.decoding != "beam":',
        target="tests",
        keyword=None,
        description="the line model decodes by beam search when greedy is configured and greedily "
        "when beam is",
    ),
    Mutant(
        name="paragraph_beam_validation_uncapped",
        path="text_recognizer/lit_models/paragraph.py",
        original='self.model, batch["images"], self.vocab, self.hparams.beam_width, max_length',
        replacement='self.model, batch["images"], self.vocab, self.hparams.beam_width',
        target="tests",
        keyword=None,
        description="beam-search validation ignores the 2 x reference + 16 token cap",
    ),
    # -- metrics and evaluation -----------------------------------------------------------------
    Mutant(
        name="reference_words_split_on_single_spaces",
        path="text_recognizer/metrics.py",
        original='reference.split() if unit == "word" else reference',
        replacement='reference.split(" ") if unit == "word" else reference',
        target="tests",
        keyword=None,
        description="reference words are split on single spaces: newlines and repeated spaces "
        "change the WER",
    ),
    Mutant(
        name="evaluation_calibration_truths_keep_newlines",
        path="text_recognizer/evaluation.py",
        original='        [truth.replace("\\n", "") for truth in truths],\n',
        replacement="        truths,\n",
        target="tests",
        keyword=None,
        description="calibration compares newline-free readings with references that still "
        "hold their newlines",
    ),
    Mutant(
        name="metric_units_averaged_across_processes",
        path="text_recognizer/lit_models/metrics.py",
        original=(
            'self.add_state("units", default=torch.tensor(0, dtype=torch.long), '
            'dist_reduce_fx="sum")'
        ),
        replacement=(
            'self.add_state("units", default=torch.tensor(0, dtype=torch.long), '
            'dist_reduce_fx="mean")'
        ),
        target="tests",
        keyword=None,
        description="under DDP the reference units are averaged while the errors are summed, "
        "so the epoch CER/WER is multiplied by the number of processes",
    ),
    # -- optimisation and training --------------------------------------------------------------
    Mutant(
        name="checkpoint_model_returned_in_train_mode",
        path="text_recognizer/lit_models/__init__.py",
        original="    return model.eval(), hparams\n",
        replacement="    return model, hparams\n",
        target="tests",
        keyword=None,
        description="load_model_from_checkpoint returns the model in train mode (dropout on, "
        "BatchNorm updating)",
    ),
    Mutant(
        name="test_split_scored_on_last_weights",
        path="text_recognizer/training/experiment.py",
        original="trainer.test(lit_model, datamodule=data, ckpt_path=best_path, verbose=False)",
        replacement="trainer.test(lit_model, datamodule=data, verbose=False)",
        target="tests",
        keyword=None,
        description="the test metrics in results.json come from the last weights, not the best "
        "checkpoint",
    ),
    Mutant(
        name="data_seed_ignores_config_seed",
        path="text_recognizer/training/experiment.py",
        original='data.setdefault("seed", config.get("seed", 0))',
        replacement='data.setdefault("seed", 0)',
        target="tests",
        keyword=None,
        description="the DataModule is always seeded with 0, whatever the config's (or --seed's) "
        "seed",
    ),
    # -- export and inference -------------------------------------------------------------------
    Mutant(
        name="exported_step_reads_past_keys_as_values",
        path="text_recognizer/export.py",
        original="            unstack_keys_values(past_keys, past_values),\n",
        replacement="            unstack_keys_values(past_keys, past_keys),\n",
        target="tests",
        keyword=None,
        description="the exported decoder step takes the past keys as the past values",
    ),
    Mutant(
        name="parity_passes_missing_outputs",
        path="text_recognizer/export_parity.py",
        original="    passed = len(expected) == len(actual)\n",
        replacement="    passed = True\n",
        target="tests",
        keyword=None,
        description="a backend returning fewer outputs than eager passes the parity check (zip "
        "stops at the shorter)",
    ),
    Mutant(
        name="beam_reading_ignores_fitted_temperature",
        path="text_recognizer/recognizer.py",
        original="log_probs, lengths, beam_width=self.beam_width, temperature=temperature",
        replacement="log_probs, lengths, beam_width=self.beam_width",
        target="tests",
        keyword=None,
        description="line beam search ignores the staged model's calibrated temperature",
    ),
    # -- service --------------------------------------------------------------------------------
    Mutant(
        name="byte_budget_lets_small_requests_jump_the_queue",
        path="text_recognizer/api/limits.py",
        original="if not self._waiters and self.in_use + nbytes <= self.capacity:",
        replacement="if self.in_use + nbytes <= self.capacity:",
        target="tests",
        keyword=None,
        description="a reservation that fits is granted even while larger ones wait, so big "
        "images can starve",
    ),
    Mutant(
        name="batch_window_in_seconds",
        path="text_recognizer/api/service.py",
        original="window_s=self.settings.batch_window_ms / 1000.0,",
        replacement="window_s=self.settings.batch_window_ms,",
        target="tests",
        keyword=None,
        description="the micro-batch window in milliseconds is used as seconds: a lone request "
        "waits 1000x too long",
    ),
    Mutant(
        name="uploads_not_exif_transposed",
        path="text_recognizer/api/limits.py",
        original="        image = ImageOps.exif_transpose(image)\n",
        replacement="",
        target="tests",
        keyword=None,
        description="the service ignores EXIF orientation: rotated phone photos are read sideways",
    ),
    # -- data validation and expectations -------------------------------------------------------
    Mutant(
        name="manifest_path_escape_by_shared_prefix",
        path="text_recognizer/validation/validate.py",
        original="return target if target.startswith(base + os.sep) else",
        replacement="return target if target.startswith(base) else",
        target="tests",
        keyword=None,
        description="a manifest path into a sibling folder sharing the prefix (../data2/x) is "
        "read as inside the data set",
    ),
    Mutant(
        name="split_share_tolerance_takes_the_smaller",
        path="text_recognizer/validation/tables.py",
        original="tolerance = max(config.split_tolerance, noise)",
        replacement="tolerance = min(config.split_tolerance, noise)",
        target="tests",
        keyword=None,
        description="split shares are allowed the smaller of the configured tolerance and the "
        "sampling noise",
    ),
    Mutant(
        name="black_fraction_excludes_the_black_level",
        path="text_recognizer/validation/image_stats.py",
        original="histogram[: BLACK_LEVEL + 1].sum()",
        replacement="histogram[:BLACK_LEVEL].sum()",
        target="tests",
        keyword=None,
        description="pixels exactly at the black level (32) are not counted as black",
    ),
)

#: Round 5, 2026-11-28, written (without reading tests/ or text_recognizer/testing/) once the
#: pipeline probes covered every stage; measured on 3488277 (192 probes): 26 of 30 killed
#: (86.7 %). The 4 survivors now have tests and sit in the catalogue.
ROUND_5: tuple[Mutant, ...] = (
    # -- data: corpus, downloads, data sets ------------------------------------------------------
    Mutant(
        name="ordinal_suffix_ignores_the_teens",
        path="text_recognizer/data/corpus.py",
        original='.get(value % 10 if value // 10 != 1 else 0, "th")',
        replacement='.get(value % 10, "th")',
        target="tests",
        keyword=None,
        description="synthetic ordinals lose the teen exception: labels say 11st, 12nd, 13rd",
    ),
    Mutant(
        name="resumed_download_counts_from_zero",
        path="text_recognizer/data/download.py",
        original="        done = offset\n",
        replacement="        done = 0\n",
        target="tests",
        keyword=None,
        description="a resumed download counts only the new bytes, so a complete file is "
        "reported as ended early and progress is wrong",
    ),
    Mutant(
        name="synthetic_sample_id_from_split_position",
        path="text_recognizer/data/datasets.py",
        original="self._sample_id(self.config.kind, generator_index)",
        replacement="self._sample_id(self.config.kind, index)",
        target="tests",
        keyword=None,
        description="on-the-fly sample ids use the position within the split, not the "
        "generator index, so every split reuses the same ids",
    ),
    # -- preprocessing, augmentation, page normalisation, segmentation ---------------------------
    Mutant(
        name="line_width_truncated_not_rounded",
        path="text_recognizer/data/preprocess.py",
        original="int(width * LINE_HEIGHT / height + 0.5)",
        replacement="int(width * LINE_HEIGHT / height)",
        target="tests",
        keyword=None,
        description="a line's scaled width is truncated instead of rounded, squeezing lines "
        "by up to a pixel",
    ),
    Mutant(
        name="right_scanner_edge_measured_from_the_left",
        path="text_recognizer/data/page.py",
        original="left, right = _edge_depth(columns), _edge_depth(columns[::-1])",
        replacement="left, right = _edge_depth(columns), _edge_depth(columns)",
        target="tests",
        keyword=None,
        description="copy-paste: the right scanner edge's depth is read from the left border, "
        "so a dark right edge stays in the text block",
    ),
    Mutant(
        name="augmentation_jitter_identical_for_every_image",
        path="text_recognizer/data/transforms.py",
        original="rng = np.random.default_rng(int(torch.randint(0, 2**31 - 1, ()).item()))",
        replacement="rng = np.random.default_rng(torch.initial_seed())",
        target="tests",
        keyword=None,
        description="the augmentation generator is seeded from torch's initial seed, so every "
        "image of a worker gets the same jitter",
    ),
    Mutant(
        name="segmented_line_loses_its_last_column",
        path="text_recognizer/segmentation.py",
        original="right=min(ink.shape[1], int(columns[-1]) + 1 + pad),",
        replacement="right=min(ink.shape[1], int(columns[-1]) + pad),",
        target="tests",
        keyword=None,
        description="a line box's right edge is one column short: the exclusive end is "
        "computed from the last ink column without the + 1",
    ),
    # -- models ------------------------------------------------------------------------------------
    Mutant(
        name="line_block_inner_conv_not_masked",
        path="text_recognizer/models/resnet.py",
        original=(
            "        out = self.relu(self.bn1(self.conv1(x)))\n"
            "        if mask is not None:\n"
            "            out = out * mask\n"
        ),
        replacement="        out = self.relu(self.bn1(self.conv1(x)))\n",
        target="tests",
        keyword=None,
        description="a residual block masks only its output, so padding leaks through the "
        "first convolution into real columns",
    ),
    Mutant(
        name="zero_init_on_the_first_batchnorm",
        path="text_recognizer/models/resnet.py",
        original="nn.init.zeros_(sub.bn2.weight)",
        replacement="nn.init.zeros_(sub.bn1.weight)",
        target="tests",
        keyword=None,
        description="the zero-init goes to each block's first BatchNorm, killing the residual "
        "branch (its ReLU never passes a gradient)",
    ),
    Mutant(
        name="token_embedding_init_std_inverted",
        path="text_recognizer/models/paragraph_transformer.py",
        original="std=config.d_model**-0.5",
        replacement="std=config.d_model**0.5",
        target="tests",
        keyword=None,
        description="token embeddings start with std sqrt(d_model) instead of 1/sqrt(d_model), "
        "drowning the positional encodings",
    ),
    # -- decoding ----------------------------------------------------------------------------------
    Mutant(
        name="beam_finished_flags_not_reordered",
        path="text_recognizer/decoding.py",
        original="finished = finished[parent] | (token == vocab.end_index)",
        replacement="finished = finished | (token == vocab.end_index)",
        target="tests",
        keyword=None,
        description="autoregressive beam search keeps the finished flags of the old beam order "
        "after reordering, freezing or reviving the wrong hypotheses",
    ),
    Mutant(
        name="ctc_beam_repeat_collapses_blank_endings",
        path="text_recognizer/decoding.py",
        original="stay[1] = _log_add(stay[1], p_label + score)",
        replacement="stay[1] = _log_add(stay[1], total + score)",
        target="tests",
        keyword=None,
        description="CTC prefix beam search also collapses a blank-separated repeat into the "
        "same prefix, double-counting its probability",
    ),
    # -- losses ------------------------------------------------------------------------------------
    Mutant(
        name="ctc_loss_counts_padded_frames",
        path="text_recognizer/lit_models/line.py",
        original=(
            '        log_probs, lengths = self.model(batch["images"], batch["widths"])\n'
            "        return F.ctc_loss(\n"
        ),
        replacement=(
            '        log_probs, lengths = self.model(batch["images"], batch["widths"])\n'
            "        lengths = torch.full_like(lengths, log_probs.shape[1])\n"
            "        return F.ctc_loss(\n"
        ),
        target="tests",
        keyword=None,
        description="the CTC loss gets every sample's padded frame count as its input length, "
        "so short lines are trained to emit blanks over the padding",
    ),
    Mutant(
        name="paragraph_label_smoothing_on_by_default",
        path="text_recognizer/lit_models/paragraph.py",
        original="label_smoothing: float = 0.0,",
        replacement="label_smoothing: float = 0.1,",
        target="tests",
        keyword=None,
        description="the paragraph model smooths its labels unless told not to (default 0.1)",
    ),
    Mutant(
        name="decoder_input_starts_with_padding",
        path="text_recognizer/lit_models/paragraph.py",
        original="start = torch.full((batch, 1), vocab.start_index,",
        replacement="start = torch.full((batch, 1), vocab.pad_index,",
        target="tests",
        keyword=None,
        description="teacher forcing feeds <pad> instead of <start> first, while decoding "
        "starts from <start>",
    ),
    # -- metrics and evaluation --------------------------------------------------------------------
    Mutant(
        name="edit_row_starts_at_zero",
        path="text_recognizer/metrics.py",
        original="current = [i]",
        replacement="current = [0]",
        target="tests",
        keyword=None,
        description="the edit-distance row starts at 0, so deleting leading items is free",
    ),
    Mutant(
        name="evaluation_reads_images_in_auto_mode",
        path="text_recognizer/evaluation.py",
        original="recognizer.predict_batch(paths, mode=manifest.kind)",
        replacement="recognizer.predict_batch(paths)",
        target="tests",
        keyword=None,
        description="evaluation lets auto mode pick the model per image instead of the data "
        "set's kind",
    ),
    Mutant(
        name="writer_scores_cer_and_wer_swapped",
        path="text_recognizer/evaluation.py",
        original=(
            "        character_error_rate(predictions, references),\n"
            "        word_error_rate(predictions, references),\n"
        ),
        replacement=(
            "        word_error_rate(predictions, references),\n"
            "        character_error_rate(predictions, references),\n"
        ),
        target="tests",
        keyword=None,
        description="per-writer and group scores report the WER as the CER and vice versa",
    ),
    # -- optimisation and training -----------------------------------------------------------------
    Mutant(
        name="warmup_one_step_too_long",
        path="text_recognizer/lit_models/base.py",
        original="if step < warmup_steps:",
        replacement="if step <= warmup_steps:",
        target="tests",
        keyword=None,
        description="the warm-up runs one step too long and overshoots the peak learning rate",
    ),
    Mutant(
        name="early_stopping_waits_for_cer_to_rise",
        path="text_recognizer/training/experiment.py",
        original='EarlyStopping(monitor="val/cer", mode="min", **stopping)',
        replacement='EarlyStopping(monitor="val/cer", mode="max", **stopping)',
        target="tests",
        keyword=None,
        description="early stopping treats a higher validation CER as better and stops runs "
        "that are still improving",
    ),
    Mutant(
        name="train_writers_option_ignored",
        path="text_recognizer/training/experiment.py",
        original='for option in ("data_dir", "batch_size", "num_workers", "train_writers"):',
        replacement='for option in ("data_dir", "batch_size", "num_workers"):',
        target="tests",
        keyword=None,
        description="--train-writers is parsed but never written into the data section, so "
        "writer-count runs train on every writer",
    ),
    # -- export and inference ----------------------------------------------------------------------
    Mutant(
        name="calibrated_staging_drops_half_precision",
        path="text_recognizer/training/stage.py",
        original="version, half=half, calibration=calibration",
        replacement="version, calibration=calibration",
        target="tests",
        keyword=None,
        description="re-saving model.pt with the fitted temperature forgets --half, so a "
        "calibrated staged model is stored as float32",
    ),
    Mutant(
        name="torchscript_traced_in_train_mode",
        path="text_recognizer/export.py",
        original="    model.eval()\n    parts = export_parts(model)\n",
        replacement="    parts = export_parts(model)\n",
        target="tests",
        keyword=None,
        description="to_torchscript no longer switches the model to eval mode, so a training "
        "model is traced with batch statistics and dropout",
    ),
    Mutant(
        name="max_tokens_cap_one_short",
        path="text_recognizer/recognizer.py",
        original="else self.max_tokens + 1",
        replacement="else self.max_tokens",
        target="tests",
        keyword=None,
        description="max_tokens forgets that <start> takes a position: a paragraph decodes one "
        "token fewer than asked",
    ),
    # -- service -----------------------------------------------------------------------------------
    Mutant(
        name="inflight_limit_admits_one_more",
        path="text_recognizer/api/service.py",
        original="if self.inflight >= self.settings.max_inflight:",
        replacement="if self.inflight > self.settings.max_inflight:",
        target="tests",
        keyword=None,
        description="off by one: the service admits max_inflight + 1 requests before 503",
    ),
    Mutant(
        name="data_url_base64_not_validated",
        path="text_recognizer/api/limits.py",
        original="base64.b64decode(payload, validate=True)",
        replacement="base64.b64decode(payload, validate=False)",
        target="tests",
        keyword=None,
        description="invalid characters in a data URL's base64 are silently dropped instead of "
        "answered with bad_base64",
    ),
    Mutant(
        name="cancelled_budget_waiter_blocks_the_queue",
        path="text_recognizer/api/limits.py",
        original="                self._waiters.remove(entry)\n                self._grant()\n",
        replacement="                self._waiters.remove(entry)\n",
        target="tests",
        keyword=None,
        description="a cancelled decode-budget waiter is removed without granting the waiters "
        "behind it, which then wait although the budget has room",
    ),
    # -- data validation and expectations ----------------------------------------------------------
    Mutant(
        name="empty_ids_pass_the_id_check",
        path="text_recognizer/validation/expectations.py",
        original=r'{"column": "id", "regex": r"\A[^\s/\\]+\Z"}',
        replacement=r'{"column": "id", "regex": r"\A[^\s/\\]*\Z"}',
        target="tests",
        keyword=None,
        description="the id regex allows the empty string, so blank ids pass ids_present",
    ),
    Mutant(
        name="distribution_limits_exclusive",
        path="text_recognizer/validation/expectations.py",
        original='"or_equal": True,',
        replacement='"or_equal": False,',
        target="tests",
        keyword=None,
        description="split distribution checks fail a distance exactly at its limit",
    ),
    Mutant(
        name="paragraph_chars_per_pixel_counts_whole_label",
        path="text_recognizer/validation/tables.py",
        original='return row["longest_line"] / (width * LINE_HEIGHT * rows / height)',
        replacement='return row["text_length"] / (width * LINE_HEIGHT * rows / height)',
        target="tests",
        keyword=None,
        description="a paragraph's characters per pixel divides the whole label, not its "
        "longest line, by one line's width",
    ),
)

#: Round 6, 2026-11-28: written while the probes learnt to record the package calls each
#: makes; measured on d1e892e: 25 of 30 killed (83.3 %); the 5 survivors now have tests.
ROUND_6: tuple[Mutant, ...] = (
    # -- data: corpus, vocabulary, writer subsets, writer roles ----------------------------------
    Mutant(
        name="wrap_leaves_long_words_uncut",
        path="text_recognizer/data/corpus.py",
        original="        word = word[:width]\n",
        replacement="",
        target="tests",
        keyword=None,
        description="a word longer than the wrap width is no longer cut, so wrapped lines (and "
        "sampled lines) can run past their width",
    ),
    Mutant(
        name="duplicate_vocabulary_characters_accepted",
        path="text_recognizer/vocab.py",
        original=(
            "        if len(set(self.characters)) != len(self.characters):\n"
            '            raise VocabularyError("vocabulary characters must be unique")\n'
        ),
        replacement="",
        target="tests",
        keyword=None,
        description="a vocabulary with a repeated character is built without complaint; the "
        "repeat shadows the first index, so encode and decode disagree",
    ),
    Mutant(
        name="train_writer_subset_ordered_by_name",
        path="text_recognizer/data/modules.py",
        original="writers = sorted(names, key=writer_rank)[: self.train_writers]",
        replacement="writers = sorted(names)[: self.train_writers]",
        target="tests",
        keyword=None,
        description="--train-writers N keeps the first N writers alphabetically instead of in "
        "the writer rule's order",
    ),
    Mutant(
        name="legacy_writers_not_counted_in_test_share",
        path="text_recognizer/data/fonts.py",
        original="test = max(0, math.ceil(TEST_SHARE * len(names)) - len(legacy))",
        replacement="test = math.ceil(TEST_SHARE * len(names))",
        target="tests",
        keyword=None,
        description="the legacy held-out writers come on top of the 15 % test share instead of "
        "within it, so styles with a legacy writer lose extra training writers",
    ),
    # -- preprocessing, page normalisation, segmentation ----------------------------------------
    Mutant(
        name="pixel_noise_scaled_the_wrong_way",
        path="text_recognizer/data/page.py",
        original="return quantiles(differences, 0.5)[0] / 0.954",
        replacement="return quantiles(differences, 0.5)[0] * 0.954",
        target="tests",
        keyword=None,
        description="the noise estimate multiplies the median difference by 0.954 instead of "
        "dividing, under-estimating sigma by 9 %, so the blank-page test is looser",
    ),
    Mutant(
        name="typical_core_height_from_the_median",
        path="text_recognizer/segmentation.py",
        original="typical = float(np.quantile([end - start for start, end in merged], 0.75))",
        replacement="typical = float(np.quantile([end - start for start, end in merged], 0.5))",
        target="tests",
        keyword=None,
        description="the typical merged core height is the median instead of the 75th "
        "percentile, so on short pages fragments set the floor and survive as lines",
    ),
    Mutant(
        name="label_at_the_char_limit_refused",
        path="text_recognizer/data/preprocess.py",
        original='        if len(sample["text"]) > max_chars:\n',
        replacement='        if len(sample["text"]) >= max_chars:\n',
        target="tests",
        keyword=None,
        description="off by one: collation refuses a label of exactly the maximum length",
    ),
    # -- models ----------------------------------------------------------------------------------
    Mutant(
        name="line_widths_beyond_the_image_not_clamped",
        path="text_recognizer/models/line_ctc.py",
        original="lengths = widths.to(images.device).long().clamp(min=1, max=images.shape[-1])",
        replacement="lengths = widths.to(images.device).long().clamp(min=1)",
        target="tests",
        keyword=None,
        description="a width larger than the image is not clamped, so the line model reports "
        "more frames than it produced",
    ),
    Mutant(
        name="full_length_decoder_input_refused",
        path="text_recognizer/models/paragraph_transformer.py",
        original="if tokens.shape[1] > self.config.max_length:",
        replacement="if tokens.shape[1] >= self.config.max_length:",
        target="tests",
        keyword=None,
        description="off by one: teacher-forced decoding refuses a sequence of exactly "
        "max_length tokens",
    ),
    Mutant(
        name="position_2d_halves_swapped",
        path="text_recognizer/models/positional.py",
        original="return x + torch.cat([rows, cols], dim=0).unsqueeze(0).to(x.dtype)",
        replacement="return x + torch.cat([cols, rows], dim=0).unsqueeze(0).to(x.dtype)",
        target="tests",
        keyword=None,
        description="the 2-D encoding puts the column half first, so a trained paragraph model "
        "reads rows where it learnt columns",
    ),
    Mutant(
        name="indivisible_line_height_accepted",
        path="text_recognizer/models/line_ctc.py",
        original=(
            "        if self.line_height % self.height_stride:\n"
            "            raise ModelInputError(\n"
            "                f\"line_height {self.line_height} is not divisible by the encoder's "
            'height "\n'
            '                f"stride {self.height_stride}"\n'
            "            )\n"
        ),
        replacement="",
        target="tests",
        keyword=None,
        description="a line height the encoder's stride does not divide is accepted by the "
        "config and fails only in the first forward pass",
    ),
    # -- decoding --------------------------------------------------------------------------------
    Mutant(
        name="first_character_token_hidden",
        path="text_recognizer/decoding.py",
        original="if i >= vocab.num_specials]",
        replacement="if i > vocab.num_specials]",
        target="tests",
        keyword=None,
        description="off by one: the first character token ('0') is filtered out of every "
        "decoded text with the special tokens",
    ),
    Mutant(
        name="greedy_stops_when_the_first_row_ends",
        path="text_recognizer/decoding.py",
        original=(
            "        finished = finished | (token == vocab.end_index)\n"
            "        if bool(finished.all()):\n"
        ),
        replacement=(
            "        finished = finished | (token == vocab.end_index)\n"
            "        if bool(finished.any()):\n"
        ),
        target="tests",
        keyword=None,
        description="batched greedy decoding stops as soon as one paragraph emits <end>, "
        "cutting the others short",
    ),
    Mutant(
        name="greedy_scores_raw_logits",
        path="text_recognizer/decoding.py",
        original=(
            "            logits = model.decode(torch.stack(generated, dim=1), memory)[:, -1]\n"
            "        log_probs = torch.log_softmax(logits.float(), dim=-1)\n"
        ),
        replacement=(
            "            logits = model.decode(torch.stack(generated, dim=1), memory)[:, -1]\n"
            "        log_probs = logits.float()\n"
        ),
        target="tests",
        keyword=None,
        description="greedy paragraph decoding scores tokens by raw logits: the same text, "
        "but confidences and log-probabilities are not probabilities",
    ),
    # -- metrics and calibration -----------------------------------------------------------------
    Mutant(
        name="unknown_unit_counted_as_characters",
        path="text_recognizer/metrics.py",
        original=(
            '    if unit not in ("char", "word"):\n'
            "        raise ValueError(f\"unit must be 'char' or 'word', got {unit!r}\")\n"
        ),
        replacement="",
        target="tests",
        keyword=None,
        description="a misspelt unit ('words') silently scores characters instead of raising",
    ),
    Mutant(
        name="inline_diff_keeps_raw_newlines",
        path="text_recognizer/metrics.py",
        original='    return "".join(parts).replace("\\n", "\\\\n")\n',
        replacement='    return "".join(parts)\n',
        target="tests",
        keyword=None,
        description="the one-line diff of paragraphs keeps their newlines, breaking reports "
        "into several lines",
    ),
    Mutant(
        name="calibration_fitted_on_every_split",
        path="text_recognizer/calibration.py",
        original="    records = manifest.split(split)[:limit]\n",
        replacement="    records = manifest.records[:limit]\n",
        target="tests",
        keyword=None,
        description="the temperature is fitted on the first records of any split (training "
        "lines included), not on the validation split's unseen writers",
    ),
    # -- optimisation, training glue, configs ----------------------------------------------------
    Mutant(
        name="cosine_peak_overshoots_by_the_floor",
        path="text_recognizer/lit_models/base.py",
        original=("return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))"),
        replacement="return floor + 0.5 * (1.0 + math.cos(math.pi * progress))",
        target="tests",
        keyword=None,
        description="the cosine decay is not scaled by (1 - floor): the learning rate jumps to "
        "1 + floor times the peak right after the warm-up",
    ),
    Mutant(
        name="overrides_beside_a_full_config_ignored",
        path="text_recognizer/training/config.py",
        original=(
            '        if model.get("overrides"):\n'
            '            raise SchemaError("model.overrides: only with a preset name in '
            'model.config")\n'
        ),
        replacement="",
        target="tests",
        keyword=None,
        description="model.overrides next to a full model.config is accepted, and the runner "
        "then silently ignores it",
    ),
    Mutant(
        name="fake_data_kind_not_taken_from_the_model",
        path="text_recognizer/training/experiment.py",
        original='    if name == "fake":\n        data.setdefault("kind", kind)\n',
        replacement="",
        target="tests",
        keyword=None,
        description="module: fake no longer inherits the model's kind, so a paragraph model "
        "gets fake line batches",
    ),
    # -- inference and CLI -----------------------------------------------------------------------
    Mutant(
        name="load_drops_max_tokens",
        path="text_recognizer/recognizer.py",
        original="return cls(models, backend, beam_width, device, max_tokens)",
        replacement="return cls(models, backend, beam_width, device)",
        target="tests",
        keyword=None,
        description="Recognizer.load accepts max_tokens but never passes it on: paragraphs "
        "decode to the model's maximum",
    ),
    Mutant(
        name="white_float_colour_array_read_as_0_255",
        path="text_recognizer/recognizer.py",
        original="scale = 255.0 if float(array.max()) <= 1.0 else 1.0",
        replacement="scale = 255.0 if float(array.max()) < 1.0 else 1.0",
        target="tests",
        keyword=None,
        description="a float colour array in 0..1 that reaches 1.0 is taken as 0..255, so the "
        "page turns almost black",
    ),
    Mutant(
        name="predict_beam_option_ignored",
        path="text_recognizer/cli/predict.py",
        original=(
            "args.model, backend=args.backend, threads=default_threads(), beam_width=args.beam"
        ),
        replacement="args.model, backend=args.backend, threads=default_threads()",
        target="tests",
        keyword=None,
        description="text-recognizer predict --beam N is parsed but not passed to the "
        "recognizer, which decodes greedily",
    ),
    Mutant(
        name="cli_integer_minimum_exclusive",
        path="text_recognizer/cli/common.py",
        original="        if value < minimum:\n",
        replacement="        if value <= minimum:\n",
        target="tests",
        keyword=None,
        description="off by one: integer options refuse their minimum (--n 1, --workers 1, "
        "--seed 0)",
    ),
    # -- export, staging, evaluation -------------------------------------------------------------
    Mutant(
        name="card_lists_dropped_exports_as_kept",
        path="text_recognizer/training/stage.py",
        original='card["export"]["kept"] = [name for name in FORMATS if name in formats]',
        replacement='card["export"]["kept"] = list(FORMATS)',
        target="tests",
        keyword=None,
        description="the model card says both exports were kept even when --keep dropped them",
    ),
    Mutant(
        name="card_validation_writers_are_the_test_writers",
        path="text_recognizer/training/stage.py",
        original='"val": list(metadata.get("val_writers") or []),',
        replacement='"val": list(metadata.get("held_out_writers") or []),',
        target="tests",
        keyword=None,
        description="copy-paste: the model card lists the test-only writers as the "
        "validation-only ones",
    ),
    Mutant(
        name="parity_ignores_shape_mismatch",
        path="text_recognizer/export_parity.py",
        original=(
            "        if want.shape != got.shape:\n"
            '            return ParityResult(backend, part, float("inf"), False)\n'
        ),
        replacement="",
        target="tests",
        keyword=None,
        description="an exported output of another (broadcastable) shape passes the parity "
        "check, or crashes it, instead of failing it",
    ),
    # -- service ---------------------------------------------------------------------------------
    Mutant(
        name="multipart_ignores_query_mode",
        path="text_recognizer/api/parsing.py",
        original='        mode = form.get("mode", default_mode)\n',
        replacement='        mode = form.get("mode", "auto")\n',
        target="tests",
        keyword=None,
        description="a multipart upload without a mode field ignores ?mode= in the query",
    ),
    Mutant(
        name="wildcard_host_matches_without_a_dot",
        path="text_recognizer/api/access.py",
        original='if pattern.startswith("*.") and host.endswith(pattern[1:]):',
        replacement='if pattern.startswith("*.") and host.endswith(pattern[2:]):',
        target="tests",
        keyword=None,
        description="'*.example.com' also admits example.com itself and evilexample.com",
    ),
    # -- data validation -------------------------------------------------------------------------
    Mutant(
        name="zero_width_passes_the_size_check",
        path="text_recognizer/validation/expectations.py",
        original='{"column": "width", "regex": r"\\A[1-9][0-9]*\\Z"}',
        replacement='{"column": "width", "regex": r"\\A[0-9]+\\Z"}',
        target="tests",
        keyword=None,
        description="a manifest width of 0 (or 007) passes sizes_are_integers",
    ),
)

#: Round 7, 2026-11-28: written while every command-line option got its probe (cli.py) and
#: Recognizer.load its own; measured on 2d475c7: 26 of 30 killed (86.7 %); the 4 survivors
#: now have tests.
ROUND_7: tuple[Mutant, ...] = (
    # -- data: corpus, data modules, synthetic generator ----------------------------------------
    Mutant(
        name="word_list_cache_ignores_the_word_file",
        path="text_recognizer/data/corpus.py",
        original="    return _load_words(charset, number, os.environ.get(WORDS_VARIABLE))\n",
        replacement="    return _load_words(charset, number, None)\n",
        target="tests",
        keyword=None,
        description="the cached word list is keyed without the word file, so pointing "
        "TEXT_RECOGNIZER_WORDS at another file in the same process keeps serving the old words",
    ),
    Mutant(
        name="fake_data_module_ignores_its_seed",
        path="text_recognizer/data/modules.py",
        original="            seed=self.seed,\n            transform=self._transform_for(split),\n",
        replacement="            transform=self._transform_for(split),\n",
        target="tests",
        keyword=None,
        description="FakeDataModule(seed=...) no longer passes its seed to the data sets, so "
        "every seed yields the same fake images and texts",
    ),
    Mutant(
        name="synthetic_lines_ignore_font_coverage",
        path="text_recognizer/data/synthetic.py",
        original=(
            '    text = corpus.sample_line(rng, low, high, "".join(sorted(font.coverage)))\n'
        ),
        replacement="    text = corpus.sample_line(rng, low, high)\n",
        target="tests",
        keyword=None,
        description="synthetic lines are sampled from the whole vocabulary, so a restricted "
        "font's labels hold characters it draws as boxes or not at all",
    ),
    # -- preprocessing: model input, page normalisation, augmentation ---------------------------
    Mutant(
        name="line_crop_uses_paragraph_margin",
        path="text_recognizer/data/preprocess.py",
        original="        gray = Image.fromarray(page.crop(LINE_MARGIN))\n",
        replacement="        gray = Image.fromarray(page.crop(PARAGRAPH_MARGIN))\n",
        target="tests",
        keyword=None,
        description="copy-paste: lines are cropped with the paragraph's 2 % margin instead of "
        "12 %, so every line tensor is scaled differently from what the model was trained on",
    ),
    Mutant(
        name="blank_page_threshold_takes_the_smaller",
        path="text_recognizer/data/page.py",
        original=(
            "    return flat, darkest, 255.0 - darkest < max(MIN_CONTRAST, "
            "MIN_CONTRAST_NOISE * noise)\n"
        ),
        replacement=(
            "    return flat, darkest, 255.0 - darkest < min(MIN_CONTRAST, "
            "MIN_CONTRAST_NOISE * noise)\n"
        ),
        target="tests",
        keyword=None,
        description="min/max swapped: a page counts as blank only below the smaller of the "
        "contrast and noise thresholds, so blank and noisy sheets are stretched into fake ink",
    ),
    Mutant(
        name="augmented_canvas_shrinks_for_negative_rotation",
        path="text_recognizer/data/transforms.py",
        original=(
            "        new_height = max(1, int(round(height + abs(math.sin(angle)) * width * "
            "stretch)))\n"
        ),
        replacement=(
            "        new_height = max(1, int(round(height + math.sin(angle) * width * stretch)))\n"
        ),
        target="tests",
        keyword=None,
        description="the rotated canvas height drops abs(), so a clockwise jitter makes the "
        "image shorter than the line and cuts off its ink",
    ),
    # -- models ------------------------------------------------------------------------------------
    Mutant(
        name="resnet_block_counts_not_matched_to_widths",
        path="text_recognizer/models/resnet.py",
        original="        if len(self.widths) != len(self.blocks) or not self.widths:\n",
        replacement="        if not self.widths:\n",
        target="tests",
        keyword=None,
        description="a ResNetConfig with fewer block counts than widths is accepted; zip drops "
        "the extra stages and output_stride no longer matches the encoder",
    ),
    Mutant(
        name="line_strides_stored_width_first",
        path="text_recognizer/models/line_ctc.py",
        original=(
            '        object.__setattr__(self, "strides", tuple((int(h), int(w)) for h, w in '
            "self.strides))\n"
        ),
        replacement=(
            '        object.__setattr__(self, "strides", tuple((int(w), int(h)) for h, w in '
            "self.strides))\n"
        ),
        target="tests",
        keyword=None,
        description="LineCTCConfig stores each (height, width) stride swapped, so frames per "
        "pixel change and the staged line model's weights no longer fit",
    ),
    Mutant(
        name="line_model_skips_weight_init",
        path="text_recognizer/models/line_ctc.py",
        original=(
            "        self.head = nn.Linear(2 * config.rnn_hidden, config.vocab_size)\n"
            "        init_weights(self)\n"
        ),
        replacement="        self.head = nn.Linear(2 * config.rnn_hidden, config.vocab_size)\n",
        target="tests",
        keyword=None,
        description="LineCTC never calls init_weights: no He initialisation and no zeroed last "
        "BatchNorm, so residual blocks do not start as the identity",
    ),
    # -- decoding ----------------------------------------------------------------------------------
    Mutant(
        name="ctc_beam_expands_only_the_top_label",
        path="text_recognizer/decoding.py",
        original="    candidates: int = 8,\n",
        replacement="    candidates: int = 1,\n",
        target="tests",
        keyword=None,
        description="wrong default: CTC beam search expands one label per frame, so it cannot "
        "find a labelling whose alignments together beat the best path",
    ),
    Mutant(
        name="ctc_beam_new_label_ignores_blank_endings",
        path="text_recognizer/decoding.py",
        original="                    extended[1] = _log_add(extended[1], total + score)\n",
        replacement="                    extended[1] = _log_add(extended[1], p_label + score)\n",
        target="tests",
        keyword=None,
        description="CTC prefix beam search extends a prefix with a new label only from its "
        "label-ending paths, losing the probability of paths that ended in a blank",
    ),
    Mutant(
        name="ended_beams_keep_growing",
        path="text_recognizer/decoding.py",
        original="        log_probs = torch.where(finished.unsqueeze(1), frozen, log_probs)\n",
        replacement="",
        target="tests",
        keyword=None,
        description="beams that emitted <end> are not frozen: they keep spawning children and "
        "losing score, so complete hypotheses are penalised and duplicated",
    ),
    # -- losses and LightningModules ---------------------------------------------------------------
    Mutant(
        name="lit_model_ignores_custom_vocabulary",
        path="text_recognizer/lit_models/base.py",
        original=(
            "        self.vocab = DEFAULT_VOCABULARY if vocabulary is None else "
            "Vocabulary(vocabulary)\n"
        ),
        replacement="        self.vocab = DEFAULT_VOCABULARY\n",
        target="tests",
        keyword=None,
        description="the vocabulary argument is accepted but ignored: the model trains, decodes "
        "and checkpoints the package's vocabulary instead",
    ),
    Mutant(
        name="unknown_decoding_setting_accepted",
        path="text_recognizer/lit_models/base.py",
        original=(
            '        if decoding not in ("greedy", "beam"):\n'
            "            raise ModelInputError(f\"unknown decoding {decoding!r}; choose 'greedy' "
            "or 'beam'\")\n"
        ),
        replacement="",
        target="tests",
        keyword=None,
        description="a misspelt decoding setting ('Beam', 'beams') is accepted and silently "
        "decodes greedily",
    ),
    # -- metrics -----------------------------------------------------------------------------------
    Mutant(
        name="text_and_corpus_mixed_silently",
        path="text_recognizer/metrics.py",
        original=(
            "    if isinstance(predictions, str) or isinstance(references, str):\n"
            '        raise TypeError("pass two texts or two sequences of texts, not one of '
            'each")\n'
        ),
        replacement="",
        target="tests",
        keyword=None,
        description="a text scored against a list of texts is no longer refused: the string is "
        "split into characters and compared with whole references",
    ),
    Mutant(
        name="inline_diff_hides_replacements",
        path="text_recognizer/metrics.py",
        original="        if b1 > b0:\n",
        replacement="        elif b1 > b0:\n",
        target="tests",
        keyword=None,
        description="if became elif: a substitution shows only the removed text, never what "
        "the model wrote instead",
    ),
    # -- optimisation, schedules, configs ----------------------------------------------------------
    Mutant(
        name="cosine_floor_defaults_to_zero",
        path="text_recognizer/lit_models/base.py",
        original=(
            "def warmup_cosine(step: int, warmup_steps: int, total_steps: int, floor: float = "
            "0.05) -> float:\n"
        ),
        replacement=(
            "def warmup_cosine(step: int, warmup_steps: int, total_steps: int, floor: float = "
            "0.0) -> float:\n"
        ),
        target="tests",
        keyword=None,
        description="wrong default: the cosine schedule decays to a learning rate of 0 instead "
        "of 5 % of the peak, so the last steps learn nothing",
    ),
    Mutant(
        name="config_accepts_data_of_the_other_kind",
        path="text_recognizer/training/config.py",
        original='    allowed_modules = tuple(sorted({KIND_OF_DATA[kind], "fake"}))\n',
        replacement="    allowed_modules = tuple(sorted(DATA_MODULES))\n",
        target="tests",
        keyword=None,
        description="a config pairing a line model with data module 'paragraphs' (or the "
        "reverse) passes validation and fails only once training starts",
    ),
    Mutant(
        name="config_integer_accepts_booleans",
        path="text_recognizer/training/schema.py",
        original="        return isinstance(value, int) and not isinstance(value, bool)\n",
        replacement="        return isinstance(value, int)\n",
        target="tests",
        keyword=None,
        description="an integer config value may be true/false (bool is an int), so "
        "batch_size: true validates and trains with a batch of 1",
    ),
    # -- export, staging, model card, calibration --------------------------------------------------
    Mutant(
        name="stage_eval_limit_ignored",
        path="text_recognizer/training/stage.py",
        original=(
            '    return evaluate_folder(Recognizer.load(folder), data_dir, "test", '
            "limit=limit).to_dict()\n"
        ),
        replacement=(
            '    return evaluate_folder(Recognizer.load(folder), data_dir, "test").to_dict()\n'
        ),
        target="tests",
        keyword=None,
        description="stage --eval-limit N is accepted but not passed on: the whole test split "
        "is evaluated and the card reports its size",
    ),
    Mutant(
        name="model_card_counts_seen_writers_as_unseen",
        path="text_recognizer/training/model_card.py",
        original="    unseen = [w for w in by_writer if w in held_out]\n",
        replacement="    unseen = [w for w in by_writer if w not in held_out]\n",
        target="tests",
        keyword=None,
        description="wrong polarity: the model card says the training writers are the ones "
        "unseen in training",
    ),
    Mutant(
        name="empty_truth_always_read_right",
        path="text_recognizer/calibration.py",
        original="        return 1.0 if not prediction else 0.0\n",
        replacement="        return 1.0\n",
        target="tests",
        keyword=None,
        description="a line whose truth is empty counts as read perfectly whatever the model "
        "wrote, inflating accuracy and skewing the temperature fit",
    ),
    # -- inference and CLI -------------------------------------------------------------------------
    Mutant(
        name="auto_mode_text_block_height_and_width_swapped",
        path="text_recognizer/recognizer.py",
        original="        height, width = bottom - top, right - left\n",
        replacement="        height, width = right - left, bottom - top\n",
        target="tests",
        keyword=None,
        description="swapped: auto mode measures the text block's aspect upside down, so wide "
        "single lines go to the paragraph model",
    ),
    Mutant(
        name="segmented_lines_span_the_page_width",
        path="text_recognizer/segmentation.py",
        original="        columns = np.flatnonzero(ink[top:bottom].any(axis=0))\n",
        replacement="        columns = np.flatnonzero(ink.any(axis=0))\n",
        target="tests",
        keyword=None,
        description="a line box's columns come from the whole page's ink, not its band, so a "
        "short line is cropped as wide as the longest one",
    ),
    Mutant(
        name="serve_default_hosts_swapped",
        path="text_recognizer/cli/serve.py",
        original=(
            '    allowed_hosts = args.allowed_hosts or (LOOPBACK_HOSTS if loopback else ("*",))\n'
        ),
        replacement=(
            '    allowed_hosts = args.allowed_hosts or (("*",) if loopback else LOOPBACK_HOSTS)\n'
        ),
        target="tests",
        keyword=None,
        description="swapped: a loopback bind serves any Host header (DNS rebinding) while a "
        "public bind refuses every name but localhost",
    ),
    Mutant(
        name="evaluate_lists_best_writers_first",
        path="text_recognizer/cli/evaluate.py",
        original=(
            "    for name, score in sorted(writers.items(), key=lambda item: -item[1].cer):\n"
        ),
        replacement=(
            "    for name, score in sorted(writers.items(), key=lambda item: item[1].cer):\n"
        ),
        target="tests",
        keyword=None,
        description="wrong sort order: text-recognizer evaluate lists writers best first, "
        "burying the worst-read ones at the bottom",
    ),
    # -- service -----------------------------------------------------------------------------------
    Mutant(
        name="declared_body_at_the_limit_refused",
        path="text_recognizer/api/parsing.py",
        original="    if declared.isdigit() and int(declared) > max_bytes:\n",
        replacement="    if declared.isdigit() and int(declared) >= max_bytes:\n",
        target="tests",
        keyword=None,
        description="off by one: a body whose Content-Length is exactly max_body_bytes gets "
        "413, although the same body streamed without the header is accepted",
    ),
    Mutant(
        name="failed_batch_fails_every_request",
        path="text_recognizer/api/batching.py",
        original=(
            "        except Exception as error:\n"
            "            if len(images) == 1:\n"
            "                return [error]\n"
            '            logger.warning("batch of %d failed; retrying one by one", len(images), '
            "exc_info=True)\n"
            "        return [self._predict_one(image, mode) for image in images]\n"
        ),
        replacement=(
            "        except Exception as error:\n            return [error for _ in images]\n"
        ),
        target="tests",
        keyword=None,
        description="a failing micro-batch is no longer retried image by image, so one bad "
        "upload fails every request batched with it",
    ),
    # -- data validation / expectations ------------------------------------------------------------
    Mutant(
        name="manifest_width_and_height_swapped",
        path="text_recognizer/validation/tables.py",
        original=(
            '        row["width_px"], row["height_px"] = _as_int(row["width"]), '
            '_as_int(row["height"])\n'
        ),
        replacement=(
            '        row["width_px"], row["height_px"] = _as_int(row["height"]), '
            '_as_int(row["width"])\n'
        ),
        target="tests",
        keyword=None,
        description="swapped: the manifest's width is compared with the image's height, so "
        "every correct non-square image fails manifest_size_matches_image",
    ),
    Mutant(
        name="paragraph_text_rows_never_measured",
        path="text_recognizer/validation/validate.py",
        original=(
            '    stats = compute_all_stats(paths, rows=config.kind == "paragraphs", '
            "workers=workers)\n"
        ),
        replacement="    stats = compute_all_stats(paths, workers=workers)\n",
        target="tests",
        keyword=None,
        description="the row count is never asked for, so paragraph suites pass "
        "text_lines_match_rows and chars_per_pixel vacuously on empty values",
    ),
)

#: Round 8, 2026-11-28: written while round 7 was measured; measured on 083d070: 24 of 30
#: killed (80.0 %); the 6 survivors now have tests.
ROUND_8: tuple[Mutant, ...] = (
    # -- data, corpus, fonts --
    Mutant(
        name="word_file_comment_lines_read_as_words",
        path="text_recognizer/data/corpus.py",
        original=(
            "    words = [line.strip() for line in lines"
            ' if line.strip() and not line.startswith("#")]\n'
        ),
        replacement="    words = [line.strip() for line in lines if line.strip()]\n",
        target="tests",
        keyword=None,
        description="read_word_file no longer skips '#' comment lines, so the source header of an "
        "exported word file comes back as the first (most frequent) word",
    ),
    Mutant(
        name="validation_writer_share_rounded_down",
        path="text_recognizer/data/fonts.py",
        original="        val = math.ceil(VAL_SHARE * len(names))\n",
        replacement="        val = int(VAL_SHARE * len(names))\n",
        target="tests",
        keyword=None,
        description="the validation-only share of each style is rounded down instead of up, so "
        "every style gets one validation writer fewer than WRITER_RULE states and it trains",
    ),
    Mutant(
        name="vetting_cache_key_ignores_pillow_version",
        path="text_recognizer/data/vetting_cache.py",
        original=(
            "    parts = [str(FORMAT), hashlib.sha256(source).hexdigest(), Image.__version__, "
            "freetype]\n"
        ),
        replacement="    parts = [str(FORMAT), hashlib.sha256(source).hexdigest(), freetype]\n",
        target="tests",
        keyword=None,
        description="the vetting cache key leaves out the Pillow version, so after a Pillow "
        "upgrade stale font coverage is reused instead of vetting the fonts again",
    ),
    # -- preprocessing, transforms, segmentation --
    Mutant(
        name="round_up_adds_a_multiple_to_exact_fits",
        path="text_recognizer/data/preprocess.py",
        original="    return -(-value // multiple) * multiple\n",
        replacement="    return (value // multiple + 1) * multiple\n",
        target="tests",
        keyword=None,
        description="round_up of an exact multiple adds another 16, so batches whose widest line "
        "is already a multiple of 16 are padded 16 columns wider than needed",
    ),
    Mutant(
        name="augmentation_contrast_darkens_the_paper",
        path="text_recognizer/data/transforms.py",
        original="        gray = 255.0 - (255.0 - gray) * contrast + brightness\n",
        replacement="        gray = gray * contrast + brightness\n",
        target="tests",
        keyword=None,
        description="the contrast jitter scales the gray levels instead of the ink, so white "
        "paper turns mid-gray in augmented training images",
    ),
    Mutant(
        name="segment_lines_ignores_padding",
        path="text_recognizer/segmentation.py",
        original="    return segment_mask(page_of(image).ink, padding)\n",
        replacement="    return segment_mask(page_of(image).ink)\n",
        target="tests",
        keyword=None,
        description="segment_lines accepts a padding but never passes it on, so every call gets "
        "the default margin around its line boxes",
    ),
    # -- models --
    Mutant(
        name="line_block_mask_width_rounded_down",
        path="text_recognizer/models/line_ctc.py",
        original="            width = (x.shape[-1] + stride - 1) // stride\n",
        replacement="            width = x.shape[-1] // stride\n",
        target="tests",
        keyword=None,
        description="the column mask of a strided block is sized with floor division while the "
        "convolution rounds up, so lines whose feature width is odd fail with a shape error",
    ),
    Mutant(
        name="line_config_stride_count_unchecked",
        path="text_recognizer/models/line_ctc.py",
        original=(
            "        if len(self.widths) != len(self.strides):\n"
            '            raise ModelInputError("LineCTCConfig needs one stride per block width")\n'
        ),
        replacement="",
        target="tests",
        keyword=None,
        description="a LineCTCConfig with more widths than strides is accepted and the model "
        "silently drops the blocks without a stride",
    ),
    Mutant(
        name="paragraph_encoder_accepts_any_image_size",
        path="text_recognizer/models/paragraph_transformer.py",
        original="        if images.dim() != 4 or tuple(images.shape[1:]) != expected:\n",
        replacement="        if images.dim() != 4 or images.shape[1] != expected[0]:\n",
        target="tests",
        keyword=None,
        description="the paragraph encoder only checks the channel count, so images that are not "
        "512 x 512 are encoded instead of refused with ModelInputError",
    ),
    # -- decoding --
    Mutant(
        name="ctc_beam_keeps_one_beam_too_few",
        path="text_recognizer/decoding.py",
        original="        beams = dict(ranked[:beam_width])\n",
        replacement="        beams = dict(ranked[: beam_width - 1])\n",
        target="tests",
        keyword=None,
        description="CTC prefix beam search keeps beam_width - 1 prefixes per frame, so "
        "beam_width=1 has no beam left and fails, and wider beams search less than asked",
    ),
    Mutant(
        name="ctc_greedy_best_over_time_axis",
        path="text_recognizer/decoding.py",
        original="    best, labels = tempered(log_probs, temperature).max(dim=-1)\n",
        replacement="    best, labels = tempered(log_probs, temperature).max(dim=1)\n",
        target="tests",
        keyword=None,
        description="greedy CTC takes the maximum over frames instead of over the vocabulary, so "
        "the decoded text is a list of frame numbers rather than the best labels",
    ),
    Mutant(
        name="geometric_mean_of_nothing_is_zero",
        path="text_recognizer/decoding.py",
        original="    return math.exp(log_total / count) if count > 0 else 1.0\n",
        replacement="    return math.exp(log_total / count) if count > 0 else 0.0\n",
        target="tests",
        keyword=None,
        description="the geometric mean of no probabilities is 0 instead of 1, so a decode "
        "capped at zero steps reports no confidence instead of nothing doubtful",
    ),
    # -- losses and Lightning modules --
    Mutant(
        name="lit_model_vocab_size_mismatch_accepted",
        path="text_recognizer/lit_models/base.py",
        original=(
            "        if config.vocab_size != len(self.vocab):\n"
            "            raise ModelInputError(\n"
            '                f"model vocab_size {config.vocab_size} != vocabulary size '
            '{len(self.vocab)}"\n'
            "            )\n"
        ),
        replacement="",
        target="tests",
        keyword=None,
        description="a model config whose vocab_size differs from the vocabulary is accepted, so "
        "the head emits indices the vocabulary cannot decode or lacks some of its tokens",
    ),
    Mutant(
        name="predict_step_confidence_is_log_prob",
        path="text_recognizer/lit_models/base.py",
        original='            "confidences": [item.confidence for item in decoded],\n',
        replacement='            "confidences": [item.log_prob for item in decoded],\n',
        target="tests",
        keyword=None,
        description="predict_step reports each reading's total log-probability as its "
        "confidence, so predicted confidences are negative numbers instead of 0..1",
    ),
    # -- metrics and evaluation --
    Mutant(
        name="evaluation_limit_taken_before_the_split",
        path="text_recognizer/evaluation.py",
        original=(
            "    records = [record for record in manifest.records if record.split == split]\n"
            "    if limit is not None:\n"
            "        records = records[:limit]\n"
        ),
        replacement=(
            "    records = [record for record in manifest.records[:limit] "
            "if record.split == split]\n"
        ),
        target="tests",
        keyword=None,
        description="evaluate_folder cuts the whole manifest to the limit before choosing the "
        "split, so --limit N scores fewer than N test samples or none at all",
    ),
    Mutant(
        name="evaluation_newline_confidences_not_dropped",
        path="text_recognizer/evaluation.py",
        original='            [c for c, char in zip(cs, text) if char != "\\n"]\n',
        replacement="            list(cs)\n",
        target="tests",
        keyword=None,
        description="calibration of an evaluation keeps the newlines' character confidences "
        "while their texts drop the newlines, so evaluating paragraphs fails with a mismatch",
    ),
    # -- optimisation, configs, experiment --
    Mutant(
        name="precision_option_not_applied",
        path="text_recognizer/training/experiment.py",
        original='        ("precision", "precision"),\n',
        replacement="",
        target="tests",
        keyword=None,
        description="--precision is parsed but never written into the trainer section, so runs "
        "train in the config's precision whatever the command line asks",
    ),
    Mutant(
        name="config_tuple_length_unchecked",
        path="text_recognizer/training/schema.py",
        original=(
            "    elif len(args) != len(value):\n"
            "        return False\n"
            "    else:\n"
            "        hints = list(args)\n"
        ),
        replacement="    else:\n        hints = list(args)\n",
        target="tests",
        keyword=None,
        description="a fixed-length tuple field such as a stride pair accepts lists of any "
        "length, so a config with a three-number stride passes validation",
    ),
    Mutant(
        name="resumed_run_archives_overwrite_each_other",
        path="text_recognizer/training/experiment.py",
        original='    archive = out / "previous" / stamp\n',
        replacement='    archive = out / "previous"\n',
        target="tests",
        keyword=None,
        description="the records of a resumed run are archived without their time stamp folder, "
        "so a second resume overwrites the history the first one saved",
    ),
    # -- export, staging, calibration --
    Mutant(
        name="line_parity_ignores_given_tolerance",
        path="text_recognizer/export_parity.py",
        original=(
            '                results.append(compare(backend, "forward", expected, actual, '
            "atol, rtol))\n"
        ),
        replacement=(
            '                results.append(compare(backend, "forward", expected, actual))\n'
        ),
        target="tests",
        keyword=None,
        description="check_parity accepts atol/rtol but compares line models with the default "
        "tolerance, so a caller's looser or stricter tolerance has no effect",
    ),
    Mutant(
        name="substituted_characters_counted_right",
        path="text_recognizer/calibration.py",
        original="            right[i - 1] = prediction[i - 1] == truth[j - 1]\n",
        replacement="            right[i - 1] = True\n",
        target="tests",
        keyword=None,
        description="correct_characters marks substituted characters as right, so character "
        "accuracy and character ECE look better than the readings are",
    ),
    Mutant(
        name="staged_payload_drops_calibration",
        path="text_recognizer/staging.py",
        original='        "calibration": plain(dict(calibration or {})),\n',
        replacement='        "calibration": {},\n',
        target="tests",
        keyword=None,
        description="model_payload ignores its calibration argument, so a calibrated staged "
        "model loads with temperature 1.0 and reports uncalibrated confidences",
    ),
    # -- inference and CLI --
    Mutant(
        name="line_log_probs_keep_padded_frames",
        path="text_recognizer/recognizer.py",
        original=(
            "            log_probs[row, :length].float().cpu() for row, length in "
            "enumerate(lengths.tolist())\n"
        ),
        replacement=(
            "            log_probs[row].float().cpu() for row, length in "
            "enumerate(lengths.tolist())\n"
        ),
        target="tests",
        keyword=None,
        description="line_log_probs returns every padded frame of the batch, so a line's frames "
        "depend on its batch and temperature fitting sees padding",
    ),
    Mutant(
        name="paragraph_mode_refused_without_paragraph_model",
        path="text_recognizer/recognizer.py",
        original="        if mode not in self.readable_kinds:\n",
        replacement="        if mode not in self.kinds:\n",
        target="tests",
        keyword=None,
        description="asking a line-only recognizer for mode 'paragraphs' raises instead of "
        "reading the page by segmentation, though auto mode still segments",
    ),
    Mutant(
        name="predict_exit_zero_on_partial_failure",
        path="text_recognizer/cli/predict.py",
        original="    return 2 if failures else 0\n",
        replacement="    return 2 if failures == len(args.images) else 0\n",
        target="tests",
        keyword=None,
        description="`predict` exits 0 when only some of its images fail, so scripts do not "
        "notice the images that were not transcribed",
    ),
    Mutant(
        name="serve_token_environment_variable_ignored",
        path="text_recognizer/cli/serve.py",
        original="    token = args.token or environ.get(TOKEN_ENV) or None\n",
        replacement="    token = args.token or None\n",
        target="tests",
        keyword=None,
        description="serve ignores TEXT_RECOGNIZER_TOKEN, so a public bind with the token only in "
        "the environment is refused and a loopback one runs without the token",
    ),
    # -- service --
    Mutant(
        name="missing_token_answers_403",
        path="text_recognizer/api/errors.py",
        original=(
            '    "unauthorized": (401, "The route needs \'Authorization: Bearer <token>\' and it '
            'was not given."),\n'
        ),
        replacement=(
            '    "unauthorized": (403, "The route needs \'Authorization: Bearer <token>\' and it '
            'was not given."),\n'
        ),
        target="tests",
        keyword=None,
        description="a request without the bearer token is answered 403 instead of 401 with "
        "WWW-Authenticate, so clients are not told to authenticate",
    ),
    Mutant(
        name="request_latency_observed_in_milliseconds",
        path="text_recognizer/api/middleware.py",
        original=(
            '                route, scope.get("method", ""), status, '
            "time.perf_counter() - started\n"
        ),
        replacement=(
            '                route, scope.get("method", ""), status, '
            "(time.perf_counter() - started) * 1000\n"
        ),
        target="tests",
        keyword=None,
        description="request latencies go into the seconds histogram in milliseconds, so "
        "/metrics shows every request 1000 times slower and in the top buckets",
    ),
    # -- data validation --
    Mutant(
        name="line_chars_per_pixel_size_swapped",
        path="text_recognizer/validation/tables.py",
        original='        return row["text_length"] / line_width_for(width, height)\n',
        replacement='        return row["text_length"] / line_width_for(height, width)\n',
        target="tests",
        keyword=None,
        description="a line's characters per pixel is computed with width and height swapped, "
        "so ordinary lines fail the character-width check and impossible ones pass",
    ),
    Mutant(
        name="image_distribution_limit_uses_label_floor",
        path="text_recognizer/validation/tables.py",
        original=(
            '                row[f"{name}_ks_limit"] = ks_limit(len(a), len(b), '
            "config.image_ks_floor)\n"
        ),
        replacement=(
            '                row[f"{name}_ks_limit"] = ks_limit(len(a), len(b), '
            "config.label_length_ks_floor)\n"
        ),
        target="tests",
        keyword=None,
        description="image-statistic KS limits use the label-length floor, so a test split "
        "written in held-out fonts fails the distribution checks it is meant to pass",
    ),
)

#: Round 9, 2026-11-28: written while round 8's survivors got their tests; measured on
#: 322219e: 23 of 30 killed (76.7 %); the 7 survivors now have tests.
ROUND_9: tuple[Mutant, ...] = (
    # -- data, corpus, fonts --
    Mutant(
        name="font_bundle_check_needs_size_and_hash_both_wrong",
        path="text_recognizer/data/font_bundle.py",
        original=(
            "        elif path.stat().st_size != entry.bytes or sha256_file(path) != "
            "entry.sha256:\n"
        ),
        replacement=(
            "        elif path.stat().st_size != entry.bytes and sha256_file(path) != "
            "entry.sha256:\n"
        ),
        target="tests",
        keyword=None,
        description=(
            "check_bundle only reports a bundled font whose size and hash both differ, so a "
            "same-size file with different content passes as intact"
        ),
    ),
    Mutant(
        name="font_vetting_duplicate_marks_let_digits_win_over_letters",
        path="text_recognizer/data/font_vetting.py",
        original=(
            "    ordered = sorted(signatures, key=lambda char: (not char.isalpha(), "
            "CHARACTERS.find(char)))\n"
        ),
        replacement=(
            "    ordered = sorted(signatures, key=lambda char: (char.isalpha(), "
            "CHARACTERS.find(char)))\n"
        ),
        target="tests",
        keyword=None,
        description=(
            "duplicate-glyph vetting visits marks before letters, so a digit or mark drawn "
            'like a letter ("1" like "l") is kept instead of dropped'
        ),
    ),
    Mutant(
        name="inspection_label_lines_counts_newlines_not_lines",
        path="text_recognizer/data/inspection.py",
        original=(
            '        "label_lines": _summary([record.text.count("\\n") + 1 for record in '
            "records]),\n"
        ),
        replacement=(
            '        "label_lines": _summary([record.text.count("\\n") for record in '
            "records]),\n"
        ),
        target="tests",
        keyword=None,
        description=(
            "dataset_stats reports lines per label one too low (0 for every line data set) "
            "because it counts newlines instead of lines"
        ),
    ),
    # -- preprocessing, transforms, segmentation --
    Mutant(
        name="crop_to_ink_margin_tuple_read_top_first",
        path="text_recognizer/data/augment.py",
        original=(
            "    left, top, right, bottom = (margin,) * 4 if isinstance(margin, int) else "
            "margin\n"
        ),
        replacement=(
            "    top, left, bottom, right = (margin,) * 4 if isinstance(margin, int) else "
            "margin\n"
        ),
        target="tests",
        keyword=None,
        description=(
            "crop_to_ink unpacks a (left, top, right, bottom) margin as (top, left, bottom, "
            "right), so uneven margins land on the wrong sides of the crop"
        ),
    ),
    Mutant(
        name="transform_paper_level_takes_tenth_percentile",
        path="text_recognizer/data/transforms.py",
        original="    return int(np.searchsorted(cumulative, 0.9 * cumulative[-1]))\n",
        replacement="    return int(np.searchsorted(cumulative, 0.1 * cumulative[-1]))\n",
        target="tests",
        keyword=None,
        description=(
            "the paper level used to fill corners uncovered by the augmentation's rotation is "
            "the 10th percentile (ink) instead of the 90th, leaving dark wedges"
        ),
    ),
    Mutant(
        name="segment_box_bottom_escapes_its_band",
        path="text_recognizer/segmentation.py",
        original="                bottom=min(bottom, top + int(rows[-1]) + 1 + pad),\n",
        replacement="                bottom=max(bottom, top + int(rows[-1]) + 1 + pad),\n",
        target="tests",
        keyword=None,
        description=(
            "a line box's bottom is the larger of its band's end and its padded ink, so boxes "
            "reach down to the next cut and overlap rows of the line below"
        ),
    ),
    # -- models --
    Mutant(
        name="reverse_within_lengths_off_by_one",
        path="text_recognizer/models/line_ctc.py",
        original="    index = torch.where(steps < limit, limit - 1 - steps, steps)\n",
        replacement="    index = torch.where(steps < limit, limit - steps, steps)\n",
        target="tests",
        keyword=None,
        description=(
            "the backward LSTM's per-sample reversal is shifted by one step, reading a padded "
            "frame (or indexing past the end for a full-width line)"
        ),
    ),
    Mutant(
        name="config_from_dict_unknown_fields_set_difference_swapped",
        path="text_recognizer/models/__init__.py",
        original="    unknown = sorted(set(data) - known)\n",
        replacement="    unknown = sorted(known - set(data))\n",
        target="tests",
        keyword=None,
        description=(
            "config_from_dict complains about fields the dict leaves out (partial configs "
            "fail) while a misspelt field slips through to a raw TypeError"
        ),
    ),
    Mutant(
        name="paragraph_encode_expected_shape_height_width_swapped",
        path="text_recognizer/models/paragraph_transformer.py",
        original="        expected = (1, self.config.image_height, self.config.image_width)\n",
        replacement=("        expected = (1, self.config.image_width, self.config.image_height)\n"),
        target="tests",
        keyword=None,
        description=(
            "the paragraph encoder checks images against (width, height), so a model "
            "configured for non-square pages rejects correctly shaped images"
        ),
    ),
    # -- decoding --
    Mutant(
        name="ctc_beam_search_ignores_temperature",
        path="text_recognizer/decoding.py",
        original="    frames_all = tempered(log_probs, temperature).cpu()\n",
        replacement="    frames_all = tempered(log_probs).cpu()\n",
        target="tests",
        keyword=None,
        description=(
            "ctc_beam_search accepts a temperature but never applies it, so calibrated "
            "beam-search confidences are the raw, uncalibrated ones"
        ),
    ),
    Mutant(
        name="ctc_prefix_beam_final_pick_ignores_blank_ending",
        path="text_recognizer/decoding.py",
        original="        beams.items(), key=lambda item: _log_add(item[1][0], item[1][1])\n",
        replacement="        beams.items(), key=lambda item: item[1][1]\n",
        target="tests",
        keyword=None,
        description=(
            "prefix beam search picks its result by the probability of paths ending in a "
            "character only, dropping the blank-ending mass and choosing the wrong text"
        ),
    ),
    Mutant(
        name="ctc_prefix_beam_repeat_overwrites_char_confidence",
        path="text_recognizer/decoding.py",
        original=(
            "                    stay[2] = stay[2][:-1] + (max(stay[2][-1], " "math.exp(score)),)\n"
        ),
        replacement="                    stay[2] = stay[2][:-1] + (math.exp(score),)\n",
        target="tests",
        keyword=None,
        description=(
            "a repeated frame of the last character replaces its confidence instead of keeping "
            "the run's maximum, so beam char confidences disagree with greedy ones"
        ),
    ),
    # -- losses and Lightning modules --
    Mutant(
        name="paragraph_validation_greedy_drops_length_cap",
        path="text_recognizer/lit_models/paragraph.py",
        original=(
            '        return autoregressive_greedy(self.model, batch["images"], self.vocab, '
            "max_length)\n"
        ),
        replacement=(
            '        return autoregressive_greedy(self.model, batch["images"], self.vocab)\n'
        ),
        target="tests",
        keyword=None,
        description=(
            "greedy validation decoding computes the 2 * reference + 16 cap but does not pass "
            "it, so an untrained model runs to max_length and scores longer predictions"
        ),
    ),
    Mutant(
        name="checkpoint_loader_needs_both_kind_and_config_missing",
        path="text_recognizer/lit_models/__init__.py",
        original='    if "model_kind" not in hparams or "model_config" not in hparams:\n',
        replacement='    if "model_kind" not in hparams and "model_config" not in hparams:\n',
        target="tests",
        keyword=None,
        description=(
            "a checkpoint with only one of model_kind/model_config passes the check and fails "
            "later with a KeyError instead of a clear ModelInputError"
        ),
    ),
    # -- metrics --
    Mutant(
        name="edit_error_rate_units_overwritten_per_update",
        path="text_recognizer/lit_models/metrics.py",
        original="        self.units += counts.units\n",
        replacement="        self.units = counts.units\n",
        target="tests",
        keyword=None,
        description=(
            "the metric keeps only the last batch's reference length while summing errors over "
            "all batches, so epoch CER/WER are inflated"
        ),
    ),
    Mutant(
        name="evaluation_legacy_group_shown_when_it_is_everyone",
        path="text_recognizer/evaluation.py",
        original="    if legacy and len(legacy) < len(records):\n",
        replacement="    if legacy and len(legacy) <= len(records):\n",
        target="tests",
        keyword=None,
        description=(
            "the legacy-writers group is reported even when it covers every record, "
            "duplicating the overall rates as a separate group"
        ),
    ),
    # -- optimisation, schedules, configs --
    Mutant(
        name="onecycle_total_steps_missing_extra_step",
        path="text_recognizer/lit_models/base.py",
        original=(
            "                optimizer, max_lr=hp.lr, total_steps=total + 1, "
            "pct_start=one_cycle_warmup(total)\n"
        ),
        replacement=(
            "                optimizer, max_lr=hp.lr, total_steps=total, "
            "pct_start=one_cycle_warmup(total)\n"
        ),
        target="tests",
        keyword=None,
        description=(
            "OneCycleLR is sized one scheduler step short of the run, so the learning rate "
            "peaks and anneals a step early and no longer matches one_cycle_warmup's share"
        ),
    ),
    Mutant(
        name="validate_config_model_section_not_required",
        path="text_recognizer/training/config.py",
        original='        check_mapping(config, SECTIONS, "", required=("model",))\n',
        replacement='        check_mapping(config, SECTIONS, "")\n',
        target="tests",
        keyword=None,
        description=(
            "a config without a model section is not refused with the key path; it crashes "
            "with a bare KeyError instead of ExperimentConfigError"
        ),
    ),
    Mutant(
        name="schema_float_accepts_booleans",
        path="text_recognizer/training/schema.py",
        original=(
            "        return isinstance(value, (int, float)) and not isinstance(value, bool)\n"
        ),
        replacement="        return isinstance(value, (int, float))\n",
        target="tests",
        keyword=None,
        description=(
            "float-typed config keys accept true/false, so `lr: true` passes the schema "
            "instead of being refused as the wrong type"
        ),
    ),
    # -- export, staging, model card --
    Mutant(
        name="model_card_writer_table_drops_at_the_limit",
        path="text_recognizer/training/model_card.py",
        original="    if 1 < len(by_writer) <= MAX_WRITER_ROWS:\n",
        replacement="    if 1 < len(by_writer) < MAX_WRITER_ROWS:\n",
        target="tests",
        keyword=None,
        description=(
            "a model card with exactly MAX_WRITER_ROWS writers omits the per-writer table it "
            "should still show"
        ),
    ),
    Mutant(
        name="peek_kind_trusts_any_card_kind",
        path="text_recognizer/staging.py",
        original="        if kind in KINDS:\n            return kind\n",
        replacement="        if kind:\n            return kind\n",
        target="tests",
        keyword=None,
        description=(
            "a staged folder whose card names an unknown kind is taken at its word instead of "
            "falling back to model.pt, so staged_folders returns a bogus kind"
        ),
    ),
    Mutant(
        name="staged_payload_preprocessing_not_required",
        path="text_recognizer/staging.py",
        original=(
            '        for key in ("kind", "config", "state_dict", "vocab", "preprocessing", '
            '"version")\n'
        ),
        replacement=('        for key in ("kind", "config", "state_dict", "vocab", "version")\n'),
        target="tests",
        keyword=None,
        description=(
            "a model.pt without preprocessing constants is not reported as needing re-staging; "
            "loading it fails with a KeyError instead of StagedModelError"
        ),
    ),
    # -- inference and CLI --
    Mutant(
        name="recognizer_greedy_lines_skip_temperature",
        path="text_recognizer/recognizer.py",
        original=(
            "            return decoding.ctc_greedy(log_probs, lengths, "
            "temperature=temperature)\n"
        ),
        replacement="            return decoding.ctc_greedy(log_probs, lengths)\n",
        target="tests",
        keyword=None,
        description=(
            "greedy line predictions ignore the staged confidence temperature, so a calibrated "
            "model reports its uncalibrated confidences"
        ),
    ),
    Mutant(
        name="array_to_image_uint16_colour_max_255_rescaled",
        path="text_recognizer/recognizer.py",
        original="                high = 65535.0 if int(array.max()) > 255 else 255.0\n",
        replacement="                high = 65535.0 if int(array.max()) >= 255 else 255.0\n",
        target="tests",
        keyword=None,
        description=(
            "a 16-bit colour array whose brightest value is exactly 255 is treated as full "
            "16-bit range and turns almost black"
        ),
    ),
    Mutant(
        name="cli_stage_calibration_limit_not_passed",
        path="text_recognizer/cli/stage.py",
        original="        calibration_limit=args.calibration_limit,\n",
        replacement="",
        target="tests",
        keyword=None,
        description=(
            "`stage --calibration-limit N` is parsed but not passed on, so the temperature is "
            "always fitted on the default 800 lines"
        ),
    ),
    Mutant(
        name="cli_prepare_rejects_full_scale",
        path="text_recognizer/cli/data_real.py",
        original="    if args.scale <= 0 or args.scale > 1:\n",
        replacement="    if args.scale <= 0 or args.scale >= 1:\n",
        target="tests",
        keyword=None,
        description=(
            "`data prepare --scale 1` (full 300 dpi) is refused although the message says (0, "
            "1] is allowed"
        ),
    ),
    # -- service --
    Mutant(
        name="api_405_reported_as_invalid_request",
        path="text_recognizer/api/app.py",
        original=(
            '        kind = {404: "not_found", 405: '
            '"method_not_allowed"}.get(error.status_code)\n'
        ),
        replacement='        kind = {404: "not_found"}.get(error.status_code)\n',
        target="tests",
        keyword=None,
        description=(
            "a request with the wrong HTTP method gets error kind invalid_request instead of "
            "method_not_allowed in its JSON body"
        ),
    ),
    Mutant(
        name="serve_settings_accept_zero_timeouts",
        path="text_recognizer/api/settings.py",
        original=(
            "            if not isinstance(value, (int, float)) or not 0.0 < value <= 3600.0:\n"
        ),
        replacement=(
            "            if not isinstance(value, (int, float)) or not 0.0 <= value <= " "3600.0:\n"
        ),
        target="tests",
        keyword=None,
        description=(
            "ServeSettings accepts a 0-second header/body/keep-alive/shutdown timeout, which "
            "would drop every connection immediately"
        ),
    ),
    # -- data validation --
    Mutant(
        name="validation_html_lists_failures_last",
        path="text_recognizer/validation/report.py",
        original=(
            "    for outcome in sorted(report.outcomes, key=lambda o: (o.success, o.table)):\n"
        ),
        replacement=(
            "    for outcome in sorted(report.outcomes, key=lambda o: (not o.success, "
            "o.table)):\n"
        ),
        target="tests",
        keyword=None,
        description=(
            "the HTML validation report sorts passing expectations first, burying the failures "
            "at the bottom of the table"
        ),
    ),
    Mutant(
        name="auto_suite_picks_iam_for_mixed_sources",
        path="text_recognizer/validation/suites.py",
        original='        name = "iam" if sources == {"iam"} else kind\n',
        replacement='        name = "iam" if "iam" in sources else kind\n',
        target="tests",
        keyword=None,
        description=(
            "suite auto picks the IAM suite for a data set that mixes IAM with other sources, "
            "applying IAM thresholds and the writer-disjointness check to synthetic data"
        ),
    ),
)

#: Round 10, 2026-11-28: written after every guard got its bounds (tests/test_guard_bounds.py);
#: 27 of 30 killed (90.0 %) on 2d07fd6. The 3 survivors now have tests in the catalogue.
ROUND_10: tuple[Mutant, ...] = (
    # -- data: EMNIST, downloads, data modules ----------------------------------------------
    Mutant(
        name="emnist_val_cut_from_unseeded_permutation",
        path="text_recognizer/data/emnist.py",
        original="order = np.random.default_rng(0).permutation(len(labels))",
        replacement="order = np.random.default_rng().permutation(len(labels))",
        target="tests",
        keyword=None,
        description="the EMNIST train/val cut comes from an unseeded permutation, so every load "
        "draws another validation set that overlaps the training images of the previous load",
    ),
    Mutant(
        name="corrupt_download_part_kept",
        path="text_recognizer/data/download.py",
        original=(
            "            part.unlink()  # corrupt bytes: resuming from them could never succeed\n"
        ),
        replacement="",
        target="tests",
        keyword=None,
        description="a .part whose SHA-256 is wrong is kept, so every rerun resumes from the "
        "same corrupt bytes and fails the checksum again",
    ),
    Mutant(
        name="train_writers_filter_every_split",
        path="text_recognizer/data/modules.py",
        original='            if split == "train" and self.train_writers is not None:\n',
        replacement="            if self.train_writers is not None:\n",
        target="tests",
        keyword=None,
        description="train_writers also filters validation and test to the chosen training "
        "writers, which empties writer-disjoint evaluation splits",
    ),
    # -- preprocessing: image modes and sizes -----------------------------------------------
    Mutant(
        name="integer_image_at_255_read_as_16_bit",
        path="text_recognizer/data/preprocess.py",
        original="    if low >= 0.0 and high <= 255.0:\n",
        replacement="    if low >= 0.0 and high < 255.0:\n",
        target="tests",
        keyword=None,
        description="off by one: a 32-bit integer ('I') image whose brightest pixel is exactly "
        "255 is taken as 16-bit and divided by 257, so it turns almost black",
    ),
    Mutant(
        name="palette_transparency_not_composited",
        path="text_recognizer/data/preprocess.py",
        original='    if mode in ("L", "RGB", "P") and "transparency" in image.info:\n',
        replacement='    if mode in ("L", "RGB") and "transparency" in image.info:\n',
        target="tests",
        keyword=None,
        description="a palette image with a transparent colour is converted without compositing, "
        "so its transparent pixels take the palette colour instead of white paper",
    ),
    Mutant(
        name="aspect_guard_checks_wide_images_only",
        path="text_recognizer/data/preprocess.py",
        original="    ratio = max(width / height, height / width)\n",
        replacement="    ratio = width / height\n",
        target="tests",
        keyword=None,
        description="the aspect-ratio guard only measures wide images: a tall one-pixel-wide "
        "sliver passes validation and reaches the model",
    ),
    # -- models: positions, projection, encoder stride --------------------------------------
    Mutant(
        name="position_table_short_for_unaligned_pages",
        path="text_recognizer/models/paragraph_transformer.py",
        original="config.d_model, max(config.image_height, config.image_width) // stride + 1\n",
        replacement="config.d_model, max(config.image_height, config.image_width) // stride\n",
        target="tests",
        keyword=None,
        description="off by one: the 2-D position table is a row short when the page size is "
        "not a multiple of the encoder stride, so such paragraph configs fail in encode",
    ),
    Mutant(
        name="line_projection_loses_its_relu",
        path="text_recognizer/models/line_ctc.py",
        original=(
            "        self.project = nn.Sequential(nn.Linear(features, 2 * config.rnn_hidden), "
            "nn.ReLU())\n"
        ),
        replacement=(
            "        self.project = nn.Sequential(nn.Linear(features, 2 * config.rnn_hidden))\n"
        ),
        target="tests",
        keyword=None,
        description="the line model's projection before the LSTM loses its ReLU: the weights "
        "still load, but a trained (staged) model reads different features",
    ),
    Mutant(
        name="resnet_stem_second_conv_unstrided",
        path="text_recognizer/models/resnet.py",
        original="            conv3x3(stem, stem, stride=2),\n",
        replacement="            conv3x3(stem, stem),\n",
        target="tests",
        keyword=None,
        description="the ResNet stem halves the resolution once instead of twice, so the real "
        "stride is half of output_stride and paragraph feature maps outgrow the position table",
    ),
    # -- decoding: beam search, confidence temperature --------------------------------------
    Mutant(
        name="autoregressive_beam_scores_raw_logits",
        path="text_recognizer/decoding.py",
        original=(
            "        log_probs = torch.log_softmax(logits.float(), dim=-1)\n"
            "        frozen = torch.full_like(log_probs, -math.inf)\n"
        ),
        replacement=(
            "        log_probs = logits.float()\n"
            "        frozen = torch.full_like(log_probs, -math.inf)\n"
        ),
        target="tests",
        keyword=None,
        description="paragraph beam search ranks and scores raw logits instead of "
        "log-probabilities, so beams compete on unnormalised scores and confidences leave 0..1",
    ),
    Mutant(
        name="beam_row_offsets_ignore_beam_width",
        path="text_recognizer/decoding.py",
        original="    offsets = (torch.arange(batch, device=device) * beam_width).unsqueeze(1)\n",
        replacement="    offsets = torch.arange(batch, device=device).unsqueeze(1)\n",
        target="tests",
        keyword=None,
        description="beam rows are offset by the image's index, not index x beam_width, so in a "
        "batch every image after the first continues and reports another image's beams",
    ),
    Mutant(
        name="temperature_grid_exponentiates_linear_range",
        path="text_recognizer/calibration.py",
        original="np.exp(np.linspace(math.log(0.5), math.log(8.0), 81))",
        replacement="np.exp(np.linspace(0.5, 8.0, 81))",
        target="tests",
        keyword=None,
        description="wrong unit: the temperature grid is exp(0.5..8) instead of 0.5..8 evenly in "
        "log, so a fitted temperature is at least 1.65 and can never sharpen confidences",
    ),
    # -- losses ----------------------------------------------------------------------------
    Mutant(
        name="paragraph_cross_entropy_summed",
        path="text_recognizer/lit_models/paragraph.py",
        original="            label_smoothing=self.hparams.label_smoothing,\n        )\n",
        replacement=(
            "            label_smoothing=self.hparams.label_smoothing,\n"
            '            reduction="sum",\n'
            "        )\n"
        ),
        target="tests",
        keyword=None,
        description="the paragraph cross-entropy is summed over tokens instead of averaged, so "
        "the loss and its gradient grow with batch size and label length",
    ),
    Mutant(
        name="ctc_target_lengths_are_padded_width",
        path="text_recognizer/lit_models/line.py",
        original='            batch["target_lengths"],\n',
        replacement=(
            '            torch.full_like(batch["target_lengths"], batch["targets"].shape[1]),\n'
        ),
        target="tests",
        keyword=None,
        description="CTC is given every label's padded length, so labels shorter than the "
        "batch's longest are trained to emit the padding token after their text",
    ),
    # -- metrics: the one-line diff ---------------------------------------------------------
    Mutant(
        name="inline_diff_autojunk_on_long_texts",
        path="text_recognizer/metrics.py",
        original="    matcher = difflib.SequenceMatcher(a=expected, b=got, autojunk=False)\n",
        replacement="    matcher = difflib.SequenceMatcher(a=expected, b=got)\n",
        target="tests",
        keyword=None,
        description="difflib's autojunk heuristic is left on, so in texts of 200+ characters "
        "frequent characters count as junk and one wrong character shows as replacing the rest",
    ),
    Mutant(
        name="inline_diff_prints_empty_removals",
        path="text_recognizer/metrics.py",
        original="        if a1 > a0:\n",
        replacement="        if a1 >= a0:\n",
        target="tests",
        keyword=None,
        description="off by one: a pure insertion is also shown as an empty removal '[--]' "
        "before the added text",
    ),
    # -- optimisation and checkpoints -------------------------------------------------------
    Mutant(
        name="matrices_excluded_from_weight_decay",
        path="text_recognizer/lit_models/base.py",
        original='        is_matrix = parameter.dim() >= 2 and "embedding" not in name\n',
        replacement='        is_matrix = parameter.dim() > 2 and "embedding" not in name\n',
        target="tests",
        keyword=None,
        description="off by one: 2-D weight matrices (Linear, LSTM, attention) land in the "
        "no-decay group; only convolution kernels are decayed",
    ),
    Mutant(
        name="adamw_betas_swapped",
        path="text_recognizer/lit_models/base.py",
        original="lr=hp.lr, betas=(0.9, 0.98)",
        replacement="lr=hp.lr, betas=(0.98, 0.9)",
        target="tests",
        keyword=None,
        description="swapped: AdamW gets a slow first moment and a fast second moment "
        "(betas 0.98, 0.9)",
    ),
    Mutant(
        name="checkpoint_unpickling_error_not_wrapped",
        path="text_recognizer/lit_models/__init__.py",
        original="    except (OSError, RuntimeError, EOFError, pickle.UnpicklingError) as error:\n",
        replacement="    except (OSError, RuntimeError, EOFError) as error:\n",
        target="tests",
        keyword=None,
        description="a checkpoint file that is not a pickle escapes as a raw UnpicklingError "
        "instead of a ModelInputError naming the file",
    ),
    # -- export: staged folders and the model card ------------------------------------------
    Mutant(
        name="staged_kind_folder_counted_without_model",
        path="text_recognizer/staging.py",
        original=(
            "    found = {kind: root / kind for kind in KINDS if is_staged_folder(root / kind)}\n"
        ),
        replacement="    found = {kind: root / kind for kind in KINDS if (root / kind).is_dir()}\n",
        target="tests",
        keyword=None,
        description="a lines/ or paragraphs/ subfolder counts as a staged model whether or not "
        "it holds model.pt, so an empty or half-written kind folder breaks loading",
    ),
    Mutant(
        name="model_card_latency_times_100",
        path="text_recognizer/training/model_card.py",
        original="{evaluation['seconds_per_sample'] * 1000:.1f} ms per sample",
        replacement="{evaluation['seconds_per_sample'] * 100:.1f} ms per sample",
        target="tests",
        keyword=None,
        description="wrong unit: the model card's per-sample time is seconds x 100 labelled "
        "as ms, ten times too fast",
    ),
    # -- inference and the command line -----------------------------------------------------
    Mutant(
        name="inference_threads_use_every_cpu",
        path="text_recognizer/recognizer.py",
        original="    return max(1, min(4, available_cpus() // 2))\n",
        replacement="    return max(1, min(4, available_cpus()))\n",
        target="tests",
        keyword=None,
        description="inference takes every CPU (up to 4) instead of half of them, so a 2-core "
        "machine runs two contending threads",
    ),
    Mutant(
        name="mode_with_whitespace_refused",
        path="text_recognizer/modes.py",
        original='    text = mode.strip().lower() if isinstance(mode, str) else ""\n',
        replacement='    text = mode.lower() if isinstance(mode, str) else ""\n',
        target="tests",
        keyword=None,
        description="a mode with surrounding whitespace (' auto ', a form field ending in a "
        "newline) is refused as unknown",
    ),
    Mutant(
        name="evaluate_split_option_ignored",
        path="text_recognizer/cli/evaluate.py",
        original=(
            "    result = evaluate_folder(recognizer, args.data, args.split, args.limit, "
            "args.batch_size)\n"
        ),
        replacement=(
            "    result = evaluate_folder(\n"
            "        recognizer, args.data, limit=args.limit, batch_size=args.batch_size\n"
            "    )\n"
        ),
        target="tests",
        keyword=None,
        description="`evaluate --split val` is parsed but not passed on: the test split is "
        "always scored",
    ),
    # -- the REST service -------------------------------------------------------------------
    Mutant(
        name="connection_overload_at_the_limit",
        path="text_recognizer/api/access.py",
        original="        overloaded = self.open_connections() > self.max_connections\n",
        replacement="        overloaded = self.open_connections() >= self.max_connections\n",
        target="tests",
        keyword=None,
        description="off by one: requests are refused as overloaded once exactly "
        "max_connections connections are open, one before the limit",
    ),
    Mutant(
        name="bearer_scheme_case_sensitive",
        path="text_recognizer/api/access.py",
        original='    if scheme.lower() != "bearer":\n',
        replacement='    if scheme != "Bearer":\n',
        target="tests",
        keyword=None,
        description="the Authorization scheme is matched case-sensitively, so 'bearer <token>' "
        "(valid per RFC 7235) is answered 401",
    ),
    Mutant(
        name="trusted_proxy_networks_refused",
        path="text_recognizer/api/settings.py",
        original="                ipaddress.ip_network(proxy, strict=False)\n",
        replacement="                ipaddress.ip_address(proxy)\n",
        target="tests",
        keyword=None,
        description="trusted_proxies refuses networks such as 10.0.0.0/8: only single "
        "addresses pass the settings check",
    ),
    # -- validation and expectations --------------------------------------------------------
    Mutant(
        name="absolute_image_paths_inside_dataset",
        path="text_recognizer/validation/expectations.py",
        original='{"column": "path", "regex": r"\\A(?!/)(?!.*',
        replacement='{"column": "path", "regex": r"\\A(?!.*',
        target="tests",
        keyword=None,
        description="the path regex no longer refuses a leading slash, so absolute image paths "
        "pass paths_inside_dataset",
    ),
    Mutant(
        name="blank_labels_pass_non_empty_check",
        path="text_recognizer/validation/expectations.py",
        original='{"column": "text", "regex": r"\\S"},',
        replacement='{"column": "text", "regex": r"."},',
        target="tests",
        keyword=None,
        description="labels_non_empty asks for any character, not a visible one, so a label of "
        "spaces only passes",
    ),
    Mutant(
        name="ks_cdf_sides_differ",
        path="text_recognizer/validation/split_distances.py",
        original='    cdf_a = np.searchsorted(a, values, side="right") / len(a)\n',
        replacement='    cdf_a = np.searchsorted(a, values, side="left") / len(a)\n',
        target="tests",
        keyword=None,
        description="one empirical CDF is taken left-continuous, so tied values inflate every KS "
        "distance and identical samples are 1/n apart",
    ),
)

#: Round 11, 2026-11-28: written after limit decisions got their bounds (tests/decision_bounds.py)
#: and round 10's survivors their tests; 28 of 30 killed (93.3 %) on 0940829. The 2 survivors
#: now have tests in the catalogue.
ROUND_11: tuple[Mutant, ...] = (
    # -- data: generator, data sets, splits, IAM/EMNIST code ----------------------------------
    Mutant(
        name="emnist_line_canvas_keeps_last_glyph_step",
        path="text_recognizer/data/emnist.py",
        original="    width = sum(steps[:-1]) + size if text else size\n",
        replacement="    width = sum(steps) + size if text else size\n",
        target="tests",
        keyword=None,
        description="an EMNIST line's canvas adds the last glyph's step, leaving a blank tail",
    ),
    Mutant(
        name="emnist_lines_train_count_ignores_test_share",
        path="text_recognizer/data/emnist.py",
        original='counts = {"train": n - 2 * (n // 10), "val": n // 10, "test": n // 10}',
        replacement='counts = {"train": n - n // 10, "val": n // 10, "test": n // 10}',
        target="tests",
        keyword=None,
        description="EMNIST-lines writes n + n // 10 lines: the training count subtracts one share",
    ),
    Mutant(
        name="iam_resized_scan_cropped_at_native_factor",
        path="text_recognizer/data/iam.py",
        original="    return page, scale\n",
        replacement="    return page, native\n",
        target="tests",
        keyword=None,
        description="a resized IAM scan is cropped with its native factor, so boxes miss the ink",
    ),
    # -- preprocessing / transforms -----------------------------------------------------------
    Mutant(
        name="grayscale_conversion_truncates_levels",
        path="text_recognizer/data/preprocess.py",
        original="    return Image.fromarray(np.clip(values + 0.5, 0, 255).astype(np.uint8))\n",
        replacement="    return Image.fromarray(np.clip(values, 0, 255).astype(np.uint8))\n",
        target="tests",
        keyword=None,
        description="alpha, 16-bit and float images are truncated to gray levels, not rounded",
    ),
    Mutant(
        name="text_block_row_reach_from_page_width",
        path="text_recognizer/data/page.py",
        original="    rows = _span(ink.sum(axis=1), max(2, ink.shape[0] // 8))\n",
        replacement="    rows = _span(ink.sum(axis=1), max(2, ink.shape[1] // 8))\n",
        target="tests",
        keyword=None,
        description="the text block's row runs are joined over a reach from the width, not height",
    ),
    Mutant(
        name="pen_lift_position_divided_by_height",
        path="text_recognizer/data/augment.py",
        original="        y, x = divmod(position, width)\n",
        replacement="        y, x = divmod(position, height)\n",
        target="tests",
        keyword=None,
        description="pen lifts unravel the ink pixel's flat index by the height, missing strokes",
    ),
    # -- models -------------------------------------------------------------------------------
    Mutant(
        name="attention_heads_split_without_transpose",
        path="text_recognizer/models/paragraph_transformer.py",
        original=(
            "        return x.view(batch, steps, self.heads, dim // self.heads).transpose(1, 2)\n"
        ),
        replacement="        return x.view(batch, self.heads, steps, dim // self.heads)\n",
        target="tests",
        keyword=None,
        description="attention heads are cut by viewing (B, T, D) as (B, H, T, d), mixing steps",
    ),
    Mutant(
        name="row_positions_broadcast_along_columns",
        path="text_recognizer/models/positional.py",
        original="rows = self.table[:height].t().unsqueeze(2).expand(-1, height, width)",
        replacement="rows = self.table[:height].t().unsqueeze(1).expand(-1, height, width)",
        target="tests",
        keyword=None,
        description="the 2-D encoding's row half varies along columns, so rows are not told apart",
    ),
    Mutant(
        name="stem_lengths_divided_by_every_stride",
        path="text_recognizer/models/line_ctc.py",
        original="        lengths = output_lengths(lengths, strides[:1])\n",
        replacement="        lengths = output_lengths(lengths, strides)\n",
        target="tests",
        keyword=None,
        description="the line model's frame lengths are divided by all strides at the stem too",
    ),
    # -- decoding -----------------------------------------------------------------------------
    Mutant(
        name="log_add_exponent_sign_flipped",
        path="text_recognizer/decoding.py",
        original="    return high + math.log1p(math.exp(low - high))\n",
        replacement="    return high + math.log1p(math.exp(high - low))\n",
        target="tests",
        keyword=None,
        description="CTC beam search adds log-probabilities with exp(high - low), inflating sums",
    ),
    Mutant(
        name="beam_token_history_not_reordered",
        path="text_recognizer/decoding.py",
        original="        tokens = torch.cat([tokens[parent], token.unsqueeze(1)], dim=1)\n",
        replacement="        tokens = torch.cat([tokens, token.unsqueeze(1)], dim=1)\n",
        target="tests",
        keyword=None,
        description="autoregressive beams keep their old token history after being reordered",
    ),
    Mutant(
        name="ctc_greedy_log_prob_sums_padding",
        path="text_recognizer/decoding.py",
        original="        scores = best[row, :length].tolist()\n",
        replacement="        scores = best[row].tolist()\n",
        target="tests",
        keyword=None,
        description="greedy CTC's log_prob sums the padded frames past the line's own length",
    ),
    # -- losses -------------------------------------------------------------------------------
    Mutant(
        name="ctc_loss_not_normalised_by_target_length",
        path="text_recognizer/lit_models/line.py",
        original='            reduction="mean",\n            zero_infinity=True,\n        )\n',
        replacement=(
            '            reduction="none",\n            zero_infinity=True,\n        ).mean()\n'
        ),
        target="tests",
        keyword=None,
        description="the CTC loss averages raw per-line sums, unnormalised by label length",
    ),
    Mutant(
        name="end_token_overwrites_last_character",
        path="text_recognizer/lit_models/paragraph.py",
        original="target_lengths.long()] = vocab.end_index",
        replacement="target_lengths.long() - 1] = vocab.end_index",
        target="tests",
        keyword=None,
        description="teacher forcing puts <end> on the last character instead of after it",
    ),
    # -- metrics ------------------------------------------------------------------------------
    Mutant(
        name="edit_distance_slices_reference_with_prediction_end",
        path="text_recognizer/metrics.py",
        original="    a, b = a[start:end_a], b[start:end_b]\n",
        replacement="    a, b = a[start:end_a], b[start:end_a]\n",
        target="tests",
        keyword=None,
        description="edit distance cuts the second text at the first's end, losing its tail",
    ),
    Mutant(
        name="word_error_metric_counts_characters",
        path="text_recognizer/lit_models/metrics.py",
        original="        counts = edit_counts(list(predictions), list(references), self.unit)\n",
        replacement="        counts = edit_counts(list(predictions), list(references))\n",
        target="tests",
        keyword=None,
        description="the logged WER metric drops its unit and counts character edits",
    ),
    # -- optimisation -------------------------------------------------------------------------
    Mutant(
        name="cosine_progress_over_whole_run",
        path="text_recognizer/lit_models/base.py",
        original=(
            "    progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))\n"
        ),
        replacement="    progress = min(1.0, (step - warmup_steps) / max(1, total_steps))\n",
        target="tests",
        keyword=None,
        description="the cosine decay spans the whole run after warm-up, never reaching the floor",
    ),
    Mutant(
        name="onecycle_warmup_share_dropped",
        path="text_recognizer/lit_models/base.py",
        original=(
            "optimizer, max_lr=hp.lr, total_steps=total + 1, pct_start=one_cycle_warmup(total)"
        ),
        replacement="optimizer, max_lr=hp.lr, total_steps=total + 1",
        target="tests",
        keyword=None,
        description="the one-cycle schedule warms up over torch's default 30 % of the run",
    ),
    # -- export / staging ---------------------------------------------------------------------
    Mutant(
        name="onnx_files_written_in_place",
        path="text_recognizer/export.py",
        original=(
            "            path = folder / names[part.name]\n"
            "            atomic_write_bytes(path, buffer.getvalue())\n"
        ),
        replacement=(
            "            path = folder / names[part.name]\n"
            "            path.write_bytes(buffer.getvalue())\n"
        ),
        target="tests",
        keyword=None,
        description="ONNX files are written in place, so a failed write leaves a partial model",
    ),
    Mutant(
        name="onnx_decoder_past_length_fixed",
        path="text_recognizer/export.py",
        original=(
            '                    "past_keys": {1: "batch", 3: "steps"},\n'
            '                    "past_values": {1: "batch", 3: "steps"},\n'
        ),
        replacement=(
            '                    "past_keys": {1: "batch"},\n'
            '                    "past_values": {1: "batch"},\n'
        ),
        target="tests",
        keyword=None,
        description="the ONNX decoder step fixes the past length at the traced 3 steps",
    ),
    Mutant(
        name="staged_preprocessing_omits_line_margin",
        path="text_recognizer/staging.py",
        original='        "line_margin": preprocess.LINE_MARGIN,\n',
        replacement="",
        target="tests",
        keyword=None,
        description="staged models no longer record or check the line crop margin",
    ),
    # -- inference / CLI ----------------------------------------------------------------------
    Mutant(
        name="bool_array_image_not_scaled_to_white",
        path="text_recognizer/recognizer.py",
        original="        return Image.fromarray(array.astype(np.uint8) * 255)\n",
        replacement="        return Image.fromarray(array.astype(np.uint8))\n",
        target="tests",
        keyword=None,
        description="a boolean image array becomes gray levels 0 and 1, read as a blank page",
    ),
    Mutant(
        name="in_memory_networks_left_in_train_mode",
        path="text_recognizer/recognizer.py",
        original="            network.eval()\n",
        replacement="",
        target="tests",
        keyword=None,
        description="Recognizer.from_models runs its networks in train mode (dropout, batch stats)",
    ),
    Mutant(
        name="cli_predict_ignores_mode",
        path="text_recognizer/cli/predict.py",
        original="            prediction = recognizer.predict(path, mode=args.mode)\n",
        replacement="            prediction = recognizer.predict(path)\n",
        target="tests",
        keyword=None,
        description="`predict --mode` is parsed but every image is read in auto mode",
    ),
    # -- the REST service ---------------------------------------------------------------------
    Mutant(
        name="batch_retry_drops_request_mode",
        path="text_recognizer/api/batching.py",
        original="            prediction = self.recognizer.predict(image, mode)\n",
        replacement="            prediction = self.recognizer.predict(image)\n",
        target="tests",
        keyword=None,
        description="after a failed batch, images are retried one by one in auto mode",
    ),
    Mutant(
        name="batch_metrics_never_observed",
        path="text_recognizer/api/service.py",
        original="            on_batch=self.metrics.observe_batch,\n",
        replacement="",
        target="tests",
        keyword=None,
        description="the service never records batch sizes or model-call durations",
    ),
    Mutant(
        name="max_inflight_not_validated",
        path="text_recognizer/api/settings.py",
        original='    "max_inflight",\n',
        replacement="",
        target="tests",
        keyword=None,
        description="ServeSettings accepts max_inflight=0, which refuses every request",
    ),
    # -- validation / expectations ------------------------------------------------------------
    Mutant(
        name="merged_check_passes_if_any_part_passes",
        path="text_recognizer/validation/validate.py",
        original='                success=all(part["success"] for _, part in items),\n',
        replacement='                success=any(part["success"] for _, part in items),\n',
        target="tests",
        keyword=None,
        description="a check with several parts (width and height) passes when one part passes",
    ),
    Mutant(
        name="split_share_noise_not_scaled_by_count",
        path="text_recognizer/validation/tables.py",
        original="        noise = 3 * math.sqrt(expected * (1 - expected) / total)\n",
        replacement="        noise = 3 * math.sqrt(expected * (1 - expected))\n",
        target="tests",
        keyword=None,
        description="split share tolerance ignores the record count, so any split shares pass",
    ),
    Mutant(
        name="paragraph_row_excess_loses_abs",
        path="text_recognizer/validation/tables.py",
        original=(
            '            row["rows_beyond_tolerance"] = '
            'abs(row["text_rows"] - label_lines) - allowed\n'
        ),
        replacement=(
            '            row["rows_beyond_tolerance"] = row["text_rows"] - label_lines - allowed\n'
        ),
        target="tests",
        keyword=None,
        description="paragraph images with fewer text rows than label lines pass the rows check",
    ),
)

#: Round 12, 2026-11-28, measured on 732d69f: 26 of 30 killed (86.7 %); the 4 survivors now have
#: tests (:data:`scripts.planted_bugs.ROUND_12_SURVIVOR_TESTS`).
ROUND_12: tuple[Mutant, ...] = (
    Mutant(
        name="synthetic_val_split_left_augmented",
        path="text_recognizer/data/datasets.py",
        original='        if split != "train" and config.augment:\n',
        replacement='        if split == "test" and config.augment:\n',
        target="tests",
        keyword=None,
        description=(
            "the on-the-fly synthetic data set switches the generator's "
            "augmentation off for the test split only, so validation samples are "
            "augmented"
        ),
    ),
    Mutant(
        name="iam_split_looked_up_by_form_id",
        path="text_recognizer/data/iam.py",
        original='        split = split_of.get(form.writer, "train")\n',
        replacement='        split = split_of.get(form.id, "train")\n',
        target="tests",
        keyword=None,
        description=(
            "wrong key: an IAM form's split is looked up by its form id instead of "
            "its writer, so every form lands in train"
        ),
    ),
    Mutant(
        name="iam_line_gap_above_measured_from_neighbour_top",
        path="text_recognizer/data/iam_forms.py",
        original=("        above = (y0 - boxes[index - 1][3]) // 2 if index else " "padding\n"),
        replacement=("        above = (y0 - boxes[index - 1][1]) // 2 if index else " "padding\n"),
        target="tests",
        keyword=None,
        description=(
            "the gap above an IAM line is measured from the previous line's top "
            "instead of its bottom, so crops take rows of the line above"
        ),
    ),
    Mutant(
        name="preprocessor_line_collate_drops_vocabulary",
        path="text_recognizer/data/preprocess.py",
        original="            return collate_lines(samples, vocab)\n",
        replacement="            return collate_lines(samples)\n",
        target="tests",
        keyword=None,
        description=(
            "Preprocessor.collate drops its vocab argument for lines, so line "
            "batches are always encoded with the default vocabulary"
        ),
    ),
    Mutant(
        name="open_image_forgets_bytearray",
        path="text_recognizer/data/preprocess.py",
        original=(
            "    if isinstance(source, (bytes, bytearray)):\n"
            "        source = io.BytesIO(source)\n"
        ),
        replacement=("    if isinstance(source, bytes):\n" "        source = io.BytesIO(source)\n"),
        target="tests",
        keyword=None,
        description=(
            "open_image wraps bytes but not bytearray in a buffer, so a bytearray "
            "upload fails with a raw error instead of decoding"
        ),
    ),
    Mutant(
        name="augmentation_noise_skipped_without_contrast_change",
        path="text_recognizer/data/transforms.py",
        original="        if contrast == 1.0 and brightness == 0.0 and sigma == 0.0:\n",
        replacement="        if contrast == 1.0 and brightness == 0.0:\n",
        target="tests",
        keyword=None,
        description=(
            "the photometric augmentation returns early whenever contrast and "
            "brightness are neutral, so a configured pixel noise is never added"
        ),
    ),
    Mutant(
        name="line_zero_width_not_clamped_to_one",
        path="text_recognizer/models/line_ctc.py",
        original=(
            "        lengths = widths.to(images.device).long().clamp(min=1, "
            "max=images.shape[-1])\n"
        ),
        replacement=(
            "        lengths = " "widths.to(images.device).long().clamp(max=images.shape[-1])\n"
        ),
        target="tests",
        keyword=None,
        description=(
            "the line model no longer clamps widths to at least one pixel, so a "
            "zero width yields zero frames and an empty, all-masked output"
        ),
    ),
    Mutant(
        name="position_table_sized_by_shorter_side",
        path="text_recognizer/models/paragraph_transformer.py",
        original=(
            "config.d_model, max(config.image_height, config.image_width) // " "stride + 1\n"
        ),
        replacement=(
            "config.d_model, min(config.image_height, config.image_width) // " "stride + 1\n"
        ),
        target="tests",
        keyword=None,
        description=(
            "the 2-D position table is sized by the shorter page side, so "
            "non-square paragraph configs run past the table in encode"
        ),
    ),
    Mutant(
        name="paragraph_heads_divisibility_unchecked",
        path="text_recognizer/models/paragraph_transformer.py",
        original=(
            "        if self.d_model % self.heads:\n"
            '            raise ModelInputError(f"d_model {self.d_model} is not '
            'divisible by {self.heads} heads")\n'
        ),
        replacement="",
        target="tests",
        keyword=None,
        description=(
            "ParagraphTransformerConfig accepts a d_model not divisible by its "
            "heads; the model fails later with a raw shape error instead of "
            "ModelInputError"
        ),
    ),
    Mutant(
        name="decode_steps_not_capped_by_model_length",
        path="text_recognizer/decoding.py",
        original=(
            "    return min(max_length or limit, limit) - 1  # the <start> token "
            "takes one position\n"
        ),
        replacement=(
            "    return (max_length or limit) - 1  # the <start> token takes one " "position\n"
        ),
        target="tests",
        keyword=None,
        description=(
            "a requested max_length above the model's own is no longer capped, so "
            "autoregressive decoding runs past the model's position table"
        ),
    ),
    Mutant(
        name="log_add_fast_paths_dropped",
        path="text_recognizer/decoding.py",
        original=(
            "    if a == -math.inf:\n"
            "        return b\n"
            "    if b == -math.inf:\n"
            "        return a\n"
            "    high, low"
        ),
        replacement="    high, low",
        target="tests",
        keyword=None,
        description=(
            "the log-add helper loses its -inf shortcuts, so adding two impossible "
            "paths in CTC beam search gives NaN and poisons the beam ranking"
        ),
    ),
    Mutant(
        name="ctc_full_lengths_dims_swapped",
        path="text_recognizer/decoding.py",
        original="        return [log_probs.shape[1]] * log_probs.shape[0]\n",
        replacement="        return [log_probs.shape[0]] * log_probs.shape[1]\n",
        target="tests",
        keyword=None,
        description=(
            "without lengths, CTC decoding takes the batch size as every row's "
            "frame count and the frame count as the number of rows"
        ),
    ),
    Mutant(
        name="line_greedy_decoding_drops_vocabulary",
        path="text_recognizer/lit_models/line.py",
        original="        return ctc_greedy(log_probs, lengths, self.vocab)\n",
        replacement="        return ctc_greedy(log_probs, lengths)\n",
        target="tests",
        keyword=None,
        description=(
            "the line LightningModule decodes greedily with the default "
            "vocabulary, ignoring a custom one it was trained with"
        ),
    ),
    Mutant(
        name="paragraph_logits_reshaped_not_transposed",
        path="text_recognizer/lit_models/paragraph.py",
        original="            logits.float().transpose(1, 2),\n",
        replacement=(
            "            logits.float().reshape(logits.shape[0], logits.shape[2], "
            "logits.shape[1]),\n"
        ),
        target="tests",
        keyword=None,
        description=(
            "the paragraph cross-entropy gets (B, C, L) logits by a reshape "
            "instead of a transpose, scrambling classes and positions"
        ),
    ),
    Mutant(
        name="epoch_wer_predictions_and_references_swapped",
        path="text_recognizer/lit_models/metrics.py",
        original="        self.wer.update(predictions, references)\n",
        replacement="        self.wer.update(references, predictions)\n",
        target="tests",
        keyword=None,
        description=(
            "swapped arguments: the logged WER is normalised by the predicted "
            "words instead of the reference words"
        ),
    ),
    Mutant(
        name="evaluation_limit_zero_scores_everything",
        path="text_recognizer/evaluation.py",
        original=("    if limit is not None:\n" "        records = records[:limit]\n"),
        replacement=("    if limit:\n" "        records = records[:limit]\n"),
        target="tests",
        keyword=None,
        description=(
            "evaluate_folder treats limit=0 as no limit and scores the whole split "
            "instead of refusing an empty selection"
        ),
    ),
    Mutant(
        name="predict_step_reads_singular_id_key",
        path="text_recognizer/lit_models/base.py",
        original='            "ids": list(batch.get("ids", [])),\n',
        replacement='            "ids": list(batch.get("id", [])),\n',
        target="tests",
        keyword=None,
        description=(
            "wrong key: predict_step reads batch['id'], which batches never hold, "
            "so every prediction batch reports no ids"
        ),
    ),
    Mutant(
        name="subclass_hyperparameters_not_saved",
        path="text_recognizer/lit_models/base.py",
        original=(
            '                "vocabulary": self.vocab.characters,\n' "                **extra,\n"
        ),
        replacement='                "vocabulary": self.vocab.characters,\n',
        target="tests",
        keyword=None,
        description=(
            "the base LightningModule drops subclass arguments from its "
            "hyperparameters, so the paragraph model's label_smoothing is neither "
            "saved nor readable"
        ),
    ),
    Mutant(
        name="load_image_forgets_memoryview",
        path="text_recognizer/recognizer.py",
        original=("    if isinstance(source, memoryview):\n" "        source = source.tobytes()\n"),
        replacement="",
        target="tests",
        keyword=None,
        description=(
            "load_image no longer turns a memoryview into bytes, so such uploads "
            "are refused as an unsupported input type"
        ),
    ),
    Mutant(
        name="segmented_page_newline_after_the_line",
        path="text_recognizer/recognizer.py",
        original=(
            "        if number:\n"
            "            chars.append(1.0)\n"
            "            indices += newline\n"
            "        chars += line.char_confidences\n"
            "        indices += line.indices\n"
        ),
        replacement=(
            "        chars += line.char_confidences\n"
            "        indices += line.indices\n"
            "        if number:\n"
            "            chars.append(1.0)\n"
            "            indices += newline\n"
        ),
        target="tests",
        keyword=None,
        description=(
            "mis-ordered step: a segmented page's newline is appended after a line "
            "instead of before it, so character confidences and indices no longer "
            "line up with the text"
        ),
    ),
    Mutant(
        name="parity_integer_mismatch_passes",
        path="text_recognizer/export_parity.py",
        original="            passed &= same\n",
        replacement="",
        target="tests",
        keyword=None,
        description=(
            "the parity check records an integer output mismatch (frame lengths) "
            "as infinite difference but still passes it"
        ),
    ),
    Mutant(
        name="plain_paths_stored_as_repr",
        path="text_recognizer/staging.py",
        original=("    if isinstance(value, os.PathLike):\n" "        return os.fspath(value)\n"),
        replacement="",
        target="tests",
        keyword=None,
        description=(
            "plain() forgets paths: a Path in staged metadata or the model card is "
            "stored as its repr ('PosixPath(...)') instead of the path"
        ),
    ),
    Mutant(
        name="cli_generate_augment_flag_inverted",
        path="text_recognizer/cli/data_synthetic.py",
        original="workers=args.workers, augment=not args.no_augment",
        replacement="workers=args.workers, augment=args.no_augment",
        target="tests",
        keyword=None,
        description=(
            "`data generate` loses the negation of --no-augment: sets are clean by "
            "default and augmented only when --no-augment is given"
        ),
    ),
    Mutant(
        name="cli_predict_errors_printed_to_stdout",
        path="text_recognizer/cli/predict.py",
        original='                print(f"{path}: error: {error}", file=sys.stderr)\n',
        replacement='                print(f"{path}: error: {error}")\n',
        target="tests",
        keyword=None,
        description=(
            "`predict` prints a failed image's error on stdout among the "
            "transcriptions instead of on stderr"
        ),
    ),
    Mutant(
        name="model_load_one_try_short",
        path="text_recognizer/api/service.py",
        original="        for attempt in range(1, attempts + 1):\n",
        replacement="        for attempt in range(1, attempts):\n",
        target="tests",
        keyword=None,
        description=(
            "off by one: the service tries to load the model one time fewer than "
            "configured, and with one attempt never loads it at all"
        ),
    ),
    Mutant(
        name="invalid_image_answered_as_unprocessable_input",
        path="text_recognizer/api/app.py",
        original=(
            "    except InvalidImageError as error:\n"
            '        raise request_error("invalid_image", str(error)) from None\n'
        ),
        replacement="",
        target="tests",
        keyword=None,
        description=(
            "the recognize route loses its InvalidImageError branch, so images the "
            "recognizer refuses get kind unprocessable_input instead of "
            "invalid_image"
        ),
    ),
    Mutant(
        name="split_pairs_skip_validation_split",
        path="text_recognizer/validation/tables.py",
        original="    for other in SPLITS[1:]:\n",
        replacement="    for other in SPLITS[2:]:\n",
        target="tests",
        keyword=None,
        description=(
            "off by one: the split-distance table compares train with test only, "
            "so a validation split drawn from another distribution goes unchecked"
        ),
    ),
    Mutant(
        name="iam_suite_loses_writer_disjointness",
        path="text_recognizer/validation/suites.py",
        original=(
            '        return replace(base, name="iam", image_height=height, '
            "writers_disjoint_by_split=True)\n"
        ),
        replacement='        return replace(base, name="iam", image_height=height)\n',
        target="tests",
        keyword=None,
        description=(
            "lost flag: the IAM suite no longer treats its splits as "
            "writer-disjoint, so a test writer leaking into train is not reported"
        ),
    ),
    Mutant(
        name="model_overrides_not_validated",
        path="text_recognizer/training/config.py",
        original=(
            '    check_mapping(model.get("overrides") or {}, fields, ' '"model.overrides")\n'
        ),
        replacement="",
        target="tests",
        keyword=None,
        description=(
            "model.overrides is no longer checked against the model config's "
            "fields, so a misspelt override passes validation and fails only when "
            "the run starts"
        ),
    ),
    Mutant(
        name="tiny_line_config_augmented",
        path="text_recognizer/training/configs/lines_tiny.yaml",
        original="  augment: false\n",
        replacement="  augment: true\n",
        target="tests",
        keyword=None,
        description=(
            "the tiny line smoke config turns data augmentation on, so its short "
            "run no longer trains on fixed, reproducible images"
        ),
    ),
)

ROUNDS: dict[str, tuple[Mutant, ...]] = {
    "1": ROUND_1,
    "2": ROUND_2,
    "3": ROUND_3,
    "4": ROUND_4,
    "5": ROUND_5,
    "6": ROUND_6,
    "7": ROUND_7,
    "8": ROUND_8,
    "9": ROUND_9,
    "10": ROUND_10,
    "11": ROUND_11,
    "12": ROUND_12,
}
MUTANTS: tuple[Mutant, ...] = (
    ROUND_1
    + ROUND_2
    + ROUND_3
    + ROUND_4
    + ROUND_5
    + ROUND_6
    + ROUND_7
    + ROUND_8
    + ROUND_9
    + ROUND_10
    + ROUND_11
    + ROUND_12
)
