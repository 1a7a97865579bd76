"""Planted bugs ("mutants") that the property and training sanity tests must catch, and the
check that they do.

A test that never fails proves nothing: hypothesis may only draw easy examples, a law may be
too weak to notice a real mistake, a sanity check may look at a batch where the bug cannot show.
Each mutant below is a realistic bug in the code that a property file or a training sanity test
(``tests/testing/test_training_sanity.py``) checks. The check copies the package, the tests and
the pytest configuration into a fresh temporary folder, plants one bug there, and runs the test
expected to catch it against that copy (the copy is first on ``sys.path``, so the mutated
package is the one imported, not the editable install). It passes only if the unmutated copy
passes and every mutant makes its test fail. A mutant whose original snippet is no longer in the
source stops the check with :class:`~text_recognizer.errors.PlantedBugDriftError`, so the list
cannot silently rot when the code changes::

    python -m scripts.property_mutants --list
    python -m scripts.property_mutants                      # baseline + every mutant
    python -m scripts.property_mutants --only vocab_decode_drops_first_character
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from text_recognizer.errors import PlantedBugDriftError
from text_recognizer.io import atomic_write_text

REPO_ROOT = Path(__file__).resolve().parent.parent
#: What a sandbox holds: the package, the tests and the pytest configuration.
COPIED = ("text_recognizer", "tests", "pyproject.toml")
PROPERTY_TESTS = "tests/properties"
SANITY_TESTS = "tests/testing/test_training_sanity.py"
#: Derandomized ``ci`` profile (tests/conftest.py): a mutant is killed or not, reproducibly.
PYTEST_ARGS = ("-q", "-p", "no:cacheprovider", "-x", "--hypothesis-profile=ci")
#: pytest's exit status when tests ran and some failed; collection errors etc. do not count.
TESTS_FAILED = 1
RUN_TIMEOUT_S = 600


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
        original="units += len(reference)",
        replacement="units += len(prediction)",
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


def planted_source(mutant: Mutant, root: Path = REPO_ROOT) -> str:
    """The text of ``mutant.path`` under ``root`` with the bug planted.

    Raises :class:`PlantedBugDriftError` unless the original snippet occurs exactly once.
    """
    source = (root / mutant.path).read_text(encoding="utf-8")
    count = source.count(mutant.original)
    if count != 1:
        raise PlantedBugDriftError(
            f"mutant {mutant.name!r}: its original snippet occurs {count} times in "
            f"{mutant.path} (expected exactly once); update the mutant to the current code:\n"
            f"{mutant.original}"
        )
    return source.replace(mutant.original, mutant.replacement)


def make_sandbox(destination: Path, root: Path = REPO_ROOT) -> Path:
    """Copy what pytest needs from ``root`` into ``destination`` (caches left out)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", ".pytest_cache")
    for name in COPIED:
        source = root / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=ignore)
        else:
            shutil.copy2(source, destination / name)
    return destination


def sandbox_env(sandbox: Path) -> dict[str, str]:
    """The environment of a sandboxed run: the copy first on the path, the ``ci`` profile."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key != "PYTEST_ADDOPTS" and not key.startswith("COV_CORE_")
    }
    inherited = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(sandbox) + (os.pathsep + inherited if inherited else "")
    env["HYPOTHESIS_PROFILE"] = "ci"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.setdefault("OMP_NUM_THREADS", "1")  # the tests use one torch thread; stay modest
    return env


def check_imports_sandbox(sandbox: Path) -> None:
    """Fail unless ``text_recognizer`` resolves inside ``sandbox`` (not the editable install)."""
    probe = "import importlib.util; print(importlib.util.find_spec('text_recognizer').origin)"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=sandbox,
        env=sandbox_env(sandbox),
        capture_output=True,
        text=True,
        check=True,
    )
    origin = Path(result.stdout.strip()).resolve()
    if not origin.is_relative_to(sandbox.resolve()):
        raise RuntimeError(f"the sandbox imports text_recognizer from {origin}, not {sandbox}")


@dataclass(frozen=True)
class Outcome:
    """One pytest run in a sandbox."""

    name: str
    target: str
    returncode: int
    seconds: float
    output: str

    @property
    def passed(self) -> bool:
        return self.returncode == 0

    @property
    def killed(self) -> bool:
        """Tests ran and failed: an import or collection error does not kill a mutant."""
        return self.returncode == TESTS_FAILED


def run_in_sandbox(
    name: str, target: str, pytest_args: Sequence[str], mutant: Optional[Mutant] = None
) -> Outcome:
    """Copy the repository, plant ``mutant`` (if any) and run pytest on the copy."""
    with tempfile.TemporaryDirectory(prefix=f"mutant-{name}-") as folder:
        sandbox = make_sandbox(Path(folder))
        if mutant is not None:
            atomic_write_text(sandbox / mutant.path, planted_source(mutant, REPO_ROOT))
        check_imports_sandbox(sandbox)
        command = [sys.executable, "-m", "pytest", *pytest_args, *PYTEST_ARGS]
        start = time.perf_counter()
        try:
            result = subprocess.run(
                command,
                cwd=sandbox,
                env=sandbox_env(sandbox),
                capture_output=True,
                text=True,
                timeout=RUN_TIMEOUT_S,
            )
            returncode, output = result.returncode, result.stdout + result.stderr
        except subprocess.TimeoutExpired:
            returncode, output = -1, f"timed out after {RUN_TIMEOUT_S} s"
        return Outcome(name, target, returncode, time.perf_counter() - start, output)


def run_baseline(mutants: Sequence[Mutant]) -> Outcome:
    """The unmutated copy on every targeted test file: it must pass."""
    targets = sorted({mutant.target for mutant in mutants})
    label = f"{len(targets)} target file(s)"
    return run_in_sandbox("baseline", label, targets)


def run_mutant(mutant: Mutant) -> Outcome:
    return run_in_sandbox(mutant.name, mutant.label, mutant.pytest_args(), mutant)


def mutant_status(outcome: Outcome) -> str:
    if outcome.killed:
        return "killed"
    if outcome.passed:
        return "SURVIVED"
    return f"ERROR (exit {outcome.returncode})"


def _row(widths: tuple[int, int], name: str, target: str, status: str, seconds: str) -> str:
    return f"{name:<{widths[0]}} | {target:<{widths[1]}} | {status:<12} | {seconds:>7}"


def run_check(mutants: Sequence[Mutant] = MUTANTS, show: bool = False) -> list[Outcome]:
    """Baseline first, then each mutant; the baseline outcome is the first of the list.

    Mutants are not run when the baseline fails: a kill would mean nothing. With ``show`` the
    table is printed row by row, with the pytest output of every unexpected result.
    """
    for mutant in mutants:
        planted_source(mutant)  # drift fails before minutes are spent
    widths = (
        max([len("baseline"), *(len(mutant.name) for mutant in mutants)]),
        max([len("10 target file(s)"), *(len(mutant.label) for mutant in mutants)]),
    )

    def report(outcome: Outcome, status: str, expected: bool) -> None:
        if show:
            seconds = f"{outcome.seconds:.1f}"
            print(_row(widths, outcome.name, outcome.target, status, seconds), flush=True)
            if not expected:
                print(outcome.output[-4000:], flush=True)

    if show:
        print(_row(widths, "mutant", "target", "result", "seconds"))
        print("-" * (sum(widths) + 31))
    baseline = run_baseline(mutants)
    report(baseline, "passed" if baseline.passed else "FAILED", baseline.passed)
    outcomes = [baseline]
    if not baseline.passed:
        return outcomes
    for mutant in mutants:
        outcome = run_mutant(mutant)
        report(outcome, mutant_status(outcome), outcome.killed)
        outcomes.append(outcome)
    return outcomes


def check_passed(outcomes: Sequence[Outcome], mutants: Sequence[Mutant]) -> bool:
    baseline, *rest = outcomes
    return baseline.passed and len(rest) == len(mutants) and all(o.killed for o in rest)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    names = [mutant.name for mutant in MUTANTS]
    parser.add_argument("--only", nargs="+", choices=names, metavar="NAME", help="these mutants")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    args = parser.parse_args(argv)
    mutants = [m for m in MUTANTS if not args.only or m.name in args.only]
    if args.list:
        for mutant in mutants:
            print(f"{mutant.name:<36} {mutant.label}\n{'':<36} {mutant.description}")
        return 0
    start = time.perf_counter()
    try:
        outcomes = run_check(mutants, show=True)
    except PlantedBugDriftError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    killed = sum(outcome.killed for outcome in outcomes[1:])
    print(
        f"\n{killed}/{len(mutants)} mutants killed, baseline "
        f"{'passed' if outcomes[0].passed else 'FAILED'}, {time.perf_counter() - start:.0f} s"
    )
    return 0 if check_passed(outcomes, mutants) else 1


if __name__ == "__main__":
    sys.exit(main())
