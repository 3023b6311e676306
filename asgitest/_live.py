"""LiveServer: the application under a real ASGI server (uvicorn, hypercorn or daphne).

For tests that need a real socket: a browser, the ``websockets`` client library, a JavaScript
client, HTTP/1.1 keep-alive. Nothing here imports a server, a framework or pytest at module
import time; the server is imported when a :class:`LiveServer` is made.

Two modes:

- ``"thread"`` (uvicorn, hypercorn): the server runs in a thread of the test process with its
  own event loop, so in-memory databases, module globals and monkeypatches are shared with
  the test;
- ``"subprocess"`` (all three; the only one for daphne, whose Twisted reactor cannot be
  restarted in a process): ``python -m <server> <import string>`` in a child process.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import importlib
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import traceback
import weakref
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ._app import resolve_application
from ._errors import LiveServerError, UsageError

if TYPE_CHECKING:
    from typing import Self

__all__ = ["LiveServer"]  # and ChannelsLiveServerTestCase, imported on access (__getattr__)

SERVERS = ("uvicorn", "hypercorn", "daphne")
_MODES = ("thread", "subprocess")
_LIFESPAN_MODES = ("auto", "on", "off")
_OUTPUT_LINES = 400  # lines of server output kept (oldest dropped)
_SHOWN_LINES = 40  # lines of it shown in an error message

_NOT_INSTALLED = """\
LiveServer(server={server!r}) needs {server}, which is not installed. Install it with the \
extra: pip install "asgitest[{server}]"."""

_NO_SERVER = """\
LiveServer needs an ASGI server and none of uvicorn, hypercorn or daphne is installed. \
Install one with its extra: pip install "asgitest[uvicorn]" (or "asgitest[hypercorn]", \
"asgitest[daphne]")."""

_DAPHNE_THREAD = """\
LiveServer(server="daphne", mode="thread") is not supported: daphne runs on Twisted, whose \
reactor cannot be restarted in a process, so daphne runs in a subprocess \
(mode="subprocess", the default for daphne). Use server="uvicorn" or "hypercorn" to share \
the test process (in-memory databases, monkeypatches)."""

_NEEDS_IMPORT_STRING = """\
LiveServer(mode="subprocess") needs the app as an import string, because an object cannot \
cross a process boundary: the child process imports the app itself. Got {app}.{hint}"""


def _describe(obj: object) -> str:
    text = repr(obj)
    return text if len(text) <= 80 else text[:77] + "..."


def _import_hint(app: object) -> str:
    module = getattr(app, "__module__", None)
    name = getattr(app, "__qualname__", None) or getattr(app, "__name__", None)
    if isinstance(module, str) and isinstance(name, str) and "<" not in name:
        return f' Probably you meant LiveServer("{module}:{name}", mode="subprocess").'
    return ' Pass "package.module:attribute", e.g. LiveServer("myproject.asgi:application").'


def _load_app(text: str) -> Any:
    """Import the app named by ``text`` ("pkg.mod:attr"), with asgitest's loader if present."""
    try:
        loader = importlib.import_module("asgitest._loader")
    except ImportError:
        loader = None
    if loader is not None:
        return loader.load_app(text, where="the app argument of LiveServer")
    module_name, _, attrs = text.partition(":")
    module = importlib.import_module(module_name)
    obj: Any = module
    for name in (attrs or "application").split("."):
        obj = getattr(obj, name)
    return obj


def _installed(server: str) -> bool:
    try:
        importlib.import_module(server)
    except ImportError:
        return False
    return True


def default_server() -> str:
    """The server ``LiveServer(server=None)`` uses: uvicorn, else hypercorn, else daphne."""
    for server in SERVERS:
        if _installed(server):
            return server
    raise ImportError(_NO_SERVER)


def _connect_host(host: str) -> str:
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "::1"
    return host


def _bind_host(host: str) -> str:
    # "localhost" may resolve to both 127.0.0.1 and ::1; a server binding both with port 0
    # gets two different ports. Bind the IPv4 loopback and keep "localhost" in the URLs.
    return "127.0.0.1" if host == "localhost" else host


def _free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _accepts_connections(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class _Output:
    """The server's output, one line per entry, bounded; safe to append from any thread."""

    def __init__(self) -> None:
        self.lines: collections.deque[str] = collections.deque(maxlen=_OUTPUT_LINES)
        self.dropped = 0
        self._lock = threading.Lock()

    def add(self, text: str) -> None:
        with self._lock:
            for line in text.rstrip("\n").splitlines() or [""]:
                if len(self.lines) == self.lines.maxlen:
                    self.dropped += 1
                self.lines.append(line)

    def text(self) -> str:
        with self._lock:
            return "\n".join(self.lines)

    def tail(self, count: int = _SHOWN_LINES) -> str:
        with self._lock:
            lines = list(self.lines)
        if not lines:
            return "(the server printed nothing)"
        shown = lines[-count:]
        skipped = len(lines) - len(shown) + self.dropped
        head = [f"... ({skipped} earlier lines not shown)"] if skipped else []
        return "\n".join("    " + line for line in head + shown)


class _ThreadLogHandler(logging.Handler):
    """Collects the log records emitted in the server's thread (server and app logs)."""

    def __init__(self, output: _Output) -> None:
        super().__init__(logging.DEBUG)
        self.output = output
        self.ident: int | None = None
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.ident:
            return
        try:
            self.output.add(self.format(record))
        except Exception:  # a handler must never raise into the server
            self.handleError(record)


def _wrap_lifespan(app: Any, lifespan: str) -> Any:
    """For hypercorn in a thread: "off" refuses the lifespan protocol; "on" turns an app that
    raises on the lifespan scope into lifespan.startup.failed (hypercorn would go on without)."""

    async def lifespan_off(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            return
        await app(scope, receive, send)

    async def lifespan_on(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return
        started = False

        async def watch(message: Any) -> None:
            nonlocal started
            if message["type"].startswith("lifespan.startup."):
                started = True
            await send(message)

        try:
            await app(scope, receive, watch)
        except Exception as exc:
            if started:
                raise
            await send(
                {
                    "type": "lifespan.startup.failed",
                    "message": f"the app raised {type(exc).__name__}: {exc} on the lifespan "
                    'scope, and LiveServer(lifespan="on") requires lifespan support',
                }
            )

    return lifespan_off if lifespan == "off" else lifespan_on


class _Run:
    """One run of a server: what must be stopped, kept apart from the LiveServer so that a
    weakref finalizer (garbage collection, interpreter exit) can stop it too."""

    def __init__(self, name: str, output: _Output, shutdown_timeout: float) -> None:
        self.name = name
        self.output = output
        self.shutdown_timeout = shutdown_timeout
        self.thread: threading.Thread | None = None
        self.handler: _ThreadLogHandler | None = None
        self.failure: BaseException | None = None
        self.finished = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.task: asyncio.Task[Any] | None = None
        self.uvicorn_server: Any = None
        self.hypercorn_event: asyncio.Event | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.reader: threading.Thread | None = None
        self.sockets: list[socket.socket] = []

    # -- thread mode --------------------------------------------------------------------

    def run_in_thread(self, serve: Any) -> None:
        handler = self.handler
        if handler is not None:
            handler.ident = threading.get_ident()
        try:
            with asyncio.Runner() as runner:
                self.loop = runner.get_loop()
                runner.run(self._serve(serve))
        except BaseException as exc:  # SystemExit from uvicorn, OSError, CancelledError, ...
            self.failure = exc
        finally:
            self.finished.set()

    async def _serve(self, serve: Any) -> None:
        self.task = asyncio.current_task()
        await serve()

    def _request_stop(self) -> None:
        if self.uvicorn_server is not None:
            self.uvicorn_server.should_exit = True
        loop, event = self.loop, self.hypercorn_event
        if loop is not None and event is not None:
            with contextlib.suppress(RuntimeError):  # the loop is already closed
                loop.call_soon_threadsafe(event.set)

    def _force_stop(self) -> None:
        if self.uvicorn_server is not None:
            self.uvicorn_server.force_exit = True
        loop, task = self.loop, self.task
        if loop is not None and task is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(task.cancel)

    def _stop_thread(self, thread: threading.Thread, force: bool) -> str | None:
        if not force:
            self._request_stop()
            thread.join(self.shutdown_timeout)
        if thread.is_alive():
            self._force_stop()
            thread.join(max(1.0, self.shutdown_timeout / 2))
        if self.handler is not None:
            logging.getLogger().removeHandler(self.handler)
        for sock in self.sockets:
            sock.close()
        if thread.is_alive():
            return (
                f"{self.name} did not stop within shutdown_timeout={self.shutdown_timeout} s, "
                "even after its main task was cancelled; the app may block its event loop "
                "(a blocking call in async code?). The thread was left running as a daemon."
            )
        return None

    # -- subprocess mode ----------------------------------------------------------------

    def read_output(self, stream: Any) -> None:
        for raw in iter(stream.readline, b""):
            self.output.add(raw.decode("utf-8", "replace"))

    def _stop_process(self, process: subprocess.Popen[bytes]) -> str | None:
        message = None
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(self.shutdown_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                message = (
                    f"{self.name} (pid {process.pid}) did not exit within "
                    f"shutdown_timeout={self.shutdown_timeout} s of SIGTERM and was killed."
                )
        if self.reader is not None:
            self.reader.join(2)
        if process.stdout is not None:
            process.stdout.close()
        return message

    def stop(self, force: bool = False) -> str | None:
        """Stop whatever runs; return why it could not be stopped cleanly, or None.

        ``force`` (a server that never became ready) cancels a thread's server at once."""
        crashed = None
        if not force and self.ended():
            crashed = self._crash_report()
        problem = None
        if self.thread is not None:
            problem = self._stop_thread(self.thread, force)
        else:
            for sock in self.sockets:
                sock.close()
            if self.process is not None:
                problem = self._stop_process(self.process)
        return crashed or problem

    def _crash_report(self) -> str:
        if self.process is not None:
            how = f"the server process exited with code {self.process.returncode}"
        elif isinstance(self.failure, SystemExit):
            how = f"the server thread ended with exit code {self.failure.code}"
        elif self.failure is not None:
            how = f"the server thread raised {type(self.failure).__name__}: {self.failure}"
        else:
            how = "the server thread ended"
        return (
            f"{self.name} was no longer running when it was stopped: {how} while the test "
            "ran. Requests made after that failed to connect."
        )

    def ended(self) -> bool:
        if self.process is not None:
            return self.process.poll() is not None
        return self.finished.is_set()


class LiveServer:
    """Runs an ASGI application under a real server on a loopback port.

    Args:
        app: the application, or an import string ``"package.module:attribute"``.
            Subprocess mode needs the import string.
        server: ``"uvicorn"``, ``"hypercorn"`` or ``"daphne"``; ``None`` picks uvicorn if it
            is installed, else hypercorn, else daphne. Servers are optional extras:
            ``pip install "asgitest[uvicorn]"``.
        host: the address to listen on. ``"localhost"`` binds ``127.0.0.1`` and keeps
            ``localhost`` in the URLs.
        port: the port; ``0`` (the default) takes a free one.
        lifespan: ``"auto"`` (run the lifespan protocol if the app supports it), ``"on"``
            (a failure is an error) or ``"off"``. daphne does not run the lifespan protocol.
        mode: ``"thread"`` (the default for uvicorn and hypercorn: the server shares the
            test process) or ``"subprocess"`` (the default, and the only mode, for daphne).
        startup_timeout: seconds to wait for the server to accept connections.
        shutdown_timeout: seconds to wait for it to stop.
        log_level: the server's log level (``"debug"``, ``"info"``, ``"warning"``, ...).
        server_options: extra settings for the server: keyword arguments of
            ``uvicorn.Config``, attributes of ``hypercorn.config.Config``, or, in subprocess
            mode, command-line options (``{"ws_ping_interval": 5}`` gives
            ``--ws-ping-interval 5``; ``True`` gives a bare flag).
        env: extra environment variables for the subprocess.

    Example:
        ```python
        with LiveServer("myproject.asgi:application") as server:
            response = httpx.get(server.url + "/health")
        ```

    The server is stopped by ``stop()``, by leaving the ``with`` / ``async with`` block
    (also when the test fails), when the object is garbage collected, and at interpreter
    exit. Startup failures raise :class:`LiveServerError` with the server's output within
    ``startup_timeout``. Not thread-safe: start and stop it from one thread.

    *Added in 0.1.*
    """

    def __init__(
        self,
        app: Any,
        *,
        server: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        lifespan: str = "auto",
        mode: str | None = None,
        startup_timeout: float = 10.0,
        shutdown_timeout: float = 5.0,
        log_level: str = "info",
        server_options: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        if server is None:
            server = default_server()
        elif server not in SERVERS:
            raise UsageError(
                f"LiveServer(server={server!r}) is not a server asgitest can run. "
                f"Choose one of {', '.join(map(repr, SERVERS))}, or None for the first installed."
            )
        elif not _installed(server):
            raise ImportError(_NOT_INSTALLED.format(server=server), name=server)
        if mode is None:
            mode = "subprocess" if server == "daphne" else "thread"
        if mode not in _MODES:
            raise UsageError(f"LiveServer(mode={mode!r}): use 'thread' or 'subprocess'.")
        if lifespan not in _LIFESPAN_MODES:
            raise UsageError(f"LiveServer(lifespan={lifespan!r}): use 'auto', 'on' or 'off'.")
        if server == "daphne" and mode == "thread":
            raise UsageError(_DAPHNE_THREAD)
        if server == "daphne" and lifespan == "on":
            raise UsageError(
                'LiveServer(server="daphne", lifespan="on") cannot work: daphne does not run '
                'the ASGI lifespan protocol. Use uvicorn or hypercorn, or lifespan="auto".'
            )
        if server == "hypercorn" and mode == "subprocess" and lifespan != "auto":
            raise UsageError(
                f'LiveServer(server="hypercorn", mode="subprocess", lifespan="{lifespan}") '
                "cannot work: hypercorn's command line has no lifespan switch (it always tries "
                'the protocol and goes on without it when the app fails). Use mode="thread", '
                "where asgitest enforces the lifespan mode, or uvicorn."
            )
        if mode == "subprocess" and not isinstance(app, str):
            raise UsageError(
                _NEEDS_IMPORT_STRING.format(app=_describe(app), hint=_import_hint(app))
            )
        if not isinstance(app, str):
            resolve_application(app)  # the teaching InvalidApplication, before any thread starts
        if startup_timeout <= 0 or shutdown_timeout <= 0:
            raise UsageError("LiveServer: startup_timeout and shutdown_timeout must be > 0.")
        self.app = app
        self.server = server
        self.host = host
        self.mode = mode
        self.lifespan = lifespan
        self.startup_timeout = startup_timeout
        self.shutdown_timeout = shutdown_timeout
        self.log_level = log_level
        self.server_options = dict(server_options or {})
        self.env = dict(env or {})
        self._requested_port = port
        self._port: int | None = None
        self._output = _Output()
        self._run: _Run | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None

    # -- public surface -----------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the server was started and not stopped (it may have crashed since)."""
        return self._run is not None

    @property
    def port(self) -> int:
        """The port the server listens on (known once started)."""
        if self._port is None:
            raise UsageError(self._not_started("port"))
        return self._port

    @property
    def url(self) -> str:
        """``http://host:port``, without a trailing slash."""
        return f"http://{self._netloc('url')}"

    @property
    def ws_url(self) -> str:
        """``ws://host:port``, without a trailing slash."""
        return f"ws://{self._netloc('ws_url')}"

    @property
    def output(self) -> str:
        """What the server logged (thread mode) or printed (subprocess mode), bounded."""
        return self._output.text()

    def start(self) -> None:
        """Start the server and wait until it accepts connections.

        Raises:
            LiveServerError: it did not start within ``startup_timeout`` (with its output).
            UsageError: it is already running.
        """
        __tracebackhide__ = True
        if self._run is not None:
            raise UsageError(f"{self!r} is already running: call stop() before start().")
        self._output = _Output()
        attempts = 3 if self._requested_port == 0 and self.mode == "subprocess" else 1
        for attempt in range(attempts):
            run = _Run(self.server, self._output, self.shutdown_timeout)
            self._run = run
            self._finalizer = weakref.finalize(self, run.stop)
            try:
                if self.mode == "thread":
                    self._start_thread(run)
                else:
                    self._start_process(run)
                self._wait_until_ready(run)
            except LiveServerError as exc:
                self._abort()
                # A port picked for a subprocess can be taken before the child binds it.
                if attempt + 1 < attempts and _port_taken(exc.output):
                    self._output = _Output()
                    continue
                raise
            except BaseException:  # KeyboardInterrupt, a bad option: never leave it running
                self._abort()
                raise
            return

    def stop(self) -> None:
        """Stop the server (lifespan shutdown included) and wait for it to exit; idempotent.

        Raises:
            LiveServerError: it did not stop within ``shutdown_timeout``.
        """
        __tracebackhide__ = True
        finalizer, self._finalizer, self._run = self._finalizer, None, None
        self._port = None
        if finalizer is None:
            return
        problem = finalizer()
        if problem:
            raise LiveServerError(
                f"{problem}\n\nServer output:\n{self._output.tail()}",
                server=self.server,
                output=self._output.text(),
            )

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.stop()
        except LiveServerError as stop_error:
            if exc is None:
                raise
            exc.add_note(f"Then stopping the live server failed too: {stop_error}")

    async def __aenter__(self) -> Self:
        import anyio.to_thread

        await anyio.to_thread.run_sync(self.start)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        import anyio
        import anyio.to_thread

        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(self.__exit__, exc_type, exc, tb)

    def __repr__(self) -> str:
        state = "running" if self._run is not None else "stopped"
        where = f" {self.url}" if self._port is not None else ""
        return f"<{type(self).__name__} {self.server} {self.mode}{where} [{state}]>"

    # -- internals ----------------------------------------------------------------------

    @property
    def _graceful(self) -> float:
        # How long the server lets open connections finish before closing them: short, since
        # a test server stops when the test is done with it.
        return min(1.0, self.shutdown_timeout / 2)

    @property
    def _connect_address(self) -> str:
        return _connect_host(_bind_host(self.host))

    def _not_started(self, what: str) -> str:
        return (
            f"{type(self).__name__}.{what} is not known before the server starts: use "
            f"`with LiveServer(app) as server:` (or `async with`), or call start() first."
        )

    def _netloc(self, what: str) -> str:
        if self._port is None:
            raise UsageError(self._not_started(what))
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self._port}"

    def _abort(self) -> None:
        finalizer, self._finalizer, run = self._finalizer, None, self._run
        self._run = None
        self._port = None
        if finalizer is not None and finalizer.detach() is not None and run is not None:
            run.stop(force=True)

    def _app_object(self) -> Any:
        if not isinstance(self.app, str):
            return resolve_application(self.app)  # ASGI 2 apps become ASGI 3
        try:
            return resolve_application(_load_app(self.app))
        except Exception as exc:
            raise LiveServerError(
                f"{self.server} could not start: the app {self.app!r} could not be imported: "
                f"{type(exc).__name__}: {exc}",
                server=self.server,
            ) from exc

    def _start_thread(self, run: _Run) -> None:
        app = self._app_object()
        bind_host = _bind_host(self.host)
        if self.server == "uvicorn":
            import uvicorn

            options: dict[str, Any] = {
                "host": bind_host,
                "port": self._requested_port,
                "lifespan": self.lifespan,
                "log_level": self.log_level,
                "log_config": None,  # leave the test process's logging configuration alone
                "access_log": False,
                "loop": "asyncio",
                "timeout_graceful_shutdown": self._graceful,
            }
            options.update(self.server_options)
            run.uvicorn_server = uvicorn.Server(uvicorn.Config(app, **options))
            serve: Any = run.uvicorn_server.serve
        else:  # hypercorn
            from hypercorn.asyncio.run import worker_serve
            from hypercorn.config import Config as HypercornConfig, Sockets
            from hypercorn.utils import wrap_app

            # Bind here, and hand hypercorn the socket: the port is known at once (no race
            # for a free one), and a taken port is reported without leaking hypercorn's
            # half-made socket. hypercorn listens on it only after the lifespan startup.
            listener = self._bind_listener(bind_host)
            run.sockets.append(listener)
            self._port = listener.getsockname()[1]
            error_logger = logging.getLogger("hypercorn.error")
            error_logger.setLevel(self.log_level.upper())
            config = HypercornConfig()
            config.errorlog = error_logger
            config.accesslog = None
            config.graceful_timeout = self._graceful
            # asgitest's startup_timeout decides, with its own message.
            config.startup_timeout = self.startup_timeout + 60
            for key, value in self.server_options.items():
                setattr(config, key, value)
            served = app if self.lifespan == "auto" else _wrap_lifespan(app, self.lifespan)
            wrapped = wrap_app(served, config.wsgi_max_body_size, "asgi")

            async def serve() -> None:
                run.hypercorn_event = asyncio.Event()
                await worker_serve(
                    wrapped,
                    config,
                    sockets=Sockets([], [listener], []),
                    shutdown_trigger=run.hypercorn_event.wait,
                )

        run.handler = _ThreadLogHandler(self._output)
        logging.getLogger().addHandler(run.handler)
        run.thread = threading.Thread(
            target=run.run_in_thread, args=(serve,), name=f"asgitest-{self.server}", daemon=True
        )
        run.thread.start()

    def _bind_listener(self, bind_host: str) -> socket.socket:
        family = socket.AF_INET6 if ":" in bind_host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((bind_host, self._requested_port))
        except OSError as exc:
            listener.close()
            message = f"{self.server} could not listen on {bind_host}:{self._requested_port}: {exc}"
            output = f"OSError: {exc}"
            self._output.add(output)
            raise LiveServerError(
                message + "." + _hints(output, self) + f"\n\nServer output:\n{self._output.tail()}",
                server=self.server,
                output=self._output.text(),
            ) from exc
        listener.setblocking(False)
        return listener

    def _command(self, port: int) -> list[str]:
        app = self.app
        if not isinstance(app, str):  # checked in __init__; kept for the type checker
            raise UsageError(_NEEDS_IMPORT_STRING.format(app=_describe(app), hint=""))
        host = _bind_host(self.host)
        command = [sys.executable, "-m", self.server]
        if self.server == "uvicorn":
            command += [app, "--host", host, "--port", str(port), "--lifespan", self.lifespan]
            command += ["--log-level", self.log_level, "--no-access-log"]
            command += ["--timeout-graceful-shutdown", str(max(1, round(self._graceful)))]
        elif self.server == "hypercorn":
            bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
            command += [app, "--bind", bind, "--workers", "0", "--log-level", self.log_level]
            command += ["--error-logfile", "-"]
            command += ["--graceful-timeout", str(max(1, round(self._graceful)))]
        else:  # daphne
            verbosity = {"debug": "2", "trace": "3"}.get(self.log_level.lower(), "1")
            command += ["-b", host, "-p", str(port), "-v", verbosity, app]
        for key, value in self.server_options.items():
            flag = "--" + key.replace("_", "-")
            if value is True:
                command.append(flag)
            elif value is not False and value is not None:
                command += [flag, str(value)]
        return command

    def _start_process(self, run: _Run) -> None:
        port = self._requested_port or _free_port(_bind_host(self.host))
        if self._requested_port and _accepts_connections(self._connect_address, port):
            # Readiness is "the port accepts connections", which another process's listening
            # socket would fake: refuse before starting anything.
            raise LiveServerError(
                f"{self.server} was not started: port {port} on {self.host} already accepts "
                "connections, so another process listens there (address already in use). "
                "Pass port=0 (the default) for a free port.",
                server=self.server,
            )
        self._port = port
        env = dict(os.environ)
        # The child imports the app as the test process would: with its sys.path.
        paths = [path for path in sys.path if path and os.path.isdir(path)]
        if env.get("PYTHONPATH"):
            paths.append(env["PYTHONPATH"])
        env["PYTHONPATH"] = os.pathsep.join(paths)
        env["PYTHONUNBUFFERED"] = "1"
        env.update(self.env)
        command = self._command(port)
        self._output.add("$ python " + " ".join(command[1:]))
        try:
            run.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=env,
            )
        except OSError as exc:
            raise LiveServerError(
                f"{self.server} could not be started: {exc}", server=self.server
            ) from exc
        run.reader = threading.Thread(
            target=run.read_output,
            args=(run.process.stdout,),
            name=f"asgitest-{self.server}-output",
            daemon=True,
        )
        run.reader.start()

    def _wait_until_ready(self, run: _Run) -> None:
        deadline = time.monotonic() + self.startup_timeout
        delay = 0.005
        while True:
            if run.ended():
                self._fail(run, self._ended_reason(run))
            port = self._ready_port(run)
            if port is not None and _accepts_connections(self._connect_address, port):
                self._port = port
                return
            if time.monotonic() >= deadline:
                where = f" on port {port}" if port else ""
                self._fail(
                    run,
                    f"it did not accept connections{where} within "
                    f"startup_timeout={self.startup_timeout} s",
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    def _ready_port(self, run: _Run) -> int | None:
        server = run.uvicorn_server
        if server is None:
            return self._port
        if not server.started:
            return None
        sockets = server.servers[0].sockets
        port: int = sockets[0].getsockname()[1]
        return port

    def _ended_reason(self, run: _Run) -> str:
        if run.process is not None:
            if run.reader is not None:
                run.reader.join(2)  # all of the output, not most of it
            return f"the server process exited with code {run.process.returncode}"
        failure = run.failure
        if isinstance(failure, SystemExit):
            return f"the server thread ended with exit code {failure.code}"
        if failure is not None:
            return f"the server thread raised {type(failure).__name__}: {failure}"
        return "the server thread ended"

    def _fail(self, run: _Run, reason: str) -> None:
        __tracebackhide__ = True
        failure = run.failure
        if isinstance(failure, Exception):  # raised in the server thread: part of its output
            self._output.add("".join(traceback.format_exception(failure)).rstrip())
        output = self._output.text()
        hints = _hints(output + "\n" + reason, self)
        message = (
            f"{self.server} ({self.mode} mode) did not start the app {_describe(self.app)}: "
            f"{reason}.{hints}\n\nServer output:\n{self._output.tail()}"
        )
        error = LiveServerError(message, server=self.server, output=output)
        if isinstance(failure, Exception):
            raise error from failure
        raise error


def _port_taken(output: str) -> bool:
    text = output.lower()
    return "address already in use" in text or "errno 98" in text or "errno 48" in text


def _hints(output: str, live: LiveServer) -> str:
    text = output.lower()
    hints = []
    if _port_taken(output):
        port = live._port or live._requested_port
        hints.append(
            f"Port {port} on {live.host} is already in use by another process; pass port=0 "
            "(the default) for a free port."
        )
    if "startup failed" in text or "lifespanfailure" in text or "lifespan.startup.failed" in text:
        hints.append(
            "The app's lifespan startup failed (its message is in the output below); "
            'lifespan="off" starts the server without the lifespan protocol.'
        )
    if any(
        marker in text
        for marker in ("error loading asgi app", "no module named", "importerror", "has no attr")
    ):
        hints.append(
            f"The server could not import {live.app!r}. The child process imports it with the "
            "test process's sys.path (as PYTHONPATH) and working directory; check the module "
            "and attribute names."
        )
    return "".join(" " + hint for hint in hints)


def __getattr__(name: str) -> Any:
    # Importing Django (and defining a TransactionTestCase subclass) only when asked for.
    if name == "ChannelsLiveServerTestCase":
        from ._live_channels import ChannelsLiveServerTestCase

        return ChannelsLiveServerTestCase
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
