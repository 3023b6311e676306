"""LiveServer: real servers on loopback sockets, real HTTP and WebSocket clients."""

from __future__ import annotations

import importlib.util
import json
import shutil
import socket
import sys
import threading
import time

import httpx
import pytest
from websockets.sync.client import connect

from asgitest import LiveServer, LiveServerError, UsageError

from . import apps as live_apps

SERVER_MODES = [
    pytest.param(("uvicorn", "thread"), id="uvicorn-thread"),
    pytest.param(("hypercorn", "thread"), id="hypercorn-thread"),
    pytest.param(("daphne", "subprocess"), id="daphne-subprocess"),
    pytest.param(("uvicorn", "subprocess"), id="uvicorn-subprocess"),
    pytest.param(("hypercorn", "subprocess"), id="hypercorn-subprocess"),
    pytest.param(("granian", "subprocess"), id="granian-subprocess"),
]
THREAD_SERVERS = [pytest.param("uvicorn", id="uvicorn"), pytest.param("hypercorn", id="hypercorn")]
WAIT = 10  # seconds any single network wait may take before the test fails


def _app_for(mode: str, name: str = "app") -> object:
    return getattr(live_apps, name) if mode == "thread" else f"tests.live.apps:{name}"


def _refuses_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return True
    return False


@pytest.fixture(scope="module", params=SERVER_MODES)
def live(request: pytest.FixtureRequest):
    """One server per (server, mode) for the whole module: starting them is the slow part."""
    server, mode = request.param
    with LiveServer(_app_for(mode), server=server, mode=mode) as live:
        yield live


class TestServe:
    def test_http_get(self, live: LiveServer) -> None:
        response = httpx.get(live.url + "/", timeout=WAIT)
        assert response.status_code == 200
        assert response.text == "hello"

    def test_keep_alive_reuses_one_connection(self, live: LiveServer) -> None:
        with httpx.Client(base_url=live.url, timeout=WAIT) as client:
            first = client.get("/info").json()
            echoed = client.post("/echo", content=b"x" * 100_000)
            second = client.get("/info").json()
        assert echoed.content == b"x" * 100_000
        assert first["http_version"] == "1.1"
        assert first["client_port"] == second["client_port"]  # the same TCP connection

    def test_lifespan_ran_where_the_server_supports_it(self, live: LiveServer) -> None:
        lifespan = httpx.get(live.url + "/info", timeout=WAIT).json()["lifespan"]
        if live.server == "daphne":
            assert lifespan == []  # daphne does not implement the lifespan protocol
        else:
            assert "startup" in lifespan

    def test_websocket_echo(self, live: LiveServer) -> None:
        with connect(live.ws_url + "/echo", open_timeout=WAIT) as websocket:
            websocket.send("ping")
            assert websocket.recv(timeout=WAIT) == "ping"
            websocket.send(b"\x00\x01")
            assert websocket.recv(timeout=WAIT) == b"\x00\x01"

    def test_chat_broadcast_between_two_clients(self, live: LiveServer) -> None:
        with (
            connect(live.ws_url + "/chat", open_timeout=WAIT) as alice,
            connect(live.ws_url + "/chat", open_timeout=WAIT) as bob,
        ):
            alice.send("hi bob")
            assert bob.recv(timeout=WAIT) == "hi bob"
            assert alice.recv(timeout=WAIT) == "hi bob"
            bob.send("hi alice")
            assert alice.recv(timeout=WAIT) == "hi alice"
            assert bob.recv(timeout=WAIT) == "hi alice"

    def test_repr_shows_server_mode_and_url(self, live: LiveServer) -> None:
        assert repr(live) == f"<LiveServer {live.server} {live.mode} {live.url} [running]>"
        assert live.url == f"http://127.0.0.1:{live.port}"
        assert live.ws_url == f"ws://127.0.0.1:{live.port}"


@pytest.mark.parametrize(
    ("server", "mode"),
    [
        ("uvicorn", "thread"),
        ("hypercorn", "thread"),
        ("daphne", "subprocess"),
        ("granian", "subprocess"),
    ],
)
def test_starlette_app(server: str, mode: str) -> None:
    with LiveServer(_app_for(mode, "starlette_app"), server=server, mode=mode) as live:
        assert httpx.get(live.url + "/", timeout=WAIT).text == "starlette says hello"
        with connect(live.ws_url + "/ws", open_timeout=WAIT) as websocket:
            websocket.send("ann")
            assert json.loads(websocket.recv(timeout=WAIT)) == {"hello": "ann"}


@pytest.mark.parametrize("server", THREAD_SERVERS)
def test_thread_mode_shares_the_test_process(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live_apps, "GREETING", "patched by the test")
    with LiveServer(live_apps.app, server=server) as live:
        assert httpx.get(live.url + "/", timeout=WAIT).text == "patched by the test"


class TestLifecycle:
    def test_with_block_runs_lifespan_shutdown_and_closes_the_port(self) -> None:
        live = LiveServer(live_apps.app)
        assert repr(live) == "<LiveServer uvicorn thread [stopped]>"
        with live:
            port = live.port
            assert live.running
            assert httpx.get(live.url + "/", timeout=WAIT).text == "hello"
        assert not live.running
        assert live_apps.LIFESPAN[-1] == "shutdown"
        assert _refuses_connections(port)
        assert not [t for t in threading.enumerate() if t.name == "asgitest-uvicorn"]

    @pytest.mark.anyio
    async def test_async_with(self) -> None:
        async with LiveServer(live_apps.app, server="hypercorn") as live:
            async with httpx.AsyncClient(timeout=WAIT) as client:
                response = await client.get(live.url + "/")
            port = live.port
        assert response.text == "hello"
        assert _refuses_connections(port)

    def test_stopped_when_the_test_body_raises(self) -> None:
        live = LiveServer("tests.live.apps:app", mode="subprocess")
        with pytest.raises(ZeroDivisionError), live:
            port = live.port
            1 / 0  # noqa: B018
        assert not live.running
        assert _refuses_connections(port)

    def test_start_stop_start_again(self) -> None:
        live = LiveServer(live_apps.app)
        live.start()
        try:
            with pytest.raises(UsageError, match="already running"):
                live.start()
        finally:
            live.stop()
        live.stop()  # idempotent
        live.start()
        try:
            assert httpx.get(live.url + "/", timeout=WAIT).text == "hello"
        finally:
            live.stop()

    def test_url_before_start_says_how_to_start(self) -> None:
        live = LiveServer(live_apps.app)
        with pytest.raises(UsageError, match=r"with LiveServer\(app\) as server"):
            _ = live.url

    def test_import_string_and_localhost_in_thread_mode(self) -> None:
        with LiveServer("tests.live.apps:app", host="localhost") as live:
            assert live.url.startswith("http://localhost:")
            assert httpx.get(live.url + "/", timeout=WAIT).text == "hello"

    def test_server_output_is_kept_after_stop(self) -> None:
        with LiveServer(live_apps.app, server="hypercorn") as live:
            port = live.port
        # hypercorn logs "Running on" just after it starts listening: read it once stopped.
        assert f"Running on http://127.0.0.1:{port}" in live.output


def _taken_port() -> socket.socket:
    """A socket bound without SO_REUSEADDR and not listening: binds fail, connects are refused."""
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    return blocker


class TestStartupFailures:
    @pytest.mark.parametrize("server_mode", SERVER_MODES)
    def test_port_taken(self, server_mode: tuple[str, str]) -> None:
        server, mode = server_mode
        with _taken_port() as blocker:
            port = blocker.getsockname()[1]
            live = LiveServer(_app_for(mode), server=server, mode=mode, port=port)
            started = time.monotonic()
            with pytest.raises(LiveServerError) as caught:
                live.start()
        assert time.monotonic() - started < WAIT
        message = str(caught.value)
        assert f"Port {port} on 127.0.0.1 is already in use" in message
        assert "Server output:" in message
        assert "address already in use" in caught.value.output.lower()
        assert not live.running

    def test_port_with_a_listener_is_refused_before_starting_a_subprocess(self) -> None:
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen()
            port = listener.getsockname()[1]
            live = LiveServer("tests.live.apps:app", mode="subprocess", port=port)
            with pytest.raises(LiveServerError, match=f"port {port} on 127.0.0.1 already acc"):
                live.start()

    @pytest.mark.parametrize("server", ["uvicorn", "hypercorn", "daphne", "granian"])
    def test_import_error_in_a_subprocess(self, server: str) -> None:
        live = LiveServer("tests.no_such_module:app", server=server, mode="subprocess")
        with pytest.raises(LiveServerError, match="the server process exited") as caught:
            live.start()
        assert "could not import 'tests.no_such_module:app'" in str(caught.value)
        assert "tests.no_such_module" in caught.value.output  # the server's own words

    def test_import_error_in_thread_mode(self) -> None:
        with pytest.raises(LiveServerError, match="could not be imported") as caught:
            LiveServer("tests.live.apps:no_such_app").start()
        assert caught.value.__cause__ is not None

    @pytest.mark.parametrize("server_mode", [p for p in SERVER_MODES if "daphne" not in p.id])
    def test_lifespan_startup_failed(self, server_mode: tuple[str, str]) -> None:
        server, mode = server_mode
        live = LiveServer(_app_for(mode, "failing_startup"), server=server, mode=mode)
        with pytest.raises(LiveServerError) as caught:
            live.start()
        assert "lifespan startup failed" in str(caught.value)
        assert "the database is unreachable" in caught.value.output

    @pytest.mark.parametrize("server", THREAD_SERVERS)
    def test_startup_timeout_stops_the_server(self, server: str) -> None:
        live = LiveServer(live_apps.hanging_startup, server=server, startup_timeout=0.3)
        started = time.monotonic()
        with pytest.raises(LiveServerError, match=r"within startup_timeout=0.3 s"):
            live.start()
        assert time.monotonic() - started < WAIT
        assert not [t for t in threading.enumerate() if t.name == f"asgitest-{server}"]

    def test_lifespan_on_with_an_app_without_lifespan(self) -> None:
        from .. import apps

        live = LiveServer(apps.hello_world, server="hypercorn", lifespan="on")
        with pytest.raises(LiveServerError, match="requires lifespan support"):
            live.start()


class TestUsage:
    def test_subprocess_needs_an_import_string(self) -> None:
        with pytest.raises(UsageError, match='LiveServer\\("tests.live.apps:app", mode='):
            LiveServer(live_apps.app, mode="subprocess")

    def test_daphne_refuses_thread_mode(self) -> None:
        with pytest.raises(UsageError, match="reactor cannot be restarted"):
            LiveServer("tests.live.apps:app", server="daphne", mode="thread")

    def test_daphne_refuses_lifespan_on(self) -> None:
        with pytest.raises(UsageError, match="daphne does not run"):
            LiveServer("tests.live.apps:app", server="daphne", lifespan="on")

    @pytest.mark.parametrize("lifespan", ["on", "off"])
    def test_hypercorn_subprocess_has_no_lifespan_switch(self, lifespan: str) -> None:
        with pytest.raises(UsageError, match="hypercorn's command line has no lifespan switch"):
            LiveServer(
                "tests.live.apps:app", server="hypercorn", mode="subprocess", lifespan=lifespan
            )

    def test_granian_refuses_thread_mode(self) -> None:
        with pytest.raises(UsageError, match="marked experimental by granian itself"):
            LiveServer("tests.live.apps:app", server="granian", mode="thread")

    def test_granian_refuses_lifespan_on(self) -> None:
        with pytest.raises(UsageError, match="granian's command line has no switch"):
            LiveServer("tests.live.apps:app", server="granian", lifespan="on")

    def test_granian_needs_an_import_string(self) -> None:
        with pytest.raises(UsageError, match='LiveServer\\("tests.live.apps:app", mode='):
            LiveServer(live_apps.app, server="granian")

    def test_unknown_server(self) -> None:
        with pytest.raises(UsageError, match=r"LiveServer\(server='gunicorn'\) is not a server"):
            LiveServer(live_apps.app, server="gunicorn")

    def test_missing_server_names_the_extra(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setitem(sys.modules, "uvicorn", None)
        with pytest.raises(ImportError, match=r'pip install "asgitest\[uvicorn\]"'):
            LiveServer(live_apps.app, server="uvicorn")
        assert LiveServer(live_apps.app).server == "hypercorn"  # the next one installed

    def test_no_server_at_all(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for name in ("uvicorn", "hypercorn", "daphne", "granian"):
            monkeypatch.setitem(sys.modules, name, None)
        with pytest.raises(ImportError, match="none of uvicorn, hypercorn, daphne or granian"):
            LiveServer(live_apps.app)


_BROWSER = shutil.which("chromium")
_DRIVER = shutil.which("chromedriver")  # given, so that selenium never downloads one
_HAVE_BROWSER = bool(_BROWSER and _DRIVER and importlib.util.find_spec("selenium"))


@pytest.mark.skipif(
    not _HAVE_BROWSER,
    reason="needs Chromium and chromedriver on PATH and selenium installed; CI installs no browser",
)
def test_headless_browser_loads_a_page_and_talks_over_websocket() -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = _BROWSER or ""
    options.add_argument("--headless=new")
    options.add_argument("--no-sandbox")
    with LiveServer(live_apps.app) as live:
        driver = webdriver.Chrome(options=options, service=Service(executable_path=_DRIVER))
        try:
            driver.get(live.url + "/page")
            assert driver.find_element(By.ID, "http").text == "served over HTTP"
            WebDriverWait(driver, WAIT).until(
                lambda d: d.find_element(By.ID, "ws").text == "echoed by the server"
            )
        finally:
            driver.quit()


def test_a_forgotten_server_is_stopped_when_garbage_collected() -> None:
    import gc

    live = LiveServer("tests.live.apps:app", server="uvicorn", mode="subprocess")
    live.start()
    process = live._run.process  # type: ignore[union-attr]
    del live
    gc.collect()
    assert process.poll() is not None  # terminated by the finalizer, which waited for it


def test_not_an_asgi_app_is_refused_up_front() -> None:
    from asgitest import InvalidApplication

    with pytest.raises(InvalidApplication, match="coroutine object"):
        LiveServer(live_apps.app(None, None, None))  # type: ignore[arg-type]


def test_a_server_that_died_during_the_test_is_reported_at_stop() -> None:
    live = LiveServer("tests.live.apps:app", mode="subprocess")
    live.start()
    live._run.process.kill()  # type: ignore[union-attr]  # as if the server had crashed
    live._run.process.wait()  # type: ignore[union-attr]
    with pytest.raises(LiveServerError, match="was no longer running when it was stopped") as e:
        live.stop()
    assert "the server process exited with code -9" in str(e.value)
    assert not live.running
