"""The ``asgi`` marker: per test, class and module, closest wins per keyword, strict errors."""

from __future__ import annotations

import pytest
from plugin_helpers import NO_RUNNER, run, setup_project

LAYERS = """
import pytest
from apps import echo, hello

pytestmark = pytest.mark.asgi(app=hello, timeout=5, strict="warn")


def test_module_marker(asgi_app, asgi_config, request):
    settings = asgi_config.for_node(request.node)
    assert asgi_app is hello
    assert (settings.timeout, settings.strict, settings.lifespan) == (5.0, "warn", "auto")


@pytest.mark.asgi(timeout=2, lifespan="off")
class TestClassMarker:
    def test_class_keywords_win_the_others_come_from_the_module(self, asgi_test_app):
        assert asgi_test_app.application is hello
        assert asgi_test_app.timeout == 2.0
        assert asgi_test_app.strict == "warn"
        assert asgi_test_app.lifespan_mode == "off"

    @pytest.mark.asgi(app="apps:echo", timeout=None, strict=False)
    def test_function_marker_wins(self, asgi_app, asgi_http_factory):
        assert asgi_app is echo
        communicator = asgi_http_factory("GET", "/")
        assert (communicator.timeout, communicator.strict) == (None, "off")


@pytest.mark.asgi(strict=True, lifespan=True)
def test_boolean_spellings(asgi_test_app):
    assert (asgi_test_app.strict, asgi_test_app.lifespan_mode) == ("error", "on")
"""


def test_markers_layer_by_keyword(pytester: pytest.Pytester) -> None:
    setup_project(pytester, ini="asgi_timeout = 9\nasgi_strict = pedantic")
    pytester.makepyfile(test_layers=LAYERS)
    run(pytester, None, "--strict-markers").assert_outcomes(passed=4)


def test_marker_beats_command_line_and_ini(pytester: pytest.Pytester) -> None:
    setup_project(pytester, ini="asgi_app = apps:hello\nasgi_timeout = 9")
    pytester.makepyfile(
        test_precedence="""
        import pytest

        @pytest.mark.asgi(app="apps:busy", timeout=3)
        def test_marker(asgi_app, asgi_test_app):
            assert asgi_app.__name__ == "busy"
            assert asgi_test_app.timeout == 3.0

        def test_cli(asgi_app, asgi_test_app):
            assert asgi_app.__name__ == "echo"
            assert asgi_test_app.timeout == 4.0
        """
    )
    run(pytester, None, "--asgi-app=apps:echo", "--asgi-timeout=4").assert_outcomes(passed=2)


def test_conftest_asgi_app_fixture_replaces_every_setting(pytester: pytest.Pytester) -> None:
    setup_project(
        pytester,
        ini="asgi_app = apps:hello",
        conftest="""
        import pytest
        from apps import echo

        @pytest.fixture
        def asgi_app():
            return echo
        """,
    )
    pytester.makepyfile(
        test_override="""
        import pytest
        from apps import echo

        @pytest.mark.asgi(app="apps:busy")
        def test_fixture_wins(asgi_app, asgi_websocket_factory):
            assert asgi_app is echo
            assert asgi_websocket_factory("/").application is echo
        """
    )
    run(pytester, None).assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        (
            "asgi(timout=2)",
            "E * TypeError: the @pytest.mark.asgi marker on test_bad.py::test_it: asgi() got an "
            "unexpected keyword argument 'timout'. Did you mean 'timeout'? Valid arguments: app, "
            "timeout, strict, ignore_rules, lifespan, allow_leaks.",
        ),
        (
            "asgi('apps:hello')",
            "E * TypeError: the @pytest.mark.asgi marker on test_bad.py::test_it: asgi() takes "
            "keyword arguments only, got 1 positional argument*",
        ),
        (
            "asgi(strict='loud')",
            "E *InvalidArgument: 'loud' is not a valid strict (from the @pytest.mark.asgi marker "
            "on test_bad.py::test_it). Valid values: error (or True/'on'), pedantic, warn, off "
            "(or False/None).",
        ),
        (
            "asgi(lifespan='sometimes')",
            "E *InvalidArgument: 'sometimes' is not a valid lifespan (from the @pytest.mark.asgi "
            "marker on test_bad.py::test_it). Valid values: auto, on (or True), off (or "
            "False/None).",
        ),
        (
            "asgi(timeout=-1)",
            "E *InvalidArgument: -1 is not a valid timeout (from the @pytest.mark.asgi marker "
            "on test_bad.py::test_it)*",
        ),
        (
            "asgi(allow_leaks='yes')",
            "E * ValueError: the @pytest.mark.asgi marker on test_bad.py::test_it: allow_leaks "
            "must be True or False, got 'yes'.",
        ),
    ],
    ids=["unknown-keyword", "positional", "strict", "lifespan", "timeout", "allow-leaks"],
)
def test_bad_marker_is_an_error_naming_the_marker(
    pytester: pytest.Pytester, marker: str, message: str
) -> None:
    setup_project(pytester)
    pytester.makepyfile(
        test_bad=f"""
        import pytest
        from apps import hello

        @pytest.mark.{marker}
        def test_it():
            pass
        """
    )
    result = run(pytester, None)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([message])


def test_module_marker_errors_name_the_module(pytester: pytest.Pytester) -> None:
    setup_project(pytester)
    pytester.makepyfile(
        test_bad="""
        import pytest

        pytestmark = pytest.mark.asgi(apps="apps:hello")

        def test_it():
            pass
        """
    )
    result = run(pytester, None)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["E * TypeError: the @pytest.mark.asgi marker on test_bad.py: asgi() got an unexpected*"]
    )


def test_marker_is_registered_with_its_signature(pytester: pytest.Pytester) -> None:
    setup_project(pytester)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", *NO_RUNNER, "--markers")
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.asgi(*, app=None, timeout=None, strict=None, ignore_rules=None, "
            "lifespan=None, allow_leaks*"
        ]
    )
