"""Every fixture under every runner: pytest-asyncio strict and auto, anyio on asyncio and trio."""

from __future__ import annotations

import pytest
from plugin_helpers import RUNNERS, Runner, render, run, setup_project

ALL_FIXTURES = """
from apps import echo, hello

pytestmark = pytest.mark.asgi(app=hello)


{mark}
async def test_http_factory(asgi_http_factory):
    async with asgi_http_factory("GET", "/") as communicator:
        response = await communicator.get_response()
    assert response["status"] == 200
    assert response["body"] == b"no lifespan"


{mark}
async def test_test_app_runs_lifespan_around_the_block(asgi_test_app):
    async with asgi_test_app as app:
        assert app.state["greeting"] == "hello from lifespan"
        async with app.http("GET", "/") as communicator:
            response = await communicator.get_response()
    assert response["body"] == b"hello from lifespan"


{mark}
async def test_factories_share_the_test_app_lifespan(asgi_test_app, asgi_http_factory):
    async with asgi_test_app:
        async with asgi_http_factory("GET", "/") as communicator:
            response = await communicator.get_response()
    assert response["body"] == b"hello from lifespan"


{mark}
@pytest.mark.asgi(app=echo)
async def test_websocket_factory(asgi_websocket_factory):
    async with asgi_websocket_factory("/ws/") as communicator:
        connected, _ = await communicator.connect()
        assert connected
        await communicator.send_to(text_data="ping")
        assert await communicator.receive_from() == "ping"


{mark}
async def test_lifespan_communicator(asgi_lifespan_communicator):
    async with asgi_lifespan_communicator as lifespan:
        assert lifespan.state["greeting"] == "hello from lifespan"
    assert lifespan.shut_down


def test_asgi_app_and_config_in_a_sync_test(asgi_app, asgi_config):
    assert asgi_app is hello or asgi_app.__name__ == "hello"
    assert asgi_config.timeout == 1.0
"""


def test_every_fixture_works(pytester: pytest.Pytester, runner: Runner) -> None:
    setup_project(pytester, runner)
    pytester.makepyfile(test_fixtures=render(ALL_FIXTURES, runner))
    result = run(pytester, runner)
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(
        ["asgitest: app=(not set), timeout=1s, strict=error, lifespan=auto"]
    )


UNMARKED = """
import pytest
from apps import hello

@pytest.mark.asgi(app=hello)
async def test_unmarked(asgi_http_factory):
    async with asgi_http_factory("GET", "/") as communicator:
        await communicator.get_response()
"""


@pytest.mark.parametrize(
    ("name", "advice"),
    [
        ("asyncio-strict", "*pytest-asyncio is active in strict mode: mark the test *asyncio*"),
        ("anyio-asyncio", "*anyio's plugin is active: mark the test @pytest.mark.anyio*"),
        (None, "*no async plugin is active*"),
    ],
)
def test_unrun_async_test_says_which_runner_and_what_to_do(
    pytester: pytest.Pytester, name: str | None, advice: str
) -> None:
    runner = RUNNERS[name] if name else None
    setup_project(pytester, runner)
    pytester.makepyfile(test_unmarked=UNMARKED)
    result = run(pytester, runner)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*async def functions are not natively supported*",
            "*- Captured asgitest call -*",
            "test_unmarked uses asgitest fixtures, but no async plugin ran its `async def` "
            "test function.*",
            advice,
        ]
    )


TRIO_WITHOUT_ASYNC_WITH = """
import pytest
from apps import echo

@pytest.mark.anyio
@pytest.mark.asgi(app=echo)
async def test_no_async_with(asgi_websocket_factory):
    communicator = asgi_websocket_factory("/ws/")
    await communicator.connect()
"""


def test_trio_without_async_with_says_what_to_do(pytester: pytest.Pytester) -> None:
    runner = RUNNERS["anyio-trio"]
    setup_project(pytester, runner)
    pytester.makepyfile(test_trio=TRIO_WITHOUT_ASYNC_WITH)
    result = run(pytester, runner)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*Under trio, asgitest runs the application inside a nursery*", "*async with*"]
    )


SHARED_LIFESPAN = """
from apps import hello

pytestmark = pytest.mark.asgi(app=hello)


{module_fixture}
async def shared_app(asgi_config, request):
    # One lifespan for the whole module: the recipe from docs/pytest-plugin.md.
    settings = asgi_config.for_node(request.node)
    async with settings.make_test_app(hello) as app:
        yield app


{module_mark}
async def test_first(shared_app):
    async with shared_app.http("GET", "/") as communicator:
        response = await communicator.get_response()
    assert response["body"] == b"hello from lifespan"


{module_mark}
async def test_second_sees_the_same_lifespan(shared_app):
    assert shared_app.state["startups"] == 1
    async with shared_app.http("GET", "/") as communicator:
        response = await communicator.get_response()
    assert response["body"] == b"hello from lifespan"
"""


def test_one_lifespan_shared_across_a_module(pytester: pytest.Pytester, runner: Runner) -> None:
    setup_project(pytester, runner)
    pytester.makepyfile(test_shared=render(SHARED_LIFESPAN, runner))
    result = run(pytester, runner)
    result.assert_outcomes(passed=2)


UNDECORATED_FIXTURE = """
import pytest
from apps import hello

pytestmark = pytest.mark.asgi(app=hello)


@pytest.fixture
async def running_app(asgi_test_app):
    async with asgi_test_app as app:
        yield app


@pytest.mark.asyncio
async def test_uses_it(running_app):
    pass
"""


@pytest.mark.skipif(
    int(pytest.__version__.split(".")[0]) < 9,
    reason="pytest 8 hands the test an undecorated async fixture's coroutine with only a "
    "warning; from pytest 9 it is the error this test reads",
)
def test_async_fixture_no_runner_handles_says_what_to_do(pytester: pytest.Pytester) -> None:
    runner = RUNNERS["asyncio-strict"]
    setup_project(pytester, runner)
    pytester.makepyfile(test_fixture=UNDECORATED_FIXTURE)
    result = run(pytester, runner)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*requested an async fixture 'running_app'*",
            "*- Captured asgitest setup -*",
            "test_uses_it uses asgitest fixtures, but no async plugin ran its async fixture.*",
            "- pytest-asyncio is active in strict mode: decorate the async fixture with "
            "@pytest_asyncio.fixture*",
        ]
    )
