"""Both notebooks run top to bottom with nbclient against a warehouse this test builds.

The kernel is the `python3` kernel of the interpreter running the tests (jupyter_client
swaps the kernelspec's `python` for `sys.executable`), so in CI, where only `.venv`
exists, the notebooks import the same trustwatch as the tests. The warehouse reaches the
kernel through TRUSTWATCH_WAREHOUSE_URL, as it would for a person.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from reports.factories import FACTORY_SECRET, SEED_END, SEED_START, seed_activity
from sqlalchemy import Engine

from trustwatch.db.engine import make_engine, session_scope
from trustwatch.db.migrate import upgrade
from trustwatch.registry import Registry
from trustwatch.warehouse.registry_sync import sync_registry

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = ["trend_analysis.ipynb", "classifier_review.ipynb"]


def _warehouse(path: Path, registry: Registry, *, scored: bool) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with session_scope(engine) as session:
        sync_registry(session, registry)
        seed_activity(
            session, registry, secret=FACTORY_SECRET, start=SEED_START, end=SEED_END, scored=scored
        )
    return engine


@pytest.fixture(scope="module")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory, registry: Registry) -> Engine:
    """Items, scores from two model versions, SLA clocks and reviewed alerts."""
    return _warehouse(tmp_path_factory.mktemp("nb") / "warehouse.sqlite", registry, scored=True)


@pytest.fixture(scope="module")
def unscored_warehouse(tmp_path_factory: pytest.TempPathFactory, registry: Registry) -> Engine:
    """Ingested and SLA-checked, but the classifier has not run: no scores, no alerts."""
    return _warehouse(tmp_path_factory.mktemp("nb0") / "warehouse.sqlite", registry, scored=False)


def _run(name: str, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", engine.url.render_as_string(hide_password=False))
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=300,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    return outputs


def _stream_text(outputs: list[dict]) -> str:
    return "\n".join(o.get("text", "") for o in outputs if o.output_type == "stream")


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom(
    name: str, demo_warehouse: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = _run(name, demo_warehouse, monkeypatch)
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    tables = [o for o in outputs if "text/html" in o.get("data", {})]
    assert len(images) >= 3 and len(tables) >= 3
    text = _stream_text(outputs)
    assert "warehouse: sqlite:///" in text and "Riverbend Learning Trust" in text
    assert "no item" not in text  # every section had data


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_before_the_classifier_has(
    name: str, unscored_warehouse: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = _run(name, unscored_warehouse, monkeypatch)
    assert "trustwatch classify" in _stream_text(outputs)


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebooks_carry_no_outputs(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{name}: strip outputs"
    assert notebook.metadata["kernelspec"]["name"] == "python3"
