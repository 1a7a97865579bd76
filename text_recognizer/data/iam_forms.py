"""One IAM form's XML: who wrote it and each handwritten line's label and ink box, and the
boxes to crop lines with (see :mod:`text_recognizer.data.iam` for the upstream layout)."""

from __future__ import annotations

import html
import io
import os
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from text_recognizer.errors import DataSetLayoutError

LINE_PADDING = 16  # form pixels (300 dpi) around a line's ink, limited by the neighbours
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[A-Za-z]+);")


Box = tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive) in form pixels


@dataclass(frozen=True)
class IamLine:
    """One handwritten line: its id, label and the union of its ink components' boxes."""

    id: str
    text: str
    box: Box
    segmentation_ok: bool = True


@dataclass(frozen=True)
class IamForm:
    """One form: who wrote it, its size in the XML's pixels and its handwritten lines."""

    id: str
    writer: str
    width: int
    height: int
    lines: tuple[IamLine, ...]

    @property
    def paragraph_text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def paragraph_box(self) -> Box:
        return union_boxes(line.box for line in self.lines)


def union_boxes(boxes: Iterable[Box]) -> Box:
    """Smallest box around all ``boxes``.

    >>> union_boxes([(10, 5, 20, 9), (2, 7, 12, 30)])
    (2, 5, 20, 30)
    """
    boxes = list(boxes)
    if not boxes:
        raise DataSetLayoutError("cannot take the union of no boxes")
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def decode_label(text: str) -> str:
    """Undo entity escaping that survived XML parsing (some tools escape twice).

    >>> decode_label('&quot;Yes&quot; &amp; no')
    '"Yes" & no'
    """
    return html.unescape(text) if _ENTITY.search(text) else text


def parse_form_xml(source: str | os.PathLike | bytes) -> IamForm:
    """Parse one IAM form XML file (path or bytes) into its lines and their ink boxes."""
    name = "<bytes>" if isinstance(source, bytes) else str(source)
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    if b"<!ENTITY" in data:
        raise DataSetLayoutError(f"{name}: XML entity declarations are refused (entity bombs)")
    try:
        root = ElementTree.parse(io.BytesIO(data)).getroot()
    except ElementTree.ParseError as error:
        raise DataSetLayoutError(f"{name}: not well-formed XML: {error}") from None
    if root.tag != "form" or "id" not in root.attrib or "writer-id" not in root.attrib:
        raise DataSetLayoutError(f"{name}: root is not <form id=... writer-id=...>")
    lines = []
    for element in root.findall("handwritten-part/line"):
        boxes = [_cmp_box(cmp, name) for cmp in element.iterfind("word/cmp")]
        if not boxes:
            continue  # a line without ink components cannot be cropped (very rare upstream)
        lines.append(
            IamLine(
                id=element.get("id", ""),
                text=decode_label(element.get("text", "")),
                box=union_boxes(boxes),
                segmentation_ok=element.get("segmentation", "ok") == "ok",
            )
        )
    return IamForm(
        id=root.attrib["id"],
        writer=root.attrib["writer-id"],
        width=_int_attribute(root, "width", name, default=0),
        height=_int_attribute(root, "height", name, default=0),
        lines=tuple(lines),
    )


def _int_attribute(
    element: ElementTree.Element, key: str, name: str, default: int | None = None
) -> int:
    value = element.get(key)
    if value is None and default is not None:
        return default
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DataSetLayoutError(
            f"{name}: <{element.tag}> attribute {key}={value!r} is not an integer"
        ) from None


def _cmp_box(cmp: ElementTree.Element, name: str) -> Box:
    """A ``<cmp x y width height/>`` component as (x0, y0, x1, y1)."""
    x, y = _int_attribute(cmp, "x", name), _int_attribute(cmp, "y", name)
    return (x, y, x + _int_attribute(cmp, "width", name), y + _int_attribute(cmp, "height", name))


def line_crop_boxes(form: IamForm, padding: int = LINE_PADDING) -> list[Box]:
    """Each line's box with ``padding``, vertically limited to half the gap to its neighbours.

    >>> line = lambda y0, y1: IamLine("l", "t", (100, y0, 200, y1))
    >>> line_crop_boxes(IamForm("f", "w", 300, 300, (line(10, 40), line(50, 80))), padding=16)
    [(84, 0, 216, 45), (84, 45, 216, 96)]
    """
    boxes = [line.box for line in form.lines]
    result = []
    for index, (x0, y0, x1, y1) in enumerate(boxes):
        above = (y0 - boxes[index - 1][3]) // 2 if index else padding
        below = (boxes[index + 1][1] - y1) // 2 if index + 1 < len(boxes) else padding
        result.append(
            (
                max(x0 - padding, 0),
                max(y0 - min(padding, max(above, 0)), 0),
                x1 + padding,
                y1 + min(padding, max(below, 0)),
            )
        )
    return result
