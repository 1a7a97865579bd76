"""Inference: load a staged model, normalise any input image, predict text with a confidence.

Images go through the same preprocessing and collation as training
(:mod:`text_recognizer.data.preprocess`) and the same decoders (:mod:`text_recognizer.decoding`),
so a staged model scores on uploads what it scored in evaluation. Three backends run the
network: ``eager`` (the default; needs only this package), ``torchscript`` (``model.ts``) and
``onnx`` (``model.onnx``, needs onnxruntime); they agree within the staging parity tolerance.
"""

from __future__ import annotations

import io
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Callable, Optional, Sequence, Union

import numpy as np
import torch
from PIL import Image

from text_recognizer import decoding
from text_recognizer.data.page import Page
from text_recognizer.data.preprocess import (
    Batch,
    Preprocessor,
    Sample,
    open_image,
    page_of,
    validate_image_size,
)
from text_recognizer.errors import InvalidImageError, StagedModelError
from text_recognizer.export import (
    ONNX_DECODER_FILE,
    ONNX_FILE,
    TORCHSCRIPT_FILE,
    load_torchscript,
    onnx_runner,
    onnx_session,
    stack_keys_values,
    unstack_keys_values,
)
from text_recognizer.models.paragraph_transformer import KeyValue
from text_recognizer.modes import normalize_mode
from text_recognizer.prediction import Prediction
from text_recognizer.segmentation import crop_lines, text_row_cores
from text_recognizer.staging import DEFAULT_MODEL_DIR, StagedModel, load_staged, staged_folders
from text_recognizer.vocab import DEFAULT_VOCABULARY

ImageInput = Union[Image.Image, np.ndarray, str, os.PathLike, bytes, bytearray, BinaryIO]
BACKENDS = ("eager", "torchscript", "onnx")
#: Below this width/height ratio an image is a paragraph whatever its ink profile shows.
MIN_LINE_ASPECT = 2.5
#: Suffix of ``Prediction.model_version`` for paragraphs read line by line after segmentation.
SEGMENTATION_ROUTE = "+segmentation"


def available_cpus() -> int:
    """CPUs this process may run on (cgroup/affinity aware where the OS tells)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def default_threads() -> int:
    """Intra-op threads for inference: half the CPUs, 1 on a 2-core machine, at most 4.

    Batch-1 inference of these small networks gains little from a second thread, and on a busy
    machine (a server's other workers, other jobs) spinning OpenMP threads that contend for
    the same cores made a line 10x slower in our measurements (2 cores, load 8).
    """
    return max(1, min(4, available_cpus() // 2))


def _array_to_image(array: np.ndarray) -> Image.Image:
    """PIL image of a (H, W), (H, W, 1|3|4) array of bool, integer or float pixels."""
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise InvalidImageError(
            f"image array has shape {array.shape}; expected (H, W) or (H, W, 1|3|4)"
        )
    validate_image_size(array.shape[1], array.shape[0], "image array")
    if array.dtype == bool:
        return Image.fromarray(array.astype(np.uint8) * 255)
    if array.dtype.kind == "f":
        if not np.isfinite(array).all():
            raise InvalidImageError("image array has NaN or infinite pixel values")
        if array.ndim == 3:  # colour floats: assume 0..1 if they fit, else 0..255
            scale = 255.0 if float(array.max()) <= 1.0 else 1.0
            return Image.fromarray(np.clip(array * scale + 0.5, 0, 255).astype(np.uint8))
        return Image.fromarray(array.astype(np.float32), mode="F")
    if array.dtype.kind in "iu":
        if array.ndim == 3:
            if array.dtype != np.uint8:
                high = 65535.0 if int(array.max()) > 255 else 255.0
                array = (array.astype(np.float32) * (255.0 / high) + 0.5).astype(np.uint8)
            return Image.fromarray(array)
        if array.dtype == np.uint8:
            return Image.fromarray(array)
        if array.dtype == np.uint16:  # Pillow >= 11 infers "I;16" and refuses it as mode=
            return Image.fromarray(np.ascontiguousarray(array))
        return Image.fromarray(array.astype(np.int32), mode="I")
    raise InvalidImageError(f"image array has unsupported dtype {array.dtype}")


def load_image(source: ImageInput, name: str | None = None) -> Image.Image:
    """Any supported input -> a validated PIL image; bad input raises :class:`InvalidImageError`.

    >>> load_image(np.zeros((20, 60), dtype=np.uint8)).size
    (60, 20)
    """
    if isinstance(source, Image.Image):
        validate_image_size(source.width, source.height, name or "image")
        return source
    if isinstance(source, np.ndarray):
        return _array_to_image(source)
    if isinstance(source, memoryview):
        source = source.tobytes()
    if isinstance(source, (bytes, bytearray)):
        if not source:
            raise InvalidImageError(f"{name or 'uploaded image'} is empty (0 bytes)")
        return open_image(bytes(source), name)
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise InvalidImageError(f"{path}: no such file")
        if not path.is_file():
            raise InvalidImageError(f"{path} is not a file")
        return open_image(path, name)
    if hasattr(source, "read"):
        return open_image(source, name)
    raise InvalidImageError(
        f"cannot read an image from a {type(source).__name__}; pass a PIL image, a numpy "
        "array, a path or the file's bytes"
    )


def text_rows(page: Page | Image.Image) -> int:
    """Number of text lines on a normalised page: 1 for a line, more for a paragraph, 0 when
    blank.

    Counted by the line finder that segments pages (:mod:`text_recognizer.segmentation`),
    so auto mode and the segmentation route agree on what a paragraph is.
    """
    return len(text_row_cores(page_of(page).ink))


def choose_kind(page: Page, available: Sequence[str]) -> str:
    """``"lines"`` or ``"paragraphs"`` for a normalised page, among the kinds a recognizer has.

    A paragraph when its text block is not clearly wider than high or shows several text rows
    (margins, scanner edges and specks do not count: the block is the text's).
    """
    if len(available) == 1:
        return available[0]
    height, width = page.gray.shape
    if page.box is not None:
        top, bottom, left, right = page.box
        height, width = bottom - top, right - left
    if width / height < MIN_LINE_ASPECT or text_rows(page) >= 2:
        return "paragraphs"
    return "lines"


class _ExportedParagraph:
    """Exported encoder + decoder step behind the interface :mod:`decoding` expects."""

    def __init__(self, encode: Callable, step: Callable, config: Any) -> None:
        self._encode, self._step, self.config = encode, step, config

    def encode(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return tuple(self._encode(images))

    def memory_keys_values(self, memory: tuple[torch.Tensor, torch.Tensor]) -> list[KeyValue]:
        return unstack_keys_values(*memory)

    def decode_step(
        self,
        tokens: torch.Tensor,
        position: int,
        memory: list[KeyValue],
        past: Optional[list[KeyValue]] = None,
    ) -> tuple[torch.Tensor, list[KeyValue]]:
        memory_keys, memory_values = stack_keys_values(memory)
        if past is None:
            shape = list(memory_keys.shape)
            shape[3] = 0
            past_keys = past_values = memory_keys.new_zeros(shape)
        else:
            past_keys, past_values = stack_keys_values(past)
        logits, keys, values = self._step(
            tokens, memory_keys, memory_values, past_keys, past_values
        )
        return logits, unstack_keys_values(keys, values)

    def decode(self, tokens: torch.Tensor, memory: Any) -> torch.Tensor:
        raise NotImplementedError("exported paragraph models decode with the cache only")


@dataclass
class _Loaded:
    """One staged kind ready to run: its metadata, preprocessor and network(s)."""

    staged: StagedModel
    preprocessor: Preprocessor
    network: Any  # lines: callable(images, widths); paragraphs: the decoding interface


def _network(staged: StagedModel, backend: str, threads: int | None) -> Any:
    folder = staged.folder
    if backend == "eager":
        return staged.model
    if folder is None:
        raise StagedModelError(f"the {backend} backend needs a staged folder")
    if backend == "torchscript":
        path = folder / TORCHSCRIPT_FILE
        if not path.is_file():
            raise StagedModelError(f"{folder} has no {TORCHSCRIPT_FILE}; re-stage the model")
        module = load_torchscript(path)
        if staged.kind == "lines":
            return module
        return _ExportedParagraph(module.encode, module.decode_step, staged.model.config)
    if backend == "onnx":
        names = [ONNX_FILE] if staged.kind == "lines" else [ONNX_FILE, ONNX_DECODER_FILE]
        missing = [name for name in names if not (folder / name).is_file()]
        if missing:
            raise StagedModelError(f"{folder} lacks {', '.join(missing)}; re-stage the model")
        runners = [onnx_runner(onnx_session(folder / name, threads)) for name in names]
        if staged.kind == "lines":
            return runners[0]
        return _ExportedParagraph(runners[0], runners[1], staged.model.config)
    raise StagedModelError(f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}")


class Recognizer:
    """Staged line and/or paragraph models behind ``predict`` / ``predict_batch``.

    Construct with :meth:`load`. ``beam_width > 1`` switches greedy decoding to beam search.

    With a line model but no paragraph model, paragraphs are still read: the page is cut into
    lines (:func:`text_recognizer.segmentation.crop_lines`), every line of every page in the
    call goes through the line model in one batch, and a page's texts are joined with
    newlines, top to bottom. Its prediction has kind ``"paragraphs"``, model version
    ``"<line model version>+segmentation"``, and as confidence the mean confidence of all its
    characters, as for a line (:mod:`text_recognizer.decoding`), so that it stays the expected
    share of right characters. Newlines get character confidence 1.0 (segmentation gives no
    probability) and do not count in the mean.

    Every image is normalised first (:func:`text_recognizer.data.page.normalize_page`): light
    ink on dark paper is inverted, shadows flattened, the text block found. An image without
    ink is not run through a model: it reads as ``""`` with confidence 0, because nothing was
    read (a blank frame is easy to be sure of, which made blank and inverted pages "certain").
    """

    def __init__(
        self,
        models: dict[str, _Loaded],
        backend: str = "eager",
        beam_width: int = 1,
        device: str | torch.device = "cpu",
        max_tokens: int | None = None,
    ) -> None:
        if not models:
            raise StagedModelError("a recognizer needs at least one staged model")
        self.models = models
        self.backend = backend
        self.beam_width = beam_width
        self.device = torch.device(device)
        #: Cap on a paragraph's decoded tokens (``<end>`` included); None: the model's maximum.
        self.max_tokens = max_tokens
        self.model_version = "+".join(models[kind].staged.version for kind in sorted(models))

    @classmethod
    def load(
        cls,
        path: str | os.PathLike | None = None,
        backend: str = "eager",
        beam_width: int = 1,
        threads: int | None = None,
        device: str | torch.device = "cpu",
        max_tokens: int | None = None,
    ) -> "Recognizer":
        """Load a staged folder (or a folder of ``lines/`` + ``paragraphs/``); default: packaged.

        ``threads``, when given, sets torch's intra-op threads. That setting is process-wide, so
        the library leaves it alone by default; the CLI passes :func:`default_threads`.
        ``device`` (eager backend only) runs the network there, e.g. ``"cuda"``.
        ``max_tokens`` caps a paragraph's decoded tokens (default: the model's maximum).
        """
        if backend not in BACKENDS:
            raise StagedModelError(
                f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}"
            )
        if beam_width < 1:
            raise StagedModelError(f"beam_width must be >= 1, got {beam_width}")
        if torch.device(device).type != "cpu" and backend != "eager":
            raise StagedModelError(f"the {backend} backend runs on the CPU only; use eager")
        if threads:
            torch.set_num_threads(threads)
        folders = staged_folders(DEFAULT_MODEL_DIR if path is None else path)
        models = {}
        for kind, folder in folders.items():
            staged = load_staged(folder, device)
            models[kind] = _Loaded(staged, Preprocessor(kind), _network(staged, backend, threads))
        return cls(models, backend, beam_width, device, max_tokens)

    @classmethod
    def from_models(
        cls, networks: dict[str, torch.nn.Module], version: str = "unstaged", **options: Any
    ) -> "Recognizer":
        """Wrap in-memory networks (kind -> LineCTC/ParagraphTransformer), e.g. for benchmarks."""
        from text_recognizer.staging import plain, preprocessing_constants

        models = {}
        for kind, network in networks.items():
            network.eval()
            staged = StagedModel(
                kind=kind,
                config=plain(network.config),
                model=network,
                vocab="",
                preprocessing=preprocessing_constants(),
                metrics={},
                version=f"{kind}-{version}",
            )
            models[kind] = _Loaded(staged, Preprocessor(kind), network)
        return cls(models, **options)

    @property
    def kinds(self) -> list[str]:
        return sorted(self.models)

    @property
    def readable_kinds(self) -> list[str]:
        """Kinds of image this recognizer reads: a line model reads paragraphs by segmentation."""
        return sorted(set(self.models) | ({"paragraphs"} if "lines" in self.models else set()))

    @property
    def segments_paragraphs(self) -> bool:
        """Whether paragraphs go through segmentation + the line model (no paragraph model)."""
        return "paragraphs" not in self.models and "lines" in self.models

    def _kind_for(self, page: Page, mode: str) -> str:
        mode = normalize_mode(mode)
        if mode == "auto":
            return choose_kind(page, self.readable_kinds)
        if mode not in self.readable_kinds:
            raise StagedModelError(
                f"mode {mode!r} asked for, but only {', '.join(self.kinds)} model(s) are staged"
            )
        return mode

    def predict(self, image: ImageInput, mode: str = "auto") -> Prediction:
        """Transcribe one image (a PIL image, numpy array, path, bytes or binary file)."""
        return self.predict_batch([image], mode)[0]

    def predict_batch(self, images: Sequence[ImageInput], mode: str = "auto") -> list[Prediction]:
        """Transcribe several images, one padded batch per model kind; order is kept."""
        started = time.perf_counter()
        pages = []
        for index, source in enumerate(images):
            name = source if isinstance(source, (str, os.PathLike)) else f"image {index}"
            pages.append(page_of(load_image(source, str(name))))
        kinds = [self._kind_for(page, mode) for page in pages]
        segmented = {  # row -> its line crops, for paragraphs read by the line model
            row: crop_lines(pages[row])
            for row, kind in enumerate(kinds)
            if kind == "paragraphs" and self.segments_paragraphs and not pages[row].blank
        }
        results: list[Optional[decoding.Decoded]] = [
            NOTHING_READ if page.blank else None for page in pages
        ]
        for kind in self.kinds:
            rows = [
                row
                for row, chosen in enumerate(kinds)
                if chosen == kind and not pages[row].blank and row not in segmented
            ]
            inputs: list[Page | Image.Image] = [pages[row] for row in rows]
            if kind == "lines":  # segmented pages' lines join the batch of line images
                inputs += [crop for row in sorted(segmented) for crop in segmented[row]]
            decoded = self._run(kind, inputs) if inputs else []
            for row, item in zip(rows, decoded):
                results[row] = item
            if kind == "lines":
                lines = iter(decoded[len(rows) :])
                for row in sorted(segmented):
                    results[row] = _join_lines([next(lines) for _ in segmented[row]])
        seconds = (time.perf_counter() - started) / max(1, len(pages))
        predictions = []
        for row, (decoded_row, kind) in enumerate(zip(results, kinds)):
            assert decoded_row is not None  # every row was decoded above
            item = decoded_row
            reader = "lines" if row in segmented or kind not in self.models else kind
            version = self.models[reader].staged.version
            predictions.append(
                Prediction(
                    text=item.text,
                    confidence=float(item.confidence),
                    kind=kind,
                    char_confidences=[float(value) for value in item.char_confidences],
                    model_version=version + (SEGMENTATION_ROUTE if row in segmented else ""),
                    seconds=seconds,
                )
            )
        return predictions

    def _batch(self, kind: str, images: Sequence[Page | Image.Image]) -> Batch:
        loaded = self.models[kind]
        samples = [
            Sample(image=loaded.preprocessor(image), text="", id=str(index))
            for index, image in enumerate(images)
        ]
        return loaded.preprocessor.collate(samples)

    def _line_frames(
        self, images: Sequence[Page | Image.Image]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        batch = self._batch("lines", images)
        network = self.models["lines"].network
        with torch.inference_mode():
            widths = batch["widths"].to(self.device)
            log_probs, lengths = network(batch["images"].to(self.device), widths)[:2]
        return log_probs, lengths

    def line_log_probs(self, images: Sequence[ImageInput]) -> list[torch.Tensor]:
        """The line model's ``(T, C)`` frame log-probabilities for each image, preprocessed as
        :meth:`predict` does and before any temperature (for fitting one: see
        :mod:`text_recognizer.calibration`)."""
        if "lines" not in self.models:
            raise StagedModelError("line log-probabilities need a staged line model")
        pages = [page_of(load_image(image, f"image {n}")) for n, image in enumerate(images)]
        log_probs, lengths = self._line_frames(pages)
        return [
            log_probs[row, :length].float().cpu() for row, length in enumerate(lengths.tolist())
        ]

    def _run(self, kind: str, images: Sequence[Page | Image.Image]) -> list[decoding.Decoded]:
        loaded = self.models[kind]
        if kind == "lines":
            log_probs, lengths = self._line_frames(images)
            temperature = loaded.staged.temperature
            if self.beam_width > 1:
                return decoding.ctc_beam_search(
                    log_probs, lengths, beam_width=self.beam_width, temperature=temperature
                )
            return decoding.ctc_greedy(log_probs, lengths, temperature=temperature)
        pixels = self._batch(kind, images)["images"].to(self.device)
        with torch.inference_mode():
            if self.beam_width > 1:
                return decoding.autoregressive_beam_search(
                    loaded.network, pixels, beam_width=self.beam_width, max_length=self._length()
                )
            return decoding.autoregressive_greedy(loaded.network, pixels, max_length=self._length())

    def _length(self) -> int | None:
        """Decoder positions for ``max_tokens`` generated tokens (``<start>`` takes one)."""
        return None if self.max_tokens is None else self.max_tokens + 1


#: What an image without ink reads as: no text, and no confidence in it.
NOTHING_READ = decoding.Decoded(
    text="", confidence=0.0, log_prob=0.0, char_confidences=(), indices=()
)


def _join_lines(lines: Sequence[decoding.Decoded]) -> decoding.Decoded:
    """One page's line readings as one: texts joined by newlines, the mean confidence of all
    their characters (see :class:`Recognizer`)."""
    newline = DEFAULT_VOCABULARY.encode("\n").tolist()
    chars: list[float] = []
    indices: list[int] = []
    read = [value for line in lines for value in line.char_confidences]
    for number, line in enumerate(lines):
        if number:
            chars.append(1.0)
            indices += newline
        chars += line.char_confidences
        indices += line.indices
    return decoding.Decoded(
        text="\n".join(line.text for line in lines),
        confidence=sum(read) / len(read) if read else 0.0,
        log_prob=float(sum(line.log_prob for line in lines)),
        char_confidences=tuple(chars),
        indices=tuple(indices),
    )


def image_bytes(image: Image.Image, format: str = "PNG") -> bytes:
    """Encode ``image`` (for tests and clients that post bytes)."""
    buffer = io.BytesIO()
    image.save(buffer, format=format)
    return buffer.getvalue()
