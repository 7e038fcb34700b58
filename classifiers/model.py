"""The multi-task network: shared (LoRA-adapted) encoder, mean pooling, one small head per task."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

LORA_TARGETS: tuple[str, ...] = ("query", "key", "value", "dense")


@dataclass(frozen=True)
class LoraSettings:
    """LoRA shape; kept small so the committed adapter stays a few megabytes."""

    rank: int = 16
    alpha: int = 32
    dropout: float = 0.1
    target_modules: tuple[str, ...] = LORA_TARGETS
    layers: tuple[int, ...] = (0, 1, 2, 3, 4, 5)
    # The fine-tuned delta is merged at this fraction: weights 10% of the way back toward the
    # pre-trained encoder (WiSE-FT, Wortsman et al. 2022, for robustness under distribution
    # shift). For a0aa2713's adapter 0.9 was the smallest of 0.5-0.9 whose pooled validation
    # stayed within 0.002 of 1.0 with no label 0.01 lower (0.8094 against 0.8089).
    delta_scale: float = 0.9

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> LoraSettings:
        """The settings an artefact's `train_config["lora"]` records (JSON made tuples lists).

        Artefacts from before `delta_scale` existed merged the whole delta.
        """
        return cls(
            **{
                "delta_scale": 1.0,
                **record,
                "target_modules": tuple(record["target_modules"]),
                "layers": tuple(record["layers"]),
            }
        )


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Average token states over real tokens, the pooling all-MiniLM-L6-v2 was trained with."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)


class TaskHeads(nn.Module):
    """Independent linear heads so each label keeps its own decision surface."""

    def __init__(self, tasks: tuple[str, ...] | list[str], hidden_size: int, dropout: float = 0.1):
        super().__init__()
        self.tasks = tuple(tasks)
        self.dropout = nn.Dropout(dropout)
        self.heads = nn.ModuleDict({task: nn.Linear(hidden_size, 1) for task in self.tasks})

    def forward(self, pooled: torch.Tensor) -> torch.Tensor:
        pooled = self.dropout(pooled)
        return torch.cat([self.heads[task](pooled) for task in self.tasks], dim=-1)


class MultiTaskModel(nn.Module):
    """Encoder + pooling + heads; returns one logit per task."""

    def __init__(self, encoder: nn.Module, heads: TaskHeads):
        super().__init__()
        self.encoder = encoder
        self.heads = heads

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return self.heads(mean_pool(hidden, attention_mask))


def attach_lora(encoder: nn.Module, settings: LoraSettings) -> nn.Module:
    """Wrap the base encoder with trainable LoRA adapters; base weights stay frozen."""
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(
        r=settings.rank,
        lora_alpha=settings.alpha,
        lora_dropout=settings.dropout,
        target_modules=list(settings.target_modules),
        layers_to_transform=list(settings.layers),
        bias="none",
    )
    return get_peft_model(encoder, config)


def lora_b_weights(encoder: nn.Module) -> dict[str, nn.Parameter]:
    """The adapter's B factors: scaling them scales each adapted layer's delta B @ A."""
    return {name: p for name, p in encoder.named_parameters() if ".lora_B." in name}


def scale_lora_delta(encoder: nn.Module, factor: float) -> None:
    """Scale every adapted weight's fine-tuned delta in place (before merging)."""
    with torch.no_grad():
        for weight in lora_b_weights(encoder).values():
            weight.mul_(factor)


@contextmanager
def scaled_lora_delta(encoder: nn.Module, factor: float) -> Iterator[nn.Module]:
    """The delta scaled inside the block, the trained factors restored exactly after it.

    Training calibrates thresholds on the model as it will be served but saves the adapter as
    trained, so the artefact keeps the fine-tuned end point and its scale separately.
    """
    originals = {name: w.detach().clone() for name, w in lora_b_weights(encoder).items()}
    scale_lora_delta(encoder, factor)
    try:
        yield encoder
    finally:
        with torch.no_grad():
            for name, weight in lora_b_weights(encoder).items():
                weight.copy_(originals[name])


def _layer_mask(bert: nn.Module, hidden: torch.Tensor, attention_mask: torch.Tensor):
    """The attention mask in whatever form this transformers version's layers expect."""
    from transformers.masking_utils import create_bidirectional_mask

    return create_bidirectional_mask(
        config=bert.config, inputs_embeds=hidden, attention_mask=attention_mask
    )


def bottom_states(
    bert: nn.Module, frozen_layers: int, input_ids: torch.Tensor, attention_mask: torch.Tensor
) -> torch.Tensor:
    """Hidden states after the embeddings and the first `frozen_layers` (untrained) layers.

    Those layers never change during training, so their output is computed once and cached;
    this halves the cost of each training pass on a CPU.
    """
    hidden = bert.embeddings(input_ids=input_ids)
    mask = _layer_mask(bert, hidden, attention_mask)
    for layer in bert.encoder.layer[:frozen_layers]:
        hidden = layer(hidden, mask)
    return hidden


class TopModel(nn.Module):
    """Trainable part: the upper (LoRA-adapted) layers, pooling and heads, fed cached states."""

    def __init__(self, bert: nn.Module, frozen_layers: int, heads: TaskHeads):
        super().__init__()
        self.bert = bert
        self.frozen_layers = frozen_layers
        self.heads = heads

    def forward(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.heads(self.pooled(hidden, attention_mask))

    def pooled(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """The vector the heads read: what retraining compares posts by (S11)."""
        mask = _layer_mask(self.bert, hidden, attention_mask)
        for layer in self.bert.encoder.layer[self.frozen_layers :]:
            hidden = layer(hidden, mask)
        return mean_pool(hidden, attention_mask)
