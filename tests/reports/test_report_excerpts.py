"""A report is a file outside the warehouse: by default it quotes no message.

Complaints in the report's week name a pupil (a sentinel name), often enough that the
name would top its cluster's c-TF-IDF phrases. The default report (HTML, and the text
WeasyPrint lays out in the PDF) carries neither the name nor any complaint's words;
themes, counts and trends are still there. `notifications.report_excerpts: true` brings
back two redacted complaints per theme, and a bad value for it is refused clearly.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine

from reports.conftest import seeded_warehouse
from reports.factories import FACTORY_SECRET, MODEL_NEW, REPORT_NOW, WarehouseFactory
from trustwatch.db.engine import session_scope
from trustwatch.errors import UserError
from trustwatch.registry import Registry, load_registry
from trustwatch.reports import ReportFiles, build_report
from trustwatch.settings import EXAMPLE_CONFIG

PUPIL = "Zephyrine Quillfeather"
COMPLAINTS = [
    f"{PUPIL} was left off the trip list again and nobody at the school told us why",
    f"The office lost the consent form for {PUPIL} twice, the trip paperwork is a mess",
    f"Why was {PUPIL} kept back from the trip? The school trip letters never arrive",
    f"Third time {PUPIL} has missed out, the trip organisation at this school is poor",
    f"Nobody replied about the trip money for {PUPIL}, the trip office ignores parents",
    f"Trip deposit paid for {PUPIL} and still no place, the trip booking is chaotic",
]
WORDS = ("left off the trip list", "consent form", "trip deposit paid")


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, registry: Registry) -> Engine:
    engine = seeded_warehouse(tmp_path_factory.mktemp("excerpts") / "w.sqlite", registry)
    week = REPORT_NOW - dt.timedelta(days=5)
    with session_scope(engine) as session:
        factory = WarehouseFactory(session, FACTORY_SECRET)
        for n, text in enumerate(COMPLAINTS):
            item = factory.item(
                school_key=registry.schools[0].key,
                platform="facebook",
                text=text,
                created_at=week + dt.timedelta(hours=n),
                author_number=200 + n,
            )
            scores = {"complaint": 0.93, "bullying": 0.1, "safeguarding": 0.05}
            factory.scores(item, scores, version=MODEL_NEW, at=item.created_at)
    return engine


def laid_out_text(files: ReportFiles) -> str:
    """The text WeasyPrint lays out on the PDF's pages (the PDF itself holds glyph ids)."""
    from weasyprint import HTML

    document = HTML(filename=str(files.html)).render()
    texts = []
    for page in document.pages:
        for box in page._page_box.descendants():
            text = getattr(box, "text", None)
            if isinstance(text, str):
                texts.append(text)
    return " ".join(texts)


def report(engine: Engine, registry: Registry, out: Path) -> tuple[str, str]:
    files = build_report(engine, registry, period="week", now=REPORT_NOW, out_dir=out)
    assert files.pdf.stat().st_size > 0
    return files.html.read_text(encoding="utf-8"), laid_out_text(files)


def test_the_default_report_quotes_no_message_and_names_no_pupil(
    engine: Engine, registry: Registry, tmp_path: Path
) -> None:
    assert registry.notifications.report_excerpts is False
    html, pdf_text = report(engine, registry, tmp_path)
    assert "3. Complaint themes" in pdf_text and "data-theme-count" in html
    for shown in (html, pdf_text):
        for sentinel in (PUPIL, "Zephyrine", "Quillfeather", "zephyrine", "quillfeather"):
            assert sentinel not in shown
        for words in WORDS:
            assert words not in shown
        assert "<blockquote" not in shown and "author-" not in shown
    assert "quotes no complaint" in pdf_text


def test_report_excerpts_true_quotes_two_redacted_complaints_per_theme(
    engine: Engine, registry: Registry, tmp_path: Path
) -> None:
    notifications = registry.notifications.model_copy(update={"report_excerpts": True})
    html, _ = report(engine, registry.model_copy(update={"notifications": notifications}), tmp_path)
    themes = html.count("data-theme-count")
    assert themes >= 1
    assert html.count("<blockquote>") <= 2 * themes
    assert html.count("<blockquote>") >= themes
    assert "author-" in html
    assert "parent_handle_" not in html and "@someparent" not in html


def test_a_bad_report_excerpts_value_is_refused_with_the_setting_named(tmp_path: Path) -> None:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8").replace(
        "report_excerpts: false", "report_excerpts: sometimes"
    )
    assert "report_excerpts: sometimes" in text
    bad = tmp_path / "trust.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as caught:
        load_registry(bad)
    message = str(caught.value)
    assert "report_excerpts" in message and "notifications" in message


def test_the_example_registry_says_report_excerpts_is_off() -> None:
    assert load_registry(EXAMPLE_CONFIG).notifications.report_excerpts is False
