"""Benchmark: how long validating a data set takes, by stage, once great-expectations is loaded.

The target (issue 5): 10,000 line images, statistics included, under 20 s on 2 cores after the
first import. Generating 10,000 lines takes minutes, so pass ``--dir`` to reuse a folder::

    python -m scripts.bench_validate --n 10000 --dir /tmp/lines10k   # generates if absent
    python -m scripts.bench_validate --dir /tmp/lines10k --repeat 3

Prints a table: import time, then per run the image statistics, table building, GX checks and
the end-to-end ``validate_dataset`` time.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Sequence


def _timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the statistics workers)."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def stage_times(root: Path, workers: int) -> dict[str, float]:
    """Seconds per stage of one validation, then of one end-to-end :func:`validate_dataset`."""
    from text_recognizer.validation import expectations, suites, tables, validate
    from text_recognizer.validation.image_stats import compute_all_stats

    (metadata, rows), read = _timed(validate.read_raw_manifest, root)
    config = suites.suite_config("auto", str(metadata.get("kind", "lines")))
    base = str(root.resolve())
    paths = [validate.image_file(base, row.get("path")) for row in rows]
    stats, measure = _timed(
        compute_all_stats, paths, rows=config.kind == "paragraphs", workers=workers
    )
    start = time.perf_counter()
    held_out = validate.held_out_writers(metadata, rows, config.writers_disjoint_by_split)
    records = tables.records_table(config, rows, stats, held_out)
    fractions = metadata.get("split_fractions")
    tables = {
        "records": records,
        "splits": tables.splits_table(config, records, fractions) if fractions else None,
        "split_pairs": tables.split_pairs_table(config, records),
    }
    build = time.perf_counter() - start
    suite = expectations.build_suite(config, with_split_shares=bool(fractions))
    (outcomes, _), checks = _timed(validate.run_checks, suite, tables)
    cpu = _cpu_seconds()
    report, total = _timed(validate.validate_dataset, root, workers=workers)
    cpu = _cpu_seconds() - cpu
    return {
        "images": len(rows),
        "read manifest": read,
        "image stats": measure,
        "tables": build,
        "GX checks": checks,
        "sum of stages": read + measure + build + checks,
        "validate_dataset": total,
        "  its CPU seconds": cpu,
        "  CPU s / workers": cpu / max(workers, 1),
        "ok": float(report.ok),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, help="data set folder (generated when absent)")
    parser.add_argument("--n", type=int, default=10_000, help="lines to generate if needed")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)

    root = args.dir or Path(tempfile.mkdtemp(prefix="bench-validate-"))
    if not (root / "manifest.json").is_file():
        from text_recognizer.data.synthetic import generate_dataset

        _, seconds = _timed(generate_dataset, root, "lines", args.n, 0, workers=args.workers)
        print(f"generated {args.n} lines in {seconds:.1f} s under {root}")

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("TQDM_DISABLE", "1")
    _, first_import = _timed(__import__, "great_expectations")
    print(f"first import of great_expectations + pandas: {first_import:.1f} s")
    print(f"cores available: {len(os.sched_getaffinity(0))}, load average: {os.getloadavg()}")
    runs = [stage_times(root, args.workers) for _ in range(args.repeat)]
    print(f"{'stage':<18}" + "".join(f"{'run ' + str(i + 1):>10}" for i in range(len(runs))))
    for key in runs[0]:
        print(f"{key:<18}" + "".join(f"{run[key]:>10.2f}" for run in runs))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
