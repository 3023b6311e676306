"""The ini options, command-line flags and environment variable, their precedence and errors."""

from __future__ import annotations

import pytest
from plugin_helpers import NO_RUNNER, RUNNERS, render, run, setup_project

FULL_INI = """
asgi_app = apps:hello
asgi_timeout = 2.5
asgi_timeout_factor = 3
asgi_strict = warn
asgi_lifespan = off
"""


def header(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """A collect-only run in this process: enough to read the header or a usage error."""
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", *NO_RUNNER, "--co", *args)


@pytest.fixture(autouse=True)
def _no_factor_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASGITEST_TIMEOUT_FACTOR", raising=False)


class TestHeader:
    def test_defaults(self, pytester: pytest.Pytester) -> None:
        setup_project(pytester)
        header(pytester).stdout.fnmatch_lines(
            ["asgitest: app=(not set), timeout=1s, strict=error, lifespan=auto"]
        )

    def test_every_ini_option(self, pytester: pytest.Pytester) -> None:
        setup_project(pytester, ini=FULL_INI)
        header(pytester).stdout.fnmatch_lines(
            [
                "asgitest: app=apps:hello, timeout=2.5s x3 (asgi_timeout_factor in tox.ini), "
                "strict=warn, lifespan=off"
            ]
        )

    def test_command_line_beats_ini(self, pytester: pytest.Pytester) -> None:
        setup_project(pytester, ini=FULL_INI)
        result = header(
            pytester,
            "--asgi-app=apps:create_app()",
            "--asgi-timeout=none",
            "--asgi-strict=on",
            "--asgi-lifespan=auto",
        )
        result.stdout.fnmatch_lines(
            ["asgitest: app=apps:create_app(), timeout=none x3 (*), strict=error, lifespan=auto"]
        )


class TestTimeoutFactorPrecedence:
    """Command line, then the environment variable, then the ini file (pytest-timeout's order)."""

    def test_ini(self, pytester: pytest.Pytester) -> None:
        setup_project(pytester, ini="asgi_timeout_factor = 3")
        header(pytester).stdout.fnmatch_lines(["*timeout=1s x3 (asgi_timeout_factor in tox.ini)*"])

    def test_environment_beats_ini(
        self, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        setup_project(pytester, ini="asgi_timeout_factor = 3")
        monkeypatch.setenv("ASGITEST_TIMEOUT_FACTOR", "5")
        header(pytester).stdout.fnmatch_lines(["*timeout=1s x5 (ASGITEST_TIMEOUT_FACTOR)*"])

    def test_command_line_beats_environment(
        self, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        setup_project(pytester, ini="asgi_timeout_factor = 3")
        monkeypatch.setenv("ASGITEST_TIMEOUT_FACTOR", "5")
        header(pytester, "--asgi-timeout-factor=7").stdout.fnmatch_lines(
            ["*timeout=1s x7 (the --asgi-timeout-factor option)*"]
        )


@pytest.mark.parametrize(
    ("ini", "args", "env", "message"),
    [
        (
            "asgi_lifespan = maybe",
            (),
            None,
            "'maybe' is not a valid asgi_lifespan (from asgi_lifespan in tox.ini). "
            "Valid values: auto, on (or True), off (or False/None).",
        ),
        (
            "",
            ("--asgi-strict=loud",),
            None,
            "'loud' is not a valid asgi_strict (from the --asgi-strict option). "
            "Valid values: error (or True/'on'), pedantic, warn, off (or False/None).",
        ),
        (
            "asgi_timeout = -1",
            (),
            None,
            "'-1' is not a valid asgi_timeout (from asgi_timeout in tox.ini). "
            "Valid values: a number of seconds >= 0 (e.g. 2.5), or none to wait forever.",
        ),
        (
            "",
            (),
            "fast",
            "'fast' is not a valid asgi_timeout_factor (from ASGITEST_TIMEOUT_FACTOR). "
            "Valid values: a number > 0*",
        ),
        (
            "",
            ("--asgi-timeout-factor=0",),
            None,
            "'0' is not a valid asgi_timeout_factor (from the --asgi-timeout-factor option)*",
        ),
        (
            "asgi_transcript_lines = many",
            (),
            None,
            "'many' is not a valid asgi_transcript_lines (from asgi_transcript_lines in "
            "tox.ini). Valid values: a whole number >= 1.",
        ),
    ],
    ids=["ini-lifespan", "cli-strict", "ini-timeout", "env-factor", "cli-factor", "ini-lines"],
)
def test_bad_value_is_a_usage_error_naming_option_value_source_and_choices(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    ini: str,
    args: tuple[str, ...],
    env: str | None,
    message: str,
) -> None:
    setup_project(pytester, ini=ini)
    if env is not None:
        monkeypatch.setenv("ASGITEST_TIMEOUT_FACTOR", env)
    result = header(pytester, *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])


BEHAVIOUR = """
import pytest
from asgitest import Timeout


@pytest.mark.anyio
@pytest.mark.asgi(app="apps:silent")
async def test_timeout_and_factor_are_applied(asgi_http_factory):
    async with asgi_http_factory("GET", "/") as communicator:
        with pytest.raises(Timeout, match=r"Timed out after 0.2s"):
            await communicator.get_response()
        communicator.stop()


@pytest.mark.anyio
async def test_lifespan_off_runs_no_lifespan(asgi_test_app, asgi_config):
    assert asgi_config.lifespan == "off"
    async with asgi_test_app as app:
        async with app.http("GET", "/") as communicator:
            response = await communicator.get_response()
    assert response["body"] == b"no lifespan"


def test_settings_reach_the_communicators(asgi_http_factory, asgi_config):
    assert (asgi_config.timeout, asgi_config.timeout_factor) == (0.1, 2.0)
    communicator = asgi_http_factory("GET", "/")
    assert (communicator.timeout, communicator.strict) == (0.1, "warn")
"""


def test_options_reach_fixtures_and_communicators(pytester: pytest.Pytester) -> None:
    runner = RUNNERS["anyio-asyncio"]
    setup_project(
        pytester,
        runner,
        ini="""
        asgi_app = apps:hello
        asgi_timeout = 0.1
        asgi_timeout_factor = 2
        asgi_strict = warn
        asgi_lifespan = off
        """,
    )
    pytester.makepyfile(test_behaviour=render(BEHAVIOUR, runner))
    run(pytester, runner).assert_outcomes(passed=3)


APP_SOURCES = """
def test_app_is_loaded(asgi_app):
    assert asgi_app.__name__ == "{expected}"
"""


@pytest.mark.parametrize(
    ("ini", "args", "expected"),
    [
        ("asgi_app = apps:hello", (), "hello"),
        ("asgi_app = apps:hello", ("--asgi-app=apps:echo",), "echo"),
        ("asgi_app = apps:create_app()", (), "hello"),
        ("asgi_app = inner:app\nasgi_app_dir = src", (), "app_in_src"),
        ("", ("--asgi-app=inner:app", "--asgi-app-dir=src"), "app_in_src"),
    ],
    ids=["ini", "cli-beats-ini", "factory", "app-dir-ini", "app-dir-cli"],
)
def test_where_the_app_comes_from(
    pytester: pytest.Pytester, ini: str, args: tuple[str, ...], expected: str
) -> None:
    setup_project(pytester, ini=ini)
    src = pytester.mkdir("src")
    (src / "inner.py").write_text(
        "async def app_in_src(scope, receive, send):\n    pass\n\napp = app_in_src\n"
    )
    pytester.makepyfile(test_app=APP_SOURCES.replace("{expected}", expected))
    run(pytester, None, *args).assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("ini", "lines"),
    [
        (
            "",
            [
                "E * No ASGI application is configured for test_app.py::test_app_is_loaded.*",
                '*@pytest.mark.asgi(app="myproject.asgi:application")*',
                "*pytest --asgi-app=myproject.asgi:application*",
                "*define an `asgi_app` fixture in conftest.py*",
            ],
        ),
        (
            "asgi_app = nowhere.asgi:application",
            [
                "E * Could not import module 'nowhere.asgi' for the ASGI app "
                "'nowhere.asgi:application' (from asgi_app in tox.ini)*"
            ],
        ),
        (
            "asgi_app = apps:APPS_TYPO",
            [
                "E * 'apps' has no attribute 'APPS_TYPO', named by the ASGI app*"
                "Names there that look like ASGI applications:*"
            ],
        ),
        (
            "asgi_app = apps:anyio",
            [
                "E * 'apps:anyio' (from asgi_app in tox.ini) does not name an ASGI application. "
                "asgitest expected an ASGI application*"
            ],
        ),
    ],
    ids=["not-set", "no-module", "no-attribute", "not-an-app"],
)
def test_app_errors_say_what_to_do(pytester: pytest.Pytester, ini: str, lines: list[str]) -> None:
    setup_project(pytester, ini=ini)
    pytester.makepyfile(test_app=APP_SOURCES.replace("{expected}", "x"))
    result = run(pytester, None)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(lines)


_OWN_COMMUNICATORS = """
import pytest
from asgitest import WebsocketCommunicator

async def pick_unoffered(scope, receive, send):
    await receive()
    await send({{"type": "websocket.accept", "subprotocol": "never-offered"}})
    await receive()

{mark}
async def test_own_communicator(request):
    communicator = WebsocketCommunicator(pick_unoffered, "/")
    rules = " ".join(sorted(communicator.ignore_rules)) or "-"
    print("SETTINGS", communicator.timeout, communicator.strict, rules)
    async with communicator:
        connected, _ = await communicator.connect()
        assert connected
"""


class TestSettingsReachCommunicatorsTheTestBuilds:
    """ini, command line and marker settings apply to every communicator made while a test
    runs, not only to fixture-made ones (channels' suite with --asgi-strict warn)."""

    @pytest.mark.parametrize("runner", ["asyncio-auto", "anyio-trio"])
    def test_ini_strictness_and_timeout(self, pytester: pytest.Pytester, runner: str) -> None:
        setup_project(pytester, ini="asgi_strict = warn\nasgi_timeout = 3")
        pytester.makepyfile(test_own=_OWN_COMMUNICATORS.format(mark=RUNNERS[runner].mark))
        result = run(pytester, RUNNERS[runner], "-s", "-W", "default::asgitest.ProtocolWarning")
        outcomes = result.parseoutcomes()
        assert outcomes.get("passed", 0) >= 1, outcomes
        assert "failed" not in outcomes, outcomes
        result.stdout.fnmatch_lines(["*SETTINGS 3.0 warn -*", "*R77*"])

    def test_command_line_waiver(self, pytester: pytest.Pytester) -> None:
        setup_project(pytester)
        pytester.makepyfile(test_own=_OWN_COMMUNICATORS.format(mark=RUNNERS["asyncio-auto"].mark))
        result = run(pytester, RUNNERS["asyncio-auto"], "-s", "--asgi-ignore-rules=r77, R8")
        result.assert_outcomes(passed=1)
        result.stdout.fnmatch_lines(["*SETTINGS 1.0 error R77 R8*"])

    def test_without_the_setting_the_rule_fails_the_test(self, pytester: pytest.Pytester) -> None:
        setup_project(pytester)
        pytester.makepyfile(test_own=_OWN_COMMUNICATORS.format(mark=RUNNERS["asyncio-auto"].mark))
        result = run(pytester, RUNNERS["asyncio-auto"])
        result.assert_outcomes(failed=1)
        result.stdout.fnmatch_lines(["*ProtocolError*R77*"])

    def test_marker_settings_add_waivers_and_win_over_ini(self, pytester: pytest.Pytester) -> None:
        setup_project(pytester, ini="asgi_ignore_rules = R8\nasgi_timeout = 3")
        mark = '@pytest.mark.asgi(timeout=0.5, ignore_rules=["R77"])'
        pytester.makepyfile(test_own=_OWN_COMMUNICATORS.format(mark=mark))
        result = run(pytester, RUNNERS["asyncio-auto"], "-s")
        result.assert_outcomes(passed=1)
        result.stdout.fnmatch_lines(["*SETTINGS 0.5 error R77 R8*"])

    def test_a_bad_rule_id_is_a_usage_error(self, pytester: pytest.Pytester) -> None:
        setup_project(pytester, ini="asgi_ignore_rules = R77 R999")
        result = header(pytester)
        result.stderr.fnmatch_lines(
            ["*'R999' in asgi_ignore_rules (from asgi_ignore_rules in tox.ini) is not a rule id*"]
        )

    def test_the_header_shows_the_waivers(self, pytester: pytest.Pytester) -> None:
        setup_project(pytester, ini="asgi_ignore_rules = R82, R8")
        header(pytester).stdout.fnmatch_lines(
            [
                "asgitest: app=(not set), timeout=1s, strict=error, ignore_rules=R8 R82, "
                "lifespan=auto"
            ]
        )
