"""What validating a data set found: one :class:`Outcome` per named expectation, the
:class:`ValidationReport` of a data set, its one-line-per-failure summary and its HTML page."""

from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from pathlib import Path

from text_recognizer.io import atomic_write_text


@dataclass(frozen=True)
class Outcome:
    """The result of one named expectation (all GX expectations sharing the name, merged)."""

    name: str
    table: str
    success: bool
    unexpected_count: int
    element_count: int
    sample_ids: tuple[str, ...]
    sample_values: tuple[str, ...]
    description: str
    error: str | None = None


@dataclass(frozen=True)
class ValidationReport:
    """Every expectation's outcome for one data set; ``ok`` when all of them hold."""

    root: Path
    suite: str
    kind: str
    num_records: int
    outcomes: tuple[Outcome, ...]
    seconds: float
    skipped: tuple[str, ...] = field(default_factory=tuple)  # checks whose table is empty

    @property
    def ok(self) -> bool:
        return all(outcome.success for outcome in self.outcomes)

    @property
    def failures(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if not outcome.success]

    @property
    def failed_names(self) -> set[str]:
        return {outcome.name for outcome in self.failures}

    def summary_lines(self) -> list[str]:
        """One line per failed expectation: name, count and a few offending ids."""
        lines = []
        for outcome in self.failures:
            ids = ", ".join(outcome.sample_ids) or "-"
            detail = f"error: {outcome.error}" if outcome.error else f"e.g. {ids}"
            lines.append(
                f"FAILED {outcome.name}: {outcome.unexpected_count} of {outcome.element_count} "
                f"{outcome.table} ({outcome.description}); {detail}"
            )
        return lines


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
tr.fail td { background: #fde8e8; } tr.pass td.status { color: #1a7f37; }
tr.fail td.status { color: #b42318; font-weight: bold; }
code { font-size: 90%; }
"""


def render_html(report: ValidationReport) -> str:
    """A self-contained page: a summary, then one row per expectation with offending ids."""
    esc = html.escape
    status = "PASSED" if report.ok else f"FAILED ({len(report.failures)} expectation(s))"
    rows = []
    for outcome in sorted(report.outcomes, key=lambda o: (o.success, o.table)):
        css = "pass" if outcome.success else "fail"
        ids = ", ".join(f"<code>{esc(i)}</code>" for i in outcome.sample_ids)
        values = ", ".join(f"<code>{esc(v[:80])}</code>" for v in outcome.sample_values)
        error = f"<br>error: {esc(outcome.error)}" if outcome.error else ""
        rows.append(
            f'<tr class="{css}"><td>{esc(outcome.name)}</td><td class="status">'
            f'{"pass" if outcome.success else "FAIL"}</td><td>{esc(outcome.table)}</td>'
            f"<td>{outcome.unexpected_count} / {outcome.element_count}</td>"
            f"<td>{esc(outcome.description)}{error}</td><td>{ids}</td><td>{values}</td></tr>"
        )
    skipped = ", ".join(esc(name) for name in report.skipped) or "none"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Data validation: {esc(str(report.root))}</title><style>{_STYLE}</style></head>
<body>
<h1>Data validation: {esc(status)}</h1>
<table>
<tr><th>data set</th><td><code>{esc(str(report.root))}</code></td></tr>
<tr><th>suite</th><td>{esc(report.suite)} ({esc(report.kind)})</td></tr>
<tr><th>records</th><td>{report.num_records}</td></tr>
<tr><th>expectations</th><td>{len(report.outcomes)} checked, {len(report.failures)} failed;
not applicable: {skipped}</td></tr>
<tr><th>time</th><td>{report.seconds:.1f} s</td></tr>
</table>
<h2>Expectations</h2>
<table>
<tr><th>name</th><th>status</th><th>table</th><th>unexpected / checked</th><th>what it means</th>
<th>offending ids</th><th>offending values</th></tr>
{''.join(rows)}
</table>
</body></html>
"""


def write_html_report(report: ValidationReport, path: str | os.PathLike) -> None:
    """Write :func:`render_html` to ``path`` atomically."""
    atomic_write_text(path, render_html(report))
