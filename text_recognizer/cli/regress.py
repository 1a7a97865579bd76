"""``text-recognizer regress ...``: fixed samples, goldens and loss-ranked suites.

Actions::

    regress samples --out tests/regression/samples        # render the fixed sample images
    regress goldens --reason "why"                        # rewrite goldens, log the change
    regress probes --reason "why"                         # re-record the pipeline probes
    regress probes --check                                # compare the probes, list what moved
    regress mine --model DIR --data VAL_DIR --k 32 \\
        --out tests/regression/loss_ranked.json --grid docs/loss_ranked.png
    regress check                                         # goldens + suite vs the model
    regress tag SUITE --id ID [--id ID ...] --tag "slanted"
    regress grid SUITE --out docs/loss_ranked.png         # redraw a suite's image grid
    regress behaviour-samples                             # render the behaviour suites' lines
    regress behaviour [--report docs/behaviour.png]       # run the behavioural suites
    regress behaviour --remeasure --reason "why"          # re-measure tolerances (new model)
"""

from __future__ import annotations

import argparse

SAMPLES_DIR = "tests/regression/samples"
GOLDENS_DIR = "tests/regression/goldens"
SUITE_FILE = "tests/regression/loss_ranked.json"
BEHAVIOUR_DIR = "tests/regression/behaviour"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "regress",
        help="regression goldens and loss-ranked suites",
        description="Generate fixed samples, (re)generate goldens, mine and check hard examples.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    samples = actions.add_parser("samples", help="render the fixed sample images + ground truth")
    samples.add_argument("--out", default=SAMPLES_DIR)
    samples.add_argument("--seed", type=int, default=None, help="default: the documented seed")
    samples.add_argument("--lines", type=int, default=None)
    samples.add_argument("--paragraphs", type=int, default=None)
    samples.set_defaults(func=run_samples)

    goldens = actions.add_parser("goldens", help="rewrite the goldens with a recorded reason")
    goldens.add_argument("--reason", required=True, help="why the goldens move (logged)")
    _model_and_paths(goldens)
    goldens.set_defaults(func=run_goldens)

    probes = actions.add_parser(
        "probes", help="re-record (or --check) the pipeline probes: each stage on fixed inputs"
    )
    probe_action = probes.add_mutually_exclusive_group(required=True)
    probe_action.add_argument("--reason", help="why the probes move (logged)")
    probe_action.add_argument("--check", action="store_true", help="compare, change nothing")
    probes.add_argument("--goldens", default=GOLDENS_DIR)
    probes.set_defaults(func=run_probes)

    mine = actions.add_parser("mine", help="freeze the k highest-loss examples of a data set")
    mine.add_argument("--model", default=None, help="staged model folder (default: packaged)")
    mine.add_argument("--data", required=True, help="data set folder (manifest + images)")
    mine.add_argument("--split", choices=("train", "val", "test"), default="val")
    mine.add_argument("--k", type=int, default=32)
    mine.add_argument("--limit", type=int, default=None, help="score only the first N examples")
    mine.add_argument("--batch-size", type=int, default=16)
    mine.add_argument("--out", default=SUITE_FILE)
    mine.add_argument("--grid", default=None, help="also draw the suite as this PNG")
    mine.add_argument("--reason", default="mined", help="recorded in the suite file")
    mine.set_defaults(func=run_mine)

    check = actions.add_parser("check", help="compare the model with goldens and the suite")
    _model_and_paths(check)
    check.set_defaults(func=run_check)

    tag = actions.add_parser("tag", help="add tags (named suites) to frozen examples")
    tag.add_argument("suite", help="suite file")
    tag.add_argument("--id", dest="ids", action="append", required=True)
    tag.add_argument("--tag", dest="tags", action="append", required=True)
    tag.set_defaults(func=run_tag)

    grid = actions.add_parser("grid", help="draw a suite's examples as an image grid")
    grid.add_argument("suite", help="suite file")
    grid.add_argument("--out", required=True)
    grid.add_argument("--columns", type=int, default=2)
    grid.set_defaults(func=run_grid)

    lines = actions.add_parser("behaviour-samples", help="render the behaviour suites' lines")
    lines.add_argument("--out", default=BEHAVIOUR_DIR)
    lines.add_argument("--seed", type=int, default=None, help="default: the documented seed")
    lines.set_defaults(func=run_behaviour_samples)

    behaviour = actions.add_parser(
        "behaviour", help="behavioural suites (perturbations, minimum functionality)"
    )
    behaviour.add_argument("--model", default=None, help="staged model folder (default: packaged)")
    behaviour.add_argument("--lines", default=BEHAVIOUR_DIR, help="folder of the suites' lines")
    behaviour.add_argument("--tolerances", default=None, help="default: LINES/tolerances.json")
    behaviour.add_argument("--suite", dest="suites", action="append", help="only these suites")
    behaviour.add_argument("--report", default=None, help="draw the worst lines into this PNG")
    behaviour.add_argument(
        "--remeasure", action="store_true", help="rewrite the measured tolerances for this model"
    )
    behaviour.add_argument("--reason", default="", help="why (required with --remeasure)")
    behaviour.set_defaults(func=run_behaviour)


def _model_and_paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default=None, help="staged model folder (default: packaged)")
    parser.add_argument("--samples", default=SAMPLES_DIR)
    parser.add_argument("--goldens", default=GOLDENS_DIR)
    parser.add_argument("--suite", default=SUITE_FILE, help="loss-ranked suite (if it exists)")


def run_samples(args: argparse.Namespace) -> int:
    from text_recognizer.testing import fixed_samples as fs

    samples = fs.generate_fixed_samples(
        args.out,
        fs.DEFAULT_SEED if args.seed is None else args.seed,
        fs.DEFAULT_LINES if args.lines is None else args.lines,
        fs.DEFAULT_PARAGRAPHS if args.paragraphs is None else args.paragraphs,
    )
    print(f"wrote {len(samples)} fixed samples and {fs.SAMPLES_FILE} to {args.out}")
    return 0


def run_goldens(args: argparse.Namespace) -> int:
    from text_recognizer.testing.regenerate import regenerate_goldens

    report = regenerate_goldens(args.reason, args.samples, args.goldens, args.model, args.suite)
    for entry in report.entries:
        print(entry.to_markdown())
    print(f"wrote {', '.join(str(path) for path in report.files)}; logged in {report.changelog}")
    return 0


def run_probes(args: argparse.Namespace) -> int:
    """Re-record the probes with a reason, or (``--check``) exit 1 listing every probe that
    moved."""
    from pathlib import Path

    from text_recognizer.testing import probes

    if not args.check:
        path, entry = probes.regenerate_probes(args.reason, args.goldens)
        print(entry.to_markdown())
        print(f"wrote {path}")
        return 0
    golden = probes.read_probe_goldens(Path(args.goldens) / probes.PROBES_FILE)
    moved = 0
    for name, item in probes.all_probes().items():
        if item.missing():
            print(f"probe {name!r} skipped: needs {', '.join(item.missing())}")
            continue
        if name not in golden.probes:
            print(f"probe {name!r} has no golden; record it with {probes.REGENERATE_PROBES}")
            moved += 1
            continue
        problems = probes.compare_probe(item, golden.probes[name], probes.run_probe(item))
        if problems:
            print(probes.mismatch_report(name, problems, golden.environment))
            moved += 1
    print(f"pipeline probes: {moved} moved" if moved else "pipeline probes: all as recorded")
    return 1 if moved else 0


def run_mine(args: argparse.Namespace) -> int:
    from text_recognizer.testing import loss_ranked

    suite = loss_ranked.mine(
        args.model or _default_model(),
        args.data,
        args.out,
        k=args.k,
        split=args.split,
        limit=args.limit,
        batch_size=args.batch_size,
        reason=args.reason,
    )
    print(f"froze {len(suite.examples)} of {suite.scored} {suite.split} examples into {args.out}")
    for example in suite.examples[:5]:
        print(f"  {example.id}  loss {example.loss:.4f}  CER {example.cer:.3f}  {example.tags}")
    if args.grid:
        from text_recognizer.testing.loss_ranked_grid import render_grid

        print(f"grid: {render_grid(args.out, args.grid)}")
    return 0


def _default_model() -> str:
    from text_recognizer.testing.goldens import require_staged_model

    return str(require_staged_model(None))


def run_check(args: argparse.Namespace) -> int:
    """Exit 0 when every golden and the suite hold, 1 when something regressed."""
    from pathlib import Path

    from text_recognizer.testing import goldens, loss_ranked_check, numeric_goldens
    from text_recognizer.testing.fixed_samples import read_fixed_samples

    model = goldens.require_staged_model(args.model)
    samples = read_fixed_samples(args.samples)
    golden = goldens.read_transcription_goldens(Path(args.goldens) / goldens.TRANSCRIPTIONS_FILE)
    predictions, _ = goldens.transcribe(model, args.samples, samples)
    problems = []
    for sample in samples:
        if sample.id not in predictions:
            continue  # the model has no model of this sample's kind
        if sample.id not in golden.samples:
            problems.append(f"{sample.id}: no golden; run `{goldens.REGENERATE_CLI}`")
            continue
        got, truth = predictions[sample.id], sample.text
        mismatch = goldens.compare_transcription(golden.samples[sample.id], got, truth)
        if mismatch:
            problems.append(mismatch.describe())
    mean = goldens.mean_cer(predictions, samples)
    limit = golden.mean_cer + golden.margin
    print(f"fixed samples: mean CER {mean:.4f} (recorded {golden.mean_cer:.4f}, limit {limit:.4f})")
    if mean > limit:
        problems.append(f"mean CER {mean:.4f} > recorded {golden.mean_cer:.4f} + margin")
    numeric, _ = numeric_goldens.read_numeric_goldens(
        Path(args.goldens) / numeric_goldens.NUMERIC_FILE
    )
    import importlib.util

    backends = ["eager", "torchscript"]
    if importlib.util.find_spec("onnxruntime") is not None:
        backends.append("onnx")
    else:
        print("onnxruntime is not installed: ONNX numeric goldens not checked")
    for backend in backends:
        outputs, _ = numeric_goldens.backend_outputs(model, backend, args.samples, samples)
        problems += [m.describe() for m in numeric_goldens.compare(numeric, outputs, backend)]
    if Path(args.suite).is_file():
        result = loss_ranked_check.check_suite(args.suite, model)
        print(result.table())
        if not result.passed:
            problems += [check.describe() for check in result.failures]
    for problem in problems:
        print(problem)
    print("regression check:", "FAILED" if problems else "passed")
    return 1 if problems else 0


def run_tag(args: argparse.Namespace) -> int:
    from text_recognizer.testing.loss_ranked import add_tags

    add_tags(args.suite, args.ids, args.tags)
    print(f"tagged {len(args.ids)} example(s) with {', '.join(args.tags)}")
    return 0


def run_grid(args: argparse.Namespace) -> int:
    from text_recognizer.testing.loss_ranked_grid import render_grid

    print(f"grid: {render_grid(args.suite, args.out, columns=args.columns)}")
    return 0


def run_behaviour_samples(args: argparse.Namespace) -> int:
    from text_recognizer.testing import behaviour_samples as bs

    lines = bs.generate_behaviour_lines(
        args.out, bs.DEFAULT_SEED if args.seed is None else args.seed
    )
    print(f"wrote {len(lines)} behaviour lines to {args.out}")
    return 0


def run_behaviour(args: argparse.Namespace) -> int:
    """Exit 0 when every suite is within its tolerance, 1 otherwise (or after --remeasure)."""
    from pathlib import Path

    from text_recognizer.recognizer import Recognizer
    from text_recognizer.testing import behaviour as bh

    model = args.model or _default_model()
    recognizer = Recognizer.load(model)
    version = recognizer.models["lines"].staged.version
    path = Path(args.tolerances or Path(args.lines) / bh.TOLERANCES_FILE)
    tolerances = bh.read_tolerances(path)
    results = bh.measure(bh.recognizer_reader(recognizer), args.lines, tolerances, args.suites)
    if args.remeasure:
        updated = bh.remeasured(tolerances, results, version, args.reason)
        print(f"wrote {bh.write_tolerances(path, updated)} for model {version}")
        results = bh.rejudged(results, updated)
        tolerances = updated
    print(bh.table(results))
    if args.report:
        from text_recognizer.testing.behaviour_grid import render_report

        print(f"report: {render_report(results, args.lines, args.report, version)}")
    problem = bh.mismatched_model(tolerances, version)
    if problem:
        print(problem)
    failed = [result.name for result in results if not result.passed]
    print("behaviour suites:", f"FAILED ({', '.join(failed)})" if failed or problem else "passed")
    return 1 if failed or problem else 0
