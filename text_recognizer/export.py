"""TorchScript and ONNX export of the networks (the parity check that guards them is
:mod:`text_recognizer.export_parity`).

Only tensor-in/tensor-out parts are exported; decoding stays in Python (see
:mod:`text_recognizer.decoding`), so every backend shares one decoder. The parts:

* lines: ``network(images (B,1,40,W), widths (B,)) -> (log_probs (B,T,C), lengths (B,))``;
* paragraphs: ``encode(images (B,1,512,512)) -> (memory_keys, memory_values)`` and
  ``decode_step(tokens (B,), memory_keys, memory_values, past_keys, past_values) ->
  (logits (B,C), keys, values)``. Keys/values of all layers are stacked into one
  ``(layers, B, heads, steps, head_dim)`` tensor each, because exported graphs take tensors,
  not lists of tuples; the step's position is the past's length (an empty past at position 0).

Both formats are traced, which is exact here: the networks have no data-dependent control
flow, only shape-dependent arithmetic, which the tracer records symbolically.
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import torch
from torch import nn

from text_recognizer.extras import require
from text_recognizer.io import atomic_write_bytes
from text_recognizer.models.line_ctc import LineCTC
from text_recognizer.models.paragraph_transformer import KeyValue, ParagraphTransformer

#: ONNX opset: 17 has LayerNormalization natively and is read by onnxruntime >= 1.14.
ONNX_OPSET = 17

#: File names inside a staged folder.
TORCHSCRIPT_FILE = "model.ts"
ONNX_FILE = "model.onnx"  # lines: the network; paragraphs: the encoder
ONNX_DECODER_FILE = "model.decoder.onnx"  # paragraphs: one decoder step


def stack_keys_values(pairs: Sequence[KeyValue]) -> tuple[torch.Tensor, torch.Tensor]:
    """List of per-layer (keys, values) -> two ``(layers, B, heads, steps, head_dim)`` tensors."""
    return torch.stack([key for key, _ in pairs]), torch.stack([value for _, value in pairs])


def unstack_keys_values(keys: torch.Tensor, values: torch.Tensor) -> list[KeyValue]:
    """Inverse of :func:`stack_keys_values`."""
    return list(zip(keys.unbind(0), values.unbind(0)))


class ParagraphEncoder(nn.Module):
    """Images -> stacked cross-attention keys/values: everything computed once per image."""

    def __init__(self, model: ParagraphTransformer) -> None:
        super().__init__()
        self.model = model
        # A new Module starts in train mode; exporters restore the wrapper's mode recursively,
        # which would switch the wrapped model to train mode (dropout on, BatchNorm updating).
        self.train(model.training)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return stack_keys_values(self.model.memory_keys_values(self.model.encode(images)))


class ParagraphDecoderStep(nn.Module):
    """One cached decoder step on stacked tensors; the position is the past's length."""

    def __init__(self, model: ParagraphTransformer) -> None:
        super().__init__()
        self.model = model
        # A new Module starts in train mode; exporters restore the wrapper's mode recursively,
        # which would switch the wrapped model to train mode (dropout on, BatchNorm updating).
        self.train(model.training)

    def forward(
        self,
        tokens: torch.Tensor,
        memory_keys: torch.Tensor,
        memory_values: torch.Tensor,
        past_keys: torch.Tensor,
        past_values: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        logits, new_past = self.model.decode_step(
            tokens,
            past_keys.shape[3],
            unstack_keys_values(memory_keys, memory_values),
            unstack_keys_values(past_keys, past_values),
        )
        keys, values = stack_keys_values(new_past)
        return logits, keys, values


@dataclass(frozen=True)
class ExportPart:
    """One exported graph: the module, example inputs, and the names/dynamic axes for ONNX."""

    name: str
    module: nn.Module
    example: tuple[torch.Tensor, ...]
    input_names: tuple[str, ...]
    output_names: tuple[str, ...]
    dynamic_axes: dict[str, dict[int, str]]


def empty_past(model: ParagraphTransformer, batch: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Stacked keys/values of no tokens: the past of decoding position 0."""
    config = model.config
    shape = (config.layers, batch, config.heads, 0, config.d_model // config.heads)
    weight = model.head.weight
    return (
        torch.zeros(shape, dtype=weight.dtype, device=weight.device),
        torch.zeros(shape, dtype=weight.dtype, device=weight.device),
    )


def export_parts(model: nn.Module) -> list[ExportPart]:
    """The graphs to export for ``model`` (a :class:`LineCTC` or :class:`ParagraphTransformer`)."""
    device = next(model.parameters()).device
    if isinstance(model, LineCTC):
        height = model.config.line_height
        images = torch.rand(2, 1, height, 96, device=device)
        widths = torch.tensor([96, 61], device=device)
        return [
            ExportPart(
                "forward",
                model,
                (images, widths),
                ("images", "widths"),
                ("log_probs", "lengths"),
                {
                    "images": {0: "batch", 3: "width"},
                    "widths": {0: "batch"},
                    "log_probs": {0: "batch", 1: "frames"},
                    "lengths": {0: "batch"},
                },
            )
        ]
    if isinstance(model, ParagraphTransformer):
        config = model.config
        images = torch.rand(2, 1, config.image_height, config.image_width, device=device)
        encoder = ParagraphEncoder(model)
        with torch.no_grad():
            memory_keys, memory_values = encoder(images)
        # Trace the step with a non-empty past so no size is specialised to zero.
        past_keys = torch.rand(*memory_keys.shape[:3], 3, memory_keys.shape[4], device=device)
        tokens = torch.tensor([4, 5], device=device)
        memory_axes = {1: "batch", 3: "cells"}
        return [
            ExportPart(
                "encode",
                encoder,
                (images,),
                ("images",),
                ("memory_keys", "memory_values"),
                {"images": {0: "batch"}, "memory_keys": memory_axes, "memory_values": memory_axes},
            ),
            ExportPart(
                "decode_step",
                ParagraphDecoderStep(model),
                (tokens, memory_keys, memory_values, past_keys, past_keys.clone()),
                ("tokens", "memory_keys", "memory_values", "past_keys", "past_values"),
                ("logits", "keys", "values"),
                {
                    "tokens": {0: "batch"},
                    "memory_keys": memory_axes,
                    "memory_values": memory_axes,
                    "past_keys": {1: "batch", 3: "steps"},
                    "past_values": {1: "batch", 3: "steps"},
                    "logits": {0: "batch"},
                    "keys": {1: "batch", 3: "steps_out"},
                    "values": {1: "batch", 3: "steps_out"},
                },
            ),
        ]
    raise TypeError(
        f"cannot export a {type(model).__name__}; expected LineCTC or ParagraphTransformer"
    )


@contextlib.contextmanager
def _quiet_tracing() -> Iterator[None]:
    """The models' input-shape checks are Python booleans that tracing rightly drops; the
    legacy-exporter and LSTM batch-size notices do not apply (parity is checked instead)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", message=".*legacy TorchScript-based ONNX export.*")
        warnings.filterwarnings("ignore", message=".*batch_size other than 1.*LSTM.*")
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="torch.*")
        yield


def to_torchscript(model: nn.Module) -> torch.jit.ScriptModule:
    """Trace ``model`` (in eval mode) into one ScriptModule with a method per export part.

    Lines: ``forward(images, widths)``. Paragraphs: ``encode(images)`` and
    ``decode_step(tokens, memory_keys, memory_values, past_keys, past_values)``.
    """
    model.eval()
    parts = export_parts(model)
    with _quiet_tracing(), torch.no_grad():
        if len(parts) == 1:
            return torch.jit.trace(parts[0].module, parts[0].example, check_trace=False)
        return torch.jit.trace_module(
            _Traceable(parts), {part.name: part.example for part in parts}, check_trace=False
        )


class _Traceable(nn.Module):
    """Paragraph parts as named methods of one module, for ``torch.jit.trace_module``."""

    def __init__(self, parts: Sequence[ExportPart]) -> None:
        super().__init__()
        by_name = {part.name: part.module for part in parts}
        self.encoder = by_name["encode"]
        self.step = by_name["decode_step"]

    def encode(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.encoder(images)

    def decode_step(
        self,
        tokens: torch.Tensor,
        memory_keys: torch.Tensor,
        memory_values: torch.Tensor,
        past_keys: torch.Tensor,
        past_values: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return self.step(tokens, memory_keys, memory_values, past_keys, past_values)


def save_torchscript(model: nn.Module, path: str | os.PathLike) -> torch.jit.ScriptModule:
    """Trace ``model`` and write it to ``path`` atomically; returns the traced module."""
    traced = to_torchscript(model)
    buffer = io.BytesIO()
    with _quiet_tracing():
        torch.jit.save(traced, buffer)
    atomic_write_bytes(path, buffer.getvalue())
    return traced


def load_torchscript(path: str | os.PathLike) -> torch.jit.ScriptModule:
    """Load a staged ``model.ts`` on the CPU in eval mode.

    TorchScript is deprecated upstream in favour of ``torch.export``, but it is still the one
    format a C++/mobile runtime loads without Python; the warning says nothing actionable here.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        return torch.jit.load(str(path), map_location="cpu").eval()


def onnx_files(model: nn.Module) -> dict[str, str]:
    """Export part name -> ONNX file name inside a staged folder."""
    if isinstance(model, ParagraphTransformer):
        return {"encode": ONNX_FILE, "decode_step": ONNX_DECODER_FILE}
    return {"forward": ONNX_FILE}


def save_onnx(model: nn.Module, folder: str | os.PathLike) -> dict[str, Path]:
    """Export every part of ``model`` to ONNX (opset :data:`ONNX_OPSET`) into ``folder``.

    Uses the TorchScript-based exporter: the dynamo exporter needs onnxscript, and the traced
    graph is the same one TorchScript ships, so one parity check covers both mechanisms.
    Returns part name -> written path.
    """
    model.eval()
    folder = Path(folder)
    written = {}
    names = onnx_files(model)
    with _quiet_tracing():
        for part in export_parts(model):
            buffer = io.BytesIO()
            with torch.no_grad():
                torch.onnx.export(
                    part.module,
                    part.example,
                    buffer,  # type: ignore[arg-type]  # a file object works; the stub says path
                    dynamo=False,
                    opset_version=ONNX_OPSET,
                    input_names=list(part.input_names),
                    output_names=list(part.output_names),
                    dynamic_axes=part.dynamic_axes,
                )
            path = folder / names[part.name]
            atomic_write_bytes(path, buffer.getvalue())
            written[part.name] = path
    return written


def onnx_session(path: str | os.PathLike, threads: int | None = None) -> Any:
    """An onnxruntime CPU session for ``path`` (onnxruntime is imported here, lazily)."""
    onnxruntime = require("onnxruntime", "running an ONNX model")
    options = onnxruntime.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(
        str(path), sess_options=options, providers=["CPUExecutionProvider"]
    )


def onnx_runner(
    session: Any, output_names: Sequence[str] | None = None
) -> Callable[..., tuple[torch.Tensor, ...]]:
    """Wrap an onnxruntime session as ``f(*tensors) -> tuple of tensors`` (inputs in order)."""
    input_names = [item.name for item in session.get_inputs()]

    def run(*tensors: torch.Tensor) -> tuple[torch.Tensor, ...]:
        feed = {name: tensor.detach().cpu().numpy() for name, tensor in zip(input_names, tensors)}
        return tuple(torch.from_numpy(out) for out in session.run(output_names, feed))

    return run
