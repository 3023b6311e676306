"""What each fixture hands out, its scope, and how users replace it."""

from __future__ import annotations

import pytest
from plugin_helpers import RUNNERS, render, run, setup_project

FIXTURES = """
from apps import echo, hello

pytestmark = pytest.mark.asgi(app=hello, timeout=3)
SEEN = []


class AppWithAttributes:
    def __init__(self):
        self.state = {"configured": True}

    async def __call__(self, scope, receive, send):
        await hello(scope, receive, send)


INSTANCE = AppWithAttributes()


def test_asgi_config_is_one_object_per_session(asgi_config):
    SEEN.append(asgi_config)
    assert asgi_config.timeout == 1.0  # the session's settings: markers are not applied


def test_asgi_config_for_node_applies_markers(asgi_config, request):
    SEEN.append(asgi_config)
    assert SEEN[0] is SEEN[1]
    assert asgi_config.for_node(request.node).timeout == 3.0


@pytest.mark.asgi(app=INSTANCE)
def test_asgi_app_is_the_object_itself(asgi_app):
    assert asgi_app is INSTANCE
    assert asgi_app.state == {"configured": True}


def test_asgi_test_app_is_new_for_each_test(asgi_test_app):
    SEEN.append(asgi_test_app)
    assert not asgi_test_app.lifespan_running


def test_asgi_test_app_again(asgi_test_app):
    assert asgi_test_app is not SEEN[-1]


{mark}
async def test_http_factory_passes_options(asgi_http_factory):
    communicator = asgi_http_factory(
        "POST", "/items?page=2", b"data", [(b"x-token", b"t")], scope={"extra": 1}, timeout=7
    )
    assert communicator.scope["method"] == "POST"
    assert communicator.scope["query_string"] == b"page=2"
    assert communicator.scope["extra"] == 1
    assert (b"x-token", b"t") in communicator.scope["headers"]
    assert communicator.timeout == 7
    async with communicator:
        assert (await communicator.get_response())["status"] == 200


{mark}
@pytest.mark.asgi(app=echo)
async def test_websocket_factory_passes_subprotocols(asgi_websocket_factory):
    async with asgi_websocket_factory("/ws/", subprotocols=["chat"]) as communicator:
        assert communicator.scope["subprotocols"] == ["chat"]
        connected, _ = await communicator.connect()
        assert connected


{mark}
@pytest.mark.asgi(lifespan="off")
async def test_lifespan_communicator_follows_the_lifespan_setting(asgi_lifespan_communicator):
    assert asgi_lifespan_communicator.mode == "off"
    async with asgi_lifespan_communicator as lifespan:
        assert lifespan.state == {}


{mark}
async def test_test_app_startup_without_shutdown_is_a_leak(asgi_test_app):
    await asgi_test_app.startup()
    assert asgi_test_app.state["greeting"] == "hello from lifespan"


{mark}
async def test_communicator_from_test_app_is_tracked(asgi_test_app):
    communicator = asgi_test_app.websocket("/ws/")
    await communicator.connect()
"""


def test_fixtures(pytester: pytest.Pytester) -> None:
    runner = RUNNERS["asyncio-strict"]
    setup_project(pytester, runner)
    pytester.makepyfile(test_fixtures=render(FIXTURES, runner))
    result = run(pytester, runner)
    result.assert_outcomes(passed=8, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*_ test_test_app_startup_without_shutdown_is_a_leak _*",
            "lifespan (asgi_test_app lifespan): scope {'type': 'lifespan'*",
            "*_ test_communicator_from_test_app_is_tracked _*",
            "websocket /ws/ (asgi_test_app): scope*",
        ]
    )


def test_asgi_app_overridden_at_module_scope(pytester: pytest.Pytester) -> None:
    """A conftest ``asgi_app`` of any scope replaces the plugin's; the other fixtures use it."""
    runner = RUNNERS["anyio-trio"]
    setup_project(
        pytester,
        runner,
        conftest="""
        import pytest
        from apps import create_app

        @pytest.fixture(scope="module")
        def asgi_app():
            return create_app()
        """,
    )
    pytester.makepyfile(
        test_override="""
        import pytest

        @pytest.mark.anyio
        async def test_uses_the_override(asgi_app, asgi_http_factory):
            async with asgi_http_factory("GET", "/") as communicator:
                assert communicator.application is asgi_app
                response = await communicator.get_response()
            assert response["body"] == b"no lifespan"
        """
    )
    run(pytester, runner).assert_outcomes(passed=1)
