"""Untrusted item text renders inert; headers forbid remote resources and framing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from trustwatch.db.engine import session_scope
from trustwatch.web.templating import linkify, safe_url

from .conftest import sign_in
from .factories import Post, add_alert, add_clock, add_thread

PAYLOADS = [
    "<script>alert('xss')</script>",
    '<img src="https://evil.example/pixel.gif" onerror="alert(1)">',
    '"><svg onload=alert(2)>',
    '<a href="javascript:alert(3)">click</a>',
    "<iframe src=//evil.example></iframe>",
    "{{ 7*7 }} {% raw %}",
    'see https://evil.example/x"onmouseover="alert(4) now',
]


def _hostile_alert(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as session:
        items = add_thread(
            session,
            school_key="oakfield",
            start=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2),
            posts=[
                Post("root post", author_id="s", from_school=True),
                Post(
                    "\n".join(PAYLOADS),
                    author_id="h-1",
                    handle="<b onmouseover=alert(5)>handle</b>",
                    profile_url="javascript:alert(6)",
                    minutes=1,
                ),
            ],
        )
        add_clock(session, items[1])
        alert = add_alert(session, items[1], severity="critical", alert_type="safeguarding")
        return alert.alert_id, items[1].item_id


def _assert_inert(html: str) -> None:
    lowered = html.lower()
    assert "<script>alert" not in lowered
    assert "<img" not in lowered
    assert "<svg" not in lowered
    assert "<iframe" not in lowered
    assert "onerror=" not in lowered.replace("onerror=&#34;", "").replace("onerror=&quot;", "")
    assert 'href="javascript:' not in lowered
    assert "<b onmouseover" not in lowered
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html  # template syntax in text is shown, never evaluated
    # The bare URL became a link that stops at the quote, with the ugc rel.
    assert '<a href="https://evil.example/x" rel="noopener nofollow ugc" target="_blank">' in html


def test_payloads_in_item_text_render_inert_on_the_alert(client, sqlite_engine, people):
    alert_id, _ = _hostile_alert(sqlite_engine)
    sign_in(client, sqlite_engine, people["lead"])
    html = client.get(f"/alerts/{alert_id}").text
    _assert_inert(html)
    assert "&lt;b onmouseover=alert(5)&gt;handle&lt;/b&gt;" in html
    assert "open profile" in html  # shown as text: the javascript: URL is not a link


def test_payloads_in_item_text_render_inert_on_the_item_page(client, sqlite_engine, people):
    _, item_id = _hostile_alert(sqlite_engine)
    sign_in(client, sqlite_engine, people["lead"])
    _assert_inert(client.get(f"/mentions/{item_id}").text)


def test_linkify_and_safe_url():
    assert str(linkify("a <b> & c")) == "a &lt;b&gt; &amp; c"
    assert str(linkify("go to https://example.org/a?b=1&c=2.")) == (
        'go to <a href="https://example.org/a?b=1&amp;c=2" rel="noopener nofollow ugc" '
        'target="_blank">https://example.org/a?b=1&amp;c=2</a>.'
    )
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("data:text/html,hi") is None
    assert safe_url("//evil.example") is None
    assert safe_url("https://x.example/p") == "https://x.example/p"


def test_security_headers_on_every_response(client, sqlite_engine, people):
    for path in ("/login", "/static/app.css"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "img-src 'self'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
    sign_in(client, sqlite_engine, people["data"])
    page = client.get("/dashboards")
    assert page.headers["cache-control"] == "no-store"


def test_pages_load_nothing_from_elsewhere(client, sqlite_engine, casework, people):
    sign_in(client, sqlite_engine, people["lead"])
    for path in ("/alerts", f"/alerts/{casework.oak_alert_id}", "/dashboards", "/mentions"):
        html = client.get(path).text
        for tag in ("<script", "<link", "<img"):
            for chunk in html.split(tag)[1:]:
                attrs = chunk.split(">", 1)[0]
                assert "http" not in attrs, f"{path}: remote resource in {tag}{attrs}>"
