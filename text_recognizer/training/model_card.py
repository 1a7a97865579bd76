"""The model card in Markdown: what a staged model is, what it was trained on, how well it
reads (overall and per writer) and how its exports compare, written beside ``model_card.json``
by :func:`text_recognizer.training.stage.stage` from the same dictionary."""

from __future__ import annotations

from typing import Any


def evaluation_markdown(evaluation: dict[str, Any] | None) -> str:
    from text_recognizer.evaluation import MAX_WRITER_ROWS

    if not evaluation:
        return ""
    held_out = set(evaluation["held_out_writers"])
    by_writer = evaluation["by_writer"]
    unseen = [w for w in by_writer if w in held_out]
    writers = ", ".join(by_writer) or "unknown"
    text = (
        f"Staged model on the test split of `{evaluation['data']}` "
        f"({evaluation['samples']:,} {evaluation['kind']}; writers: {writers}; "
        f"{len(unseen)} of {len(by_writer)} unseen in training): "
        f"CER {evaluation['cer']:.2%}, WER {evaluation['wer']:.2%}, "
        f"{evaluation['seconds_per_sample'] * 1000:.1f} ms per sample on the staging host.\n\n"
    )
    for group, score in evaluation.get("by_group", {}).items():
        text += (
            f"On the {group}: CER {score['cer']:.2%}, WER {score['wer']:.2%} "
            f"({score['samples']:,} {evaluation['kind']}).\n\n"
        )
    if 1 < len(by_writer) <= MAX_WRITER_ROWS:
        text += "| writer | unseen | samples | CER | WER |\n|---|---|---|---|---|\n" + "".join(
            f"| {writer or '(none)'} | {'yes' if writer in held_out else 'no'} | "
            f"{score['samples']:,} | {score['cer']:.2%} | {score['wer']:.2%} |\n"
            for writer, score in by_writer.items()
        )
        text += "\n"
    return text


#: The test split's reliability diagram, written beside the card when the model is evaluated.
RELIABILITY_FILE = "reliability.png"


def writers_markdown(writers: dict[str, Any] | None) -> str:
    """Who wrote the evaluation data's splits, and by which rule they were chosen."""
    if not writers:
        return ""
    return (
        "## Writers\n\n"
        f"{writers['train']} training writers; {len(writers['val'])} validation-only writers "
        f"({', '.join(writers['val'])}); {len(writers['test'])} test-only writers "
        f"({', '.join(writers['test'])}). Rule: {writers['rule'] or 'not recorded'}.\n\n"
    )


def calibration_markdown(card: dict[str, Any]) -> str:
    """The fitted confidence temperature and how calibrated the confidences are."""
    calibration, evaluation = card.get("calibration"), card.get("evaluation")
    if not calibration:
        return ""
    text = (
        "## Confidence calibration\n\n"
        f"Temperature **{calibration['temperature']}**, fitted on {calibration['fitted_on']} "
        f"(writers unseen in training) by minimising the {calibration['objective']}. "
        f"Validation ECE, lines: {calibration['line_ece_before']:.3f} before, "
        f"{calibration['line_ece_after']:.3f} after; characters: "
        f"{calibration['char_ece_before']:.3f} before, {calibration['char_ece_after']:.3f} "
        "after.\n\n"
    )
    if evaluation and evaluation.get("calibration"):
        test = evaluation["calibration"]
        text += (
            f"On the test split: mean confidence {test['mean_confidence']:.3f}, mean character "
            f"accuracy {test['mean_accuracy']:.3f}, ECE {test['line_ece']:.3f} (lines) and "
            f"{test['char_ece']:.3f} (characters); reliability diagram: "
            f"[{RELIABILITY_FILE}]({RELIABILITY_FILE}).\n\n"
        )
    return text


def card_markdown(card: dict[str, Any]) -> str:
    def rows(mapping: dict[str, Any]) -> str:
        if not mapping:
            return "_none recorded_\n"
        return "".join(f"| {key} | {value} |\n" for key, value in mapping.items())

    files = {name: f"{info['bytes']:,} bytes" for name, info in card["files"].items()}
    parity = card["export"]["parity"]
    checks = "".join(
        f"| {item['backend']} | {item['part']} | {item['max_abs_diff']:.2e} | "
        f"{'pass' if item['passed'] else 'FAIL'} |\n"
        for item in parity["results"]
    )
    text = (
        f"# Model card: {card['name']}\n\n"
        f"Version `{card['version']}`, staged {card['created']} from git revision "
        f"`{card['git_revision']}` (text-recognizer {card['package_version']}, "
        f"torch {card['torch_version']}).\n\n"
        f"A **{card['kind']}** recognizer ({card['architecture']}, "
        f"{card['parameters']:,} parameters).\n\n"
        f"## Data\n\n| key | value |\n|---|---|\n{rows(card['data'])}\n"
        f"## Metrics\n\n| metric | value |\n|---|---|\n{rows(card['metrics'])}\n"
        + writers_markdown(card.get("writers"))
        + evaluation_markdown(card.get("evaluation"))
        + calibration_markdown(card)
        + f"## Training\n\n| key | value |\n|---|---|\n{rows(card['training'])}\n"
        f"## Files\n\n| file | size |\n|---|---|\n{rows(files)}\n"
        f"## Export parity\n\nExported outputs vs eager on {parity['samples']} images "
        f"({parity['source']}); tolerance |a - b| <= {parity['atol']} + {parity['rtol']} * |b|.\n\n"
        f"| backend | part | max abs diff | result |\n|---|---|---|---|\n{checks}\n"
        + "".join(f"- {note}\n" for note in parity["notes"])
    )
    return text.rstrip("\n") + "\n"  # one final newline, as the repository's file hooks want
