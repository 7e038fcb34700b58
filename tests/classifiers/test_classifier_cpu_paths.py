"""Training's CPU code paths are pinned before torch loads, so rebuilds match across CPUs."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from classifiers.training.cpu_paths import AVX2_PINS, pin_training_code_paths

ROOT = Path(__file__).resolve().parents[2]


def test_pins_are_set_on_x86_before_torch_loads() -> None:
    environ: dict[str, str] = {"ATEN_CPU_CAPABILITY": "avx512"}
    assert pin_training_code_paths(environ, machine="x86_64", loaded={}) == dict(AVX2_PINS)
    assert environ == dict(AVX2_PINS)


def test_other_architectures_are_left_alone() -> None:
    environ: dict[str, str] = {}
    assert pin_training_code_paths(environ, machine="aarch64", loaded={}) == {}
    assert environ == {}


def test_pinning_after_torch_loaded_is_refused_not_ignored() -> None:
    environ: dict[str, str] = {}
    with pytest.raises(RuntimeError, match="before torch is imported"):
        pin_training_code_paths(environ, machine="x86_64", loaded={"torch": object()})
    assert environ == {}


@pytest.mark.skipif(
    platform.machine().lower() not in {"x86_64", "amd64"}, reason="the pins are for x86-64"
)
def test_the_train_command_runs_on_the_pinned_paths(datasets_dir: Path, tmp_path: Path) -> None:
    """A fresh `trustwatch model train` process records AVX2 as torch's CPU capability."""
    env = {key: value for key, value in os.environ.items() if key not in AVX2_PINS}
    out = tmp_path / "tiny"
    command = [str(Path(sys.executable).parent / "trustwatch"), "model", "train", "--data"]
    command += [str(datasets_dir), "--sample", "16", "--steps", "3", "--out", str(out)]
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=600)
    record = json.loads((out / "config.json").read_text(encoding="utf-8"))["training"]
    assert record["cpu_code_paths"] == {**AVX2_PINS, "aten_cpu_capability": "AVX2"}
