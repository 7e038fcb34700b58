"""Numeric precision for inference: the exact path and the fast one.

float32 is the reference: it is what evaluation measures, and a text's scores do not depend
on which other texts share its batch (within 1e-5). On CPUs with native bfloat16 instructions
(AVX512-BF16 or AMX) the products that follow attention in every encoder layer (attention
output and the two feed-forward projections) can run in bfloat16, about 1.6 times as fast,
with scores within 0.01 of float32 (`BF16_TOLERANCE` holds the tests to 0.015; where the CPU
is native, evaluation records the largest difference on every test set).
Without native support bfloat16 is emulated and slower, so "auto" only chooses it where it
is native.
torch.compile was measured too and left out: it made this path slower and cost 40 seconds
of compilation in every new process.
"""

from __future__ import annotations

import logging
import os
import platform
from pathlib import Path

import torch
from torch import nn

from trustwatch.errors import UserError

PRECISION_ENV = "TRUSTWATCH_CLASSIFIER_PRECISION"
PRECISIONS = ("fp32", "bf16", "auto")
DEFAULT_PRECISION = "fp32"
# The largest score difference from float32 the bf16 path is held to (tests and docs).
BF16_TOLERANCE = 0.015
_NATIVE_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
CPUINFO = Path("/proc/cpuinfo")

log = logging.getLogger(__name__)


def native_bf16(cpuinfo: Path = CPUINFO) -> bool:
    """True when the CPU multiplies bfloat16 in hardware (x86 AVX512-BF16/AMX, Arm BF16)."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in {"flags", "Features"}:
            flags = set(value.split())
            machine = platform.machine().lower()
            return bool(flags & _NATIVE_BF16_FLAGS) or (
                machine in {"aarch64", "arm64"} and "bf16" in flags
            )
    return False


def resolve_precision(requested: str | None = None, cpuinfo: Path = CPUINFO) -> str:
    """The precision to run: the argument, else the environment, else float32.

    "auto" becomes bf16 on CPUs with native support and fp32 elsewhere. An explicit bf16 on
    a CPU without it is honoured but warned about: emulated, it was 5 times slower than
    float32 on one such machine (17 against 83 msg/s) and moved a score by 0.0107.
    """
    source = "precision="
    if requested is None:
        requested = os.environ.get(PRECISION_ENV) or DEFAULT_PRECISION
        source = f"{PRECISION_ENV}="
    value = requested.strip().lower()
    if value not in PRECISIONS:
        raise UserError(
            f"{source}{requested!r} is not a classifier precision. "
            f"Use one of {', '.join(PRECISIONS)} (fp32 is exact; bf16 is faster on CPUs "
            "with native bfloat16, within about 0.01 of fp32)."
        )
    if value == "auto":
        return "bf16" if native_bf16(cpuinfo) else "fp32"
    if value == "bf16" and not native_bf16(cpuinfo):
        log.warning(
            "%sbf16 on a CPU without native bfloat16 (AVX512-BF16, AMX or Arm BF16): it is "
            "emulated, several times slower than fp32 and may differ from it by more than "
            "0.01. Use fp32, or auto to choose bf16 only where it is native.",
            source,
        )
    return value


class Bf16Linear(nn.Module):
    """A linear layer whose matrix product runs in bfloat16; input and output stay float32.

    The weight is cast once at load time and the bias is added in float32. Keeping the GELU
    between the two feed-forward products in bfloat16 as well was 10-15% faster but moved
    one test item's score by 0.014 (against 0.008 without it), so it was not kept.
    """

    def __init__(self, linear: nn.Linear):
        super().__init__()
        self.weight = nn.Parameter(linear.weight.detach().to(torch.bfloat16), requires_grad=False)
        bias = linear.bias.detach().clone() if linear.bias is not None else None
        self.bias = nn.Parameter(bias, requires_grad=False) if bias is not None else None

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        out = nn.functional.linear(hidden.to(torch.bfloat16), self.weight).float()
        return out + self.bias if self.bias is not None else out


def is_bf16_product(name: str) -> bool:
    """An encoder layer's attention output or feed-forward projection (not query/key/value)."""
    return ".layer." in name and name.endswith(".dense")


def bf16_products(network: nn.Module) -> nn.Module:
    """Run the products after attention in bfloat16 (in place); query, key and value stay float32.

    Those three products hold three quarters of an encoder layer's multiply-adds. Query and
    key stay float32 because their rounding reaches the softmax, which magnifies it; value
    stays float32 because rounding it too moved a test item by 0.0145. Residual sums, layer
    norms, GELU, pooling and the label heads stay float32 as well. Measured
    on an AVX512-BF16 CPU (2 threads) for model a0aa2713 over its 3,750 validation and 6,295
    test items, largest score difference from float32 (validation / test) and speed on 3,000
    tweets: feed-forward only 0.0112 / 0.0086, 289 msg/s; this path 0.0087 / 0.0088, 290-305
    msg/s (301 and 331 in benchmarks/classify.py); adding value 0.0088 / 0.0145; all six products
    0.0089 / 0.0117, 369-423 msg/s; full autocast faster again but it rounds the attention
    scores too. Only this path stayed within 0.01 on both.
    """
    targets = [
        (name, module)
        for name, module in network.named_modules()
        if isinstance(module, nn.Linear) and is_bf16_product(name)
    ]
    for name, module in targets:
        parent_name, _, child = name.rpartition(".")
        setattr(network.get_submodule(parent_name), child, Bf16Linear(module))
    return network


def prepare_network(network: nn.Module, precision: str) -> nn.Module:
    """The loaded float32 network, adapted in place for the chosen precision."""
    if precision == "bf16":
        network = bf16_products(network).eval()
    return network
