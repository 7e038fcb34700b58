"""Pinning the CPU code paths that training and threshold calibration run on.

Float32 sums come out in the last bits differently when PyTorch's vectorised kernels, oneDNN
or MKL pick AVX-512 instead of AVX2, and after 1,200 optimiser steps those bits move a
threshold: on an AVX-512 machine the unpinned rebuild of the committed model moved the
safeguarding threshold from 0.146 to 0.119. With all three held to AVX2 the same machine
rebuilt the committed model byte for byte. The pins must be in the environment before torch
loads, which is why this module imports nothing heavy. Inference is not pinned: serving
takes the fastest path, and its scores differ across CPUs only in the last bits.
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Mapping, MutableMapping

# Every x86-64 CPU this project runs on has AVX2; these are the paths the committed model used.
AVX2_PINS: Mapping[str, str] = {
    "ATEN_CPU_CAPABILITY": "avx2",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "MKL_ENABLE_INSTRUCTIONS": "AVX2",
}
X86_64 = frozenset({"x86_64", "amd64"})


def pin_training_code_paths(
    environ: MutableMapping[str, str] = os.environ,
    machine: str | None = None,
    loaded: Mapping[str, object] = sys.modules,
) -> dict[str, str]:
    """Set the AVX2 pins (x86-64 only); return what was set.

    Refuses once torch is loaded, because torch, oneDNN and MKL have read the environment
    by then and a pin set later would silently do nothing.
    """
    if (machine or platform.machine()).lower() not in X86_64:
        return {}
    if "torch" in loaded:
        raise RuntimeError("pin the CPU code paths before torch is imported")
    environ.update(AVX2_PINS)
    return dict(AVX2_PINS)


def code_paths_in_use() -> dict[str, str]:
    """What this process runs on, for the artefact's run record."""
    import torch

    record = {key: os.environ[key] for key in AVX2_PINS if key in os.environ}
    record["aten_cpu_capability"] = str(torch.backends.cpu.get_cpu_capability())
    return record
