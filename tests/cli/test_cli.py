"""The ``asgitest`` command, run as a subprocess against the bundled example and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = "examples.chat.app:app"

# Generous: a subprocess that has not finished by then is a hang, which is the bug tested for.
HANG_BOUND = 60


def run(
    *args: str, cwd: Path = REPO, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    environ.pop("NO_COLOR", None)
    environ.pop("DJANGO_SETTINGS_MODULE", None)
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "asgitest", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=HANG_BOUND,
    )


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    """A directory of small apps that misbehave, for --app-dir."""
    (tmp_path / "misfits.py").write_text(
        textwrap.dedent(
            """
            import asyncio
            import time

            not_an_app = {"hello": "world"}

            def sync_app(scope, receive, send):
                pass

            async def hangs(scope, receive, send):
                if scope["type"] == "lifespan":
                    raise ValueError("no lifespan here")
                await receive()
                await asyncio.Event().wait()

            async def blocks_the_loop(scope, receive, send):
                if scope["type"] == "lifespan":
                    raise ValueError("no lifespan here")
                time.sleep(600)

            async def hangs_in_startup(scope, receive, send):
                await receive()
                await asyncio.Event().wait()

            async def forgets_to_respond(scope, receive, send):
                if scope["type"] != "http":
                    raise ValueError(f"unsupported scope type {scope['type']!r}")
                await receive()

            async def hello(scope, receive, send):
                if scope["type"] != "http":
                    raise ValueError(f"unsupported scope type {scope['type']!r}")
                await send({"type": "http.response.start", "status": 200, "headers": []})
                await send({"type": "http.response.body", "body": b"made by a factory"})

            def create_app():
                return hello
            """
        )
    )
    (tmp_path / "broken_import.py").write_text("import this_dependency_is_missing\n")
    return tmp_path


class TestRequest:
    def test_get_prints_status_headers_and_body(self) -> None:
        result = run("request", EXAMPLE, "GET", "/")
        assert result.returncode == 0, result.stderr
        assert result.stdout == (
            "HTTP/1.1 200 OK\n"
            "content-length: 38\n"
            "content-type: text/plain; charset=utf-8\n"
            "\n"
            "Hello from the asgitest chat example!\n"
        )
        assert "\033[" not in result.stdout  # not a terminal: no colour

    def test_json_body_is_posted(self) -> None:
        result = run(
            "request", EXAMPLE, "POST", "/api/messages", "--json", '{"user": "ann", "text": "hi"}'
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("HTTP/1.1 201 Created\n")
        assert result.stdout.endswith('{"id":1,"type":"message","user":"ann","text":"hi"}\n')

    def test_transcript_shows_every_message_both_ways(self) -> None:
        result = run("request", EXAMPLE, "/", "--transcript", "-H", "X-Probe: 1")
        assert result.returncode == 0, result.stderr
        assert 'test → app  "http.request"' in result.stderr
        assert 'app → test  "http.response.start" status=200' in result.stderr
        assert "the app returned" in result.stderr

    def test_endless_stream_stops_at_max_time(self) -> None:
        result = run("request", EXAMPLE, "/events?ping=0.05", "--max-time", "1")
        assert result.returncode == 0, result.stderr
        assert 'event: hello\ndata: {"room": "lobby", "members": []}\n' in result.stdout
        assert ": ping\n" in result.stdout
        assert "stopped after --max-time 1s" in result.stderr

    def test_colour_on_request(self) -> None:
        result = run("request", EXAMPLE, "/", "--color", "always")
        assert "\033[1;32mHTTP/1.1 200 OK\033[0m" in result.stdout

    def test_factory_with_parentheses(self, app_dir: Path) -> None:
        result = run("request", "misfits:create_app()", "/", "--app-dir", str(app_dir))
        assert result.returncode == 0, result.stderr
        assert result.stdout.endswith("made by a factory\n")


class TestWebsocket:
    def test_prints_frames_both_ways_and_the_close_code(self) -> None:
        result = run("websocket", EXAMPLE, "/ws/chat?user=ann", "--send", "hello", "/quit")
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == [
            "connected to /ws/chat?user=ann",
            '< {"id": 1, "type": "join", "user": "ann"}',
            "> hello",
            '< {"id": 2, "type": "message", "user": "ann", "text": "hello"}',
            "> /quit",
            "closed by the app with code 1000 (reason: bye)",
        ]

    def test_refused_handshake_exits_1_with_the_code(self) -> None:
        result = run("websocket", EXAMPLE, "/ws/chat")
        assert result.returncode == 1
        assert "refused: the app closed the handshake with code 1008" in result.stdout


class TestLifespan:
    def test_reports_startup_state_and_shutdown(self) -> None:
        result = run("lifespan", EXAMPLE)
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0].startswith("startup: complete in ")
        assert lines[1:3] == ["state:", lines[2]]
        assert lines[2].startswith("  room: <examples.chat.app.Room")
        assert lines[-1].startswith("shutdown: complete in ")

    def test_startup_that_hangs_times_out_with_the_transcript(self, app_dir: Path) -> None:
        result = run(
            "lifespan", "misfits:hangs_in_startup", "--app-dir", str(app_dir), "--timeout", "0.3"
        )
        assert result.returncode == 1
        assert "startup: did not complete" in result.stdout
        assert (
            'Timed out after 0.3s waiting for "lifespan.startup.complete" from the app '
            "(lifespan)" in result.stderr
        )
        assert 'test → app  "lifespan.startup"' in result.stderr


class TestCheck:
    def test_example_passes_with_a_head_warning(self) -> None:
        result = run("check", EXAMPLE, "--websocket-path", "/ws/chat?user=probe")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "warning [R51] HEAD /" in result.stdout
        assert "no violations found, 1 warning(s), 8 steps" in result.stdout

    def test_json_report(self) -> None:
        result = run("check", EXAMPLE, "--json", "--fail-on-warnings")
        assert result.returncode == 1  # the R51 warning counts with --fail-on-warnings
        report = json.loads(result.stdout)
        assert report["ok"] is False
        assert [f["rule_id"] for f in report["findings"] if f["severity"] == "warning"] == ["R51"]
        assert [step["name"] for step in report["steps"]][:3] == [
            "lifespan startup",
            "GET /",
            "HEAD /",
        ]

    def test_violations_exit_1_with_rule_ids(self, app_dir: Path) -> None:
        result = run(
            "check", "misfits:forgets_to_respond", "--app-dir", str(app_dir), "--timeout", "0.5"
        )
        assert result.returncode == 1
        assert (
            'error [R57] GET /: the app returned without sending "http.response.start"'
            in result.stdout
        )
        assert "info lifespan startup: lifespan is not supported" in result.stdout


class TestBadInput:
    def test_unknown_module_exits_2(self) -> None:
        result = run("request", "no_such_module:app", "/")
        assert result.returncode == 2
        assert "Could not import module 'no_such_module'" in result.stderr
        assert "--app-dir" in result.stderr
        assert "Traceback" not in result.stderr

    def test_unknown_attribute_exits_2_naming_what_exists(self) -> None:
        result = run("request", "examples.chat.app:nope", "/")
        assert result.returncode == 2
        assert "'examples.chat.app' has no attribute 'nope'" in result.stderr
        assert "Names there that look like ASGI applications: app." in result.stderr

    def test_malformed_import_string_exits_2(self) -> None:
        result = run("lifespan", "examples.chat.app:")
        assert result.returncode == 2
        assert "'examples.chat.app:' is not a valid import string" in result.stderr
        assert "nothing follows the colon" in result.stderr

    def test_object_that_is_not_an_app_exits_2(self, app_dir: Path) -> None:
        result = run("request", "misfits:not_an_app", "/", "--app-dir", str(app_dir))
        assert result.returncode == 2
        assert "'misfits:not_an_app' does not name an ASGI application" in result.stderr
        assert "which is not callable" in result.stderr

    def test_sync_function_exits_2_with_the_fix(self, app_dir: Path) -> None:
        result = run("check", "misfits:sync_app", "--app-dir", str(app_dir))
        assert result.returncode == 2
        assert "write `async def sync_app(scope, receive, send)`" in result.stderr

    def test_import_error_inside_the_module_shows_its_traceback(self, app_dir: Path) -> None:
        result = run("request", "broken_import:app", "/", "--app-dir", str(app_dir))
        assert result.returncode == 2
        assert "importing 'broken_import:app' raised ModuleNotFoundError" in result.stderr
        assert "Traceback" in result.stderr
        assert "this_dependency_is_missing" in result.stderr

    def test_bad_option_exits_2(self) -> None:
        result = run("request", EXAMPLE, "/", "--timeout", "soon")
        assert result.returncode == 2
        assert "'soon' is not a valid --timeout (on the command line)" in result.stderr


class TestHangs:
    def test_app_that_never_answers_times_out_with_the_transcript(self, app_dir: Path) -> None:
        result = run("request", "misfits:hangs", "/", "--app-dir", str(app_dir), "--timeout", "0.3")
        assert result.returncode == 1
        assert (
            'Timed out after 0.3s waiting for "http.response.start" from the app (http GET /)'
            in result.stderr
        )
        assert "The app is still running" in result.stderr
        assert 'test → app  "http.request"' in result.stderr

    def test_app_that_blocks_the_event_loop_is_abandoned(self, app_dir: Path) -> None:
        result = run(
            "request", "misfits:blocks_the_loop", "/", "--app-dir", str(app_dir), "--timeout", "0.2"
        )
        assert result.returncode == 1
        assert "the event loop has been blocked for" in result.stderr
        assert 'test → app  "http.request"' in result.stderr
        assert "time.sleep(600)" in result.stderr or "blocks_the_loop" in result.stderr


def test_django_settings_are_honoured(tmp_path: Path) -> None:
    (tmp_path / "cli_settings.py").write_text(
        'SECRET_KEY = "x"\n'
        'INSTALLED_APPS = ["django.contrib.contenttypes"]\n'
        'GREETING = "hi from settings"\n'
        'INSTALLED_APPS = ["django.contrib.contenttypes"]\n'
        'GREETING = "hi from settings"\n'
    )
    (tmp_path / "django_routing.py").write_text(
        textwrap.dedent(
            """
            # Imports a model at import time, as Channels routing modules do: needs django.setup().
            from django.contrib.contenttypes.models import ContentType
            from django.conf import settings

            async def app(scope, receive, send):
                if scope["type"] != "http":
                    raise ValueError("http only")
                await send({"type": "http.response.start", "status": 200})
                await send({"type": "http.response.body", "body": settings.GREETING.encode()})
            """
        )
    )
    result = run(
        "request",
        "django_routing:app",
        "/",
        "--app-dir",
        str(tmp_path),
        "--settings",
        "cli_settings",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("hi from settings\n")


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("request", "websocket", "lifespan", "check"):
        assert command in result.stdout


class TestLoadApp:
    """The loader behind APP, in-process."""

    @pytest.fixture(autouse=True)
    def _restore_sys_path(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(sys, "path", list(sys.path))
        monkeypatch.chdir(REPO)

    @pytest.fixture
    def package(self, tmp_path: Path, request: pytest.FixtureRequest) -> str:
        name = f"loader_{request.node.name.replace('[', '_').replace(']', '')}"
        (tmp_path / f"{name}.py").write_text(
            textwrap.dedent(
                """
                class Container:
                    async def app(self, scope, receive, send):
                        pass

                container = Container()
                not_callable = 42

                async def application(scope, receive, send):
                    pass

                def create_app():
                    return application
                """
            )
        )
        return name

    def test_module_and_attribute(self) -> None:
        from asgitest._loader import load_app
        from examples.chat.app import app

        assert load_app("examples.chat.app:app") is app
        assert load_app("examples.chat.app") is app  # looks for `app`, then `application`

    def test_dotted_attribute_and_factories(self, tmp_path: Path, package: str) -> None:
        from asgitest._loader import load_app

        app = load_app(f"{package}:container.app", app_dir=tmp_path)
        assert app.__name__ == "app"  # type: ignore[attr-defined]
        application = load_app(f"{package}:application", app_dir=tmp_path)
        assert load_app(f"{package}:create_app()", app_dir=tmp_path) is application
        assert load_app(f"{package}:create_app", app_dir=tmp_path, factory=True) is application

    def test_errors_are_usage_errors(self, tmp_path: Path, package: str) -> None:
        from asgitest import UsageError
        from asgitest._loader import AppNotFound, load_app

        assert issubclass(AppNotFound, UsageError)
        with pytest.raises(AppNotFound, match="'a:b:c' is not a valid import string"):
            load_app("a:b:c")
        with pytest.raises(AppNotFound, match=r":not_callable is not callable \(it is a int\)"):
            load_app(f"{package}:not_callable()", app_dir=tmp_path)
        with pytest.raises(AppNotFound, match="does not exist"):
            load_app(f"{package}:application", app_dir=tmp_path / "nope")
        with pytest.raises(AppNotFound, match="Names there that look like ASGI applications"):
            load_app(f"{package}:missing", app_dir=tmp_path)

    def test_a_module_raising_at_import_shows_its_traceback(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        from asgitest._cli import main

        (tmp_path / "raises_at_import.py").write_text("raise RuntimeError('boom at import')\n")
        assert main(["request", "raises_at_import:app", "/", "--app-dir", str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert "failed: RuntimeError: boom at import. The traceback:" in err
        assert 'raises_at_import.py", line 1' in err

    def test_a_missing_dependency_of_the_module_is_raised_as_itself(self, app_dir: Path) -> None:
        from asgitest._loader import load_app

        with pytest.raises(ModuleNotFoundError, match="this_dependency_is_missing"):
            load_app("broken_import:app", app_dir=app_dir)


def _readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    commands = []
    in_console = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_console = line == "```console"
            continue
        line = line.removeprefix("$ ")
        if in_console and line.startswith("asgitest "):
            commands.append(line)
    return commands


@pytest.mark.parametrize("command", _readme_commands())
def test_readme_try_it_commands_work_as_written(command: str) -> None:
    import shlex

    words = shlex.split(command, comments=True)
    assert words[0] == "asgitest"
    result = run(*words[1:])
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout


class TestColour:
    class _Terminal:
        def isatty(self) -> bool:
            return True

    def test_colour_only_on_a_terminal_without_no_color(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from asgitest._cli._output import Style as _Style

        monkeypatch.delenv("NO_COLOR", raising=False)
        monkeypatch.setenv("TERM", "xterm")
        assert _Style(self._Terminal()).enabled  # type: ignore[arg-type]
        with open(os.devnull, "w") as not_a_terminal:
            assert not _Style(not_a_terminal).enabled
        monkeypatch.setenv("NO_COLOR", "1")
        assert not _Style(self._Terminal()).enabled  # type: ignore[arg-type]
        assert _Style(self._Terminal(), "always").enabled  # type: ignore[arg-type]


class TestPedanticFindings:
    def test_hidden_by_default_without_a_count(self) -> None:
        result = run("request", "examples.chat.app:app", "GET", "/")
        assert result.returncode == 0
        assert result.stderr == ""

    def test_shown_with_pedantic(self) -> None:
        result = run("request", "examples.chat.app:app", "GET", "/", "--pedantic")
        assert result.returncode == 0
        assert 'asgitest: spec warning [R8] "http.response.start" headers uses tuples' in (
            result.stderr
        )


class TestLifespanAuto:
    """``--lifespan auto`` (the default) is uvicorn's: an app without lifespan is served."""

    def test_an_app_that_never_checks_the_scope_type_is_served(self) -> None:
        result = run("request", "docs.index_example:app", "GET", "/hello")
        assert result.returncode == 0, result.stderr
        assert result.stdout == "HTTP/1.1 200 OK\n\nHello, world!\n"
        assert result.stderr == (
            'asgitest: lifespan appears unsupported: the app sent "http.response.start" instead '
            'of answering "lifespan.startup"; carrying on without it, as uvicorn\'s --lifespan '
            "auto does (--lifespan on requires it)\n"
        )

    def test_an_app_that_raises_during_startup_is_served_without_lifespan(
        self, tmp_path: Path
    ) -> None:
        (tmp_path / "startup_raises.py").write_text(
            textwrap.dedent(
                """
                async def app(scope, receive, send):
                    if scope["type"] == "lifespan":
                        await receive()
                        raise RuntimeError("database is down")
                    await send({"type": "http.response.start", "status": 200, "headers": []})
                    await send({"type": "http.response.body", "body": b"served"})
                """
            )
        )
        result = run("request", "startup_raises:app", "/", "--app-dir", str(tmp_path))
        assert result.returncode == 0, result.stderr
        assert result.stdout.endswith("served\n")
        assert "lifespan appears unsupported: the app raised RuntimeError: database is down" in (
            result.stderr
        )
        failed = run(
            "request", "startup_raises:app", "/", "--app-dir", str(tmp_path), "--lifespan", "on"
        )
        assert failed.returncode == 1
        assert "lifespan startup failed: the app raised RuntimeError: database is down" in (
            failed.stderr
        )
        assert "Traceback" in failed.stderr

    def test_lifespan_on_keeps_failing_loudly(self) -> None:
        result = run("request", "docs.index_example:app", "GET", "/hello", "--lifespan", "on")
        assert result.returncode == 1
        assert result.stdout == ""
        assert "lifespan startup failed: The app does not support the lifespan protocol" in (
            result.stderr
        )
        assert '"http.response.start"' in result.stderr


class TestWaiting:
    def test_the_second_wait_says_what_it_waits_for(self, app_dir: Path) -> None:
        result = run("request", "misfits:hangs", "/", "--app-dir", str(app_dir), "--timeout", "0.3")
        assert result.returncode == 1
        assert 'Timed out after 0.3s waiting for "http.response.start"' in result.stderr
        assert (
            "asgitest: the client disconnected (http.disconnect); waiting up to 0.25s for the "
            "app to return" in result.stderr
        )
        assert "it did not return after http.disconnect" in result.stderr


class TestCheckFrames:
    APP = "tests.cli.malformed_apps:json_echo"

    def test_a_json_consumer_fails_on_the_default_text_frame(self) -> None:
        result = run("check", self.APP, "--timeout", "1")
        assert result.returncode == 1
        assert "WebSocket /" in result.stdout
        assert "JSONDecodeError" in result.stdout

    def test_send_json_frames_in_order(self) -> None:
        result = run(
            "check", self.APP, "--send-json", '{"a": 1}', "--send", "[2]", "--timeout", "1"
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "accepted, 2 frame(s) back, disconnected cleanly" in result.stdout

    def test_send_json_must_be_json(self) -> None:
        result = run("check", self.APP, "--send-json", "{nope")
        assert result.returncode == 2
        assert "expected JSON, got '{nope'" in result.stderr

    def test_the_apps_logging_goes_below_the_report_on_stderr(self) -> None:
        result = run("check", self.APP, "--send-json", "{}", "--timeout", "1")
        assert "Not Found: /asgitest-probe-" not in result.stdout
        assert "print() from the app" not in result.stdout
        assert "What the app logged or printed during the probe (2 lines):" in result.stderr
        assert "  Not Found: /asgitest-probe-" in result.stderr
        assert "  print() from the app" in result.stderr

    def test_json_report_stays_json(self) -> None:
        result = run("check", self.APP, "--send-json", "{}", "--json", "--timeout", "1")
        assert json.loads(result.stdout)["ok"] is True
        assert "Not Found: /asgitest-probe-" in result.stderr
