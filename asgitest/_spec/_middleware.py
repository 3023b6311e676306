"""SpecCheck: the spec checker as ASGI middleware, to validate a live app under a real server."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Final, Literal

from .._app import resolve_application
from .._config import normalize_strict
from .._errors import ProtocolError
from .._transcript import FROM_APP, TO_APP, Transcript

if TYPE_CHECKING:
    from .._config import StrictArg
    from .._types import Message, Receive, Scope, Send

__all__ = ["SpecCheck"]

logger: Final = logging.getLogger("asgitest.spec")
_TRANSCRIPT_SIZE: Final = 50


class SpecCheck:
    """ASGI middleware that checks every message between a real server and the app.

    Wrap your application to find spec violations while it runs under uvicorn, hypercorn or
    daphne in development: each connection gets its own checker (the same rules as the
    communicators), and a violation is raised into the app (so the server logs it with the
    app's traceback) or logged to the ``asgitest.spec`` logger.

    Args:
        app: the ASGI application to check.
        strict: ``"error"`` (default), ``"pedantic"``, ``"warn"`` (emit
            :class:`~asgitest.ProtocolWarning`) or ``"off"`` (pass through untouched).
        on_violation: ``"raise"`` (default): raise :class:`~asgitest.ProtocolError` from the
            ``send()``/``receive()`` call that broke a rule, or when the app returns;
            ``"log"``: log it at ERROR level with the connection's recent messages and go on.

    Example:
        ```python
        # myproject/asgi.py, for development only
        from asgitest import SpecCheck
        application = SpecCheck(get_asgi_application(), on_violation="log")
        ```

    Not for production: it costs a few hundred nanoseconds per message and keeps the last
    50 messages of each connection.
    """

    def __init__(
        self,
        app: Any,
        *,
        strict: StrictArg = "error",
        on_violation: Literal["raise", "log"] = "raise",
    ) -> None:
        if on_violation not in ("raise", "log"):
            raise ValueError(f"on_violation must be 'raise' or 'log', got {on_violation!r}.")
        self.app = resolve_application(app)
        self.strict = normalize_strict(strict, "SpecCheck strict")
        self.on_violation = on_violation

    def __repr__(self) -> str:
        return f"<{type(self).__name__} strict={self.strict!r} on_violation={self.on_violation!r}>"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        from ._checker import make_checker

        transcript = Transcript(_TRANSCRIPT_SIZE)
        on_finding = _log if self.on_violation == "log" else None
        checker = make_checker(scope, self.strict, transcript, on_finding=on_finding)
        if checker is None:
            await self.app(scope, receive, send)
            return

        async def checked_receive() -> Message:
            message = await receive()
            transcript.record(TO_APP, message)
            checker.on_input(message)
            return message

        async def checked_send(message: Message) -> None:
            transcript.record(FROM_APP, message)
            checker.on_send(message)
            try:
                await send(message)
            except OSError:
                # The server says the client is gone (spec 2.4): later sends are no-ops.
                checker.on_disconnect()
                raise

        try:
            await self.app(scope, checked_receive, checked_send)
        except Exception as exc:
            if not isinstance(exc, ProtocolError):
                checker.on_exit(exc)
            raise
        violation = checker.on_exit(None)
        if violation is not None:
            raise violation


def _log(error: ProtocolError) -> None:
    transcript = error.transcript
    logger.error(
        "%s\n%s",
        error,
        transcript.render_for_error() if transcript is not None else "",
        extra={"asgi_rule_id": error.rule_id},
    )
