"""The command line never crashes on what an app sends: every output path, malformed messages.

Each app of ``malformed_apps`` sends one malformed message. The command reports it by rule id
(the spec checker's finding, printed on stderr as it happens) and goes on printing what it
can; a message it cannot read at all ends the command with exit status 1 and asgitest's own
error, never with a traceback of asgitest's code blamed on the app.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from asgitest._cli import main

REPO = Path(__file__).resolve().parents[2]
APPS = "tests.cli.malformed_apps"


@pytest.fixture(autouse=True)
def _in_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("NO_COLOR", raising=False)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main([*args, "--color", "never"])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_no_crash(err: str) -> None:
    assert "bug in asgitest" not in err, err
    assert "Traceback" not in err, err
    assert "error: the app raised" not in err, err


# (app, rule reported, exit status, what stdout shows)
REQUEST_CASES = [
    ("body_str", "R45", 0, "text, not bytes"),
    ("body_none", "R45", 0, "HTTP/1.1 200 OK"),
    ("body_int", "R45", 0, "HTTP/1.1 200 OK"),
    ("body_bytearray", "R9", 0, "bytearray"),
    ("header_str_value", "R40", 0, "content-type: 'text/plain'"),
    ("header_str_name", "R40", 0, "'content-type': text/plain"),
    ("headers_dict", "R40", 0, "(not a list of [name, value] pairs)"),
    ("headers_none", "R40", 0, "HTTP/1.1 200 OK"),
    ("headers_int", "R40", 0, "(headers): 7 (not a list of [name, value] pairs)"),
    ("header_not_a_pair", "R40", 0, "(header): [b'a', b'b', b'c'] (not a [name, value] pair)"),
    ("status_str", "R39", 0, "HTTP/1.1 '200' (not an int)"),
    ("status_missing", "R39", 0, "HTTP/1.1 None (not an int)"),
    ("status_999", "R46", 0, "HTTP/1.1 999\n"),
    ("start_not_a_dict", "R6", 1, ""),
    ("start_without_type", "R6", 1, ""),
    ("body_not_a_dict", "R6", 1, "HTTP/1.1 200 OK"),
    ("body_without_type", "R6", 1, "HTTP/1.1 200 OK"),
    ("unknown_type", "R11", 1, "HTTP/1.1 200 OK"),
    ("more_body_str", "R45", 1, "ok"),
    ("body_before_start", "R52", 1, ""),
]


@pytest.mark.parametrize(("app", "rule", "status", "shown"), REQUEST_CASES)
def test_request(
    capsys: pytest.CaptureFixture[str], app: str, rule: str, status: int, shown: str
) -> None:
    code, out, err = run(capsys, "request", f"{APPS}:{app}", "/", "--timeout", "0.5")
    assert_no_crash(err)
    assert f"asgitest: spec warning [{rule}]" in err, err
    assert shown in out, out
    assert code == status, err
    if status == 1:
        assert "asgitest: error: " in err  # what was expected, what came, and the transcript
        assert "Transcript" in err or "#0" in err


def test_a_body_that_is_not_bytes_is_named_not_printed(capsys: pytest.CaptureFixture[str]) -> None:
    _, _, err = run(capsys, "request", f"{APPS}:body_int", "/")
    assert "asgitest: a body of 5 was not printed: a body is bytes" in err


def test_strict_error_reports_the_rule_as_the_failure(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "request", f"{APPS}:body_str", "/", "--strict", "error")
    assert code == 1
    assert "asgitest: error: the app broke ASGI rule R45: " in err
    assert "bug in asgitest" not in err


def test_strict_off_still_prints_whatever_came(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "request", f"{APPS}:header_not_a_pair", "/", "--strict", "off", "--lifespan", "off"
    )
    assert code == 0, err
    assert "(not a [name, value] pair)" in out
    assert err == ""


WEBSOCKET_CASES = [
    ("frame_text_bytes", "R79", 0, "< text=b'bytes in text' bytes=None"),
    ("frame_both", "R79", 0, "< text='a' bytes=b'b'"),
    ("frame_neither", "R79", 0, "< text=None bytes=None"),
    ("frame_not_a_dict", "R6", 0, "? <not a dict: ['websocket.send', 'hi']>"),
    ("frame_without_type", "R6", 0, "? <type=None> text='hi'"),
    ("close_code_str", "R82", 0, "closed by the app with code '4000'"),
    ("close_reason_list", "R82", 0, "closed by the app with code 4000 (reason: [{'loc': ['id']}])"),
    ("accept_subprotocol_bytes", "R74", 0, "connected to /ws (subprotocol b'chat')"),
    ("accept_not_a_dict", "R6", 1, ""),
]


@pytest.mark.parametrize(("app", "rule", "status", "shown"), WEBSOCKET_CASES)
def test_websocket(
    capsys: pytest.CaptureFixture[str], app: str, rule: str, status: int, shown: str
) -> None:
    extra = ["--subprotocol", "chat"] if "subprotocol" in app else []
    code, out, err = run(
        capsys, "websocket", f"{APPS}:{app}", "/ws", "--timeout", "0.5", "--wait", "0.05", *extra
    )
    assert_no_crash(err)
    assert f"asgitest: spec warning [{rule}]" in err, err
    assert shown in out, out
    assert code == status, err


def test_websocket_close_without_a_code_is_1000(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "websocket", f"{APPS}:close_code_none", "/ws", "--wait", "0.05")
    assert code == 0, err
    assert "closed by the app with code 1000" in out


def test_a_refusal_with_a_list_reason_is_readable(capsys: pytest.CaptureFixture[str]) -> None:
    """FastAPI's validation path: before accept, R82 is pedantic (servers answer 403)."""
    code, out, err = run(
        capsys, "websocket", f"{APPS}:reject_reason_list", "/ws", "--lifespan", "off"
    )
    assert code == 1
    assert out == (
        "refused: the app closed the handshake with code 1008 ([{'loc': ['path', 'id']}])\n"
    )
    assert err == ""  # R82 and R86 are pedantic here: not shown without --pedantic
    code, _, err = run(capsys, "websocket", f"{APPS}:reject_reason_list", "/ws", "--pedantic")
    assert "[R82]" in err
    assert "[R86]" in err


def test_lifespan_failed_with_bytes_message(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "lifespan", f"{APPS}:startup_failed_bytes")
    assert code == 1
    assert "startup: failed: b'db down'" in out
    assert "asgitest: spec warning [R95]" in err
    assert_no_crash(err)


def test_lifespan_answer_that_is_not_a_dict(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "lifespan", f"{APPS}:startup_answer_not_a_dict")
    assert code == 1
    assert "startup: failed" in out
    assert "asgitest: spec warning [R6]" in err
    assert "bug in asgitest" not in err


def test_lifespan_state_whose_repr_raises(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "lifespan", f"{APPS}:state_with_bad_repr")
    assert code == 0, err
    assert "  thing: <_BadRepr whose repr() raised RuntimeError>" in out


def test_check_reports_malformed_messages_by_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", f"{APPS}:start_not_a_dict", "--timeout", "0.5")
    assert code == 1
    assert "[R6] GET /" in out, out
    assert "[R59]" not in out  # not blamed on the app as an exception of its own
    assert "bug in asgitest" not in out + err


def test_check_websocket_frame_that_is_not_a_dict(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", f"{APPS}:frame_not_a_dict", "--timeout", "0.5")
    assert "[R6] WebSocket /" in out, out
    assert "bug in asgitest" not in out + err
