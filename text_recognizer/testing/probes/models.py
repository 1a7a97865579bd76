"""Probes of the models stage (see text_recognizer.testing.probes): presets, sizes, shapes and
seeded outputs of the line and paragraph models and of their building blocks."""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator, TypeVar, cast

import torch
from torch import nn

from text_recognizer.errors import ModelInputError
from text_recognizer.models import (
    INPUT_KIND,
    MODEL_KINDS,
    PRESETS,
    LineCTCConfig,
    ParagraphTransformerConfig,
    ResNetConfig,
    build_model,
    config_from_dict,
    config_to_dict,
    preset,
    resolve_config,
)
from text_recognizer.models.line_ctc import (
    LineCTC,
    MaskedBiLSTM,
    column_mask,
    output_lengths,
    reverse_within_lengths,
)
from text_recognizer.models.paragraph_transformer import (
    Attention,
    DecoderLayer,
    ParagraphTransformer,
    SelfAttention,
)
from text_recognizer.models.positional import (
    PositionalEncoding1D,
    PositionalEncoding2D,
    sinusoid_table,
)
from text_recognizer.models.resnet import BasicBlock, ResNetEncoder, conv3x3, init_weights
from text_recognizer.testing.probes import probe
from text_recognizer.vocab import DEFAULT_VOCABULARY as VOCAB

#: The paragraph probes run the tiny preset on 64x64 pages (two stride-32 cells a side) where the
#: real 512x512 page is not the point: the architecture is the same, the cost a sixtieth.
SMALL_PAGE = {"image_height": 64, "image_width": 64}

ModuleT = TypeVar("ModuleT", bound=nn.Module)


# -- helpers ----------------------------------------------------------------------------------


def _stats(tensor: torch.Tensor) -> dict[str, float]:
    """Mean, spread and range of ``tensor``: a handful of numbers that move with any change."""
    values = tensor.detach().double()
    return {
        "mean": float(values.mean()),
        "std": float(values.std()) if values.numel() > 1 else 0.0,
        "min": float(values.min()),
        "max": float(values.max()),
    }


def _error(call: Callable[[], Any]) -> str:
    """The message of the :class:`ModelInputError`/``ValueError`` ``call`` raises, or "no error"."""
    try:
        call()
    except (ModelInputError, ValueError) as error:
        return f"{type(error).__name__}: {error}"
    return "no error"


def _parameters(module: nn.Module) -> int:
    return sum(parameter.numel() for parameter in module.parameters())


def _dropout_census(model: nn.Module, run: Callable[[], Any]) -> tuple[dict[str, Any], Any]:
    """Calls of each ``nn.Dropout`` during ``run`` and the share of nonzero inputs it zeroed,
    and what ``run`` returned."""
    calls: dict[str, list[float]] = {}
    handles = []
    for name, module in model.named_modules():
        if isinstance(module, nn.Dropout):

            def hook(_: nn.Module, inputs: Any, output: torch.Tensor, name: str = name) -> None:
                alive = inputs[0] != 0
                zeroed = (output == 0) & alive
                calls.setdefault(name, [0.0, 0.0])
                calls[name][0] += 1
                calls[name][1] += float(zeroed.sum()) / max(1, int(alive.sum()))

            handles.append(module.register_forward_hook(hook))
    try:
        result = run()
    finally:
        for handle in handles:
            handle.remove()
    names = sorted(calls)
    census = {
        "modules": names if names else "none",
        "calls": [int(calls[name][0]) for name in names],
        "zeroed_share": [calls[name][1] / calls[name][0] for name in names],
    }
    return census, result


@contextlib.contextmanager
def _uninitialised() -> Iterator[None]:
    """Build modules without their random initialisers (most of a large model's build time):
    for sizes, not values."""
    names = ("normal_", "kaiming_normal_", "uniform_", "kaiming_uniform_")
    saved = {name: getattr(nn.init, name) for name in names}
    for name in names:
        setattr(nn.init, name, lambda tensor, *args, **kwargs: tensor)
    try:
        yield
    finally:
        for name, function in saved.items():
            setattr(nn.init, name, function)


def _line_batch(seed: int, widths: list[int], width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Seeded ink-like line images (B, 1, 40, ``width``): dark strokes on white, right-padded."""
    generator = torch.Generator().manual_seed(seed)
    images = torch.ones(len(widths), 1, 40, width)
    for row, used in enumerate(widths):
        strokes = (torch.rand(1, 40, used, generator=generator) < 0.25).float()
        images[row, :, :, :used] = 1.0 - 0.9 * strokes
    return images, torch.tensor(widths)


def _page(seed: int, batch: int = 2, size: int = 64) -> torch.Tensor:
    """Seeded pages (B, 1, size, size): white with a few dark horizontal bars per page."""
    generator = torch.Generator().manual_seed(seed)
    pages = torch.ones(batch, 1, size, size)
    for row in range(batch):
        for _ in range(3):
            top = int(torch.randint(0, size - 4, (1,), generator=generator))
            left = int(torch.randint(0, size // 2, (1,), generator=generator))
            length = int(torch.randint(8, size // 2, (1,), generator=generator))
            pages[row, 0, top : top + 3, left : left + length] = 0.1
    return pages


def _tokens(text: str) -> torch.Tensor:
    """``<start> text``: the decoder input of ``text`` (1-D)."""
    return torch.cat([torch.tensor([VOCAB.start_index]), VOCAB.encode(text)])


def liven(model: ModuleT, seed: int, head_gain: float = 4.0) -> ModuleT:
    """Give a freshly built model weights like a trained one's, in place: seeded BatchNorm scales,
    shifts and running statistics (a fresh residual block is the identity, its zero ``bn2``
    hiding every bug on that path) and a ``head_gain`` times sharper output layer."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                size = module.num_features
                module.weight.copy_(0.5 + torch.rand(size, generator=generator))
                module.bias.copy_(0.2 * torch.randn(size, generator=generator))
                module.running_mean.copy_(0.2 * torch.randn(size, generator=generator))
                module.running_var.copy_(0.5 + 1.5 * torch.rand(size, generator=generator))
        head = getattr(model, "head", None)
        if isinstance(head, nn.Linear):
            head.weight.mul_(head_gain)
    return model


def _tiny_paragraph(seed: int, fresh: bool = False, **overrides: Any) -> ParagraphTransformer:
    """The tiny paragraph preset on 64x64 pages (``overrides`` applied), seeded, livened, eval."""
    torch.manual_seed(seed)
    config = preset("paragraph_transformer", "tiny", **{**SMALL_PAGE, **overrides})
    model = cast(ParagraphTransformer, build_model("paragraph_transformer", config).eval())
    return model if fresh else liven(model, seed)


def _tiny_line(seed: int, fresh: bool = False, **overrides: Any) -> LineCTC:
    """The tiny line preset (``overrides`` applied), seeded, livened unless ``fresh``, eval."""
    torch.manual_seed(seed)
    model = cast(LineCTC, build_model("line_ctc", preset("line_ctc", "tiny", **overrides)).eval())
    return model if fresh else liven(model, seed, head_gain=10.0)


# -- presets and lookups ----------------------------------------------------------------------


@probe("models/presets")
def presets() -> dict[str, Any]:
    """Every preset's config fields and derived strides, as numbers."""
    out: dict[str, Any] = {
        "names": [f"{kind}:{name}" for kind in PRESETS for name in PRESETS[kind]]
    }
    for kind, named in PRESETS.items():
        for name, config in named.items():
            fields: dict[str, Any] = {}
            for key, value in config_to_dict(config).items():
                if isinstance(value, dict):
                    for inner, item in value.items():
                        fields[f"{key}_{inner}"] = list(item) if isinstance(item, tuple) else item
                elif isinstance(value, tuple):
                    fields[key] = [list(v) if isinstance(v, tuple) else v for v in value]
                else:
                    fields[key] = value
            if isinstance(config, LineCTCConfig):
                fields["height_stride"] = config.height_stride
                fields["width_strides"] = list(config.width_strides)
                fields["frame_width"] = config.frame_width
            else:
                fields["output_stride"] = config.encoder.output_stride
                fields["out_channels"] = config.encoder.out_channels
            out[f"{kind}.{name}"] = fields
    return out


@probe("models/preset_lookup")
def preset_lookup() -> dict[str, Any]:
    """preset overrides, resolve_config from name/dict/dataclass, dict round trips and refusals."""
    tiny_line = preset("line_ctc", "tiny")
    tiny_page = preset("paragraph_transformer", "tiny")
    overridden = preset("line_ctc", "tiny", rnn_layers=3, dropout=0.25)
    from_lists = config_from_dict(
        "line_ctc", {**config_to_dict(tiny_line), "widths": [16, 32], "strides": [[2, 2], [2, 1]]}
    )
    page_dict = config_to_dict(tiny_page)
    return {
        "kinds": sorted(MODEL_KINDS),
        "input_kinds": [INPUT_KIND[kind] for kind in sorted(MODEL_KINDS)],
        "override": [overridden.rnn_layers, overridden.dropout, overridden.rnn_hidden],
        "override_leaves_preset": [PRESETS["line_ctc"]["tiny"].rnn_layers],
        "same_object_without_overrides": preset("line_ctc", "tiny") is tiny_line,
        "round_trip": [
            config_from_dict("line_ctc", config_to_dict(tiny_line)) == tiny_line,
            config_from_dict("paragraph_transformer", page_dict) == tiny_page,
            from_lists == tiny_line,
            resolve_config("line_ctc", "tiny") == tiny_line,
            resolve_config("paragraph_transformer", page_dict) == tiny_page,
            resolve_config("line_ctc", tiny_line) is tiny_line,
            isinstance(config_from_dict("paragraph_transformer", page_dict).encoder, ResNetConfig),
        ],
        "hashable": [hash(from_lists) == hash(tiny_line)],
        "errors": [
            _error(lambda: preset("lines", "tiny")),
            _error(lambda: preset("line_ctc", "huge")),
            _error(lambda: config_from_dict("line_ctc", {"depth": 3, "rnn_hidden": 8})),
            _error(lambda: resolve_config("line_ctc", tiny_page)),
            _error(lambda: build_model("paragraph", "tiny")),
            _error(lambda: LineCTCConfig(widths=(8, 8), strides=((2, 2),))),
            _error(lambda: LineCTCConfig(line_height=36)),
            _error(lambda: ParagraphTransformerConfig(d_model=30, heads=4)),
            _error(lambda: ResNetConfig(widths=(8, 16), blocks=(1,))),
            _error(lambda: ResNetConfig(widths=(), blocks=())),
        ],
    }


@probe("models/parameter_counts")
def parameter_counts() -> dict[str, Any]:
    """Parameters per top-level submodule and buffer shapes of every preset (built on meta)."""
    out: dict[str, Any] = {}
    for kind, named in PRESETS.items():
        for name in named:
            with _uninitialised():
                model = build_model(kind, name)
            children = dict(model.named_children())
            out[f"{kind}.{name}"] = {
                "children": list(children),
                "counts": [_parameters(child) for child in children.values()],
                "total": _parameters(model),
                "trainable": sum(p.numel() for p in model.parameters() if p.requires_grad),
                "class": type(model).__name__,
                "buffers": sum(1 for _ in model.buffers()),
                "persistent_buffers": sum(1 for key in model.state_dict() if "running" in key),
            }
            if kind == "paragraph_transformer":
                out[f"{kind}.{name}"]["tables"] = list(model.position_1d.table.shape) + list(
                    model.position_2d.table.shape
                )
    return out


@probe("models/build_model")
def build_model_probe() -> dict[str, Any]:
    """build_model from a name and from a dict: class, config and training flag; default base."""
    out: dict[str, Any] = {}
    for kind in sorted(MODEL_KINDS):
        config = preset(kind, "tiny")
        from_dict = build_model(kind, config_to_dict(config))
        out[kind] = {
            "class": type(from_dict).__name__,
            "config_equal": from_dict.config == config,
            "training_after_build": from_dict.training,
        }
    with _uninitialised():
        out["default_is_base"] = build_model("line_ctc").config == preset("line_ctc", "base")
    return out


# -- the line model ---------------------------------------------------------------------------


@probe("models/line_ctc/helpers")
def line_helpers() -> dict[str, Any]:
    """output_lengths, column_mask and reverse_within_lengths on fixed inputs."""
    widths = torch.tensor([0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 100])
    x = torch.arange(12.0).view(2, 6, 1)
    reversed_once = reverse_within_lengths(x, torch.tensor([4, 6]))
    mask = column_mask(torch.tensor([0, 2, 5]), 5, torch.float32)
    return {
        "lengths_2": output_lengths(widths, (2,)),
        "lengths_2_2": output_lengths(widths, (2, 2)),
        "lengths_2_2_1": output_lengths(widths, (2, 2, 1)),
        "lengths_tiny": output_lengths(widths, preset("line_ctc", "tiny").width_strides),
        "mask": mask,
        "mask_shape": list(mask.shape),
        "reversed": reversed_once.flatten(),
        "reversed_twice_is_identity": torch.equal(
            reverse_within_lengths(reversed_once, torch.tensor([4, 6])), x
        ),
        "reversed_length_one": reverse_within_lengths(x, torch.tensor([1, 0])).flatten(),
    }


@probe("models/line_ctc/shapes")
def line_shapes() -> dict[str, Any]:
    """Tiny line model: output shapes and frame lengths for several widths and paddings."""
    model = _tiny_line(0)
    out: dict[str, Any] = {}
    cases = {
        "padded_128": ([128, 127, 64, 33, 32, 31, 9, 8, 1], 128),
        "exact_36": ([36, 35], 36),
        "odd_37": ([37, 20], 37),
        "clamped": ([500, 0, -3], 24),
    }
    with torch.no_grad():
        for name, (widths, width) in cases.items():
            images, lengths = _line_batch(1, [max(1, min(w, width)) for w in widths], width)
            log_probs, frames = model(images, torch.tensor(widths))
            out[name] = {"shape": list(log_probs.shape), "lengths": frames}
    return out


@probe("models/line_ctc/eval_outputs")
def line_eval_outputs() -> dict[str, Any]:
    """Tiny line model in eval mode, freshly built and livened: log-prob statistics, best labels
    and probabilities of the first frames."""
    model = _tiny_line(1)
    images, widths = _line_batch(2, [64, 40, 17], 64)
    with torch.no_grad():
        log_probs, lengths = model(images, widths)
        fresh, _ = _tiny_line(1, fresh=True)(images, widths)
    first = log_probs[:, :4]
    valid = [log_probs[row, : int(n)] for row, n in enumerate(lengths)]
    return {
        "lengths": lengths,
        "dtype": str(log_probs.dtype),
        "normalised": float(log_probs.exp().sum(-1).sub(1).abs().max()) < 1e-5,
        "first_frames_best": first.argmax(-1),
        "first_frames_max": first.max(-1).values,
        "first_frames_blank": first[..., VOCAB.blank_index],
        "frame0_top5": log_probs[0, 0].topk(5).values,
        "valid_mean": [float(v.mean()) for v in valid],
        "valid_std": [float(v.std()) for v in valid],
        "all": _stats(log_probs),
        "fresh": _stats(fresh),
        "fresh_frame0_top3": fresh[0, 0].topk(3).values,
    }


@probe("models/line_ctc/padding")
def line_padding() -> dict[str, Any]:
    """Eval outputs of a line do not depend on its padding (amount or content); train mode's do."""
    model = _tiny_line(2)
    images, widths = _line_batch(3, [30, 50], 50)
    wide = torch.cat([images, torch.ones(2, 1, 40, 30)], dim=-1)
    garbage = wide.clone()
    garbage[0, :, :, 30:] = torch.rand(1, 40, 50, generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        alone, _ = model(images[:1, :, :, :30], widths[:1])
        padded, lengths = model(wide, widths)
        dirty, _ = model(garbage, widths)
        model.train()
        train_alone, _ = model(images[:1, :, :, :30], widths[:1])
        train_padded, _ = model(wide, widths)
    frames = int(lengths[0])
    return {
        "frames": [frames, alone.shape[1], padded.shape[1]],
        "eval_diff_padding": float((alone[0] - padded[0, :frames]).abs().max()),
        "eval_diff_garbage": float((padded[0, :frames] - dirty[0, :frames]).abs().max()),
        "eval_padding_invariant": bool(torch.allclose(alone[0], padded[0, :frames], atol=1e-5)),
        "padded_frames_stats": _stats(padded[0, frames:]),
        "train_diff_padding": float((train_alone[0] - train_padded[0, :frames]).abs().max()),
    }


@probe("models/line_ctc/train_mode")
def line_train_mode() -> dict[str, Any]:
    """A dropout 0.5, two-layer tiny line model in train mode: seeded outputs, dropout placement,
    BatchNorm statistics updated."""
    model = _tiny_line(3, dropout=0.5, rnn_layers=2)
    images, widths = _line_batch(6, [48, 32], 48)
    with torch.no_grad():
        evaluated, _ = model(images, widths)
        model.train()
        torch.manual_seed(7)
        census, (trained, _) = _dropout_census(model, lambda: model(images, widths))
        torch.manual_seed(8)
        other, _ = model(images, widths)
    batch_norm = model.stem[1]
    return {
        "census": census,
        "train": _stats(trained),
        "train_first_best": trained[:, :6].argmax(-1),
        "train_vs_eval": float((trained - evaluated).abs().mean()),
        "seeds_differ": not torch.equal(trained, other),
        "bn_batches": batch_norm.num_batches_tracked,
        "bn_running_mean": batch_norm.running_mean,
        "bn_running_var": batch_norm.running_var,
    }


@probe("models/line_ctc/variants")
def line_variants() -> dict[str, Any]:
    """Config options that change the line model: depth, strides, height, widths, hidden size."""
    variants: dict[str, dict[str, Any]] = {
        "tiny": {},
        "two_layers_hidden_32": {"rnn_layers": 2, "rnn_hidden": 32},
        "strides_swapped": {"strides": ((2, 1), (2, 2))},
        "height_48": {"line_height": 48},
        "three_blocks": {
            "widths": (8, 16, 16),
            "strides": ((2, 2), (1, 1), (2, 1)),
            "stem_channels": 4,
        },
    }
    out: dict[str, Any] = {}
    for name, overrides in variants.items():
        model = _tiny_line(9, **overrides)
        config = model.config
        images, widths = _line_batch(10, [40, 23], 40)
        if config.line_height != 40:
            images = torch.nn.functional.pad(images, (0, 0, 0, config.line_height - 40), value=1.0)
        with torch.no_grad():
            log_probs, lengths = model(images, widths)
        out[name] = {
            "parameters": _parameters(model),
            "project_in": model.project[0].in_features,
            "shape": list(log_probs.shape),
            "lengths": lengths,
            "frame_width": config.frame_width,
            "mean": float(log_probs.mean()),
            "frame0": log_probs[0, 0].topk(3).values,
        }
    return out


@probe("models/line_ctc/input_errors")
def line_input_errors() -> dict[str, Any]:
    """The line model's refusals of wrongly shaped images."""
    model = _tiny_line(0)
    widths = torch.tensor([16])
    return {
        "errors": [
            _error(lambda: model(torch.ones(1, 40, 16), widths)),
            _error(lambda: model(torch.ones(1, 3, 40, 16), widths)),
            _error(lambda: model(torch.ones(1, 1, 32, 16), widths)),
        ]
    }


@probe("models/line_ctc/bilstm")
def masked_bilstm() -> dict[str, Any]:
    """MaskedBiLSTM: seeded outputs, and a sample's output independent of its padded steps."""
    torch.manual_seed(11)
    rnn = MaskedBiLSTM(6, 4, 2, 0.0).eval()
    x = torch.randn(2, 7, 6, generator=torch.Generator().manual_seed(12))
    lengths = torch.tensor([7, 4])
    with torch.no_grad():
        out = rnn(x, lengths)
        alone = rnn(x[1:, :4], lengths[1:])
        changed = x.clone()
        changed[1, 4:] = 100.0
        dirty = rnn(changed, lengths)
    return {
        "shape": list(out.shape),
        "parameters": _parameters(rnn),
        "sample1_last_valid": out[1, 3],
        "sample0_first": out[0, 0],
        "padding_diff": float((out[1, :4] - alone[0]).abs().max()),
        "garbage_diff": float((out[1, :4] - dirty[1, :4]).abs().max()),
        "stats": _stats(out),
    }


# -- the ResNet building blocks ----------------------------------------------------------------


@probe("models/resnet/basic_block")
def basic_block() -> dict[str, Any]:
    """BasicBlock with int/tuple strides and channel changes: shapes, shortcut, seeded outputs."""
    cases = {
        "same_1": (8, 8, 1),
        "same_tuple_1": (8, 8, (1, 1)),
        "widen_1": (8, 16, 1),
        "stride_2": (8, 8, 2),
        "stride_2_2": (8, 8, (2, 2)),
        "widen_2_1": (8, 16, (2, 1)),
        "narrow_1_2": (8, 4, (1, 2)),
    }
    x = torch.randn(2, 8, 6, 9, generator=torch.Generator().manual_seed(13))
    out: dict[str, Any] = {}
    for name, (inputs, outputs, stride) in cases.items():
        torch.manual_seed(14)
        block = BasicBlock(inputs, outputs, stride)
        init_weights(block)
        block.eval()
        with torch.no_grad():
            initial = block(x)
            nn.init.normal_(block.bn2.weight, std=0.5, generator=torch.Generator().manual_seed(15))
            trained = block(x)
        out[name] = {
            "shape": list(initial.shape),
            "projection": not isinstance(block.shortcut, nn.Identity),
            "parameters": _parameters(block),
            "initial": _stats(initial),
            "with_bn2": _stats(trained),
        }
    return out


@probe("models/resnet/basic_block_mask")
def basic_block_mask() -> dict[str, Any]:
    """A masked BasicBlock zeroes padded columns and, in eval mode, ignores what they held."""
    torch.manual_seed(16)
    block = BasicBlock(4, 4, 1)
    nn.init.normal_(block.bn2.weight, std=0.5)
    block.eval()
    x = torch.rand(1, 4, 5, 8, generator=torch.Generator().manual_seed(17))
    mask = column_mask(torch.tensor([5]), 8, torch.float32)
    changed = x.clone()
    changed[..., 5:] = 3.0
    clean = x.clone()
    clean[..., 5:] = 0.0
    with torch.no_grad():
        masked = block(clean, mask)
        unmasked = block(clean)
        dirty = block(changed * mask, mask)
    block.train()
    with torch.no_grad():
        train = block(clean, mask)
    return {
        "padded_columns_zero": float(masked[..., 5:].abs().max()) == 0.0,
        "masked_valid": _stats(masked[..., :5]),
        "unmasked_padded": _stats(unmasked[..., 5:]),
        "mask_vs_none_valid_diff": float((masked[..., :5] - unmasked[..., :5]).abs().max()),
        "masked_garbage_diff": float((masked - dirty).abs().max()),
        "train_valid": _stats(train[..., :5]),
        "train_padded_max": float(train[..., 5:].abs().max()),
    }


@probe("models/resnet/encoder")
def resnet_encoder() -> dict[str, Any]:
    """ResNetEncoder configs: output shapes for odd sizes, strides, seeded eval/train outputs."""
    configs = {
        "paragraph_tiny": preset("paragraph_transformer", "tiny").encoder,
        "two_stages": ResNetConfig(stem_channels=4, widths=(4, 8), blocks=(1, 2)),
        "one_stage": ResNetConfig(stem_channels=4, widths=(6,), blocks=(2,)),
        "rgb": ResNetConfig(in_channels=3, stem_channels=4, widths=(4, 8), blocks=(1, 1)),
    }
    out: dict[str, Any] = {}
    for name, config in configs.items():
        torch.manual_seed(18)
        encoder = ResNetEncoder(config).eval()
        generator = torch.Generator().manual_seed(19)
        x = torch.rand(2, config.in_channels, 64, 64, generator=generator)
        odd = torch.rand(1, config.in_channels, 45, 70, generator=generator)
        with torch.no_grad():
            features = encoder(x)
            odd_features = encoder(odd)
            encoder.train()
            trained = encoder(x)
        out[name] = {
            "output_stride": config.output_stride,
            "out_channels": config.out_channels,
            "stages": [len(stage) for stage in encoder.stages],
            "parameters": _parameters(encoder),
            "shape": list(features.shape),
            "odd_shape": list(odd_features.shape),
            "eval": _stats(features),
            "train": _stats(trained),
        }
    out["lists_become_tuples"] = ResNetConfig(widths=[4, 8], blocks=[1, 1]) == ResNetConfig(
        widths=(4, 8), blocks=(1, 1)
    )
    return out


@probe("models/resnet/init_weights")
@torch.no_grad()
def init_weights_probe() -> dict[str, Any]:
    """init_weights: He-normal convolutions (fan out), unit/zero BatchNorms, zero bn2 per block."""
    torch.manual_seed(20)
    model = LineCTC(preset("line_ctc", "tiny"))
    convs = [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Conv2d)]
    norms = [(n, m) for n, m in model.named_modules() if isinstance(m, nn.BatchNorm2d)]
    expected = [
        (2.0 / (m.out_channels * m.kernel_size[0] * m.kernel_size[1])) ** 0.5 for _, m in convs
    ]
    zero_weight = [n for n, m in norms if float(m.weight.abs().sum()) == 0.0]
    torch.manual_seed(21)
    block = BasicBlock(3, 5, 2)
    before = float(block.bn2.weight.sum())
    init_weights(block)
    linear = model.head
    return {
        "convs": [n for n, _ in convs],
        "conv_std": [float(m.weight.std()) for _, m in convs],
        "conv_std_expected": expected,
        "conv_mean": [float(m.weight.mean()) for _, m in convs],
        "zero_bn_weights": zero_weight,
        "bn_weight_sums": [float(m.weight.sum()) for _, m in norms],
        "bn_bias_sums": [float(m.bias.sum()) for _, m in norms],
        "head": _stats(linear.weight),
        "head_bias": _stats(linear.bias),
        "block_bn2_before_after": [before, float(block.bn2.weight.sum())],
        "block_conv1": _stats(block.conv1.weight),
        "conv3x3_stride_padding": [*conv3x3(2, 3, (2, 1)).stride, *conv3x3(2, 3).padding],
        "conv3x3_no_bias": conv3x3(2, 3).bias is None,
    }


# -- positional encodings ---------------------------------------------------------------------


@probe("models/positional/sinusoid_table")
def sinusoid() -> dict[str, Any]:
    """sinusoid_table values at a few positions and frequencies; odd dimensions refused."""
    table = sinusoid_table(600, 32)
    positions = [0, 1, 2, 7, 100, 513, 599]
    columns = [0, 1, 2, 3, 14, 15, 30, 31]
    return {
        "shape": list(table.shape),
        "values": table[positions][:, columns],
        "row_norms": table[positions].norm(dim=1),
        "small": sinusoid_table(3, 4),
        "odd": _error(lambda: sinusoid_table(4, 5)),
    }


@probe("models/positional/encoding_1d")
def encoding_1d() -> dict[str, Any]:
    """PositionalEncoding1D adds rows offset.. of the table, in the input's dtype."""
    encoding = PositionalEncoding1D(8, max_length=20)
    zeros = torch.zeros(1, 3, 8)
    x = torch.full((2, 2, 8), 0.5, dtype=torch.float64)
    shifted = encoding(zeros, offset=5)
    return {
        "buffer_persistent": list(encoding.state_dict()),
        "offset_0": encoding(zeros)[0],
        "offset_5_matches_table": torch.equal(shifted[0], encoding.table[5:8]),
        "offset_17": encoding(zeros, offset=17)[0, :, :4],
        "past_end_rows": list(encoding(zeros, offset=19).shape),
        "dtype": str(encoding(x).dtype),
        "added": encoding(x)[1, 1],
    }


@probe("models/positional/encoding_2d")
def encoding_2d() -> dict[str, Any]:
    """PositionalEncoding2D: first half of the channels encodes rows, second half columns."""
    encoding = PositionalEncoding2D(8, max_size=16)
    grid = encoding(torch.zeros(1, 8, 3, 5))[0]
    return {
        "shape": list(grid.shape),
        "at_0_0": grid[:, 0, 0],
        "at_2_0": grid[:, 2, 0],
        "at_0_4": grid[:, 0, 4],
        "at_2_3": grid[:, 2, 3],
        "rows_constant_over_columns": bool((grid[:4] == grid[:4, :, :1]).all()),
        "columns_constant_over_rows": bool((grid[4:] == grid[4:, :1, :]).all()),
        "table_shape": list(encoding.table.shape),
        "bad_dim": _error(lambda: PositionalEncoding2D(6)),
    }


# -- the paragraph model ----------------------------------------------------------------------


@probe("models/paragraph/encode")
def paragraph_encode() -> dict[str, Any]:
    """Tiny paragraph model on real 512x512 pages, fresh and livened: memory shape and statistics,
    where ink shows; size refusals."""
    torch.manual_seed(22)
    model = build_model("paragraph_transformer", "tiny").eval()
    page = torch.ones(1, 1, 512, 512)
    page[0, 0, 100:110, 50:400] = 0.0
    page[0, 0, 300:306, 80:200] = 0.2
    with torch.no_grad():
        fresh = model.encode(page)
        liven(model, 22)
        memory = model.encode(page)
        blank = model.encode(torch.ones(1, 1, 512, 512))
        cross = model.memory_keys_values(memory)
    return {
        "shape": list(memory.shape),
        "fresh": _stats(fresh),
        "memory": _stats(memory),
        "first_cell": memory[0, 0, :8],
        "ink_row_vs_blank": (memory - blank).abs().mean(-1).view(16, 16).mean(1),
        "cross_shapes": [list(key.shape) for key, _ in cross] + [list(v.shape) for _, v in cross],
        "position_table": list(model.position_2d.table.shape),
        "errors": [
            _error(lambda: model.encode(torch.ones(1, 1, 256, 512))),
            _error(lambda: model.encode(torch.ones(1, 512, 512))),
            _error(lambda: model.encode(torch.ones(1, 3, 512, 512))),
        ],
    }


@probe("models/paragraph/decode")
def paragraph_decode() -> dict[str, Any]:
    """Teacher-forced logits of the tiny paragraph model on 64x64 pages and short tokens."""
    model = _tiny_paragraph(23)
    pages = _page(24)
    tokens = torch.stack([_tokens("Hello"), _tokens("ab\ncd")])
    with torch.no_grad():
        memory = model.encode(pages)
        logits = model.decode(tokens, memory)
        forward = model(pages, tokens)
    return {
        "memory_shape": list(memory.shape),
        "memory": _stats(memory),
        "shape": list(logits.shape),
        "best": logits.argmax(-1),
        "log_prob_of_best": torch.log_softmax(logits, -1).max(-1).values,
        "position0_top5": logits[0, 0].topk(5).values,
        "logits": _stats(logits),
        "forward_equals_decode": torch.equal(forward, logits),
        "too_long": _error(
            lambda: model.decode(torch.full((1, model.config.max_length + 1), 4), memory)
        ),
        "at_max": list(_tiny_paragraph(23, max_length=6).decode(tokens[:, :6], memory).shape),
    }


@probe("models/paragraph/incremental_cache")
def paragraph_incremental() -> dict[str, Any]:
    """decode_step with a cache gives the teacher-forced logits, step by step; past grows by one."""
    model = _tiny_paragraph(25, layers=2)
    pages = _page(26)
    tokens = torch.stack([_tokens("cache!"), _tokens("Q: 1+2")])
    with torch.no_grad():
        memory = model.encode(pages)
        full = model.decode(tokens, memory)
        cross = model.memory_keys_values(memory)
        past = None
        steps, lengths = [], []
        for position in range(tokens.shape[1]):
            logits, past = model.decode_step(tokens[:, position], position, cross, past)
            steps.append(logits)
            lengths.append(past[0][0].shape[2])
        stepped = torch.stack(steps, dim=1)
        # a wrong position offset (the cache's own bug) must show: restart at position 1
        shifted, _ = model.decode_step(tokens[:, 0], 1, cross, None)
    return {
        "max_diff": float((stepped - full).abs().max()),
        "agree": bool(torch.allclose(stepped, full, atol=1e-4)),
        "past_lengths": lengths,
        "past_layers": len(past),
        "past_shape": list(past[0][0].shape),
        "step_best": stepped.argmax(-1),
        "step_last": stepped[:, -1, :6],
        "wrong_offset_diff": float((shifted - full[:, 0]).abs().max()),
    }


@probe("models/paragraph/masks")
def paragraph_masks() -> dict[str, Any]:
    """Causal self-attention: a token changes only its own and later logits; pages stay apart."""
    model = _tiny_paragraph(27)
    pages = _page(28)
    tokens = _tokens("masking").unsqueeze(0).repeat(2, 1)
    changed = tokens.clone()
    changed[:, 4] = int(VOCAB.encode("Z")[0])
    padded = torch.cat([tokens, torch.full((2, 3), VOCAB.pad_index)], dim=1)
    with torch.no_grad():
        memory = model.encode(pages)
        base = model.decode(tokens, memory)
        moved = (model.decode(changed, memory) - base).abs().amax(dim=(0, 2))
        with_pad = model.decode(padded, memory)
        single = model.decode(tokens[:1], model.encode(pages[:1]))
        swapped = model.decode(tokens, model.encode(pages.flip(0)))
    return {
        "change_at_4_moves": moved,
        "earlier_untouched": float(moved[:4].max()) == 0.0,
        "appended_pad_diff": float((with_pad[:, : tokens.shape[1]] - base).abs().max()),
        "pad_logits": _stats(with_pad[:, tokens.shape[1] :]),
        "batch_independent_diff": float((single[0] - base[0]).abs().max()),
        "pages_matter": float((swapped[0] - base[0]).abs().mean()),
        "pages_swap_diff": float((swapped[0] - base[1]).abs().max()),
    }


@probe("models/paragraph/attention")
def attention_modules() -> dict[str, Any]:
    """Attention/SelfAttention/DecoderLayer directly: sizes, causal vs full, train-mode dropout."""
    torch.manual_seed(29)
    cross = Attention(8, 2, 0.5)
    self_attention = SelfAttention(8, 2, 0.5)
    layer = DecoderLayer(8, 2, 16, 0.5)
    generator = torch.Generator().manual_seed(30)
    x = torch.randn(1, 4, 8, generator=generator)
    memory = torch.randn(1, 6, 8, generator=generator)
    for module in (cross, self_attention, layer):
        module.eval()
    with torch.no_grad():
        kv = cross.keys_values(memory)
        full = cross.attend(x, kv, False)
        causal = cross.attend(x, cross.keys_values(x), True)
        non_causal = cross.attend(x, cross.keys_values(x), False)
        first_only = cross.attend(x[:, :1], cross.keys_values(x[:, :1]), False)
        q, k, v = self_attention.project(x)
        layer_out, (key, value) = layer(x, layer.cross_attention.keys_values(memory))
        cross.train()
        torch.manual_seed(31)
        dropped = cross.attend(x, kv, False)
        layer.train()
        torch.manual_seed(31)
        layer_train, _ = layer(x, layer.cross_attention.keys_values(memory))
    return {
        "parameters": [_parameters(cross), _parameters(self_attention), _parameters(layer)],
        "self_attention_children": list(dict(self_attention.named_children())),
        "kv_shape": list(kv[0].shape),
        "qkv_shapes": [list(q.shape), list(k.shape), list(v.shape)],
        "full": _stats(full),
        "causal_first_equals_alone": float((causal[:, 0] - first_only[:, 0]).abs().max()),
        "causal_vs_full_last_diff": float((causal[:, -1] - non_causal[:, -1]).abs().max()),
        "causal_vs_full_first_diff": float((causal[:, 0] - non_causal[:, 0]).abs().max()),
        "layer_out": _stats(layer_out),
        "layer_past_shape": list(key.shape),
        "train_dropout": _stats(dropped),
        "train_vs_eval": float((dropped - full).abs().mean()),
        "layer_train": _stats(layer_train),
    }


@probe("models/paragraph/train_mode")
def paragraph_train_mode() -> dict[str, Any]:
    """Tiny paragraph model (dropout 0.1) in train mode under a seed; where dropout strikes."""
    model = _tiny_paragraph(32)
    pages = _page(33)
    tokens = torch.stack([_tokens("train"), _tokens("mode!")])
    with torch.no_grad():
        evaluated = model(pages, tokens)
        model.train()
        torch.manual_seed(34)
        census, trained = _dropout_census(model, lambda: model(pages, tokens))
        model.eval()
        again = model(pages, tokens)
    without = _tiny_paragraph(32, dropout=0.0).train()
    with torch.no_grad():
        no_dropout_a = without(pages, tokens)
        no_dropout_b = without(pages, tokens)
    return {
        "dropout": model.config.dropout,
        "census": census,
        "train": _stats(trained),
        "train_best": trained.argmax(-1),
        "train_vs_eval": float((trained - evaluated).abs().mean()),
        "eval_after_train_diff": float((again - evaluated).abs().mean()),
        "no_dropout_repeats": torch.equal(no_dropout_a, no_dropout_b),
        "bn_batches": model.encoder.stem[1].num_batches_tracked,
    }


@probe("models/paragraph/variants")
def paragraph_variants() -> dict[str, Any]:
    """Config options that change the paragraph model: layers, heads, width, ffn, page size."""
    variants: dict[str, dict[str, Any]] = {
        "tiny": {},
        "two_layers": {"layers": 2},
        "d_model_48_heads_3_ffn_16": {"d_model": 48, "heads": 3, "ffn": 16},
        "page_96x64": {"image_height": 96, "image_width": 64},
        "max_length_12": {"max_length": 12},
    }
    tokens = _tokens("abc").unsqueeze(0)
    out: dict[str, Any] = {}
    for name, overrides in variants.items():
        model = _tiny_paragraph(35, **overrides)
        config = model.config
        pages = torch.ones(1, 1, config.image_height, config.image_width)
        pages[..., 10:14, 5:40] = 0.0
        with torch.no_grad():
            logits = model(pages, tokens)
        out[name] = {
            "parameters": _parameters(model),
            "layers": len(model.layers),
            "memory_cells": model.encode(pages).shape[1],
            "tables": [model.position_1d.table.shape[0], model.position_2d.table.shape[0]],
            "logits": _stats(logits),
            "best": logits.argmax(-1),
        }
    return out


@probe("models/paragraph/init")
@torch.no_grad()
def paragraph_init() -> dict[str, Any]:
    """Paragraph model initial weights: embedding std d_model**-0.5, encoder He init, zero bn2."""
    torch.manual_seed(36)
    model = ParagraphTransformer(preset("paragraph_transformer", "tiny"))
    blocks = [m for m in model.encoder.modules() if isinstance(m, BasicBlock)]
    return {
        "embedding": _stats(model.embedding.weight),
        "embedding_std_expected": model.config.d_model**-0.5,
        "head": _stats(model.head.weight),
        "to_memory": _stats(model.to_memory.weight),
        "bn2_zero": [bool((b.bn2.weight == 0).all()) for b in blocks],
        "stem_conv_std": float(model.encoder.stem[0].weight.std()),
        "norm_weight_sum": float(model.norm.weight.sum()),
        "qkv_bias": _stats(model.layers[0].self_attention.query_key_value.bias),
    }
