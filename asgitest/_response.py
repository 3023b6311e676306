"""Response: channels' response dict, plus ``.status``, ``.headers``, ``.body``, ``.text``, ``.json()``."""

from __future__ import annotations

import json
from typing import Any

from ._headers import Headers

__all__ = ["Response"]


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

    def __repr__(self) -> str:
        return f"<{type(self).__name__} [{self.get('status')}] {len(self.get('body', b''))} bytes>"
