"""Real frameworks pass the checker in the default mode, and their pedantic findings are known.

Django (sync, async, streaming and file responses, HEAD, 404, its error paths: Http404,
PermissionDenied, a view that raises; lifespan refusal), Channels consumers, Starlette and
FastAPI (streaming, file, websocket, background tasks, lifespan; Starlette's HTTPException,
WebSocketException and an endpoint that raises; FastAPI's WebSocket validation error path, which
closes before accept with a list as the reason), Quart and Litestar. The pedantic findings
listed here are the ones docs/spec/rules.md reports.
"""

from __future__ import annotations

import warnings

import pytest

from asgitest import ProtocolWarning

from .framework_apps import ASYNCIO_ONLY, SCENARIOS

pytestmark = [
    pytest.mark.anyio,
    # Django warns (on purpose) when a StreamingHttpResponse wraps a sync iterator under ASGI.
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume:Warning"),
]

# What each framework does that the spec says "must not" but every server tolerates.
EXPECTED_PEDANTIC = {
    # R41 Content-Type in mixed case, R8 header tuples, R51 body sent for HEAD
    "django": {"R8", "R41", "R51"},
    # R41 from a consumer written as in the Channels docs (b"Content-Type"), R8 tuples
    "channels": {"R8", "R41"},
    # R51: Starlette sends the body of a HEAD response (the server drops it); R86: a
    # WebSocketException before accept closes with a code and a reason the client never sees
    "starlette": {"R8", "R51", "R86"},
    # R82 and R86: a WebSocket path parameter failing validation closes before accept with a
    # list as the reason (pedantic there: the handshake is answered with 403, the reason unread)
    "fastapi": {"R8", "R82", "R86"},
    "quart": {"R8"},
    "litestar": {"R8"},
}


def _skip_trio(name: str, backend: str) -> None:
    if name in ASYNCIO_ONLY and backend == "trio":
        pytest.skip(f"{name} runs on asyncio only")


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_framework_passes_in_default_mode(name: str, anyio_backend_name: str) -> None:
    _skip_trio(name, anyio_backend_name)
    await SCENARIOS[name]("error")


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_framework_pedantic_findings_are_the_documented_ones(
    name: str, anyio_backend_name: str
) -> None:
    _skip_trio(name, anyio_backend_name)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", "StreamingHttpResponse must consume")
        await SCENARIOS[name]("warn")
    found = {w.message.rule_id for w in record if isinstance(w.message, ProtocolWarning)}
    assert found == EXPECTED_PEDANTIC[name]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_framework_fails_pedantic_mode_with_a_pedantic_rule(
    name: str, anyio_backend_name: str
) -> None:
    from asgitest import ProtocolError

    _skip_trio(name, anyio_backend_name)
    with pytest.raises(ProtocolError) as info:
        await SCENARIOS[name]("pedantic")
    assert info.value.severity == "pedantic"
    assert info.value.rule_id in EXPECTED_PEDANTIC[name]
