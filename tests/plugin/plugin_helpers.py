"""Helpers for the plugin's pytester tests: raw apps, and the four runner set-ups.

Every pytester run pins its plugin set (``-p asgitest`` plus ``-p no:anyio`` or
``-p no:asyncio``), as anyio's own plugin tests do, so each runner is tested in isolation.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import pytest

# Raw ASGI apps written into each pytester directory as ``apps.py``.
APPS = textwrap.dedent(
    '''
    import anyio

    async def hello(scope, receive, send):
        """Lifespan-aware: stores state["greeting"] at startup; HTTP answers with it."""
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    scope["state"]["greeting"] = "hello from lifespan"
                    scope["state"]["startups"] = scope["state"].get("startups", 0) + 1
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] == "websocket":
            return await echo(scope, receive, send)
        await receive()
        body = scope.get("state", {}).get("greeting", "no lifespan").encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": body})

    async def echo(scope, receive, send):
        """WebSocket echo; returns on disconnect."""
        if scope["type"] != "websocket":
            raise RuntimeError("echo only speaks websocket")
        await receive()
        await send({"type": "websocket.accept"})
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            await send({"type": "websocket.send", "text": message.get("text"),
                        "bytes": message.get("bytes")})

    async def busy(scope, receive, send):
        """Answers, then keeps working long after the response (ignores the disconnect)."""
        if scope["type"] == "lifespan":
            raise RuntimeError("no lifespan")
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})
        await anyio.sleep(3600)

    async def silent(scope, receive, send):
        """Never answers."""
        if scope["type"] == "lifespan":
            raise RuntimeError("no lifespan")
        await receive()
        await anyio.sleep(3600)

    async def chatty(scope, receive, send):
        """Sends 30 numbered body chunks, then a binary one."""
        await receive()
        await send({"type": "http.response.start", "status": 500, "headers": []})
        for i in range(30):
            await send({"type": "http.response.body", "body": b"chunk %d" % i, "more_body": True})
        await send({"type": "http.response.body", "body": b"\\x00\\xffend"})

    def create_app():
        return hello
    '''
)

INI = textwrap.dedent(
    """
    [pytest]
    {extra}
    """
)
_ASYNCIO_INI = (
    "-o",
    "asyncio_default_fixture_loop_scope=function",
    "-o",
    "asyncio_default_test_loop_scope=function",
)


@dataclass(frozen=True)
class Runner:
    """One way of running async tests, as pytest command-line arguments and source snippets."""

    name: str
    args: tuple[str, ...]
    mark: str  # the decorator line an async test needs ("" in auto mode)
    conftest: str = ""  # e.g. the anyio_backend fixture
    fixture_decorator: str = "@pytest.fixture"  # for async fixtures
    module_fixture_decorator: str = ""  # a module-scoped async fixture sharing the loop
    module_test_mark: str = ""  # the mark a test needs to run in the module's loop
    trio: bool = False


_ANYIO_CONFTEST = """
import pytest

@pytest.fixture(scope="module")
def anyio_backend():
    return {backend!r}
"""

RUNNERS = {
    "asyncio-strict": Runner(
        "asyncio-strict",
        ("-p", "asgitest", "-p", "no:anyio", "-o", "asyncio_mode=strict", *_ASYNCIO_INI),
        "@pytest.mark.asyncio",
        fixture_decorator="@pytest_asyncio.fixture",
        module_fixture_decorator='@pytest_asyncio.fixture(scope="module", loop_scope="module")',
        module_test_mark='@pytest.mark.asyncio(loop_scope="module")',
    ),
    "asyncio-auto": Runner(
        "asyncio-auto",
        ("-p", "asgitest", "-p", "no:anyio", "-o", "asyncio_mode=auto", *_ASYNCIO_INI),
        "",
        module_fixture_decorator='@pytest_asyncio.fixture(scope="module", loop_scope="module")',
        module_test_mark='@pytest.mark.asyncio(loop_scope="module")',
    ),
    "anyio-asyncio": Runner(
        "anyio-asyncio",
        ("-p", "asgitest", "-p", "anyio", "-p", "no:asyncio"),
        "@pytest.mark.anyio",
        conftest=_ANYIO_CONFTEST.format(backend="asyncio"),
        module_fixture_decorator='@pytest.fixture(scope="module")',
        module_test_mark="@pytest.mark.anyio",
    ),
    "anyio-trio": Runner(
        "anyio-trio",
        ("-p", "asgitest", "-p", "anyio", "-p", "no:asyncio"),
        "@pytest.mark.anyio",
        conftest=_ANYIO_CONFTEST.format(backend="trio"),
        module_fixture_decorator='@pytest.fixture(scope="module")',
        module_test_mark="@pytest.mark.anyio",
        trio=True,
    ),
}

NO_RUNNER = ("-p", "asgitest", "-p", "no:asyncio", "-p", "no:anyio")

# Quiet, reproducible runs: no cache, no unrelated plugins.
BASE_ARGS = ("-p", "no:cacheprovider", "-p", "no:django", "-p", "no:xdist", "-p", "no:timeout")


def setup_project(
    pytester: pytest.Pytester, runner: Runner | None = None, ini: str = "", conftest: str = ""
) -> None:
    """apps.py, the ini file and the runner's conftest in the pytester directory."""
    pytester.makepyfile(apps=APPS)
    pytester.makeini(INI.format(extra=textwrap.dedent(ini)))
    parts = [runner.conftest if runner else "", textwrap.dedent(conftest)]
    text = "\n".join(part for part in parts if part.strip())
    if text:
        pytester.makeconftest(text)


def render(source: str, runner: Runner) -> str:
    """A test module's source with the runner's snippets filled in."""
    text = textwrap.dedent(source)
    replacements = {
        "{mark}": runner.mark,
        "{fixture}": runner.fixture_decorator,
        "{module_fixture}": runner.module_fixture_decorator,
        "{module_mark}": runner.module_test_mark,
    }
    for key, value in replacements.items():
        text = text.replace(key, value)
    header = "import pytest\n" + ("import pytest_asyncio\n" if "pytest_asyncio" in text else "")
    return header + text


def run(
    pytester: pytest.Pytester, runner: Runner | None, *args: str, base: tuple[str, ...] = BASE_ARGS
) -> pytest.RunResult:
    """pytest in a subprocess with the runner's plugin set pinned (no runner: neither async
    plugin)."""
    plugin_args = (
        runner.args if runner else ("-p", "asgitest", "-p", "no:asyncio", "-p", "no:anyio")
    )
    return pytester.runpytest_subprocess(*base, *plugin_args, *args)
