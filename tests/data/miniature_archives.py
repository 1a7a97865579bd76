"""Builders of miniature archives in the exact upstream formats, and a loopback file server.

Imported as ``tests.data.miniature_archives`` by the real-data tests (pytest's ``pythonpath``
holds the repository root).
"""

from __future__ import annotations

import gzip
import http.server
import io
import struct
import tarfile
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator
from xml.sax.saxutils import quoteattr

import numpy as np
from PIL import Image, ImageDraw

# --------------------------------------------------------------------------- loopback server


@dataclass
class FileServer:
    """Serves ``files`` (path -> bytes) on 127.0.0.1, honouring Range unless told not to.

    Misbehaviours to test against: ``refuse`` answers a path with an HTTP error code,
    ``range_shift`` answers a Range request from that many bytes later than asked, and
    ``send_length=False`` leaves out Content-Length (the body ends when the connection does).
    """

    files: dict[str, bytes] = field(default_factory=dict)
    honour_range: bool = True
    refuse: dict[str, int] = field(default_factory=dict)
    range_shift: int = 0
    send_length: bool = True
    requests: list[dict[str, str]] = field(default_factory=list)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"


def _handler_for(server: FileServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep test output clean
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            server.requests.append({"path": self.path, **dict(self.headers.items())})
            name = self.path.lstrip("/")
            body = server.files.get(name)
            if name in server.refuse:
                self.send_error(server.refuse[name])
                return
            if body is None:
                self.send_error(404, "Not Found")
                return
            start = 0
            range_header = self.headers.get("Range")
            if range_header and server.honour_range:
                start = int(range_header.split("=")[1].split("-")[0]) + server.range_shift
                if start >= len(body):
                    self.send_error(416, "Range Not Satisfiable")
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            else:
                self.send_response(200)
            if server.send_length:
                self.send_header("Content-Length", str(len(body) - start))
            self.end_headers()
            self.wfile.write(body[start:])

    return Handler


def serve_files(server: FileServer) -> Iterator[FileServer]:
    """Run ``server`` in a thread for the duration of a fixture."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(server))
    server.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()


# --------------------------------------------------------------------------- archives


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    return path


def write_tgz(path: Path, members: list[tarfile.TarInfo | tuple[str, bytes]]) -> Path:
    """A gzipped tar of (name, bytes) files and/or prepared TarInfo entries (links)."""
    with tarfile.open(path, "w:gz") as bundle:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                bundle.addfile(member)
                continue
            name, data = member
            info = tarfile.TarInfo(name)
            info.size = len(data)
            bundle.addfile(info, io.BytesIO(data))
    return path


def link_member(name: str, target: str, hard: bool = False) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.LNKTYPE if hard else tarfile.SYMTYPE
    info.linkname = target
    return info


# --------------------------------------------------------------------------- IAM

#: Page size of the miniature forms (real scans are 2479 x 3542 at 300 dpi; a smaller page keeps
#: the tests fast and changes nothing in the format).
IAM_FORM_SIZE = (1200, 1100)


@dataclass(frozen=True)
class MiniLine:
    text: str
    words: list[tuple[str, tuple[int, int, int, int]]]  # word text, cmp box (x, y, w, h)
    segmentation: str = "ok"


@dataclass(frozen=True)
class MiniForm:
    id: str
    writer: str
    lines: list[MiniLine]


def _line(text: str, y: int, x0: int = 400, height: int = 60) -> MiniLine:
    """Words laid left to right at row ``y``, each with one cmp box per 3 characters."""
    words, x = [], x0
    for word in text.split(" "):
        width = 20 * len(word)
        words.append((word, (x, y, width, height)))
        x += width + 40
    return MiniLine(text=text, words=words)


def default_iam_forms() -> list[MiniForm]:
    """Three forms by three writers; one line has a character outside the vocabulary."""
    return [
        MiniForm(
            "a01-000u",
            "000",
            [_line('A MOVE to stop "Mr. Gaitskell"', 760), _line("from nominating & more", 900)],
        ),
        MiniForm("b02-010", "111", [_line("Labour life Peers is", 800), _line("naïve café", 950)]),
        MiniForm("c03-020x", "222", [_line("be made at a meeting", 780), _line("of M Ps.", 852)]),
    ]


def iam_form_xml(form: MiniForm) -> bytes:
    """One form's XML in the IAM 3.0 layout: attributes quoted with entities, ISO-8859-1."""
    width, height = IAM_FORM_SIZE
    out = [
        '<?xml version="1.0" encoding="ISO-8859-1"?>',
        f'<form created="2002-01-14" height="{height}" id="{form.id}" status="final" '
        f'version="3.0_beta" width="{width}" writer-id="{form.writer}">',
        "<machine-printed-part>",
    ]
    out += [f"<machine-print-line text={quoteattr(line.text)}/>" for line in form.lines]
    out += ["</machine-printed-part>", "<handwritten-part>"]
    for number, line in enumerate(form.lines):
        line_id = f"{form.id}-{number:02d}"
        out.append(
            f'<line id="{line_id}" segmentation="{line.segmentation}" threshold="154" '
            f"text={quoteattr(line.text)}>"
        )
        for index, (word, (x, y, w, h)) in enumerate(line.words):
            out.append(f'<word id="{line_id}-{index:02d}" tag="NN" text={quoteattr(word)}>')
            third = max(w // 3, 1)
            for k in range(3):
                out.append(f'<cmp x="{x + k * third}" y="{y}" width="{third}" height="{h}"/>')
            out.append("</word>")
        out.append("</line>")
    out += ["</handwritten-part>", "</form>"]
    return "\n".join(out).encode("iso-8859-1")


def iam_form_png(form: MiniForm, scale: float = 1.0, fmt: str = "PNG") -> bytes:
    """A white page with a dark stroke through every cmp box and printed-text blocks above."""
    width, height = (round(side * scale) for side in IAM_FORM_SIZE)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    draw.rectangle([300 * scale, 200 * scale, 1100 * scale, 500 * scale], fill=120)
    for line in form.lines:
        for _, (x, y, w, h) in line.words:
            box = [x * scale, y * scale, (x + w) * scale, (y + h) * scale]
            draw.line([box[0], box[3], box[2], box[1]], fill=10, width=max(int(6 * scale), 1))
    buffer = io.BytesIO()
    page.save(buffer, format=fmt, **({"compress_level": 1} if fmt == "PNG" else {}))
    return buffer.getvalue()


IAM_SPLIT_STEMS = ("trainset", "validationset1", "validationset2", "testset")


def write_iam_official(raw: Path, forms: list[MiniForm], splits: dict[str, list[str]]) -> Path:
    """The files a registered user downloads from FKI: xml.tgz, formsX-Y.tgz, the task zip.

    ``splits`` maps split file stems (trainset, validationset1, validationset2, testset) to
    form ids (absent stems get empty files); every line of those forms is listed, as in the
    real task files.
    """
    raw.mkdir(parents=True, exist_ok=True)
    write_tgz(raw / "xml.tgz", [(f"{form.id}.xml", iam_form_xml(form)) for form in forms])
    write_tgz(raw / "formsA-D.tgz", [(f"{form.id}.png", iam_form_png(form)) for form in forms])
    lines_of = {form.id: len(form.lines) for form in forms}
    task = {
        f"{stem}.txt": "".join(
            f"{form_id}-{n:02d}\n" for form_id in ids for n in range(lines_of[form_id])
        ).encode()
        for stem, ids in {stem: splits.get(stem, []) for stem in IAM_SPLIT_STEMS}.items()
    }
    write_zip(raw / "largeWriterIndependentTextLineRecognitionTask.zip", task)
    return raw


# --------------------------------------------------------------------------- EMNIST


def idx_bytes(array: np.ndarray) -> bytes:
    """The IDX format: two zero bytes, type code 0x08 (uint8), ndim, big-endian int32 dims."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()


#: byclass labels 0-9 are digits, 10-35 upper case, 36-61 lower case (mapping gives ASCII).
EMNIST_BYCLASS_MAPPING = "".join(
    f"{label} {code}\n"
    for label, code in enumerate(list(range(48, 58)) + list(range(65, 91)) + list(range(97, 123)))
)


def emnist_glyph(label: int) -> np.ndarray:
    """An upright 28x28 glyph (ink 255 on 0) whose pixels encode its label and orientation.

    The top-left 4x4 block is always lit and the bottom-right never, so a test can tell a
    transposed or flipped image; a bar whose length encodes ``label`` says which class it is.
    """
    glyph = np.zeros((28, 28), dtype=np.uint8)
    glyph[0:4, 0:4] = 255
    glyph[10:14, 2 : 2 + (label % 24) + 1] = 200
    glyph[20:22, 2:26] = 90
    return glyph


def write_emnist_gzip_zip(path: Path, labels: dict[str, list[int]]) -> Path:
    """``gzip.zip`` as NIST ships it: ``gzip/emnist-byclass-*`` gzipped IDX files, images
    stored transposed, plus the label -> ASCII mapping text file."""
    members: dict[str, bytes] = {"gzip/emnist-byclass-mapping.txt": EMNIST_BYCLASS_MAPPING.encode()}
    for split, split_labels in labels.items():
        images = np.stack([emnist_glyph(label).T for label in split_labels])
        prefix = f"gzip/emnist-byclass-{split}"
        members[f"{prefix}-images-idx3-ubyte.gz"] = gzip.compress(idx_bytes(images))
        members[f"{prefix}-labels-idx1-ubyte.gz"] = gzip.compress(
            idx_bytes(np.array(split_labels, dtype=np.uint8))
        )
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    return path
