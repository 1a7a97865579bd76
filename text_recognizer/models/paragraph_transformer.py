"""Paragraph recognizer: ResNet encoder, 2-D positions, Transformer decoder with a KV cache.

Training runs the decoder over the whole (teacher-forced) target with a causal mask. Inference
decodes one token at a time; each layer keeps the keys/values of the tokens decoded so far (the
"past") and the keys/values of the image memory (computed once), so a step costs one token's
work instead of re-running the whole prefix as ``nn.TransformerDecoder`` would.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from text_recognizer.errors import ModelInputError
from text_recognizer.models.positional import PositionalEncoding1D, PositionalEncoding2D
from text_recognizer.models.resnet import ResNetConfig, ResNetEncoder
from text_recognizer.vocab import DEFAULT_VOCABULARY

#: Keys and values of one attention layer: each ``(B, heads, steps, head_dim)``.
KeyValue = tuple[torch.Tensor, torch.Tensor]


@dataclass(frozen=True)
class ParagraphTransformerConfig:
    """Shape of a :class:`ParagraphTransformer`.

    ``max_length`` counts decoder positions, ``<start>`` and ``<end>`` included.
    """

    vocab_size: int = len(DEFAULT_VOCABULARY)
    image_height: int = 512
    image_width: int = 512
    encoder: ResNetConfig = field(default_factory=ResNetConfig)
    d_model: int = 256
    heads: int = 4
    layers: int = 4
    ffn: int = 1024
    dropout: float = 0.1
    max_length: int = 514

    def __post_init__(self) -> None:
        if isinstance(self.encoder, dict):
            object.__setattr__(self, "encoder", ResNetConfig(**self.encoder))
        if self.d_model % self.heads:
            raise ModelInputError(f"d_model {self.d_model} is not divisible by {self.heads} heads")


class Attention(nn.Module):
    """Multi-head attention with separate query and key/value inputs (self or cross)."""

    def __init__(self, dim: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(dim, dim)
        self.key_value = nn.Linear(dim, 2 * dim)
        self.out = nn.Linear(dim, dim)
        self.dropout = dropout

    def split_heads(self, x: torch.Tensor) -> torch.Tensor:
        batch, steps, dim = x.shape
        return x.view(batch, steps, self.heads, dim // self.heads).transpose(1, 2)

    def keys_values(self, x: torch.Tensor) -> KeyValue:
        key, value = self.key_value(x).chunk(2, dim=-1)
        return self.split_heads(key), self.split_heads(value)

    def attend(self, x: torch.Tensor, key_value: KeyValue, causal: bool) -> torch.Tensor:
        return self.attend_query(self.split_heads(self.query(x)), key_value, causal)

    def attend_query(self, query: torch.Tensor, key_value: KeyValue, causal: bool) -> torch.Tensor:
        """Attention of split-head ``query`` over ``key_value``, merged and projected."""
        dropout = self.dropout if self.training else 0.0
        out = F.scaled_dot_product_attention(
            query, key_value[0], key_value[1], dropout_p=dropout, is_causal=causal
        )
        batch, _, steps, _ = out.shape
        return self.out(out.transpose(1, 2).reshape(batch, steps, -1))


class SelfAttention(Attention):
    """Attention of a sequence over itself, with one fused query/key/value projection.

    Fusing saves a matrix product per layer and step, which matters when decoding a token at
    a time is dominated by per-operation overhead.
    """

    def __init__(self, dim: int, heads: int, dropout: float) -> None:
        super().__init__(dim, heads, dropout)
        del self.query, self.key_value
        self.query_key_value = nn.Linear(dim, 3 * dim)

    def project(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        query, key, value = self.query_key_value(x).chunk(3, dim=-1)
        return self.split_heads(query), self.split_heads(key), self.split_heads(value)


class DecoderLayer(nn.Module):
    """Pre-norm Transformer decoder layer: causal self-attention, cross-attention, MLP."""

    def __init__(self, dim: int, heads: int, ffn: int, dropout: float) -> None:
        super().__init__()
        self.norm_self = nn.LayerNorm(dim)
        self.self_attention = SelfAttention(dim, heads, dropout)
        self.norm_cross = nn.LayerNorm(dim)
        self.cross_attention = Attention(dim, heads, dropout)
        self.norm_mlp = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(
            nn.Linear(dim, ffn), nn.GELU(), nn.Dropout(dropout), nn.Linear(ffn, dim)
        )
        self.dropout = nn.Dropout(dropout)

    def forward(
        self, x: torch.Tensor, memory: KeyValue, past: Optional[KeyValue] = None
    ) -> tuple[torch.Tensor, KeyValue]:
        """Process ``x`` (B, T, dim) given the ``past`` tokens' keys/values (None: no past).

        Returns the output and the keys/values of past + ``x`` for the next call. With a past,
        ``x`` must be the single next token (T = 1), which may attend to everything.
        """
        query, key, value = self.self_attention.project(self.norm_self(x))
        if past is not None:
            key = torch.cat([past[0], key], dim=2)
            value = torch.cat([past[1], value], dim=2)
        attended = self.self_attention.attend_query(query, (key, value), past is None)
        x = x + self.dropout(attended)
        x = x + self.dropout(self.cross_attention.attend(self.norm_cross(x), memory, False))
        x = x + self.dropout(self.mlp(self.norm_mlp(x)))
        return x, (key, value)


class ParagraphTransformer(nn.Module):
    """Image ``(B, 1, 512, 512)`` + tokens ``(B, L)`` -> next-token logits ``(B, L, C)``.

    ``forward`` is the teacher-forced pass used in training; inference uses ``encode``,
    ``memory_keys_values`` and ``decode_step`` (see :mod:`text_recognizer.decoding`).
    """

    def __init__(self, config: ParagraphTransformerConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or ParagraphTransformerConfig()
        self.encoder = ResNetEncoder(config.encoder)
        self.to_memory = nn.Conv2d(config.encoder.out_channels, config.d_model, 1)
        stride = config.encoder.output_stride
        self.position_2d = PositionalEncoding2D(
            config.d_model, max(config.image_height, config.image_width) // stride + 1
        )
        self.embedding = nn.Embedding(config.vocab_size, config.d_model)
        self.position_1d = PositionalEncoding1D(config.d_model, config.max_length)
        self.layers = nn.ModuleList(
            DecoderLayer(config.d_model, config.heads, config.ffn, config.dropout)
            for _ in range(config.layers)
        )
        self.norm = nn.LayerNorm(config.d_model)
        self.head = nn.Linear(config.d_model, config.vocab_size)
        self.dropout = nn.Dropout(config.dropout)
        nn.init.normal_(self.embedding.weight, std=config.d_model**-0.5)

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """Images -> memory ``(B, S, d_model)``: flattened feature map with 2-D positions."""
        expected = (1, self.config.image_height, self.config.image_width)
        if images.dim() != 4 or tuple(images.shape[1:]) != expected:
            raise ModelInputError(
                f"paragraph images must be (B, {expected[0]}, {expected[1]}, {expected[2]}), "
                f"got {tuple(images.shape)}"
            )
        features = self.position_2d(self.to_memory(self.encoder(images)))
        return self.dropout(features.flatten(2).transpose(1, 2))

    def memory_keys_values(self, memory: torch.Tensor) -> list[KeyValue]:
        """Each layer's cross-attention keys/values of ``memory``: computed once per image."""
        return [layer.cross_attention.keys_values(memory) for layer in self.layers]

    def embed(self, tokens: torch.Tensor, offset: int = 0) -> torch.Tensor:
        x = self.embedding(tokens) * math.sqrt(self.config.d_model)
        return self.dropout(self.position_1d(x, offset))

    def decode(self, tokens: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        """Teacher-forced logits ``(B, L, C)`` for ``tokens`` (B, L) starting with ``<start>``."""
        if tokens.shape[1] > self.config.max_length:
            raise ModelInputError(
                f"{tokens.shape[1]} tokens exceed the model's max_length {self.config.max_length}"
            )
        x = self.embed(tokens)
        for layer, cross in zip(self.layers, self.memory_keys_values(memory)):
            x, _ = layer(x, cross)
        return self.head(self.norm(x))

    def decode_step(
        self,
        tokens: torch.Tensor,
        position: int,
        memory: list[KeyValue],
        past: Optional[list[KeyValue]] = None,
    ) -> tuple[torch.Tensor, list[KeyValue]]:
        """Logits ``(B, C)`` for the token after ``tokens`` (B,) at ``position``, and new past.

        ``memory`` comes from :meth:`memory_keys_values`; ``past`` from the previous step
        (None at position 0).
        """
        x = self.embed(tokens.unsqueeze(1), position)
        new_past = []
        for index, layer in enumerate(self.layers):
            layer_past = None if past is None else past[index]
            x, key_value = layer(x, memory[index], layer_past)
            new_past.append(key_value)
        return self.head(self.norm(x[:, -1])), new_past

    def forward(self, images: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        return self.decode(tokens, self.encode(images))
