"""Credential headers are masked wherever asgitest shows messages, and only there."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest

import asgitest
from asgitest import (
    HttpCommunicator,
    InvalidArgument,
    MessageMismatch,
    ProtocolError,
    Timeout,
    WebsocketCommunicator,
)
from asgitest._masking import mask_headers, mask_message, masked_headers
from asgitest._transcript import format_message

SESSION = b"sessionid=s3cr3t-session-value; Path=/; HttpOnly"
TOKEN = b"Bearer t0ken-0f-the-user"


def fp(value: bytes) -> str:
    return "sha256:" + hashlib.sha256(value).hexdigest()[:6]


@pytest.fixture(autouse=True)
def _no_masking_settings(monkeypatch: pytest.MonkeyPatch):
    """Each test starts from the defaults: no switch, no extra names."""
    monkeypatch.delenv("ASGITEST_SHOW_SECRETS", raising=False)
    monkeypatch.delenv("ASGITEST_MASK_HEADERS", raising=False)
    yield
    asgitest.set_masked_headers(None)


def answers_with(*headers: tuple[bytes, bytes]) -> Any:
    """An app that answers with these headers and echoes the request's authorization."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await receive()
        body = dict(scope["headers"]).get(b"authorization", b"")
        await send({"type": "http.response.start", "status": 200, "headers": list(headers)})
        await send({"type": "http.response.body", "body": body})

    return app


logs_in = answers_with((b"set-cookie", SESSION))


class TestRendering:
    def test_set_cookie_shows_its_name_attributes_and_a_fingerprint(self) -> None:
        line = format_message(
            {"type": "http.response.start", "status": 200, "headers": [(b"set-cookie", SESSION)]}
        )
        assert b"s3cr3t" not in line.encode()
        assert f"sessionid=<masked {fp(b's3cr3t-session-value')}>; Path=/; HttpOnly" in line

    def test_cookie_shows_each_name(self) -> None:
        shown = mask_headers([(b"cookie", b"a=one; b=two")])
        assert shown == [(b"cookie", f"a=<masked {fp(b'one')}>; b=<masked {fp(b'two')}>".encode())]

    def test_authorization_keeps_its_scheme(self) -> None:
        shown = mask_headers([(b"Authorization", TOKEN)])
        assert shown == [(b"Authorization", f"Bearer <masked {fp(b't0ken-0f-the-user')}>".encode())]

    def test_two_values_get_two_fingerprints_and_one_value_one(self) -> None:
        a, b, c = (
            mask_headers([(b"x-api-key", value)])[0][1] for value in (b"first", b"second", b"first")
        )
        assert a != b
        assert a == c

    def test_other_headers_and_messages_without_secrets_are_the_same_objects(self) -> None:
        headers = [(b"content-type", b"text/plain")]
        message = {"type": "http.response.start", "status": 200, "headers": headers}
        assert mask_message(message) is message
        assert mask_headers(headers) is headers

    def test_malformed_values_are_masked_too(self) -> None:
        shown = mask_headers([(b"x-api-key", 12345), ("cookie", "a=1")])
        assert repr(shown[0][1]) == f"<masked int {fp(b'12345')}>"
        assert shown[1] == ("cookie", f"a=<masked {fp(b'1')}>")

    def test_a_dict_of_headers_is_masked(self) -> None:
        assert mask_headers({"x-api-key": "k"}) == {"x-api-key": f"<masked {fp(b'k')}>"}

    def test_the_switch_shows_everything(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("ASGITEST_SHOW_SECRETS", "1")
        headers = [(b"set-cookie", SESSION)]
        assert mask_headers(headers) is headers


class TestNames:
    def test_the_defaults(self) -> None:
        assert masked_headers() == {
            b"authorization",
            b"proxy-authorization",
            b"cookie",
            b"set-cookie",
            b"x-api-key",
        }

    def test_set_masked_headers_adds_names(self) -> None:
        asgitest.set_masked_headers(["X-Session-Token", "x-csrf-token"])
        assert {b"x-session-token", b"x-csrf-token", b"cookie"} <= masked_headers()
        asgitest.set_masked_headers(None)
        assert b"x-session-token" not in masked_headers()

    def test_the_environment_variable_adds_names(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("ASGITEST_MASK_HEADERS", "x-session-token, x-other")
        assert {b"x-session-token", b"x-other"} <= masked_headers()

    def test_a_bad_name_is_refused_with_what_is_accepted(self) -> None:
        with pytest.raises(InvalidArgument, match=r"'x session' is not a valid header name"):
            asgitest.set_masked_headers(["x session"])


@pytest.mark.anyio
class TestWhereSecretsWereShown:
    async def test_the_transcript_is_masked_and_the_recorded_messages_are_not(self) -> None:
        async with HttpCommunicator(logs_in, "GET", "/", headers=[(b"authorization", TOKEN)]) as c:
            response = await c.get_response()
        text = c.transcript.render()
        assert b"s3cr3t" not in text.encode()
        assert fp(b"s3cr3t-session-value") in text
        # What the test asserts on is the real thing.
        assert (b"set-cookie", SESSION) in response["headers"]
        assert c.transcript.messages()[1]["headers"][0] == (b"set-cookie", SESSION)
        assert response["body"] == TOKEN

    async def test_names_added_by_the_user_are_masked(self) -> None:
        asgitest.set_masked_headers(["x-session-token"])
        app = answers_with((b"x-session-token", b"tok-456"))
        async with HttpCommunicator(app, "GET", "/") as c:
            await c.get_response()
        assert "tok-456" not in c.transcript.render()
        assert fp(b"tok-456") in c.transcript.render()

    async def test_a_timeout_message_is_masked(self) -> None:
        async def answers_then_hangs(scope: Any, receive: Any, send: Any) -> None:
            await receive()
            await send({"type": "websocket.accept", "headers": [(b"set-cookie", SESSION)]})
            await receive()

        async with WebsocketCommunicator(answers_then_hangs, "/") as c:
            await c.connect()
            with pytest.raises(Timeout) as caught:
                await c.receive_from(timeout=0.01)
            await c.disconnect()
        shown = str(caught.value) + "\n".join(getattr(caught.value, "__notes__", []))
        assert "s3cr3t" not in shown
        assert fp(b"s3cr3t-session-value") in shown

    async def test_a_protocol_error_about_a_credential_header_is_masked(self) -> None:
        async def str_cookie(scope: Any, receive: Any, send: Any) -> None:
            await receive()
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"set-cookie", SESSION.decode())],  # a str: R40
                }
            )
            await send({"type": "http.response.body", "body": b""})

        with pytest.raises(ProtocolError) as caught:
            async with HttpCommunicator(str_cookie, "GET", "/") as c:
                await c.get_response()
        shown = str(caught.value) + "\n".join(getattr(caught.value, "__notes__", []))
        assert caught.value.rule_id == "R40"
        assert "s3cr3t" not in shown
        assert fp(b"s3cr3t-session-value") in shown
        assert "header value must be bytes, got str 'sessionid=<masked" in shown

    async def test_a_mismatch_on_a_credential_header_is_masked(self) -> None:
        app = answers_with((b"x-api-key", b"key-123"), (b"content-type", b"text/plain"))
        async with HttpCommunicator(app, "GET", "/") as c:
            with pytest.raises(MessageMismatch) as caught:
                await c.expect(
                    {"type": "http.response.start", "headers": {"x-api-key": b"expected-key"}}
                )
            await c.receive_output()
        shown = str(caught.value) + "\n".join(getattr(caught.value, "__notes__", []))
        assert "key-123" not in shown
        assert re.search(r'expected b"expected-key", got b"<masked sha256:\w{6}>"', shown)
        assert caught.value.message is not None
        assert (b"x-api-key", b"key-123") in caught.value.message["headers"]  # the real one


class TestMismatchText:
    def test_a_window_into_a_long_value_is_not_shown(self) -> None:
        from asgitest._patterns import find_mismatch

        value = b"sessionid=" + b"x" * 200
        problem = find_mismatch(
            {"headers": {"set-cookie": b"sessionid=" + b"y" * 200}},
            {"headers": [(b"set-cookie", value)]},
        )
        assert problem is not None
        assert "xxxxxxxx" not in problem.text
        assert 'the "set-cookie" header is masked in reports' in problem.text
        assert problem.actual == value  # the real value, for code that inspects it

    def test_joined_values_are_masked_one_by_one(self) -> None:
        from asgitest._patterns import find_mismatch

        start = {"headers": [(b"set-cookie", b"a=one"), (b"set-cookie", b"b=two")]}
        problem = find_mismatch({"headers": {"set-cookie": b"a=one, b=three"}}, start)
        assert problem is not None
        assert problem.text == (
            f'expected b"a=one, b=three", got b"a=<masked {fp(b"one")}>, b=<masked {fp(b"two")}>"'
        )
