"""Rules for scopes: the harness's own and every override a user passes.

A test must never hand the app a scope no server would build; these checks run once, when the
communicator is made.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, Final

from ._common import check_headers, describe_value
from ._rules import Reporter

if TYPE_CHECKING:
    from .._types import Scope

__all__ = ["validate_built_scope", "validate_scope"]

_ASGI_VERSIONS: Final = ("2.0", "3.0")
_WWW_SPEC_VERSIONS: Final = ("2.0", "2.1", "2.2", "2.3", "2.4", "2.5")
_LIFESPAN_SPEC_VERSIONS: Final = ("1.0", "2.0")
_HTTP_VERSIONS: Final = ("1.0", "1.1", "2", "3")
_WS_HTTP_VERSIONS: Final = ("1.1", "2")
_TLS_KEYS: Final = ("server_cert", "tls_version", "cipher_suite")


def validate_scope(scope: Any, report: Reporter) -> None:
    """Check a scope against the core rules and those of its protocol."""
    __tracebackhide__ = True
    if not isinstance(scope, dict):
        report.fail(
            "R3",
            f"the scope must be a dict, got {describe_value(scope)}",
            offending=scope,
            field="scope",
            fix='pass a dict such as {"type": "http", ...}',
        )
        return
    kind = scope.get("type")
    if type(kind) is not str:
        report.fail(
            "R3",
            f"scope['type'] must be a str naming the protocol, got {describe_value(kind)}",
            offending=scope,
            field="type",
            fix='"type": "http" (or "websocket", "lifespan")',
        )
        return
    for key in scope:
        if type(key) is not str:
            report.fail(
                "R10",
                f"scope keys must be str, got {describe_value(key)}",
                offending=scope,
                field=repr(key),
                fix="use str keys",
            )
    if kind not in ("http", "websocket", "lifespan"):
        return
    _check_asgi(scope, kind, report)
    if kind == "lifespan":
        _check_state(scope, "R93", report)
        return
    http = kind == "http"
    rule = _rules_for(http)
    if http:
        _required_str(scope, "http_version", rule["version"], report, allowed=_HTTP_VERSIONS)
        method = scope.get("method")
        if type(method) is not str:
            report.fail(
                "R24",
                f"scope 'method' must be a str, got {describe_value(method)}",
                offending=scope,
                field="method",
                fix='method="GET"',
            )
        elif method != method.upper() or not method:
            report.fail(
                "R24",
                f"scope 'method' must be uppercase, got {method!r}",
                offending=scope,
                field="method",
                fix=f"method={method.upper()!r}",
            )
    else:
        version = scope.get("http_version", "1.1")
        if version not in _WS_HTTP_VERSIONS:
            report.fail(
                "R63",
                f"scope 'http_version' must be '1.1' or '2' for a websocket, got "
                f"{describe_value(version)}",
                offending=scope,
                field="http_version",
                fix='http_version="1.1"',
            )
    scheme = scope.get("scheme", "http" if http else "ws")
    if type(scheme) is not str or not scheme:
        report.fail(
            rule["scheme"],
            f"scope 'scheme' must be a non-empty str, got {describe_value(scheme)}",
            offending=scope,
            field="scheme",
            fix='scheme="https"' if http else 'scheme="wss"',
        )
    path = scope.get("path")
    if type(path) is not str:
        report.fail(
            rule["path"],
            f"scope 'path' must be a str (the decoded path, without the query string), got "
            f"{describe_value(path)}",
            offending=scope,
            field="path",
            fix='path="/items"',
        )
    elif not path.startswith("/") and not (http and path == "*"):
        report.fail(
            rule["path"],
            f"scope 'path' {path!r} does not start with '/'; a server always sends an "
            "absolute path (channels' routing strips the slash itself)",
            offending=scope,
            field="path",
            fix=f"path={'/' + path!r}",
            severity="pedantic",
        )
    raw_path = scope.get("raw_path")
    if raw_path is not None:
        if type(raw_path) is not bytes:
            report.fail(
                rule["raw_path"],
                f"scope 'raw_path' must be bytes or None, got {describe_value(raw_path)}",
                offending=scope,
                field="raw_path",
                fix='raw_path=b"/items"',
            )
        elif b"?" in raw_path:
            report.fail(
                rule["raw_path"],
                f"scope 'raw_path' {raw_path!r} contains the query string; raw_path excludes it",
                offending=scope,
                field="raw_path",
                fix=f"raw_path={raw_path.split(b'?', 1)[0]!r} and query_string="
                f"{raw_path.split(b'?', 1)[1]!r}",
            )
    if "query_string" not in scope:
        if http:
            report.fail(
                "R28",
                "scope 'query_string' is missing; every http scope has it (b\"\" when empty)",
                offending=scope,
                field="query_string",
                fix='query_string=b""',
            )
    else:
        query = scope["query_string"]
        if type(query) is not bytes and not (query is None and not http):
            report.fail(
                rule["query"],
                f"scope 'query_string' must be bytes, got {describe_value(query)}",
                offending=scope,
                field="query_string",
                fix=f"query_string={query.encode()!r}"
                if isinstance(query, str)
                else ('query_string=b""'),
            )
        elif type(query) is bytes and query[:1] == b"?":
            report.fail(
                rule["query"],
                f"scope 'query_string' {query!r} starts with '?'; it is the part after the '?'",
                offending=scope,
                field="query_string",
                fix=f"query_string={query[1:]!r}",
            )
    root_path = scope.get("root_path", "")
    if type(root_path) is not str:
        report.fail(
            rule["root_path"],
            f"scope 'root_path' must be a str, got {describe_value(root_path)}",
            offending=scope,
            field="root_path",
            fix='root_path="/api"',
        )
    elif root_path and type(path) is str and not path.startswith(root_path):
        report.fail(
            rule["path"],
            f"scope 'path' {path!r} does not start with root_path {root_path!r}; servers "
            "(uvicorn) send path = root_path + path, and Starlette routes on that",
            offending=scope,
            field="path",
            fix=f"path={root_path.rstrip('/') + path!r}",
            severity="pedantic",
        )
    if "headers" not in scope:
        report.fail(
            rule["headers"],
            f"scope 'headers' is missing; every {kind} scope has it ([] when empty)",
            offending=scope,
            field="headers",
            fix="headers=[]",
        )
    else:
        _check_request_headers(scope, rule["headers"], report)
    _check_address(scope, "client", rule["address"], report)
    _check_address(scope, "server", rule["address"], report)
    if not http:
        _check_subprotocols(scope, report)
    _check_state(scope, rule["state"], report)
    _check_extensions(scope, rule["state"], report)


# Keys of builder inputs whose scope (headers and subprotocols aside) showed no finding at all,
# even in pedantic mode: such a scope is valid under every strictness.
_CLEAN: set[Hashable] = set()
_MAX_CLEAN: Final = 512


def validate_built_scope(scope: Scope, report: Reporter, key: Hashable) -> None:
    """:func:`validate_scope` for a scope made by asgitest's builders from the inputs ``key``.

    The verdict on everything but the user's headers, subprotocols and lifespan state is cached
    per key; those are checked every time, with the same rules and messages as in
    :func:`validate_scope`.
    """
    __tracebackhide__ = True
    if key not in _CLEAN:
        findings: list[Any] = []
        probe = Reporter(scope, "pedantic", None, findings.append)
        base = dict(scope)
        for name in ("headers", "subprotocols"):
            if name in base:
                base[name] = []
        if "state" in base:
            base["state"] = {}
        validate_scope(base, probe)
        if findings:
            validate_scope(scope, report)  # reported as usual, every time
            return
        if len(_CLEAN) >= _MAX_CLEAN:
            _CLEAN.clear()
        _CLEAN.add(key)
    kind = scope["type"]
    if kind == "lifespan":
        _check_state(scope, "R93", report)
        return
    http = kind == "http"
    if scope["headers"]:
        _check_request_headers(scope, "R30" if http else "R69", report)
    if not http and scope["subprotocols"]:
        _check_subprotocols(scope, report)


def _check_subprotocols(scope: Scope, report: Reporter) -> None:
    __tracebackhide__ = True
    subprotocols = scope.get("subprotocols", [])
    if (
        isinstance(subprotocols, (str, bytes))
        or not hasattr(subprotocols, "__iter__")
        or any(type(item) is not str for item in subprotocols)
    ):
        report.fail(
            "R71",
            f"scope 'subprotocols' must be an iterable of str, got {describe_value(subprotocols)}",
            offending=scope,
            field="subprotocols",
            fix='subprotocols=["chat"]',
        )


def _rules_for(http: bool) -> dict[str, str]:
    if http:
        return {
            "version": "R23",
            "scheme": "R25",
            "path": "R26",
            "raw_path": "R27",
            "query": "R28",
            "root_path": "R29",
            "headers": "R30",
            "address": "R32",
            "state": "R34",
        }
    return {
        "version": "R63",
        "scheme": "R64",
        "path": "R65",
        "raw_path": "R66",
        "query": "R67",
        "root_path": "R68",
        "headers": "R69",
        "address": "R70",
        "state": "R72",
    }


def _check_asgi(scope: Scope, kind: str, report: Reporter) -> None:
    __tracebackhide__ = True
    if "asgi" not in scope:
        report.fail(
            "R4",
            "scope 'asgi' is missing; every server sends it (the version then defaults to '2.0')",
            offending=scope,
            field="asgi",
            fix='"asgi": {"version": "3.0", "spec_version": "2.3"}',
            severity="pedantic",
        )
        return
    asgi = scope["asgi"]
    if not isinstance(asgi, dict):
        report.fail(
            "R4",
            f"scope 'asgi' must be a dict, got {describe_value(asgi)}",
            offending=scope,
            field="asgi",
            fix='"asgi": {"version": "3.0"}',
        )
        return
    version = asgi.get("version", "2.0")
    if version not in _ASGI_VERSIONS:
        report.fail(
            "R4",
            f"scope['asgi']['version'] must be '2.0' or '3.0', got {describe_value(version)}",
            offending=scope,
            field="asgi.version",
            fix='"version": "3.0"',
        )
    if "spec_version" in asgi:
        spec_version = asgi["spec_version"]
        allowed = _LIFESPAN_SPEC_VERSIONS if kind == "lifespan" else _WWW_SPEC_VERSIONS
        if spec_version not in allowed:
            rule = {"http": "R22", "websocket": "R62", "lifespan": "R93"}[kind]
            report.fail(
                rule,
                f"scope['asgi']['spec_version'] must be one of {', '.join(allowed)} for "
                f"{kind}, got {describe_value(spec_version)}",
                offending=scope,
                field="asgi.spec_version",
                fix=f'"spec_version": "{allowed[-1]}"',
            )
    top = scope.get("spec_version")
    if top is not None and kind == "websocket" and top not in _WWW_SPEC_VERSIONS:
        report.fail(
            "R62",
            f"scope 'spec_version' (channels' top-level key) must be one of "
            f"{', '.join(_WWW_SPEC_VERSIONS)}, got {describe_value(top)}",
            offending=scope,
            field="spec_version",
            fix='spec_version="2.4"',
        )


def _required_str(
    scope: Scope, key: str, rule: str, report: Reporter, *, allowed: tuple[str, ...]
) -> None:
    __tracebackhide__ = True
    value = scope.get(key)
    if value not in allowed:
        report.fail(
            rule,
            f"scope {key!r} must be one of {', '.join(map(repr, allowed))}, got "
            f"{describe_value(value)}",
            offending=scope,
            field=key,
            fix=f'{key}="1.1"',
        )


def _check_request_headers(scope: Scope, rule: str, report: Reporter) -> None:
    __tracebackhide__ = True
    check_headers(
        report,
        scope["headers"],
        scope,
        type_rule=rule,
        case_rule=rule,
        pseudo_rule=rule,
        response=False,
    )


def _check_address(scope: Scope, key: str, rule: str, report: Reporter) -> None:
    __tracebackhide__ = True
    value = scope.get(key)
    if value is None:
        return
    try:
        host, port = value
    except (TypeError, ValueError):
        host, port = None, "?"
    server = key == "server"
    port_ok = type(port) is int or (server and port is None)
    if type(host) is not str or not port_ok or isinstance(value, (str, bytes, dict)):
        shape = (
            "[host: str, port: int] or [unix_socket_path, None]"
            if server
            else ("[host: str, port: int]")
        )
        report.fail(
            "R33" if server and rule == "R32" else rule,
            f"scope {key!r} must be {shape} or None, got {describe_value(value)}",
            offending=scope,
            field=key,
            fix=f'{key}=("127.0.0.1", 8000)',
        )
        return
    if server and port is None:
        asgi = scope.get("asgi")
        version = asgi.get("spec_version", "2.0") if isinstance(asgi, dict) else "2.0"
        if version in ("2.0", "2.1"):
            report.fail(
                "R33" if rule == "R32" else rule,
                f"scope 'server' has port None, allowed only from spec_version 2.2 (this scope "
                f"advertises {version})",
                offending=scope,
                field="server",
                fix="advertise spec_version 2.2 or later, or give the port",
                severity="pedantic",
            )


def _check_state(scope: Scope, rule: str, report: Reporter) -> None:
    __tracebackhide__ = True
    if "state" in scope and not isinstance(scope["state"], dict):
        report.fail(
            rule,
            f"scope 'state' must be a dict, got {describe_value(scope['state'])}",
            offending=scope,
            field="state",
            fix="state={}",
        )


def _check_extensions(scope: Scope, rule: str, report: Reporter) -> None:
    __tracebackhide__ = True
    if "extensions" not in scope:
        return
    extensions = scope["extensions"]
    rule = "R35" if rule == "R34" else "R72"
    if extensions is None:
        return
    if not isinstance(extensions, dict) or any(
        type(name) is not str or not isinstance(value, dict) for name, value in extensions.items()
    ):
        report.fail(
            rule,
            f"scope 'extensions' must be a dict of name to dict, got {describe_value(extensions)}",
            offending=scope,
            field="extensions",
            fix='extensions={"http.response.trailers": {}}',
        )
        return
    tls = extensions.get("tls")
    if tls is not None:
        scheme = scope.get("scheme", "")
        if scheme in ("http", "ws"):
            report.fail(
                "R108",
                f"scope extensions['tls'] is advertised but scheme is {scheme!r}; the tls "
                "extension is present only on TLS connections",
                offending=scope,
                field="extensions.tls",
                fix="scheme='https' (or 'wss'), or drop the tls extension",
            )
        missing = [key for key in _TLS_KEYS if key not in tls]
        if missing:
            report.fail(
                "R108",
                f"scope extensions['tls'] lacks the mandatory key(s) {', '.join(missing)}",
                offending=scope,
                field="extensions.tls",
                fix="give server_cert, tls_version and cipher_suite (None when unknown)",
            )
