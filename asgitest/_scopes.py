"""Building the scopes a real server would send, keeping every key channels.testing sets."""

from __future__ import annotations

import functools
from typing import Any, Final
from urllib.parse import quote, unquote, urlparse

from ._types import Scope

__all__ = [
    "DEFAULT_CLIENT",
    "DEFAULT_HTTP_SPEC_VERSION",
    "DEFAULT_SERVER",
    "DEFAULT_WEBSOCKET_SPEC_VERSION",
    "http_scope",
    "split_path",
    "websocket_scope",
]

DEFAULT_CLIENT: Final = ("127.0.0.1", 50000)
DEFAULT_SERVER: Final = ("testserver", 80)
# What uvicorn advertises (the server most apps run under): HTTP 2.3, WebSocket 2.4.
DEFAULT_HTTP_SPEC_VERSION: Final = "2.3"
DEFAULT_WEBSOCKET_SPEC_VERSION: Final = "2.4"

_RAW_SAFE: Final = "/:@!$&'()*+,;=%~"


@functools.lru_cache(maxsize=512)
def split_path(path: str) -> tuple[str, bytes, bytes]:
    """``(path, raw_path, query_string)`` as channels computes the first and last.

    The path is percent-decoded (``"/a%2Fb"`` gives ``"/a/b"``), the scheme, host and fragment
    of a full URL are dropped; ``raw_path`` keeps the original percent-encoded bytes.
    """
    parsed = urlparse(path)
    raw = quote(parsed.path, safe=_RAW_SAFE).encode("ascii")
    return unquote(parsed.path), raw, parsed.query.encode("utf-8")


def _asgi(spec_version: str) -> dict[str, str]:
    return {"version": "3.0", "spec_version": spec_version}


def http_scope(
    method: str,
    path: str,
    headers: Any = None,
    *,
    spec_version: str | None = None,
    scheme: str = "http",
    root_path: str = "",
    client: tuple[str, int] | None = DEFAULT_CLIENT,
    server: tuple[str, int | None] | None = DEFAULT_SERVER,
    http_version: str = "1.1",
    extra: dict[str, Any] | None = None,
) -> Scope:
    """An ``http`` scope: channels' keys in channels' order, then what a real server adds."""
    decoded, raw, query = split_path(path)
    scope: Scope = {
        "type": "http",
        "http_version": http_version,
        "method": method.upper(),
        "path": decoded,
        "query_string": query,
        "headers": headers or [],
        "asgi": _asgi(spec_version or DEFAULT_HTTP_SPEC_VERSION),
        "scheme": scheme,
        "raw_path": raw,
        "root_path": root_path,
        "client": client,
        "server": server,
    }
    if extra:
        scope.update(extra)
    return scope


def websocket_scope(
    path: str,
    headers: Any = None,
    subprotocols: Any = None,
    spec_version: str | None = None,
    *,
    scheme: str = "ws",
    root_path: str = "",
    client: tuple[str, int] | None = DEFAULT_CLIENT,
    server: tuple[str, int | None] | None = DEFAULT_SERVER,
    http_version: str = "1.1",
    extra: dict[str, Any] | None = None,
) -> Scope:
    """A ``websocket`` scope: channels' keys (its top-level ``spec_version`` too, when given),
    then what a real server adds, with the spec version mirrored into ``asgi``."""
    decoded, raw, query = split_path(path)
    scope: Scope = {
        "type": "websocket",
        "path": decoded,
        "query_string": query,
        "headers": headers or [],
        "subprotocols": subprotocols or [],
    }
    if spec_version:
        scope["spec_version"] = spec_version
    scope.update(
        {
            "asgi": _asgi(spec_version or DEFAULT_WEBSOCKET_SPEC_VERSION),
            "http_version": http_version,
            "scheme": scheme,
            "raw_path": raw,
            "root_path": root_path,
            "client": client,
            "server": server,
        }
    )
    if extra:
        scope.update(extra)
    return scope
