"""Hypothesis strategies: arbitrary JSON, and real platform records with parts broken.

Real records come first: a parser meets slightly wrong data (a field missing, null, of
another type, nested one level off) far more often than random noise, and random noise
alone almost never gets past the first key lookup.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from hypothesis import strategies as st

from tests.faults.platforms import OAKFIELD_FB, OAKFIELD_X

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["", "0", "-1", "2026-11-27T10:00:00.000Z", "1e400", "t3_", "[deleted]"])
)
JSON = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)

CREATED = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)


def x_record() -> dict[str, Any]:
    return {
        "data": {
            "id": "2117995280593846281",
            "text": "@OakfieldPrimary when does term start?",
            "created_at": "2026-11-27T10:00:00.000Z",
            "author_id": "801",
            "conversation_id": "2117995280593846281",
            "in_reply_to_user_id": OAKFIELD_X,
            "referenced_tweets": [{"type": "replied_to", "id": "2117995280593846000"}],
            "lang": "en",
            "entities": {"mentions": [{"username": "OakfieldPrimary", "id": OAKFIELD_X}]},
            "note_tweet": {"text": "@OakfieldPrimary when does term start? (long)"},
        },
        "includes": {"users": [{"id": "801", "username": "parent_1", "name": "Parent One"}]},
    }


def reddit_record(kind: str = "t3") -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "fk0001",
        "name": f"{kind}_fk0001",
        "author": "parent_1",
        "created_utc": CREATED.timestamp(),
        "subreddit": "Riverbend",
        "permalink": "/r/Riverbend/comments/fk0001/oakfield_primary/",
        "link_id": "t3_fk0001",
    }
    if kind == "t3":
        data.update(title="Oakfield Primary parking", selftext="Anyone else?")
    else:
        data.update(body="Oakfield Primary again, u/MillbrookHighOfficial", parent_id="t3_fk1")
        data["context"] = "/r/Riverbend/comments/fk0001/oakfield_primary/c1/?context=3"
    return {"kind": kind, "data": data}


def facebook_record() -> dict[str, Any]:
    return {
        "id": f"{OAKFIELD_FB}_9001",
        "message": "Thank you Oakfield!",
        "created_time": "2026-11-27T10:00:00+0000",
        "from": {"id": "555", "name": "A Parent"},
        "parent": {"id": f"{OAKFIELD_FB}_9000"},
        "permalink_url": f"https://www.facebook.com/{OAKFIELD_FB}_9001",
    }


def facebook_rating() -> dict[str, Any]:
    return {
        "created_time": "2026-11-27T10:00:00+0000",
        "recommendation_type": "negative",
        "review_text": "Not impressed",
        "rating": 2,
        "reviewer": {"id": "556", "name": "Another Parent"},
        "open_graph_story": {"id": "777000"},
    }


NASTY = st.sampled_from(
    [None, "", "abc", "12abc", "-5", 0, -1, 2**64, 1e300, True, [], {}, "2026-13-45T99:00:00Z"]
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path into the record (dict keys and list indexes), shallow first."""
    out: list[tuple[Any, ...]] = []
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, child in items:
        out.append((*prefix, key))
        if isinstance(child, dict | list):
            out.extend(_paths(child, (*prefix, key)))
    return out


@st.composite
def broken(draw: st.DrawFn, template: dict[str, Any]) -> Any:
    """The template with one to three fields (picked uniformly) replaced or removed."""
    record: Any = copy.deepcopy(template)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(record) if isinstance(record, dict | list) else []
        if not paths:
            return draw(JSON)
        path = draw(st.sampled_from(paths))
        holder = record
        for key in path[:-1]:
            holder = holder[key]
        action = draw(st.sampled_from(["nasty", "json", "delete"]))
        if action == "delete" and isinstance(holder, dict):
            del holder[path[-1]]
        else:
            holder[path[-1]] = draw(NASTY if action == "nasty" else JSON)
    return record


def records(template: dict[str, Any]) -> st.SearchStrategy[list[Any]]:
    """A page: valid, broken and arbitrary records mixed, in any order."""
    one = st.one_of(
        st.just(template).map(copy.deepcopy),
        broken(template),
        broken(template),
        JSON,
    )
    return st.lists(one, min_size=1, max_size=6)
