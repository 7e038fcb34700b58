"""Reading and writing the committed model artefact, and its content-hash version.

Layout of `classifiers/artefacts/<name>/`:
  adapter/adapter_model.safetensors + adapter/adapter_config.json  (peft LoRA adapter)
  heads.safetensors   per-task linear heads
  config.json         labels, tasks, max length, base model, thresholds, training summary
  metrics.json, MODEL_CARD.md   written by evaluation; not part of the version hash
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from classifiers.encoder import load_base_encoder

# Re-exported: callers have always found the layout here.
from classifiers.layout import ARTEFACTS_DIR as ARTEFACTS_DIR
from classifiers.layout import CONFIG_FILE, read_config
from classifiers.layout import DEFAULT_ARTEFACT as DEFAULT_ARTEFACT
from classifiers.model import LoraSettings, MultiTaskModel, TaskHeads, scale_lora_delta

HEADS_FILE = "heads.safetensors"
ADAPTER_DIR = "adapter"
ADAPTER_WEIGHTS = f"{ADAPTER_DIR}/adapter_model.safetensors"
# Files whose bytes define the model; anything else (metrics, card) may change freely.
VERSIONED_FILES = (
    ADAPTER_WEIGHTS,
    f"{ADAPTER_DIR}/adapter_config.json",
    HEADS_FILE,
    CONFIG_FILE,
)


def write_config(artefact_dir: Path, config: dict[str, Any]) -> None:
    """Write config.json deterministically so equal configs hash equally."""
    text = json.dumps(config, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    (Path(artefact_dir) / CONFIG_FILE).write_text(text, encoding="utf-8")


# Run records (timings, step counts) describe how an artefact was made, not what it computes;
# leaving them out of the hash lets a reproduced run get the same version.
UNVERSIONED_CONFIG_KEYS = ("training",)


ADAPTER_CONFIG = f"{ADAPTER_DIR}/adapter_config.json"


def _canonical_adapter_config(text: str) -> str:
    """peft stores target_modules from a set, so its order varies run to run; sort it."""
    config = json.loads(text)
    if isinstance(config.get("target_modules"), list):
        config["target_modules"] = sorted(config["target_modules"])
    return json.dumps(config, indent=2, sort_keys=True) + "\n"


def _versioned_bytes(artefact_dir: Path, name: str) -> bytes:
    """A file's bytes for hashing, JSON canonicalised; config.json without its run record."""
    raw = (Path(artefact_dir) / name).read_bytes()
    if name == ADAPTER_CONFIG:
        return _canonical_adapter_config(raw.decode("utf-8")).encode("utf-8")
    if name != CONFIG_FILE:
        return raw
    config = json.loads(raw)
    for key in UNVERSIONED_CONFIG_KEYS:
        config.pop(key, None)
    return json.dumps(config, sort_keys=True, ensure_ascii=False).encode("utf-8")


def artefact_version(artefact_dir: Path) -> str:
    """Content hash of weights and config: any change to what the model computes changes it."""
    digest = hashlib.sha256()
    for name in VERSIONED_FILES:
        digest.update(name.encode())
        digest.update(_versioned_bytes(artefact_dir, name))
    return digest.hexdigest()[:16]


def save_artefact(
    artefact_dir: Path, peft_encoder: torch.nn.Module, heads: TaskHeads, config: dict[str, Any]
) -> str:
    """Write adapter, heads and config; return the new version."""
    artefact_dir = Path(artefact_dir)
    artefact_dir.mkdir(parents=True, exist_ok=True)
    peft_encoder.save_pretrained(str(artefact_dir / ADAPTER_DIR))
    # Drop the peft README: it is boilerplate and not part of the model.
    (artefact_dir / ADAPTER_DIR / "README.md").unlink(missing_ok=True)
    adapter_config = artefact_dir / ADAPTER_CONFIG
    adapter_config.write_text(
        _canonical_adapter_config(adapter_config.read_text(encoding="utf-8")), encoding="utf-8"
    )
    state = {k: v.detach().contiguous().clone() for k, v in heads.state_dict().items()}
    save_file(state, str(artefact_dir / HEADS_FILE))
    write_config(artefact_dir, config)
    return artefact_version(artefact_dir)


def delta_scale(config: dict[str, Any]) -> float:
    """The fraction of the fine-tuned delta an artefact merges (1.0 where none is recorded)."""
    lora = config.get("train_config", {}).get("lora")
    return LoraSettings.from_record(lora).delta_scale if lora else 1.0


def load_adapted(artefact_dir: Path, config: dict[str, Any]) -> MultiTaskModel:
    """The adapter on the base encoder, not merged, plus heads: the model training calibrates."""
    from peft import PeftModel

    encoder = PeftModel.from_pretrained(
        load_base_encoder(), str(Path(artefact_dir) / ADAPTER_DIR), local_files_only=True
    )
    heads = TaskHeads(config["tasks"], int(config["hidden_size"]))
    heads.load_state_dict(load_file(str(Path(artefact_dir) / HEADS_FILE)))
    return MultiTaskModel(encoder, heads).eval()


def load_network(artefact_dir: Path) -> tuple[MultiTaskModel, dict[str, Any]]:
    """Base encoder with the LoRA adapter merged in at its delta scale, plus heads."""
    config = read_config(Path(artefact_dir))
    adapted = load_adapted(Path(artefact_dir), config)
    scale_lora_delta(adapted.encoder, delta_scale(config))
    network = MultiTaskModel(adapted.encoder.merge_and_unload(), adapted.heads).eval()
    for parameter in network.parameters():
        parameter.requires_grad_(False)
    return network, config
