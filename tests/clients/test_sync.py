"""asgitest.TestClient: Starlette's TestClient API, with timeouts, the checker and streaming."""

from __future__ import annotations

import pytest
from starlette.testclient import WebSocketDenialResponse as StarletteDenial
from starlette.websockets import WebSocketDisconnect as StarletteDisconnect

from asgitest import (
    InvalidApplication,
    InvalidArgument,
    ProtocolError,
    TestClient,
    Timeout,
    UsageError,
    WebSocketDisconnect,
)

from . import apps


@pytest.fixture(params=["asyncio", "trio"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_get_returns_an_httpx_response(backend: str) -> None:
    with TestClient(apps.starlette_app, backend=backend) as client:
        response = client.get("/plain")
    assert response.status_code == 200
    assert response.text == "plain"


def test_with_runs_lifespan_and_its_state_reaches_requests(backend: str) -> None:
    client = TestClient(apps.starlette_app, backend=backend)
    with client:
        assert client.get("/greet").json() == {"greeting": "Hello"}
    client.close()


def test_websocket_session_has_starlettes_api(backend: str) -> None:
    with TestClient(apps.starlette_app, backend=backend) as client:
        with client.websocket_connect("/ws", subprotocols=["v1"]) as websocket:
            assert websocket.accepted_subprotocol == "v1"
            websocket.send_text("hi")
            assert websocket.receive_text() == "HI"
            websocket.send_json({"a": 1})
            assert websocket.receive_json() == {"A": 1}  # (the echo upper-cases the text)


def test_a_server_close_raises_starlettes_websocket_disconnect(backend: str) -> None:
    with TestClient(apps.starlette_app, backend=backend) as client:
        with client.websocket_connect("/closes") as websocket:
            with pytest.raises(StarletteDisconnect) as caught:
                websocket.receive_text()
    assert caught.value.code == 4001
    assert caught.value.reason == "bye"
    assert isinstance(caught.value, WebSocketDisconnect)


def test_websocket_connect_to_an_http_only_route_raises_websocket_disconnect(backend: str) -> None:
    with TestClient(apps.starlette_app, backend=backend) as client:
        with pytest.raises(StarletteDisconnect):
            with client.websocket_connect("/plain"):
                pass  # pragma: no cover


def test_a_denial_response_raises_starlettes_class(backend: str) -> None:
    async def deny(scope, receive, send):  # type: ignore[no-untyped-def]
        await receive()
        await send({"type": "websocket.http.response.start", "status": 403, "headers": []})
        await send({"type": "websocket.http.response.body", "body": b"no"})

    with pytest.raises(StarletteDenial) as caught:
        with TestClient(deny, backend=backend).websocket_connect("/"):
            pass  # pragma: no cover
    assert caught.value.status_code == 403
    assert caught.value.content == b"no"


def test_a_silent_websocket_receive_times_out_with_the_transcript(backend: str) -> None:
    client = TestClient(apps.silent_websocket, backend=backend, timeout=0.2)
    with client.websocket_connect("/") as websocket:
        with pytest.raises(Timeout) as caught:
            websocket.receive_text()
    assert caught.value.timeout == pytest.approx(0.2)
    assert "websocket.accept" in str(caught.value.transcript)


def test_a_websocket_that_is_never_accepted_times_out(backend: str) -> None:
    client = TestClient(apps.never_accepts, backend=backend, timeout=0.2)
    with pytest.raises(Timeout, match="websocket.accept"):
        with client.websocket_connect("/"):
            pass  # pragma: no cover


def test_an_app_that_hangs_times_out(backend: str) -> None:
    client = TestClient(apps.hang, backend=backend, timeout=0.2)
    with pytest.raises(Timeout, match="http.response.start"):
        client.get("/")


def test_the_apps_exception_is_raised_as_itself(backend: str) -> None:
    with pytest.raises(KeyError, match="boom"):
        TestClient(apps.crash, backend=backend).get("/")


def test_raise_server_exceptions_false_gives_a_500(backend: str) -> None:
    response = TestClient(apps.crash, backend=backend, raise_server_exceptions=False).get("/")
    assert response.status_code == 500


def test_a_malformed_message_fails_with_the_rule(backend: str) -> None:
    with pytest.raises(ProtocolError) as caught:
        TestClient(apps.str_header, backend=backend).get("/")
    assert caught.value.rule_id


def test_stream_yields_the_first_chunk_before_the_app_finishes(backend: str) -> None:
    apps.events.clear()
    client = TestClient(apps.endless_sse, backend=backend)
    with client.stream("GET", "/") as response:
        assert next(response.iter_bytes()) == b"data: 1\n\n"
    # Leaving early sent http.disconnect; the app saw it and returned.
    assert apps.events == ["http.disconnect"]


def test_a_non_asgi_object_is_refused() -> None:
    with pytest.raises(InvalidApplication):
        TestClient(object())


def test_a_bad_backend_names_the_argument() -> None:
    with pytest.raises(InvalidArgument, match="backend"):
        TestClient(apps.hello, backend="curio")


def test_a_closed_client_says_so() -> None:
    client = TestClient(apps.hello)
    client.close()
    with pytest.raises(UsageError, match="closed"):
        client.get("/")
