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
    "build_http_scope",
    "build_websocket_scope",
    "complete_scope",
    "describe_scope",
    "split_path",
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


# Scope templates by builder inputs. Building a scope parses the path and makes a dozen-key dict;
# a suite makes thousands of scopes from a handful of distinct inputs, so each distinct input tuple
# is built once and then copied. Its ScopeToken is what the spec checker caches its verdict
# under (asgitest's builders make the same scope from the same inputs). Only inputs of the exact
# expected types are cached: 1 == True and "a" == a str subclass would otherwise share a key.
_TEMPLATES: dict[tuple[Any, ...], tuple[Scope, ScopeToken]] = {}
_MAX_TEMPLATES: Final = 512


class ScopeToken:
    """Stands for one template: what the spec checker caches its verdict under. Hashed by
    identity, so the check costs no hashing of the builder inputs."""

    __slots__ = ("key",)

    def __init__(self, key: tuple[Any, ...]) -> None:
        self.key = key

    def __repr__(self) -> str:
        return f"<ScopeToken {self.key!r}>"


def _address_ok(value: Any) -> bool:
    return value is None or (
        type(value) is tuple
        and len(value) == 2
        and type(value[0]) is str
        and (type(value[1]) is int or value[1] is None)
    )


def _remember(key: tuple[Any, ...], template: Scope) -> tuple[Scope, ScopeToken]:
    if len(_TEMPLATES) >= _MAX_TEMPLATES:
        _TEMPLATES.clear()
    entry = _TEMPLATES[key] = (template, ScopeToken(key))
    return entry


def build_http_scope(
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
) -> tuple[Scope, ScopeToken | None]:
    """An ``http`` scope (channels' keys in channels' order, then what a real server adds), and
    the key of its inputs (everything but ``headers``) when the
    scope is fully determined by them (no ``extra``), else ``None``."""
    spec_version = spec_version or DEFAULT_HTTP_SPEC_VERSION
    key: tuple[Any, ...] | None = None
    if (
        not extra
        and type(method) is str
        and type(path) is str
        and type(spec_version) is str
        and type(scheme) is str
        and type(root_path) is str
        and type(http_version) is str
        and (client is DEFAULT_CLIENT or _address_ok(client))
        and (server is DEFAULT_SERVER or _address_ok(server))
    ):
        key = ("http", method, path, spec_version, scheme, root_path, client, server, http_version)
        entry = _TEMPLATES.get(key)
        if entry is None:
            entry = _remember(
                key,
                _http_scope(
                    method, path, spec_version, scheme, root_path, client, server, http_version
                ),
            )
        scope: Scope = dict(entry[0])
        scope["headers"] = headers or []
        scope["asgi"] = {"version": "3.0", "spec_version": spec_version}
        return scope, entry[1]
    scope = _http_scope(method, path, spec_version, scheme, root_path, client, server, http_version)
    scope["headers"] = headers or []
    if extra:
        scope.update(extra)
    return scope, None


def _http_scope(
    method: str,
    path: str,
    spec_version: str,
    scheme: str,
    root_path: str,
    client: Any,
    server: Any,
    http_version: str,
) -> Scope:
    decoded, raw, query = split_path(path)
    return {
        "type": "http",
        "http_version": http_version,
        "method": method.upper(),
        "path": decoded,
        "query_string": query,
        "headers": [],
        "asgi": _asgi(spec_version),
        "scheme": scheme,
        "raw_path": raw,
        "root_path": root_path,
        "client": client,
        "server": server,
    }


def build_websocket_scope(
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
) -> tuple[Scope, ScopeToken | None]:
    """A ``websocket`` scope (channels' keys, its top-level ``spec_version`` too when given, then
    what a real server adds), and the key of its inputs (everything but ``headers`` and
    ``subprotocols``) when the scope is fully determined by them (no ``extra``), else ``None``."""
    key: tuple[Any, ...] | None = None
    if (
        not extra
        and type(path) is str
        and (spec_version is None or type(spec_version) is str)
        and type(scheme) is str
        and type(root_path) is str
        and type(http_version) is str
        and (client is DEFAULT_CLIENT or _address_ok(client))
        and (server is DEFAULT_SERVER or _address_ok(server))
    ):
        key = ("websocket", path, spec_version, scheme, root_path, client, server, http_version)
        entry = _TEMPLATES.get(key)
        if entry is None:
            entry = _remember(
                key,
                _websocket_scope(
                    path, spec_version, scheme, root_path, client, server, http_version
                ),
            )
        scope: Scope = dict(entry[0])
        scope["headers"] = headers or []
        scope["subprotocols"] = subprotocols or []
        scope["asgi"] = _asgi(spec_version or DEFAULT_WEBSOCKET_SPEC_VERSION)
        return scope, entry[1]
    scope = _websocket_scope(path, spec_version, scheme, root_path, client, server, http_version)
    scope["headers"] = headers or []
    scope["subprotocols"] = subprotocols or []
    if extra:
        scope.update(extra)
    return scope, None


def _websocket_scope(
    path: str,
    spec_version: str | None,
    scheme: str,
    root_path: str,
    client: Any,
    server: Any,
    http_version: str,
) -> Scope:
    decoded, raw, query = split_path(path)
    scope: Scope = {
        "type": "websocket",
        "path": decoded,
        "query_string": query,
        "headers": [],
        "subprotocols": [],
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
    return scope


_MISSING: Final = object()


def complete_scope(scope: Any) -> None:
    """Fill in, in place, what a real server always sends and the test left out.

    For a scope the test wrote by hand (``ApplicationCommunicator(app, {"type": "http",
    "path": "/"})``): the harness plays the server, so keys every server sends (``asgi``,
    ``http_version``, ``method``, ``scheme``, ``path``, ``raw_path``, ``query_string``,
    ``root_path``, ``headers``, ``client``, ``server``, and ``subprotocols`` for a WebSocket)
    are added with the values asgitest's own builders use. Values the test gave are kept as
    they are, for the spec checker to judge. Anything that is not an http, websocket or
    lifespan scope dict is left alone.
    """
    if type(scope) is not dict:
        return
    kind = scope.get("type")
    if kind == "lifespan":
        _complete_asgi(scope, "2.0")
        return
    if kind == "http":
        _complete_asgi(scope, DEFAULT_HTTP_SPEC_VERSION)
        scope.setdefault("http_version", "1.1")
        scope.setdefault("method", "GET")
        scope.setdefault("scheme", "http")
    elif kind == "websocket":
        top = scope.get("spec_version")
        _complete_asgi(scope, top if type(top) is str and top else DEFAULT_WEBSOCKET_SPEC_VERSION)
        scope.setdefault("http_version", "1.1")
        scope.setdefault("scheme", "ws")
        scope.setdefault("subprotocols", [])
    else:
        return
    path = scope.setdefault("path", "/")
    if "raw_path" not in scope and type(path) is str:
        scope["raw_path"] = quote(path, safe=_RAW_SAFE).encode("ascii")
    scope.setdefault("query_string", b"")
    scope.setdefault("root_path", "")
    scope.setdefault("headers", [])
    scope.setdefault("client", DEFAULT_CLIENT)
    scope.setdefault("server", DEFAULT_SERVER)


def _complete_asgi(scope: dict[str, Any], spec_version: str) -> None:
    asgi = scope.get("asgi", _MISSING)
    if asgi is _MISSING:
        scope["asgi"] = _asgi(spec_version)
    elif type(asgi) is dict:
        asgi.setdefault("version", "3.0")
        asgi.setdefault("spec_version", spec_version)


def describe_scope(scope: Any) -> str:
    """A short name for a connection, e.g. ``http GET /items?page=2`` or ``websocket /ws/``."""
    try:
        kind = scope.get("type", "?")
        path = scope.get("path", "")
        query = scope.get("query_string") or b""
        if query:
            path = f"{path}?{query.decode('latin-1')}"
        if kind == "http":
            return f"http {scope.get('method', '?')} {path}"
        if kind == "lifespan":
            return "lifespan"
        return f"{kind} {path}".strip()
    except Exception:
        return repr(scope)[:60]
