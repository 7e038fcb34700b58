"""Weight-space averaging ("model soup") of models trained alike but for their seed.

One training seed moves a single label's validation macro-F1 by about 0.02 and the
safeguarding threshold between 0.06 and 0.32, more than the differences runs are chosen on.
Averaging the fine-tuned weights of several seeds (Wortsman et al., 2022) keeps one network,
so inference costs what a single model costs, unlike averaging their predictions.

The LoRA deltas are averaged exactly: stacking the members' A factors and placing their B
factors side by side (divided by the member count) gives an adapter of rank n*r whose product
B @ A is the mean of the members' products; alpha grows by n so peft's scale alpha/r is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file

from classifiers.artefact import (
    ADAPTER_WEIGHTS,
    HEADS_FILE,
    artefact_version,
    read_config,
    save_artefact,
)
from classifiers.model import LoraSettings, TaskHeads, attach_lora, scaled_lora_delta


def _stacked(
    states: Sequence[dict[str, torch.Tensor]],
    side_by_side: Callable[[list[torch.Tensor]], torch.Tensor],
) -> dict[str, torch.Tensor]:
    """A factors stacked, B factors placed side by side by `side_by_side` (which scales them)."""
    if not states:
        raise ValueError("a soup needs at least one member")
    keys = set(states[0])
    for state in states[1:]:
        if set(state) != keys:
            raise ValueError("soup members adapt different modules")
    stacked: dict[str, torch.Tensor] = {}
    for key in sorted(keys):
        parts = [state[key] for state in states]
        if ".lora_A." in key:
            stacked[key] = torch.cat(parts, dim=0).contiguous()
        elif ".lora_B." in key:
            stacked[key] = side_by_side(parts).contiguous()
        else:
            raise ValueError(f"unexpected adapter tensor {key}: only LoRA A and B are souped")
    return stacked


def stack_adapters(states: Sequence[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """One LoRA state whose B @ A per module is the mean of the members' B @ A."""
    return _stacked(states, lambda parts: torch.cat(parts, dim=1) / len(states))


def average_heads(states: Sequence[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """The element-wise mean of the members' head weights and biases."""
    if not states:
        raise ValueError("a soup needs at least one member")
    return {
        key: torch.stack([state[key] for state in states]).mean(dim=0).contiguous()
        for key in sorted(states[0])
    }


def soup_lora_settings(member: LoraSettings, members: int) -> LoraSettings:
    """The adapter shape that holds `members` stacked adapters at the same scale."""
    return replace(member, rank=member.rank * members, alpha=member.alpha * members)


def blend_adapters(
    states: Sequence[dict[str, torch.Tensor]], weights: Sequence[float]
) -> dict[str, torch.Tensor]:
    """One LoRA state whose B @ A per module is the weighted sum of the members' B @ A."""
    if len(states) != len(weights):
        raise ValueError("a blend needs one weight per member")
    return _stacked(
        states,
        lambda parts: torch.cat([p * w for p, w in zip(parts, weights, strict=True)], dim=1),
    )


def blend_heads(
    states: Sequence[dict[str, torch.Tensor]], weights: Sequence[float]
) -> dict[str, torch.Tensor]:
    """The weighted sum of the members' head weights and biases (weights summing to 1)."""
    return {
        key: sum(w * state[key] for state, w in zip(states, weights, strict=True)).contiguous()
        for key in sorted(states[0])
    }


def build_soup(
    base_encoder: torch.nn.Module,
    lora: LoraSettings,
    adapters: Sequence[dict[str, torch.Tensor]],
    heads: Sequence[dict[str, torch.Tensor]],
    tasks: Sequence[str],
    weights: Sequence[float] | None = None,
) -> tuple[torch.nn.Module, TaskHeads]:
    """A peft encoder carrying the averaged (or, given `weights`, blended) adapter and heads."""
    from peft import set_peft_model_state_dict

    encoder = attach_lora(base_encoder, soup_lora_settings(lora, len(adapters)))
    adapter = stack_adapters(adapters) if weights is None else blend_adapters(adapters, weights)
    result = set_peft_model_state_dict(encoder, adapter)
    if getattr(result, "unexpected_keys", None):
        raise ValueError(f"adapter tensors not in the soup model: {result.unexpected_keys}")
    soup_heads = TaskHeads(tuple(tasks), int(base_encoder.config.hidden_size))
    mixed = average_heads(heads) if weights is None else blend_heads(heads, weights)
    soup_heads.load_state_dict(mixed)
    encoder.eval()
    soup_heads.eval()
    return encoder, soup_heads


def read_member(artefact_dir: Path) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """A saved artefact's adapter tensors and head tensors."""
    artefact_dir = Path(artefact_dir)
    return (
        load_file(str(artefact_dir / ADAPTER_WEIGHTS)),
        load_file(str(artefact_dir / HEADS_FILE)),
    )


# Run settings that may differ between members: the seed, and time budgets, which change
# nothing a finished run computes (a run the budget cut short is refused separately).
FREE_RUN_KEYS = ("seed", "max_minutes", "cpu_budget_minutes", "reserve_minutes")


def _member_recipe(config: dict[str, Any]) -> dict[str, Any]:
    """What must match between members: the training config without its free run keys."""
    recipe = {key: value for key, value in config["train_config"].items() if key != "run"}
    run = config["train_config"]["run"]
    recipe["run"] = {key: value for key, value in run.items() if key not in FREE_RUN_KEYS}
    return recipe


def check_members(configs: Sequence[dict[str, Any]]) -> None:
    """Only models trained alike but for their seed make a soup; say which member differs."""
    if len(configs) < 2:
        raise ValueError("a soup needs at least two member artefacts")
    for number, config in enumerate(configs, start=1):
        if config.get("training", {}).get("stopped_early"):
            raise ValueError(
                f"member {number} stopped early (the wall-clock budget); it is not the "
                "configured model. Retrain it with a larger --max-minutes"
            )
    first = _member_recipe(configs[0])
    for number, config in enumerate(configs[1:], start=2):
        recipe = _member_recipe(config)
        if recipe != first:
            keys = first.keys() | recipe.keys()
            differing = sorted(key for key in keys if first.get(key) != recipe.get(key))
            raise ValueError(
                f"member {number} was trained differently from member 1 (train_config "
                f"{', '.join(differing)}); train every member with the same options and only "
                "another --seed"
            )
    seeds = [config["train_config"]["run"]["seed"] for config in configs]
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"members share a seed ({seeds}); a soup averages different seeds")


SUMMED_TIMES = ("wall_seconds", "cpu_seconds", "train_seconds", "cache_seconds")


def _soup_training(members: list[dict[str, Any]]) -> dict[str, Any]:
    """The run record of a soup: its members' records, their step counts and summed times."""
    record: dict[str, Any] = {
        key: members[0].get(key) for key in ("steps", "planned_steps", "epochs_run")
    }
    record["stopped_early"] = False  # check_members refuses members that stopped early
    for key in SUMMED_TIMES:
        record[key] = round(sum(float(m.get(key) or 0.0) for m in members), 1)
    record["members"] = members
    return record


def soup_artefacts(member_dirs: Sequence[Path], out_dir: Path, data_dir: Path) -> str:
    """Average saved member artefacts into a new artefact, thresholds recalibrated; its version.

    The members' validation data is rebuilt from `data_dir` with their data settings, so the
    soup's thresholds are chosen the way training chooses them (validation only).
    """
    from classifiers.encoder import load_base_encoder, load_tokenizer
    from classifiers.model import MultiTaskModel
    from classifiers.training.train import DataSettings, build_table, calibrate

    configs = [read_config(Path(member)) for member in member_dirs]
    check_members(configs)
    first = configs[0]
    train_config = first["train_config"]
    lora = LoraSettings.from_record(train_config["lora"])
    adapters, heads = zip(*(read_member(Path(member)) for member in member_dirs), strict=True)
    encoder, soup_heads = build_soup(load_base_encoder(), lora, adapters, heads, first["tasks"])
    settings = DataSettings.from_record(train_config["data"])
    table = build_table(Path(data_dir), settings, int(train_config["run"]["seed"]))
    network = MultiTaskModel(encoder, soup_heads).eval()
    with scaled_lora_delta(encoder, lora.delta_scale):
        thresholds = calibrate(
            network, load_tokenizer(), table, int(first["max_length"]), settings.min_recall
        )
    config = {
        **first,
        "thresholds": thresholds,
        "soup": {
            "members": [artefact_version(Path(member)) for member in member_dirs],
            "seeds": [c["train_config"]["run"]["seed"] for c in configs],
        },
        "training": _soup_training([c.get("training", {}) for c in configs]),
    }
    return save_artefact(Path(out_dir), encoder, soup_heads, config)
