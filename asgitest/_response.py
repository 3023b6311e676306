"""Response: channels' response dict, with attributes for status, headers, body and extensions."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from ._headers import Headers

__all__ = ["Informational", "Push", "Response"]


class Informational(NamedTuple):
    """A 1xx response the app sent before the final one (``http.response.early_hint`` → 103).

    Attributes:
        status: the status code (103 for early hints).
        headers: its headers (one ``link`` header per hinted link).
    """

    status: int
    headers: Headers


class Push(NamedTuple):
    """An HTTP/2 server push the app requested (``http.response.push``).

    Attributes:
        path: the path of the pushed resource.
        headers: the request headers of the pushed request.
    """

    path: str
    headers: Headers


class Response(dict[str, Any]):
    """What :meth:`HttpCommunicator.get_response` returns.

    Still the ``dict`` channels returns (``response["status"]``, ``response["headers"]``,
    ``response["body"]``, plus any extra keys of the app's ``http.response.start``), with
    attributes for the common questions.

    Example:
        ```python
        response = await communicator.get_response()
        assert response.status == 200
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {"ok": True}
        ```
    """

    @property
    def status(self) -> int:
        """The status code."""
        return self["status"]  # type: ignore[no-any-return]

    @property
    def headers(self) -> Headers:
        """The headers as sent, also answering ``headers["content-type"]`` (any case)."""
        return self["headers"]  # type: ignore[no-any-return]

    @property
    def body(self) -> bytes:
        """The whole body."""
        return self["body"]  # type: ignore[no-any-return]

    @property
    def charset(self) -> str:
        """The charset of ``Content-Type`` (``utf-8`` when none is given)."""
        content_type = self.headers.get("content-type") or ""
        for part in content_type.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                return value.strip('"')
        return "utf-8"

    @property
    def text(self) -> str:
        """The body decoded with the charset of ``Content-Type`` (default UTF-8)."""
        return self.body.decode(self.charset, errors="replace")

    def json(self, **kwargs: Any) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body, **kwargs)

    # Extension results live in attributes, not keys, so the dict stays equal to what
    # channels returns ({"status", "headers", "body"}).
    _trailers: Headers | None = None
    _informational: list[Informational] | None = None
    _pushes: list[Push] | None = None
    _history: list[Response] | None = None
    debug: dict[str, Any] | None = None
    """The ``info`` of an ``http.response.debug`` message, when that extension is advertised."""

    @property
    def trailers(self) -> Headers:
        """The trailers (``http.response.trailers``; empty unless the extension is advertised)."""
        return self._trailers if self._trailers is not None else Headers()

    @property
    def informational(self) -> list[Informational]:
        """Informational (1xx) responses before this one: early hints, in order."""
        return self._informational if self._informational is not None else []

    @property
    def pushes(self) -> list[Push]:
        """Server pushes the app requested (``http.response.push``), in order."""
        return self._pushes if self._pushes is not None else []

    @property
    def history(self) -> list[Response]:
        """The redirect responses a :class:`~asgitest.Client` followed to get this one."""
        return self._history if self._history is not None else []

    @property
    def is_redirect(self) -> bool:
        """Whether this is a redirect with a ``Location`` header."""
        return self.status in (301, 302, 303, 307, 308) and "location" in self.headers

    def __repr__(self) -> str:
        return f"<{type(self).__name__} [{self.get('status')}] {len(self.get('body', b''))} bytes>"
