"""ChannelsLiveServerTestCase: channels' live-server test case, on asgitest's LiveServer.

Imported only when ``asgitest.ChannelsLiveServerTestCase`` is first accessed (it subclasses
Django's ``TransactionTestCase``, so it needs Django); it never needs daphne (channels #1942).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ImproperlyConfigured
from django.test.testcases import TransactionTestCase
from django.test.utils import modify_settings
from django.utils.functional import classproperty

from .._errors import UsageError
from ._server import BACKENDS, LiveServer, default_server

__all__ = ["ChannelsLiveServerTestCase", "make_application"]


def make_application(*, static_wrapper: Any = None) -> Any:
    """The project's ASGI application as channels' test case builds it: the
    ``ASGI_APPLICATION`` setting through ``channels.routing.get_default_application()``,
    wrapped with ``static_wrapper`` if given."""
    from channels.routing import get_default_application

    application = get_default_application()
    if static_wrapper is not None:
        application = static_wrapper(application)
    return application


def _default_static_wrapper() -> Any:
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    return ASGIStaticFilesHandler


class ChannelsLiveServerTestCase(TransactionTestCase):  # type: ignore[misc]  # Django is untyped
    """A drop-in ``channels.testing.ChannelsLiveServerTestCase`` that needs no daphne.

    Like channels', it is a ``TransactionTestCase`` that serves the project's
    ``ASGI_APPLICATION`` (with static files when ``serve_static``) on ``host`` for the whole
    class, for tests that use a browser or a real WebSocket client against
    ``live_server_url`` / ``live_server_ws_url``. Unlike channels', the server runs in a
    thread of the test process (uvicorn if installed, else hypercorn), so it works on every
    platform without fork or pickling, shares the test's settings and monkeypatches, and
    accepts in-memory SQLite (Django's test database for it is a shared-cache in-memory
    database that every thread's connection sees).

    Class attributes:
        host: the host in the URLs (``"localhost"``; ``127.0.0.1`` is bound).
        port: the port, ``0`` (the default) for a free one.
        serve_static: serve ``STATIC_URL`` with Django's ``ASGIStaticFilesHandler``.
        static_wrapper: the wrapper used when ``serve_static`` (``None``: Django's).
        live_server: ``"uvicorn"`` or ``"hypercorn"`` (``None``: the first installed).
        live_server_options: more keyword arguments for :class:`~asgitest.LiveServer`.

    *Added in 0.1.*
    """

    host: ClassVar[str] = "localhost"
    port: ClassVar[int] = 0
    serve_static: ClassVar[bool] = True
    static_wrapper: ClassVar[Any] = None
    live_server: ClassVar[str | None] = None
    live_server_options: ClassVar[dict[str, Any]] = {}

    _live_server_instance: ClassVar[LiveServer | None] = None

    # Class properties, as in Django's LiveServerTestCase: readable in setUpClass() too.
    @classproperty  # type: ignore[untyped-decorator]
    def live_server_url(cls) -> str:
        """``http://host:port`` of the running server."""
        return cls._server().url

    @classproperty  # type: ignore[untyped-decorator]
    def live_server_ws_url(cls) -> str:
        """``ws://host:port`` of the running server."""
        return cls._server().ws_url

    @classmethod
    def _server(cls) -> LiveServer:
        server = cls._live_server_instance
        if server is None:
            raise UsageError(
                f"{cls.__name__}'s live server runs between setUpClass() and tearDownClass(); "
                "live_server_url is not available outside of them."
            )
        return server

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        name = cls.live_server or default_server()
        backend = BACKENDS.get(name)
        if backend is not None and "thread" not in backend.modes:
            chosen = (
                f"live_server = {name!r} was chosen"
                if cls.live_server
                else f"{name} is the only server installed"
            )
            raise ImproperlyConfigured(
                f"{cls.__name__} runs the project in a thread of the test process, under "
                f"uvicorn or hypercorn, but {chosen}, and {name} runs only in a subprocess. "
                'Install one of the others (pip install "asgitest[uvicorn]") or use '
                f"asgitest.LiveServer(..., server={name!r}) in a subprocess."
            )
        modified = modify_settings(ALLOWED_HOSTS={"append": cls.host})
        modified.enable()
        cls.addClassCleanup(modified.disable)
        wrapper = None
        if cls.serve_static:
            wrapper = cls.static_wrapper or _default_static_wrapper()
        options: dict[str, Any] = {"host": cls.host, "port": cls.port}
        options.update(cls.live_server_options)
        server = LiveServer(
            make_application(static_wrapper=wrapper), server=name, mode="thread", **options
        )
        server.start()
        cls._live_server_instance = server
        cls._port = server.port  # channels' attribute name
        cls.addClassCleanup(cls._stop_live_server)

    @classmethod
    def _stop_live_server(cls) -> None:
        server, cls._live_server_instance = cls._live_server_instance, None
        if server is not None:
            server.stop()
