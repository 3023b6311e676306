"""HttpCommunicator: one HTTP request to the application, and its response."""

from __future__ import annotations

from typing import Any

from ._communicator import DEFAULT, ApplicationCommunicator, TimeoutArg
from ._config import DEFAULT_TIMEOUT, StrictArg
from ._errors import UnexpectedMessage
from ._headers import Headers
from ._response import Response
from ._scopes import DEFAULT_CLIENT, DEFAULT_SERVER, http_scope
from ._transcript import DEFAULT_TRANSCRIPT_SIZE, format_message

__all__ = ["HttpCommunicator"]


class HttpCommunicator(ApplicationCommunicator):
    """Sends one HTTP request to the application and reads its response.

    The same positional parameters, scope keys and return value as
    ``channels.testing.HttpCommunicator``; the scope also carries what a real server sends
    (``asgi``, ``scheme``, ``raw_path``, ``root_path``, ``client``, ``server``). After the
    request body, the app's ``receive()`` blocks until the response is complete and then
    returns ``http.disconnect``, as a real server's does.

    Args:
        application: the ASGI application.
        method: the HTTP method (upper-cased).
        path: the path, with an optional query string (``"/items?page=2"``).
        body: the request body, sent as one ``http.request`` message.
        headers: ``[(name, value), ...]`` as bytes, passed to the app untouched.
        timeout: the default of every wait, in seconds (``None``: wait forever).
        strict: spec checking (``"error"``, ``"pedantic"``, ``"warn"``, ``"off"``).
        spec_version: the ASGI spec version advertised in ``scope["asgi"]`` (default
            ``"2.3"``, as uvicorn).
        scheme, root_path, client, server, http_version: scope values.
        scope: extra scope keys, merged last (validated like the rest).

    Example:
        ```python
        communicator = HttpCommunicator(app, "GET", "/hello")
        response = await communicator.get_response()
        assert response.status == 200 and response.body == b"Hello"
        ```
    """

    def __init__(
        self,
        application: Any,
        method: str,
        path: str,
        body: bytes = b"",
        headers: Any = None,
        *,
        timeout: float | None = DEFAULT_TIMEOUT,
        strict: StrictArg = "error",
        spec_version: str | None = None,
        scheme: str = "http",
        root_path: str = "",
        client: tuple[str, int] | None = DEFAULT_CLIENT,
        server: tuple[str, int | None] | None = DEFAULT_SERVER,
        http_version: str = "1.1",
        scope: dict[str, Any] | None = None,
        transcript_size: int | None = DEFAULT_TRANSCRIPT_SIZE,
    ) -> None:
        if not isinstance(body, bytes):
            hint = (
                " Encode it first (body=text.encode())."
                if isinstance(body, str)
                else " Convert it with bytes(body)."
            )
            raise TypeError(f"HttpCommunicator body must be bytes, got {type(body).__name__}.{hint}")
        self.body = body
        self.sent_request = False
        super().__init__(
            application,
            http_scope(
                method,
                path,
                headers,
                spec_version=spec_version,
                scheme=scheme,
                root_path=root_path,
                client=client,
                server=server,
                http_version=http_version,
                extra=scope,
            ),
            timeout=timeout,
            strict=strict,
            transcript_size=transcript_size,
        )

    async def get_response(self, timeout: TimeoutArg = DEFAULT) -> Response:
        """Send the request (once) and read the whole response.

        The timeout applies to each message, as in channels. Returns a :class:`Response`: the
        ``dict`` channels returns (``status``, ``headers``, ``body`` and any extra keys of
        the app's ``http.response.start``) with ``.status``, ``.headers``, ``.body``,
        ``.text`` and ``.json()``.

        Raises:
            Exception: the app's own exception, as soon as it is raised.
            Timeout: a message did not arrive in time, or the app ended without one.
            UnexpectedMessage: the app sent another message type than the response needs.
        """
        __tracebackhide__ = True
        if not self.sent_request:
            self.sent_request = True
            await self.send_input({"type": "http.request", "body": self.body})
        engine = self._engine
        engine.awaiting = '"http.response.start"'
        try:
            start = await self.receive_output(timeout)
            if start.get("type") != "http.response.start":
                raise self._unexpected('"http.response.start"', start)
            chunks: list[bytes] = []
            engine.awaiting = '"http.response.body"'
            while True:
                message = await self.receive_output(timeout)
                kind = message.get("type")
                if kind != "http.response.body":
                    raise self._unexpected('"http.response.body"', message)
                chunk = message.get("body", b"")
                if not isinstance(chunk, bytes):
                    raise self._unexpected("a bytes body", message)
                if chunk:
                    chunks.append(chunk)
                if not message.get("more_body", False):
                    break
        finally:
            engine.awaiting = None
        response = Response(start)
        del response["type"]
        response["headers"] = Headers(start.get("headers") or [])
        response["body"] = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        return response

    def _unexpected(self, expected: str, message: Any) -> UnexpectedMessage:
        return UnexpectedMessage(
            f"Expected {expected} from the app, got {format_message(message)}.",
            message=message,
            transcript=self.transcript,
            scope=self.scope,
        )
