"""What needs a response and what answers it, per platform, through the real loader and job."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from tests.sla.conftest import RunSla
from tests.sla.factories import ThreadFactory, at, load
from trustwatch.domain import ItemKind
from trustwatch.registry import Platform, Registry

WED = "2026-11-25"
NOW = at("2026-12-04T12:00")


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 3600


# --- X: replies through the conversation --------------------------------------------------


def test_x_mention_answered_in_the_conversation(x: ThreadFactory, sla_run: RunSla) -> None:
    mention = x.make(
        created_at=at(f"{WED}T10:00"), kind=ItemKind.MENTION, text="@OakfieldPrimary hi"
    )
    reply = x.make(
        created_at=at(f"{WED}T14:00"),
        from_school=True,
        kind=ItemKind.REPLY,
        parent=mention.external_id,
        root=mention.external_id,
    )
    ids = load(x.engine, [mention, reply])
    _, rows = sla_run(NOW)
    assert set(rows) == {mention.external_id}
    row = rows[mention.external_id]
    assert row.status == "met"
    assert row.response_item_id == ids[reply.external_id]
    assert _hours(row.response_seconds) == 4.0
    assert row.due_at == at(f"{WED}T10:00") + dt.timedelta(hours=24)


def test_x_school_tweet_replies_are_answered_one_by_one(x: ThreadFactory, sla_run: RunSla) -> None:
    tweet = x.make(created_at=at(f"{WED}T08:00"), from_school=True, kind=ItemKind.POST)
    root = tweet.external_id
    alice = x.make(created_at=at(f"{WED}T09:00"), author="alice", parent=root, root=root)
    bob = x.make(created_at=at(f"{WED}T09:30"), author="bob", parent=root, root=root)
    to_alice = x.make(
        created_at=at(f"{WED}T11:00"), from_school=True, parent=alice.external_id, root=root
    )
    load(x.engine, [tweet, alice, bob, to_alice])
    _, rows = sla_run(NOW)
    assert rows[alice.external_id].status == "met"
    assert rows[bob.external_id].status == "open_breached"
    assert rows[bob.external_id].responded_at is None
    assert tweet.external_id not in rows and to_alice.external_id not in rows


def test_x_conversation_root_not_loaded_uses_the_whole_thread(
    x: ThreadFactory, sla_run: RunSla
) -> None:
    """Without the root we cannot tell whose thread it is, so any later school reply counts."""
    reply = x.make(created_at=at(f"{WED}T09:00"), parent="unknown-1", root="unknown-1")
    school = x.make(
        created_at=at(f"{WED}T20:00"), from_school=True, parent="unknown-1", root="unknown-1"
    )
    load(x.engine, [reply, school])
    _, rows = sla_run(NOW)
    assert rows[reply.external_id].status == "met"
    assert _hours(rows[reply.external_id].response_seconds) == 11.0


def test_x_another_schools_reply_does_not_count(
    x: ThreadFactory, registry: Registry, sla_run: RunSla
) -> None:
    other = ThreadFactory(x.engine, registry, "millbrook", Platform.X)
    mention = x.make(created_at=at(f"{WED}T10:00"), kind=ItemKind.MENTION)
    # Millbrook's account replies in Oakfield's conversation; the connector did not flag it.
    millbrook_reply = other.make(
        created_at=at(f"{WED}T11:00"),
        from_school=True,
        parent=mention.external_id,
        root=mention.external_id,
    ).model_copy(update={"is_from_school": False, "account_platform_id": x.account.account_id})
    load(x.engine, [mention, millbrook_reply])
    _, rows = sla_run(NOW)
    assert millbrook_reply.external_id not in rows, "a school account's post never needs a reply"
    assert rows[mention.external_id].status == "open_breached"


def test_x_public_keyword_mention_has_no_clock(x: ThreadFactory, sla_run: RunSla) -> None:
    public = x.make(created_at=at(f"{WED}T10:00"), kind=ItemKind.MENTION, on_account=False)
    load(x.engine, [public])
    summary, rows = sla_run(NOW)
    assert rows == {} and summary.clocks == 0


# --- Facebook: comments and comment replies ---------------------------------------------


def test_facebook_comment_answered_by_a_comment_reply(
    facebook: ThreadFactory, sla_run: RunSla
) -> None:
    post = facebook.make(created_at=at(f"{WED}T08:00"), from_school=True, kind=ItemKind.POST)
    root = post.external_id
    first = facebook.make(created_at=at(f"{WED}T09:00"), parent=root, root=root)
    other = facebook.make(created_at=at(f"{WED}T09:05"), author="parent-2", parent=root, root=root)
    # parent-3 joins parent-1's comment thread; the school's reply there answers both.
    nested = facebook.make(
        created_at=at(f"{WED}T09:10"), author="parent-3", parent=first.external_id, root=root
    )
    answer = facebook.make(
        created_at=at(f"{WED}T10:00"), from_school=True, parent=first.external_id, root=root
    )
    ids = load(facebook.engine, [post, first, other, nested, answer])
    _, rows = sla_run(NOW)
    for ext in (first.external_id, nested.external_id):
        assert rows[ext].status == "met"
        assert rows[ext].response_item_id == ids[answer.external_id]
    assert rows[other.external_id].status == "open_breached"


def test_facebook_visitor_post_answered_by_a_school_comment(
    facebook: ThreadFactory, sla_run: RunSla
) -> None:
    visit = facebook.make(created_at=at("2026-11-28T10:00"), kind=ItemKind.VISITOR_POST)
    comment = facebook.make(
        created_at=at("2026-12-01T09:00"),
        from_school=True,
        parent=visit.external_id,
        root=visit.external_id,
    )
    load(facebook.engine, [visit, comment])
    _, rows = sla_run(NOW)
    row = rows[visit.external_id]
    assert row.due_at == at("2026-12-01T00:00"), "Saturday: due at the end of Monday"
    assert row.status == "breached", "answered on Tuesday morning: late"


def test_facebook_run_by_one_author_shares_one_clock(
    facebook: ThreadFactory, sla_run: RunSla
) -> None:
    post = facebook.make(created_at=at(f"{WED}T08:00"), from_school=True, kind=ItemKind.POST)
    root = post.external_id
    one = facebook.make(created_at=at(f"{WED}T09:00"), parent=root, root=root)
    two = facebook.make(created_at=at(f"{WED}T12:00"), parent=root, root=root)
    three = facebook.make(created_at=at(f"{WED}T15:00"), parent=one.external_id, root=root)
    answer = facebook.make(
        created_at=at(f"{WED}T16:00"), from_school=True, parent=two.external_id, root=root
    )
    again = facebook.make(created_at=at(f"{WED}T17:00"), parent=root, root=root)
    ids = load(facebook.engine, [post, one, two, three, answer, again])
    summary, rows = sla_run(NOW)
    run = [rows[e.external_id] for e in (one, two, three)]
    assert {r.clock_item_id for r in run} == {ids[one.external_id]}
    assert {r.received_at for r in run} == {at(f"{WED}T09:00")}
    assert {r.responded_at for r in run} == {at(f"{WED}T16:00")}
    assert {r.status for r in run} == {"met"}
    assert _hours(run[0].response_seconds) == 7.0
    later = rows[again.external_id]
    assert later.clock_item_id == ids[again.external_id], "after the answer, a new clock"
    assert later.status == "open_breached"
    assert summary.clocks == 2 and summary.items == 4


def test_facebook_deleted_comment_and_school_posts_have_no_clock(
    facebook: ThreadFactory, sla_run: RunSla
) -> None:
    post = facebook.make(created_at=at(f"{WED}T08:00"), from_school=True, kind=ItemKind.POST)
    gone = facebook.make(
        created_at=at(f"{WED}T09:00"), parent=post.external_id, root=post.external_id, deleted=True
    )
    load(facebook.engine, [post, gone])
    _, rows = sla_run(NOW)
    assert rows == {}


def test_spam_is_link_cross_posting_into_three_threads(
    facebook: ThreadFactory, sla_run: RunSla
) -> None:
    promo = "Win a FREE iPad!!! https://example.invalid/prize"
    complaint = "Nobody has answered my email about the trip. Please reply."
    items = []
    for n in range(3):
        post = facebook.make(created_at=at(f"{WED}T0{n}:00"), from_school=True, kind=ItemKind.POST)
        items.append(post)
        for author, text in (("bot", promo), ("parent-9", complaint)):
            items.append(
                facebook.make(
                    created_at=at(f"{WED}T0{n}:30"),
                    author=author,
                    text=text,
                    parent=post.external_id,
                    root=post.external_id,
                )
            )
    link_twice = [
        facebook.make(created_at=at(f"{WED}T12:00"), author="mum", text="see www.example.invalid"),
        facebook.make(created_at=at(f"{WED}T13:00"), author="mum", text="see www.example.invalid"),
    ]
    load(facebook.engine, items + link_twice)
    _, rows = sla_run(NOW)
    by_text = {}
    for item in items + link_twice:
        by_text.setdefault(item.text, []).append(item.external_id in rows)
    assert by_text[promo] == [False, False, False], "a link pasted into 3 threads is spam"
    assert by_text[complaint] == [True, True, True], "a repeated complaint is never spam"
    assert by_text["see www.example.invalid"] == [True, True], "two threads are not enough"


# --- Reddit: comment trees -------------------------------------------------------------


def test_reddit_comment_tree_branches(reddit: ThreadFactory, sla_run: RunSla) -> None:
    submission = reddit.make(created_at=at(f"{WED}T08:00"), from_school=True, kind=ItemKind.POST)
    root = submission.external_id
    a = reddit.make(created_at=at(f"{WED}T09:00"), author="u1", parent=root, root=root)
    a_reply = reddit.make(
        created_at=at(f"{WED}T09:30"), author="u3", parent=a.external_id, root=root
    )
    b = reddit.make(created_at=at(f"{WED}T09:45"), author="u2", parent=root, root=root)
    deep_answer = reddit.make(
        created_at=at(f"{WED}T13:00"), from_school=True, parent=a_reply.external_id, root=root
    )
    b_late = reddit.make(
        created_at=at("2026-11-27T09:46"), from_school=True, parent=b.external_id, root=root
    )
    ids = load(reddit.engine, [submission, a, a_reply, b, deep_answer, b_late])
    _, rows = sla_run(NOW)
    assert rows[a.external_id].status == "met"
    assert rows[a_reply.external_id].status == "met"
    assert rows[a.external_id].response_item_id == ids[deep_answer.external_id]
    assert rows[b.external_id].status == "breached"
    assert rows[b.external_id].response_item_id == ids[b_late.external_id]
    assert rows[a.external_id].account_id == rows[b.external_id].account_id


def test_reply_at_the_same_instant_does_not_answer(x: ThreadFactory, sla_run: RunSla) -> None:
    mention = x.make(created_at=at(f"{WED}T10:00"), kind=ItemKind.MENTION)
    same = x.make(
        created_at=at(f"{WED}T10:00"),
        from_school=True,
        parent=mention.external_id,
        root=mention.external_id,
    )
    load(x.engine, [mention, same])
    _, rows = sla_run(NOW)
    assert rows[mention.external_id].responded_at is None


def test_closure_day_receipt_uses_the_schools_calendar(
    facebook: ThreadFactory, sqlite_engine: Engine, sla_run: RunSla
) -> None:
    """Oakfield's INSET day (Monday 23 November 2026) is not a working day for Oakfield."""
    visit = facebook.make(created_at=at("2026-11-23T09:00"), kind=ItemKind.VISITOR_POST)
    load(sqlite_engine, [visit])
    _, rows = sla_run(NOW)
    assert rows[visit.external_id].due_at == at("2026-11-25T00:00")
