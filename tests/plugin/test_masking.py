"""Failure reports keep credentials out: masked by default, in full only when asked for."""

from __future__ import annotations

import hashlib

import pytest
from plugin_helpers import RUNNERS, render, run, setup_project

RUNNER = RUNNERS["anyio-asyncio"]  # masking happens when a report is rendered: any runner

SESSION = "s3cr3t-session-value"
TOKEN = "t0ken-0f-the-user"
FINGERPRINT = "sha256:" + hashlib.sha256(SESSION.encode()).hexdigest()[:6]

TESTS = f"""
from asgitest import HttpCommunicator


async def logs_in(scope, receive, send):
    await receive()
    await send({{"type": "http.response.start", "status": 200, "headers": [
        (b"set-cookie", b"sessionid={SESSION}; Path=/; HttpOnly"),
    ]}})
    await send({{"type": "http.response.body", "body": b"welcome"}})


async def hands_out_a_token(scope, receive, send):
    await receive()
    await send({{"type": "http.response.start", "status": 200, "headers": [
        (b"x-session-token", b"{TOKEN}"),
    ]}})
    await send({{"type": "http.response.body", "body": b"welcome"}})


pytestmark = pytest.mark.asgi(app=logs_in)


{{mark}}
async def test_login_fails(asgi_http_factory):
    async with asgi_http_factory("GET", "/login") as communicator:
        response = await communicator.get_response()
    assert response["body"] == b"goodbye"


{{mark}}
@pytest.mark.asgi(app=hands_out_a_token)
async def test_token_fails(asgi_http_factory):
    async with asgi_http_factory("GET", "/token") as communicator:
        await communicator.get_response()
    raise AssertionError("the test broke")
"""

LEAK = f"""
from apps import echo

pytestmark = pytest.mark.asgi(app=echo)


{{mark}}
async def test_left_open(asgi_websocket_factory):
    communicator = asgi_websocket_factory("/ws/", headers=[(b"authorization", b"Bearer {TOKEN}")])
    connected, _ = await communicator.connect()
    assert connected
"""


def _report(pytester: pytest.Pytester, *args: str, ini: str = "") -> str:
    setup_project(pytester, RUNNER, ini=ini)
    pytester.makepyfile(test_login=render(TESTS, RUNNER))
    result = run(pytester, RUNNER, *args)
    result.assert_outcomes(failed=2)
    return result.stdout.str()


@pytest.fixture(autouse=True)
def _defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASGITEST_SHOW_SECRETS", raising=False)
    monkeypatch.delenv("ASGITEST_MASK_HEADERS", raising=False)


def test_the_report_masks_the_cookie_and_shows_its_fingerprint(pytester: pytest.Pytester) -> None:
    report = _report(pytester)
    assert "- Captured asgitest transcript call -" in report
    assert SESSION not in report
    assert f"sessionid=<masked {FINGERPRINT}>; Path=/; HttpOnly" in report
    assert TOKEN in report  # x-session-token is not a credential header by default
    assert "credential headers are shown in full" not in report


def test_the_ini_option_masks_more_headers(pytester: pytest.Pytester) -> None:
    report = _report(pytester, ini="asgi_mask_headers = x-session-token, x-other")
    assert TOKEN not in report
    assert SESSION not in report


def test_the_command_line_option_masks_more_headers(pytester: pytest.Pytester) -> None:
    report = _report(pytester, "--asgi-mask-headers=X-Session-Token")
    assert TOKEN not in report


def test_the_environment_variable_masks_more_headers(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASGITEST_MASK_HEADERS", "x-session-token")
    report = _report(pytester)
    assert TOKEN not in report


def test_the_switch_shows_them_in_full_and_says_so(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASGITEST_SHOW_SECRETS", "1")
    report = _report(pytester, ini="asgi_mask_headers = x-session-token")
    assert f"sessionid={SESSION}; Path=/; HttpOnly" in report
    assert TOKEN in report
    assert "asgitest: ASGITEST_SHOW_SECRETS=1: credential headers are shown in full" in report


def test_the_leak_report_masks_the_scope(pytester: pytest.Pytester) -> None:
    setup_project(pytester, RUNNER)
    pytester.makepyfile(test_leak=render(LEAK, RUNNER))
    result = run(pytester, RUNNER)
    result.assert_outcomes(failed=1)
    report = result.stdout.str()
    assert "websocket /ws/ (asgi_websocket_factory): scope {" in report
    assert TOKEN not in report
    assert "(b'authorization', b'Bearer <masked sha256:" in report


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            ("ini", "asgi_mask_headers = x-ok, x@bad"),
            "*'x@bad' is not a valid header name in the asgi_mask_headers "
            "(from asgi_mask_headers in tox.ini). Valid values: HTTP header names*",
        ),
        (
            ("env", "maybe"),
            "*'maybe' is not a valid value for the ASGITEST_SHOW_SECRETS environment variable. "
            "Valid values: 1 (show credential headers in full), 0 or unset (mask them).*",
        ),
    ],
    ids=["ini", "switch"],
)
def test_bad_settings_are_usage_errors(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    setting: tuple[str, str],
    message: str,
) -> None:
    kind, value = setting
    if kind == "env":
        monkeypatch.setenv("ASGITEST_SHOW_SECRETS", value)
    setup_project(pytester, RUNNER, ini=value if kind == "ini" else "")
    pytester.makepyfile(test_nothing="def test_nothing():\n    pass\n")
    result = run(pytester, RUNNER)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
