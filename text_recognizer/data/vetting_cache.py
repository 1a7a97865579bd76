"""Font vetting results kept on disk, so each process does not vet the whole library again.

Vetting renders every vocabulary character of every writer: about 13,000 glyphs, 2 s per
process. Every CLI call, every data-loader process started by spawn and every test worker paid
it. A result stays valid while the font file (path, size, modification time), the vetting code
(:mod:`text_recognizer.data.font_vetting`, by the hash of its source) and the renderer (Pillow
and FreeType versions) are unchanged; anything else is vetted again. A cache that cannot be read
or written is not an error: vetting just runs.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Callable

from PIL import Image, ImageFont

from text_recognizer.data import font_vetting
from text_recognizer.data.font_vetting import FontVetting
from text_recognizer.io import atomic_write_text

CACHE_FILE = "vetting.json"
#: Bump when the file's layout changes.
FORMAT = 1


def vetting_code_key() -> str:
    """What decides a vetting result besides the font: the vetting code and the renderer."""
    source = Path(font_vetting.__file__).read_bytes()
    freetype = getattr(ImageFont.core, "freetype2_version", "unknown")
    parts = [str(FORMAT), hashlib.sha256(source).hexdigest(), Image.__version__, freetype]
    return "|".join(parts)


def file_key(path: Path) -> str:
    """The font file as it is now: a replaced or edited file gets a new key."""
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def to_json(vetting: FontVetting) -> dict:
    return {
        "coverage": "".join(sorted(vetting.coverage)),
        "dropped": [list(item) for item in vetting.dropped],
        "rejected": vetting.rejected,
    }


def from_json(payload: dict) -> FontVetting:
    return FontVetting(
        frozenset(payload["coverage"]),
        tuple((char, reason) for char, reason in payload["dropped"]),
        payload["rejected"],
    )


class VettingCache:
    """The results in ``cache_file`` for the current vetting code; :meth:`save` writes back
    only when something new was vetted."""

    def __init__(
        self, cache_file: Path, vet: Callable[[Path], FontVetting], enabled: bool = True
    ) -> None:
        self.cache_file = cache_file
        self.vet = vet
        self.enabled = enabled
        self.code_key = vetting_code_key() if enabled else ""
        self.entries = self._load() if enabled else {}
        self.changed = False

    def _load(self) -> dict[str, dict]:
        try:
            payload = json.loads(self.cache_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(payload, dict) or payload.get("code") != self.code_key:
            return {}
        entries = payload.get("fonts")
        return entries if isinstance(entries, dict) else {}

    def vetting(self, path: Path) -> FontVetting:
        """The vetting of the font at ``path``, from the cache when it is still valid."""
        if not self.enabled:
            return self.vet(path)
        try:
            key = file_key(path)
        except OSError:
            return self.vet(path)  # the vetting itself reports the unreadable file
        entry = self.entries.get(str(path))
        if isinstance(entry, dict) and entry.get("file") == key:
            try:
                return from_json(entry["result"])
            except (KeyError, TypeError, ValueError):
                pass
        result = self.vet(path)
        self.entries[str(path)] = {"file": key, "result": to_json(result)}
        self.changed = True
        return result

    def save(self) -> None:
        if not self.changed:
            return
        payload = {"code": self.code_key, "fonts": self.entries}
        try:
            self.cache_file.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.cache_file, json.dumps(payload, indent=1, sort_keys=True))
        except OSError:
            return  # a read-only cache folder: the next process vets again
        self.changed = False


def cache_disabled() -> bool:
    """``TEXT_RECOGNIZER_VETTING_CACHE=0`` turns the cache off (vetting every time)."""
    return os.environ.get("TEXT_RECOGNIZER_VETTING_CACHE", "1") == "0"
