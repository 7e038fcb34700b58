"""JSON nested past the decoder's reach is cut before decoding, and only that part.

The poison suite (`tests/faults/test_poison_records.py`, shape `nested_past_decoder`)
checks the whole path on every stream; these pin the cut itself and that each platform's
live client carries the hook.
"""

from __future__ import annotations

import json

import requests
import responses
from pydantic import SecretStr

from connectors.credentials import FacebookCredentials, RedditCredentials, XCredentials
from connectors.deep_json import CUT_DEPTH, CUT_KEY, cut_deep_json, cut_response, is_cut
from connectors.facebook import FacebookApi
from connectors.record_checks import record_problem
from connectors.reddit import RedditApi
from connectors.x import XApi


def deep_text(depth: int, bottom: str = '"x"') -> str:
    return "[" * depth + bottom + "]" * depth


def depth_of(value: object) -> int:
    levels = 0
    while isinstance(value, list):
        value, levels = value[0], levels + 1
    return levels


def test_a_body_within_the_limit_is_left_as_it_is() -> None:
    body = json.dumps({"data": [{"id": str(i), "e": [[{"a": [1]}]]} for i in range(500)]})
    assert cut_deep_json(body.encode()) is None
    assert cut_deep_json(deep_text(CUT_DEPTH).encode()) is None


def test_only_the_too_deep_value_is_cut_and_the_rest_decodes() -> None:
    body = (
        '{"data": [{"id": "1", "text": "brackets [[{{ and a \\" quote"}, '
        f'{{"id": "2", "deep": {deep_text(5_000)}}}, {{"id": "3"}}]}}'
    ).encode()
    page = json.loads(cut_deep_json(body))
    first, second, third = page["data"]
    assert first == {"id": "1", "text": 'brackets [[{{ and a " quote'}
    assert third == {"id": "3"}
    # data (2) + the record (3): its field's lists start at level 4, cut below level 128
    assert depth_of(second["deep"]) == CUT_DEPTH - 3
    bottom = second["deep"]
    while isinstance(bottom, list):
        bottom = bottom[0]
    assert is_cut(bottom)


def test_brackets_inside_strings_do_not_count() -> None:
    text = json.dumps({"t": "[" * (CUT_DEPTH * 3), "u": "{" * (CUT_DEPTH * 3)})
    assert cut_deep_json(text.encode()) is None


def test_several_deep_values_are_each_cut() -> None:
    body = f'[{deep_text(300)}, 1, {{"k": {deep_text(900)}}}]'.encode()
    decoded = json.loads(cut_deep_json(body))
    assert decoded[1] == 1
    assert depth_of(decoded[0]) == CUT_DEPTH - 1
    assert depth_of(decoded[2]["k"]) == CUT_DEPTH - 2


def test_a_truncated_body_is_left_for_the_decoder_to_reject() -> None:
    assert cut_deep_json(("[" * 2_000).encode()) is None


def test_the_record_holding_a_cut_is_quarantined_with_the_nesting_reason() -> None:
    problem = record_problem({"id": "7", "entities": {CUT_KEY: "x"}})
    assert problem is not None
    assert f"nesting deeper than {CUT_DEPTH} levels" in problem
    assert "entities" in problem


@responses.activate
def test_the_hook_rewrites_the_body_before_json_is_read() -> None:
    body = '{"data": [' + deep_text(3_000) + "]}"
    responses.add(
        responses.GET, "https://api.example/page", body=body, content_type="application/json"
    )
    session = requests.Session()
    session.hooks["response"].append(cut_response)
    decoded = session.get("https://api.example/page").json()  # no RecursionError
    # the object (1) and `data` (2) stay, then lists down to level 128, then the marker
    assert depth_of(decoded["data"]) == CUT_DEPTH - 1


def test_every_platform_client_decodes_through_the_hook() -> None:
    x = XApi(XCredentials(bearer_token=SecretStr("x" * 20)))
    assert cut_response in x.client.session.hooks["response"]
    facebook = FacebookApi(FacebookCredentials(page_token=SecretStr("x" * 20)))
    assert cut_response in facebook.graph.session.hooks["response"]
    reddit = RedditApi(
        RedditCredentials(
            client_id="id", client_secret=SecretStr("s" * 12), user_agent="trustwatch test"
        )
    )
    requestor = reddit.reddit._core._authorizer._authenticator._requestor
    assert cut_response in requestor._http.hooks["response"]
