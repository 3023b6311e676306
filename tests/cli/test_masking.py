"""The command line masks credential headers in transcripts and reports, not in a response
the user asked for."""

from __future__ import annotations

import hashlib
import json
import textwrap
from pathlib import Path

import pytest

from .test_cli import run

SECRET = "s3cr3t-session-value"
FINGERPRINT = "sha256:" + hashlib.sha256(SECRET.encode()).hexdigest()[:6]

APPS = f"""
async def login(scope, receive, send):
    if scope["type"] == "lifespan":
        raise RuntimeError("no lifespan")
    if scope["type"] == "websocket":
        await receive()
        await send({{"type": "websocket.close"}})
        return
    await receive()
    await send({{"type": "http.response.start", "status": 200, "headers": [
        (b"set-cookie", b"sessionid={SECRET}; Path=/"), (b"content-type", b"text/plain"),
    ]}})
    await send({{"type": "http.response.body", "body": b"welcome"}})


async def str_cookie(scope, receive, send):
    if scope["type"] != "http":
        return await login(scope, receive, send)
    await receive()
    await send({{"type": "http.response.start", "status": 200, "headers": [
        (b"set-cookie", "sessionid={SECRET}; Path=/"),
    ]}})
    await send({{"type": "http.response.body", "body": b"welcome"}})
"""


@pytest.fixture
def app_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("ASGITEST_SHOW_SECRETS", raising=False)
    monkeypatch.delenv("ASGITEST_MASK_HEADERS", raising=False)
    (tmp_path / "secrets_app.py").write_text(textwrap.dedent(APPS))
    return tmp_path


def test_request_prints_the_response_whole_and_masks_the_transcript(app_dir: Path) -> None:
    result = run("request", "secrets_app:login", "GET", "/", "--transcript", cwd=app_dir)
    assert result.returncode == 0, result.stderr
    assert f"set-cookie: sessionid={SECRET}; Path=/" in result.stdout  # what was asked for
    assert "Transcript (" in result.stderr
    assert SECRET not in result.stderr
    assert f"sessionid=<masked {FINGERPRINT}>; Path=/" in result.stderr


def test_the_switch_shows_the_transcript_in_full(app_dir: Path) -> None:
    result = run(
        "request",
        "secrets_app:login",
        "/",
        "--transcript",
        cwd=app_dir,
        env={"ASGITEST_SHOW_SECRETS": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert f"sessionid={SECRET}; Path=/" in result.stderr


def test_a_bad_switch_value_is_a_usage_error(app_dir: Path) -> None:
    result = run(
        "request", "secrets_app:login", "/", cwd=app_dir, env={"ASGITEST_SHOW_SECRETS": "maybe"}
    )
    assert result.returncode == 2
    assert (
        "asgitest: error: 'maybe' is not a valid value for the ASGITEST_SHOW_SECRETS "
        "environment variable." in result.stderr
    )


def test_check_masks_its_report(app_dir: Path) -> None:
    result = run("check", "secrets_app:str_cookie", cwd=app_dir)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "[R40]" in result.stdout
    assert SECRET not in result.stdout + result.stderr
    assert FINGERPRINT in result.stdout


def test_check_json_is_masked(app_dir: Path) -> None:
    result = run("check", "secrets_app:str_cookie", "--json", cwd=app_dir)
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert any(finding["rule_id"] == "R40" for finding in report["findings"])
    assert SECRET not in result.stdout
    assert FINGERPRINT in result.stdout
