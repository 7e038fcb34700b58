"""`trustwatch ingest` runs the same pre-load data checks as the DAG: a post dated 2099
is quarantined with the check's reason, its page loads, and `trustwatch checks` shows it."""

from __future__ import annotations

from pathlib import Path

import pytest
import responses
from sqlalchemy import select

from tests.faults.streams import SPECS, Server, fb_post, graph_page
from trustwatch.cli import main
from trustwatch.db.engine import make_engine, session_scope
from trustwatch.db.models import Item, Quarantine
from trustwatch.settings import get_settings


def test_cli_ingest_quarantines_a_post_dated_2099(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    monkeypatch.setenv("TRUSTWATCH_WAREHOUSE_URL", url)
    # An email channel, so `trustwatch checks` judges the data (it exits 1 without one).
    monkeypatch.setenv("TRUSTWATCH_SMTP_HOST", "127.0.0.1")
    get_settings.cache_clear()
    future = fb_post(3)
    future["created_time"] = "2099-01-01T09:00:00+0000"
    server = Server()
    server.set(SPECS["facebook.posts"].url, graph_page([fb_post(1), future, fb_post(2)]))
    server.set(SPECS["facebook.visitor_posts"].url, graph_page([]))
    server.set(SPECS["facebook.ratings"].url, graph_page([]))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        server.register(mock)
        args = ["ingest", "--source", "live", "--platform", "facebook", "--account", "oakfield"]
        code = main(args)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "2 new" in out and "1 quarantined" in out
    engine = make_engine(url)
    with session_scope(engine) as session:
        ids = set(session.scalars(select(Item.external_id)))
        [(check, reason)] = session.execute(select(Quarantine.check_name, Quarantine.reason))
    engine.dispose()
    assert ids == {fb_post(1)["id"], fb_post(2)["id"]}
    assert check == "items_batch:created_at_not_future"
    assert "the timestamp is wrong" in reason
    assert main(["checks"]) == 0
    shown = capsys.readouterr().out
    assert "quarantine: 1 record(s)" in shown and "created_at_not_future" in shown
    assert "items_batch" in shown and "FAIL" in shown  # the suite outcome was stored too
