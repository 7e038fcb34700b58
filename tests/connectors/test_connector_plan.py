"""Planning partitions from the registry, and plugging in a platform."""

from __future__ import annotations

import connectors
from connectors.base import Connector, Page, Stream
from trustwatch.ingest import plan_partitions
from trustwatch.registry import Platform


def test_partitions_of_the_example_registry(registry) -> None:
    labels = [p.label for p in plan_partitions(registry)]
    assert len(labels) == len(set(labels))
    for school in ("oakfield", "millbrook", "harbourside"):
        for stream in ("mentions", "tweets", "search"):
            assert f"x:{school}:{stream}" in labels
        for stream in ("posts", "visitor_posts", "ratings", "comments"):
            assert f"facebook:{school}:{stream}" in labels
    assert {"reddit:Riverbend", "reddit:UKParenting", "reddit:Riverbend:comments"} <= set(labels)
    assert {
        f"reddit:millbrook:{s}" for s in ("mentions", "comment_replies", "own_comments")
    } <= set(labels)
    assert "reddit:oakfield:mentions" not in labels, "oakfield has no Reddit account"
    children = [i for i, label in enumerate(labels) if label.endswith(":comments")]
    assert min(children) > max(
        i for i, label in enumerate(labels) if not label.endswith(":comments")
    )


def test_filters(registry) -> None:
    assert {p.partition.platform for p in plan_partitions(registry, platform="x")} == {Platform.X}
    oakfield = [p.label for p in plan_partitions(registry, account="oakfield")]
    assert "x:oakfield:search" in oakfield and "reddit:Riverbend" in oakfield
    assert not any("millbrook" in label for label in oakfield)
    assert [p.label for p in plan_partitions(registry, account="UKParenting")] == [
        "reddit:UKParenting",
        "reddit:UKParenting:comments",
    ]


def test_a_new_platform_is_one_connector(registry, monkeypatch) -> None:
    class Pinboard(Stream):
        name = "pinboard.notes"
        platform = Platform.INSTAGRAM  # any enum value will do for the test

        def fetch_page(self, token, *, bookmark, limit) -> Page:
            return Page([])

        def parse_record(self, raw):
            return None

    class PinboardConnector(Connector):
        platform = Platform.INSTAGRAM

        def partitions(self, reg):
            return [self.plan(Pinboard, f"pinboard:{s.key}", school_key=s.key) for s in reg.schools]

        def live_api(self, partition, reg, credentials):
            return object()

    original = connectors.registered
    monkeypatch.setattr(connectors, "registered", lambda: [*original(), PinboardConnector()])
    labels = [p.label for p in plan_partitions(registry, platform="instagram")]
    assert labels == ["pinboard:oakfield", "pinboard:millbrook", "pinboard:harbourside"]
