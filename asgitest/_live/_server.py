"""LiveServer: the application under a real ASGI server on a loopback port.

The servers asgitest can run are in :data:`BACKENDS`, one module each; this module starts one,
waits until it accepts connections, explains a failure with the server's output, and makes sure
it is stopped (``with`` block, garbage collection, interpreter exit).
"""

from __future__ import annotations

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
from typing import TYPE_CHECKING, Any, Final

from .._app import resolve_application
from .._errors import LiveServerError, UsageError
from ._backend import Backend, Launch
from ._daphne import Daphne
from ._granian import Granian
from ._hypercorn import Hypercorn
from ._output import Output, ThreadLogHandler
from ._run import Run
from ._uvicorn import Uvicorn

if TYPE_CHECKING:
    from typing import Self

__all__ = ["BACKENDS", "SERVERS", "LiveServer", "default_server"]

BACKENDS: Final[dict[str, Backend]] = {
    backend.name: backend for backend in (Uvicorn(), Hypercorn(), Daphne(), Granian())
}
"""Every server asgitest can run, in the order ``server=None`` tries them."""
SERVERS: Final = tuple(BACKENDS)
_MODES: Final = ("thread", "subprocess")
_LIFESPAN_MODES: Final = ("auto", "on", "off")

_NOT_INSTALLED = """\
LiveServer(server={server!r}) needs {server}, which is not installed. Install it with the \
extra: pip install "asgitest[{server}]"."""

_NO_SERVER = """\
LiveServer needs an ASGI server and none of uvicorn, hypercorn, daphne or granian is \
installed. Install one with its extra: pip install "asgitest[uvicorn]" (or \
"asgitest[hypercorn]", "asgitest[daphne]", "asgitest[granian]")."""

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
    """Import the app named by ``text`` ("pkg.mod:attr") with asgitest's loader."""
    from .._loader import load_app

    return load_app(text, where="the app argument of LiveServer")


def default_server() -> str:
    """The server ``LiveServer(server=None)`` uses: the first of :data:`SERVERS` installed."""
    for name, backend in BACKENDS.items():
        if backend.installed():
            return name
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


class LiveServer:
    """Runs an ASGI application under a real server on a loopback port.

    Args:
        app: the application, or an import string ``"package.module:attribute"``.
            Subprocess mode needs the import string.
        server: ``"uvicorn"``, ``"hypercorn"``, ``"daphne"`` or ``"granian"``; ``None``
            picks the first one installed, in that order. Servers are optional extras:
            ``pip install "asgitest[uvicorn]"``.
        host: the address to listen on. ``"localhost"`` binds ``127.0.0.1`` and keeps
            ``localhost`` in the URLs.
        port: the port; ``0`` (the default) takes a free one.
        lifespan: ``"auto"`` (run the lifespan protocol if the app supports it), ``"on"``
            (a failure is an error) or ``"off"``. daphne does not run the lifespan protocol;
            granian takes ``"auto"`` and ``"off"``.
        mode: ``"thread"`` (the default for uvicorn and hypercorn: the server shares the
            test process) or ``"subprocess"`` (the default, and the only mode, for daphne
            and granian).
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
        elif server not in BACKENDS:
            raise UsageError(
                f"LiveServer(server={server!r}) is not a server asgitest can run. "
                f"Choose one of {', '.join(map(repr, SERVERS))}, or None for the first installed."
            )
        backend = BACKENDS[server]
        if not backend.installed():
            raise ImportError(_NOT_INSTALLED.format(server=server), name=server)
        if mode is None:
            mode = backend.modes[0]
        if mode not in _MODES:
            raise UsageError(f"LiveServer(mode={mode!r}): use 'thread' or 'subprocess'.")
        if lifespan not in _LIFESPAN_MODES:
            raise UsageError(f"LiveServer(lifespan={lifespan!r}): use 'auto', 'on' or 'off'.")
        if mode not in backend.modes:
            raise UsageError(backend.thread_refusal)
        refusal = backend.refuse(mode, lifespan)
        if refusal:
            raise UsageError(refusal)
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
        self._backend = backend
        self._requested_port = port
        self._port: int | None = None
        self._output = Output()
        self._run: Run | None = None
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
        self._output = Output()
        attempts = 3 if self._requested_port == 0 and self.mode == "subprocess" else 1
        for attempt in range(attempts):
            run = Run(self.server, self._output, self.shutdown_timeout)
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
                    self._output = Output()
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

    def _launch(self, app: Any, port: int, listener: socket.socket | None = None) -> Launch:
        return Launch(
            app=app,
            host=_bind_host(self.host),
            port=port,
            lifespan=self.lifespan,
            log_level=self.log_level,
            graceful=self._graceful,
            startup_timeout=self.startup_timeout,
            options=self.server_options,
            listener=listener,
        )

    def _start_thread(self, run: Run) -> None:
        app = self._app_object()
        listener = None
        if self._backend.binds_first:
            listener = self._bind_listener(_bind_host(self.host))
            run.sockets.append(listener)
            self._port = listener.getsockname()[1]
        run.server = self._backend.thread_server(self._launch(app, self._requested_port, listener))
        run.handler = ThreadLogHandler(self._output)
        logging.getLogger().addHandler(run.handler)
        run.thread = threading.Thread(
            target=run.run_in_thread, name=f"asgitest-{self.server}", daemon=True
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
        return [sys.executable, "-m", self.server, *self._backend.command(self._launch(app, port))]

    def _start_process(self, run: Run) -> None:
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
        env.update(self._backend.environment())
        env.update(self.env)
        command = self._command(port)
        self._output.add("$ python " + " ".join(command[1:]))
        # A server that forks workers leads a process group of its own, killed as a whole
        # when it stops, so that no worker outlives it (POSIX only).
        group = self._backend.process_group and os.name == "posix"
        try:
            run.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=env,
                process_group=0 if group else None,
            )
        except OSError as exc:
            raise LiveServerError(
                f"{self.server} could not be started: {exc}", server=self.server
            ) from exc
        run.process_group = group
        run.reader = threading.Thread(
            target=run.read_output,
            args=(run.process.stdout,),
            name=f"asgitest-{self.server}-output",
            daemon=True,
        )
        run.reader.start()

    def _wait_until_ready(self, run: Run) -> None:
        deadline = time.monotonic() + self.startup_timeout
        delay = 0.005
        while True:
            if run.ended():
                if run.reader is not None:
                    run.reader.join(2)  # all of the output, not most of it
                self._fail(run, run.ended_reason())
            port = run.server.listening_port() if run.server is not None else self._port
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

    def _fail(self, run: Run, reason: str) -> None:
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
        for marker in (
            "error loading asgi app",
            "no module named",
            "importerror",
            "has no attr",
            "could not import",
        )
    ):
        hints.append(
            f"The server could not import {live.app!r}. The child process imports it with the "
            "test process's sys.path (as PYTHONPATH) and working directory; check the module "
            "and attribute names."
        )
    return "".join(" " + hint for hint in hints)
