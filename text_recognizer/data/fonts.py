"""The handwriting font library: which fonts are writers, where they come from, who is held out.

Every candidate font is a row of ``writers.csv`` (package data), looked at by eye before it went
in: its writer name, its style (``print``, ``cursive`` or ``marker``), where to get it (PyPI
``fontpkg-*`` wheels, Debian ``fonts-*`` packages, npm ``@fontsource/*`` tarballs unpacked by
:mod:`text_recognizer.data.font_install`; the first source installed wins), and, for fonts left
out by eye, the reason. Fonts that pass that look are then vetted automatically
(:mod:`text_recognizer.data.font_vetting`): a font that cannot draw the letters is left out, one
that misses digits or punctuation is restricted to what it draws, and the reasons are recorded
in every data set's ``manifest.json``.

Writers are split by a rule, not by hand (:data:`WRITER_RULE`): within each style, in the order
of the SHA-256 of their names, the first 15 % are test-only (unseen writers for the test split),
the next 10 % validation-only (unseen writers again, for model selection and for calibrating
confidence on writers the model never saw), the rest train. The three writers held out before
the library grew (:data:`LEGACY_TEST_WRITERS`) stay test-only so numbers remain comparable. The
roles are a property of the catalogue, so they do not change with what a machine has installed.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from text_recognizer.data.font_vetting import REQUIRED_CHARACTERS, FontVetting, vet_font
from text_recognizer.data.vetting_cache import CACHE_FILE, VettingCache, cache_disabled
from text_recognizer.errors import MissingFontsError
from text_recognizer.vocab import CHARACTERS

CATALOG_FILE = Path(__file__).resolve().parent / "writers.csv"
STYLES = ("print", "cursive", "marker")
ROLES = ("train", "val", "test")
SOURCE_KINDS = ("pypi", "apt", "npm")
#: Shares of each style's writers that are test-only and validation-only.
TEST_SHARE = 0.15
VAL_SHARE = 0.10
#: The held-out writers of generator versions before synthetic-2.0; kept test-only.
LEGACY_TEST_WRITERS: tuple[str, ...] = ("Breip", "Shadows Into Light", "Steve Hand")
WRITER_RULE = (
    f"within each style (print, cursive, marker), writers in the order of the SHA-256 of their "
    f"names: the first {TEST_SHARE:.0%} (rounded up) are test-only, the next {VAL_SHARE:.0%} "
    f"(rounded up) validation-only, the rest train; {', '.join(LEGACY_TEST_WRITERS)} are "
    "test-only as well"
)

#: Folders searched for Debian font files (by file name, at any depth).
FONT_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local/share/fonts",
)
#: Environment variable naming the folder of npm fonts (default: the user's cache folder).
FONT_DIR_VARIABLE = "TEXT_RECOGNIZER_FONT_DIR"
#: Environment variable naming a font bundle (:mod:`text_recognizer.data.font_bundle`): where a
#: machine that cannot install fonts finds the files of the sources it lacks.
FONT_BUNDLE_VARIABLE = "TEXT_RECOGNIZER_FONT_BUNDLE"


def font_cache_dir() -> Path:
    """Where :mod:`text_recognizer.data.font_install` unpacks the npm ``@fontsource`` fonts."""
    configured = os.environ.get(FONT_DIR_VARIABLE)
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "text-recognizer" / "fonts"


def font_bundle_dir() -> Path | None:
    """The font bundle named by :data:`FONT_BUNDLE_VARIABLE`, or None when it is not set."""
    configured = os.environ.get(FONT_BUNDLE_VARIABLE)
    return Path(configured).expanduser().resolve() if configured else None


def npm_font_file(family: str) -> str:
    """The file name an ``@fontsource/<family>`` package's Latin regular face unpacks to."""
    return f"{family}-latin-400-normal.woff2"


@dataclass(frozen=True)
class FontSource:
    """One place a writer's font can come from: ``pypi`` (package, family for ``fontpkg``),
    ``apt`` (package, file name) or ``npm`` (``@fontsource/<family>``)."""

    kind: str
    package: str
    locator: str

    @classmethod
    def parse(cls, text: str) -> "FontSource":
        """``pypi:fontpkg-caveat:Caveat``, ``apt:fonts-breip:Breip.ttf`` or ``npm:caveat``.

        >>> FontSource.parse("npm:caveat")
        FontSource(kind='npm', package='@fontsource/caveat', locator='caveat')
        """
        kind, _, rest = text.partition(":")
        if kind == "npm" and rest and ":" not in rest:
            return cls(kind, f"@fontsource/{rest}", rest)
        package, _, locator = rest.partition(":")
        if kind not in SOURCE_KINDS or not package or not locator:
            raise ValueError(f"malformed font source {text!r} in {CATALOG_FILE.name}")
        return cls(kind, package, locator)

    @property
    def spec(self) -> str:
        """The catalogue's spelling of this source (the inverse of :meth:`parse`).

        >>> FontSource.parse("apt:fonts-breip:Breip.ttf").spec
        'apt:fonts-breip:Breip.ttf'
        """
        if self.kind == "npm":
            return f"npm:{self.locator}"
        return f"{self.kind}:{self.package}:{self.locator}"


@dataclass(frozen=True)
class CatalogEntry:
    """One candidate writer of ``writers.csv``."""

    name: str
    style: str
    sources: tuple[FontSource, ...]
    excluded: str  # why it was left out by eye; empty when it was not


@functools.lru_cache(maxsize=1)
def read_catalog(path: Path = CATALOG_FILE) -> tuple[CatalogEntry, ...]:
    """Every candidate writer, in the file's order (by name)."""
    entries = []
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["style"] not in STYLES:
                raise ValueError(
                    f"{path.name}: {row['writer']!r} has unknown style {row['style']!r}"
                )
            sources = tuple(FontSource.parse(text) for text in row["sources"].split("|") if text)
            entries.append(CatalogEntry(row["writer"], row["style"], sources, row["excluded"]))
    return tuple(entries)


def writer_rank(name: str) -> str:
    """The key writers are ordered by in :data:`WRITER_RULE` (and in writer subsets)."""
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


def writer_roles(catalog: Sequence[CatalogEntry] | None = None) -> dict[str, str]:
    """Role (``train``/``val``/``test``) of every writer not excluded by eye (:data:`WRITER_RULE`).

    >>> roles = writer_roles()
    >>> [roles[name] for name in LEGACY_TEST_WRITERS]
    ['test', 'test', 'test']
    """
    catalog = read_catalog() if catalog is None else catalog
    roles: dict[str, str] = {}
    for style in STYLES:
        names = [entry.name for entry in catalog if entry.style == style and not entry.excluded]
        legacy = [name for name in names if name in LEGACY_TEST_WRITERS]
        ordered = sorted((name for name in names if name not in legacy), key=writer_rank)
        test = max(0, math.ceil(TEST_SHARE * len(names)) - len(legacy))
        val = math.ceil(VAL_SHARE * len(names))
        for position, name in enumerate(ordered):
            roles[name] = "test" if position < test else "val" if position < test + val else "train"
        roles.update((name, "test") for name in legacy)
    return roles


@dataclass(frozen=True)
class HandwritingFont:
    """One synthetic writer: a vetted font file, its style, role and the characters it draws."""

    name: str
    path: str
    package: str
    installer: str  # "pip", "apt" or "npm"
    coverage: frozenset[str]
    style: str = "print"
    role: str = "train"
    dropped: tuple[tuple[str, str], ...] = ()

    @property
    def held_out(self) -> bool:
        """A test-only writer."""
        return self.role == "test"

    def covers(self, text: str) -> bool:
        """True when every character of ``text`` (newlines aside) has a real glyph."""
        return all(char in self.coverage for char in text if char != "\n")

    def missing(self, characters: Iterable[str] = CHARACTERS) -> str:
        """Vocabulary characters this font cannot draw, in vocabulary order."""
        return "".join(char for char in characters if char not in self.coverage)


@dataclass(frozen=True)
class LibraryRow:
    """What became of one catalogue entry on this machine, for reports and manifests."""

    name: str
    style: str
    role: str  # "" for entries excluded by eye
    status: str  # "used", "restricted", "rejected", "excluded" or "not installed"
    detail: str  # the source used, or why it is not used / what it cannot draw


def _find_file(file_name: str, search_dirs: Sequence[Path]) -> Path | None:
    """First match (sorted, so the result is stable) of ``file_name`` under ``search_dirs``."""
    for folder in search_dirs:
        if folder.is_dir():
            matches = sorted(folder.rglob(file_name))
            if matches:
                return matches[0]
    return None


def _pypi_font_path(family: str) -> Path | None:
    try:
        import fontpkg
    except ImportError:
        return None
    try:
        return Path(fontpkg.path(family))
    except Exception:  # fontpkg raises FamilyNotInstalled (or similar) when the wheel is absent
        return None


def locate(
    source: FontSource,
    search_dirs: Sequence[Path] = FONT_DIRS,
    cache_dir: Path | None = None,
    bundle: Path | None = None,
) -> Path | None:
    """The installed file of ``source``, else its copy in the font ``bundle`` folder, or None."""
    if source.kind == "pypi":
        path = _pypi_font_path(source.locator)
    elif source.kind == "apt":
        path = _find_file(source.locator, search_dirs)
    else:
        path = (cache_dir or font_cache_dir()) / "fontsource" / npm_font_file(source.locator)
    if (path is None or not path.is_file()) and bundle is not None:
        from text_recognizer.data.font_bundle import bundled_file

        path = bundled_file(bundle, source.spec)
    return path if path is not None and path.is_file() else None


def install_hint(entries: Sequence[CatalogEntry] | None = None) -> str:
    """The commands that install the fonts of ``entries`` (default: the whole catalogue)."""
    entries = read_catalog() if entries is None else entries
    by_kind: dict[str, list[str]] = {kind: [] for kind in SOURCE_KINDS}
    for entry in entries:
        for source in entry.sources:
            if source.package not in by_kind[source.kind]:
                by_kind[source.kind].append(source.package)
    parts = []
    if by_kind["pypi"]:
        parts.append(f"pip install {' '.join(by_kind['pypi'])}")
    if by_kind["apt"]:
        parts.append(f"apt-get install {' '.join(by_kind['apt'])}")
    if by_kind["npm"]:
        parts.append("text-recognizer data fonts --install (npm @fontsource packages)")
    return "; ".join(parts)


@functools.lru_cache(maxsize=8)
def _library(
    search_dirs: tuple[Path, ...], cache_dir: Path | None, bundle: Path | None = None
) -> tuple[tuple[HandwritingFont, ...], tuple[LibraryRow, ...]]:
    roles = writer_roles()
    cache_file = (cache_dir or font_cache_dir()) / CACHE_FILE
    vetted = VettingCache(cache_file, _vet, enabled=not cache_disabled())
    fonts: list[HandwritingFont] = []
    rows: list[LibraryRow] = []
    for entry in read_catalog():
        role = roles.get(entry.name, "")
        if entry.excluded:
            rows.append(LibraryRow(entry.name, entry.style, role, "excluded", entry.excluded))
            continue
        found = [(s, locate(s, search_dirs, cache_dir, bundle)) for s in entry.sources]
        installed = [(source, path) for source, path in found if path is not None]
        if not installed:
            hint = " or ".join(f"{s.kind} {s.package}" for s in entry.sources)
            rows.append(LibraryRow(entry.name, entry.style, role, "not installed", hint))
            continue
        source, path = installed[0]
        vetting: FontVetting = vetted.vetting(path)
        if not vetting.usable:
            reason = vetting.rejected or "rejected"
            rows.append(LibraryRow(entry.name, entry.style, role, "rejected", reason))
            continue
        installer = {"pypi": "pip"}.get(source.kind, source.kind)
        fonts.append(
            HandwritingFont(
                name=entry.name,
                path=str(path),
                package=source.package,
                installer=installer,
                coverage=vetting.coverage,
                style=entry.style,
                role=role,
                dropped=vetting.dropped,
            )
        )
        detail = f"{source.kind} {source.package}"
        if bundle is not None and path.is_relative_to(bundle):
            detail += " (bundled)"
        if vetting.restricted:
            cannot = "; ".join(f"{char!r} {reason}" for char, reason in vetting.dropped)
            detail += f"; cannot draw: {cannot}"
        status = "restricted" if vetting.restricted else "used"
        rows.append(LibraryRow(entry.name, entry.style, role, status, detail))
    vetted.save()
    return tuple(sorted(fonts, key=lambda font: font.name)), tuple(rows)


def _vet(path: Path) -> FontVetting:
    return vet_font(path)


def discover_fonts(
    search_dirs: tuple[Path, ...] = FONT_DIRS,
    cache_dir: Path | None = None,
    bundle: Path | None = None,
) -> tuple[HandwritingFont, ...]:
    """Installed, vetted handwriting fonts sorted by name (a stable order keeps seeds meaningful).

    Sources not installed here are looked up in ``bundle`` (default: the folder named by
    :data:`FONT_BUNDLE_VARIABLE`, if any). Raises :class:`MissingFontsError` naming what to
    install when none is usable.
    """
    fonts, _ = _library(tuple(search_dirs), cache_dir, bundle or font_bundle_dir())
    if not fonts:
        raise MissingFontsError(
            "no usable handwriting font is installed; the synthetic data needs at least one. "
            f"Install them with: {install_hint()}"
        )
    return fonts


def library_report(
    search_dirs: tuple[Path, ...] = FONT_DIRS,
    cache_dir: Path | None = None,
    bundle: Path | None = None,
) -> tuple[LibraryRow, ...]:
    """One row per catalogue entry: used, restricted, rejected (why), excluded (why) or missing."""
    return _library(tuple(search_dirs), cache_dir, bundle or font_bundle_dir())[1]


def writers_by_split(fonts: Sequence[HandwritingFont]) -> dict[str, tuple[HandwritingFont, ...]]:
    """The writers each split draws from: ``train``, ``val`` and ``test`` roles.

    Where a machine lacks every writer of a role the split still exists: with no test-only
    writer installed the last training font by name is held out (so the test split still
    measures an unseen writer); with no validation-only writer the validation split uses the
    training writers (and the manifest says so). At least two fonts are needed.
    """
    if len(fonts) < 2:
        raise MissingFontsError(
            f"only {len(fonts)} usable handwriting font(s) found; at least 2 are needed so that "
            f"the test split has unseen writers. Install more with: {install_hint()}"
        )
    by_role = {role: tuple(font for font in fonts if font.role == role) for role in ROLES}
    if not by_role["test"]:
        by_role["test"] = (by_role["train"] or by_role["val"])[-1:]
        by_role["train"] = tuple(f for f in by_role["train"] if f not in by_role["test"])
        by_role["val"] = tuple(f for f in by_role["val"] if f not in by_role["test"])
    if not by_role["train"]:
        by_role["train"], by_role["val"] = by_role["val"], ()
    if not by_role["val"]:
        by_role["val"] = by_role["train"]
    return by_role


def split_writers(
    fonts: Sequence[HandwritingFont],
) -> tuple[tuple[HandwritingFont, ...], tuple[HandwritingFont, ...]]:
    """``(training writers, test-only writers)`` (see :func:`writers_by_split`)."""
    by_split = writers_by_split(fonts)
    return by_split["train"], by_split["test"]


__all__ = [
    "CATALOG_FILE",
    "FONT_BUNDLE_VARIABLE",
    "FONT_DIRS",
    "LEGACY_TEST_WRITERS",
    "REQUIRED_CHARACTERS",
    "WRITER_RULE",
    "CatalogEntry",
    "FontSource",
    "HandwritingFont",
    "LibraryRow",
    "discover_fonts",
    "font_bundle_dir",
    "font_cache_dir",
    "install_hint",
    "library_report",
    "locate",
    "read_catalog",
    "split_writers",
    "writer_rank",
    "writer_roles",
    "writers_by_split",
]
