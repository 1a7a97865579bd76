"""Install the npm ``@fontsource`` handwriting fonts of the catalogue, offline-friendly.

``npm pack @fontsource/<family>`` fetches a package's tarball from the npm registry without
installing anything; only its Latin regular face (``files/<family>-latin-400-normal.woff2``,
which Pillow opens directly) and its licence are unpacked into the font cache folder
(:func:`text_recognizer.data.fonts.font_cache_dir`). Each file is written to a temporary name
and renamed, so an interrupted install leaves whole fonts or none. Where npm is missing or the
registry unreachable, nothing fails: the report names what was skipped and why, and the
generator works with the PyPI and Debian writers.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from text_recognizer.data.fonts import font_cache_dir, npm_font_file, read_catalog
from text_recognizer.io import atomic_write_bytes

#: One ``npm pack`` may not take longer than this (seconds); the registry is usually ~1 s.
PACK_TIMEOUT = 120
MAX_FONT_BYTES = 4 << 20


@dataclass
class InstallReport:
    """Families unpacked now, already present, and skipped with the reason."""

    installed: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        line = (
            f"npm fonts: {len(self.installed)} installed, {len(self.present)} already present, "
            f"{len(self.skipped)} skipped"
        )
        reasons = sorted(set(self.skipped.values()))
        if len(reasons) == 1:
            return f"{line} ({reasons[0]})"
        details = "".join(f"\n  {name}: {why}" for name, why in sorted(self.skipped.items()))
        return line + details


def npm_families() -> list[str]:
    """The ``@fontsource`` families of every catalogue writer not excluded by eye."""
    families = []
    for entry in read_catalog():
        if entry.excluded:
            continue
        families += [source.locator for source in entry.sources if source.kind == "npm"]
    return sorted(dict.fromkeys(families))


def _unpack(tarball: Path, family: str, dest: Path) -> None:
    """Copy the Latin regular face and the licence out of a package tarball."""
    wanted = {
        f"package/files/{npm_font_file(family)}": dest / npm_font_file(family),
        "package/LICENSE": dest / f"{family}.LICENSE",
    }
    with tarfile.open(tarball, "r:gz") as archive:
        members = {member.name: member for member in archive.getmembers()}
        face = members.get(f"package/files/{npm_font_file(family)}")
        if face is None or not face.isfile():
            raise ValueError(f"the package has no {npm_font_file(family)}")
        for name, target in wanted.items():
            member = members.get(name)
            if member is None or not member.isfile():
                continue
            if member.size > MAX_FONT_BYTES:
                raise ValueError(f"{name} is implausibly large ({member.size} bytes)")
            handle = archive.extractfile(member)
            if handle is not None:
                atomic_write_bytes(target, handle.read())


def _install_one(npm: str, family: str, dest: Path) -> str | None:
    """Pack and unpack one family; the reason on failure, None on success."""
    with tempfile.TemporaryDirectory(prefix="fontsource-") as scratch:
        try:
            result = subprocess.run(
                [
                    npm,
                    "pack",
                    "--loglevel=error",
                    f"@fontsource/{family}",
                    "--pack-destination",
                    scratch,
                ],
                capture_output=True,
                text=True,
                timeout=PACK_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            return f"npm pack timed out after {PACK_TIMEOUT} s"
        except OSError as error:
            return f"cannot run npm: {error}"
        tarballs = sorted(Path(scratch).glob("*.tgz"))
        if result.returncode != 0 or not tarballs:
            lines = (result.stderr or result.stdout).strip().splitlines()
            useful = [line for line in lines if "complete log" not in line]
            return f"npm pack failed: {useful[0] if useful else f'exit {result.returncode}'}"
        try:
            _unpack(tarballs[0], family, dest)
        except (OSError, ValueError, tarfile.TarError) as error:
            return f"cannot unpack the package: {error}"
    return None


def install_npm_fonts(
    families: Sequence[str] | None = None,
    cache_dir: Path | None = None,
    npm: str | None = None,
    jobs: int = 8,
) -> InstallReport:
    """Unpack every missing ``@fontsource`` family into ``<cache>/fontsource``."""
    families = npm_families() if families is None else list(families)
    dest = (cache_dir or font_cache_dir()) / "fontsource"
    report = InstallReport()
    missing = []
    for family in families:
        if (dest / npm_font_file(family)).is_file():
            report.present.append(family)
        else:
            missing.append(family)
    if not missing:
        return report
    executable = npm or shutil.which("npm")
    if executable is None:
        report.skipped.update((family, "npm is not installed") for family in missing)
        return report
    dest.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        outcomes = list(pool.map(lambda family: _install_one(executable, family, dest), missing))
    for family, problem in zip(missing, outcomes):
        if problem is None:
            report.installed.append(family)
        else:
            report.skipped[family] = problem
    return report
