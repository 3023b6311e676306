"""Scopes the harness builds, and every override a user passes, are checked when the
communicator is made: a test can never hand the app a scope no server would build."""

from __future__ import annotations

from typing import Any

import pytest

from asgitest import (
    ApplicationCommunicator,
    HttpCommunicator,
    ProtocolError,
    ProtocolWarning,
    WebsocketCommunicator,
)
from asgitest._spec import make_checker
from asgitest._transcript import Transcript

from .drivers import LIFESPAN_SCOPE


async def app(scope: Any, receive: Any, send: Any) -> None:  # never started in these tests
    raise AssertionError("not reached")


def _http(**kwargs: Any) -> HttpCommunicator:
    strict = kwargs.pop("strict", "error")
    return HttpCommunicator(app, "GET", "/", strict=strict, **kwargs)


HTTP_CASES = [
    ("R28", "query_string", {"scope": {"query_string": "a=1"}}),
    ("R28", "query_string", {"scope": {"query_string": b"?a=1"}}),
    ("R24", "method", {"scope": {"method": "get"}}),
    ("R24", "method", {"scope": {"method": b"GET"}}),
    ("R27", "raw_path", {"scope": {"raw_path": b"/a?b=1"}}),
    ("R27", "raw_path", {"scope": {"raw_path": "/a"}}),
    ("R26", "path", {"scope": {"path": b"/a"}}),
    ("R29", "root_path", {"scope": {"root_path": b"/api"}}),
    # (A str in headers= is encoded like a client would; in a scope override it is kept as is.)
    ("R30", "headers[0]", {"scope": {"headers": [(b"host", "example.com")]}}),
    ("R30", "headers[0]", {"headers": [(b":authority", b"example.com")]}),
    ("R30", "headers", {"scope": {"headers": {b"host": b"example.com"}}}),
    ("R30", "headers[0]", {"headers": [(b"x-a", b"a\r\nb")]}),
    ("R32", "client", {"client": ("127.0.0.1", "50000")}),
    ("R33", "server", {"server": ("testserver", "80")}),
    ("R23", "http_version", {"http_version": "1.2"}),
    ("R22", "asgi.spec_version", {"spec_version": "9.9"}),
    ("R4", "asgi.version", {"scope": {"asgi": {"version": "4.0"}}}),
    ("R4", "asgi", {"scope": {"asgi": "3.0"}}),
    ("R25", "scheme", {"scheme": ""}),
    ("R35", "extensions", {"scope": {"extensions": {"http.response.trailers": True}}}),
    (
        "R108",
        "extensions.tls",
        {
            "scope": {
                "extensions": {
                    "tls": {"server_cert": None, "tls_version": 0x0304, "cipher_suite": 0x1301}
                }
            }
        },
    ),
    ("R108", "extensions.tls", {"scheme": "https", "scope": {"extensions": {"tls": {}}}}),
    ("R34", "state", {"scope": {"state": []}}),
]


@pytest.mark.parametrize(("rule", "field", "kwargs"), HTTP_CASES)
def test_bad_http_scope_is_refused_at_once(rule: str, field: str, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ProtocolError) as info:
        _http(**kwargs)
    assert info.value.rule_id == rule
    assert info.value.field == field
    assert field.split(".")[0].split("[")[0] in str(info.value)
    assert str(info.value).startswith(f"{rule}: ")
    assert "scope" in str(info.value)


@pytest.mark.parametrize(
    ("rule", "field", "kwargs"),
    [
        ("R30", "headers[0]", {"headers": [(b"Content-Type", b"text/plain")]}),
        ("R26", "path", {"root_path": "/api"}),
        ("R33", "server", {"spec_version": "2.1", "server": ("/tmp/sock", None)}),
    ],
)
def test_pedantic_scope_findings(rule: str, field: str, kwargs: dict[str, Any]) -> None:
    _http(**kwargs)  # tolerated by default
    with pytest.raises(ProtocolError) as info:
        _http(strict="pedantic", **kwargs)
    assert (info.value.rule_id, info.value.field, info.value.severity) == (rule, field, "pedantic")


def test_a_hand_written_scope_without_asgi_is_completed_not_reported() -> None:
    """The harness plays the server: what every server sends is filled in, not reported."""
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "path": "/",
        "query_string": b"",
        "headers": [],
    }
    communicator = ApplicationCommunicator(app, scope, strict="pedantic")
    assert communicator.scope["asgi"] == {"version": "3.0", "spec_version": "2.3"}


def test_missing_keys_are_reported_in_a_scope_a_server_built() -> None:
    # make_checker() sees a scope as it is (SpecCheck gives it the live server's scope): a
    # missing key there is the server's doing, and is reported.
    scope = {"type": "http", "asgi": {"version": "3.0"}}
    with pytest.raises(ProtocolError) as info:
        make_checker(scope, "error", Transcript())
    assert info.value.rule_id == "R23"  # http_version is checked first
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "path": "/",
        "headers": [],
    }
    with pytest.raises(ProtocolError, match="query_string") as info:
        make_checker(scope, "error", Transcript())
    assert info.value.rule_id == "R28"


def test_a_wrong_value_in_a_hand_written_scope_is_reported() -> None:
    with pytest.raises(ProtocolError) as info:
        ApplicationCommunicator(app, {"type": "http", "query_string": "a=1"})
    assert info.value.rule_id == "R28"


WS_CASES = [
    ("R71", "subprotocols", {"subprotocols": "chat"}),
    ("R63", "http_version", {"http_version": "1.0"}),
    ("R62", "asgi.spec_version", {"spec_version": "3.0"}),
    ("R64", "scheme", {"scheme": ""}),
    ("R67", "query_string", {"scope": {"query_string": "a=1"}}),
    ("R69", "headers[0]", {"scope": {"headers": [("host", b"x")]}}),
    ("R70", "client", {"client": ["127.0.0.1"]}),
    ("R65", "path", {"scope": {"path": b"/ws/"}}),
    ("R66", "raw_path", {"scope": {"raw_path": "/ws/"}}),
    ("R68", "root_path", {"scope": {"root_path": b"/api"}}),
    ("R72", "state", {"scope": {"state": []}}),
    ("R72", "extensions", {"scope": {"extensions": []}}),
]
LIFESPAN_CASES = [
    ({"asgi": {"version": "3.0", "spec_version": "3.0"}}, "asgi.spec_version"),
    ({"state": None}, "state"),
]


@pytest.mark.parametrize(("rule", "field", "kwargs"), WS_CASES)
def test_bad_websocket_scope_is_refused(rule: str, field: str, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ProtocolError) as info:
        WebsocketCommunicator(app, "/ws/", **kwargs)
    assert (info.value.rule_id, info.value.field) == (rule, field)


def test_websocket_query_string_none_is_allowed() -> None:
    WebsocketCommunicator(app, "/ws/", scope={"query_string": None}, strict="pedantic")


@pytest.mark.parametrize(("override", "field"), LIFESPAN_CASES)
def test_bad_lifespan_scope_is_refused(override: dict[str, Any], field: str) -> None:
    with pytest.raises(ProtocolError) as info:
        ApplicationCommunicator(app, {**LIFESPAN_SCOPE, **override})
    assert (info.value.rule_id, info.value.field) == ("R93", field)


@pytest.mark.parametrize(
    ("scope", "rule"),
    [([("type", "http")], "R3"), ({"type": 1}, "R3"), ({"type": "custom", 1: "x"}, "R10")],
)
def test_core_scope_rules(scope: Any, rule: str) -> None:
    with pytest.raises(ProtocolError) as info:
        make_checker(scope, "error", Transcript())
    assert info.value.rule_id == rule


def test_harness_scopes_pass_even_in_pedantic_mode() -> None:
    HttpCommunicator(
        app,
        "POST",
        "/a%20b?x=1",
        b"{}",
        [(b"content-type", b"application/json")],
        strict="pedantic",
    )
    WebsocketCommunicator(app, "/ws/?t=1", [(b"origin", b"http://x")], ["chat"], strict="pedantic")
    WebsocketCommunicator(app, "/ws/", spec_version="2.3", strict="pedantic")
    ApplicationCommunicator(app, dict(LIFESPAN_SCOPE), strict="pedantic")


def test_unknown_scope_types_get_core_checks_only() -> None:
    assert make_checker({"type": "custom"}, "pedantic", Transcript()) is None


def test_off_checks_nothing() -> None:
    assert make_checker({"type": 1}, "off", Transcript()) is None
    _http(strict="off", scope={"query_string": "a=1"})


def test_warn_mode_warns_for_scopes() -> None:
    with pytest.warns(ProtocolWarning, match="R28"):
        _http(strict="warn", scope={"query_string": "a=1"})


def test_str_headers_are_encoded_as_a_client_would() -> None:
    communicator = _http(headers=[("X-Token", "1"), (b"accept", "text/html")])
    assert communicator.scope["headers"] == [(b"x-token", b"1"), (b"accept", b"text/html")]


def test_bytes_headers_are_passed_through_untouched() -> None:
    headers = [[b"foo", b"bar"]]  # channels' tests compare the very list
    communicator = _http(headers=headers)
    assert communicator.scope["headers"] is headers


@pytest.mark.parametrize(
    "headers",
    [[(b"x", 1)], [(b"x",)], "x-token: 1", [b"x-token"], 42],
    ids=["int-value", "one-item", "a-str", "not-pairs", "an-int"],
)
def test_headers_that_are_not_pairs_of_str_or_bytes_are_refused(headers: Any) -> None:
    from asgitest import InvalidArgument

    with pytest.raises(InvalidArgument, match="headers"):
        _http(headers=headers)
