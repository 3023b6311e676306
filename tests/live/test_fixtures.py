"""The asgi_live_server* fixtures, in a child pytest run, as a user's suite gets them."""

from __future__ import annotations

import httpx
import pytest

from . import apps as live_apps

WAIT = 10  # seconds any single network wait may take before the test fails


def test_fixture_factory(asgi_live_server_factory) -> None:
    live = asgi_live_server_factory(live_apps.app, server="hypercorn")
    assert httpx.get(live.url + "/", timeout=WAIT).text == "hello"


class TestFixtures:
    """The fixtures in a child pytest run, as a user's suite loads them."""

    # pytest-django would set up Django's test environment a second time in this process.
    ARGS = ("-p", "no:cacheprovider", "-p", "no:asyncio", "-p", "no:django", "-q")

    CONFTEST = """
        import pytest

        @pytest.fixture
        def asgi_app():
            from tests.live import apps
            return apps.app

        @pytest.fixture(scope="session")
        def asgi_live_app():
            return "tests.live.apps:app"
    """

    def test_function_and_session_servers(self, pytester: pytest.Pytester) -> None:
        pytester.makeconftest(self.CONFTEST)
        pytester.makepyfile(
            """
            import httpx

            PORTS = set()

            def test_function_scope(asgi_live_server):
                assert httpx.get(asgi_live_server.url + "/", timeout=10).text == "hello"

            def test_session_scope_is_shared(asgi_live_server_session):
                PORTS.add(asgi_live_server_session.port)
                assert httpx.get(asgi_live_server_session.url + "/", timeout=10).text == "hello"

            def test_session_scope_again(asgi_live_server_session):
                assert PORTS == {asgi_live_server_session.port}
            """
        )
        result = pytester.runpytest_inprocess(*self.ARGS)
        result.assert_outcomes(passed=3)

    def test_session_server_serves_the_asgi_app_setting(self, pytester: pytest.Pytester) -> None:
        pytester.makeini("[pytest]\nasgi_app = tests.live.apps:app\n")
        pytester.makepyfile(
            """
            import httpx

            def test_session_scope(asgi_live_server_session):
                assert httpx.get(asgi_live_server_session.url + "/", timeout=10).text == "hello"
            """
        )
        result = pytester.runpytest_inprocess(*self.ARGS)
        result.assert_outcomes(passed=1)

    def test_missing_apps_say_what_to_define(self, pytester: pytest.Pytester) -> None:
        # Without asgitest's plugin (so without its asgi_app fixture), the fixtures module
        # loaded on its own.
        pytester.makeconftest('pytest_plugins = ["asgitest._live._fixtures"]')
        pytester.makepyfile(
            """
            def test_function_scope(asgi_live_server):
                pass

            def test_session_scope(asgi_live_server_session):
                pass
            """
        )
        result = pytester.runpytest_inprocess(*self.ARGS, "-p", "no:asgitest")
        result.assert_outcomes(errors=2)
        result.stdout.fnmatch_lines(
            [
                "*UsageError: asgi_live_server serves the `asgi_app` fixture*",
                "*UsageError: asgi_live_server_session serves the app named by*",
            ]
        )
