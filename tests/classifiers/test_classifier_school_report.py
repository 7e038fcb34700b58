"""`trustwatch model check-school`: the school check sets scored by the committed model.

Needs no public datasets, so a trust can run it anywhere; its figures must agree with what
`trustwatch model evaluate` wrote into the committed metrics.json, or the card and the command
would tell a safeguarding lead two different things about the same model.
"""

from __future__ import annotations

import contextlib
import io
import json
import re

import pytest

from classifiers.artefact import ARTEFACTS_DIR, DEFAULT_ARTEFACT
from classifiers.training.model_card import PROBES
from classifiers.training.school import CHECK_FILES, categorised
from classifiers.training.school_report import CATEGORY_TABLES
from trustwatch.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report() -> str:
    """The command's output, run once (scoring every check set takes a few seconds)."""
    out = io.StringIO()
    artefact = str(ARTEFACTS_DIR / DEFAULT_ARTEFACT)
    with contextlib.redirect_stdout(out):
        assert main(["model", "check-school", "--artefact", artefact]) == 0
    return out.getvalue()


def _f1(report: str, check_set: str, label: str) -> float:
    match = re.search(rf"^{re.escape(check_set)}\s+{label}\s.*F1=(\d\.\d{{3}})$", report, re.M)
    assert match, f"no {check_set} {label} line"
    return float(match.group(1))


def test_every_check_set_and_every_category_table_is_reported(report: str) -> None:
    for name in CHECK_FILES:
        assert re.search(rf"^{name}\s", report, re.M), name
    for name in CATEGORY_TABLES.values():
        assert re.search(rf"^{name} category\s+n\s+right", report, re.M), name
        for category in set(categorised(name)["category"]):
            assert re.search(rf"^{category}\s+\d+\s+\d+\s", report, re.M), (name, category)
    # The look-alikes are counted whole, in each probe's own table.
    for probe, emoji, coded in (("coded_probe", 30, 16), ("coded_probe_2", 22, 30)):
        table = report.split(f"{probe} category", 1)[1].split("\n\n", 1)[0]
        assert re.search(rf"^emoji_lookalike\s+{emoji}\s", table, re.M), probe
        assert re.search(rf"^coded_lookalike\s+{coded}\s", table, re.M), probe


def test_figures_agree_with_the_committed_metrics(report: str) -> None:
    metrics = json.loads((ARTEFACTS_DIR / DEFAULT_ARTEFACT / "metrics.json").read_text())
    for probe in PROBES:
        for label, figures in metrics[probe]["labels"].items():
            assert _f1(report, probe, label) == pytest.approx(figures["f1"], abs=5e-4)
    for label in ("abuse", "bullying", "hate", "complaint", "safeguarding"):
        expected = metrics["results"][f"world_{label}"]["f1"]
        assert _f1(report, "world_check", label) == pytest.approx(expected, abs=5e-4)
